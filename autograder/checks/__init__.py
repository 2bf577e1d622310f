"""Checks: small pure functions that turn observed facts into an outcome.

A check is ``(observed: dict, expected: dict, params: dict) -> Outcome``.
``observed`` are the submission's facts, ``expected`` the reference solution's
facts from the same observer, seeds and inputs, and ``params`` the item's
``check:`` settings from the assignment YAML (thresholds, tolerances). Checks
run in the grader process, never in the sandbox, so nothing the student's code
does can change how it is judged.

The kit's kinds bring their own judges (``autograder.kit``). An item the kit
cannot express has its check in its assignment folder's ``checks.py``, marked
with :func:`check` (see ``autograder.course_code``). This package holds the
helpers such checks share: reading claims (``claims``) and comparing and
describing values (``common``).

The framework (``autograder.scoring``) already turns a missing name, a crash
or a timeout into ``failed``/``error``; a check only sees observations that ran.
"""

from __future__ import annotations

from typing import Any, Callable

from autograder.course_code import mark_check as check
from autograder.results import Outcome

Check = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Outcome]

__all__ = ["Check", "Outcome", "check"]
