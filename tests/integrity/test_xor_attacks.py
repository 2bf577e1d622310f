"""xor under attack: submissions that forge instead of solving earn only what they implement.

Each attack in ``tests/integrity/attacks/xor_*.py`` is graded through the real
sandbox (the session's warm workers). Every xor item is a kit kind now; the
attacks that write a record by hand write the layout of the per-item observers
the kinds replaced, which no judge reads: it is refused as malformed. The same
oversized forgery in the kind's own layout is handed straight to the judge,
where the grader's allocations can be measured.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np

from autograder import facts as facts_mod, kit, spec as spec_mod
from autograder.results import Outcome
from tests.conftest import ROOT
from tests.inprocess import observe_file

ATTACKS = Path(__file__).resolve().parent / "attacks"
A = "xor"
SPEC = spec_mod.load(A)
kit.load_all()
MALFORMED = "The grader could not use what your code reported for this item ("


def _explain(result) -> str:
    lines = [f"{i.id}: {i.status} {i.score} {i.feedback[:400]}" for i in result.rubric]
    return "\n".join(lines + [f"output: {result.output[-500:]}"])


def _scores(result) -> dict[str, float]:
    return {item.id: item.score for item in result.rubric}


def test_hand_picked_weights_earn_only_the_class(graders) -> None:
    """train_xor writes solving weights and returns [0.25, 0.0001] (once worth 10 of 10)."""
    result = graders[A].grade(ATTACKS / "xor_handpicked_weights.py")
    assert _scores(result) == {"xor.shapes": 2.0, "xor.forward": 3.0, "xor.loss_decrease": 0.0,
                               "xor.boundary": 0.0}, _explain(result)
    by_id = {i.id: i.feedback for i in result.rubric}
    assert "the losses train_xor returned are not the losses of the model it trained: the first is 0.25" \
        in by_id["xor.loss_decrease"]
    assert "XOR() solved XOR on 0 of 5 seeds" in by_id["xor.boundary"]
    assert "the losses train_xor returned are not the losses of the model it trained" in by_id["xor.boundary"]


def test_truth_table_with_made_up_curve_earns_only_the_shapes(graders) -> None:
    """No training, a truth-table forward and an invented curve (once worth 7 of 10)."""
    result = graders[A].grade(ATTACKS / "xor_truth_table_made_up_curve.py")
    assert _scores(result) == {"xor.shapes": 2.0, "xor.forward": 0.0, "xor.loss_decrease": 0.0,
                               "xor.boundary": 0.0}, _explain(result)
    by_id = {i.id: i.feedback for i in result.rubric}
    assert "the losses train_xor returned are not the losses of the model it trained" in by_id["xor.loss_decrease"]
    assert "XOR()'s outputs are not Linear-Sigmoid-Linear (nor a look-alike)" in by_id["xor.boundary"]


def test_made_up_records_earn_nothing(graders) -> None:
    """Every item's record forged inside the item (once worth 10 of 10).

    The records have the per-item observers' old layout, which the kinds' judges
    refuse before reading a value; tests/test_xor.py forges the kinds' own layout
    (the contract's shapes copied for XOR(5) too, weights typed in with a made-up curve).
    """
    result = graders[A].grade(ATTACKS / "xor_forges_every_item.py")
    assert _scores(result) == {"xor.shapes": 0.0, "xor.forward": 0.0, "xor.loss_decrease": 0.0,
                               "xor.boundary": 0.0}, _explain(result)
    assert [i.status for i in result.rubric] == ["failed"] * 4, _explain(result)
    assert all(i.feedback.startswith(MALFORMED) for i in result.rubric), _explain(result)


def test_forged_oversized_boundary_record_costs_that_item_only(graders) -> None:
    result = graders[A].grade(ATTACKS / "xor_forged_boundary_record.py")
    by_id = {i.id: i for i in result.rubric}
    assert by_id["xor.boundary"].score == 0 and by_id["xor.boundary"].status == "failed", _explain(result)
    assert by_id["xor.boundary"].feedback.startswith(MALFORMED), _explain(result)
    assert [by_id[i].status for i in ("xor.shapes", "xor.forward", "xor.loss_decrease")] == ["passed"] * 3


# --- the same forgery in the kind's layout, straight to the judge ---------------------------


def _forged_boundary_facts(honest: dict) -> dict:
    """The reference's record with 125,000 grid points and 1,000 "points", all answered right."""
    rng = np.random.default_rng(0)
    targets = (rng.random(1_000) > 0.5).astype(np.float32)
    runs = [dict(run, point_outputs=targets, grid_outputs=rng.random(125_000).astype(np.float32))
            for run in honest["runs"]]
    facts = dict(honest, inputs=rng.random((1_000, 2)), targets=targets, grid=rng.random((125_000, 2)), runs=runs)
    return facts_mod.decode(facts_mod.encode(facts))


def _judge_measuring_memory(observed: dict, expected: dict) -> tuple[Outcome, int]:
    item = SPEC.item("xor.boundary")
    tracemalloc.start()
    try:
        outcome = kit.KINDS[item.kind].judge(observed, expected, item.check)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak


def test_oversized_boundary_record_fails_fast_and_bounded() -> None:
    """The judge reads the sizes first: its work is that of the grader's 441 points.

    The old check measured every forged grid point's distance to every forged
    corner: a 125,000 x 1,000 x 2 table, 1 to 2 GB per seed depending on the dtype.
    """
    expected = observe_file(SPEC.reference, A, "xor.boundary")["facts"]
    outcome, peak = _judge_measuring_memory(_forged_boundary_facts(expected), expected)
    assert outcome.status == "failed"
    assert outcome.feedback == (
        "The grader could not use what your code reported for this item (the outputs are not one value at "
        "each of the 4 points and 441 grid points asked), so nothing could be verified. Does your code "
        "write to the grader's pipes or replace its functions? Remove that and run the check again."
    )
    honest, honest_peak = _judge_measuring_memory(expected, expected)
    assert honest.status == "passed"
    assert peak <= max(honest_peak, 1) * 2, (peak, honest_peak)  # no more than an honest record costs


def test_the_correct_example_still_earns_everything(graders) -> None:
    """The control: the same grader, a correct file, full marks."""
    result = graders[A].grade(ROOT / "examples" / A / "correct.py")
    assert result.score == result.max_score, _explain(result)
