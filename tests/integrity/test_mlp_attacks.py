"""mlp_regression under attack: made-up records earn nothing.

The attack in ``tests/integrity/attacks/mlp_forges_every_item.py`` is graded
through the real sandbox (the session's warm workers).
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

ATTACKS = Path(__file__).resolve().parent / "attacks"
A = "mlp_regression"


def _explain(result) -> str:
    lines = [f"{i.id}: {i.status} {i.score} {i.feedback[:400]}" for i in result.rubric]
    return "\n".join(lines + [f"output: {result.output[-500:]}"])


def test_made_up_records_earn_nothing(graders) -> None:
    """Every item's record forged inside the item (once worth 10.25 of 13).

    The forger knows what the contract publishes: the shapes of the models it
    names answer only those configurations, which is not every question asked.
    """
    result = graders[A].grade(ATTACKS / "mlp_forges_every_item.py")
    assert result.score == 0, _explain(result)
    assert {i.status for i in result.rubric} == {"failed"}, _explain(result)
    by_id = {i.id: i.feedback for i in result.rubric}
    assert "at x = -4.717 it returned 37.75" in by_id["mlp.goal_fun"]  # the grader's x, not the record's
    assert "100 of 100 items differ" in by_id["mlp.dataset"]
    assert "outputs differ from a ReLU network computed from the model's own nn.Linear layers" in by_id["mlp.forward"]
    assert "1 configurations where the grader asked for 2" in by_id["mlp.explicit_shapes"]
    assert "1 configurations where the grader asked for 2" in by_id["mlp.condensed_shapes"]
    assert "2 configurations where the grader asked for 3" in by_id["mlp.layout_shapes"]
    assert "3 models where the grader asked for 4" in by_id["mlp.init_range"]
    assert "the weights before training are not those of the model the grader built" in by_id["mlp.loss_decrease"]


def test_the_correct_example_still_earns_everything(graders) -> None:
    """The control: the same grader, a correct file, full marks."""
    result = graders[A].grade(ROOT / "examples" / A / "correct.py")
    assert result.score == result.max_score, _explain(result)
