"""Checks for ``polynomial_regression``: fitting y = sin(x) with a cubic.

``poly.predict`` and ``poly.grad`` are kit items (kind ``function_matches_reference``,
configured in ``assignment.yaml``); the two fits are judged here.

Every input comes from the reference's facts (``expected``, computed in a
trusted worker with the same seeds): the grader's data and the step counts of
each fit. The submission's
record only answers those questions, and each answer is validated against the
size of the reference's before anything is computed from it. Losses are
computed here from the reported coefficients; the fits start from random
coefficients of the student's choosing, so their results are judged against
the reference fit with a margin measured over many starting points, and the
autograd fit's first steps are replayed in plain gradient descent from the
student's own start (read off a ``steps=0`` call) for the grader's own step
counts, so no record can make the replay longer than the spec's probes. Each
fit also answers for a second target of the grader's (y = 0.5 - sin(x)), so
coefficients fixed in advance do not pass for a fit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from autograder.checks import check
from autograder.checks.claims import claimed_array, claimed_count, claimed_text
from autograder.checks.common import allclose, fmt_num, max_abs_diff
from autograder.results import Outcome

def fmt(values: Sequence[float] | np.ndarray) -> str:
    """Four coefficients the way the feedback writes them."""
    return "(" + ", ".join(f"{fmt_num(float(v))}" for v in np.asarray(values).ravel()) + ")"


def _unanswered(call: str, asked: int) -> Outcome:
    return Outcome.failed(f"The record for this item does not answer the grader's {asked} calls of "
                          f"{call} one by one, so nothing could be verified: no credit.")


# ----------------------------------------------------------- poly.fit_numpy / fit_autograd


def replay(data: dict[str, Any], start: np.ndarray, steps: int, accumulate: bool = False) -> np.ndarray:
    """Plain gradient descent on the grader's data from ``start`` (float64).

    ``accumulate`` replays the classic autograd slip: gradients never reset, so
    each step subtracts the sum of all gradients so far. ``steps`` is always one
    of the grader's own step counts (from the reference's facts).
    """
    gram, xty, lr = np.asarray(data["gram"]), np.asarray(data["xty"]), float(data["lr"])
    coeffs, total = np.array(start, dtype=np.float64), np.zeros(4)
    with np.errstate(all="ignore"):  # a diverging start is the student's to see, not ours to warn about
        for _ in range(steps):
            grad = 2.0 * (gram @ coeffs - xty)
            total = total + grad if accumulate else grad
            coeffs = coeffs - lr * total
    return coeffs


def sse(data: dict[str, Any], coeffs: np.ndarray) -> float:
    """Sum of squared errors of the cubic ``coeffs`` on the grader's data, from its Gram matrix:
    ``sum((X c - y)^2) = c.G.c - 2 c.X'y + y'y``."""
    gram, xty = np.asarray(data["gram"], np.float64), np.asarray(data["xty"], np.float64)
    with np.errstate(all="ignore"):
        return float(coeffs @ gram @ coeffs - 2.0 * coeffs @ xty + float(data["yty"]))


@dataclass(frozen=True)
class Run:
    """One call of a fit, as answered: the step count is the grader's, the rest a claim."""

    steps: int
    coeffs: np.ndarray | None
    error: str | None
    bad_return: str | None


@dataclass(frozen=True)
class Fit:
    """A fit's answers to the grader's calls: the full budget, the probes, the repeated probe,
    and the full budget on the grader's second target."""

    final: Run
    probes: list[Run]
    repeat: Run | None
    variant: Run
    input_kind: str


def _run(answer: Any, steps: int) -> Run | None:
    """The answer to ``fit(..., steps)``; None when it is not an answer to that call."""
    if not isinstance(answer, dict) or not claimed_count(answer.get("steps"), steps):
        return None
    coeffs = answer.get("coeffs")
    values = None if coeffs is None else claimed_array(coeffs, (4,))
    error, bad = claimed_text(answer.get("error")), claimed_text(answer.get("bad_return"))
    if values is None and error is None and bad is None:
        bad = "returned something that is not 4 numbers" if coeffs is not None else "returned nothing"
    return Run(steps, values, error, bad)


