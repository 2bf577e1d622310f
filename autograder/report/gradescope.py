"""Gradescope's ``results.json`` (their documented autograder output schema).

Each rubric item becomes a test with ``score``, ``max_score``, ``status``
(Gradescope knows only ``passed``/``failed``; partial credit is a failed test
with a score), ``output`` and ``visibility``. Notes and the head/tail of the
submission's output go to the top-level ``output``. Instructor-only
diagnostics are never included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    output = "\n".join(f"Note: {note}" for note in result.notes if not note.startswith("internal:"))
    return {
        "score": result.score,
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write(result: SubmissionResult, path: Path) -> None:
    write_atomic(path, json.dumps(to_gradescope(result), indent=2) + "\n")
