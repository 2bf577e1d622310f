"""Arguments from the YAML: shown as text by the grader, built into objects by the observer.

A value is plain JSON, or ``{call: "torch.x.Y", args: [...]}``: the object made
by calling that public name under ``torch`` (see ``autograder.kit.settings``).
The text of a call (:func:`call_text`) is made from the settings alone, never
from the submission, so feedback can quote it as the grader's own words.
"""

from __future__ import annotations

import types
from typing import Any


def is_call(value: Any) -> bool:
    return isinstance(value, dict) and "call" in value


def value_text(value: Any) -> str:
    """A setting as Python source: ``{call: torch.nn.CrossEntropyLoss}`` reads ``torch.nn.CrossEntropyLoss()``."""
    if is_call(value):
        return f"{value['call']}({', '.join(value_text(v) for v in value.get('args', []))})"
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {value_text(v)}" for k, v in value.items()) + "}"
    return repr(value)


def call_text(name: str, args: list[Any] | None = None, kwargs: dict[str, Any] | None = None,
              placeholders: tuple[str, ...] = ()) -> str:
    """``Classifier(0.01, torch.nn.CrossEntropyLoss(), 2883, 2)``: a call as the grader makes it.

    ``placeholders`` are leading arguments written by name (``train_set``), for
    calls whose first arguments are the grader's data rather than settings.
    """
    parts = [*placeholders, *(value_text(a) for a in args or [])]
    parts += [f"{k}={value_text(v)}" for k, v in (kwargs or {}).items()]
    return f"{name}({', '.join(parts)})"


def resolve(value: Any, torch_module: types.ModuleType) -> Any:
    """The object a setting stands for, building ``{call: ...}`` values through ``torch_module``.

    Only public attributes are followed, from ``torch`` down (the spec's schema
    already holds names to ``torch.<public>...``); lists and mappings are
    resolved element by element and fresh each time, so no call shares an
    object with another.
    """
    if is_call(value):
        target: Any = torch_module
        for part in value["call"].split(".")[1:]:
            if part.startswith("_"):
                raise ValueError(f"{value['call']}: only public names under torch can be called")
            target = getattr(target, part)
        return target(*[resolve(v, torch_module) for v in value.get("args", [])])
    if isinstance(value, list):
        return [resolve(v, torch_module) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, torch_module) for k, v in value.items()}
    return value
