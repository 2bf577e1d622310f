"""The xor assignment, written with kit kinds only: every shipped example, pinned feedback,
hand-built records on the XOR points, and hints that agree on the cause.

The kinds' own behaviour (any model, any 2-D task) is tested in tests/test_kit.py,
tests/test_kit_training.py and tests/test_kit_boundary.py; here, what the YAML's
settings make of them for XOR.
"""

from __future__ import annotations

import functools
import re
import textwrap
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import kit, spec as spec_mod
from autograder.namespace import SubmissionNamespace
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file, observe_names
from tests.records import record_paths, replaced

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "xor"
ITEMS = ("xor.shapes", "xor.forward", "xor.loss_decrease", "xor.boundary")
SPEC = spec_mod.load("xor")
kit.load_all()
pytestmark = pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")


@functools.lru_cache(maxsize=None)
def observation(path: str, item_id: str) -> dict[str, Any]:
    return observe_file(path, "xor", item_id)


def outcome(name: str, item_id: str) -> Outcome:
    """Judge ``examples/xor/<name>.py`` (or the reference) against the reference, caching observations."""
    path = str(SPEC.reference if name == "reference" else EXAMPLES / f"{name}.py")
    return outcome_for(SPEC.item(item_id), observation(path, item_id),
                       observation(str(SPEC.reference), item_id))


def reference_facts(item_id: str) -> dict[str, Any]:
    """The reference's facts for ``item_id``: what every judge takes its inputs from."""
    return observation(str(SPEC.reference), item_id)["facts"]


def judge(item_id: str, observed: dict[str, Any], expected: dict[str, Any] | None = None) -> Outcome:
    """Run an item's kind judge directly on hand-built facts with the YAML's check settings."""
    item = SPEC.item(item_id)
    return kit.KINDS[item.kind].judge(observed, expected or reference_facts(item_id), item.check)


def test_every_item_is_a_kit_kind() -> None:
    assert [SPEC.item(i).kind for i in ITEMS] == ["module_shapes", "forward_equivalence", "training_reduces_loss",
                                                  "decision_boundary"]
    folder = ROOT / "assignments" / "xor"
    assert not (folder / "probes.py").exists() and not (folder / "checks.py").exists()


# --- whole submissions --------------------------------------------------------------------


@pytest.mark.parametrize("item_id", ITEMS)
@pytest.mark.parametrize("name", ["reference", "correct"])
def test_correct_solutions_pass_every_item(name: str, item_id: str) -> None:
    assert outcome(name, item_id).status == "passed", outcome(name, item_id).feedback


def test_examples_state_which_items_they_lose() -> None:
    for path in EXAMPLES.glob("*.py"):
        assert path.read_text().startswith('"""'), path


def test_shapes_pinned_feedback() -> None:
    assert outcome("reference", "xor.shapes").feedback == (
        "XOR(2), XOR(5): the registered parameters have the expected shapes ((2,2) (2,) (1,2) (1,) for the first)."
    )
    wrong = outcome("xor_wrong_hidden_shape", "xor.shapes")
    assert wrong.status == "failed"
    assert wrong.feedback == (
        "XOR(2): parameter 1 (`fc1.weight`) has shape (4,2), expected (2,2) (all shapes: (4,2) (4,) (1,4) "
        "(1,); expected: (2,2) (2,) (1,2) (1,)). nn.Linear(in, out) stores its weight as (out, in): check the "
        "sizes passed to each layer."
    )


def test_wrong_hidden_shape_costs_only_shapes() -> None:
    statuses = {i: outcome("xor_wrong_hidden_shape", i).status for i in ITEMS}
    assert statuses == {"xor.shapes": "failed", "xor.forward": "passed",
                        "xor.loss_decrease": "passed", "xor.boundary": "passed"}


def test_forward_catches_missing_sigmoid() -> None:
    result = outcome("xor_no_sigmoid", "xor.forward")
    assert result.status == "failed"
    assert result.feedback == (
        "XOR(2) on a batch of shape (16, 2): the outputs equal the two Linear layers with nothing "
        "between them: apply Sigmoid to the hidden layer (without it the model is linear and "
        "cannot learn XOR)."
    )


