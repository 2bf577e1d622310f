"""Authoring commands: `new` scaffolds, `assign` writes templates from solution markers,
`validate` self-tests an assignment (spec, reference, template, declared example outcomes).

The marker, sheet and scaffold tests are pure text (fast tier); the tests that
validate grade through the real sandbox with the session's warm workers (the
`pool` fixture marks them slow)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder import cli
from autograder.authoring import scaffold, selftest, sheet
from autograder.authoring.markers import MarkerError, definition, student_version
from autograder.results import ItemResult, SubmissionResult
from tests.conftest import ASSIGNMENTS, ROOT


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --- solution markers -----------------------------------------------------------------------

REFERENCE = dedent('''
    """A docstring that talks about ### BEGIN SOLUTION is no marker."""
    import torch


    ### BEGIN SOLUTION
    SECRET = 42
    ### END SOLUTION

    def top(x):
        ### BEGIN SOLUTION
        return x + SECRET
        ### END SOLUTION


    class Model:
        ### BEGIN SOLUTION
        """Reference notes, not for students."""
        ### END SOLUTION

        ### TEMPLATE: def __init__(self, width=2):
        def __init__(self, width=16):
            super().__init__()
            ### BEGIN SOLUTION
            self.width = width
            ### END SOLUTION

        def forward(self, x):
            if x is None:
                ### BEGIN SOLUTION
                return 0
                ### END SOLUTION
            def helper(y):
                ### BEGIN SOLUTION
                return y * self.width
                ### END SOLUTION
            return helper(x)
''')

STUDENT = dedent('''
    """A docstring that talks about ### BEGIN SOLUTION is no marker."""
    import torch


    def top(x):
        raise NotImplementedError("`top` is not implemented yet")


    class Model:
        def __init__(self, width=2):
            super().__init__()
            raise NotImplementedError("`Model` is not implemented yet")

        def forward(self, x):
            if x is None:
                raise NotImplementedError("`Model.forward` is not implemented yet")
            def helper(y):
                raise NotImplementedError("`Model.forward` is not implemented yet")
            return helper(x)
