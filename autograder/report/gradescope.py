"""Gradescope's ``results.json`` (their documented autograder output schema).

Each rubric item becomes a test with ``score``, ``max_score``, ``status``
(Gradescope knows only ``passed``/``failed``; partial credit is a failed test
with a score), ``output`` and ``visibility``. The notes go to the top-level
``output``, except a note about the template's self-check cell. Instructor-only
diagnostics are never included.

When the harness itself fails (a bad spec, a reference that raises, a worker
that dies), :func:`failure` still gives Gradescope a valid file: a score of 0,
a visible test telling the student it is not their fault and to contact the
instructor, and a hidden test (instructors only) with the details. A missing
``results.json`` would show the student a bare error page and the instructor
nothing. The schema of the format is ``autograder/schema/gradescope.schema.json``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from autograder.loader import is_self_check
from autograder.report.files import write_atomic
from autograder.results import SubmissionResult


def to_gradescope(result: SubmissionResult) -> dict[str, Any]:
    tests = [
        {
            "name": f"{item.id}: {item.title}",
            "number": item.id,
            "score": item.score,
            "max_score": item.max_score,
            "status": "passed" if item.status == "passed" else "failed",
            "output": f"[{item.status}] {item.feedback}",
            "visibility": item.visibility,
        }
        for item in result.rubric
    ]
    output = "\n".join(f"Note: {note}" for note in result.notes if _shown(note))
    return {
        "score": result.score,
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


_SHELL_NOTE = re.compile(r"Shell command `!(?P<command>[^`]*)` was not run")


def _shown(note: str) -> bool:
    """Whether a note belongs in the top-level ``output`` students read first.

    Instructor diagnostics never do; nor does a note about the template's own
    self-check cell (results written before the loader dropped those), which
    would otherwise be the whole ``output`` of every complete submission.
    """
    if note.startswith("internal:"):
        return False
    shell = _SHELL_NOTE.match(note)
    return not (shell and is_self_check(shell["command"]))


def write(result: SubmissionResult, path: Path) -> None:
    write_atomic(path, json.dumps(to_gradescope(result), indent=2) + "\n")


# The same words as the fallback in the bundle's run_autograder (templates/gradescope/).
FAILED_MESSAGE = ("The autograder itself failed while grading your submission; this is not a "
                  "problem found in your code. Please contact your instructor.")
DETAILS_LIMIT = 20_000  # characters of error details kept in the hidden test


def failure(details: str) -> dict[str, Any]:
    """Gradescope results for a harness failure: 0 points, a visible "contact your instructor"
    test with no details (they may name the reference or the course's paths), and the
    ``details`` in a hidden test that only instructors see."""
    if len(details) > DETAILS_LIMIT:
        details = details[:DETAILS_LIMIT // 2] + "\n[...]\n" + details[-DETAILS_LIMIT // 2:]
    return {
        "score": 0,
        "output": FAILED_MESSAGE,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {"name": "The autograder failed: contact your instructor", "number": "autograder.failed",
             "score": 0, "max_score": 0, "status": "failed", "output": FAILED_MESSAGE,
             "visibility": "visible"},
            {"name": "Autograder failure details (instructors only)", "number": "autograder.details",
             "score": 0, "max_score": 0, "status": "failed", "output": details, "visibility": "hidden"},
        ],
    }


def write_failure(details: str, path: Path) -> None:
    write_atomic(path, json.dumps(failure(details), indent=2) + "\n")


def schema() -> dict[str, Any]:
    text = resources.files("autograder").joinpath("schema/gradescope.schema.json").read_text()
    return json.loads(text)


def validate(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``data`` is not results.json as we write it."""
    jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)
