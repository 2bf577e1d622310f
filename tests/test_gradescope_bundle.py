"""`autograder gradescope build`: the zip Gradescope gets, run end to end as Gradescope runs it.

Each zip is unpacked into ``<tmp>/source`` (as Gradescope unpacks it into
``/autograder/source``) and its ``run_autograder`` is run with
``AUTOGRADER_ROOT=<tmp>``, from an unrelated working directory and without
``AUTOGRADER_COURSE``: the zip must carry everything it grades with. setup.sh is
not run (it installs packages): the ``autograder`` on PATH is a shim that runs
this checkout's harness with this interpreter, so the code under test is the
checkout's whatever the environment's console script points at.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder import bundle, cli, spec
from autograder.report import gradescope
from tests.coursecode import copy_code
from tests.conftest import ASSIGNMENTS, ROOT

EXAMPLES = ROOT / "examples"
# A sentence of the reference's docstring: in no submission, so seen only if it leaked.
REFERENCE_SECRET = "1000 of 1000 seeds"


# --- building --------------------------------------------------------------------------------


def _autograder(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"}
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          check=False, text=True, timeout=600, cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The harness wheel, built once: by the first build (xor, from this checkout), then
    passed with --wheel to the others."""
    out = tmp_path_factory.mktemp("first")
    done = _autograder("gradescope", "build", "xor", "--course", ROOT, "--output", out / "xor.zip", cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(out / "xor.zip") as archive:
        [name] = [n for n in archive.namelist() if n.startswith("wheel/")]
        archive.extract(name, out)
    return out / name


@pytest.fixture(scope="module")
def zips(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("zips")
    made = {}
    for name in ASSIGNMENTS:
        output = folder / f"{name}.zip"
        done = _autograder("gradescope", "build", name, "--output", output, "--wheel", wheel, cwd=ROOT)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"wrote {output}" in done.stdout
        made[name] = output
    return made


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_zip_holds_the_scripts_the_course_files_and_the_wheel(zips, name):
    with zipfile.ZipFile(zips[name]) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode()
    loaded = spec.load(name, ROOT)
    reference = loaded.reference.relative_to(ROOT).as_posix()
    folder = {f"course/assignments/{name}/{p.relative_to(loaded.directory).as_posix()}"
              for p in loaded.directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert f"course/assignments/{name}/assignment.yaml" in folder  # the whole assignment folder
    assert set(infos) == {"setup.sh", "run_autograder", *folder, f"course/{reference}",
                          "wheel/autograder-0.1.0-py3-none-any.whl"}
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) & 0o111 == 0o111, script
    # The CPU build of the torch installed here, from PyTorch's CPU index; never a plain install.
    torch = bundle.cpu_torch_version()
    assert "+" not in torch
    assert f'--index-url https://download.pytorch.org/whl/cpu "torch=={torch}"' in setup
    installs = [line for line in setup.splitlines() if "pip install" in line and not line.lstrip().startswith("#")]
    assert [line.split("pip install ")[1] for line in installs] == [
        f'--index-url https://download.pytorch.org/whl/cpu "torch=={torch}"',
        '"wheel/autograder-0.1.0-py3-none-any.whl"']  # nothing else, no plain torch, no `pip install .`
    assert 'pip install "wheel/autograder-0.1.0-py3-none-any.whl"' in setup
    assert f'gradescope prepare --assignment "$SOURCE/course/assignments/{name}"' in setup
    assert 'chmod -R go-rwx "$SOURCE"' in setup
    assert f'ASSIGNMENT="$ROOT/source/course/assignments/{name}"' in run
    assert 'autograder gradescope --assignment "$ASSIGNMENT" --root "$ROOT"' in run
    assert not re.search(r"@[A-Z_]+@", setup + run)  # every placeholder filled in


def test_build_without_a_checkout_asks_for_a_wheel(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bundle, "project_root", lambda: None)
    code = cli.main(["gradescope", "build", "xor", "--course", str(ROOT), "--output", str(tmp_path / "x.zip")])
    assert code == cli.ExitCode.USAGE
    err = capsys.readouterr().err
    assert "pass --wheel PATH" in err and "Traceback" not in err
    assert not (tmp_path / "x.zip").exists()
    code = cli.main(["gradescope", "build", "xor", "--course", str(ROOT), "--output", str(tmp_path / "x.zip"),
                     "--wheel", str(tmp_path / "nope.whl")])
    assert code == cli.ExitCode.USAGE and "no such file" in capsys.readouterr().err


def test_a_reference_outside_the_course_is_refused(tmp_path):
    folder = tmp_path / "course" / "assignments" / "xor"
    folder.mkdir(parents=True)
    text = (ROOT / "assignments" / "xor" / "assignment.yaml").read_text()
    (folder / "assignment.yaml").write_text(text.replace("reference: ../../reference/xor.py",
                                                         f"reference: {ROOT / 'reference' / 'xor.py'}"))
    copy_code("xor", folder)
    with pytest.raises(bundle.BundleError, match="absolute path; write it relative"):
        bundle.course_files(spec.load(folder))


# --- running, as Gradescope does --------------------------------------------------------------


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bin folder whose ``autograder`` is this checkout's harness (see the module docstring)."""
    folder = tmp_path_factory.mktemp("bin")
    script = folder / "autograder"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}${{PYTHONPATH:+:$PYTHONPATH}}" '
                      f'exec "{sys.executable}" -m autograder "$@"\n')
    script.chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def unpack(archive: Path, root: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(root / "source")
    return root


def run_autograder(root: Path, cache: Path, path: str,
                   submission: Path | None = None, as_name: str | None = None,
                   text: str | None = None) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Put one submission in ROOT/submission/ and run ROOT/source/run_autograder; return the
    process and results.json (validated against the schema)."""
    (root / "submission").mkdir(exist_ok=True)
    if submission is not None or text is not None:
        target = root / "submission" / (as_name or submission.name)
        target.write_text(text if text is not None else submission.read_text())
    unrelated = root / "elsewhere"
    unrelated.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_COURSE", "AUTOGRADER_ROOT")}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_CACHE=str(cache), PATH=path)
    done = subprocess.run(["/bin/bash", str(root / "source" / "run_autograder")], capture_output=True,
                          check=False, text=True, timeout=600, cwd=unrelated, env=env)
    results = root / "results" / "results.json"
    assert results.is_file(), done.stdout + done.stderr
    data = json.loads(results.read_text())
    gradescope.validate(data)
    return done, data


def _path(shim: Path) -> str:
    return f"{shim}{os.pathsep}{os.environ['PATH']}"


def assert_visibility_as_in_the_yaml(data: dict, name: str) -> None:
    wanted = {item.id: item.visibility for item in spec.load(name, ROOT).items}
    assert {t["number"]: t["visibility"] for t in data["tests"]} == wanted


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_correct_example_gets_full_marks(zips, shim, cache, tmp_path, name):
    root = unpack(zips[name], tmp_path)
    done, data = run_autograder(root, cache, _path(shim), EXAMPLES / name / "correct.py")
    assert done.returncode == 0, done.stderr
    assert data["tests"] and all(t["status"] == "passed" for t in data["tests"]), data
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0
    assert_visibility_as_in_the_yaml(data, name)


def test_xor_buggy_broken_and_hostile_submissions(zips, shim, cache, tmp_path):
    full = sum(item.points for item in spec.load("xor", ROOT).items)

    buggy_root = unpack(zips["xor"], tmp_path / "buggy")
    done, buggy = run_autograder(buggy_root, cache, _path(shim), EXAMPLES / "xor" / "train_returns_nothing.py")
    assert done.returncode == 0, done.stderr
    assert 0 < buggy["score"] < full
    assert {t["number"] for t in buggy["tests"] if t["status"] == "failed"} == {"xor.loss_decrease"}
    assert_visibility_as_in_the_yaml(buggy, "xor")

    broken_root = unpack(zips["xor"], tmp_path / "broken")
    done, broken = run_autograder(broken_root, cache, _path(shim), as_name="xor.ipynb",
                                  text='{"cells": [{"cell_type": "code", "source": ')
    assert done.returncode == 0, done.stderr  # the submission's problem, not the harness's
    assert broken["score"] == 0
    assert broken["tests"] and all(t["output"].startswith("[error]") for t in broken["tests"]), broken
    assert_visibility_as_in_the_yaml(broken, "xor")

    hostile_root = unpack(zips["xor"], tmp_path / "hostile")
    done, hostile = run_autograder(hostile_root, cache, _path(shim), as_name="xor.py",
                                   text=_steals_reference(hostile_root, cache))
    assert done.returncode == 0, done.stderr
    assert hostile["score"] == 0, hostile  # it implements nothing; borrowing the reference failed
    assert "nothing found" in json.dumps(hostile), hostile  # it ran, and read nothing
    for written in (hostile_root / "results").iterdir():
        assert REFERENCE_SECRET not in written.read_text(), written


def _steals_reference(root: Path, cache: Path) -> str:
    """A submission that reads the bundle's reference, spec and cached facts, and borrows the
    reference's XOR and train_xor if it can; whatever it finds goes into its error messages."""
    paths = [str(root / "source" / "course" / "reference" / "xor.py"),
             str(root / "source" / "course" / "assignments" / "xor" / "assignment.yaml"),
             "/autograder/source/course/reference/xor.py"]
    return f'''
import glob
found = []
for path in {paths!r} + glob.glob({str(cache)!r} + "/**/*", recursive=True):
    try:
        found.append(open(path, errors="replace").read())
    except OSError:
        pass
stolen = {{}}
for text in found:
    try:
        exec(text, stolen)
    except Exception:
        pass
print("found", found)
if "XOR" in stolen and "train_xor" in stolen:
    XOR, train_xor = stolen["XOR"], stolen["train_xor"]
else:
    def XOR(n_hidden=2):
        raise RuntimeError(" | ".join(found)[:280] or "nothing found")

    def train_xor(model, X, y, epochs=1000, lr=0.03):
        raise RuntimeError(" | ".join(found)[:280] or "nothing found")
'''


def test_setup_caches_the_facts_that_the_run_then_reads(zips, shim, tmp_path):
    """setup.sh's `autograder gradescope prepare` fills the image's cache; a submission's run
    finds its facts there and computes nothing."""
    root = unpack(zips["linear_regression"], tmp_path)
    cache = tmp_path / "image-cache"
    assignment = root / "source" / "course" / "assignments" / "linear_regression"
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"}
    done = subprocess.run(["autograder", "gradescope", "prepare", "--assignment", str(assignment)],
                          capture_output=True, check=False, text=True, timeout=600, cwd=tmp_path,
                          env={**env, "AUTOGRADER_CACHE": str(cache), "PATH": _path(shim)})
    assert done.returncode == 0, done.stderr
    [cached] = (cache / "reference").iterdir()
    before = cached.stat().st_mtime_ns
    done, data = run_autograder(root, cache, _path(shim), EXAMPLES / "linear_regression" / "correct.py")
    assert done.returncode == 0, done.stderr
    assert data["score"] == sum(item.points for item in spec.load("linear_regression", ROOT).items)
    assert [p.name for p in (cache / "reference").iterdir()] == [cached.name]
    assert cached.stat().st_mtime_ns == before


# --- when the harness itself fails ----------------------------------------------------------


def _break_spec(root: Path) -> None:
    yaml_file = root / "source" / "course" / "assignments" / "xor" / "assignment.yaml"
    yaml_file.write_text(yaml_file.read_text() + "\nitems: [not closed\n")


def _break_reference(root: Path) -> None:
    reference = root / "source" / "course" / "reference" / "xor.py"
    text = reference.read_text()
    assert "class XOR(" in text
    reference.write_text(text.replace("class XOR(", "class XOR_renamed("))  # the reference lacks XOR


@pytest.mark.parametrize("breaks", [_break_spec, _break_reference], ids=["bad_spec", "reference_raises"])
def test_a_failing_harness_still_writes_results(zips, shim, cache, tmp_path, breaks):
    root = unpack(zips["xor"], tmp_path)
    breaks(root)
    done, data = run_autograder(root, cache, _path(shim), EXAMPLES / "xor" / "correct.py")
    assert done.returncode == 3, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograder: internal error:"), done.stderr
    assert "Traceback" not in done.stderr
    assert data["score"] == 0
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert len(visible) == 1 and "contact your instructor" in visible[0]["name"]
    assert visible[0]["output"] == data["output"] == gradescope.FAILED_MESSAGE  # no details
    assert len(hidden) == 1
    cause = "not valid YAML" if breaks is _break_spec else "failed item xor.shapes"
    assert cause in hidden[0]["output"] and "Traceback" in hidden[0]["output"]


def test_run_autograder_writes_results_when_the_harness_cannot_start(zips, cache, tmp_path):
    # No autograder on PATH (nor this interpreter): what Gradescope sees if setup.sh failed.
    root = unpack(zips["xor"], tmp_path / "missing")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    done, data = run_autograder(root, cache, str(empty), EXAMPLES / "xor" / "correct.py")
    assert done.returncode == 3
    assert "not installed" in done.stderr
    assert data["score"] == 0 and data["output"] == gradescope.FAILED_MESSAGE
    assert [t["visibility"] for t in data["tests"]] == ["visible", "hidden"]
    assert "not installed" in data["tests"][1]["output"]

    # An autograder that exits without writing anything.
    root = unpack(zips["xor"], tmp_path / "silent")
    stub = tmp_path / "stub-bin"
    stub.mkdir()
    (stub / "autograder").write_text("#!/bin/sh\nexit 1\n")
    (stub / "autograder").chmod(0o755)
    done, data = run_autograder(root, cache, f"{stub}{os.pathsep}/usr/bin{os.pathsep}/bin",
                                EXAMPLES / "xor" / "correct.py")
    assert done.returncode == 3
    assert "exited with status 1 without writing results.json" in data["tests"][1]["output"]
    assert data == {**data, "score": 0, "output": gradescope.FAILED_MESSAGE}


def test_the_failure_results_and_our_writer_match_the_schema():
    gradescope.validate(gradescope.failure("details"))
    with pytest.raises(jsonschema.ValidationError):
        gradescope.validate({**gradescope.failure("x"), "visibility": "sometimes"})
    with pytest.raises(jsonschema.ValidationError):
        gradescope.validate({**gradescope.failure("x"), "tests": [{"name": "t", "status": "partial"}]})
