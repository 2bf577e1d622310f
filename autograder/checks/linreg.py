"""Checks of ``linear_regression`` (Tutorial 6, Part A).

Values that follow from the inputs alone (``x @ w.T + b``, the mean squared
error, a ReLU network from its own weights) are recomputed here from the facts;
training results are compared with the reference's run on the same seeds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from autograder.checks import check
from autograder.checks.common import allclose, compare_shapes, fmt_shapes, max_abs_diff, summarise
from autograder.results import Outcome


def _raised(name: str, error: str, hint: str = "") -> Outcome:
    return Outcome.error(f"`{name}` raised {error}.{hint} Fix it and run the check again.")


def _lr(lr: float) -> str:
    """``1e-05`` written the way the sheet writes it, ``1e-5``."""
    return f"{lr:g}".replace("e-0", "e-")


def _type(name: Any) -> str:
    """``builtins.float`` as ``float``; other types keep their module."""
    return str(name).removeprefix("builtins.")


def _shape_text(shape: Any) -> str:
    return "no shape (not a tensor)" if shape is None else fmt_shapes([shape])


# --- linreg.model -------------------------------------------------------------------------


@check("linreg.model")
def check_linear_model(observed: dict[str, Any], expected: dict[str, Any],
                       params: dict[str, Any]) -> Outcome:
    """``linear_model(x, w, b)`` must equal ``x @ w.T + b`` with shape (n, 2)."""
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-3)
    for case, grader_case in zip(observed["cases"], expected["cases"]):
        # The inputs come from the reference's run on the same seed, never from the
        # sandbox's report: a submission could change them in place or forge them.
        x, w, b = (np.asarray(grader_case[k], dtype=np.float64) for k in ("x", "w", "b"))
        what = f"with x of shape {fmt_shapes([x.shape])}, w {fmt_shapes([w.shape])}, b {fmt_shapes([b.shape])}"
        if case["error"] is not None:
            hint = (" `w` has shape (2, 3): multiply by its transpose, `x @ w.t() + b`."
                    if "mat1 and mat2" in case["error"] or "shape" in case["error"] else "")
            return _raised("linear_model", f"{case['error']} {what}", hint)
        want = x @ w.T + b
        if case["output"] is None:
            return Outcome.failed(f"`linear_model` {what} returned a {_type(case['type'])}, expected a "
                                  f"tensor of shape {fmt_shapes([want.shape])}: return `x @ w.t() + b`.")
        got = np.asarray(case["output"], dtype=np.float64)
        if got.shape != want.shape:
            return Outcome.failed(f"`linear_model` {what} returned shape {fmt_shapes([got.shape])}, "
                                  f"expected {fmt_shapes([want.shape])}: one row of 2 predictions "
                                  "(apples, oranges) per input row, `x @ w.t() + b`.")
        if not allclose(got, want, rtol, atol):
            if allclose(got, x @ w.T, rtol, atol):
                hint = "it equals `x @ w.t()`: is the bias `b` missing?"
            else:
                hint = "expected `x @ w.t() + b`."
            return Outcome.failed(f"`linear_model` {what} returned {summarise(got)}, "
                                  f"largest difference {max_abs_diff(got, want):.4g}: {hint}")
    return Outcome.passed("`linear_model` returns `x @ w.t() + b` with one row of predictions per input.")


# --- linreg.mse ---------------------------------------------------------------------------


def _mse_value_problem(case: dict[str, Any], rtol: float) -> str | None:
    t1, t2 = np.asarray(case["t1"], np.float64), np.asarray(case["t2"], np.float64)
    sq = (t1 - t2) ** 2
    shape = fmt_shapes([t1.shape])
    if case["value"] is None:
        return (f"`mse` on two tensors of shape {shape} returned {_shape_text(case['shape'])}"
                f" ({_type(case.get('type'))}), expected a scalar: reduce with a mean over all elements.")
    want, got = float(sq.mean()), float(case["value"])
    if np.isclose(got, want, rtol=rtol, atol=1e-6):
        return None
    guesses = [(sq.sum(), "the sum of squared differences: divide by the number of elements, "
                          "`diff.numel()`"),
               (sq.sum() / t1.shape[0], "divided by the number of rows only: divide by the number "
                                        "of elements, `diff.numel()`, or use `torch.mean`"),
               (np.abs(t1 - t2).mean(), "the mean absolute difference: square the differences"),
               (np.sqrt(sq.mean()), "the root of the mean squared error: drop the square root")]
    hint = next((h for g, h in guesses if np.isclose(got, g, rtol=rtol, atol=1e-6)),
                "expected the mean of `(t1 - t2) ** 2` over all elements")
    return f"`mse` on two tensors of shape {shape} returned {got:.5g}; that is {hint}."


def _mse_grad_problem(case: dict[str, Any], rtol: float) -> str | None:
    if case["value"] is None:
        return None  # already reported as a value problem
    if not case["is_tensor"]:
        return (f"`mse` returned a {_type(case.get('type'))}, not a tensor, so no gradient can flow "
                "through it: keep the computation in torch (no `.item()` or NumPy).")
    if case["backward_error"] is not None:
        return (f"`loss.backward()` on the result of `mse` raised {case['backward_error']}: "
                "compute it from the tensors with torch operations so autograd can follow it.")
    grad = None if case["grad"] is None else np.asarray(case["grad"], np.float64)
    if grad is None or not np.all(np.isfinite(grad)) or not np.any(grad):
        return ("After `loss.backward()` on the result of `mse`, its first argument's gradient "
                "is missing or zero: compute the loss from `t1` and `t2` with torch operations, "
                "without `.detach()`, NumPy or `torch.tensor(...)` in between.")
    if _mse_value_problem(case, rtol) is None:
        t1, t2 = np.asarray(case["t1"], np.float64), np.asarray(case["t2"], np.float64)
        if not allclose(grad, 2 * (t1 - t2) / t1.size, rtol, 1e-6):
            return ("The gradient of `mse` with respect to its first argument is not "
                    "2 * (t1 - t2) / numel: is part of the computation detached from the graph?")
    return None


@check("linreg.mse")
def check_mse(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Value equals the mean squared error (two shapes); ``backward`` gives its gradient."""
    rtol = params.get("rtol", 1e-4)
    for case in observed["cases"]:
        if case["error"] is not None:
            return _raised("mse", case["error"])
    value = next(filter(None, (_mse_value_problem(c, rtol) for c in observed["cases"])), None)
    grad = next(filter(None, (_mse_grad_problem(c, rtol) for c in observed["cases"])), None)
    return Outcome.from_checks(
        [(value is None, value or ""), (grad is None, grad or "")],
        "`mse` returns the mean squared error as a scalar tensor, and gradients flow through it.",
    )


