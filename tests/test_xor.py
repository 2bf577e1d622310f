"""Tests of the ``xor`` assignment: observers and checks, in process.

Every rubric item has a passing submission and a realistic mistake that loses it,
with the feedback pinned; the checks are also unit-tested on hand-built facts.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from autograder import spec as spec_mod
from autograder.checks import CHECKS, load_all
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "xor"
ITEMS = ("xor.shapes", "xor.forward", "xor.loss_decrease", "xor.boundary")
SPEC = spec_mod.load("xor")
load_all()
pytestmark = pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")


@functools.lru_cache(maxsize=None)
def observation(path: str, item_id: str) -> dict[str, Any]:
    return observe_file(path, "xor", item_id)


def outcome(name: str, item_id: str) -> Outcome:
    """Judge ``examples/xor/<name>.py`` (or the reference) against the reference, caching observations."""
    path = str(SPEC.reference if name == "reference" else EXAMPLES / f"{name}.py")
    return outcome_for(SPEC.item(item_id), observation(path, item_id),
                       observation(str(SPEC.reference), item_id))


def judge(item_id: str, observed: dict[str, Any], expected: dict[str, Any] | None = None) -> Outcome:
    """Run a check directly on hand-built facts with the YAML's check settings."""
    return CHECKS[item_id](observed, expected or {}, SPEC.item(item_id).check)


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
        "XOR(2) has the parameter shapes (2,2) (2,) (1,2) (1,)."
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


def test_hardcoded_truth_table_is_caught_only_by_forward() -> None:
    """Its predictions are perfect: the weight recomputation is the only guard."""
    statuses = {i: outcome("xor_hardcoded_truth_table", i).status for i in ITEMS}
    assert statuses == {"xor.shapes": "passed", "xor.forward": "failed",
                        "xor.loss_decrease": "passed", "xor.boundary": "passed"}


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


def test_loss_decrease_notices_an_untrained_model() -> None:
    result = outcome("train_ignores_model_argument", "xor.loss_decrease")
    assert result.fraction == 0.5
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
        "model is what needs fixing: see xor.forward and xor.boundary."
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
        result = outcome_for(item, observe(item_id, ns, item.observe),
                             observation(str(SPEC.reference), item_id))
        assert result.status == "error", (item_id, result.feedback)
        assert "not implemented yet" in result.feedback, (item_id, result.feedback)


# --- checks on hand-built facts -----------------------------------------------------------

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
AXIS = np.linspace(0.0, 1.0, 21)
GRID = np.array([[a, b] for a in AXIS for b in AXIS])


def ideal(points: np.ndarray) -> np.ndarray:
    """A perfect XOR classifier's outputs: 0 or 1 by quadrant."""
    return ((points[:, 0] > 0.5) != (points[:, 1] > 0.5)).astype(float)


def run(seed: int, corners: np.ndarray | None = None, grid: np.ndarray | None = None,
        error: str | None = None) -> dict[str, Any]:
    return {"seed": seed, "error": error, "predict_error": None, "output_shape": [4, 1],
            "corner_outputs": ideal(CORNERS) if corners is None else corners,
            "grid_outputs": ideal(GRID) if grid is None else grid}


def boundary_facts(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"corners": CORNERS, "targets": TARGETS, "grid": GRID, "runs": runs}


def test_boundary_forgives_one_stuck_seed() -> None:
    stuck = run(3, corners=np.array([0.0, 0.5, 1.0, 0.5]))
    result = judge("xor.boundary", boundary_facts([run(0), run(1), run(2), stuck, run(4)]))
    assert result.status == "passed"
    assert "XOR() solved XOR on 4 of 5 seeds" in result.feedback
    assert "seed 3: wrong at 1 of 4 corners, e.g. (0, 1) gave 0.5 (target 1)" in result.feedback


def test_boundary_counts_near_threshold_corners_as_undecided() -> None:
    coin_toss = np.array([0.499, 0.501, 0.501, 0.499])
    result = judge("xor.boundary", boundary_facts([run(s, corners=coin_toss) for s in range(5)]))
    assert result.status == "failed"
    assert "seed 0: undecided at 4 of 4 corners, e.g. (0, 0) gave 0.499, within 0.05 of 0.5" in result.feedback


def test_boundary_checks_the_neighbourhood_of_each_corner() -> None:
    """A forward like ``x[:, 0] != x[:, 1]`` is right at the corners only."""
    not_equal = (GRID[:, 0] != GRID[:, 1]).astype(float)
    result = judge("xor.boundary", boundary_facts([run(s, grid=not_equal) for s in range(5)]))
    assert result.status == "failed"
    assert "seed 0: right at the corners but wrong at 4 grid point(s) within 0.1 of (0, 0)" in result.feedback


