"""Student releases: ``autograder release`` and ``check`` from a release, with no reference anywhere.

A release must hold the visible items only, no reference source, and must
grade every shipped example the way the course's self-check does (see
:func:`test_release_grades_like_the_course` for the one allowed difference).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from autograder import __version__, reference, release, spec as spec_mod
from autograder.grade import Grader
from tests.coursecode import copy_code
from tests.conftest import ASSIGNMENTS, ROOT


@pytest.fixture(scope="module")
def releases(pool, tmp_path_factory):
    """One release per shipped assignment (facts from the session's reference cache)."""
    folder = tmp_path_factory.mktemp("releases")
    return {name: release.build(spec_mod.load(name), folder / name).folder for name in ASSIGNMENTS}


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _reference_lines(name: str) -> set[str]:
    """Distinctive lines of the reference: every line of a function or method body (docstrings
    left out) that the student template does not also hold, e.g. ``return x @ w.t() + b``."""
    source = (ROOT / "reference" / f"{name}.py").read_text()
    template = (ROOT / "student_template" / f"{name}.ipynb").read_text()
    lines = source.splitlines()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            for statement in body:
                for line in lines[statement.lineno - 1:statement.end_lineno]:
                    text = line.strip()
                    if len(text) >= 12 and text not in template and not text.startswith("#"):
                        found.add(text)
    return found


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_holds_visible_items_only_and_no_reference(releases, name):
    folder = releases[name]
    course = spec_mod.load(name)
    course_raw = _raw(course.path)
    # a visible item without a kind is judged by the folder's checks.py, which a release cannot ship
    visible = [i for i in course_raw["items"] if i.get("visibility", "visible") == "visible" and "kind" in i]
    hidden = [i for i in course_raw["items"] if i not in visible]
    assert hidden, "every shipped assignment withholds at least one item"

    raw = _raw(folder / "assignment.yaml")
    assert "reference" not in raw and raw["facts"] == "expected.json"
    assert [i["id"] for i in raw["items"]] == [i["id"] for i in visible]
    for kept, original in zip(raw["items"], visible, strict=True):
        assert kept == {k: v for k, v in original.items() if k != "supply"}  # observe, check as written
    for key in ("name", "title", "aliases", "stub_modules", "limits"):
        assert raw.get(key) == course_raw.get(key)
    block = raw["release"]
    assert block["harness_version"] == __version__ and block["assignment"] == name
    assert block["spec_fingerprint"] == course.fingerprint
    assert block["engine"] == reference.engine_fingerprint()
    supplied = {i["id"]: i["supply"] for i in visible if i.get("supply")}
    assert block.get("own_helpers", {}) == supplied

    facts = json.loads((folder / "expected.json").read_text())
    assert list(facts) == [i["id"] for i in visible]
    assert all(record["status"] == "ok" for record in facts.values())

    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert [p.name for p in files] == sorted(["assignment.yaml", "expected.json", f"{name}.ipynb"])
    assert (folder / f"{name}.ipynb").read_bytes() == (ROOT / "student_template" / f"{name}.ipynb").read_bytes()
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in files)
    texts = {p.name: p.read_text() for p in files}

    # no hidden item: not its id anywhere, nor a setting only it has
    visible_keys = {k for i in visible for part in ("observe", "check") for k in _keys(i.get(part, {}))}
    for item in hidden:
        for where, text in texts.items():
            assert item["id"] not in text, f"hidden {item['id']} named in {where}"
        own = {k for part in ("observe", "check") for k in item.get(part, {})} - visible_keys
        for key in own:
            assert not re.search(rf"(?m)^[\s-]*{re.escape(key)}:", texts["assignment.yaml"]), \
                f"{item['id']}'s setting {key} released"

    # no reference source: not one distinctive line of it, in any file
    distinctive = _reference_lines(name)
    assert len(distinctive) >= 5
    for where, text in texts.items():
        leaked = sorted(line for line in distinctive if line in text)
        assert not leaked, f"{where} holds reference source: {leaked[:3]}"
        assert "Reference solution" not in text


