"""Tests of the ``linear_regression`` assignment: observers and checks, in process.

Every rubric item is run on a passing submission and on a realistic mistake
that fails it, with the important feedback pinned; the checks are also tested
on hand-built facts for cases no example file covers. ``linreg.model`` and
``linreg.mse`` are kit items (kind ``function_matches_reference``): their
tests pin the feedback the YAML's settings give, and feed the kind's judge
forged records in its own layout.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from autograder import kit, spec as spec_mod
from autograder.observers.common import supplied_helpers
from tests.coursecode import CHECKS, checks_module

Descent, _loss = checks_module("linear_regression").Descent, checks_module("linear_regression")._loss
from tests.inprocess import observe_file, outcome_of
from tests.records import record_paths, replaced

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "linear_regression"
REFERENCE = ROOT / "reference" / "linear_regression.py"
TEMPLATE = ROOT / "student_template" / "linear_regression.ipynb"
A = "linear_regression"
ITEMS = ("linreg.model", "linreg.mse", "linreg.gd_step", "linreg.fit", "linreg.simplenet")



def outcome(example: str, item_id: str):
    return outcome_of(EXAMPLES / example, A, item_id)


@functools.lru_cache(maxsize=None)
def _reference(item_id: str) -> dict:
    """The reference's facts (what a check receives as ``expected``), observed once."""
    return observe_file(REFERENCE, A, item_id)["facts"]


def reference_facts(item_id: str) -> dict:
    return _copy(_reference(item_id))


@functools.lru_cache(maxsize=None)
def spec_item_of(item_id: str) -> spec_mod.RubricItem:
    return spec_mod.load(A).item(item_id)


def judge(item_id: str, observed: dict, expected: dict, params: dict | None = None):
    """The item's judge on hand-made records: its kind's (with the spec's check settings), or its check."""
    item = spec_item_of(item_id)
    if item.kind is not None:
        return kit.KINDS[item.kind].judge(observed, expected, item.check)
    return CHECKS[item_id](observed, expected, {} if params is None else params)


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value.copy() if isinstance(value, np.ndarray) else value


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


# --- linreg.model (kind function_matches_reference) -------------------------------------------

CROP = "on the crop data: x of shape (15, 3), w (2, 3), b (2,)"