def test_forward_catches_hardcoded_truth_table() -> None:
    result = outcome("xor_hardcoded_truth_table", "xor.forward")
    assert result.status == "failed"
    assert result.feedback.startswith(
        "XOR(2) on a batch of shape (16, 2): the outputs are not Linear-Sigmoid-Linear computed from the model's "
        "own weights: in row ")
    assert result.feedback.endswith(
        "forward must return the layers' values (Linear-Sigmoid-Linear), not values computed another way.")


def test_hardcoded_truth_table_loses_forward_and_boundary() -> None:
    """Its outputs are perfect, but they are not its weights' outputs: xor.boundary computes
    the predictions from the trained weights, which never learned XOR. train_xor is
    correct, so xor.loss_decrease is kept through the grader-built network."""
    statuses = {i: outcome("xor_hardcoded_truth_table", i).status for i in ITEMS}
    assert statuses == {"xor.shapes": "passed", "xor.forward": "failed",
                        "xor.loss_decrease": "passed", "xor.boundary": "failed"}
    assert ("seed 0: XOR()'s outputs are not Linear-Sigmoid-Linear (nor a look-alike) computed from its own "
            "weights, so the grader cannot compute its predictions"
            ) in outcome("xor_hardcoded_truth_table", "xor.boundary").feedback


def test_forward_names_relu() -> None:
    result = outcome("xor_relu_instead_of_sigmoid", "xor.forward")
    assert result.status == "failed"
    assert result.feedback.endswith(
        "the outputs equal Linear-ReLU-Linear: the sheet asks for Sigmoid between the layers "
        "(nn.Sigmoid() or torch.sigmoid)."
    )
    assert outcome("xor_relu_instead_of_sigmoid", "xor.boundary").status == "passed"


def test_forward_squeezed_output_is_half_right() -> None:
    result = outcome("xor_squeezes_output", "xor.forward")
    assert result.fraction == 0.5
    assert result.feedback == (
        "The values are right, but XOR(2) on a batch of shape (16, 2) returned shape (16,), "
        "expected (16, 1): keep one row per input and one column per output (do not squeeze, flatten or "
        "transpose it)."
    )
    boundary = outcome("xor_squeezes_output", "xor.boundary")
    assert boundary.status == "failed"
    assert "undecided at 4 of 4 points" in boundary.feedback
    assert "XOR() returns shape (4,) for the 4 training points, expected (4, 1)" in boundary.feedback


def test_loss_decrease_pinned_feedback() -> None:
    assert outcome("reference", "xor.loss_decrease").feedback.startswith(
        "train_xor(XOR(), X, y): the loss went from 0.3661 to "
    )
    nothing = outcome("train_returns_nothing", "xor.loss_decrease")
    assert nothing.status == "failed"
    assert nothing.feedback == (
        "train_xor(XOR(), X, y): train_xor returned None: append loss.item() to a list every "
        "epoch and return the list."
    )
    assert outcome("train_returns_nothing", "xor.boundary").status == "passed"


def test_loss_decrease_fails_small_learning_rate() -> None:
    result = outcome("xor_lr_too_small", "xor.loss_decrease")
    assert result.status == "failed"
    assert result.feedback == (
        "train_xor(XOR(), X, y): the loss went from 0.3661 to 0.2816 over 200 epochs; expected the "
        "last loss below 10% of the first. It fell too little: raise the default learning rate or "
        "train for more epochs (Adam with lr around 0.01 to 0.1 for a few hundred epochs works well)."
    )


def test_loss_decrease_fails_forgotten_zero_grad() -> None:
    result = outcome("train_forgets_zero_grad", "xor.loss_decrease")
    assert result.status == "failed"
    assert result.feedback.endswith(
        "It did not fall at all: is the learning rate too large, or are the gradients never reset "
        "(optimizer.zero_grad() every epoch)?"
    )


