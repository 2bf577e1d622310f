"""One submission's busy processes cannot cost a neighbour in the same batch its points.

Each sandbox slot gets its own CPU cgroup (at most one CPU, an equal share),
and an item's budget is judged on what the item got: the CPU time its slot
used, or the time its process ran or slept (not the time it waited for a
CPU), with a wall-clock backstop. A ``--jobs 2`` batch puts
``attacks/sandbox_busy_processes.py`` (31 busy processes in every item) next
to a correct XOR; the correct one must get exactly its result graded alone,
and the attacker exactly what its control gets. The item budgets are made
tight (a temporary copy of the xor spec) so that losing the CPU shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.coursecode import copy_code
from tests.integrity.controls import control_source

ROOT = Path(__file__).resolve().parents[2]
ATTACK = Path(__file__).resolve().parent / "attacks" / "sandbox_busy_processes.py"
CORRECT = ROOT / "examples" / "xor" / "correct.py"
BUDGETS = {"xor.loss_decrease": 5, "xor.boundary": 6}  # correct.py needs well under 1 s of CPU for each

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the sandbox tests need the full sandbox (root: namespaces, uid drop)")


def tight_xor_spec(folder: Path) -> Path:
    raw = yaml.safe_load((ROOT / "assignments" / "xor" / "assignment.yaml").read_text())
    raw["reference"] = str((ROOT / "assignments" / "xor" / raw["reference"]).resolve())
    raw["limits"] = {**raw.get("limits", {}), "submission_seconds": 90, "item_seconds": 8}
    for item in raw["items"]:
        if item["id"] in BUDGETS:
            item["seconds"] = BUDGETS[item["id"]]
    folder.mkdir()
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw))
    copy_code("xor", folder)
    return folder


def grade_batch(folder: Path, spec: Path, out: Path, jobs: int) -> dict[str, dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--assignment",
                           str(spec), "--output", str(out), "--jobs", str(jobs)],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if p.stem != "summary"}


def rows(result: dict[str, Any]) -> list[tuple[str, str, float]]:
    return [(i["id"], i["status"], i["score"]) for i in result["rubric"]]


def test_busy_neighbour_costs_a_correct_submission_nothing(tmp_path: Path) -> None:
    spec = tight_xor_spec(tmp_path / "xor-tight")
    together, alone = tmp_path / "together", tmp_path / "alone"
    together.mkdir()
    alone.mkdir()
    shutil.copy(ATTACK, together / "a_busy.py")
    shutil.copy(CORRECT, together / "b_correct.py")
    shutil.copy(CORRECT, alone / "b_correct.py")
    (alone / "a_busy.py").write_text(control_source(ATTACK), encoding="utf-8")
    batch = grade_batch(together, spec, tmp_path / "out-together", jobs=2)
    solo = grade_batch(alone, spec, tmp_path / "out-alone", jobs=1)  # one at a time: nobody competes
    if not batch["b_correct"]["isolation"].get("cpu_cgroup"):
        pytest.skip("no writable CPU cgroup on this machine: slots cannot be given a CPU each")
    busy = batch["a_busy"]
    assert rows(batch["b_correct"]) == rows(solo["b_correct"]), batch["b_correct"]["rubric"]
    assert batch["b_correct"]["score"] == batch["b_correct"]["max_score"]
    assert rows(busy) == rows(solo["a_busy"]), busy["rubric"]
    assert {i["id"]: i["status"] for i in busy["rubric"]} == {
        "xor.shapes": "passed", "xor.forward": "passed",
        "xor.loss_decrease": "error", "xor.boundary": "error"}