def _module(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "submission.py"
    path.write_text("import numpy as np\nimport torch\n\n" + textwrap.dedent(source))
    return path


def test_model_without_transpose_is_an_error_with_a_hint() -> None:
    result = outcome("model_no_transpose.py", "linreg.model")
    assert result.status == "error"
    assert result.feedback.startswith(
        f"`linear_model(x, w, b)` {CROP} raised RuntimeError: mat1 and mat2 shapes cannot be multiplied (15x3 and 2x3)")
    assert result.feedback.endswith("`w` has shape (2, 3): multiply by its transpose, `x @ w.t() + b`. Fix it and "
                                    "run the check again.")


def test_model_without_bias_is_named() -> None:
    result = outcome("model_forgets_bias.py", "linreg.model")
    assert result.status == "failed"
    assert result.feedback.startswith(f"`linear_model(x, w, b)` {CROP} returned (")
    assert result.feedback.endswith("it equals `x @ w.t()`: is the bias `b` missing?")
    assert result.diagnostics.startswith(f"{CROP}: the reference returned (")  # instructors only


def test_model_wrong_shape_feedback(tmp_path: Path) -> None:
    path = _module(tmp_path, """
        def linear_model(x, w, b):
            return (x @ w.t() + b).t()
    """)
    result = outcome_of(path, A, "linreg.model")
    assert result.status == "failed"
    assert result.feedback == (
        f"`linear_model(x, w, b)` {CROP} returned shape (2,15); expected a torch.Tensor of shape (15,2): "
        "`x @ w.t() + b`, one row of 2 predictions (apples, oranges) per input row.")


def test_model_returning_a_number_is_reported(tmp_path: Path) -> None:
    path = _module(tmp_path, """
        def linear_model(x, w, b):
            return float((x @ w.t() + b).sum().detach())
    """)
    result = outcome_of(path, A, "linreg.model")
    assert result.feedback.startswith(f"`linear_model(x, w, b)` {CROP} returned a single float; expected a "
                                      "torch.Tensor of shape (15,2)")


def test_model_is_judged_on_the_grader_inputs_not_the_reported_ones() -> None:
    """A self-consistent record on inputs of its own (all zeros, output zeros) earns nothing."""
    expected = reference_facts("linreg.model")
    forged = _copy(expected)
    for case in forged["cases"]:
        for given in case["inputs"]:
            given["values"] = np.zeros_like(given["values"])
        case["result"]["values"] = np.zeros_like(case["result"]["values"])
    assert judge("linreg.model", forged, expected).status == "failed"


# --- linreg.mse (kind function_matches_reference) ---------------------------------------------


def test_mse_sum_gets_partial_credit_and_a_hint() -> None:
    result = outcome("mse_forgets_mean.py", "linreg.mse")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback.startswith("`mse(t1, t2)` on two tensors of shape (15, 2) returned ")
    assert result.feedback.endswith("that is the sum of squared differences: divide by the "
                                    "number of elements, `diff.numel()`.")


def test_mse_float_loses_the_gradient_part() -> None:
    result = outcome("mse_returns_float.py", "linreg.mse")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback == ("`mse(t1, t2)` on two tensors of shape (15, 2) returned a float, not a tensor, so "
                               "no gradient can flow through it: keep the computation in torch (no `.item()`, "
                               "`float()` or NumPy).")


@pytest.mark.parametrize("body, fraction, words", [
    ("d = t1 - t2\n    return (d * d).sum() / d.shape[0]", 0.5, "that is divided by the number of rows only"),
    ("return ((t1 - t2) ** 2).mean().sqrt()", 0.5, "that is the root of the mean squared error"),
    ("return torch.tensor(((t1 - t2) ** 2).mean().item(), requires_grad=True)", 0.5,
     "the gradient of `t1` is missing or zero"),
    # the right value, but half of its gradient is cut off: the gradient is not the value's
    ("d = t1 - t2\n    return (d * d.detach()).mean()", 0.5, "is not the gradient of the mean of"),
    # a recognised slip (the sum) whose gradient is not the sum's either: nothing earned
    ("d = t1 - t2\n    return (d * d.detach()).sum()", 0.0, "is not the gradient of its value"),
    # unreduced: no value the grader recognises, so its gradient proves nothing
    ("return (t1 - t2) ** 2", 0.0, "returned shape (15,2); expected a single number"),
])
def test_mse_mistakes_are_named(tmp_path: Path, body: str, fraction: float, words: str) -> None:
    path = _module(tmp_path, f"def mse(t1, t2):\n    {body}\n")
    result = outcome_of(path, A, "linreg.mse")
    assert result.fraction == fraction and words in result.feedback, result.feedback


def test_mse_is_judged_on_the_grader_tensors_not_the_reported_ones() -> None:
    """A record that reports its own (all-zero) t1, t2 with a zero loss earns nothing."""
    expected = reference_facts("linreg.mse")
    forged = _copy(expected)
    for case in forged["cases"]:
        for given in case["inputs"]:
            given["values"] = np.zeros_like(given["values"])
        case["result"]["values"] = np.zeros_like(case["result"]["values"])
        case["result"]["grads"][0]["values"] = np.full_like(case["result"]["grads"][0]["values"], 1e-3)
    assert judge("linreg.mse", forged, expected).status == "failed"


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


def test_gd_step_facts_carry_the_grader_inputs() -> None:
    """The reference's facts hold what the check computes from: data, start, lr, steps."""
    facts = reference_facts("linreg.gd_step")
    d = Descent.of(facts)
    one, run = facts["one_step"], facts["run"]
    assert facts["supplied"] == ["linear_model", "mse"]  # the reference's own, swapped in
    assert (d.inputs.shape, d.targets.shape, d.w0.shape, d.b0.shape) == ((15, 3), (15, 2), (2, 3), (2,))
    assert (d.lr, d.steps) == (1e-5, 100)
    assert one["returned"] == pytest.approx(d.loss(d.w0, d.b0), rel=1e-6)
    assert d.loss(one["w"], one["b"]) < d.loss(d.w0, d.b0)
    assert d.loss(run["w"], run["b"]) < 0.1 * d.loss(d.w0, d.b0)  # measured 1270 from 33061


def _gd_facts(**one_step_changes) -> tuple[dict, dict]:
    expected = reference_facts("linreg.gd_step")
    observed = _copy(expected)
    observed["one_step"].update(one_step_changes)
    return observed, expected


def test_gd_step_accepts_gradients_set_to_none() -> None:
    observed, expected = _gd_facts(w_grad=None, b_grad=None)
    assert CHECKS["linreg.gd_step"](observed, expected, {}).status == "passed"


def test_gd_step_returning_the_loss_after_the_update() -> None:
    observed, expected = _gd_facts()
    one = observed["one_step"]
    one["returned"] = Descent.of(expected).loss(one["w"], one["b"])
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


def test_gd_step_claimed_reset_without_a_step_earns_nothing() -> None:
    """Empty gradients cost nothing to claim: with ``w, b`` never moving they prove nothing,
    and the loss it claims to return is checked against the grader's own."""
    observed, expected = _gd_facts(w_grad=None, b_grad=None, returned=1.0)
    d = Descent.of(expected)
    for part in (observed["one_step"], observed["second"], observed["run"]):
        part.update(w=d.w0.copy(), b=d.b0.copy())
    result = CHECKS["linreg.gd_step"](observed, expected, {})
    assert result.status == "failed", result.feedback
    assert "`w` had not moved along its gradient" in result.feedback


def test_gd_step_second_step_shows_accumulated_gradients() -> None:
    """Reported empty gradients, but a second step that adds both gradients: not reset."""
    observed, expected = _gd_facts(w_grad=None, b_grad=None)
    d = Descent.of(expected)
    one = observed["one_step"]
    g0, g1 = d.gradient(d.w0, d.b0), d.gradient(one["w"], one["b"])
    observed["second"] = {"w": one["w"] - d.lr * (g0[0] + g1[0]), "b": one["b"] - d.lr * (g0[1] + g1[1])}
    result = CHECKS["linreg.gd_step"](observed, expected, {})
    assert result.fraction == 0.75
    assert result.feedback.startswith("The second `gd_step` did not move `w` and `b` by `lr` times the "
                                      "gradient at their new values")


def test_gd_step_uses_the_reference_start_not_the_reported_one() -> None:
    """Reporting a start of its own (and steps from it) does not move the grader's question."""
    observed, expected = _gd_facts()
    observed.update(w0=np.zeros((2, 3)), b0=np.zeros(2), lr=1.0, steps=1,
                    inputs=np.zeros((15, 3)), targets=np.zeros((15, 2)))
    assert CHECKS["linreg.gd_step"](observed, expected, {}).status == "passed"  # answers unchanged
    for part in ("one_step", "second", "run"):
        observed[part].update(w=np.zeros((2, 3)), b=np.zeros(2))
    observed["one_step"]["returned"] = 0.0
    assert CHECKS["linreg.gd_step"](observed, expected, {}).status == "failed"


@pytest.mark.parametrize("record", [
    {},
    {"one_step": {}},
    {"one_step": {"w": [[0.0] * 3] * 2, "b": [0.0, 0.0, 0.0]}},
    {"one_step": {"w": "w", "b": None, "returned": "1.0"}},
], ids=["empty", "empty one_step", "wrong bias shape", "wrong types"])
def test_gd_step_malformed_record_fails(record: dict) -> None:
    result = CHECKS["linreg.gd_step"](record, reference_facts("linreg.gd_step"), {})
    assert result.status == "failed" and "does not answer the grader's questions" in result.feedback


def test_supplied_helpers_swap_only_this_items_helpers_and_restore() -> None:
    """The reference's source, compiled fresh, replaces only names the submission defines."""
    sources = spec_mod.load(A).item("linreg.gd_step").observe["supplied"]
    assert set(sources) == {"linear_model", "mse"}
    assert all("def " + name + "(" in source for name, source in sources.items())
    scope: dict = {"mse": "student's mse"}
    exec("def gd_step():\n    return mse", scope)
    with supplied_helpers(scope["gd_step"], {"supplied": sources}) as swapped:
        assert swapped == ["mse"]
        helper = scope["gd_step"]()
        t1 = np.arange(6.0).reshape(2, 3)
        assert float(helper(torch.tensor(t1), torch.zeros(2, 3))) == pytest.approx((t1 ** 2).mean())
    assert scope["mse"] == "student's mse" and "linear_model" not in scope


def test_only_gd_step_is_supplied_helpers() -> None:
    plan = spec_mod.load(A).sandbox_plan()
    carrying = [item["id"] for item in plan["items"] if "supplied" in item["observe"]]
    assert carrying == ["linreg.gd_step"]


# --- linreg.fit -------------------------------------------------------------------------------


def test_fit_without_zero_grad_fails_both_parts() -> None:
    result = outcome("fit_no_zero_grad.py", "linreg.fit")
    assert result.status == "failed"
    assert result.feedback.startswith(
        "fit(100, model, loss_fn, opt, dataloader) on a grader-built Linear(3, 2) network: After fit the model's "
        "loss on the grader's data, recomputed from its weights, is 8645 (before: 1.358e+04); expected below 10% "
        "of the start.")
    assert result.feedback.endswith(
        "During fit, optimizer.zero_grad() was never called, so gradients build up across batches: call it for "
        "every batch.")


def _fit_run(facts: dict, **changes) -> dict:
    """The reference's record of its one (grader-built) run, with ``changes`` to that run."""
    return {**facts, "runs": [{**facts["runs"][0], **changes}]}


def _layer(weight: np.ndarray, bias: np.ndarray) -> list[dict]:
    return [{"weight": weight, "bias": bias}]


def test_fit_is_a_kind_item() -> None:
    assert spec_item_of("linreg.fit").kind == "training_reduces_loss"
    assert "linreg.fit" not in CHECKS


def test_fit_reference_facts() -> None:
    facts = reference_facts("linreg.fit")
    run = facts["runs"][0]
    assert run["steps"] == 300 and facts["batches"] == 3 and run["losses"] is None
    data = (facts["inputs"].astype(np.float64), facts["targets"].astype(np.float64))
    (start,), (end,) = run["initial"], run["final"]
    before, after = _loss(*data, start["weight"], start["bias"]), _loss(*data, end["weight"], end["bias"])
    assert after < 0.01 * before  # measured 33.47 from 13584.8


def test_fit_with_too_few_steps_is_counted() -> None:
    expected = reference_facts("linreg.fit")
    (end,) = expected["runs"][0]["final"]
    observed = _fit_run(expected, steps=297, final=_layer(end["weight"] + 0.01, end["bias"]))
    result = judge("linreg.fit", observed, expected)
    assert result.fraction == 0.5
    assert result.feedback.endswith(
        "During fit, optimizer.step() was called 297 times, expected 300 (once per batch, for every epoch): "
        "loop over the epochs and over the batches of the `dataloader` argument.")


def test_fit_losses_are_the_graders_not_the_records() -> None:
    """A claimed curve and claimed data change nothing: both losses come from the weights, on the
    reference's data; weights that never moved earn nothing."""
    expected = reference_facts("linreg.fit")
    start = expected["runs"][0]["initial"]
    observed = {**_fit_run(expected, final=_copy(start), losses=np.array([1e9, 0.0]), losses_length=2),
                "inputs": np.zeros((15, 3), dtype=np.float32), "targets": np.zeros((15, 2), dtype=np.float32)}
    result = judge("linreg.fit", observed, expected)
    assert result.status == "failed"
    assert "The model passed to fit did not change" in result.feedback
    assert "After fit, the model passed in was unchanged" in result.feedback


def test_fit_needs_the_graders_starting_weights() -> None:
    expected = reference_facts("linreg.fit")
    (start,) = expected["runs"][0]["initial"]
    result = judge("linreg.fit", _fit_run(expected, initial=_layer(start["weight"] + 1.0, start["bias"])), expected)
    assert result.status == "failed"
    assert "the weights reported before training are not those of the network the grader built" in result.feedback


def test_fit_malformed_record_fails() -> None:
    expected = reference_facts("linreg.fit")
    (end,) = expected["runs"][0]["final"]
    for record in ({}, {"runs": expected["runs"]}, _fit_run(expected, final=_layer(end["weight"].T, end["bias"]))):
        result = judge("linreg.fit", record, expected)
        assert result.status == "failed", result.feedback


# --- linreg.simplenet -------------------------------------------------------------------------


def test_simplenet_without_relu() -> None:
    result = outcome("simplenet_no_relu.py", "linreg.simplenet")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback == (
        "`SimpleNet`'s output equals the Linear layers applied one after the other with no "
        "activation in between: apply `nn.ReLU()` to the first layer's output.")


def _relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0)