def _fit_answers(observed: dict[str, Any], expected: dict[str, Any]) -> Fit | None:
    """Every call the grader made, answered at the grader's step counts; None otherwise."""
    budget = int(expected["final"]["steps"])
    final, variant = _run(observed.get("final"), budget), _run(observed.get("variant"), budget)
    asked = [int(p["steps"]) for p in expected["probes"]]
    answers = observed.get("probes")
    if final is None or variant is None or not isinstance(answers, list) or len(answers) != len(asked):
        return None
    probes = [_run(a, k) for a, k in zip(answers, asked, strict=True)]
    if any(p is None for p in probes):
        return None
    first = next((p for p in probes if p.coeffs is not None), None)
    repeat = None if first is None else _run(observed.get("repeat"), first.steps)
    kind = observed.get("input_kind")
    return Fit(final, probes, repeat, variant, kind if isinstance(kind, str) and kind in ("torch", "numpy")
               else "unknown")


def _start(fit: Fit) -> tuple[Run | None, str]:
    """The earliest probe run, if the function is repeatable from a seed; else why not."""
    first = next((p for p in fit.probes if p.coeffs is not None), None)
    if first is None:
        failed = fit.probes[0]
        return None, (f"with steps={failed.steps} it "
                      + (f"raised {failed.error}" if failed.error else f"{failed.bad_return}"))
    repeat = fit.repeat
    if repeat is None or repeat.coeffs is None or not allclose(repeat.coeffs, first.coeffs, rtol=1e-9, atol=1e-12):
        return None, "unseeded"
    return first, ""


def _loss_part(name: str, fit: Fit, data: dict[str, Any], ref_loss: float,
               params: dict[str, Any]) -> tuple[bool, str]:
    final, start = fit.final, _start(fit)[0]
    coeffs = final.coeffs if final.coeffs is not None else np.full(4, np.nan)
    loss, limit = sse(data, coeffs), float(params.get("loss_factor", 3.0)) * ref_loss
    start_loss = sse(data, start.coeffs) if start and start.steps == 0 else None
    falls = start_loss is None or loss <= start_loss
    if np.isfinite(loss) and loss <= limit and falls:
        return True, "loss ok"
    factor = f"{float(params.get('loss_factor', 3.0)):g}"
    if start_loss is not None and allclose(coeffs, start.coeffs, rtol=1e-9, atol=1e-12):
        return False, (f"{name} returned its starting coefficients {fmt(coeffs)} unchanged "
                       f"after {final.steps} steps: are the updates assigned back to the coefficients "
                       "(a -= lr * grad_a), and does the loop run `steps` times?")
    if not np.isfinite(loss) or (start_loss is not None and loss > start_loss):
        grew = f"from {fmt_num(start_loss)} " if start_loss is not None else ""
        return False, (f"The loss (sum of squared errors) grew {grew}to {fmt_num(loss)} over {final.steps} steps "
                       f"of {name}: each update must step against the gradient, a -= lr * grad_a.")
    began = f" (from {start_loss:.4g} at the start)" if start_loss is not None else ""
    return False, (f"After {final.steps} steps of {name} the loss (sum of squared errors) is {fmt_num(loss)}"
                   f"{began}; expected it to fall to within {factor}x the reference fit's loss. "
                   "Check the update rule and that lr and steps are used as given.")


def _coeff_part(name: str, got: np.ndarray, want: np.ndarray, params: dict[str, Any],
                fits: bool) -> tuple[bool, str]:
    """Near the reference fit, and (``fits``) with the loss of a fit: coefficients near it that
    do not fit the data (sin's Taylor polynomial, x - x^3/6) cost nothing to claim."""
    tol = float(params.get("coeff_atol", 0.25))
    near = bool(np.all(np.isfinite(got)) and max_abs_diff(got, want) <= tol)
    if near and fits:
        return True, "coefficients ok"
    if near:
        return False, (f"Its coefficients {fmt(got)} are close to the reference fit, but they count "
                       "only together with a low loss.")
    if not fits:  # one cause, usually: keep the second message short
        return False, f"Its coefficients {fmt(got)} are also not within {tol:g} of the reference fit."
    hint = ""
    if max_abs_diff(got[::-1], want) <= tol:
        hint = " They look reversed: return them in the order (a, b, c, d)."
    return False, (f"{name} returned (a, b, c, d) = {fmt(got)}, which is not within {tol:g} of the "
                   f"reference fit in every coefficient.{hint}")


