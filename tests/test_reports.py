"""Reports read results and score nothing: the instructor's HTML report and result files."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from autograder import spec
from autograder.report import instructor
from autograder.report.files import write_atomic
from autograder.results import ItemResult, SubmissionResult


def _result(name: str, statuses: dict[str, tuple[str, float, str]]) -> SubmissionResult:
    loaded = spec.load("xor")
    rubric = tuple(
        ItemResult(id=i.id, title=i.title, score=statuses.get(i.id, ("passed", i.points, "ok"))[1],
                   max_score=i.points, status=statuses.get(i.id, ("passed", i.points, "ok"))[0],
                   feedback=statuses.get(i.id, ("passed", i.points, "ok"))[2], visibility=i.visibility)
        for i in loaded.items)
    return SubmissionResult(assignment="xor", submission=name, rubric=rubric)


def _write_batch(tmp_path: Path) -> list[Path]:
    results = [
        _result("alice.py", {}),
        _result("bob.py", {"xor.loss_decrease": ("failed", 0.0, "the loss went from 0.81 to 0.79 over 200 epochs")}),
        _result("carol.py", {"xor.loss_decrease": ("failed", 0.0, "the loss went from 0.84 to 0.80 over 200 epochs")}),
        _result("dave.py", {"xor.boundary": ("error", 0.0, "Your code raised ValueError: boom.")}),
        _result("erin.py", {"xor.forward": ("error", 0.0,
                                            "The grader failed while judging this item; tell your instructor.")}),
    ]
    files = []
    for result in results:
        path = tmp_path / f"{Path(result.submission).stem}.json"
        write_atomic(path, result.dumps())
        files.append(path)
    return files


def test_instructor_report_groups_messages_and_lists_harness_failures_first(tmp_path: Path) -> None:
    report = instructor.write(spec.load("xor"), _write_batch(tmp_path), tmp_path).read_text()
    assert "5 submissions" in report
    # the two loss messages differ only in their numbers: one mistake, two students
    assert re.search(r"<td>2</td><td>the loss went from 0\.8\d to 0\.\d+ over 200 epochs</td>", report)
    erin, dave = report.index("erin.py"), report.index("dave.py")
    assert erin < dave, "a failure of the harness is listed before errors of students' code"
    assert "harness failed" in report
    assert 'src="data:image/png;base64,' in report  # self-contained: the picture is embedded
    assert not re.search(r'src="(?!data:)', report)


def test_message_pattern_masks_numbers_only() -> None:
    assert instructor.message_pattern("solved XOR on 3 of 5 seeds") == "solved XOR on … of … seeds"
    assert instructor.message_pattern("XOR(2) has shape (4,2)") == "XOR(…) has shape (…,…)"


def test_result_files_are_readable_by_others_under_the_usual_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644


def test_batch_table_is_tab_separated_and_uncut_when_not_a_terminal() -> None:
    import io

    from rich.console import Console

    from autograder.report.terminal import print_batch_table

    buffer = io.StringIO()
    name = "a_submission_name_far_longer_than_any_column_of_an_eighty_column_table.py"
    print_batch_table([_result(name, {})], Console(file=buffer, width=80))
    lines = buffer.getvalue().splitlines()
    assert lines[1].split("\t") == ["submission", "xor.shapes", "xor.forward", "xor.loss_decrease",
                                    "xor.boundary", "total"]
    assert lines[2].split("\t") == [name, "2", "3", "2", "3", "10/10"]
