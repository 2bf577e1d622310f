"""Pieces every kind's judge uses: reading both records, and the sentences they share."""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, TypeVar

from autograder.checks.claims import guarded, short
from autograder.kit.records import read
from autograder.results import Outcome

T = TypeVar("T")
SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,79}$")


class ReferenceProblem(Exception):
    """The reference's own facts cannot answer the question: the spec or the reference is wrong."""


def both(cls: type[T], observed: dict[str, Any], expected: dict[str, Any]) -> tuple[T, T]:
    """The submission's record and the reference's, as ``cls``.

    The reference's is read first: it is trusted, so a field it lacks is the
    grader's own bug (an ``error`` for the instructor), never the student's.
    """
    try:
        reference = read(cls, expected, "the reference's facts")
    except ValueError as problem:
        raise ReferenceProblem(str(problem)) from None
    return read(cls, observed, "the record"), reference


def judged(fn: Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Outcome]
           ) -> Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Outcome]:
    """A judge whose malformed record fails the item (``claims.guarded``) and whose unusable
    reference facts are an ``error`` addressed to the instructor."""
    checked = guarded(fn)

    @functools.wraps(fn)
    def judge(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
        try:
            return checked(observed, expected, params)
        except ReferenceProblem as problem:
            return instructor_error(problem)

    return judge


def instructor_error(problem: Exception) -> Outcome:
    return Outcome.error("The grader could not compute the expected result for this item; tell your "
                         "instructor.", diagnostics=f"reference facts: {problem}"[:2000])


def raised(error: str, where: str) -> Outcome:
    """The framework's wording for student code that raised, with where it happened."""
    return Outcome.error(f"Your code raised {short(error)} in {where}. Fix it and run the check again.")


def shown_name(name: Any, position: int) -> str:
    """A parameter as feedback may name it: its attribute path when that is a plain name."""
    if isinstance(name, str) and SAFE_NAME.match(name):
        return f"parameter {position} (`{name}`)"
    return f"parameter {position}"