def test_loss_decrease_fails_a_curve_of_another_model() -> None:
    """The curve falls, but it is not the loss of the model passed in, which never changed:
    from the record alone that is a made-up curve, so it earns nothing."""
    result = outcome("train_ignores_model_argument", "xor.loss_decrease")
    assert result.status == "failed"
    assert result.feedback.endswith(
        "but the model passed to train_xor did not change: train the `model` argument (an "
        "optimizer over model.parameters(), optimizer.step() every epoch), not a new one."
    )


def test_loss_decrease_credits_train_xor_when_the_model_is_broken() -> None:
    """One mistake, one item: a linear XOR does not cost train_xor its points."""
    result = outcome("xor_no_sigmoid", "xor.loss_decrease")
    assert result.status == "passed"
    assert result.feedback.startswith(
        "train_xor works: on a grader-built Linear(2, 16)-Sigmoid-Linear(16, 1) network, the loss went from "
    )
    assert result.feedback.endswith(
        "On your XOR() it did not (the loss went from 0.5457 to 0.25 over 200 epochs), so the "
        "model is what needs fixing: check XOR's layers and its forward pass (Linear, Sigmoid, Linear)."
    )


def test_boundary_reference_feedback() -> None:
    assert outcome("reference", "xor.boundary").feedback == (
        "After train_xor(XOR(), X, y) with your defaults, XOR() solved XOR on 5 of 5 seeds "
        "(outputs thresholded at 0.5 right at all 4 points, each at least 0.05 from 0.5, and at "
        "every grid point within 0.1 of a point)."
    )


def test_boundary_gives_partial_credit_for_unreliable_defaults() -> None:
    result = outcome("xor_two_hidden_units", "xor.boundary")
    assert result.status == "partial"
    assert result.fraction == 0.75
    assert "XOR() solved XOR on 3 of 5 seeds" in result.feedback
    assert "; full credit needs 4. seed 1: wrong at 2 of 4 points" in result.feedback
    assert result.feedback.endswith(
        "Training gets stuck from some initialisations: a wider default hidden layer (e.g. "
        "XOR(n_hidden=8)) and Adam with lr around 0.05 make XOR() learn from almost every seed."
    )


@pytest.mark.parametrize("name", ["xor_no_sigmoid", "train_forgets_zero_grad", "xor_lr_too_small",
                                  "train_ignores_model_argument"])
def test_boundary_fails_models_that_do_not_learn(name: str) -> None:
    result = outcome(name, "xor.boundary")
    assert result.status == "failed"
    assert "XOR() solved XOR on 0 of 5 seeds" in result.feedback


def test_untouched_template_is_not_implemented() -> None:
    """Cells run one by one as Jupyter would; every item reports the stub's message."""
    nb = nbformat.read(ROOT / "student_template" / "xor.ipynb", as_version=4)
    names: dict[str, Any] = {"__name__": "submission"}
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.startswith("!"):
            try:
                exec(compile(cell.source, "<cell>", "exec"), names)
            except NotImplementedError:
                pass
    ns = SubmissionNamespace(names, SPEC.aliases)
    for item_id in ITEMS:
        item = SPEC.item(item_id)
        result = outcome_for(item, observe_names(SPEC, item_id, ns),
                             observation(str(SPEC.reference), item_id))
        assert result.status == "error", (item_id, result.feedback)
        assert "not implemented yet" in result.feedback, (item_id, result.feedback)


# --- hand-built records on the XOR points -------------------------------------------------
#
# The judges take the points from the reference's facts and recompute predictions and losses
# from the reported weights, so hand-built records are weights: networks whose behaviour on
# the four XOR points is known in closed form.

def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def net(w1: Any, b1: Any, w2: Any, b2: Any) -> list[dict[str, Any]]:
    return [{"weight": np.asarray(w1, dtype=np.float32), "bias": np.asarray(b1, dtype=np.float32)},
            {"weight": np.asarray(w2, dtype=np.float32), "bias": np.asarray(b2, dtype=np.float32)}]


def outputs(layers: list[dict[str, Any]], points: np.ndarray, hidden: Any = sigmoid) -> np.ndarray:
    w1, b1, w2, b2 = (np.asarray(layers[k][n], dtype=np.float64) for k in (0, 1) for n in ("weight", "bias"))
    return (hidden(points @ w1.T + b1) @ w2.T + b2).ravel()


