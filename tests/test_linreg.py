"""Tests of the ``linear_regression`` assignment: observers and checks, in process.

Every rubric item is run on a passing submission and on a realistic mistake
that fails it, with the important feedback pinned; the checks are also tested
on hand-built facts for cases no example file covers.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.checks import CHECKS, load_all
from autograder.observers.linreg import grader_helpers
from tests.inprocess import observe_file, outcome_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "linear_regression"
REFERENCE = ROOT / "reference" / "linear_regression.py"
TEMPLATE = ROOT / "student_template" / "linear_regression.ipynb"
A = "linear_regression"
ITEMS = ("linreg.model", "linreg.mse", "linreg.gd_step", "linreg.fit", "linreg.simplenet")

load_all()


def outcome(example: str, item_id: str):
    return outcome_of(EXAMPLES / example, A, item_id)


# --- whole submissions ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [REFERENCE, EXAMPLES / "correct.py"], ids=["reference", "correct"])
@pytest.mark.parametrize("item_id", ITEMS)
def test_correct_solutions_pass_every_item(path: Path, item_id: str) -> None:
    result = outcome_of(path, A, item_id)
    assert result.status == "passed", result.feedback


@pytest.mark.parametrize("example, lost", [
    ("model_no_transpose.py", "linreg.model"),
    ("model_forgets_bias.py", "linreg.model"),
    ("mse_forgets_mean.py", "linreg.mse"),
    ("mse_returns_float.py", "linreg.mse"),
    ("gd_step_no_zero_grad.py", "linreg.gd_step"),
    ("gd_step_plus_sign.py", "linreg.gd_step"),
    ("gd_step_rebinds_params.py", "linreg.gd_step"),
    ("fit_no_zero_grad.py", "linreg.fit"),
    ("simplenet_no_relu.py", "linreg.simplenet"),
])
def test_one_mistake_costs_one_item(example: str, lost: str) -> None:
    """The mistake loses its own item; the grader's helpers keep the others whole."""
    for item_id in ITEMS:
        result = outcome(example, item_id)
        if item_id == lost:
            assert result.status != "passed", result.feedback
        else:
            assert result.status == "passed", (item_id, result.feedback)


def test_every_example_states_its_mistake() -> None:
    for path in EXAMPLES.glob("*.py"):
        assert path.read_text().startswith('"""'), path.name


def test_untouched_template_says_not_implemented(tmp_path: Path) -> None:
    nb = nbformat.read(TEMPLATE, as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code" and not c.source.startswith("!")]
    assert any("autograder check linear_regression.ipynb" in c.source for c in nb.cells)
    script = tmp_path / "template_as_script.py"
    script.write_text("\n\n".join(code))
    for item_id in ITEMS:
        result = outcome_of(script, A, item_id)
        assert result.status in ("failed", "error")
        assert "is not implemented yet" in result.feedback, (item_id, result.feedback)


# --- linreg.model -----------------------------------------------------------------------------


def test_model_without_transpose_is_an_error_with_a_hint() -> None:
    result = outcome("model_no_transpose.py", "linreg.model")
    assert result.status == "error"
    assert result.feedback.startswith(
        "`linear_model` raised RuntimeError: mat1 and mat2 shapes cannot be multiplied (15x3 and 2x3)")
    assert "with x of shape (15,3), w (2,3), b (2,). `w` has shape (2, 3): multiply by its " \
           "transpose, `x @ w.t() + b`." in result.feedback


def test_model_without_bias_is_named() -> None:
    result = outcome("model_forgets_bias.py", "linreg.model")
    assert result.status == "failed"
    assert result.feedback.startswith("`linear_model` with x of shape (15,3), w (2,3), b (2,) returned")
    assert result.feedback.endswith("it equals `x @ w.t()`: is the bias `b` missing?")


def _model_case(output: np.ndarray | None, type_: str = "torch.Tensor") -> dict:
    x, w, b = np.ones((4, 3)), np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0])
    return {"x": x, "w": w, "b": b, "error": None, "type": type_,
            "shape": None if output is None else list(output.shape), "output": output}