# --- linreg.gd_step -----------------------------------------------------------------------


def _update_problem(one: dict[str, Any], ref: dict[str, Any], w0: Any, b0: Any,
                    rtol: float, atol: float) -> str | None:
    if allclose(one["w_after"], ref["w_after"], rtol, atol) and \
            allclose(one["b_after"], ref["b_after"], rtol, atol):
        return None
    if allclose(one["w_after"], w0, 0, 0) and allclose(one["b_after"], b0, 0, 0):
        return ("After one `gd_step`, `w` and `b` were unchanged: update the tensors passed in, "
                "in place (`w -= w.grad * lr` under `torch.no_grad()`), rather than rebinding a new tensor.")
    uphill_w = 2 * np.asarray(w0, np.float64) - np.asarray(ref["w_after"], np.float64)
    if allclose(one["w_after"], uphill_w, rtol, atol):
        return ("After one `gd_step`, `w` moved uphill, along the gradient: subtract it, "
                "`w -= w.grad * lr` and `b -= b.grad * lr`.")
    diff = max(max_abs_diff(one["w_after"], ref["w_after"]), max_abs_diff(one["b_after"], ref["b_after"]))
    return (f"After one `gd_step` from fixed `w, b`, the parameters differ from one step of gradient "
            f"descent by up to {diff:.4g}: update with `w -= w.grad * lr` and `b -= b.grad * lr`, "
            "using the MSE of `linear_model`'s predictions.")


def _returned_loss_problem(one: dict[str, Any], rtol: float) -> str | None:
    got = one["returned"]
    if got is None:
        return (f"`gd_step` returned a {_type(one['returned_type'])}, expected the loss before the "
                "update (a scalar tensor or float): `return loss`.")
    if np.isclose(got, one["loss_before"], rtol=rtol):
        return None
    if np.isclose(got, one["loss_after"], rtol=rtol):
        return ("`gd_step` returned the loss after the update: return the loss computed "
                "before updating `w` and `b`.")
    return (f"`gd_step` returned {got:.6g}, but the MSE of the predictions before the update "
            f"was {one['loss_before']:.6g}: return that loss.")


