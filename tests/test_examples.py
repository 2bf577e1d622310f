"""Tier 2: every shipped example, reference and template graded through the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ASSIGNMENTS, ROOT
from tests.golden import GOLDEN_DIR, compare, masked

EXAMPLES = sorted((ROOT / "examples").glob("*/*.py")) + sorted((ROOT / "examples").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_matches_golden(graders, path: Path, regen_golden: bool) -> None:
    result = graders[path.parent.name].grade(path)
    compare(result, GOLDEN_DIR / path.parent.name / f"{path.stem}.json", regen_golden)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks(graders, assignment: str) -> None:
    grader = graders[assignment]
    result = grader.grade(grader.spec.reference)
    assert [(i.id, i.status) for i in result.rubric] == [(i.id, "passed") for i in grader.spec.items]
    assert result.score == result.max_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_template_passes_nothing(graders, assignment: str) -> None:
    result = graders[assignment].grade(ROOT / "student_template" / f"{assignment}.ipynb")
    assert result.score == 0
    for item in result.rubric:
        assert item.status in ("failed", "error"), item
        assert "not implemented yet" in item.feedback, item


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_twice_gives_identical_json(graders, assignment: str) -> None:
    examples = sorted((ROOT / "examples" / assignment).glob("*.py"))
    path = examples[0]
    first, second = graders[assignment].grade(path), graders[assignment].grade(path)
    assert masked(first) == masked(second)
    assert first.cache_key == second.cache_key