''')


def test_solution_regions_at_every_indentation():
    made = student_version(REFERENCE, "ref.py")
    assert made.text == STUDENT
    assert (made.stubs, made.removed, made.replaced) == (4, 2, 1)


def test_definition_takes_a_top_level_name_with_its_comments():
    text = dedent('''
        import torch

        # the model students write
        @decorated
        def f(x):
            return x
            # trailing note inside f

        N = 3
    ''')
    assert definition(text, "f") == ("# the model students write\n@decorated\ndef f(x):\n    return x\n"
                                      "    # trailing note inside f")
    assert definition(text, "N") == "N = 3"
    with pytest.raises(MarkerError, match="defines no 'g' at the top level; its top-level names: N, f"):
        definition(text, "g")


@pytest.mark.parametrize("text, says", [
    ("x = 1  ### BEGIN SOLUTION\n", "line 1: put `### BEGIN SOLUTION` on a line of its own"),
    ("def f():\n    pass\n    ### END SOLUTION\n", "line 3: `### END SOLUTION` without a `### BEGIN SOLUTION`"),
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "line 2: this `### BEGIN SOLUTION` is not closed"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n",
     "line 3 has `### BEGIN SOLUTION` before any `### END SOLUTION`"),
    ("### TEMPLATE:\ndef f(): pass\n", "needs the line students see"),
    ("### TEMPLATE: def f(a=1):\n\ndef f(a=2): pass\n", "replaces the next line"),
    ("class A:\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n", "left a block empty"),
    ("def f(:\n", "line 1: the reference is not valid Python"),
])
def test_malformed_markers_name_the_line_and_the_fix(text, says):
    with pytest.raises(MarkerError) as caught:
        student_version(text, "ref.py")
    assert says in str(caught.value)
    assert str(caught.value).startswith("ref.py")


# --- assign: the shipped templates are generated ---------------------------------------------

def cells_of(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_templates_are_what_assign_makes(name):
    tgt = sheet.target(name, ROOT)
    text, *_ = sheet.render(tgt)
    fresh = nbformat.reads(text, as_version=4)
    committed = nbformat.read(ROOT / "student_template" / f"{name}.ipynb", as_version=4)
    assert cells_of(fresh) == cells_of(committed)
    assert sheet.differences(tgt) == []
    assert not (ROOT / "student_template" / f"build_{name}.py").exists()  # assign replaced it


def raises_not_implemented(text: str) -> int:
    return sum(1 for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Raise)
               and "NotImplementedError" in ast.unparse(node))


def test_references_are_complete_and_their_student_versions_are_stubs():
    for name in ASSIGNMENTS:
        text = (ROOT / "reference" / f"{name}.py").read_text()
        made = student_version(text)
        assert raises_not_implemented(text) == 0
        assert raises_not_implemented(made.text) == made.stubs > 0


# --- new ---------------------------------------------------------------------------------------

def test_new_writes_the_files_then_refuses_to_overwrite(tmp_path, capsys):
    course = tmp_path / "course"
    assert cli.main(["new", "tiny_net", "--course", str(course)]) == 0
    out = capsys.readouterr().out
    for rel in ("assignments/tiny_net/assignment.yaml", "reference/tiny_net.py",
                "student_template/tiny_net.sheet.yaml", "examples/tiny_net/README.md",
                "examples/tiny_net/outcomes.yaml"):
        assert (course / rel).is_file(), rel
        assert rel in out
    assert "autograder assign tiny_net --course" in out and "autograder validate tiny_net" in out
    assert selftest.load_outcomes(course / "examples/tiny_net/outcomes.yaml") == {}
    if scaffold.has_kit():  # with item kinds the spec loads as written
        from autograder import spec

        assert spec.load("tiny_net", course).items
    before = (course / "reference/tiny_net.py").read_text()
    (course / "reference/tiny_net.py").write_text(before + "# mine\n")
    assert cli.main(["new", "tiny_net", "--course", str(course)]) == 2
    err = capsys.readouterr().err
    assert "already exist" in err and "nothing was written" in err and "Traceback" not in err
    assert (course / "reference/tiny_net.py").read_text() == before + "# mine\n"
    assert cli.main(["assign", "tiny_net", "--course", str(course)]) == 0  # the scaffold assigns as is
    nb = nbformat.read(course / "student_template/tiny_net.ipynb", as_version=4)
    assert 'raise NotImplementedError("`Net` is not implemented yet")' in nb.cells[3].source
    assert "nn.Sequential" not in "".join(c.source for c in nb.cells)


@pytest.mark.parametrize("args, says", [
    (["new", "Bad-Name"], "cannot name an assignment"),
    (["assign", "nope"], "unknown assignment 'nope'"),
    (["validate", "nope"], "unknown assignment 'nope'"),
    (["validate", "xor", "--jobs", "0"], "--jobs 0: give at least 1"),
])
def test_usage_errors_are_one_line(args, says, capsys):
    assert cli.main([*args, "--course", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1


def test_assign_without_a_sheet_says_what_to_write(tmp_path, capsys):
    assert cli.main(["new", "nosheet", "--course", str(tmp_path)]) == 0
    (tmp_path / "student_template/nosheet.sheet.yaml").unlink()
    assert cli.main(["assign", "nosheet", "--course", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no sheet for nosheet.ipynb: write" in err and "nosheet.sheet.yaml" in err


def test_a_cell_taken_from_inside_a_solution_region_is_refused(tmp_path, capsys):
    assert cli.main(["new", "hidden", "--course", str(tmp_path)]) == 0
    reference = tmp_path / "reference/hidden.py"
    reference.write_text(reference.read_text() + "\n\n### BEGIN SOLUTION\nHELPER = 1\n### END SOLUTION\n")
    sheet_file = tmp_path / "student_template/hidden.sheet.yaml"
    sheet_file.write_text(sheet_file.read_text() + "  - reference: HELPER\n")
    assert cli.main(["assign", "hidden", "--course", str(tmp_path)]) == 2
    assert ("student_template/hidden.sheet.yaml: reference: HELPER: reference/hidden.py defines HELPER "
            "inside a solution region") in capsys.readouterr().err


def test_bad_sheet_cell_is_named(tmp_path, capsys):
    assert cli.main(["new", "badsheet", "--course", str(tmp_path)]) == 0
    (tmp_path / "student_template/badsheet.sheet.yaml").write_text(
        "cells:\n  - markdown: hi\n    code: x = 1\n")
    assert cli.main(["assign", "badsheet", "--course", str(tmp_path)]) == 2
    assert "field cells.0: give each cell exactly one of markdown:" in capsys.readouterr().err


# --- outcomes --------------------------------------------------------------------------------

def result(score: float, statuses: dict[str, str]) -> SubmissionResult:
    rubric = tuple(ItemResult(i, i, 1.0 if s == "passed" else 0.0, 1.0, s, f"about {i}", "visible")  # type: ignore[arg-type]
                   for i, s in statuses.items())
    return SubmissionResult("a", "x.py", rubric)


def test_compare_names_every_difference():
    got = result(1, {"a.one": "passed", "a.two": "failed"})
    assert selftest.compare({"score": 1, "items": {"a.one": "passed", "a.two": "failed"}}, got) == []
    problems = selftest.compare({"score": 2, "items": {"a.one": "failed", "a.three": "passed"}}, got)
    assert problems == ["score declared 2, got 1",
                        "a.one declared failed, got passed (about a.one)",
                        "a.three is declared but the spec has no such item",
                        "no status declared for a.two"]
    assert selftest.outcome_text("x.py", got) == "x.py: {score: 1, items: {a.one: passed, a.two: failed}}"


def test_a_harness_failure_in_the_template_is_not_a_stub_error():
    stub = ItemResult("a.one", "one", 0.0, 1.0, "error", "Your code raised NotImplementedError: `f` is not "
                      "implemented yet. Fix it and run the check again.", "visible")
    broken = ItemResult("a.two", "two", 0.0, 1.0, "error", "The grader failed while running your code; "
                        "tell your instructor.", "visible")
    tgt = sheet.Target("a", ROOT / "assignments/a/assignment.yaml", ROOT / "reference/a.py",
                       ROOT / "student_template/a.ipynb")
    lines: list[tuple[bool | None, str]] = []
    selftest._check_template(tgt, SubmissionResult("a", "a.ipynb", (stub,)), lambda *line: lines.append(line))
    selftest._check_template(tgt, SubmissionResult("a", "a.ipynb", (stub, broken)),
                             lambda *line: lines.append(line))
    assert lines[0][0] is True and "earns nothing" in lines[0][1]
    assert lines[1] == (False, "grading the student template student_template/a.ipynb failed in the grader "
                        "itself: a.two: The grader failed while running your code; tell your instructor.")


@pytest.mark.parametrize("text, says", [
    ("x.py: {score: 1, items: {a.one: passes}}", "'passes' is not a status"),
    ("x.py: {items: {a.one: passed}}", "'score' is a required property"),
    ("x.py: [unclosed", "not valid YAML"),
])
def test_malformed_outcomes_are_explained(tmp_path, text, says):
    path = tmp_path / "outcomes.yaml"
    path.write_text(text)
    with pytest.raises(selftest.OutcomesError) as caught:
        selftest.load_outcomes(path)
    assert says in str(caught.value)


def test_shipped_outcomes_declare_every_example():
    for name in ASSIGNMENTS:
        folder = ROOT / "examples" / name
        declared = selftest.load_outcomes(folder / "outcomes.yaml")
        files = {p.name for p in folder.iterdir() if p.suffix in (".py", ".ipynb")}
        assert set(declared) == files, name


def test_validate_exit_code_follows_the_report(monkeypatch, capsys):
    def fake(assignment, course, jobs, echo):  # type: ignore[no-untyped-def]
        report = selftest.Report("xor")
        for ok in (True, False):
            line = selftest.Line(ok, "a check")
            report.lines.append(line)
            echo(line)
        return report

    monkeypatch.setattr(selftest, "validate", fake)
    assert cli.main(["validate", "xor"]) == 1
    out = capsys.readouterr().out
    assert "✓ a check" in out and "✗ a check" in out and "xor: 1 of 2 checks failed" in out


# --- validate through the sandbox ------------------------------------------------------------

TINY_REFERENCE = dedent('''
    import torch
    from torch import nn


    class XOR(nn.Module):
        def __init__(self, n_hidden=2):
            super().__init__()
            ### BEGIN SOLUTION
            self.hidden = nn.Linear(2, n_hidden)
            self.out = nn.Linear(n_hidden, 1)
            ### END SOLUTION

        def forward(self, x):
            ### BEGIN SOLUTION
            return self.out(torch.sigmoid(self.hidden(x)))
            ### END SOLUTION
