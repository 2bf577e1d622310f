"""Tests of the ``xor`` assignment: observers and checks, in process.

Every rubric item has a passing submission and a realistic mistake that loses it,
with the feedback pinned; the checks are also unit-tested on hand-built facts.
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

from autograder import spec as spec_mod
from tests.coursecode import CHECKS
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file, observe_names
from tests.records import record_paths, replaced

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "xor"
ITEMS = ("xor.shapes", "xor.forward", "xor.loss_decrease", "xor.boundary")
SPEC = spec_mod.load("xor")
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
    """The reference's facts for ``item_id``: what every check takes its inputs from."""
    return observation(str(SPEC.reference), item_id)["facts"]


def judge(item_id: str, observed: dict[str, Any], expected: dict[str, Any] | None = None) -> Outcome:
    """Run a check directly on hand-built facts with the YAML's check settings."""
    return CHECKS[item_id](observed, expected or reference_facts(item_id), SPEC.item(item_id).check)


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
        "XOR(2), XOR(5) have the parameter shapes (2,2) (2,) (1,2) (1,) and so on for each width."
    )
    wrong = outcome("xor_wrong_hidden_shape", "xor.shapes")
    assert wrong.status == "failed"
    assert wrong.feedback == (
        "XOR(2): parameter 1 has shape (4,2), expected (2,2) (all shapes found: (4,2) (4,) (1,4) "
        "(1,); expected: (2,2) (2,) (1,2) (1,)). nn.Linear(in, out) stores its weight as "
        "(out, in): check the sizes passed to each layer."
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
    assert "the outputs are not Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1) computed from " \
        "the model's own weights: at input (" in result.feedback
    assert "not values computed another way (such as the XOR truth table)" in result.feedback


def test_hardcoded_truth_table_loses_forward_and_boundary() -> None:
    """Its outputs are perfect, but they are not its weights' outputs: xor.boundary computes
    the predictions from the trained weights, which never learned XOR. train_xor is
    correct, so xor.loss_decrease is kept through the grader-built network."""
    statuses = {i: outcome("xor_hardcoded_truth_table", i).status for i in ITEMS}
    assert statuses == {"xor.shapes": "passed", "xor.forward": "failed",
                        "xor.loss_decrease": "passed", "xor.boundary": "failed"}
    assert ("seed 0: XOR()'s outputs are not Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1) (nor a "
            "look-alike) computed from its own weights, so the grader cannot compute its predictions"
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
        "expected (16, 1): keep the output layer's last dimension (do not squeeze or flatten it)."
    )
    boundary = outcome("xor_squeezes_output", "xor.boundary")
    assert boundary.status == "failed"
    assert "undecided at 4 of 4 corners" in boundary.feedback
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
        "(outputs thresholded at 0.5 right at all 4 corners, each at least 0.05 from 0.5, and at "
        "every grid point within 0.1 of a corner)."
    )


def test_boundary_gives_partial_credit_for_unreliable_defaults() -> None:
    result = outcome("xor_two_hidden_units", "xor.boundary")
    assert result.status == "partial"
    assert result.fraction == 0.75
    assert "XOR() solved XOR on 3 of 5 seeds" in result.feedback
    assert "; full credit needs 4. seed 1: wrong at 2 of 4 corners" in result.feedback
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


# --- checks on hand-built facts -----------------------------------------------------------
#
# Every check takes its points from the reference's facts and recomputes predictions and
# losses from the reported weights, so hand-built facts are weights: networks whose
# behaviour is known in closed form.

def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def net(w1: Any, b1: Any, w2: Any, b2: Any) -> list[dict[str, Any]]:
    return [{"weight": np.asarray(w1, dtype=float), "bias": np.asarray(b1, dtype=float)},
            {"weight": np.asarray(w2, dtype=float), "bias": np.asarray(b2, dtype=float)}]


def outputs(layers: list[dict[str, Any]], points: np.ndarray, hidden: Any = sigmoid) -> np.ndarray:
    h = hidden(points @ layers[0]["weight"].T + layers[0]["bias"])
    return (h @ layers[1]["weight"].T + layers[1]["bias"]).ravel()


