"""Unit tests of the data layer: spec validation, facts encoding, results JSON, submissions."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from autograder import facts, spec
from autograder.report import gradescope, json_report
from autograder.results import ItemResult, Outcome, SubmissionResult
from autograder.submission import prepare, split_statements

ROOT = Path(__file__).resolve().parent.parent


def _write_spec(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load((ROOT / "assignments/linear_regression/assignment.yaml").read_text())
    raw["reference"] = str(ROOT / "reference/linear_regression.py")
    mutate(raw)
    folder = tmp_path / "a"
    folder.mkdir(parents=True)
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw))
    for code in (ROOT / "assignments/linear_regression").glob("*.py"):  # its probes.py, checks.py
        (folder / code.name).write_bytes(code.read_bytes())
    return folder


def test_shipped_specs_load():
    for name in ("mlp_regression", "xor", "linear_regression", "polynomial_regression"):
        loaded = spec.load(name)
        assert loaded.name == name and loaded.items


def test_unknown_key_names_file_field_and_allowed(tmp_path):
    folder = _write_spec(tmp_path, lambda raw: raw["items"][0].update(pionts=3))
    with pytest.raises(spec.SpecError) as err:
        spec.load(folder)
    text = str(err.value)
    assert str(folder / "assignment.yaml") in text
    assert "field items.0" in text and "'pionts' was unexpected" in text
    assert "allowed keys: check, id, kind, observe, points, seconds, supply, title, visibility" in text


def test_wrong_type_and_bad_visibility(tmp_path):
    folder = _write_spec(tmp_path, lambda raw: raw["items"][1].update(points="two"))
    with pytest.raises(spec.SpecError, match=r"field items.1.points: 'two' should be of type number"):
        spec.load(folder)
    folder2 = _write_spec(tmp_path / "b", lambda raw: raw["items"][0].update(visibility="secret"))
    with pytest.raises(spec.SpecError, match="use one of visible, hidden, after_due_date, after_published"):
        spec.load(folder2)


def test_missing_field_and_unknown_rubric_id(tmp_path):
    folder = _write_spec(tmp_path, lambda raw: raw.pop("title"))
    with pytest.raises(spec.SpecError, match="'title' is a required property"):
        spec.load(folder)
    def rename_a_course_code_item(raw):
        next(i for i in raw["items"] if "kind" not in i).update(id="linreg.nonsense")

    folder2 = _write_spec(tmp_path / "b", rename_a_course_code_item)
    with pytest.raises(spec.SpecError, match="item linreg.nonsense has no kind:, and there is no function marked @observer"):
        spec.load(folder2)


def test_unknown_assignment_lists_known_ones():
    with pytest.raises(spec.SpecError, match=r"unknown assignment 'nope' in the course .*: give one of "
                       "linear_regression, mlp_regression"):
        spec.load("nope")


def _course(root: Path, names: tuple[str, ...] = ("xor",)) -> Path:
    """A course folder holding copies of the repository's specs (references stay where they are)."""
    for name in names:
        folder = root / "assignments" / name
        folder.mkdir(parents=True)
        raw = yaml.safe_load((ROOT / "assignments" / name / "assignment.yaml").read_text())
        raw["reference"] = str(ROOT / "assignments" / name / raw["reference"])
        (folder / "assignment.yaml").write_text(yaml.safe_dump(raw))
        for code in (ROOT / "assignments" / name).glob("*.py"):  # its probes.py, checks.py
            (folder / code.name).write_bytes(code.read_bytes())
    return root


def test_course_is_found_from_flag_then_environment_then_parents(tmp_path, monkeypatch):
    flag, env, parent = (_course(tmp_path / n) for n in ("flag", "env", "parent"))
    inside = parent / "submissions" / "alice"
    inside.mkdir(parents=True)
    monkeypatch.chdir(inside)
    monkeypatch.setenv("AUTOGRADER_COURSE", str(env))
    assert spec.load("xor", course=flag).course == flag.resolve()
    assert spec.load("xor").course == env.resolve()
    monkeypatch.delenv("AUTOGRADER_COURSE")
    assert spec.load("xor").course == parent.resolve()  # the nearest parent holding assignments/


def test_no_course_anywhere_says_how_to_point_at_one(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOGRADER_COURSE", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(spec.SpecError, match="no course folder found.*pass --course DIR, set "
                       "AUTOGRADER_COURSE=DIR"):
        spec.load("xor")
    with pytest.raises(spec.SpecError, match="--course .*: not a course folder"):
        spec.load("xor", course=tmp_path)
    # a path needs no course, and its spec knows whether it sits in one
    loaded = spec.load(_course(tmp_path / "c") / "assignments" / "xor")
    assert loaded.course == (tmp_path / "c").resolve()
    with pytest.raises(spec.SpecError, match="no assignment.yaml there"):
        spec.load(tmp_path / "c" / "nowhere")


