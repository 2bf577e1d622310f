"""Checks: small pure functions that turn observed facts into an outcome.

A check is ``(observed: dict, expected: dict, params: dict) -> Outcome``,
registered under its rubric id. ``observed`` are the submission's facts,
``expected`` the reference solution's facts from the same observer, seeds and
inputs, and ``params`` the item's ``check:`` settings from the assignment YAML
(thresholds, tolerances). Checks run in the grader process, never in the
sandbox, so nothing the student's code does can change how it is judged.

The framework (``autograder.scoring``) already turns a missing name, a crash
or a timeout into ``failed``/``error``; a check only sees observations that ran.
"""

from __future__ import annotations

from typing import Any, Callable

from autograder.results import Outcome

Check = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Outcome]
CHECKS: dict[str, Check] = {}


def check(item_id: str) -> Callable[[Check], Check]:
    """Register ``fn`` as the check of rubric item ``item_id``."""

    def register(fn: Check) -> Check:
        if item_id in CHECKS:
            raise ValueError(f"two checks registered for {item_id}")
        CHECKS[item_id] = fn
        return fn

    return register


def load_all() -> None:
    """Import every check module so that the registry is complete."""
    from autograder.checks import linreg, mlp, poly, xor  # noqa: F401


__all__ = ["CHECKS", "Check", "Outcome", "check", "load_all"]
