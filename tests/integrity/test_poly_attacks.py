"""polynomial_regression under attack: submissions that borrow or forge instead of solving earn nothing.

Each attack in ``tests/integrity/attacks/poly_*.py`` is graded through the
real sandbox (the session's warm workers) and, where the attack is about what
the engine itself holds, also in this process, where the whole package is
importable and readable. The forged endless fit is graded next to a correct
file, two at a time as a ``--jobs 2`` batch would: both must come back.
"""

from __future__ import annotations

import runpy
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import spec as spec_mod
from tests.conftest import ROOT
from tests.inprocess import outcome_of

ATTACKS = Path(__file__).resolve().parent / "attacks"
A = "polynomial_regression"
ITEMS = ("poly.predict", "poly.grad", "poly.fit_numpy", "poly.fit_autograd")
HANG_GUARD = 20 * spec_mod.DEFAULT_LIMITS["submission_seconds"]  # a safety net, not a measurement


def _explain(result) -> str:
    lines = [f"{i.id}: {i.status} {i.score} {i.feedback[:300]}" for i in result.rubric]
    return "\n".join(lines + [f"output: {result.output[-500:]}"])


def test_borrowing_the_engine_helpers_earns_nothing_in_the_sandbox(graders) -> None:
    """The old helpers plus fits by constants (once worth 12 of 12)."""
    result = graders[A].grade(ATTACKS / "poly_borrows_engine_helpers.py")
    assert result.score == 0, _explain(result)
    assert {i.status for i in result.rubric} <= {"failed", "error"}, _explain(result)
    assert "borrowed: []" in result.output and "borrowed in a fit: []" in result.output


@pytest.mark.parametrize("item_id", ITEMS)
def test_borrowing_finds_nothing_in_the_engine_itself(item_id: str, capsys: pytest.CaptureFixture) -> None:
    """In-process, with every engine module importable and every file readable."""
    outcome = outcome_of(ATTACKS / "poly_borrows_engine_helpers.py", A, item_id)
    assert outcome.fraction == 0.0, outcome.feedback
    assert "borrowed: []" in capsys.readouterr().out


def test_the_borrowing_attack_finds_helpers_where_they_exist(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack is not toothless: helpers like the engine's old ones, in a package folder on
    the path, are found and used."""
    folder = tmp_path / "site" / "autograder" / "observers"
    folder.mkdir(parents=True)
    (folder / "poly.py").write_text(textwrap.dedent('''
        def correct_predict(x, coeffs):
            a, b, c, d = coeffs
            return a + b * x + c * x ** 2 + d * x ** 3


        def correct_grad(x, y, coeffs):
            r = 2.0 * (correct_predict(x, coeffs) - y)
            return np.array([np.sum(r * x ** k) for k in range(4)])
    '''))
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site"), *sys.path])
    names = runpy.run_path(str(ATTACKS / "poly_borrows_engine_helpers.py"), run_name="submission")
    assert sorted(names["BORROWED"]) == ["poly_grad", "poly_predict"]


def test_made_up_records_earn_nothing(graders) -> None:
    """Every item's record forged inside the item (once worth 12 of 12)."""
    result = graders[A].grade(ATTACKS / "poly_forges_every_item.py")
    assert result.score == 0, _explain(result)
    assert [i.status for i in result.rubric] == ["failed"] * len(ITEMS), _explain(result)
    by_id = {i.id: i.feedback for i in result.rubric}
    # poly.predict and poly.grad are kit items: a record in any layout but the kind's is no answer
    assert "could not use what your code reported" in by_id["poly.predict"]
    assert "could not use what your code reported" in by_id["poly.grad"]


def test_a_forged_endless_fit_is_bounded_and_costs_no_one_else(graders) -> None:
    """10^12 claimed steps: no credit for that item, and the batch neighbour is graded in full."""
    grader = graders[A]
    grader.expected  # the reference's facts, once, before the two run side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        attack = pool.submit(grader.grade, ATTACKS / "poly_forges_endless_fit.py")
        control = pool.submit(grader.grade, ROOT / "examples" / A / "correct.py")
        attacked, correct = attack.result(timeout=HANG_GUARD), control.result(timeout=HANG_GUARD)
    assert attacked.score == 0, _explain(attacked)
    fit = next(i for i in attacked.rubric if i.id == "poly.fit_autograd")
    assert fit.status == "failed" and "does not answer the grader's" in fit.feedback, _explain(attacked)
    assert correct.score == correct.max_score, _explain(correct)


def test_supplied_sources_are_out_of_reach_while_loading(graders) -> None:
    result = graders[A].grade(ATTACKS / "poly_reads_supplied_source.py")
    assert "supplied found: []" in result.output, _explain(result)
    assert result.score == 0, _explain(result)