# Hidden units OR and AND of the inputs, output OR - AND: solves XOR with wide margins.
SOLVES = net([[20, 20], [20, 20]], [-10, -30], [[1, -1]], [0])
# Output 0.5 everywhere: a model stuck at the mean.
STUCK = net([[0.1, 0.2], [0.3, -0.1]], [0, 0], [[0, 0]], [0.5])
START = net([[0.3, -0.5], [0.2, 0.4]], [0.1, -0.2], [[0.5, -0.3]], [0.2])
BOUNDARY = reference_facts("xor.boundary")
POINTS, TARGETS, GRID = (np.asarray(BOUNDARY[k], dtype=np.float64) for k in ("inputs", "targets", "grid"))


def mse(layers: list[dict[str, Any]], hidden: Any = sigmoid) -> float:
    return float(np.mean((outputs(layers, POINTS, hidden) - TARGETS) ** 2))


def curve(start: list[dict[str, Any]], end: list[dict[str, Any]], hidden: Any = sigmoid) -> np.ndarray:
    """A curve a real run could return: the starting loss, then falling to the final weights' loss."""
    first, last = mse(start, hidden), mse(end, hidden)
    return np.array([first, (first + last) / 2, last])


def run(seed: int, final: list[dict[str, Any]] = SOLVES, initial: list[dict[str, Any]] = START,
        losses: Any = "curve", hidden: Any = sigmoid) -> dict[str, Any]:
    """One seed of the boundary record, with outputs those of ``final`` (the trained weights)."""
    losses = curve(initial, final, hidden) if isinstance(losses, str) else losses
    return {"seed": seed, "error": None, "returned_type": "builtins.list", "losses": losses,
            "losses_length": None if losses is None else len(losses), "convert_error": None,
            "initial": initial, "final": final, "point_outputs": outputs(final, POINTS, hidden),
            "grid_outputs": outputs(final, GRID, hidden), "output_shape": [4, 1], "predict_error": None}


def boundary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {**BOUNDARY, "runs": runs}


def test_boundary_passes_a_network_that_solves_xor() -> None:
    result = judge("xor.boundary", boundary([run(s) for s in range(5)]))
    assert result.status == "passed", result.feedback


def test_boundary_forgives_one_stuck_seed() -> None:
    runs = [run(0, STUCK)] + [run(s) for s in range(1, 5)]
    result = judge("xor.boundary", boundary(runs))
    assert result.status == "passed" and "solved XOR on 4 of 5 seeds" in result.feedback
    two_stuck = judge("xor.boundary", boundary([run(0, STUCK), run(1, STUCK)] + [run(s) for s in range(2, 5)]))
    assert two_stuck.fraction == pytest.approx(0.75)


def test_boundary_judges_a_relu_network_by_its_own_activation() -> None:
    relu = net([[1, 1], [1, 1]], [0, -1], [[1, -2]], [0])  # ReLU(x+y) - 2 ReLU(x+y-1): XOR exactly
    runs = [run(s, relu, hidden=lambda z: np.maximum(z, 0.0)) for s in range(5)]
    result = judge("xor.boundary", boundary(runs))
    assert "nor a look-alike" not in result.feedback, result.feedback


def test_boundary_needs_the_curve_to_be_the_models_losses() -> None:
    made_up = judge("xor.boundary", boundary([run(s, losses=np.array([0.25, 0.0001])) for s in range(5)]))
    assert made_up.status == "failed"
    assert "the losses train_xor returned are not the losses of the model it trained" in made_up.feedback


def test_boundary_without_a_curve_needs_weights_that_moved() -> None:
    assert judge("xor.boundary", boundary([run(s, losses=None) for s in range(5)])).status == "passed"
    unmoved = judge("xor.boundary", boundary([run(s, initial=SOLVES, losses=None) for s in range(5)]))
    assert unmoved.status == "failed" and "train_xor did not change XOR()'s weights" in unmoved.feedback


def test_boundary_predictions_are_the_weights_not_the_reported_outputs() -> None:
    painted = [dict(run(s, STUCK), point_outputs=TARGETS.copy()) for s in range(5)]
    assert judge("xor.boundary", boundary(painted)).status == "failed"


