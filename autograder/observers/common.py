"""Helpers shared by observers (sandbox side): seeding, shapes, safe summaries."""

from __future__ import annotations

import random
import traceback
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from autograder.facts import SUPPLIED_KEY


# The grader's own references, taken when the worker imports this module, before any
# submission runs: a submission that rebinds ``torch.manual_seed`` or overrides
# ``parameters()`` / ``modules()`` on its class changes what *it* calls, not what we call.
_PY_SEED = random.seed
_NP_SEED = np.random.seed
_TORCH_GENERATOR = torch.default_generator
_MODULE_NAMED_MODULES = nn.Module.named_modules
_MODULE_NAMED_PARAMETERS = nn.Module.named_parameters
_LINEAR = nn.Linear


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so every observation is reproducible.

    Uses the references taken at import time, never the module attributes a
    submission may have replaced (``torch.manual_seed = lambda s: real(0)``).
    """
    _PY_SEED(seed)
    _NP_SEED(seed)
    _TORCH_GENERATOR.manual_seed(seed)


def registered_parameters(module: nn.Module) -> list[torch.Tensor]:
    """The parameters registered on ``module`` and its submodules, in registration order.

    Read through ``nn.Module``'s own ``named_parameters``, so a class that overrides
    ``parameters()`` to yield the contract's shapes reports what it really holds.
    """
    return [p for _, p in _MODULE_NAMED_PARAMETERS(module)]


def param_shapes(module: nn.Module) -> list[list[int]]:
    """Shapes of the registered parameters in registration (forward) order."""
    return [list(p.shape) for p in registered_parameters(module)]


def linear_layers(module: nn.Module) -> list[nn.Linear]:
    """The registered ``nn.Linear`` submodules of a model, in registration order."""
    return [m for _, m in _MODULE_NAMED_MODULES(module) if isinstance(m, _LINEAR)]


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


SUPPLIED = SUPPLIED_KEY  # the observe setting that carries an item's supplied helpers


def compile_supplied(sources: dict[str, str]) -> dict[str, Callable[..., Any]]:
    """The reference's functions, compiled from their source into one fresh namespace.

    One namespace for all of them, so a supplied gradient helper that calls
    the supplied prediction helper finds that one, never the student's.
    """
    namespace: dict[str, Any] = {"__name__": "supplied"}
    for name, source in sources.items():
        exec(compile(source, f"<reference {name}>", "exec"), namespace)  # noqa: S102 - the spec's reference
    return {name: namespace[name] for name in sources}


@contextmanager
def supplied_helpers(fn: Any, params: dict[str, Any]) -> Iterator[list[str]]:
    """Let ``fn`` see the helpers supplied to this item in place of its own while it runs.

    ``params[SUPPLIED]`` maps names to the reference's source (see
    ``AssignmentSpec.sandbox_plan``). Only names the submission itself defines
    are replaced (nothing is added), and its own are restored afterwards. Where
    the reference's helper cannot handle a call (the student passes
    coefficients in some form of their own), the student's function answers it.
    Yields the names swapped in.
    """
    sources = params.get(SUPPLIED) or {}
    scope = getattr(fn, "__globals__", None)
    if not sources or not isinstance(scope, dict):
        yield []
        return
    helpers = compile_supplied(sources)
    saved = {name: scope[name] for name in helpers if name in scope}
    scope.update({name: _prefer(helpers[name], own) for name, own in saved.items()})
    try:
        yield sorted(saved)
    finally:
        scope.update(saved)


def _prefer(supplied: Callable[..., Any], own: Any) -> Callable[..., Any]:
    def helper(*args: Any, **kwargs: Any) -> Any:
        try:
            return supplied(*args, **kwargs)
        except Exception:  # not a call the contract's signature covers: let the student's code answer
            return own(*args, **kwargs)

    return helper