def _simplenet_facts(hidden=_relu, last=lambda h: h, shapes: tuple = ((3, 3), (2, 3))) -> dict:
    """A hand-built record: weights cut from one stream in layer order, as the observer sets them."""
    rng = np.random.default_rng(1)
    x, stream = rng.normal(size=(16, 3)), rng.normal(size=256)
    layers, offset = [], 0
    for out_f, in_f in shapes:
        w = stream[offset:offset + out_f * in_f].reshape(out_f, in_f)
        b = stream[offset + out_f * in_f:offset + out_f * in_f + out_f]
        layers.append((w, b))
        offset += out_f * in_f + out_f
    h = hidden(x @ layers[0][0].T + layers[0][1])
    out = last(h @ layers[1][0].T + layers[1][1])
    return {"is_module": True, "type": "SimpleNet", "x": x, "stream": stream, "weights_set": True,
            "shapes": [list(t.shape) for layer in layers for t in layer],
            "layer_shapes": [{"weight": list(w.shape), "bias": list(b.shape)} for w, b in layers],
            "error": None, "shape": list(out.shape), "output": out}


def test_simplenet_relu_after_output_is_named() -> None:
    observed = _simplenet_facts(last=_relu)
    result = CHECKS["linreg.simplenet"](observed, _simplenet_facts(), {})
    assert result.fraction == 0.5
    assert result.feedback.startswith("`SimpleNet` applies ReLU to its output as well")


