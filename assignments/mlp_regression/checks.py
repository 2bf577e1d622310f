"""Check of ``mlp_regression`` (Sheet 2.3) that no kit kind covers yet: goal_fun.

The Dataset, the three MLPs' shapes, their initialisation, their forward pass and
train are kind items (``kind:`` in assignment.yaml). Everything the sandbox sends
is a claim. The input the check here uses (x) comes from the reference's facts
(``expected``); the record must answer every question the reference answered,
and the check recomputes the goal function from x with NumPy. Thresholds come from the item's ``check:`` settings; feedback states only
what the contract already says publicly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks import check
from autograder.checks.claims import field as _field
from autograder.checks.claims import guarded as _guarded
from autograder.checks.claims import short as _short
from autograder.checks.common import fmt_num
from autograder.results import Outcome

Part = tuple[bool, str]


def _combine(parts: list[Part], ok_message: str, errors: list[str]) -> Outcome:
    """``Outcome.from_checks``, but ``error`` when nothing passed and the code raised."""
    if errors and not any(ok for ok, _ in parts):
        return Outcome.error(" ".join(msg for ok, msg in parts if not ok))
    return Outcome.from_checks(parts, ok_message)


def _raised(what: str, error: str) -> str:
    return f"{what} raised {_short(error)}."


# ---------------------------------------------------------------------------- untrusted records


def _error_of(record: Any) -> str | None:
    return _field(record, "error", (str, type(None)))


def _shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape of a reported numeric array, read without converting it; None if not one."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return tuple(value.shape)
    return None


# ---------------------------------------------------------------------------- goal_fun


@check("mlp.goal_fun")
@_guarded
def check_goal_fun(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Values of the formula at the reference's x, for a NumPy array and a torch tensor."""
    x = np.asarray(expected["x"], dtype=np.float64)
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-3)
    parts, errors = [], []
    for kind, wanted_type, call in (
        ("numpy", "numpy.ndarray", "goal_fun(np.array([...]))"),
        ("torch", "torch.Tensor", "goal_fun(torch.tensor([...]))"),
    ):
        fact = _field(observed, kind, dict)
        error = _error_of(fact)
        if error:
            errors.append(kind)
            hint = (" Use np.sin for arrays and torch.sin for tensors (or np.sin, which accepts both)."
                    if error.startswith(("TypeError", "AttributeError")) else "")
            parts.append((False, _raised(call, error) + hint))
            continue
        values, returned_type = _field(fact, "values"), _short(_field(fact, "type", str), 80)
        inputs = x.astype(np.float32).astype(np.float64) if kind == "torch" else x
        truth = inputs**3 - inputs**2 + 25 * np.sin(2 * inputs)
        if returned_type != wanted_type:
            parts.append((False, f"{call} returned a {returned_type}, expected a {wanted_type}: "
                                 "return the same type as the input."))
        elif values is None or _shape_of(values) != x.shape:
            shape = None if values is None else _shape_of(values)
            parts.append((False, f"{call} returned shape {shape}, expected {x.shape}: "
                                 "apply the formula element-wise."))
        elif not np.allclose(values.astype(np.float64), truth, rtol=rtol, atol=atol):
            values = values.astype(np.float64)
            i = int(np.nanargmax(np.abs(values - truth))) if not np.all(np.isnan(values)) else 0
            parts.append((False, f"{call}: at x = {fmt_num(x[i])} it returned {fmt_num(values[i])}, but "
                                 f"x**3 - x**2 + 25*sin(2*x) = {fmt_num(truth[i])}. Check the signs and "
                                 "the factor 2 inside the sine."))
        else:
            parts.append((True, ""))
    return _combine(parts, "goal_fun matches x**3 - x**2 + 25*sin(2*x) on NumPy arrays and torch tensors.",
                    errors)