def test_boundary_neighbourhood_radius_is_not_exceeded() -> None:
    """Mistakes just outside the 0.1 neighbourhood (here 0.15 from a corner) do not count."""
    grid = ideal(GRID)
    grid[np.isclose(GRID, [0.15, 0.0]).all(axis=1)] = 1.0
    result = judge("xor.boundary", boundary_facts([run(s, grid=grid) for s in range(5)]))
    assert result.status == "passed"


def test_boundary_reports_code_that_raised_on_every_seed() -> None:
    runs = [run(s, error="RuntimeError: boom") for s in range(5)]
    result = judge("xor.boundary", boundary_facts(runs))
    assert result.status == "error"
    assert result.feedback == (
        "Your code raised RuntimeError: boom in train_xor(XOR(), X, y). Fix it and run the check again."
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=5, max_size=5))
def test_boundary_credit_is_seeds_solved_over_four(solved: list[bool]) -> None:
    runs = [run(s) if ok else run(s, corners=np.array([1.0, 0.0, 0.0, 1.0])) for s, ok in enumerate(solved)]
    result = judge("xor.boundary", boundary_facts(runs))
    assert result.fraction == pytest.approx(min(1.0, sum(solved) / 4))
    assert f"XOR() solved XOR on {sum(solved)} of 5 seeds" in result.feedback


def loss_run(losses: Any, change: float | None = 0.1, returned: str = "builtins.list") -> dict[str, Any]:
    return {"error": None, "returned_type": returned, "convert_error": None, "max_param_change": change,
            "losses": None if losses is None else np.asarray(losses, dtype=float)}


def loss_facts(own: dict[str, Any], grader: dict[str, Any]) -> dict[str, Any]:
    return {"seed": 0, "own_model": own, "grader_model": grader, "grader_hidden": 16}


def test_loss_decrease_reports_nan() -> None:
    bad = loss_run([0.3, 0.2, float("nan"), float("nan")])
    result = judge("xor.loss_decrease", loss_facts(bad, bad))
    assert result.feedback == (
        "train_xor(XOR(), X, y): the loss became nan at epoch 3 of 4: the default learning rate is "
        "probably too large."
    )


def test_loss_decrease_judges_train_xor_alone_when_xor_raises() -> None:
    own = {"error": "NotImplementedError: `XOR` is not implemented yet", "stage": "model"}
    result = judge("xor.loss_decrease", loss_facts(own, loss_run([0.4, 0.1, 0.01])))
    assert result.status == "passed"
    assert "On your XOR() it did not (XOR() raised NotImplementedError" in result.feedback


def test_loss_decrease_rejects_non_list() -> None:
    text = loss_run(None, returned="builtins.str")
    result = judge("xor.loss_decrease", loss_facts(text, text))
    assert result.feedback == (
        "train_xor(XOR(), X, y): train_xor returned a str, expected a list of per-epoch losses (floats)."
    )


def forward_facts(output: np.ndarray, inputs: np.ndarray, layers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inputs": inputs, "output": output, "output_type": "torch.Tensor", "error": None,
            "layers": layers, "layers_called": True}


def test_forward_names_a_sigmoid_after_the_output() -> None:
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 2, size=(8, 2))
    layers = [{"weight": rng.normal(size=(2, 2)), "bias": rng.normal(size=2)},
              {"weight": rng.normal(size=(1, 2)), "bias": rng.normal(size=1)}]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    hidden = sig(inputs @ layers[0]["weight"].T + layers[0]["bias"])
    output = sig(hidden @ layers[1]["weight"].T + layers[1]["bias"])
    result = judge("xor.forward", forward_facts(output, inputs, layers))
    assert result.status == "failed"
    assert result.feedback.endswith(
        "the outputs equal Linear-Sigmoid-Linear followed by another Sigmoid: return the output "
        "layer's values directly, with no activation after it."
    )


def test_forward_needs_two_linear_layers() -> None:
    inputs = np.zeros((4, 2))
    result = judge("xor.forward", forward_facts(np.zeros((4, 1)), inputs, []))
    assert result.feedback == (
        "XOR(2) has 0 nn.Linear layers, expected 2 (Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1)), "
        "so its forward pass cannot be checked against its own weights."
    )


def test_loss_decrease_is_not_lost_to_a_forward_that_raises() -> None:
    own = {"error": "RuntimeError: mat1 and mat2 shapes cannot be multiplied", "stage": "train"}
    result = judge("xor.loss_decrease", loss_facts(own, loss_run([0.4, 0.1, 0.01])))
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
