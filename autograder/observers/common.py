"""Helpers shared by observers (sandbox side): seeding, shapes, safe summaries."""

from __future__ import annotations

import random
import traceback
from typing import Any, Callable

import numpy as np
import torch
from torch import nn


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so every observation is reproducible."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def param_shapes(module: nn.Module) -> list[list[int]]:
    """Shapes of ``module.parameters()`` in registration (forward) order."""
    return [list(p.shape) for p in module.parameters()]


def linear_layers(module: nn.Module) -> list[nn.Linear]:
    """The ``nn.Linear`` submodules of a model, in registration order."""
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def describe_exception(exc: BaseException, limit: int = 3) -> str:
    """A short, student-safe description: type, message and the last frames.

    Keeps only frames from the submission (file names the sandbox gave it), so
    the grader's own internals are not exposed and the text stays short.
    """
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not break grading
        message = "<unprintable message>"
    if len(message) > 300:
        message = message[:300] + "..."
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if "autograder" not in f.filename and "site-packages" not in f.filename
    ][-limit:]
    where = "".join(f" (line {f.lineno}: {(f.line or '').strip()[:80]})" for f in frames[-1:])
    return f"{type(exc).__name__}: {message}{where}"


def attempt(fn: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run ``fn``; return ``(value, None)`` or ``(None, description of the exception)``.

    Lets an observer record that one step of student code raised and carry on
    measuring the rest, so one mistake costs one fact, not the item.
    """
    try:
        return fn(), None
    except Exception as exc:  # student code may raise anything
        return None, describe_exception(exc)


def as_numpy(value: Any) -> np.ndarray | None:
    """A tensor or array-like as a float64 array, or None when it is not numeric."""
    try:
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().double().numpy()
        return np.asarray(value, dtype=np.float64)
    except Exception:
        return None


def type_name(value: Any) -> str:
    """``module.qualname`` of the value's type, safe against odd objects."""
    t = type(value)
    return f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', '?')}"
