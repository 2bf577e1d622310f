"""Every command fed bad arguments, missing folders and unreadable files: a one-line error and
exit 2, never a Python traceback; a bug of the harness itself: exit 3, one line and a log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import cli
from tests.conftest import ROOT

XOR = ROOT / "examples" / "xor" / "correct.py"


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd, env=env)


def assert_usage_error(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert says in done.stderr, done.stderr


def no_course_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"}


@pytest.mark.parametrize("args, says", [
    (["grade", "absent.py", "-a", "xor", "-o", "r.json"], "absent.py: no such file or folder"),
    (["grade", str(XOR), "-a", "nope", "-o", "r.json"], "unknown assignment 'nope' in the course"),
    (["grade", str(XOR), "-a", "xor", "-o", "."], "is a folder; give a file name"),
    (["grade", str(XOR.parent), "-a", "xor", "-o", str(XOR)], "is a file; give a folder"),
    (["grade", str(XOR.parent), "-a", "xor", "-o", "out", "--jobs", "0"], "--jobs 0: give at least 1"),
    (["grade", str(XOR), "-a", "xor", "-o", "r.json", "--jobs", "many"], "invalid int value"),
    (["check", str(XOR.parent), "-a", "xor"], "no such file"),
    (["check", "absent.ipynb", "-a", "xor"], "absent.ipynb: no such file"),
    (["check", str(XOR), "-a", "./nowhere"], "no assignment.yaml there"),
    (["check", str(XOR), "-a", "xor", "--plot", "."], "is a folder; give a file name"),
    (["check", str(XOR), "-a", "xor", "--course", "/proc"], "not a course folder"),
    (["demo", "--course", "/proc"], "not a course folder"),
    (["grade"], "the following arguments are required"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_are_one_line_usage_errors(tmp_path, args, says):
    assert_usage_error(run(*args, cwd=tmp_path), says)


def test_no_course_anywhere(tmp_path):
    done = run("check", str(XOR), "-a", "xor", cwd=tmp_path, env=no_course_env())
    assert_usage_error(done, "no course folder found")
    assert "--course DIR" in done.stderr


def test_malformed_spec_and_a_course_without_examples(tmp_path):
    folder = tmp_path / "assignments" / "broken"
    folder.mkdir(parents=True)
    (folder / "assignment.yaml").write_text("name: [unclosed\n")
    assert_usage_error(run("check", str(XOR), "-a", "broken", "--course", str(tmp_path)),
                       "not valid YAML")
    assert_usage_error(run("demo", "--course", str(tmp_path)), "has no examples/ folder")


def _without_privileges() -> tuple[str, ...]:
    """Run as root without the capabilities that let root read any file: permissions then apply."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv cannot be made to respect file permissions")
    return ("setpriv", "--bounding-set=-all", "--inh-caps=-all")


def test_unreadable_submission_and_spec(tmp_path):
    secret = tmp_path / "alice.py"
    shutil.copy(XOR, secret)
    secret.chmod(0)
    course = tmp_path / "course" / "assignments" / "xor"
    shutil.copytree(ROOT / "assignments" / "xor", course)
    (course / "assignment.yaml").chmod(0)
    prefix = _without_privileges()
    assert_usage_error(run("grade", str(secret), "-a", "xor", "-o", str(tmp_path / "r.json"),
                           prefix=prefix), "alice.py: cannot read it (Permission denied)")
    assert_usage_error(run("check", str(secret), "-a", "xor", prefix=prefix), "cannot read it")
    shutil.copy(XOR, tmp_path / "bob.py")
    assert_usage_error(run("check", str(tmp_path / "bob.py"), "-a", str(course), prefix=prefix),
                       "assignment.yaml: cannot read it (Permission denied)")


def test_unwritable_output(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    assert_usage_error(run("grade", str(XOR), "-a", "xor", "-o", str(locked / "sub" / "r.json"),
                           prefix=_without_privileges()), "cannot create")


def test_a_bug_in_the_harness_exits_three_with_one_line_and_a_log(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path / "cache"))

    def broken(args):  # stands for any unexpected exception inside the harness
        raise RuntimeError("something the harness did not expect\nsecond line")

    monkeypatch.setattr(cli, "_check", broken)
    code = cli.main(["check", str(XOR), "-a", "xor"])
    err = capsys.readouterr().err
    assert code == cli.ExitCode.INTERNAL == 3
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "RuntimeError: something the harness did not expect second line" in err
    logs = list((tmp_path / "cache" / "logs").glob("autograder-crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    assert "Traceback" in logs[0].read_text() and "def broken" not in err
