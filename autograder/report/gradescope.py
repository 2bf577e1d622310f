"""Gradescope's ``results.json`` (their documented autograder output schema).

Each rubric item becomes a test with ``score``, ``max_score``, ``status``
(Gradescope knows only ``passed``/``failed``; partial credit is a failed test
with a score), ``output`` and ``visibility``. The notes go to the top-level
``output``, except a note about the template's self-check cell. Instructor-only
diagnostics are never included.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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
