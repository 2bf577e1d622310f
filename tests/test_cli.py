"""The command line as the contract writes it: arguments, files written, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.report import json_report
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "linear_regression"


def autograder(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize("command", [[], ["grade"], ["check"], ["demo"], ["gradescope"]])
def test_help_on_every_command(command):
    done = autograder(*command, "--help")
    assert done.returncode == 0
    assert "usage: autograder" in done.stdout


def test_grade_file_writes_valid_json_and_exits_zero_whatever_the_score(tmp_path):
    out = tmp_path / "r.json"
    done = autograder("grade", str(EXAMPLES / "mse_forgets_mean.py"), "--assignment",
                      "linear_regression", "--output", str(out), "--gradescope")
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    json_report.validate(data)
    assert data["assignment"] == "linear_regression" and data["submission"] == "mse_forgets_mean.py"
    assert data["score"] == 6.5 and data["max_score"] == 7
    board = json.loads((tmp_path / "r.gradescope.json").read_text())
    assert board["score"] == 6.5 and len(board["tests"]) == len(data["rubric"])


def test_usage_errors_exit_two(tmp_path):
    unknown = autograder("grade", str(EXAMPLES / "correct.py"), "--assignment", "nope",
                         "--output", str(tmp_path / "x.json"))
    assert unknown.returncode == 2
    assert "unknown assignment 'nope'" in unknown.stderr
    missing = autograder("grade", str(tmp_path / "absent.py"), "--assignment", "linear_regression",
                         "--output", str(tmp_path / "x.json"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    assert autograder("grade").returncode == 2  # argparse: missing arguments


def test_check_exit_codes_and_visible_items_only(tmp_path):
    good = autograder("check", str(EXAMPLES / "correct.py"), "--assignment", "linear_regression")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "PASS" in good.stdout and "linreg.simplenet" not in good.stdout  # hidden item
    bad = autograder("check", str(EXAMPLES / "mse_forgets_mean.py"), "--assignment", "linear_regression")
    assert bad.returncode == 1
    assert "PART" in bad.stdout and "divide by the number of elements" in bad.stdout


def test_assignment_given_as_a_path(tmp_path):
    out = tmp_path / "r.json"
    done = autograder("grade", str(EXAMPLES / "correct.py"), "--assignment",
                      str(ROOT / "assignments" / "linear_regression"), "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["score"] == 7


def test_gradescope_layout(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "hw.py").write_text((EXAMPLES / "correct.py").read_text())
    done = autograder("gradescope", "--assignment", "linear_regression", "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 7
    assert {t["visibility"] for t in results["tests"]} <= {"visible", "hidden", "after_due_date", "after_published"}
    assert all(set(t) >= {"name", "score", "max_score", "status", "output"} for t in results["tests"])