def test_simplenet_wrong_hidden_width() -> None:
    observed = _simplenet_facts(shapes=((4, 3), (2, 4)))
    result = CHECKS["linreg.simplenet"](observed, _simplenet_facts(), {})
    assert result.fraction == 0.5
    assert result.feedback.startswith("SimpleNet: parameter 1 has shape (4,3), expected (3,3)")


def test_simplenet_shapes_need_an_output_that_follows_from_them() -> None:
    """Claiming the contract's shapes is free; the output on the grader's weights is not."""
    forged = {**_simplenet_facts(), "output": np.zeros((16, 2)), "x": np.zeros((16, 3)),
              "stream": np.zeros(256)}
    result = CHECKS["linreg.simplenet"](forged, _simplenet_facts(), {})
    assert result.status == "failed", result.feedback
    assert "Its parameter shapes count once its output follows from its Linear layers." in result.feedback


def test_simplenet_reported_stream_and_inputs_are_ignored() -> None:
    """A record computed from inputs of its own choosing (zeros) does not pass."""
    zeros = _simplenet_facts()
    zeros.update(x=np.zeros((16, 3)), stream=np.zeros(256), output=np.zeros((16, 2)))
    expected = _simplenet_facts()
    assert CHECKS["linreg.simplenet"](zeros, expected, {}).status == "failed"
    assert CHECKS["linreg.simplenet"]({**zeros, "output": expected["output"]}, expected, {}).status == "passed"