def test_boundary_refuses_a_huge_network_before_computing() -> None:
    """The YAML's max_width bounds the grader's work, whatever width a record claims."""
    wide = net(np.zeros((5000, 2)), np.zeros(5000), np.zeros((1, 5000)), np.zeros(1))
    result = judge("xor.boundary", boundary([dict(run(s), final=wide) for s in range(5)]))
    assert result.status == "failed"
    assert "(5000, 2), wider than the 4096 units the grader computes with" in result.feedback


LOSS = reference_facts("xor.loss_decrease")


def test_loss_decrease_refuses_a_made_up_curve() -> None:
    """Weights that solve XOR, typed in, with a falling curve that is not their loss."""
    runs = [dict(r, initial=START, final=SOLVES, losses=np.array([0.25, 0.0001]), losses_length=2)
            for r in LOSS["runs"]]
    result = judge("xor.loss_decrease", {**LOSS, "runs": runs})
    assert result.status == "failed"
    assert "the losses train_xor returned are not the losses of the model it trained: the first is 0.25" \
        in result.feedback


def test_loss_decrease_accepts_a_summed_loss_of_the_reported_weights() -> None:
    summed = 4 * curve(START, SOLVES)
    own = dict(LOSS["runs"][0], initial=START, final=SOLVES, losses=summed, losses_length=3)
    result = judge("xor.loss_decrease", {**LOSS, "runs": [own, LOSS["runs"][1]]})
    assert result.status == "passed" and result.feedback.startswith("train_xor(XOR(), X, y): "), result.feedback


def test_loss_decrease_grader_network_must_start_from_the_graders_weights() -> None:
    grader = LOSS["runs"][1]
    moved = [dict(layer, weight=layer["weight"] + 0.25) for layer in grader["initial"]]
    broken_own = dict(LOSS["runs"][0], error="RuntimeError: boom", stage="model")
    result = judge("xor.loss_decrease", {**LOSS, "runs": [broken_own, dict(grader, initial=moved)]})
    assert result.status == "failed"
    assert "not those of the network the grader built" in result.feedback


def test_shapes_read_registered_parameters_not_an_overridden_parameters(tmp_path: Path) -> None:
    """A class that overrides parameters() to list the contract's shapes reports what it holds."""
    path = tmp_path / "submission.py"
    path.write_text((EXAMPLES / "xor_wrong_hidden_shape.py").read_text() + textwrap.dedent("""

        _Wrong = XOR


        class XOR(_Wrong):
            def parameters(self, recurse=True):
                return iter([torch.zeros(2, 2), torch.zeros(2), torch.zeros(1, 2), torch.zeros(1)])
    """))
    result = outcome_for(SPEC.item("xor.shapes"), observe_file(path, "xor", "xor.shapes"),
                         observation(str(SPEC.reference), "xor.shapes"))
    assert result.status == "failed"
    assert "has shape (4,2), expected (2,2)" in result.feedback


def test_shapes_answer_every_width_asked(tmp_path: Path) -> None:
    """XOR(2) right but the width hard-coded: no credit, and the message says why."""
    path = tmp_path / "submission.py"
    path.write_text((EXAMPLES / "correct.py").read_text().replace("nn.Linear(2, n_hidden)", "nn.Linear(2, 2)")
                    .replace("nn.Linear(n_hidden, 1)", "nn.Linear(2, 1)"))
    result = outcome_for(SPEC.item("xor.shapes"), observe_file(path, "xor", "xor.shapes"),
                         observation(str(SPEC.reference), "xor.shapes"))
    assert result.status == "failed"
    assert "XOR(2) is right, but XOR(5): " in result.feedback
    assert "has shape (2,2), expected (5,2)" in result.feedback
    assert "Build the layers from the constructor's arguments" in result.feedback


def test_shapes_copied_from_the_contract_do_not_answer_other_widths() -> None:
    facts = reference_facts("xor.shapes")
    first = facts["answers"][0]
    assert judge("xor.shapes", {"answers": [first]}).status == "failed"  # one answer, two asked
    copied = {"answers": [first, dict(first, call="XOR(5)")]}
    assert judge("xor.shapes", copied).status == "failed"


