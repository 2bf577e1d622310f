"""An assignment folder's own probes.py and checks.py (autograder/course_code.py), end to end.

A temporary course holds one item the kit has no kind for ("the sum of a
submission's ``double`` on three grader-chosen numbers"), written as a probe
and a check beside the YAML: it loads, grades through the real sandbox, ships
in a release, and a missing half is refused when the spec loads.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from autograder import course_code, release, spec as spec_mod
from autograder.grade import Grader
from autograder.report import plots

PROBES = '''
from autograder.observers import observer


@observer("local.double")
def double_sums(ns, observe):
    double = ns.get("double")
    return {"inputs": observe["inputs"], "outputs": [float(double(x)) for x in observe["inputs"]]}
'''

CHECKS = '''
from autograder.checks import check
from autograder.report.plots import Section, plot
from autograder.results import Outcome


@check("local.double")
def double_matches(observed, expected, settings):
    wanted = expected["outputs"]  # the question and its answer come from the reference's facts
    got = observed.get("outputs")
    if not isinstance(got, list) or len(got) != len(wanted):
        return Outcome.failed("double did not answer every input")
    wrong = [x for x, a, b in zip(expected["inputs"], got, wanted) if abs(a - b) > settings["atol"]]
    if wrong:
        return Outcome.failed(f"double({wrong[0]}) is not twice {wrong[0]}")
    return Outcome.passed("double doubles")


@plot("local.double")
def nothing_to_draw(facts, expected, settings):
    return Section("", "double", notes=["drawn by the course's checks.py"])
'''


def course(tmp_path: Path, probes: str | None = PROBES, checks: str | None = CHECKS) -> Path:
    root = tmp_path / "course"
    folder = root / "assignments" / "local"
    folder.mkdir(parents=True)
    (root / "reference").mkdir()
    (root / "reference" / "local.py").write_text("def double(x):\n    return 2 * x\n")
    raw = {"name": "local", "title": "Course code", "reference": "../../reference/local.py",
           "items": [{"id": "local.double", "title": "double doubles", "points": 2,
                      "observe": {"inputs": [1.5, -2.0, 7.0]}, "check": {"atol": 1e-9}}]}
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw))
    for name, text in ((course_code.PROBES_FILE, probes), (course_code.CHECKS_FILE, checks)):
        if text is not None:
            (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_the_plan_carries_the_probes_text_and_each_local_item_its_key(tmp_path: Path) -> None:
    loaded = spec_mod.load(course(tmp_path))
    plan = loaded.sandbox_plan()
    assert "@observer(\"local.double\")" in plan["probes"]["source"]
    assert plan["items"][0]["probes"] == plan["probes"]["key"]
    assert "atol" not in str(plan)  # the check's settings stay in the grader


def test_course_code_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    folder = course(tmp_path)
    before = spec_mod.load(folder).fingerprint
    (folder / course_code.CHECKS_FILE).write_text((folder / course_code.CHECKS_FILE).read_text() + "\n# changed\n")
    assert spec_mod.load(folder).fingerprint != before


@pytest.mark.parametrize("missing, named", [("probes", "@observer"), ("checks", "@check")])
def test_an_item_without_kind_needs_both_halves(tmp_path: Path, missing: str, named: str) -> None:
    folder = course(tmp_path, **{missing: None})
    with pytest.raises(spec_mod.SpecError, match=f"item local.double has no kind:, and there is no "
                                                 f"function marked {named}"):
        spec_mod.load(folder)


def test_a_check_that_does_not_import_is_a_spec_error(tmp_path: Path) -> None:
    folder = course(tmp_path, checks="import not_a_module_anywhere\n")
    with pytest.raises(spec_mod.SpecError, match="checks.py: importing it raised ModuleNotFoundError"):
        spec_mod.load(folder)


def test_pictures_come_from_the_folders_checks(tmp_path: Path) -> None:
    loaded = spec_mod.load(course(tmp_path))
    builders = plots.builders_for(loaded)
    found = plots.sections({"local.double": {"status": "ok", "facts": {}}},
                           {"local.double": {"status": "ok", "facts": {}}}, {"local.double": "t"}, {}, builders)
    assert found[0].item == "local.double" and found[0].notes == ["drawn by the course's checks.py"]


@pytest.mark.slow
def test_local_items_grade_in_the_sandbox_and_stay_out_of_releases(tmp_path: Path, pool) -> None:
    folder = course(tmp_path)
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text("def double(x):\n    return x + x\n")
    wrong.write_text("def double(x):\n    return x * x\n")
    grader = Grader(spec_mod.load(folder), pool=pool)
    assert [(i.status, i.score) for i in grader.grade(right).rubric] == [("passed", 2.0)]
    (item,) = grader.grade(wrong).rubric
    assert item.status == "failed" and item.feedback == "double(1.5) is not twice 1.5"

    with pytest.raises(release.ReleaseError, match=r"its visible items \(local.double\) are judged by "
                                                     r"the folder's own checks.py, which a release cannot ship"):
        release.build(grader.spec, tmp_path / "release")  # its check recomputes the answer