# Hidden units OR and AND of the inputs, output OR - AND: solves XOR with wide margins.
SOLVES = net([[20, 20], [20, 20]], [-10, -30], [[1, -1]], [0])
# Output 0.5 everywhere: a model stuck at the mean.
STUCK = net([[0.1, 0.2], [0.3, -0.1]], [0, 0], [[0, 0]], [0.5])
START = net([[0.3, -0.5], [0.2, 0.4]], [0.1, -0.2], [[0.5, -0.3]], [0.2])
BOUNDARY = reference_facts("xor.boundary")
CORNERS, TARGETS, GRID = (np.asarray(BOUNDARY[k]) for k in ("corners", "targets", "grid"))


def mse(layers: list[dict[str, Any]], hidden: Any = sigmoid) -> float:
    return float(np.mean((outputs(layers, CORNERS, hidden) - TARGETS) ** 2))


def curve(start: list[dict[str, Any]], end: list[dict[str, Any]], hidden: Any = sigmoid) -> list[float]:
    """A curve a real run could return: the starting loss, then falling to the final weights' loss."""
    first, last = mse(start, hidden), mse(end, hidden)
    return [first, (first + last) / 2, last]


def run(seed: int, final: list[dict[str, Any]] = SOLVES, initial: list[dict[str, Any]] = START,
        losses: Any = "curve", error: str | None = None, hidden: Any = sigmoid) -> dict[str, Any]:
    """One seed of the boundary record, with outputs those of ``final`` (the trained weights)."""
    return {"seed": seed, "error": error, "predict_error": None, "output_shape": [4, 1],
            "returned_type": "builtins.list", "convert_error": None,
            "losses": np.asarray(curve(initial, final, hidden)) if isinstance(losses, str) else losses,
            "initial": initial, "final": final,
            "corner_outputs": outputs(final, CORNERS, hidden), "grid_outputs": outputs(final, GRID, hidden)}


def boundary_facts(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"seeds": [r["seed"] for r in runs], "corners": CORNERS, "targets": TARGETS, "grid": GRID,
            "runs": runs}


def test_boundary_takes_seeds_and_points_from_the_reference() -> None:
    assert BOUNDARY["seeds"] == [0, 1, 2, 3, 4]
    assert CORNERS.shape == (4, 2) and GRID.shape == (441, 2)


def test_boundary_passes_a_network_that_solves_xor() -> None:
    result = judge("xor.boundary", boundary_facts([run(s) for s in range(5)]))
    assert result.status == "passed", result.feedback


def test_boundary_forgives_one_stuck_seed() -> None:
    runs = [run(0), run(1), run(2), run(3, final=STUCK), run(4)]
    result = judge("xor.boundary", boundary_facts(runs))
    assert result.status == "passed"
    assert "XOR() solved XOR on 4 of 5 seeds" in result.feedback
    assert "seed 3: wrong at 2 of 4 corners, e.g. (0, 1) gave 0.5 (target 1)" in result.feedback


def test_boundary_counts_near_threshold_corners_as_undecided() -> None:
    coin_toss = net([[20, 20], [20, 20]], [-10, -30], [[0.002, -0.002]], [0.499])
    result = judge("xor.boundary", boundary_facts([run(s, final=coin_toss) for s in range(5)]))
    assert result.status == "failed"
    assert "seed 0: undecided at 4 of 4 corners, e.g. (0, 0) gave 0.499, within 0.05 of 0.5" in result.feedback


def test_boundary_checks_the_neighbourhood_of_each_corner() -> None:
    """A boundary hugging (0, 0): right at the corners, wrong 0.07 to 0.1 away from it."""
    sharp = net([[200, 200], [20, 20]], [-10, -30], [[1, -1]], [0])
    result = judge("xor.boundary", boundary_facts([run(s, final=sharp) for s in range(5)]))
    assert result.status == "failed"
    assert "seed 0: right at the corners but wrong at 3 grid point(s) within 0.1 of (0, 0)" in result.feedback