# --- any record: an outcome, never a grader error -----------------------------------------

JUNK = st.sampled_from([None, True, 0, -1, 7, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1},
                        np.zeros(3), np.zeros((2, 2)), np.zeros(0), np.ones(1, dtype=np.int8), [[1.0]], [None]])


@settings(max_examples=150, deadline=None)
@given(item_id=st.sampled_from(ITEMS), data=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_judge(item_id: str, data: st.DataObject) -> None:
    """Whatever a submission writes in place of one fact, the judge answers with an outcome."""
    facts = reference_facts(item_id)
    path = data.draw(st.sampled_from(record_paths(facts, list_entries=2)))
    result = judge(item_id, replaced(facts, path, data.draw(JUNK)), facts)
    assert isinstance(result, Outcome), result
    assert not result.errored or "Your code raised" in result.feedback, result.feedback


# --- hints that agree ---------------------------------------------------------------------

# The leads a feedback can give, each recognised by its wording.
LEADS: dict[str, str] = {
    "sigmoid": r"Sigmoid (to|between) the",
    "zero_grad": r"zero_grad",
    "learning_rate": r"learning rate",
    "model_argument": r"`model` argument",
    "output_shape": r"last dimension|do not squeeze",
    "own_weights": r"own layers|layers' values",
    "layer_sizes": r"sizes passed to each layer",
    "return_losses": r"return the list",
    "hidden_width": r"wider default hidden layer",
}
# Per shipped mistake: every failing item's feedback gives at least one lead, and only
# leads from this set (the mistake's cause); a lead outside it sends the student elsewhere.
ALLOWED_LEADS: dict[str, set[str]] = {
    "train_forgets_zero_grad": {"zero_grad", "learning_rate"},
    "xor_lr_too_small": {"learning_rate"},
    "train_ignores_model_argument": {"model_argument"},
    "xor_no_sigmoid": {"sigmoid", "learning_rate", "model_argument"},
    "xor_squeezes_output": {"output_shape"},
    "xor_hardcoded_truth_table": {"own_weights"},
    "xor_wrong_hidden_shape": {"layer_sizes"},
    "xor_relu_instead_of_sigmoid": {"sigmoid"},
    "train_returns_nothing": {"return_losses"},
    "xor_two_hidden_units": {"hidden_width"},
}


def test_every_mistake_has_its_leads() -> None:
    assert set(ALLOWED_LEADS) == {p.stem for p in EXAMPLES.glob("*.py")} - {"correct"}


def leads_of(feedback: str) -> set[str]:
    return {lead for lead, pattern in LEADS.items() if re.search(pattern, feedback)}


@pytest.mark.parametrize("name", sorted(ALLOWED_LEADS))
def test_failing_items_agree_on_the_cause(name: str) -> None:
    failing = {item_id: outcome(name, item_id) for item_id in ITEMS}
    failing = {item_id: o for item_id, o in failing.items() if o.status != "passed"}
    assert failing, name
    for item_id, result in failing.items():
        leads = leads_of(result.feedback)
        assert leads and leads <= ALLOWED_LEADS[name], (item_id, leads, result.feedback)


@pytest.mark.parametrize("name", ["train_forgets_zero_grad", "xor_lr_too_small", "train_ignores_model_argument"])
def test_boundary_does_not_blame_a_correct_architecture(name: str) -> None:
    """XOR() is the contract's network in these: xor.boundary defers to xor.loss_decrease."""
    feedback = outcome(name, "xor.boundary").feedback
    assert "Sigmoid" not in feedback, feedback
    assert "See xor.loss_decrease" in feedback or "see xor.loss_decrease" in feedback, feedback


def test_boundary_without_zero_grad_points_at_the_gradients() -> None:
    feedback = outcome("train_forgets_zero_grad", "xor.boundary").feedback
    assert "train_xor does not lower its loss" in feedback and "optimizer.zero_grad()" in feedback
    assert "loss_decrease" in feedback