def test_model_wrong_shape_feedback() -> None:
    facts = {"cases": [_model_case(np.zeros((4, 3)))]}
    result = CHECKS["linreg.model"](facts, facts, {})
    assert result.status == "failed"
    assert result.feedback == (
        "`linear_model` with x of shape (4,3), w (2,3), b (2,) returned shape (4,3), expected (4,2): "
        "one row of 2 predictions (apples, oranges) per input row, `x @ w.t() + b`.")


def test_model_returning_numpy_float_is_reported() -> None:
    facts = {"cases": [_model_case(None, "builtins.float")]}
    result = CHECKS["linreg.model"](facts, facts, {})
    assert result.feedback.startswith("`linear_model` with x of shape (4,3), w (2,3), b (2,) "
                                      "returned a float, expected a tensor of shape (4,2)")


# --- linreg.mse -------------------------------------------------------------------------------


def test_mse_sum_gets_partial_credit_and_a_hint() -> None:
    result = outcome("mse_forgets_mean.py", "linreg.mse")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback.startswith("`mse` on two tensors of shape (15,2) returned ")
    assert result.feedback.endswith("that is the sum of squared differences: divide by the "
                                     "number of elements, `diff.numel()`.")


def test_mse_float_loses_the_gradient_part() -> None:
    result = outcome("mse_returns_float.py", "linreg.mse")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback == ("`mse` returned a float, not a tensor, so no gradient can flow "
                               "through it: keep the computation in torch (no `.item()` or NumPy).")


def _mse_case(value: float | None, grad: np.ndarray | None, shape: list[int] | None = None) -> dict:
    rng = np.random.default_rng(0)
    t1, t2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    return {"t1": t1, "t2": t2, "error": None, "value": value, "shape": shape or [],
            "is_tensor": True, "type": "torch.Tensor", "backward_error": None, "grad": grad}


def test_mse_divided_by_rows_is_named() -> None:
    case = _mse_case(0.0, None)
    sq = (case["t1"] - case["t2"]) ** 2
    case["value"], case["grad"] = sq.sum() / 4, 2 * (case["t1"] - case["t2"]) / 4
    result = CHECKS["linreg.mse"]({"cases": [case]}, {}, {})
    assert result.fraction == 0.5
    assert "that is divided by the number of rows only" in result.feedback


def test_mse_detached_gradient_is_named() -> None:
    case = _mse_case(0.0, np.zeros((4, 3)))
    case["value"] = float(((case["t1"] - case["t2"]) ** 2).mean())
    result = CHECKS["linreg.mse"]({"cases": [case]}, {}, {})
    assert result.fraction == 0.5
    assert result.feedback.startswith("After `loss.backward()` on the result of `mse`, its first "
                                      "argument's gradient is missing or zero")


def test_mse_without_reduction_is_reported() -> None:
    case = _mse_case(None, None, shape=[4, 3])
    result = CHECKS["linreg.mse"]({"cases": [case]}, {}, {})
    assert result.status == "partial"
    assert result.feedback == ("`mse` on two tensors of shape (4,3) returned (4,3) (torch.Tensor), "
                               "expected a scalar: reduce with a mean over all elements.")


# --- linreg.gd_step ---------------------------------------------------------------------------


def test_gd_step_without_zero_grad() -> None:
    result = outcome("gd_step_no_zero_grad.py", "linreg.gd_step")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback.startswith(
        "After `gd_step`, `w.grad` and `b.grad` were not zero: reset both with `w.grad.zero_()` "
        "and `b.grad.zero_()` after the update, or the next step adds to them. Over 100 steps at "
        "lr 1e-5 from fixed `w, b`, the loss went from ")
    assert result.feedback.endswith("it falls, but does not follow plain gradient descent step for "
                                    "step: do gradients build up from one call to the next?")


