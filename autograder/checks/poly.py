"""Checks for ``polynomial_regression``: fitting y = sin(x) with a cubic.

The fits start from random coefficients of the student's choosing, so their
results are judged against the reference fit with a margin measured over many
starting points, and the autograd fit's first steps are replayed in plain
gradient descent from the student's own start (read off a ``steps=0`` call).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from autograder.checks import check
from autograder.checks.common import allclose, max_abs_diff
from autograder.results import Outcome

TERMS = ("a", "b", "c", "d")


def fmt(values: Sequence[float] | np.ndarray) -> str:
    """Four coefficients (or gradient components) the way the feedback writes them."""
    return "(" + ", ".join(f"{float(v):.4g}" for v in np.asarray(values).ravel()) + ")"


def _raised(cases: list[dict[str, Any]], call: str) -> Outcome | None:
    """An ``error`` outcome when every call raised (e.g. a stub that is not implemented yet)."""
    if cases and all(c["error"] for c in cases):
        return Outcome.error(f"{call} raised {cases[0]['error']}. Fix it and run the check again.")
    return None


# ---------------------------------------------------------------- poly.predict


def _term_slip(x: np.ndarray, coeffs: np.ndarray, value: np.ndarray) -> str:
    """Name a single term that uses the wrong power of x, or the coefficients reversed."""
    right = [coeffs[k] * x ** k for k in range(4)]
    for k in range(4):
        for j in range(5):
            if j != k and np.allclose(sum(right) - right[k] + coeffs[k] * x ** j, value, rtol=1e-4, atol=1e-4):
                return f" The term for {TERMS[k]} uses x**{j} instead of x**{k}."
    if np.allclose(sum(coeffs[::-1][k] * x ** k for k in range(4)), value, rtol=1e-4, atol=1e-4):
        return " It uses the coefficients in reverse order: coeffs = (a, b, c, d) with a the constant term."
    return " Check each power of x and that coeffs = (a, b, c, d) is read in that order."


_PORTABLE = {
    "numpy": " poly_predict must accept NumPy arrays as well as tensors: use only the operators +, * and **, which both understand.",
    "torch": " poly_predict must accept tensors as well as NumPy arrays: use only the operators +, * and **, not np.* functions.",
}


def _predict_problem(obs: dict[str, Any], exp: dict[str, Any], facts: dict[str, Any],
                     rtol: float, atol: float) -> str | None:
    call = f"poly_predict(x, coeffs) {obs['what']}"
    if obs["error"]:
        return f"{call} raised {obs['error']}.{_PORTABLE[obs['kind']]}"
    value, want = obs["value"], exp["value"]
    if value is None:
        return f"{call} returned a {obs['type']}; expected its values at every x."
    if value.shape != want.shape:
        return f"{call} returned shape {tuple(value.shape)}; expected {tuple(want.shape)}, one value per x."
    if not allclose(value, want, rtol=rtol, atol=atol):
        return (f"{call} returned wrong values (largest difference {max_abs_diff(value, want):.3g}): "
                f"it should compute a + b*x + c*x**2 + d*x**3.{_term_slip(facts['x'], facts['coeffs'], value)}")
    return None


@check("poly.predict")
def check_predict(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Values right for NumPy inputs and for torch inputs: one half of the credit each."""
    rtol, atol = float(params.get("rtol", 1e-4)), float(params.get("atol", 1e-4))
    raised = _raised(observed["cases"], "poly_predict(x, coeffs)")
    if raised:
        return raised
    cases = list(zip(observed["cases"], expected["cases"]))
    parts = []
    for kind in ("numpy", "torch"):
        problems = [p for o, e in cases if o["kind"] == kind
                    if (p := _predict_problem(o, e, observed, rtol, atol))]
        parts.append((not problems, problems[0] if problems else ""))
    if not parts[0][0] and not parts[1][0] and "wrong values" in parts[0][1] and "wrong values" in parts[1][1]:
        parts[1] = (False, "The same holds for torch tensors.")
    return Outcome.from_checks(parts, "poly_predict computes a + b x + c x^2 + d x^3 "
                                      "for NumPy arrays and torch tensors.")


