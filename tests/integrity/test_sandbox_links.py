"""A submission that is, or holds, a link or a special file is refused, never followed.

The grader reads submissions as root, before the sandbox hides the course: a
``.py`` that is a symbolic link to ``reference/xor.py`` (its path is
predictable on Gradescope) once earned 10/10. Links and FIFOs/devices are now
refused wherever a submission is read: ``grade FILE``, a batch folder (that
entry only; the batch goes on), a folder submission, and Gradescope's
``/autograder/submission``. Every item is then an error saying to submit the
file itself, and none of the linked file's text comes back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference" / "xor.py"
CORRECT = ROOT / "examples" / "xor" / "correct.py"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the sandbox tests need the full sandbox (root: namespaces, uid drop)")


def autograder(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)


def reference_lines() -> list[str]:
    """Lines only the reference holds (long enough to be telling, not shared with the example)."""
    public = CORRECT.read_text()
    return [line.strip() for line in REFERENCE.read_text().splitlines()
            if len(line.strip()) >= 25 and line.strip() not in public]


def assert_refused(data: dict[str, Any], what: str) -> None:
    """Every item an error that says what was refused and what to do, and nothing of the target."""
    rubric = data["rubric"]
    assert rubric and all(item["status"] == "error" and item["score"] == 0 for item in rubric), rubric
    assert all(what in item["feedback"] and "Submit the notebook or module file itself" in item["feedback"]
               for item in rubric), rubric[0]["feedback"]
    text = json.dumps(data)
    assert not any(line in text for line in reference_lines()), "the linked file's text came back"


def test_grade_file_refuses_a_link_to_the_reference(tmp_path: Path) -> None:
    link = tmp_path / "alice.py"
    link.symlink_to(REFERENCE)
    out = tmp_path / "alice.json"
    done = autograder("grade", str(link), "--assignment", "xor", "--output", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 0
    assert_refused(data, "is a symbolic link")


def test_folder_submission_holding_a_link_or_a_fifo_is_refused(graders: Any, tmp_path: Path) -> None:
    linked = tmp_path / "bob"
    linked.mkdir()
    (linked / "solution.py").symlink_to(REFERENCE)
    assert_refused(graders["xor"].grade(linked).to_json(), "is a symbolic link")
    piped = tmp_path / "carol"
    piped.mkdir()
    (piped / "notes").mkdir()
    os.mkfifo(piped / "notes" / "xor.py")
    assert_refused(graders["xor"].grade(piped).to_json(), "is not a regular file")
    hidden = tmp_path / "dave"  # a correct file, next to a link to a folder holding the reference
    hidden.mkdir()
    (hidden / "xor.py").write_text(CORRECT.read_text())
    (hidden / "extra").symlink_to(REFERENCE.parent, target_is_directory=True)
    assert_refused(graders["xor"].grade(hidden).to_json(), "is a symbolic link")


def test_batch_refuses_linked_and_special_entries_and_goes_on(tmp_path: Path) -> None:
    batch, out = tmp_path / "batch", tmp_path / "results"
    batch.mkdir()
    (batch / "a_correct.py").write_text(CORRECT.read_text())
    (batch / "b_link.py").symlink_to(REFERENCE)
    os.mkfifo(batch / "c_fifo.py")
    (batch / "d_linked_folder").symlink_to(REFERENCE.parent, target_is_directory=True)
    (batch / "e_folder").mkdir()
    (batch / "e_folder" / "xor.py").symlink_to(REFERENCE)
    done = autograder("grade", str(batch), "--assignment", "xor", "--output", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    results = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if p.stem != "summary"}
    assert sorted(results) == ["a_correct", "b_link", "c_fifo", "d_linked_folder", "e_folder"]
    solo = autograder("grade", str(CORRECT), "--assignment", "xor", "--output", str(tmp_path / "solo.json"))
    assert solo.returncode == 0, solo.stderr
    alone = json.loads((tmp_path / "solo.json").read_text())
    assert [(i["id"], i["status"], i["score"]) for i in results["a_correct"]["rubric"]] == \
        [(i["id"], i["status"], i["score"]) for i in alone["rubric"]]
    for name in ("b_link", "d_linked_folder", "e_folder"):
        assert_refused(results[name], "is a symbolic link")
    assert_refused(results["c_fifo"], "is not a regular file")
    again = autograder("grade", str(batch), "--assignment", "xor", "--output", str(out), "--jobs", "2",
                       "--resume")
    assert again.returncode == 0, again.stderr
    assert "graded 0, skipped 5" in again.stdout, again.stdout


def test_gradescope_refuses_a_link_in_the_upload(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "xor.py").symlink_to(REFERENCE)
    done = autograder("gradescope", "--assignment", "xor", "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    board = json.loads((tmp_path / "results" / "results.json").read_text())
    assert board["score"] == 0
    assert board["tests"] and all("is a symbolic link" in t["output"] for t in board["tests"]), board
    assert_refused(json.loads((tmp_path / "results" / "autograder.json").read_text()), "is a symbolic link")
