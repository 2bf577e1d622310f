"""The golden comparison tolerates float noise in messages and nothing else."""

from __future__ import annotations

from tests.golden import differences, same_text


def test_float_noise_in_a_message_is_tolerated() -> None:
    assert same_text("the loss went from 13584.8 to 33.4676", "the loss went from 13584.8 to 33.4677")
    assert same_text("from 0.8473 to 6.811e-13", "from 0.8473 to 6.781e-13")


def test_words_counts_and_real_changes_are_not() -> None:
    assert not same_text("solved XOR on 3 of 5 seeds", "solved XOR on 4 of 5 seeds")
    assert not same_text("the loss went from 1.0 to 0.5", "the loss went from 1.0 to 0.7")
    assert not same_text("shape (10,1)", "shape (1,10)")
    assert not same_text("is a Linear layer missing?", "is a ReLU missing?")


def test_scores_and_statuses_are_exact() -> None:
    want = {"rubric": [{"score": 1.5, "status": "partial", "feedback": "x 0.1234"}]}
    assert differences({"rubric": [{"score": 1.5, "status": "partial", "feedback": "x 0.12341"}]}, want) == []
    assert differences({"rubric": [{"score": 1.50001, "status": "partial", "feedback": "x 0.1234"}]}, want)
    assert differences({"rubric": [{"score": 1.5, "status": "passed", "feedback": "x 0.1234"}]}, want)
