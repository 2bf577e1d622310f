"""linear_regression under attack: submissions that borrow or forge instead of solving earn nothing.

Each attack in ``tests/integrity/attacks/linreg_*.py`` is graded through the
real sandbox (the session's warm workers) and, where the attack is about what
the engine itself holds, also in this process, where the whole package is
importable and readable: removing the grader's own implementations must make
the attack fail on its own, whatever hides the engine from a sandbox.
"""

from __future__ import annotations

import runpy
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.inprocess import outcome_of

ATTACKS = Path(__file__).resolve().parent / "attacks"
A = "linear_regression"
ITEMS = ("linreg.model", "linreg.mse", "linreg.gd_step", "linreg.fit", "linreg.simplenet")


def _explain(result) -> str:
    lines = [f"{i.id}: {i.status} {i.score} {i.feedback[:300]}" for i in result.rubric]
    return "\n".join(lines + [f"output: {result.output[-500:]}"])


def test_borrowing_the_engine_helpers_earns_nothing_in_the_sandbox(graders) -> None:
    result = graders[A].grade(ATTACKS / "linreg_borrows_engine_helpers.py")
    assert result.score == 0, _explain(result)
    assert {i.status for i in result.rubric} <= {"failed", "error"}, _explain(result)
    assert "borrowed: []" in result.output and "borrowed in gd_step: []" in result.output


@pytest.mark.parametrize("item_id", ITEMS)
def test_borrowing_finds_nothing_in_the_engine_itself(item_id: str, capsys: pytest.CaptureFixture) -> None:
    """In-process, with every engine module importable and every file readable."""
    outcome = outcome_of(ATTACKS / "linreg_borrows_engine_helpers.py", A, item_id)
    assert outcome.fraction == 0.0, outcome.feedback
    assert "borrowed: []" in capsys.readouterr().out


def test_the_borrowing_attack_finds_helpers_where_they_exist(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack is not toothless: the helpers the engine used to hold, in a package folder
    on the path, are found and used."""
    folder = tmp_path / "site" / "autograder" / "observers"
    folder.mkdir(parents=True)
    (folder / "linreg.py").write_text(textwrap.dedent('''
        def _mse(t1, t2):
            diff = t1 - t2
            return torch.sum(diff * diff) / diff.numel()


        def _linear_model(x, w, b):
            return x @ w.t() + b
    '''))
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site"), *sys.path])
    names = runpy.run_path(str(ATTACKS / "linreg_borrows_engine_helpers.py"), run_name="submission")
    assert sorted(names["BORROWED"]) == ["linear_model", "mse"]


def test_made_up_records_earn_nothing(graders) -> None:
    """Every item's record forged inside the item (once worth 4.5 of 7)."""
    result = graders[A].grade(ATTACKS / "linreg_forges_every_item.py")
    assert result.score == 0, _explain(result)
    assert [i.status for i in result.rubric] == ["failed"] * len(ITEMS), _explain(result)
    by_id = {i.id: i.feedback for i in result.rubric}
    # linreg.model, linreg.mse and linreg.fit are kit items: a record in any layout but the kind's
    # is no answer
    for item_id in ("linreg.model", "linreg.mse", "linreg.fit"):
        assert "could not use what your code reported" in by_id[item_id], (item_id, by_id[item_id])
    assert "`w` had not moved along its gradient" in by_id["linreg.gd_step"]
    assert "Its parameter shapes count once its output follows" in by_id["linreg.simplenet"]


def test_the_correct_example_still_earns_everything(graders) -> None:
    """The control: the same grader, a correct file, full marks."""
    result = graders[A].grade(ROOT / "examples" / A / "correct.py")
    assert result.score == result.max_score, _explain(result)
