"""Forged records in a batch: the batch completes and every neighbour keeps its solo score.

A forged record can ask the grader for unbounded work (a 10^12-step replay, a
grid of 125,000 points against 1,000 corners) or try to flood the results. The
checks validate sizes first and run under a budget (``autograder.judge``), so a
``--jobs 2`` batch mixing these attacks with correct and buggy submissions must
write every results file and its gradebook, give each attack 0 on what it
forged, and give every honest submission exactly the result it gets alone.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from autograder import batch, spec
from autograder.grade import Grader
from autograder.report import json_report
from tests.conftest import ROOT
from tests.golden import masked

ATTACKS = Path(__file__).resolve().parent / "attacks"
CASES = {
    "xor": (["xor_forged_boundary_record.py", "xor_forges_every_item.py", "xor_handpicked_weights.py"],
            ["correct.py", "xor_no_sigmoid.py"]),
    "polynomial_regression": (["poly_forges_endless_fit.py", "poly_forges_every_item.py"],
                              ["correct.py", "grad_wrong_sign.py"]),
}


@pytest.mark.parametrize("assignment", sorted(CASES))
def test_attacks_in_a_batch_leave_it_complete_and_neighbours_whole(pool, tmp_path: Path, assignment: str) -> None:
    attacks, honest = CASES[assignment]
    folder = tmp_path / "class"
    folder.mkdir()
    for name in attacks:
        shutil.copy(ATTACKS / name, folder / name)
    for name in honest:
        shutil.copy(ROOT / "examples" / assignment / name, folder / f"honest_{name}")
    grader = Grader(spec.load(assignment), pool=pool)
    report = batch.run(grader, folder, tmp_path / "out")

    assert report.graded == len(attacks) + len(honest)
    with open(tmp_path / "out" / "summary.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert len(rows) == len(attacks) + len(honest)
    for name in honest:
        in_batch = masked(json_report.read(tmp_path / "out" / f"honest_{Path(name).stem}.json"))
        alone = masked(grader.grade(ROOT / "examples" / assignment / name, name=f"honest_{name}"))
        assert in_batch == alone, name
    for name in ("xor_forges_every_item.py", "poly_forges_every_item.py", "poly_forges_endless_fit.py"):
        if name in attacks:
            assert float(rows[Path(name).stem]["total"]) == 0.0, name