def test_simplenet_too_many_weights_is_not_replayed() -> None:
    observed = _simplenet_facts()
    observed["layer_shapes"] = [{"weight": [10_000, 10_000], "bias": [10_000]}]
    result = CHECKS["linreg.simplenet"](observed, _simplenet_facts(), {})
    assert result.status == "failed"
    assert "hold far more weights than Linear(3, 3) and Linear(3, 2)" in result.feedback


def test_simplenet_test_is_meaningful() -> None:
    """The grader's weights and inputs make some hidden pre-activations negative."""
    result = outcome_of(REFERENCE, A, "linreg.simplenet")
    negative = int(result.diagnostics.split()[2])
    assert negative > 0, result.diagnostics


def test_fit_training_a_global_model_is_named() -> None:
    expected = reference_facts("linreg.fit")
    observed = _fit_run(expected, final=_copy(expected["runs"][0]["initial"]))
    result = judge("linreg.fit", observed, expected)
    assert result.status == "failed"
    assert result.feedback.endswith(
        "After fit, the model passed in was unchanged: train the `model` with the optimizer, loss function and "
        "data loader given as arguments, not global ones.")


# --- forged records: every item, the record alone earns nothing ------------------------------


@pytest.mark.parametrize("item_id", ITEMS)
def test_an_empty_record_earns_nothing(item_id: str) -> None:
    result = judge(item_id, {}, reference_facts(item_id), {})
    assert result.fraction == 0.0, result.feedback


@pytest.mark.parametrize("item_id", ["linreg.model", "linreg.mse"])
def test_kind_items_need_an_answer_to_every_case(item_id: str) -> None:
    expected = reference_facts(item_id)
    for cases in ([], expected["cases"][:1], expected["cases"] * 2, "cases", [None, None]):
        result = judge(item_id, {**expected, "cases": cases}, expected)
        assert result.status == "failed" and "could not use what your code reported" in result.feedback


# --- malformed records: a check never crashes on what a record holds -------------------------

GARBAGE = (None, "x" * 10, 10 ** 12, -1, True, 1.5, float("nan"), [], {}, [None], np.zeros((3, 3)),
           np.zeros(0), {"a": 1})


@pytest.mark.parametrize("item_id", ITEMS)
def test_checks_survive_any_malformed_answer(item_id: str) -> None:
    """Every field of the reference's own record replaced by garbage: an Outcome, never a crash."""
    expected = reference_facts(item_id)
    params = spec_mod.load(A).item(item_id).check
    for path in record_paths(expected)[1:]:
        for garbage in GARBAGE:
            result = judge(item_id, replaced(expected, path, garbage), expected, params)
            assert 0.0 <= result.fraction <= 1.0, (path, garbage)