def _keys(value) -> set[str]:
    """Every mapping key in a settings block, nested ones included (a kind's settings nest)."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _compare(course, released, supplied: set[str], course_only: frozenset[str] = frozenset()) -> list[str]:
    """The differences the rule of test_release_grades_like_the_course does not allow.

    ``course_only``: visible items judged by the folder's own checks.py, which a release leaves out.
    """
    ours = {i.id: i for i in course.rubric if i.id not in course_only}
    theirs = {i.id: i for i in released.rubric}
    if list(ours) != list(theirs):
        return [f"items differ: {list(ours)} vs {list(theirs)}"]
    wrong = []
    for item_id, a in ours.items():
        b = theirs[item_id]
        if (a.status, a.score, a.feedback) == (b.status, b.score, b.feedback):
            continue
        others_fail = [o for o in ours if o != item_id
                       and ours[o].status != "passed" and theirs[o].status != "passed"]
        if item_id in supplied and others_fail:
            continue  # the student's own (wrong) helper, graded by a failing item, also ran here
        wrong.append(f"{item_id}: course {a.status} {a.score} {a.feedback!r}\n"
                     f"   release {b.status} {b.score} {b.feedback!r}")
    return wrong


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_grades_like_the_course(pool, releases, name):
    """Every shipped example, self-checked with the course (its reference) and with the release.

    Per visible item the release holds (it leaves out those judged by the folder's own
    checks.py), id, status, score and feedback must be identical. The one
    allowed difference: an item whose course YAML declares ``supply:`` (the
    release drops it, so the item runs with the student's own helpers instead
    of the reference's) may differ, but only when some other visible item of
    that submission does not pass in both runs, i.e. the student's helper can
    be wrong. Any other difference fails this test.
    """
    course = Grader(spec_mod.load(name), pool=pool, visible_only=True)
    released = Grader(spec_mod.load(releases[name]), pool=pool, visible_only=True)
    supplied = {i["id"] for i in _raw(course.spec.path)["items"] if i.get("supply")}
    course_only = frozenset(i.id for i in course.spec.items if i.visibility == "visible" and i.kind is None)
    course.expected, released.expected  # noqa: B018 - computed once, before the threads share them
    # Started here, not in a thread of the executor: a worker dies with the thread that started
    # it (PR_SET_PDEATHSIG), so workers started by the executor die when it shuts down (as
    # batch.run does it).
    pool.start()
    examples = sorted((ROOT / "examples" / name).glob("*.py")) + sorted((ROOT / "examples" / name).glob("*.ipynb"))
    assert examples

    def both(path: Path):
        return course.grade(path).only_visible(), released.grade(path).only_visible()

    with ThreadPoolExecutor(max_workers=len(pool.workers)) as executor:
        graded = dict(zip(examples, executor.map(both, examples), strict=True))
    problems = []
    for path, (ours, theirs) in graded.items():
        found = [f"{path.name}: {p}" for p in _compare(ours, theirs, supplied, course_only)]
        if found:  # the notes say why when the harness itself failed (an "internal:" note)
            found.append(f"{path.name}: notes: course {ours.notes}, release {theirs.notes}")
        problems += found
        note = release.own_helpers_note(released.spec, theirs)
        failing = [i.id for i in theirs.rubric if i.id in supplied and i.status != "passed"]
        assert (note is not None) == bool(failing), (path.name, note)
        assert all(item_id in note for item_id in failing) if note else True
    assert not problems, "\n".join(problems)


def test_comparison_rule_fails_on_any_other_difference():
    """The rule above is not vacuous: a changed unsupplied item, or a changed supplied item
    whose submission passes everything else, is reported."""
    from autograder.results import ItemResult, SubmissionResult

    def result(*items):
        return SubmissionResult(assignment="a", submission="s", rubric=tuple(
            ItemResult(id=i, title="t", score=s, max_score=1.0, status=st, feedback="f",
                       visibility="visible") for i, st, s in items))

    base = result(("x.a", "passed", 1.0), ("x.b", "passed", 1.0))
    assert _compare(base, base, {"x.b"}) == []
    assert _compare(base, result(("x.a", "failed", 0.0), ("x.b", "passed", 1.0)), {"x.b"})
    assert _compare(base, result(("x.a", "passed", 1.0), ("x.b", "failed", 0.0)), {"x.b"})
    helper_wrong = result(("x.a", "failed", 0.0), ("x.b", "passed", 1.0))
    assert _compare(helper_wrong, result(("x.a", "failed", 0.0), ("x.b", "failed", 0.0)), {"x.b"}) == []


def _autograder(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"}
    env["AUTOGRADER_CACHE"] = str(cache)
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


def _with_version(folder: Path, target: Path, harness_version: str) -> Path:
    shutil.copytree(folder, target)
    raw = _raw(target / "assignment.yaml")
    raw["release"]["harness_version"] = harness_version
    (target / "assignment.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return target


def test_check_from_a_release_needs_no_reference_and_writes_no_cache(releases, tmp_path):
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    work = tmp_path / "student"
    work.mkdir()
    folder = releases["xor"]
    examples = ROOT / "examples" / "xor"

    good = _autograder("check", str(examples / "correct.py"), "--assignment", str(folder), cwd=work, cache=cache)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "PASS" in good.stdout and "xor.forward" not in good.stdout  # hidden: not run, not named
    assert "Traceback" not in good.stderr
    bad = _autograder("check", str(examples / "xor_no_sigmoid.py"), "--assignment", str(folder),
                      cwd=work, cache=cache)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL" in bad.stdout
    assert list(cache.iterdir()) == [], "a release check wrote into the cache"
    assert sorted(p.name for p in work.iterdir()) == []

    newer = _with_version(folder, tmp_path / "newer", "99.0")
    done = _autograder("check", str(examples / "correct.py"), "--assignment", str(newer), cwd=work, cache=cache)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "made for autograder 99.0" in done.stderr and "pip install --upgrade autograder" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""

    older = _with_version(folder, tmp_path / "older", "0.0.1")
    done = _autograder("check", str(examples / "correct.py"), "--assignment", str(older), cwd=work, cache=cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (f"this release was made for autograder 0.0.1; you have {__version__}; results may differ "
            "from your instructor's: ask for a current release") in done.stderr
    assert list(cache.iterdir()) == []


def test_release_command_writes_and_refuses_a_full_folder(pool, tmp_path):
    out = tmp_path / "rel"
    env_cache = os.environ["AUTOGRADER_CACHE"]  # the session's: the reference facts are cached there
    done = _autograder("release", "linear_regression", "--course", str(ROOT), "--output", str(out),
                       cwd=tmp_path, cache=Path(env_cache))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "linreg.gd_step" in done.stdout and "student template: linear_regression.ipynb" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["assignment.yaml", "expected.json",
                                                    "linear_regression.ipynb"]
    again = _autograder("release", "linear_regression", "--course", str(ROOT), "--output", str(out),
                        cwd=tmp_path, cache=Path(env_cache))
    assert again.returncode == 2 and "add --force" in again.stderr
    (out / "stale.txt").write_text("old")
    forced = _autograder("release", "linear_regression", "--course", str(ROOT), "--output", str(out),
                         "--force", cwd=tmp_path, cache=Path(env_cache))
    assert forced.returncode == 0, forced.stderr
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left
    helped = _autograder("release", "--help", cwd=tmp_path, cache=Path(env_cache))
    assert helped.returncode == 0 and "usage: autograder release" in helped.stdout


def test_a_release_is_not_released_again(releases, tmp_path):
    with pytest.raises(release.ReleaseError, match="is itself a release"):
        release.build(spec_mod.load(releases["xor"]), tmp_path / "again")


@pytest.mark.parametrize("where", [".", "assignments", "assignments/xor", "reference"])
def test_force_never_replaces_the_course(where):
    with pytest.raises(release.ReleaseError, match="holds the course's own files"):
        release.build(spec_mod.load("xor"), ROOT / where, force=True, run_job=None)


def test_missing_facts_say_to_ask_for_a_new_release(releases, tmp_path):
    folder = shutil.copytree(releases["polynomial_regression"], tmp_path / "rel")
    facts = json.loads((folder / "expected.json").read_text())
    del facts["poly.grad"]
    (folder / "expected.json").write_text(json.dumps(facts))
    loaded = spec_mod.load(folder)
    with pytest.raises(reference.ReleaseFactsError, match="no expected facts for poly.grad.*ask your "
                       "instructor for a new release"):
        reference.expected_facts(loaded, run_job=None)
    with pytest.raises(spec_mod.SpecError):  # the command line reports it as a usage error (exit 2)
        reference.expected_facts(loaded, run_job=None)
    (folder / "expected.json").write_text("{not json")
    with pytest.raises(reference.ReleaseFactsError, match="cannot read its expected facts"):
        reference.expected_facts(spec_mod.load(folder), run_job=None)
    (folder / "expected.json").unlink()
    with pytest.raises(spec_mod.SpecError, match="field facts: .* does not exist.*new release"):
        spec_mod.load(folder)


def test_notices_name_the_harness_that_made_the_release(releases):
    loaded = spec_mod.load(releases["xor"])
    assert release.notices(loaded) == []
    older = dataclasses.replace(loaded, release={**loaded.release, "harness_version": "0.0.1"})
    assert release.notices(older) == [
        (f"warning: this release was made for autograder 0.0.1; you have {__version__}; results may "
         "differ from your instructor's: ask for a current release")]
    rebuilt = dataclasses.replace(loaded, release={**loaded.release, "engine": "0" * 64})
    (line,) = release.notices(rebuilt)
    assert "different build of autograder" in line and "ask for a current release" in line
    assert release.notices(spec_mod.load("xor")) == []  # a course spec is no release


# --- spec validation: reference: or facts:, never both, never neither ---------------------------

def _spec_folder(tmp_path: Path, mutate) -> Path:
    raw = _raw(ROOT / "assignments" / "xor" / "assignment.yaml")
    raw["reference"] = str(ROOT / "reference" / "xor.py")
    folder = tmp_path / "a"
    folder.mkdir(parents=True)
    (folder / "expected.json").write_text("{}")
    mutate(raw)
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw))
    copy_code("xor", folder)
    return folder


def test_spec_with_both_reference_and_facts_is_refused(tmp_path):
    folder = _spec_folder(tmp_path, lambda raw: raw.update(facts="expected.json"))
    with pytest.raises(spec_mod.SpecError, match="both reference: and facts:; keep one"):
        spec_mod.load(folder)


def test_spec_with_neither_reference_nor_facts_is_refused(tmp_path):
    folder = _spec_folder(tmp_path, lambda raw: raw.pop("reference"))
    with pytest.raises(spec_mod.SpecError, match="neither reference: nor facts:"):
        spec_mod.load(folder)


def test_facts_spec_loads_without_reference_and_refuses_supply(tmp_path):
    def to_facts(raw):
        raw.pop("reference")
        raw["facts"] = "expected.json"

    loaded = spec_mod.load(_spec_folder(tmp_path, to_facts))
    assert loaded.reference is None and loaded.facts_file == (tmp_path / "a" / "expected.json").resolve()
    assert loaded.fingerprint  # the YAML and the facts file

    def with_supply(raw):
        to_facts(raw)
        raw["items"][0]["supply"] = ["XOR"]

    with pytest.raises(spec_mod.SpecError, match=r"items.0.supply: supply: needs the reference"):
        spec_mod.load(_spec_folder(tmp_path / "s", with_supply))


def test_release_newer_than_the_harness_is_refused_before_validation(tmp_path):
    def newer(raw):
        raw.pop("reference")
        raw["facts"] = "expected.json"
        raw["release"] = {"harness_version": "99.0", "some_future_field": 1}
        raw["future_key"] = True

    with pytest.raises(spec_mod.SpecError, match=r"made for autograder 99.0, newer than yours .*"
                       r"pip install --upgrade autograder"):
        spec_mod.load(_spec_folder(tmp_path, newer))


def test_versions_compare_as_numbers():
    key = spec_mod.version_key
    assert key("0.10.0") > key("0.9.3") and key("1.0") == key("1") == key("1.0.0")
    assert key("0.2.0rc1") == key("0.2") and key("99.0") > key(__version__)