''')


@pytest.fixture
def tiny(tmp_path, capsys):
    """A course made by `new`, then written: a tiny reference and one item (tiny.shapes)."""
    course = tmp_path / "course"
    assert cli.main(["new", "tiny", "--course", str(course)]) == 0
    (course / "reference/tiny.py").write_text(TINY_REFERENCE)
    spec = yaml.safe_load((course / "assignments/tiny/assignment.yaml").read_text())
    spec["items"] = [{"id": "tiny.shapes", "title": "XOR has the right shapes", "points": 2,
                      "kind": "module_shapes", "observe": {"class": "XOR", "calls": [[2], [5]]}, "check": {}}]
    (course / "assignments/tiny/assignment.yaml").write_text(yaml.safe_dump(spec))
    sheet_file = course / "student_template/tiny.sheet.yaml"
    sheet_file.write_text(sheet_file.read_text().replace("reference: Net", "reference: XOR"))
    assert cli.main(["assign", "tiny", "--course", str(course)]) == 0
    examples = course / "examples/tiny"
    (examples / "correct.py").write_text(TINY_REFERENCE)
    (examples / "outcomes.yaml").write_text("correct.py: {score: 2, items: {tiny.shapes: passed}}\n")
    capsys.readouterr()
    return course


def run_validate(course: Path, pool) -> selftest.Report:  # type: ignore[no-untyped-def]
    return selftest.validate("tiny", course, pool=pool)


def texts(report: selftest.Report) -> list[str]:
    return [line.render() for line in report.lines]


def test_new_then_validate_passes(tiny, pool):
    report = run_validate(tiny, pool)
    assert report.ok, texts(report)
    assert any("example correct.py: 2 / 2, as declared" in t for t in texts(report))
    assert any("the student template earns nothing" in t for t in texts(report))


def test_validate_fails_on_a_wrong_or_missing_declaration(tiny, pool):
    (tiny / "examples/tiny/outcomes.yaml").write_text(
        "correct.py: {score: 1, items: {tiny.shapes: partial}}\ngone.py: {score: 0, items: {tiny.shapes: failed}}\n")
    (tiny / "examples/tiny/also_correct.py").write_text(TINY_REFERENCE)
    report = run_validate(tiny, pool)
    failed = [line.text for line in report.failed]
    assert not report.ok
    assert any(t.startswith("example correct.py: score declared 1, got 2; tiny.shapes declared partial, "
                            "got passed (") for t in failed), failed
    assert any("example also_correct.py is not declared in examples/tiny/outcomes.yaml" in t
               and "`also_correct.py: {score: 2, items: {tiny.shapes: passed}}`" in t for t in failed), failed
    assert any("declares gone.py, which is not in examples/tiny" in t for t in failed), failed


def test_validate_fails_when_the_template_earns_points(tiny, pool):
    reference = tiny / "reference/tiny.py"
    reference.write_text(TINY_REFERENCE.replace("        ### BEGIN SOLUTION\n        self.hidden", "        self.hidden")
                         .replace("nn.Linear(n_hidden, 1)\n        ### END SOLUTION", "nn.Linear(n_hidden, 1)"))
    assert cli.main(["assign", "tiny", "--course", str(tiny)]) == 0
    report = run_validate(tiny, pool)
    failed = [line.text for line in report.failed]
    assert len(failed) == 1 and "the untouched student template student_template/tiny.ipynb earns points: " \
        "tiny.shapes passed" in failed[0], failed


def test_validate_fails_when_the_template_is_stale_or_missing(tiny, pool):
    sheet_file = tiny / "student_template/tiny.sheet.yaml"
    sheet_file.write_text(sheet_file.read_text().replace("# Tiny", "# Tiny, edited"))
    failed = [line.text for line in run_validate(tiny, pool).failed]
    assert failed == [("student_template/tiny.ipynb is not what `autograder assign tiny` makes of "
                       "reference/tiny.py: cell 0 (markdown) is not what the sheet makes (the notebook's "
                       "starts '# Tiny'); run "
                       "`autograder assign tiny`")], failed
    (tiny / "student_template/tiny.ipynb").unlink()
    failed = [line.text for line in run_validate(tiny, pool).failed]
    assert failed == ["no student template at student_template/tiny.ipynb: run `autograder assign tiny`"]


@pytest.mark.skipif(not scaffold.has_kit(), reason="this engine has no item kinds")
def test_new_with_item_kinds_validates_as_written(tmp_path, pool, capsys):
    course = tmp_path / "course"
    assert cli.main(["new", "tiny_net", "--course", str(course)]) == 0
    assert cli.main(["assign", "tiny_net", "--course", str(course)]) == 0
    examples = course / "examples/tiny_net"
    (examples / "correct.py").write_text((course / "reference/tiny_net.py").read_text())
    with open(examples / "outcomes.yaml", "a") as fh:
        fh.write("\ncorrect.py: {score: 2, items: {tinynet.shapes: passed}}\n")
    report = selftest.validate("tiny_net", course, pool=pool)
    assert report.ok, texts(report)


def test_the_shipped_assignments_validate(pool):
    for name in ASSIGNMENTS:
        report = selftest.validate(name, ROOT, pool=pool)
        assert report.ok, (name, [line.render() for line in report.failed])


NET_REFERENCE = '''import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, in_size, out_size):
        super().__init__()
        self.first = nn.Linear(in_size, 8)
        self.second = nn.Linear(8, out_size)

    def forward(self, x):
        return self.second(torch.tanh(self.first(x)))