def test_boundary_neighbourhood_radius_is_not_exceeded() -> None:
    """Mistakes just outside the 0.1 neighbourhood (here 0.15 from a corner) do not count."""
    shifted = net([[200, 200], [20, 20]], [-25, -30], [[1, -1]], [0])
    assert outputs(shifted, np.array([[0.15, 0.0]]))[0] > 0.5  # wrong there, and it is 0.15 away
    result = judge("xor.boundary", boundary_facts([run(s, final=shifted) for s in range(5)]))
    assert result.status == "passed", result.feedback


def test_boundary_reports_code_that_raised_on_every_seed() -> None:
    runs = [{"seed": s, "error": "RuntimeError: boom", "stage": "train"} for s in range(5)]
    result = judge("xor.boundary", boundary_facts(runs))
    assert result.status == "error"
    assert result.feedback == (
        "Your code raised RuntimeError: boom in train_xor(XOR(), X, y). Fix it and run the check again."
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=5, max_size=5))
def test_boundary_credit_is_seeds_solved_over_four(solved: list[bool]) -> None:
    runs = [run(s) if ok else run(s, final=STUCK) for s, ok in enumerate(solved)]
    result = judge("xor.boundary", boundary_facts(runs))
    assert result.fraction == pytest.approx(min(1.0, sum(solved) / 4))
    assert f"XOR() solved XOR on {sum(solved)} of 5 seeds" in result.feedback


def test_boundary_predictions_are_the_weights_not_the_reported_outputs() -> None:
    """Truth-table outputs beside weights that do not produce them solve nothing."""
    forged = [dict(run(s, final=STUCK), corner_outputs=TARGETS.copy(),
                   grid_outputs=((GRID[:, 0] > 0.5) != (GRID[:, 1] > 0.5)).astype(float)) for s in range(5)]
    result = judge("xor.boundary", boundary_facts(forged))
    assert result.status == "failed"
    assert ("seed 0: XOR()'s outputs are not Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1) (nor a "
            "look-alike) computed from its own weights") in result.feedback


def test_boundary_judges_a_relu_network_by_its_own_activation() -> None:
    """One mistake, one item: Linear-ReLU-Linear is xor.forward's to fail; it does solve XOR."""
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    relu_solves = net([[1, 1], [1, 1]], [0, -1], [[1, -2]], [0])
    runs = [run(s, final=relu_solves, hidden=relu) for s in range(5)]
    assert judge("xor.boundary", boundary_facts(runs)).status == "passed"


def test_boundary_needs_the_curve_to_be_the_models_losses() -> None:
    """Hand-picked weights with a made-up curve: the first loss is not the untrained model's."""
    runs = [run(s, losses=np.array([0.25, 0.0001])) for s in range(5)]
    result = judge("xor.boundary", boundary_facts(runs))
    assert result.status == "failed"
    assert (f"seed 0: the losses train_xor returned are not the losses of the model it trained: the first "
            f"is 0.25 and the last 0.0001, but the model's mean squared error on the four points is "
            f"{mse(START):.4g} before training") in result.feedback


def test_boundary_without_a_curve_needs_weights_that_moved() -> None:
    """train_xor may forget `return losses` (xor.loss_decrease's business), but must train."""
    trained = judge("xor.boundary", boundary_facts([run(s, losses=None) for s in range(5)]))
    assert trained.status == "passed", trained.feedback
    untouched = judge("xor.boundary", boundary_facts([run(s, initial=SOLVES, losses=None) for s in range(5)]))
    assert untouched.status == "failed"
    assert "seed 0: train_xor did not change XOR()'s weights, yet the model must learn XOR" in untouched.feedback


