"""Nothing a submission writes on the facts pipe becomes the grader's text, or a large result.

The submission shares the runner's process, so it can write any message
there, the runner's own ``loaded`` and ``fatal`` messages included. The
grader renders the notes itself from structured facts, caps their number and
length, labels what came from the sandbox, and caps what one item may send.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from autograder import loader
from tests.integrity.controls import control_of

ATTACKS = Path(__file__).resolve().parent / "attacks"
CLAIM = "verified manually by the course staff"
# The only sentence a forged detail may appear in: the report of an error raised by the code.
RAISED = re.compile(r"^(Cell|The statement at line) \d+ \(`[^`]*`\) raised .*; the other cells still ran\.$",
                    re.DOTALL)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the sandbox tests need the full sandbox (root: namespaces, uid drop)")


def graded(grader: Any, attack: Path, tmp_path: Path) -> tuple[Any, Any]:
    copy = tmp_path / attack.name
    copy.write_text(attack.read_text(encoding="utf-8"), encoding="utf-8")
    return grader.grade(copy), grader.grade(control_of(attack, tmp_path))


def explain(result: Any) -> str:
    lines = [f"{i.id}: {i.status} {i.score}/{i.max_score} {i.feedback[:200]}" for i in result.rubric]
    return "\n".join(lines + [f"notes: {[n[:200] for n in result.notes]}"])


def statuses(result: Any) -> list[tuple[str, str, float]]:
    return [(i.id, i.status, i.score) for i in result.rubric]


def test_a_forged_loaded_message_cannot_speak_for_the_grader(graders: Any, tmp_path: Path) -> None:
    result, control = graded(graders["xor"], ATTACKS / "sandbox_forges_loaded.py", tmp_path)
    assert statuses(result) == statuses(control), explain(result)
    assert len(result.notes) <= loader.MAX_NOTES + 3, explain(result)
    assert all(len(note) <= 700 for note in result.notes), explain(result)
    for note in result.notes:
        if CLAIM in note and not note.startswith("internal: "):
            assert RAISED.match(note), f"the submission's text appears as the grader's: {note[:300]}"
    internal = [note for note in result.notes if note.startswith("internal: ")]
    assert len(internal) <= 1 and all("reported an error" in note for note in internal), internal
    assert not any(CLAIM in item.feedback for item in result.rubric)
    assert len(json.dumps(result.to_json())) < 200_000, "one submission's results must stay small"


def test_notes_are_rendered_by_the_grader_from_facts() -> None:
    """The rendering on its own: only well-formed notes of known kinds, about real cells, shown."""
    program = {"kind": "py", "cells": [{"index": 0, "line": 3, "source": "\n\nimport torch"}]}
    plan = {"limits": {"cell_seconds": 3.0, "load_seconds": 60.0}, "stub_modules": ["seaborn"]}
    raw = [CLAIM, {"kind": "note", "detail": CLAIM}, {"kind": "stub", "detail": CLAIM},
           {"kind": "stub", "detail": "seaborn"}, {"kind": "raised", "cell": 7, "detail": CLAIM},
           {"kind": "raised", "cell": 0, "detail": "ValueError: " + "x" * 5000},
           {"kind": "shell", "cell": 0, "detail": CLAIM}, {"kind": "more", "count": 10 ** 12}]
    notes = loader.render_notes(raw, program, plan)
    assert notes[0].startswith("`seaborn` is not installed")
    assert notes[1].startswith("The statement at line 3 (`import torch`) raised ValueError: xxx")
    assert len(notes[1]) < loader.MAX_DETAIL + 120
    assert notes[2] == "Shell command was not run: shell commands are disabled while grading."
    assert len(notes) == 3  # no "more" note: a program of one cell cannot have a trillion notes
    assert loader.render_notes("notes", program, plan) == []
    cells = [{"index": i, "line": i + 1, "source": f"x{i} = 1 / 0"} for i in range(5000)]
    many = {"kind": "py", "cells": cells}
    flood = [{"kind": "raised", "cell": i, "detail": f"E{i}: x"} for i in range(10_000)]
    flood.append({"kind": "more", "count": 4980})
    rendered = loader.render_notes(flood, many, plan)
    assert len(rendered) == loader.MAX_NOTES  # the "more" note sits past the ones looked at
    counted = loader.render_notes(flood[:loader.MAX_NOTES] + [flood[-1]], many, plan)
    assert counted[-1] == "... and 4980 more notes like these." and len(counted) == loader.MAX_NOTES + 1


def test_a_flood_in_one_item_costs_that_item_only(graders: Any, tmp_path: Path) -> None:
    result, control = graded(graders["linear_regression"], ATTACKS / "sandbox_floods_one_item.py", tmp_path)
    flooded = {i.id: i for i in result.rubric}["linreg.mse"]
    assert flooded.status == "error" and "far more data" in flooded.feedback, explain(result)
    others = [row for row in statuses(result) if row[0] != "linreg.mse"]
    assert others == [row for row in statuses(control) if row[0] != "linreg.mse"], explain(result)
    assert len(json.dumps(result.to_json())) < 200_000