def test_sandbox_plan_carries_no_points_visibility_or_reference():
    loaded = spec.load("linear_regression")
    plan = loaded.sandbox_plan()
    assert set(plan) <= {"assignment", "aliases", "stub_modules", "limits", "items", "probes"}
    assert all(set(item) in ({"id", "seconds", "observe", "kind"}, {"id", "seconds", "observe", "probes"})
               for item in plan["items"])
    shown = json.dumps({k: v for k, v in plan.items() if k != "probes"}).replace("function_matches_reference", "")
    assert "reference" not in shown  # beyond a kind's name; probes.py is code and may say the word
    assert str(loaded.reference) not in json.dumps(plan) and "points" not in json.dumps(plan["items"])
    visible = loaded.sandbox_plan(visible_only=True)
    assert [i["id"] for i in visible["items"]] == [i.id for i in loaded.items if i.visibility == "visible"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8).filter(lambda k: not k.startswith("__")), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_facts_round_trip_plain_values(value):
    assert facts.decode(facts.encode(value)) == value


def test_facts_round_trip_non_finite_floats():
    back = facts.decode(facts.encode({"a": [float("nan"), float("inf"), -float("inf")]}))["a"]
    assert math.isnan(back[0]) and back[1:] == [float("inf"), -float("inf")]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["float32", "float64", "int64", "bool", "uint8"]),
       st.lists(st.integers(0, 4), min_size=0, max_size=3))
def test_facts_round_trip_arrays(dtype, shape):
    array = (np.arange(int(np.prod(shape))) % 3).astype(dtype).reshape(shape)
    back = facts.decode(facts.encode({"a": array}))["a"]
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)


@pytest.mark.parametrize("forged", [
    '{"a": {"__ndarray__": {"dtype": "object", "shape": [1], "data": ""}}}',
    '{"a": {"__ndarray__": {"dtype": "float32", "shape": [4], "data": "AAAA"}}}',
    '{"a": {"__float__": "__import__(\'os\')"}}',
    'not json',
])
def test_facts_reject_malformed_messages(forged):
    with pytest.raises(facts.FactsError):
        facts.decode(forged)


def test_outcome_status_is_derived():
    assert Outcome.passed("ok").status == "passed"
    assert Outcome.partial(0.5, "half").status == "partial"
    assert Outcome.failed("no").status == "failed"
    assert Outcome.error("boom").status == "error"
    with pytest.raises(ValueError):
        Outcome(1.5, "too much")
    assert Outcome.from_checks([(True, ""), (False, "b wrong.")], "ok") == Outcome.partial(0.5, "b wrong.")


items = st.builds(
    ItemResult, id=st.sampled_from(["xor.shapes", "mlp.forward"]), title=st.text(max_size=10),
    score=st.floats(0, 10), max_score=st.floats(0, 10),
    status=st.sampled_from(["passed", "partial", "failed", "error"]), feedback=st.text(max_size=30),
    visibility=st.sampled_from(["visible", "hidden", "after_due_date", "after_published"]))


@settings(max_examples=100, deadline=None)
@given(st.lists(items, max_size=5), st.text(max_size=10))
def test_results_json_round_trip_and_schema(rubric, name):
    result = SubmissionResult(assignment="xor", submission=name, rubric=tuple(rubric))
    data = json.loads(result.dumps())
    json_report.validate(data)
    assert SubmissionResult.from_json(data) == result
    assert data["score"] == pytest.approx(sum(i.score for i in rubric), abs=1e-6)
    board = gradescope.to_gradescope(result)
    assert {t["status"] for t in board["tests"]} <= {"passed", "failed"}
    assert all("diagnostics" not in t for t in board["tests"])


def test_split_statements_keeps_line_numbers():
    cells = split_statements("import os\n\n@staticmethod\ndef f():\n    return 1\nx = f\n")
    assert [c["line"] for c in cells] == [1, 3, 6]
    assert cells[1]["source"].startswith("\n\n@staticmethod")


def test_prepare_notebook_v3_is_converted_with_a_note(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": [], "metadata": {}}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    sub = prepare(path)
    assert not sub.load_error
    assert sub.notes == ("The notebook was in nbformat 3 and was converted to nbformat 4.",)
    assert [c["source"] for c in sub.cells] == ["x = 1"]


def test_prepare_reports_unreadable_files(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    assert prepare(broken).load_error.startswith("The notebook could not be read")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"x = '\xe9\xff'\n")
    assert "Save it as UTF-8" in prepare(latin).load_error
    syntax = tmp_path / "syntax.py"
    syntax.write_text("def f(:\n")
    assert prepare(syntax).load_error.startswith("Python could not parse the file")


def test_prepare_notebook_skip_tags(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell("b = 2", metadata={"tags": ["skip-execution"]})])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert [c["skip"] for c in prepare(path).cells] == [False, True]