@pytest.mark.parametrize("runs, why", [
    ([run(s) for s in range(4)], "the runs do not answer the 5 seeds asked, in order"),
    ([run(s) for s in (4, 3, 2, 1, 0)], "the runs do not answer the 5 seeds asked, in order"),
    ([dict(run(s), grid_outputs=np.zeros(442)) for s in range(5)],
     "the outputs are not one value at each of the 4 corners and 441 grid points asked"),
    ([{k: v for k, v in run(s).items() if k != "final"} for s in range(5)], "no `final`"),
])
def test_boundary_needs_an_answer_to_every_question(runs: list[dict[str, Any]], why: str) -> None:
    result = judge("xor.boundary", {**boundary_facts(runs), "seeds": [0, 1, 2, 3, 4]})
    assert result.status == "failed"
    assert result.feedback.startswith(f"The grader could not use what your code reported for this item ({why})")


def test_boundary_refuses_a_huge_network_before_computing() -> None:
    huge = net(np.ones((100_000, 2)), np.zeros(100_000), np.ones((1, 100_000)), [0])
    result = judge("xor.boundary", boundary_facts([run(s, final=STUCK) | {"final": huge} for s in range(5)]))
    assert result.status == "failed"
    assert "seed 0: XOR() cannot be recomputed from its weights: its nn.Linear layers have weights of shapes " \
        "(100000,2) and (1,100000)" in result.feedback


# --- xor.loss_decrease on hand-built facts -------------------------------------------------

LOSS = reference_facts("xor.loss_decrease")
GRADER_START = LOSS["grader_model"]["initial"]
WIDTH = LOSS["grader_hidden"]


def solving(width: int) -> list[dict[str, Any]]:
    """SOLVES in the first two hidden units of a wider network, the others switched off."""
    w1, b1 = np.zeros((width, 2)), np.full(width, -30.0)
    w1[:2], b1[:2] = 20.0, [-10.0, -30.0]
    w2 = np.zeros((1, width))
    w2[0, :2] = [1.0, -1.0]
    return net(w1, b1, w2, [0.0])


def loss_run(losses: Any, initial: list[dict[str, Any]] = START, final: list[dict[str, Any]] = SOLVES,
             returned: str = "builtins.list") -> dict[str, Any]:
    return {"error": None, "returned_type": returned, "convert_error": None, "initial": initial, "final": final,
            "losses": None if losses is None else np.asarray(losses, dtype=float)}


def grader_run(losses: Any = "curve", initial: Any = None) -> dict[str, Any]:
    start = GRADER_START if initial is None else initial
    end = solving(WIDTH)
    return loss_run(curve(start, end) if isinstance(losses, str) else losses, start, end)


def loss_facts(own: dict[str, Any], grader: dict[str, Any]) -> dict[str, Any]:
    return {"seed": 0, "corners": CORNERS, "targets": TARGETS, "own_model": own, "grader_model": grader,
            "grader_hidden": WIDTH}


def test_loss_decrease_passes_a_curve_that_is_the_models_losses() -> None:
    result = judge("xor.loss_decrease", loss_facts(loss_run(curve(START, SOLVES)), grader_run()))
    assert result.status == "passed", result.feedback
    assert result.feedback.startswith("train_xor(XOR(), X, y): the loss went from ")


def test_loss_decrease_accepts_a_summed_loss() -> None:
    summed = [4 * v for v in curve(START, SOLVES)]
    assert judge("xor.loss_decrease", loss_facts(loss_run(summed), grader_run())).status == "passed"


def test_loss_decrease_reports_nan() -> None:
    bad = loss_run([0.3, 0.2, float("nan"), float("nan")])
    result = judge("xor.loss_decrease", loss_facts(bad, bad))
    assert result.feedback == (
        "train_xor(XOR(), X, y): the loss became nan at epoch 3 of 4: the default learning rate is "
        "probably too large."
    )


def test_loss_decrease_judges_train_xor_alone_when_xor_raises() -> None:
    own = {"error": "NotImplementedError: `XOR` is not implemented yet", "stage": "model"}
    result = judge("xor.loss_decrease", loss_facts(own, grader_run()))
    assert result.status == "passed"
    assert "On your XOR() it did not (XOR() raised NotImplementedError" in result.feedback


