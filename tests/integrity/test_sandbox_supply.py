"""The reference helpers an item is supplied reach that item only, once it has started.

``supply:`` gives an item the reference's own code of helpers that earlier
items grade (poly.grad is handed ``poly_predict``). The warm worker receives
them only after the sandbox is forked, hands each item its own when the item
starts (items start once each, in the plan's order) and wipes its copy
afterwards; so no copy is in the memory a submission loads in, and forging
"item started" messages gets a helper only by forging away the answers of the
items that grade it. (``test_poly_attacks`` searches the call stack and the
garbage collector; these attacks search raw memory and forge the protocol.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integrity.controls import control_of

ROOT = Path(__file__).resolve().parents[2]
ATTACKS = Path(__file__).resolve().parent / "attacks"
A = "polynomial_regression"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the sandbox tests need the full sandbox (root: namespaces, uid drop)")


def explain(result: Any) -> str:
    lines = [f"{i.id}: {i.status} {i.score}/{i.max_score} {i.feedback[:200]}" for i in result.rubric]
    return "\n".join(lines + [f"output: {result.output[-800:]}"])


def test_no_copy_of_a_helper_in_the_memory_a_submission_loads_in(graders: Any) -> None:
    grader = graders[A]
    for _ in range(2):  # both warm workers have handed out helpers before the scans
        correct = grader.grade(ROOT / "examples" / A / "correct.py")
        assert correct.score == correct.max_score, explain(correct)
    for _ in range(2):
        result = grader.grade(ATTACKS / "sandbox_scans_memory_for_helpers.py")
        found = re.search(r"helper lines found: (\d+), control lines found: (\d+)", result.output)
        assert found, explain(result)
        assert found.group(1) == found.group(2), \
            f"a supplied helper is in the sandbox's memory: {found.group(0)}"


def test_forged_item_starts_get_helpers_only_at_the_cost_of_the_items_they_help(
        graders: Any, tmp_path: Path) -> None:
    attack = ATTACKS / "sandbox_forges_item_starts.py"
    result = graders[A].grade(attack)
    control = graders[A].grade(control_of(attack, tmp_path))
    assert "stolen by skipping ahead: []" in result.output, explain(result)
    assert "stolen after forging in order: ['poly_predict']" in result.output, explain(result)
    # Item by item, no more than the control: the forged items' own answers are lost (errors).
    assert [(i.id, i.score) for i in result.rubric] == [(i.id, i.score) for i in control.rubric], \
        explain(result)
    assert result.score == 0, explain(result)