def _grads_zero(grad: Any) -> bool:
    return grad is None or not np.any(np.asarray(grad))


def _run_problem(run: dict[str, Any], ref_run: dict[str, Any], ratio: float, rtol: float) -> str | None:
    if run["error"] is not None:
        return f"`gd_step` raised {run['error']} in step {run['failed_at'] + 1} of {run['steps']}."
    first, final = run["first_loss"], run["final_loss"]
    falls = np.isfinite(final) and final < ratio * first
    follows = np.isclose(final, ref_run["final_loss"], rtol=rtol) and np.isfinite(final)
    if falls and follows:
        return None
    story = (f"Over {run['steps']} steps at lr {_lr(run['lr'])} from fixed `w, b`, "
             f"the loss went from {first:.6g} to {final:.6g}")
    if not falls:
        return f"{story}; expected it to fall below {ratio:.0%} of the first."
    return (f"{story}; it falls, but does not follow plain gradient descent step for step: "
            "do gradients build up from one call to the next?")


@check("linreg.gd_step")
def check_gd_step(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """One step equals the reference's; loss before it returned; grads zeroed; the loss falls."""
    one, ref_one = observed["one_step"], expected["one_step"]
    if one["error"] is not None:
        hint = (" Update `w` and `b` inside `with torch.no_grad():`."
                if "leaf Variable" in one["error"] else "")
        return _raised("gd_step", one["error"], hint)
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-4)
    grads_ok = _grads_zero(one["w_grad"]) and _grads_zero(one["b_grad"])
    grads = None if grads_ok else (
        "After `gd_step`, `w.grad` and `b.grad` were not zero: reset both with "
        "`w.grad.zero_()` and `b.grad.zero_()` after the update, or the next step adds to them.")
    problems = [
        _update_problem(one, ref_one, observed["w0"], observed["b0"], rtol, atol),
        _returned_loss_problem(one, rtol),
        grads,
        _run_problem(observed["run"], expected["run"], params.get("max_loss_ratio", 0.5),
                     params.get("trajectory_rtol", 1e-3)),
    ]
    return Outcome.from_checks(
        [(p is None, p or "") for p in problems],
        "`gd_step` takes one correct gradient-descent step, returns the loss before it, "
        "resets the gradients, and the loss falls over 100 steps.",
    )


# --- linreg.fit ---------------------------------------------------------------------------