def test_loss_decrease_rejects_non_list() -> None:
    text = loss_run(None, returned="builtins.str")
    result = judge("xor.loss_decrease", loss_facts(text, text))
    assert result.feedback == (
        "train_xor(XOR(), X, y): train_xor returned a str, expected a list of per-epoch losses (floats)."
    )


def test_loss_decrease_is_not_lost_to_a_forward_that_raises() -> None:
    own = {"error": "RuntimeError: mat1 and mat2 shapes cannot be multiplied", "stage": "train"}
    result = judge("xor.loss_decrease", loss_facts(own, grader_run()))
    assert result.status == "passed"
    assert ("On your XOR() it did not (train_xor(XOR(), X, y) raised RuntimeError: mat1 and mat2 "
            "shapes cannot be multiplied)") in result.feedback


def test_loss_decrease_reports_train_xor_raising() -> None:
    broken = {"error": "NameError: name 'optimiser' is not defined", "stage": "train"}
    result = judge("xor.loss_decrease", loss_facts(broken, broken))
    assert result.status == "error"
    assert result.feedback == (
        "Your code raised NameError: name 'optimiser' is not defined in train_xor(model, X, y). "
        "Fix it and run the check again."
    )


def test_loss_decrease_refuses_a_made_up_curve() -> None:
    """Solving weights written in, and [0.25, 0.0001] returned: not the model's losses."""
    made_up = [0.25, 0.0001]
    result = judge("xor.loss_decrease", loss_facts(loss_run(made_up), grader_run(made_up)))
    assert result.status == "failed"
    assert result.feedback.startswith(
        "train_xor(XOR(), X, y): the losses train_xor returned are not the losses of the model it trained: "
        f"the first is 0.25 and the last 0.0001, but the model's mean squared error on the four points is "
        f"{mse(START):.4g} before training"
    )


def test_loss_decrease_last_loss_must_agree_with_the_final_weights() -> None:
    """The curve may end one step before the final weights, not at a loss they do not have."""
    first = mse(START)
    ends_low = loss_run([first, first / 2, first / 100], final=STUCK)  # STUCK's loss is 0.25
    result = judge("xor.loss_decrease", loss_facts(ends_low, ends_low))
    assert result.status == "failed"
    assert "the model's mean squared error on the four points is" in result.feedback


def test_loss_decrease_grader_network_must_start_from_the_graders_weights() -> None:
    """The reference's run builds the same network under the same seed: its start is known."""
    own = {"error": "NotImplementedError: `XOR` is not implemented yet", "stage": "model"}
    other_start = [{"weight": layer["weight"] + 0.01, "bias": layer["bias"]} for layer in GRADER_START]
    result = judge("xor.loss_decrease", loss_facts(own, grader_run(initial=other_start)))
    assert result.status == "failed"
    assert "the weights reported before training are not those of the network the grader built" in result.feedback


# --- xor.forward on hand-built facts ------------------------------------------------------

FORWARD = reference_facts("xor.forward")
INPUTS = np.asarray(FORWARD["inputs"])


def forward_facts(output: np.ndarray, layers: list[dict[str, Any]], inputs: np.ndarray = INPUTS) -> dict[str, Any]:
    return {"inputs": inputs, "output": output, "output_type": "torch.Tensor", "error": None,
            "layers": layers, "layers_called": True}


def test_forward_names_a_sigmoid_after_the_output() -> None:
    rng = np.random.default_rng(0)
    layers = net(rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=(1, 2)), rng.normal(size=1))
    result = judge("xor.forward", forward_facts(sigmoid(outputs(layers, INPUTS)).reshape(-1, 1), layers))
    assert result.status == "failed"
    assert result.feedback.endswith(
        "the outputs equal Linear-Sigmoid-Linear followed by another Sigmoid: return the output "
        "layer's values directly, with no activation after it."
    )


def test_forward_needs_two_linear_layers() -> None:
    result = judge("xor.forward", forward_facts(np.zeros((len(INPUTS), 1)), []))
    assert result.feedback == (
        "XOR(2): it has 0 nn.Linear layers, expected 2 (Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1)), "
        "so its forward pass cannot be checked against its own weights."
    )