# ------------------------------------------------------------------- poly.grad


def _grad_hint(value: np.ndarray, want: np.ndarray, n: int, rtol: float = 1e-4, atol: float = 1e-6) -> str:
    """Name the usual slip when the whole gradient is off by one factor, else the wrong components."""
    with np.errstate(all="ignore"):
        ratio = value / want
    known = {
        -1.0: "it has the wrong sign: the derivative of (y_pred - y)**2 is +2*(y_pred - y) "
              "times the derivative of y_pred.",
        0.5: "it is half the gradient: the factor 2 from differentiating the square is missing.",
        -0.5: "it has the wrong sign and is missing the factor 2 from differentiating the square.",
        1.0 / n: "it is the gradient of the mean squared error; the loss here is the sum of the "
                 "squared errors, so do not divide by the number of points.",
        0.5 / n: "it averages over the points and misses the factor 2; the loss here is the sum "
                 "of the squared errors, and d/dr r**2 = 2r.",
    }
    for factor, hint in known.items():
        if np.allclose(ratio, factor, rtol=1e-4):
            return hint
    atol *= max(1.0, float(np.abs(want).max()))
    if allclose(value, want[::-1], rtol=rtol, atol=atol):
        return "its components are in reverse order; return them as (a, b, c, d)."
    wrong = [t for t, v, w in zip(TERMS, value, want) if not np.isclose(v, w, rtol=rtol, atol=atol)]
    return (f"the components for {', '.join(wrong)} are wrong: the component for the coefficient "
            "of x**k is sum(2*(y_pred - y) * x**k).")