'''


def test_a_new_assignment_in_a_temporary_course_grows_by_yaml_alone(tmp_path, pool):
    """A course of YAML and a tiny reference only grades a submission; a second rubric
    item of an existing kind is added by editing the YAML, with no code anywhere."""
    from autograder import spec as spec_mod
    from autograder.grade import Grader

    course = tmp_path / "course"
    (course / "assignments" / "net").mkdir(parents=True)
    (course / "reference").mkdir()
    (course / "reference" / "net.py").write_text(NET_REFERENCE)
    raw = {"name": "net", "title": "A two-layer net", "reference": "../../reference/net.py",
           "items": [{"id": "net.shapes", "title": "Net has the right layers", "points": 2,
                      "kind": "module_shapes",
                      "observe": {"class": "Net", "calls": [[4, 2], [3, 5]]}, "check": {}}]}
    yaml_file = course / "assignments" / "net" / "assignment.yaml"
    yaml_file.write_text(yaml.safe_dump(raw))
    student = tmp_path / "alice.py"  # right layers, but ReLU where the sheet asks for tanh
    student.write_text(NET_REFERENCE.replace("torch.tanh", "torch.relu"))

    with Grader(spec_mod.load("net", course), pool=pool) as grader:
        first = grader.grade(student)
    assert [(i.id, i.status) for i in first.rubric] == [("net.shapes", "passed")]

    raw["items"].append({"id": "net.forward", "title": "Net computes Linear-tanh-Linear", "points": 3,
                         "kind": "forward_equivalence",
                         "observe": {"class": "Net", "args": [4, 2], "batch": [16, 4], "seed": 0},
                         "check": {"chain": ["linear", "tanh", "linear"], "rtol": 1e-4, "atol": 1e-5}})
    yaml_file.write_text(yaml.safe_dump(raw))
    with Grader(spec_mod.load("net", course), pool=pool) as grader:
        second = grader.grade(student)
        reference = grader.grade(course / "reference" / "net.py")
    assert [(i.id, i.status) for i in second.rubric] == [("net.shapes", "passed"), ("net.forward", "failed")]
    assert "relu" in second.rubric[1].feedback.lower(), second.rubric[1].feedback
    assert reference.score == reference.max_score == 5