def test_forward_outputs_are_judged_on_the_graders_inputs() -> None:
    """Outputs right for inputs of the record's own choosing are not the answer asked."""
    own_inputs = np.zeros_like(INPUTS)
    result = judge("xor.forward", forward_facts(outputs(START, own_inputs).reshape(-1, 1), START, own_inputs))
    assert result.status == "failed"
    assert "the outputs are not Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1) computed from" in result.feedback
    honest = judge("xor.forward", forward_facts(outputs(START, INPUTS).reshape(-1, 1), START, own_inputs))
    assert honest.status == "passed"


def test_forward_counts_outputs_before_comparing() -> None:
    result = judge("xor.forward", forward_facts(np.zeros((10_000, 1)), START))
    assert result.feedback.startswith(
        f"XOR(2) on a batch of shape ({len(INPUTS)}, 2): it returned 10000 values for {len(INPUTS)} input points"
    )


def test_forward_refuses_a_huge_layer_before_computing() -> None:
    huge = net(np.ones((100_000, 2)), np.zeros(100_000), np.ones((1, 100_000)), [0])
    result = judge("xor.forward", forward_facts(np.zeros((len(INPUTS), 1)), huge))
    assert result.feedback == (
        "XOR(2): its nn.Linear layers have weights of shapes (100000,2) and (1,100000), so its forward pass "
        "cannot be checked against its own weights."
    )


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
    assert "parameter 1 has shape (4,2), expected (2,2)" in result.feedback


def test_shapes_answer_every_width_asked(tmp_path: Path) -> None:
    """XOR(2) right but the width hard-coded: no credit, and the message says why."""
    path = tmp_path / "submission.py"
    path.write_text((EXAMPLES / "correct.py").read_text().replace("nn.Linear(2, n_hidden)", "nn.Linear(2, 2)")
                    .replace("nn.Linear(n_hidden, 1)", "nn.Linear(2, 1)"))
    result = outcome_for(SPEC.item("xor.shapes"), observe_file(path, "xor", "xor.shapes"),
                         observation(str(SPEC.reference), "xor.shapes"))
    assert result.status == "failed"
    assert "XOR(2) is right, but XOR(5): parameter 1 has shape (2,2), expected (5,2)" in result.feedback
    assert "from the n_hidden argument" in result.feedback


def test_shapes_copied_from_the_contract_do_not_answer_other_widths() -> None:
    contract = {"n_hidden": 2, "is_module": True, "layers_called": True,
                "shapes": [[2, 2], [2], [1, 2], [1]], "forward_shapes": [[2, 2], [2], [1, 2], [1]]}
    assert judge("xor.shapes", {"configs": [contract]}).status == "failed"  # one answer, two asked
    assert judge("xor.shapes", {"configs": [contract, contract]}).status == "failed"


# --- any record: an outcome, never a grader error -----------------------------------------

JUNK = st.sampled_from([None, True, 0, -1, 7, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1},
                        np.zeros(3), np.zeros((2, 2)), np.zeros(0), np.ones(1, dtype=np.int8), [[1.0]], [None]])


@settings(max_examples=150, deadline=None)
@given(item_id=st.sampled_from(ITEMS), data=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_check(item_id: str, data: st.DataObject) -> None:
    """Whatever a submission writes in place of one fact, the check answers with an outcome."""
    facts = reference_facts(item_id)
    path = data.draw(st.sampled_from(record_paths(facts, list_entries=2)))
    result = CHECKS[item_id](replaced(facts, path, data.draw(JUNK)), facts, SPEC.item(item_id).check)
    assert isinstance(result, Outcome), result


# --- hints that agree ---------------------------------------------------------------------

# The leads a feedback can give, each recognised by its wording.
LEADS: dict[str, str] = {
    "sigmoid": r"Sigmoid (to|between) the",
    "zero_grad": r"zero_grad",
    "learning_rate": r"learning rate",
    "model_argument": r"`model` argument",
    "output_shape": r"last dimension",
    "own_weights": r"linear2\(sigmoid\(linear1\(x\)\)\)",
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
