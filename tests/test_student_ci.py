"""The student repository template (examples/ci/): its workflow's self-check step, run locally.

The workflow's own ``run:`` command is taken from the YAML and run by bash in a
copy of a student repository (a release of the assignment plus a submission),
with the job's environment: a correct submission passes the job, a buggy one
fails it. The install step is only read, never run (it downloads packages).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.conftest import ROOT

TEMPLATE = ROOT / "examples" / "ci"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "self-check.yml"


def _job() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["self-check"]


def _step(name: str) -> dict:
    return next(s for s in _job()["steps"] if s.get("name") == name)


def test_the_workflow_runs_on_every_push_and_installs_a_cpu_torch_first():
    on = yaml.safe_load(WORKFLOW.read_text())[True]  # YAML 1.1 reads the key `on` as true
    assert "push" in on
    install = _step("Install a CPU torch and the harness")["run"].strip().splitlines()
    assert "torch==${TORCH_VERSION}" in install[0]
    assert "--index-url https://download.pytorch.org/whl/cpu" in install[0]
    assert "AUTOGRADER_PACKAGE" in install[1]
    assert _job()["env"]["TORCH_VERSION"] == "2.13.0"


@pytest.fixture(scope="module")
def student_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A student's clone: the template, the release its workflow names, no course anywhere."""
    repo = tmp_path_factory.mktemp("student") / "repo"
    shutil.copytree(TEMPLATE, repo)
    release = repo / _job()["env"]["RELEASE"]
    done = subprocess.run([sys.executable, "-m", "autograder", "release", "xor", "--output", str(release),
                           "--course", str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


def _self_check(repo: Path, submission: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"}
    env.update({k: str(v) for k, v in _job()["env"].items()})
    shutil.copy(submission, repo / env["SUBMISSION"])
    env["AUTOGRADER_CACHE"] = str(tmp_path / "cache")  # a student's machine: nothing cached
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(["bash", "-e", "-c", _step("Self-check")["run"]], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)


def _notebook(example: str, tmp_path: Path) -> Path:
    """The example module as the notebook a student pushes (a heading and one code cell)."""
    notebook = tmp_path / "xor.ipynb"
    source = (ROOT / "examples" / "xor" / example).read_text()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# XOR"),
                                                   nbformat.v4.new_code_cell(source)]), notebook)
    return notebook


def test_the_self_check_step_passes_a_correct_notebook(student_repo, tmp_path):
    done = _self_check(student_repo, _notebook("correct.py", tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (student_repo / "self-check.html").is_file()
    assert "xor.forward" not in done.stdout  # hidden until after the due date


def test_the_self_check_step_fails_a_buggy_submission(student_repo, tmp_path):
    done = _self_check(student_repo, _notebook("train_forgets_zero_grad.py", tmp_path), tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "zero_grad" in done.stdout
