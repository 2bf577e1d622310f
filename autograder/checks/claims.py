"""Reading untrusted records: every value a check reads from an observation is a claim.

The record was written in the submission's process, so it may be missing,
malformed, huge, or made up. These readers never trust a size the record
states: a shape is checked against the one the grader *asked for* (from the
reference's facts), walking at most that many entries, before any arithmetic.
Two styles, for two kinds of checks:

* strict readers (:func:`field`, :func:`array_of`, :func:`answers`) raise
  :class:`Malformed`, which :func:`guarded` turns into a plain failed item;
* lenient readers (``claimed_*``) return None, for checks that credit the
  parts of a record that are well-formed.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from autograder.checks import Check
from autograder.results import Outcome

TEXT_LIMIT = 300  # claimed strings (errors, type names) are the submission's: keep them short


class Malformed(ValueError):
    """A record that is not what the observer sends: there is no answer the grader can use."""


def guarded(fn: Check) -> Check:
    """Turn a malformed record into a failed item with a plain message, not a grader error."""

    @functools.wraps(fn)
    def judged(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
        try:
            return fn(observed, expected, params)
        except Malformed as problem:
            return Outcome.failed(
                f"The grader could not use what your code reported for this item ({problem}), so "
                "nothing could be verified. Does your code write to the grader's pipes or replace its "
                "functions? Remove that and run the check again."
            )

    return judged


def field(record: Any, key: str, kinds: type | tuple[type, ...] = object) -> Any:
    """``record[key]``, which must exist and be of ``kinds`` (a bool is not an int here)."""
    if not isinstance(record, dict) or key not in record:
        raise Malformed(f"no `{key}`")
    value = record[key]
    allowed = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        raise Malformed(f"`{key}` is a {type(value).__name__}")
    return value


def short(text: Any, limit: int = TEXT_LIMIT) -> str:
    """Reported text (an error, a type name) cut to a length a message can carry."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."


def has_shape(value: Any, shape: Sequence[int]) -> bool:
    """Whether ``value`` (an array or nested lists of numbers) has exactly ``shape``.

    Walks at most ``prod(shape)`` entries, whatever the value holds.
    """
    if isinstance(value, np.ndarray):
        return tuple(value.shape) == tuple(shape) and value.dtype.kind in "biuf"
    if not shape:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return (isinstance(value, list) and len(value) == shape[0]
            and all(has_shape(v, shape[1:]) for v in value))


def array_of(value: Any, shape: Sequence[int], what: str) -> np.ndarray:
    """``value`` as a float64 array of exactly ``shape``; :class:`Malformed` otherwise."""
    if not has_shape(value, shape):
        raise Malformed(f"{what} is not an array of shape {tuple(shape)}")
    return np.asarray(value, dtype=np.float64)


def answers(value: Any, count: int, what: str) -> list[Any]:
    """A reported list that must hold exactly one answer per question asked."""
    if not isinstance(value, list) or len(value) != count:
        got = f"{len(value)}" if isinstance(value, list) else "no list of"
        raise Malformed(f"{got} {what} where the grader asked for {count}")
    return value


def claimed_text(value: Any) -> str | None:
    """A claimed message (an error, a type name), clipped; None when there is none."""
    if value is None or (isinstance(value, str) and not value):
        return None
    text = value if isinstance(value, str) else type(value).__name__
    return short(text)


def claimed_array(value: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """A claimed array as float64 of exactly ``shape`` (or ``size`` numbers for a 1-D shape)."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    if isinstance(value, np.ndarray) and value.size > max(1, int(np.prod(shape))):
        return None  # never convert more than was asked for
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    if len(shape) == 1 and arr.size == shape[0]:
        return arr.reshape(shape)
    return arr if arr.shape == shape else None


def claimed_count(value: Any, want: int) -> bool:
    """Is the claim exactly the integer ``want`` (not a bool, an array or a float near it)?"""
    return isinstance(value, int) and not isinstance(value, bool) and value == want


def claimed_shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a claimed array, for feedback; None when it is not numbers."""
    if isinstance(value, np.ndarray):
        return tuple(value.shape) if value.dtype.kind in "biuf" else None
    try:
        return tuple(np.shape(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError, OverflowError):
        return None


def answers_to(observed: dict[str, Any], expected: dict[str, Any], key: str = "cases") -> list[dict[str, Any]] | None:
    """The submission's answers, one per question the reference answered; None if any is missing."""
    given, questions = observed.get(key), expected[key]
    if not isinstance(given, list) or len(given) != len(questions):
        return None
    return given if all(isinstance(a, dict) for a in given) else None
