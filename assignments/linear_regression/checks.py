"""Checks of ``linear_regression`` (Tutorial 6, Part A) that no kit kind expresses yet.

``linreg.model`` and ``linreg.mse`` are kit items (kind ``function_matches_reference``,
configured in ``assignment.yaml``), ``linreg.fit`` too (kind ``training_reduces_loss``); the
items below step or build a network, and are judged here.

Every input is the grader's: the data, seeds, tensors and starting weights
come from the reference's facts (``expected``, observed in a trusted worker
on the same seeds) and step counts and tolerances from ``params``. The
submission's record only answers: each answer is validated against the
shape of the reference's before anything is computed, and a missing one
fails. Values that follow from the inputs (losses and gradients of the
linear model, a ReLU network from grader-set weights) are recomputed here in
float64; training results are compared with the reference's run on the same
seeds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks import check
from autograder.checks.common import allclose, compare_shapes, fmt_num, fmt_shapes, max_abs_diff
from autograder.checks.claims import claimed_array, claimed_shape, claimed_text
from autograder.results import Outcome


def _raised(name: str, error: str, hint: str = "") -> Outcome:
    return Outcome.error(f"`{name}` raised {error}.{hint} Fix it and run the check again.")


def _lr(lr: float) -> str:
    """``1e-05`` written the way the sheet writes it, ``1e-5``."""
    return f"{lr:g}".replace("e-0", "e-")


def _type(name: Any) -> str:
    """``builtins.float`` as ``float``; other types keep their module."""
    return (claimed_text(name) or "value").removeprefix("builtins.")


def _shape_text(shape: Any) -> str:
    dims = _dims(shape)
    return "no shape (not a tensor)" if dims is None else fmt_shapes([dims])


def _dims(shape: Any, most: int = 8) -> list[int] | None:
    """A claimed shape as a short list of non-negative ints, or None."""
    if not isinstance(shape, list) or len(shape) > most:
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape):
        return None
    return shape


def _number(value: Any) -> float | None:
    """A claimed scalar as a float, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _unanswered(what: str) -> Outcome:
    return Outcome.failed(f"The record for this item does not answer the grader's questions "
                          f"({what}), so nothing could be verified: no credit.")


def _loss(inputs: np.ndarray, targets: np.ndarray, w: np.ndarray, b: np.ndarray) -> float:
    """MSE of the linear model with weights ``w, b`` on the grader's data (float64)."""
    with np.errstate(all="ignore"):
        return float(np.mean((inputs @ w.T + b - targets) ** 2))