def _unverifiable(name: str, why: str) -> str:
    if why == "unseeded":
        return (f"Two identical calls of {name} (same seed, same arguments) started from different "
                "coefficients, so its steps cannot be compared with gradient descent: draw the start "
                "with torch.randn (the grader seeds it), or seed your own generator.")
    return (f"{name} must also run for a few steps, so that they can be compared with gradient "
            f"descent, but {why}.")


def _probe_problem(name: str, probe: Run, start: Run, data: dict[str, Any], matched: list[int],
                   rtol: float, atol: float) -> str | None:
    """Replay ``probe.steps - start.steps`` grader-side steps from the student's start and compare."""
    k, k0 = probe.steps, start.steps
    if probe.coeffs is None:
        what = f"raised {probe.error}" if probe.error else probe.bad_return
        return f"{name}(x, y, lr, steps={k}) {what}: every step count must work, small ones included."
    want = replay(data, start.coeffs, k - k0)
    scale = rtol * max_abs_diff(want, start.coeffs) + atol
    if max_abs_diff(probe.coeffs, want) <= scale:
        return None
    plural = "s" if k - k0 != 1 else ""
    origin = "your starting coefficients" if k0 == 0 else f"your coefficients after steps={k0}"
    head = (f"From {origin} {fmt(start.coeffs)}, {k - k0} step{plural} of gradient descent with "
            f"lr={float(data['lr']):g} give {fmt(want)}, but {name} returned {fmt(probe.coeffs)}")
    if k0 == 0 and max_abs_diff(probe.coeffs, replay(data, start.coeffs, k, accumulate=True)) <= scale:
        return (f"{head}, which is what you get when gradients accumulate. Reset them after "
                "every update (a.grad = None or a.grad.zero_(), for every coefficient).")
    if allclose(probe.coeffs, start.coeffs, rtol=1e-9, atol=1e-12):
        return f"{head}: nothing changed. Does the loop run `steps` times?"
    if matched:
        return (f"{head}. The first {matched[-1] - k0} step(s) were right: are the "
                "gradients reset after every update, for every coefficient?")
    return (f"{head}. Use the loss sum((y_pred - y)**2), backward(), then a -= lr * a.grad "
            "under torch.no_grad(), and reset the gradients.")


def _steps_part(name: str, fit: Fit, data: dict[str, Any], params: dict[str, Any]) -> tuple[bool, str]:
    """Replay gradient descent from the student's start for the grader's probe step counts."""
    start, why = _start(fit)
    if start is None:
        return False, _unverifiable(name, why)
    k0, final = start.steps, fit.final
    if k0 < final.steps and final.coeffs is not None and allclose(start.coeffs, final.coeffs, rtol=1e-9, atol=1e-12):
        return False, (f"{name}(x, y, lr, steps={k0}) returned the same coefficients as steps={final.steps}: "
                       "it seems to ignore `steps`. Run exactly `steps` updates, so that its first steps "
                       "can be compared with gradient descent.")
    rtol, atol = float(params.get("step_rtol", 0.01)), float(params.get("step_atol", 1e-6))
    matched: list[int] = []
    for probe in (p for p in fit.probes if p.steps > k0):
        if problem := _probe_problem(name, probe, start, data, matched, rtol, atol):
            return False, problem
        matched.append(probe.steps)
    if not matched:
        return False, _unverifiable(name, f"no call with more than {k0} steps returned coefficients")
    return True, "steps ok"


def _target(data: dict[str, Any]) -> str:
    """The grader's second target as the feedback writes it, e.g. ``y = 0.5 - sin(x)``."""
    scale, offset = float(data["scale"]), float(data["offset"])
    term = "sin(x)" if abs(scale) == 1 else f"{abs(scale):g}*sin(x)"
    return f"y = {offset:g} {'-' if scale < 0 else '+'} {term}" if offset else f"y = {scale:g}*sin(x)"