def test_gd_step_plus_sign() -> None:
    result = outcome("gd_step_plus_sign.py", "linreg.gd_step")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback.startswith(
        "After one `gd_step`, `w` moved uphill, along the gradient: subtract it, "
        "`w -= w.grad * lr` and `b -= b.grad * lr`.")
    assert result.feedback.endswith("expected it to fall below 50% of the first.")


def test_gd_step_rebinding_is_named() -> None:
    result = outcome("gd_step_rebinds_params.py", "linreg.gd_step")
    assert result.status == "partial" and result.fraction == 0.25
    assert result.feedback.startswith(
        "After one `gd_step`, `w` and `b` were unchanged: update the tensors passed in, in place")


def test_gd_step_facts_measure_the_grader_side_losses() -> None:
    facts = observe_file(REFERENCE, A, "linreg.gd_step")["facts"]
    one, run = facts["one_step"], facts["run"]
    assert facts["helpers_swapped"] == ["linear_model", "mse"]
    assert one["returned"] == pytest.approx(one["loss_before"], rel=1e-6)
    assert one["loss_after"] < one["loss_before"]
    assert run["final_loss"] < 0.1 * run["first_loss"]  # measured 1270 from 33061
    assert len(run["returned_losses"]) == 100


def _gd_facts(**one_step_changes) -> tuple[dict, dict]:
    facts = observe_file(REFERENCE, A, "linreg.gd_step")["facts"]
    changed = {**facts, "one_step": {**facts["one_step"], **one_step_changes}}
    return changed, facts


def test_gd_step_accepts_gradients_set_to_none() -> None:
    observed, expected = _gd_facts(w_grad=None, b_grad=None)
    assert CHECKS["linreg.gd_step"](observed, expected, {}).status == "passed"


def test_gd_step_returning_the_loss_after_the_update() -> None:
    observed, expected = _gd_facts()
    observed["one_step"]["returned"] = observed["one_step"]["loss_after"]
    result = CHECKS["linreg.gd_step"](observed, expected, {})
    assert result.fraction == 0.75
    assert result.feedback == ("`gd_step` returned the loss after the update: return the loss "
                               "computed before updating `w` and `b`.")


def test_gd_step_returning_nothing() -> None:
    observed, expected = _gd_facts(returned=None, returned_type="builtins.NoneType")
    result = CHECKS["linreg.gd_step"](observed, expected, {})
    assert result.feedback == ("`gd_step` returned a NoneType, expected the loss before the update "
                               "(a scalar tensor or float): `return loss`.")


def test_gd_step_update_outside_no_grad_gets_a_hint() -> None:
    observed, expected = _gd_facts(error="RuntimeError: a leaf Variable that requires grad is being "
                                         "used in an in-place operation. (line 5: w -= w.grad * lr)")
    result = CHECKS["linreg.gd_step"](observed, expected, {})
    assert result.status == "error"
    assert result.feedback.endswith("Update `w` and `b` inside `with torch.no_grad():`. "
                                    "Fix it and run the check again.")


def test_grader_helpers_restore_the_submission_globals() -> None:
    scope: dict = {"mse": "student's mse"}
    exec("def gd_step():\n    return mse, linear_model", scope)
    with grader_helpers(scope["gd_step"]) as swapped:
        inside = scope["gd_step"]
        assert swapped == ["mse"]
        assert inside.__globals__["mse"] != "student's mse"
    assert scope["mse"] == "student's mse" and "linear_model" not in scope


# --- linreg.fit -------------------------------------------------------------------------------