def _gradient(inputs: np.ndarray, targets: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of that MSE with respect to ``w`` and ``b``."""
    with np.errstate(all="ignore"):
        residual = 2.0 * (inputs @ w.T + b - targets) / targets.size
        return residual.T @ inputs, residual.sum(axis=0)


# --- linreg.gd_step -----------------------------------------------------------------------


@dataclass(frozen=True)
class Descent:
    """The grader's side of ``linreg.gd_step``: data, start, learning rate and step count
    (all from the reference's facts), with the losses and gradients it implies."""

    inputs: np.ndarray
    targets: np.ndarray
    w0: np.ndarray
    b0: np.ndarray
    lr: float
    steps: int

    @classmethod
    def of(cls, expected: dict[str, Any]) -> Descent:
        arr = lambda k: np.asarray(expected[k], np.float64)  # noqa: E731
        return cls(arr("inputs"), arr("targets"), arr("w0"), arr("b0"), float(expected["lr"]),
                   int(expected["steps"]))

    def loss(self, w: np.ndarray, b: np.ndarray) -> float:
        return _loss(self.inputs, self.targets, w, b)

    def gradient(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _gradient(self.inputs, self.targets, w, b)


def _params(record: Any, d: Descent) -> tuple[np.ndarray, np.ndarray] | None:
    """Claimed ``w, b`` of the shapes of the grader's start, or None."""
    if not isinstance(record, dict):
        return None
    w, b = claimed_array(record.get("w"), d.w0.shape), claimed_array(record.get("b"), d.b0.shape)
    return None if w is None or b is None or claimed_shape(record.get("w")) != d.w0.shape else (w, b)


def _update_problem(w1: np.ndarray, b1: np.ndarray, ref: tuple[np.ndarray, np.ndarray], d: Descent,
                    rtol: float, atol: float) -> str | None:
    if allclose(w1, ref[0], rtol, atol) and allclose(b1, ref[1], rtol, atol):
        return None
    if allclose(w1, d.w0, 0, 0) and allclose(b1, d.b0, 0, 0):
        return ("After one `gd_step`, `w` and `b` were unchanged: update the tensors passed in, "
                "in place (`w -= w.grad * lr` under `torch.no_grad()`), rather than rebinding a new tensor.")
    gw, _ = d.gradient(d.w0, d.b0)
    if allclose(w1, d.w0 + d.lr * gw, rtol, atol):
        return ("After one `gd_step`, `w` moved uphill, along the gradient: subtract it, "
                "`w -= w.grad * lr` and `b -= b.grad * lr`.")
    diff = max(max_abs_diff(w1, ref[0]), max_abs_diff(b1, ref[1]))
    return (f"After one `gd_step` from fixed `w, b`, the parameters differ from one step of gradient "
            f"descent by up to {fmt_num(diff)}: update with `w -= w.grad * lr` and `b -= b.grad * lr`, "
            "using the MSE of `linear_model`'s predictions.")


def _returned_loss_problem(one: dict[str, Any], w1: np.ndarray, b1: np.ndarray, d: Descent,
                           rtol: float) -> str | None:
    got, before = _number(one.get("returned")), d.loss(d.w0, d.b0)
    if got is None:
        return (f"`gd_step` returned a {_type(one.get('returned_type'))}, expected the loss before the "
                "update (a scalar tensor or float): `return loss`.")
    if np.isclose(got, before, rtol=rtol):
        return None
    if np.isclose(got, d.loss(w1, b1), rtol=rtol):
        return ("`gd_step` returned the loss after the update: return the loss computed "
                "before updating `w` and `b`.")
    return (f"`gd_step` returned {fmt_num(got)}, but the MSE of the predictions before the update "
            f"was {fmt_num(before)}: return that loss.")


def _zero(grad: Any, shape: tuple[int, ...]) -> bool:
    """A reset gradient: none at all, or zeros of the parameter's shape."""
    if grad is None:
        return True
    values = claimed_array(grad, shape)
    return values is not None and not np.any(values)


def _rate(step: np.ndarray, grad: np.ndarray, tol: float) -> float | None:
    """The ``alpha`` with ``step == -alpha * grad`` (within ``tol`` of the step), or None."""
    norm = float(np.dot(grad.ravel(), grad.ravel()))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    alpha = -float(np.dot(step.ravel(), grad.ravel())) / norm
    return alpha if np.linalg.norm(step + alpha * grad) <= tol * np.linalg.norm(step) + 1e-12 else None


def _reset_problem(one: dict[str, Any], p1: tuple[np.ndarray, np.ndarray],
                   p2: tuple[np.ndarray, np.ndarray] | None, d: Descent, tol: float) -> str | None:
    """Gradients reset: none left after the first call, and the second call stepped along the
    gradient at its own start only, at the rate of the first (whatever that rate or sign was).

    The second step is the evidence: a record can claim empty gradients for free, but
    not a step that follows the gradient at the grader's data without computing it.
    """
    if not (_zero(one.get("w_grad"), d.w0.shape) and _zero(one.get("b_grad"), d.b0.shape)):
        return ("After `gd_step`, `w.grad` and `b.grad` were not zero: reset both with "
                "`w.grad.zero_()` and `b.grad.zero_()` after the update, or the next step adds to them.")
    g0 = d.gradient(d.w0, d.b0)
    rates = [_rate(p - s, g, tol) for p, s, g in zip(p1, (d.w0, d.b0), g0, strict=True)]
    if rates[0] is None or rates[0] == 0.0:
        return ("After one `gd_step`, `w` had not moved along its gradient, so the grader could not "
                "see a reset gradient at work: update `w` and `b` in place by `lr` times their gradients.")
    if p2 is None:
        return "The second call of `gd_step` did not finish, so the reset of the gradients could not be checked."
    g1 = d.gradient(*p1)
    for p_next, p_now, g, alpha in zip(p2, p1, g1, rates, strict=True):
        if alpha is None:
            continue  # b's own update rule is the update check's to judge; w's is enough here
        want = -alpha * g
        if np.linalg.norm((p_next - p_now) - want) > tol * np.linalg.norm(want) + 1e-9:
            return ("The second `gd_step` did not move `w` and `b` by `lr` times the gradient at their "
                    "new values: does an old gradient stay in `w.grad`, or is it kept elsewhere?")
    return None


def _run_problem(observed: dict[str, Any], expected: dict[str, Any], d: Descent, ratio: float,
                 rtol: float) -> str | None:
    run = observed.get("run") if isinstance(observed.get("run"), dict) else {}
    if (error := claimed_text(run.get("error"))) is not None:
        at = run.get("failed_at")
        where = f" in step {at} of {d.steps}" if isinstance(at, int) and 1 <= at <= d.steps else ""
        return f"`gd_step` raised {error}{where}."
    final = _params(run, d)
    if final is None:
        return f"The record holds no `w, b` after {d.steps} calls of `gd_step`, so the loss could not be computed."
    first, last = d.loss(d.w0, d.b0), d.loss(*final)
    ref_last = d.loss(*(np.asarray(expected["run"][k], np.float64) for k in ("w", "b")))
    falls = bool(np.isfinite(last) and last < ratio * first)
    follows = bool(np.isfinite(last) and np.isclose(last, ref_last, rtol=rtol))
    if falls and follows:
        return None
    story = (f"Over {d.steps} steps at lr {_lr(d.lr)} from fixed `w, b`, "
             f"the loss went from {fmt_num(first)} to {fmt_num(last)}")
    if not falls:
        return f"{story}; expected it to fall below {ratio:.0%} of the first."
    return (f"{story}; it falls, but does not follow plain gradient descent step for step: "
            "do gradients build up from one call to the next?")


@check("linreg.gd_step")
def check_gd_step(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """One step equals the reference's; loss before it returned; grads reset; the loss falls."""
    d = Descent.of(expected)
    one = observed.get("one_step")
    if not isinstance(one, dict):
        return _unanswered("what the first call of `gd_step` returned and left in `w` and `b`")
    if (error := claimed_text(one.get("error"))) is not None:
        hint = " Update `w` and `b` inside `with torch.no_grad():`." if "leaf Variable" in error else ""
        return _raised("gd_step", error, hint)
    p1 = _params(one, d)
    if p1 is None:
        return _unanswered("`w` and `b` after the first call of `gd_step`")
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-4)
    ref_one = tuple(np.asarray(expected["one_step"][k], np.float64) for k in ("w", "b"))
    problems = [
        _update_problem(p1[0], p1[1], (ref_one[0], ref_one[1]), d, rtol, atol),
        _returned_loss_problem(one, *p1, d, rtol),
        _reset_problem(one, p1, _params(observed.get("second"), d), d, params.get("reset_tol", 1e-3)),
        _run_problem(observed, expected, d, params.get("max_loss_ratio", 0.5),
                     params.get("trajectory_rtol", 1e-3)),
    ]
    return Outcome.from_checks(
        [(p is None, p or "") for p in problems],
        "`gd_step` takes one correct gradient-descent step, returns the loss before it, "
        f"resets the gradients, and the loss falls over {d.steps} steps.",
    )


# --- linreg.simplenet ---------------------------------------------------------------------


Layer = tuple[np.ndarray, np.ndarray | None]


def _layers_from_stream(shapes: Any, stream: np.ndarray) -> list[Layer] | None:
    """The weights the observer set: each Linear's weight, then bias, from the grader's stream.

    ``shapes`` is the record's claim (layer shapes); the values are the
    reference's stream, so a claim can only pick which grader numbers go where.
    None when the claim is malformed or needs more numbers than the stream holds.
    """
    if not isinstance(shapes, list) or not shapes or len(shapes) > 16:
        return None
    layers, offset = [], 0
    for entry in shapes:
        weight = _dims(entry.get("weight")) if isinstance(entry, dict) else None
        bias = entry.get("bias") if isinstance(entry, dict) else None
        if weight is None or len(weight) != 2 or (bias is not None and _dims(bias) != weight[:1]):
            return None
        sizes = [weight[0] * weight[1]] + ([weight[0]] if bias is not None else [])
        if offset + sum(sizes) > stream.size:
            return None
        w = stream[offset:offset + sizes[0]].reshape(weight)
        b = stream[offset + sizes[0]:offset + sum(sizes)] if bias is not None else None
        layers.append((w, b))
        offset += sum(sizes)
    return layers


def _network(layers: list[Layer], x: np.ndarray, hidden_act: Any, out_act: Any) -> np.ndarray | None:
    """Chain the Linear layers with ``hidden_act`` between them; None if the sizes don't chain."""
    h = x
    try:
        for i, (w, b) in enumerate(layers):
            h = h @ w.T + (0.0 if b is None else b)
            h = hidden_act(h) if i < len(layers) - 1 else out_act(h)
    except ValueError:
        return None
    return h


def _relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


def _same(a: np.ndarray, b: np.ndarray | None) -> bool:
    return b is not None and allclose(a, b, 1e-4, 1e-4)


def _sigmoid(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-h))


def _ident(h: np.ndarray) -> np.ndarray:
    return h


# Networks the output may be, computed from the grader's weights; the first is the contract.
_ARCHITECTURES: tuple[tuple[str, Any, Any, str], ...] = (
    ("relu", _relu, _ident, ""),
    ("linear", _ident, _ident,
     "`SimpleNet`'s output equals the Linear layers applied one after the other "
     "with no activation in between: apply `nn.ReLU()` to the first layer's output."),
    ("relu_out", _relu, _relu,
     "`SimpleNet` applies ReLU to its output as well: the last Linear layer's "
     "output is the prediction, with no activation after it."),
    ("sigmoid", _sigmoid, _ident, "`SimpleNet` uses a sigmoid between its layers: use `nn.ReLU()`."),
    ("tanh", np.tanh, _ident, "`SimpleNet` uses tanh between its layers: use `nn.ReLU()`."),
)


def _forward(observed: dict[str, Any], expected: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(architecture, problem)``: which network the output is, computed from the grader's
    inputs and the weights the grader set (rebuilt from its stream and the reported layer
    shapes); ``problem`` is None when it is the contract's."""
    x, stream = np.asarray(expected["x"], np.float64), np.asarray(expected["stream"], np.float64)
    if isinstance(observed.get("layer_shapes"), list) and not observed["layer_shapes"]:
        return None, "`SimpleNet` has no `nn.Linear` layers, so its forward pass cannot be checked."
    layers = _layers_from_stream(observed.get("layer_shapes"), stream)
    if layers is None or observed.get("weights_set") is not True:
        return None, ("`SimpleNet`'s Linear layers hold far more weights than Linear(3, 3) and "
                      "Linear(3, 2), so its forward pass could not be checked: build exactly those two layers.")
    if observed.get("output") is None:
        return None, f"`SimpleNet()(x)` returned {_shape_text(observed.get('shape'))}, expected a tensor."
    want = _network(layers, x, _relu, _ident)
    if want is None:
        return None, ("`SimpleNet`'s Linear layers do not chain from 3 inputs to 2 outputs: "
                      "Linear(3, 3) -> ReLU -> Linear(3, 2).")
    out = claimed_array(observed["output"], want.shape)
    if out is None or claimed_shape(observed["output"]) != want.shape:
        got = claimed_shape(observed["output"])
        return None, (f"`SimpleNet()(x)` on a batch of shape ({x.shape[0]}, 3) returned shape "
                      f"{fmt_shapes([got]) if got is not None else 'of no kind'}, expected "
                      f"{fmt_shapes([want.shape])}: one row of 2 outputs per input row.")
    for name, hidden, last, hint in _ARCHITECTURES:
        if (name == "relu" or len(layers) >= 2) and _same(out, _network(layers, x, hidden, last)):
            return name, hint or None
    return None, ("`SimpleNet`'s output (with its Linear layers' weights set by the grader) is not "
                  "Linear(3, 3) -> ReLU -> Linear(3, 2) computed from those weights: check `forward`.")


def _hidden_negatives(expected: dict[str, Any]) -> str:
    """Instructor diagnostics: the test is only meaningful if some hidden inputs are negative."""
    layers = _layers_from_stream(expected["layer_shapes"], np.asarray(expected["stream"], np.float64))
    if not layers or layers[0][1] is None:
        return ""
    pre = np.asarray(expected["x"], np.float64) @ layers[0][0].T + layers[0][1]
    return f"hidden pre-activations: {int((pre < 0).sum())} of {pre.size} negative"


def _shapes_claim(shapes: Any) -> list[list[int]] | None:
    if not isinstance(shapes, list) or len(shapes) > 64:
        return None
    dims = [_dims(s) for s in shapes]
    return None if any(d is None for d in dims) else dims  # type: ignore[return-value]


@check("linreg.simplenet")
def check_simplenet(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Parameter shapes (3,3) (3,) (2,3) (2,) and ReLU between the two layers."""
    if observed.get("is_module") is not True:
        return Outcome.failed(f"`SimpleNet()` made a {_type(observed.get('type'))}, expected an `nn.Module`: "
                              "write `class SimpleNet(nn.Module)`.")
    if (error := claimed_text(observed.get("error"))) is not None:
        n = len(expected["x"])
        return _raised("SimpleNet", f"{error} when called on a batch of shape ({n}, 3)")
    claimed = _shapes_claim(observed.get("shapes"))
    if claimed is None:
        return _unanswered("the shapes of `SimpleNet()`'s parameters")
    architecture, forward = _forward(observed, expected)
    shapes = compare_shapes(claimed, expected["shapes"], "SimpleNet")
    if shapes is None and architecture is None:
        # Shapes are a claim; the output computed from the grader's weights for those
        # shapes is the evidence for them. Without it they earn nothing.
        shapes = "Its parameter shapes count once its output follows from its Linear layers."
    outcome = Outcome.from_checks(
        [(shapes is None, shapes or ""), (forward is None, forward or "")],
        "`SimpleNet` has layers Linear(3, 3), ReLU, Linear(3, 2).",
    )
    return dataclasses.replace(outcome, diagnostics=_hidden_negatives(expected))