def _variant_problem(name: str, fit: Fit, expected: dict[str, Any], params: dict[str, Any]) -> tuple[str, str] | None:
    """``(loss problem, coefficient problem)`` on the grader's second target, or None when its fit
    is as good as the reference's there: a fit must fit the data it is given, not values
    fixed in advance."""
    data, run = expected["variant_data"], fit.variant
    where = f"On a second target, {_target(data)} at the same x,"
    if run.coeffs is None:
        what = f"raised {run.error}" if run.error else run.bad_return
        return (f"{where} {name} {what}: it must fit any x and y it is given.", "")
    ref = np.asarray(expected["variant"]["coeffs"], np.float64)
    loss, ref_loss = sse(data, run.coeffs), sse(data, ref)
    factor, tol = float(params.get("loss_factor", 3.0)), float(params.get("coeff_atol", 0.25))
    fits = bool(np.isfinite(loss) and loss <= factor * ref_loss)
    near = bool(np.all(np.isfinite(run.coeffs)) and max_abs_diff(run.coeffs, ref) <= tol)
    if fits and near:
        return None
    loss_msg = "" if fits else (
        f"{where} {name} reached a loss of {fmt_num(loss)}, not within {factor:g}x the reference fit's: "
        "fit the x and y passed in, with no coefficients fixed in advance.")
    coeff_msg = "" if near and fits else (
        f"There its coefficients {fmt(run.coeffs)} are "
        + ("close to the reference fit, but count only together with a low loss." if near
           else f"not within {tol:g} of the reference fit."))
    return loss_msg, coeff_msg


def _judge_fit(name: str, observed: dict[str, Any], expected: dict[str, Any],
               params: dict[str, Any], replay_steps: bool) -> Outcome:
    data, ref_final = expected["data"], np.asarray(expected["final"]["coeffs"], np.float64)
    call = f"{name}(x, y, lr={float(data['lr']):g}, steps={int(expected['final']['steps'])})"
    fit = _fit_answers(observed, expected)
    if fit is None:
        return _unanswered(f"{name}(x, y, lr, steps)", 3 + len(expected["probes"]))
    final = fit.final
    if final.error:
        return Outcome.error(f"{call} raised {final.error}. Fix it and run the check again.")
    if final.coeffs is None:
        return Outcome.failed(f"{call} {final.bad_return}.")
    ref_loss = sse(data, ref_final)
    loss_ok = _loss_part(name, fit, data, ref_loss, params)
    coeff_ok = _coeff_part(name, final.coeffs, ref_final, params, fits=loss_ok[0])
    if loss_ok[0] and coeff_ok[0] and (variant := _variant_problem(name, fit, expected, params)):
        loss_ok = (not variant[0], variant[0])
        coeff_ok = (not variant[1], variant[1])
    parts = [loss_ok, coeff_ok]
    if replay_steps:
        parts.insert(0, _steps_part(name, fit, data, params))
    start = _start(fit)[0]
    loss = sse(data, final.coeffs)
    began = f" from {fmt_num(sse(data, start.coeffs))}" if start and start.steps == 0 else ""
    ok = (f"{name} lowered the loss{began} to {fmt_num(loss)}, close to the reference fit (on a second "
          "target too)"
          + (", and its steps match gradient descent with gradients reset every step." if replay_steps else "."))
    outcome = Outcome.from_checks(parts, ok)
    variant_coeffs = fmt(fit.variant.coeffs) if fit.variant.coeffs is not None else "none"
    return dataclasses.replace(outcome, diagnostics=(
        f"reference final {fmt(ref_final)} loss {ref_loss:.6g}; "
        f"submission final {fmt(final.coeffs)} loss {loss:.6g}; second target {variant_coeffs}; "
        f"inputs {fit.input_kind}"))


@check("poly.fit_numpy")
def check_fit_numpy(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """The loss falls to near the reference fit's and the coefficients approach it."""
    return _judge_fit("fit_poly_numpy", observed, expected, params, replay_steps=False)


@check("poly.fit_autograd")
def check_fit_autograd(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """As fit_numpy, and the first steps replay as gradient descent with gradients reset."""
    return _judge_fit("fit_poly_autograd", observed, expected, params, replay_steps=True)
