"""The engine as an installed package: a wheel built from this repository, installed
(non-editable) into a fresh virtual environment, grades the course's examples.

The course is found the way a user's shell finds it (the working directory's
parents, or ``--course``), never from where the package is installed; so the
installed engine must grade exactly as the checkout does (the golden results).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import bundle
from autograder.report import json_report
from tests.conftest import ROOT
from tests.golden import GOLDEN_DIR, differences, masked


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the harness's wheel installed; torch and the other
    dependencies come from the system's site-packages (``--system-site-packages``)."""
    base = tmp_path_factory.mktemp("wheel")
    wheel = bundle.build_wheel(base / "build")  # from a clean copy of this checkout, as the zip's
    made = _run(sys.executable, "-m", "venv", "--system-site-packages", base / "venv")
    assert made.returncode == 0, made.stderr
    python = base / "venv" / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "--no-index", "--no-deps", wheel)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return base / "venv"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_COURSE", "PYTHONPATH")}
    return {**env, **extra}


def test_the_installed_package_is_the_wheel_not_the_checkout(venv, tmp_path):
    where = _run(venv / "bin" / "python", "-c", "import autograder; print(autograder.__file__)",
                 cwd=tmp_path, env=_env())
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    schema = _run(venv / "bin" / "python", "-c", "from autograder.report import json_report; "
                  "json_report.validate({})", cwd=tmp_path, env=_env())
    assert "ValidationError" in schema.stderr, schema.stderr  # its JSON Schema ships in the wheel


def test_the_wheel_grades_the_examples_from_the_course_folder(venv, tmp_path):
    out = tmp_path / "results"
    done = _run(venv / "bin" / "autograder", "grade", ROOT / "examples" / "xor", "--assignment", "xor",
                "--output", out, "--jobs", "2", "--quiet", cwd=ROOT / "examples",  # found from a parent
                env=_env(AUTOGRADER_CACHE=str(tmp_path / "cache")))
    assert done.returncode == 0, done.stdout + done.stderr
    examples = sorted((ROOT / "examples" / "xor").glob("*.py"))
    assert examples
    for example in examples:
        got = masked(json_report.read(out / f"{example.stem}.json"))
        want = json.loads((GOLDEN_DIR / "xor" / f"{example.stem}.json").read_text())
        assert not differences(got, want), (example.name, differences(got, want))


def test_the_wheel_finds_no_course_by_itself(venv, tmp_path):
    """Outside any course, the installed engine asks for one instead of looking beside itself."""
    done = _run(venv / "bin" / "autograder", "check", ROOT / "examples" / "xor" / "correct.py",
                "--assignment", "xor", cwd=tmp_path, env=_env())
    assert done.returncode == 2 and "no course folder found" in done.stderr, done.stderr
    named = _run(venv / "bin" / "autograder", "check", ROOT / "examples" / "xor" / "correct.py",
                 "--assignment", "xor", "--course", ROOT, cwd=tmp_path,
                 env=_env(AUTOGRADER_CACHE=str(tmp_path / "cache")))
    assert named.returncode == 0, named.stdout + named.stderr