@check("linreg.fit")
def check_fit(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """``fit`` lowers the loss and ends where the reference's run ends, step for step."""
    if observed["error"] is not None:
        return _raised("fit", observed["error"])
    ratio = params.get("max_loss_ratio", 0.1)
    rtol, atol = params.get("rtol", 1e-3), params.get("atol", 1e-4)
    before, after = observed["loss_before"], observed["loss_after"]
    epochs, per_epoch = observed["epochs"], observed["batches_per_epoch"]
    setup = (f"`fit({epochs}, nn.Linear(3, 2), F.mse_loss, SGD(lr={_lr(observed['lr'])}), loader)` "
             f"with {per_epoch} batches per epoch")
    falls = bool(np.isfinite(after) and after < ratio * before)
    fall_msg = (f"{setup}: the loss on the crop data went from {before:.6g} to {after:.6g}; "
                f"expected it to fall below {ratio:.0%} of the start.")
    same = (observed["step_calls"] == expected["step_calls"]
            and allclose(observed["weight"], expected["weight"], rtol, atol)
            and allclose(observed["bias"], expected["bias"], rtol, atol))
    return Outcome.from_checks(
        [(falls, fall_msg), (same, _trajectory_problem(observed, expected))],
        f"`fit` trains the model: the loss fell from {before:.6g} to {after:.6g}, "
        "exactly as plain SGD over every batch of every epoch.",
    )


def _trajectory_problem(observed: dict[str, Any], expected: dict[str, Any]) -> str:
    steps, want = observed["step_calls"], expected["step_calls"]
    if steps != want:
        return (f"During `fit`, `opt.step()` was called {steps} times, expected {want} (once per "
                "batch, for every epoch): loop over the epochs and over the batches of `train_dl`.")
    if observed["loss_after"] == observed["loss_before"]:
        return ("After `fit`, the model passed in was unchanged: train the `model` with the "
                "`opt`, `loss_fn` and `train_dl` given as arguments, not global ones.")
    if observed["zero_grad_calls"] == 0:
        return ("During `fit`, `opt.zero_grad()` was never called, so gradients build up across "
                "batches: call it after every `opt.step()`.")
    diff = max(max_abs_diff(observed["weight"], expected["weight"]),
               max_abs_diff(observed["bias"], expected["bias"]))
    return (f"After `fit`, the weights differ from plain SGD on the same batches by up to "
            f"{diff:.4g}: for each batch compute `loss_fn(model(xb), yb)`, then `loss.backward()`, "
            "`opt.step()`, `opt.zero_grad()`.")


# --- linreg.simplenet ---------------------------------------------------------------------


def _network(layers: list[dict[str, Any]], x: np.ndarray, hidden_act: Any, out_act: Any) -> np.ndarray | None:
    """Chain the Linear layers with ``hidden_act`` between them; None if the sizes don't chain."""
    h = x
    try:
        for i, layer in enumerate(layers):
            w = np.asarray(layer["weight"], np.float64)
            b = 0.0 if layer["bias"] is None else np.asarray(layer["bias"], np.float64)
            h = h @ w.T + b
            h = hidden_act(h) if i < len(layers) - 1 else out_act(h)
    except ValueError:
        return None
    return h


def _relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


def _same(a: np.ndarray, b: Any) -> bool:
    return allclose(a, b, 1e-4, 1e-4)


def _forward_problem(observed: dict[str, Any]) -> str | None:
    x, out, layers = np.asarray(observed["x"], np.float64), observed["output"], observed["layers"]
    if not layers:
        return "`SimpleNet` has no `nn.Linear` layers, so its forward pass cannot be checked."
    if out is None:
        return f"`SimpleNet()(x)` returned {_shape_text(observed['shape'])}, expected a tensor."
    out = np.asarray(out, np.float64)
    ident = lambda h: h  # noqa: E731
    if _same(out, _network(layers, x, _relu, ident)):
        return None
    if len(layers) >= 2 and _same(out, _network(layers, x, ident, ident)):
        return ("`SimpleNet`'s output equals the Linear layers applied one after the other "
                "with no activation in between: apply `nn.ReLU()` to the first layer's output.")
    if _same(out, _network(layers, x, _relu, _relu)):
        return ("`SimpleNet` applies ReLU to its output as well: the last Linear layer's "
                "output is the prediction, with no activation after it.")
    return ("`SimpleNet`'s output (with its Linear layers' weights set by the grader) is not "
            "Linear(3, 3) -> ReLU -> Linear(3, 2) computed from those weights: check `forward`.")


def _hidden_negatives(observed: dict[str, Any]) -> str:
    """Instructor diagnostics: the test is only meaningful if some hidden inputs are negative."""
    try:
        first = observed["layers"][0]
        pre = np.asarray(observed["x"]) @ np.asarray(first["weight"]).T + np.asarray(first["bias"])
        return f"hidden pre-activations: {int((pre < 0).sum())} of {pre.size} negative"
    except Exception:
        return ""


@check("linreg.simplenet")
def check_simplenet(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Parameter shapes (3,3) (3,) (2,3) (2,) and ReLU between the two layers."""
    if not observed["is_module"]:
        return Outcome.failed(f"`SimpleNet()` made a {_type(observed['type'])}, expected an `nn.Module`: "
                              "write `class SimpleNet(nn.Module)`.")
    if observed["error"] is not None:
        n = len(observed["x"])
        return _raised("SimpleNet", f"{observed['error']} when called on a batch of shape ({n}, 3)")
    shapes = compare_shapes(observed["shapes"], expected["shapes"], "SimpleNet")
    if shapes is None:
        # Same shapes, same seeded generator: the grader's weights and inputs are the
        # reference's. Use those rather than what the sandbox reports, which the
        # submission could have changed in place.
        observed = {**observed, "layers": expected["layers"], "x": expected["x"]}
    forward = _forward_problem(observed)
    outcome = Outcome.from_checks(
        [(shapes is None, shapes or ""), (forward is None, forward or "")],
        "`SimpleNet` has layers Linear(3, 3), ReLU, Linear(3, 2).",
    )
    return dataclasses.replace(outcome, diagnostics=_hidden_negatives(observed))