@check("poly.grad")
def check_grad(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """All components equal the gradient of the sum of squared errors, in every case."""
    rtol, atol = float(params.get("rtol", 1e-4)), float(params.get("atol", 1e-6))
    raised = _raised(observed["cases"], "poly_grad(x, y, coeffs)")
    if raised:
        return raised
    for i, (obs, exp) in enumerate(zip(observed["cases"], expected["cases"]), start=1):
        where = f"at test point {i} ({obs['n']} random points, coeffs {fmt(obs['coeffs'])})"
        if obs["error"]:
            return Outcome.error(f"poly_grad raised {obs['error']} {where}. Fix it and run the check again.")
        value, want = obs["value"], exp["value"]
        if value is None or value.size != 4:
            got = f"a {obs['type']}" if value is None else f"{value.size} number{'s' * (value.size != 1)}"
            return Outcome.failed(f"poly_grad returned {got} {where}; expected an array of 4: "
                                  "dL/da, dL/db, dL/dc, dL/dd.")
        value = value.reshape(4)
        if not allclose(value, want, rtol=rtol, atol=atol * max(1.0, float(np.abs(want).max()))):
            return Outcome.failed(
                f"poly_grad differs from the gradient of L = sum((y_pred - y)**2) {where}: "
                f"you returned {fmt(value)}; {_grad_hint(value, want, obs['n'], rtol, atol)}",
                diagnostics=f"expected {fmt(want)}",
            )
    return Outcome.passed("poly_grad equals the gradient of the sum of squared errors "
                          "with respect to (a, b, c, d).")


# ----------------------------------------------------------- poly.fit_numpy / fit_autograd


def replay(data: dict[str, Any], start: np.ndarray, steps: int, accumulate: bool = False) -> np.ndarray:
    """Plain gradient descent on the grader's data from ``start`` (float64).

    ``accumulate`` replays the classic autograd slip: gradients never reset, so
    each step subtracts the sum of all gradients so far.
    """
    gram, xty, lr = np.asarray(data["gram"]), np.asarray(data["xty"]), float(data["lr"])
    coeffs, total = np.array(start, dtype=np.float64), np.zeros(4)
    for _ in range(steps):
        grad = 2.0 * (gram @ coeffs - xty)
        total = total + grad if accumulate else grad
        coeffs = coeffs - lr * total
    return coeffs


def _start(observed: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The earliest probe run, if the function is repeatable from a seed; else why not."""
    first = next((p for p in observed["probes"] if p["coeffs"] is not None), None)
    if first is None:
        return None, "no probe run returned coefficients"
    repeat = observed.get("repeat") or {}
    if repeat.get("coeffs") is None or not allclose(repeat["coeffs"], first["coeffs"], rtol=1e-9, atol=1e-12):
        return None, "the starting coefficients change from call to call (unseeded random init?)"
    return first, ""


def _loss_part(name: str, observed: dict[str, Any], expected: dict[str, Any],
               params: dict[str, Any]) -> tuple[bool, str]:
    final, start = observed["final"], _start(observed)[0]
    budget = final["steps"]
    loss, limit = final["loss"], float(params.get("loss_factor", 3.0)) * expected["final"]["loss"]
    start_loss = start["loss"] if start and start["steps"] == 0 else None
    falls = start_loss is None or loss <= start_loss
    if np.isfinite(loss) and loss <= limit and falls:
        return True, "loss ok"
    factor = f"{float(params.get('loss_factor', 3.0)):g}"
    if start_loss is not None and allclose(final["coeffs"], start["coeffs"], rtol=1e-9, atol=1e-12):
        return False, (f"{name} returned its starting coefficients {fmt(final['coeffs'])} unchanged "
                       f"after {budget} steps: are the updates assigned back to the coefficients "
                       "(a -= lr * grad_a), and does the loop run `steps` times?")
    if not np.isfinite(loss) or (start_loss is not None and loss > start_loss):
        grew = f"from {start_loss:.4g} " if start_loss is not None else ""
        return False, (f"The loss (sum of squared errors) grew {grew}to {loss:.4g} over {budget} steps "
                       f"of {name}: each update must step against the gradient, a -= lr * grad_a.")
    began = f" (from {start_loss:.4g} at the start)" if start_loss is not None else ""
    return False, (f"After {budget} steps of {name} the loss (sum of squared errors) is {loss:.4g}"
                   f"{began}; expected it to fall to within {factor}x the reference fit's loss. "
                   "Check the update rule and that lr and steps are used as given.")


def _coeff_part(name: str, observed: dict[str, Any], expected: dict[str, Any],
                params: dict[str, Any]) -> tuple[bool, str]:
    got, want = observed["final"]["coeffs"], expected["final"]["coeffs"]
    tol = float(params.get("coeff_atol", 0.25))
    if np.all(np.isfinite(got)) and max_abs_diff(got, want) <= tol:
        return True, "coefficients ok"
    hint = ""
    if max_abs_diff(got[::-1], want) <= tol:
        hint = " They look reversed: return them in the order (a, b, c, d)."
    return False, (f"{name} returned (a, b, c, d) = {fmt(got)}, which is not within {tol:g} of the "
                   f"reference fit in every coefficient.{hint}")


def _steps_part(name: str, observed: dict[str, Any], expected: dict[str, Any],
                params: dict[str, Any]) -> tuple[bool, str]:
    """Replay gradient descent from the student's start and compare each probe."""
    start, why = _start(observed)
    if start is None:
        return True, f"steps not checked: {why}"
    data, k0 = expected["data"], start["steps"]
    final = observed["final"]
    if k0 < final["steps"] and allclose(start["coeffs"], final["coeffs"], rtol=1e-9, atol=1e-12):
        return False, (f"{name}(x, y, lr, steps={k0}) returned the same coefficients as steps={final['steps']}: "
                       "it seems to ignore `steps`. Run exactly `steps` updates, so that its first steps "
                       "can be compared with gradient descent.")
    rtol, atol = float(params.get("step_rtol", 0.01)), float(params.get("step_atol", 1e-6))
    matched = []
    for probe in observed["probes"]:
        if probe["steps"] <= k0 or probe["coeffs"] is None:
            continue
        k, got = probe["steps"], probe["coeffs"]
        want = replay(data, start["coeffs"], k - k0)
        if max_abs_diff(got, want) <= rtol * max_abs_diff(want, start["coeffs"]) + atol:
            matched.append(k)
            continue
        plural = "s" if k - k0 != 1 else ""
        origin = "your starting coefficients" if k0 == 0 else f"your coefficients after steps={k0}"
        head = (f"From {origin} {fmt(start['coeffs'])}, {k - k0} step{plural} of "
                f"gradient descent with lr={data['lr']:g} give {fmt(want)}, but {name} returned {fmt(got)}")
        if k0 == 0 and max_abs_diff(got, replay(data, start["coeffs"], k, accumulate=True)) <= (
                rtol * max_abs_diff(want, start["coeffs"]) + atol):
            return False, (f"{head}, which is what you get when gradients accumulate. Reset them after "
                           "every update (a.grad = None or a.grad.zero_(), for every coefficient).")
        if allclose(got, start["coeffs"], rtol=1e-9, atol=1e-12):
            return False, f"{head}: nothing changed. Does the loop run `steps` times?"
        if matched:
            return False, (f"{head}. The first {matched[-1] - k0} step(s) were right: are the "
                           "gradients reset after every update, for every coefficient?")
        return False, (f"{head}. Use the loss sum((y_pred - y)**2), backward(), then a -= lr * a.grad "
                       "under torch.no_grad(), and reset the gradients.")
    return True, "steps ok"


def _judge_fit(name: str, observed: dict[str, Any], expected: dict[str, Any],
               params: dict[str, Any], replay_steps: bool) -> Outcome:
    final = observed["final"]
    call = f"{name}(x, y, lr={observed['data']['lr']:g}, steps={final['steps']})"
    if final["error"]:
        return Outcome.error(f"{call} raised {final['error']}. Fix it and run the check again.")
    if final["bad_return"]:
        return Outcome.failed(f"{call} {final['bad_return']}.")
    loss_ok, coeff_ok = _loss_part(name, observed, expected, params), _coeff_part(name, observed, expected, params)
    parts = [loss_ok, coeff_ok]
    if replay_steps:
        parts.insert(0, _steps_part(name, observed, expected, params))
    if not loss_ok[0] and not coeff_ok[0]:  # one cause, usually: keep the second message short
        tol = float(params.get("coeff_atol", 0.25))
        parts[-1] = (False, f"Its coefficients {fmt(observed['final']['coeffs'])} are also not within "
                            f"{tol:g} of the reference fit.")
    start = _start(observed)[0]
    began = f" from {start['loss']:.4g}" if start and start["steps"] == 0 else ""
    ok = (f"{name} lowered the loss{began} to {observed['final']['loss']:.4g}, close to the reference fit"
          + (", and its steps match gradient descent with gradients reset every step." if replay_steps else "."))
    outcome = Outcome.from_checks(parts, ok)
    notes = "; ".join(msg for passed, msg in parts if passed and msg.startswith("steps not checked"))
    return dataclasses.replace(outcome, diagnostics=(
        f"reference final {fmt(expected['final']['coeffs'])} loss {expected['final']['loss']:.6g}; "
        f"submission final {fmt(observed['final']['coeffs'])} loss {observed['final']['loss']:.6g}; "
        f"inputs {observed['input_kind']}" + (f"; {notes}" if notes else "")))


@check("poly.fit_numpy")
def check_fit_numpy(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """The loss falls to near the reference fit's and the coefficients approach it."""
    return _judge_fit("fit_poly_numpy", observed, expected, params, replay_steps=False)


@check("poly.fit_autograd")
def check_fit_autograd(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """As fit_numpy, and the first steps replay as gradient descent with gradients reset."""
    return _judge_fit("fit_poly_autograd", observed, expected, params, replay_steps=True)
