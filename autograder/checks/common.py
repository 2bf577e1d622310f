"""Helpers shared by checks (grader side): comparisons and readable summaries."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def summarise(value: Any, max_items: int = 4) -> str:
    """A short, safe rendering of an array or value for feedback text."""
    if isinstance(value, np.ndarray):
        flat = value.ravel()
        head = ", ".join(fmt_num(x) for x in flat[:max_items].astype(float))
        more = ", ..." if flat.size > max_items else ""
        return f"array of shape {tuple(value.shape)} [{head}{more}]"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


SMALLEST_SHOWN = 1e-6


def fmt_num(value: float) -> str:
    """A number at a resolution that means something to a student, and stable across CPUs.

    Four significant figures; a magnitude under 1e-6 (float noise of a converged
    loss, never a meaningful difference) reads "below 1e-6" rather than digits
    that change from one machine to the next. Exact zero reads the same: whether
    a converged loss lands on 0.0 or on 1e-13 depends on the CPU's kernels
    (seen with ``ATEN_CPU_CAPABILITY=default`` against AVX-512).
    """
    x = float(value)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if abs(x) < SMALLEST_SHOWN:
        return "below 1e-6" if x >= 0 else "above -1e-6"
    return f"{x:.4g}"


def allclose(a: Any, b: Any, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """NumPy closeness that is False (not an exception) on shape or type mismatch."""
    try:
        x = np.asarray(a, dtype=np.float64)
        y = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if x.shape != y.shape:
        return False
    return bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=False))


def max_abs_diff(a: Any, b: Any) -> float:
    """Largest absolute difference, or inf when shapes differ."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return float("inf")
    return float(np.max(np.abs(x - y))) if x.size else 0.0


def fmt_shapes(shapes: Sequence[Sequence[int]]) -> str:
    """``[(10, 1), (10,)]`` as ``(10,1) (10,)`` — the way the contract writes them."""
    def one(s: Sequence[int]) -> str:
        return "(" + ",".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")"

    return " ".join(one(s) for s in shapes) if shapes else "(no parameters)"


def compare_shapes(
    observed: Sequence[Sequence[int]], expected: Sequence[Sequence[int]], what: str
) -> str | None:
    """None when the parameter shapes match; otherwise a message a student can act on."""
    obs = [list(s) for s in observed]
    exp = [list(s) for s in expected]
    if obs == exp:
        return None
    if len(obs) != len(exp):
        n_lin_obs, n_lin_exp = len(obs) // 2, len(exp) // 2
        hint = (
            f" — is a Linear layer missing from {what}?" if len(obs) < len(exp)
            else f" — does {what} have an extra layer?"
        )
        if len(obs) % 2 == 0:
            hint += f" (found {n_lin_obs} weight/bias pairs, expected {n_lin_exp})"
        return (
            f"{what}: expected {len(exp)} parameter tensors {fmt_shapes(exp)}, "
            f"found {len(obs)}: {fmt_shapes(obs)}{hint}"
        )
    for i, (o, e) in enumerate(zip(obs, exp)):
        if o != e:
            return (
                f"{what}: parameter {i + 1} has shape {fmt_shapes([o])}, expected "
                f"{fmt_shapes([e])} (all shapes found: {fmt_shapes(obs)}; expected: "
                f"{fmt_shapes(exp)}). nn.Linear(in, out) stores its weight as (out, in): "
                "check the sizes passed to each layer."
            )
    return None