def test_fit_without_zero_grad_fails_both_parts() -> None:
    result = outcome("fit_no_zero_grad.py", "linreg.fit")
    assert result.status == "failed"
    assert result.feedback == (
        "`fit(100, nn.Linear(3, 2), F.mse_loss, SGD(lr=1e-5), loader)` with 3 batches per epoch: "
        "the loss on the crop data went from 13584.8 to 8644.74; expected it to fall below 10% of "
        "the start. During `fit`, `opt.zero_grad()` was never called, so gradients build up across "
        "batches: call it after every `opt.step()`.")


def test_fit_reference_facts() -> None:
    facts = observe_file(REFERENCE, A, "linreg.fit")["facts"]
    assert facts["step_calls"] == 300 and facts["loss_fn_calls"] == 300
    assert facts["loss_after"] < 0.01 * facts["loss_before"]  # measured 33.47 from 13584.8


def test_fit_with_too_few_steps_is_counted() -> None:
    expected = observe_file(REFERENCE, A, "linreg.fit")["facts"]
    observed = {**expected, "step_calls": 297, "weight": expected["weight"] + 0.01}
    result = CHECKS["linreg.fit"](observed, expected, {})
    assert result.fraction == 0.5
    assert result.feedback == (
        "During `fit`, `opt.step()` was called 297 times, expected 300 (once per batch, for every "
        "epoch): loop over the epochs and over the batches of `train_dl`.")


# --- linreg.simplenet -------------------------------------------------------------------------


def test_simplenet_without_relu() -> None:
    result = outcome("simplenet_no_relu.py", "linreg.simplenet")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback == (
        "`SimpleNet`'s output equals the Linear layers applied one after the other with no "
        "activation in between: apply `nn.ReLU()` to the first layer's output.")


def _simplenet_facts(relu_at_end: bool = False, shapes: tuple = ((3, 3), (2, 3))) -> dict:
    rng = np.random.default_rng(1)
    layers = [{"weight": rng.normal(size=s), "bias": rng.normal(size=s[0])} for s in shapes]
    x = rng.normal(size=(16, 3))
    h = np.maximum(x @ layers[0]["weight"].T + layers[0]["bias"], 0)
    out = h @ layers[1]["weight"].T + layers[1]["bias"]
    if relu_at_end:
        out = np.maximum(out, 0)
    flat = [list(a.shape) for layer in layers for a in (layer["weight"], layer["bias"])]
    return {"is_module": True, "type": "SimpleNet", "shapes": flat, "layers": layers, "x": x,
            "error": None, "shape": list(out.shape), "output": out}


def test_simplenet_relu_after_output_is_named() -> None:
    result = CHECKS["linreg.simplenet"](_simplenet_facts(relu_at_end=True), _simplenet_facts(), {})
    assert result.fraction == 0.5
    assert result.feedback.startswith("`SimpleNet` applies ReLU to its output as well")


def test_simplenet_wrong_hidden_width() -> None:
    observed = _simplenet_facts(shapes=((4, 3), (2, 4)))
    result = CHECKS["linreg.simplenet"](observed, _simplenet_facts(), {})
    assert result.fraction == 0.5
    assert result.feedback.startswith("SimpleNet: parameter 1 has shape (4,3), expected (3,3)")


def test_simplenet_test_is_meaningful() -> None:
    """The grader's weights and inputs make some hidden pre-activations negative."""
    result = outcome_of(REFERENCE, A, "linreg.simplenet")
    negative = int(result.diagnostics.split()[2])
    assert negative > 0, result.diagnostics


def test_fit_training_a_global_model_is_named() -> None:
    expected = observe_file(REFERENCE, A, "linreg.fit")["facts"]
    before = expected["loss_before"]
    observed = {**expected, "loss_after": before, "weight": expected["weight"] * 0}
    result = CHECKS["linreg.fit"](observed, expected, {})
    assert result.status == "failed"
    assert result.feedback.endswith(
        "After `fit`, the model passed in was unchanged: train the `model` with the `opt`, "
        "`loss_fn` and `train_dl` given as arguments, not global ones.")
