"""Batch grading: parallel = serial, resume after a kill, hostile neighbours, gradebook."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import batch, spec
from autograder.grade import Grader
from autograder.worker import WorkerPool
from tests.conftest import ROOT
from tests.golden import masked

EXAMPLES = ROOT / "examples" / "linear_regression"


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    """A small class: three real examples, a broken notebook, a hang and a student folder."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct.py", "mse_forgets_mean.py", "simplenet_no_relu.py"):
        shutil.copy(EXAMPLES / name, folder / name)
    (folder / "broken.ipynb").write_text("{ this is not json")
    (folder / "hangs.py").write_text(
        (EXAMPLES / "correct.py").read_text() + "\nimport time\nwhile True:\n    time.sleep(0.01)\n")
    student = folder / "dana"
    student.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell((EXAMPLES / "correct.py").read_text())])
    nbformat.write(nb, student / "work.ipynb")
    return folder


def _results(outdir: Path) -> dict[str, dict]:
    from autograder.report import json_report

    return {p.stem: masked(json_report.read(p)) for p in sorted(outdir.glob("*.json"))
            if not p.name.startswith("summary")}


def test_batch_parallel_equals_serial_and_survives_bad_submissions(pool, class_folder, tmp_path):
    loaded = spec.load("linear_regression")
    with WorkerPool(1) as serial_pool:
        serial = batch.run(Grader(loaded, pool=serial_pool), class_folder, tmp_path / "serial")
    parallel = batch.run(Grader(loaded, pool=pool), class_folder, tmp_path / "parallel")
    assert serial.graded == parallel.graded == 6
    assert _results(tmp_path / "serial") == _results(tmp_path / "parallel")
    results = _results(tmp_path / "parallel")
    assert set(results) == {"correct", "mse_forgets_mean", "simplenet_no_relu", "broken", "hangs", "dana"}
    assert results["correct"]["score"] == results["correct"]["max_score"] == 7
    assert results["dana"]["score"] == 7
    assert all(i["status"] == "error" for i in results["broken"]["rubric"])
    assert results["hangs"]["score"] == 7  # the endless loop at top level is interrupted, not fatal
    assert any("was stopped after" in n for n in results["hangs"]["notes"])


def test_gradebook_csv_and_statistics(pool, class_folder, tmp_path):
    grader = Grader(spec.load("linear_regression"), pool=pool)
    batch.run(grader, class_folder, tmp_path / "out")
    with open(tmp_path / "out" / "summary.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    ids = [i.id for i in grader.spec.items]
    assert rows[0] == ["student_id", "submission", *ids, "total", "max_total", "errors"]
    by_student = {row[0]: row for row in rows[1:]}
    assert sorted(by_student) == ["broken", "correct", "dana", "hangs", "mse_forgets_mean", "simplenet_no_relu"]
    assert by_student["correct"][2:] == ["1", "1", "2", "2", "1", "7", "7", "0"]
    assert by_student["mse_forgets_mean"][ids.index("linreg.mse") + 2] == "0.5"
    assert by_student["broken"][-1] == str(len(ids))
    stats = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert stats["submissions"] == 6
    report = (tmp_path / "out" / "report.html").read_text()
    assert "6 submissions" in report and "broken.ipynb" in report
    mse = next(i for i in stats["items"] if i["id"] == "linreg.mse")
    assert mse["statuses"]["passed"] == 4 and mse["statuses"]["partial"] == 1
    assert mse["statuses"]["error"] == 1
    assert mse["pass_rate"] == round(4 / 6, 4)
    assert any("sum of squared differences" in f["feedback"] for f in mse["common_failures"])


def test_resume_skips_current_results_and_regrades_changed(pool, class_folder, tmp_path):
    grader = Grader(spec.load("linear_regression"), pool=pool)
    out = tmp_path / "out"
    batch.run(grader, class_folder, out)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    (class_folder / "mse_forgets_mean.py").write_text((EXAMPLES / "correct.py").read_text())
    report = batch.run(grader, class_folder, out, resume=True)
    assert (report.skipped, report.graded) == (5, 1)
    assert json.loads((out / "mse_forgets_mean.json").read_text())["score"] == 7
    assert (out / "correct.json").stat().st_mtime_ns == before["correct.json"]


def test_sigkill_mid_batch_leaves_only_complete_files_and_resume_completes(class_folder, tmp_path):
    for i in range(6):
        shutil.copy(EXAMPLES / "correct.py", class_folder / f"copy{i}.py")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", str(class_folder), "--assignment",
           "linear_regression", "--output", str(out), "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    written = [p for p in out.glob("*.json")]
    assert 2 <= len(written) < 12, "the kill should land mid-batch"
    for path in written:
        json.loads(path.read_text())  # every file present is complete
    resumed = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"skipped {len(written)} (current)" in resumed.stdout
    assert len([p for p in out.glob("*.json") if not p.name.startswith("summary")]) == 12
    assert not list(out.glob(".*.tmp"))
    with open(out / "summary.csv") as fh:
        assert len(list(csv.reader(fh))) == 13
