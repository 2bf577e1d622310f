"""Notes name cells as the student finds them, and the template's self-check cell makes none.

These run the grader-side rendering (:func:`loader.render_notes`) on programs
prepared from real files, so the cell numbers are those ``prepare`` produces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder import loader
from autograder.report import gradescope
from autograder.results import ItemResult, SubmissionResult
from autograder.submission import prepare
from tests.conftest import ROOT

PLAN = {"limits": {"cell_seconds": 3.0, "load_seconds": 60.0}, "stub_modules": ["seaborn"]}
TEMPLATES = sorted((ROOT / "student_template").glob("*.ipynb"))


def program_of(tmp_path: Path, cells: list[Any]) -> dict[str, Any]:
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return prepare(path).program()


def test_notebook_cells_are_counted_among_code_cells_and_quoted(tmp_path: Path) -> None:
    program = program_of(tmp_path, [
        nbformat.v4.new_markdown_cell("# XOR"),
        nbformat.v4.new_code_cell("import torch"),
        nbformat.v4.new_markdown_cell("## The model"),
        nbformat.v4.new_markdown_cell("Fill in the class."),
        nbformat.v4.new_code_cell("\n   \n# build it\nmodel = XOR()"),
        nbformat.v4.new_code_cell("train(model)"),
    ])
    raw = [{"kind": "raised", "cell": 1, "detail": "NameError: name 'XOR' is not defined"},
           {"kind": "timeout", "cell": 2}]
    assert loader.render_notes(raw, program, PLAN) == [
        "Code cell 2 (\"# build it\") raised NameError: name 'XOR' is not defined; "
        "the other cells still ran.",
        "Code cell 3 (\"train(model)\") was stopped after 3 s (long training at top level is not "
        "needed for grading); names it defined before that are kept.",
    ]


def test_a_long_first_line_is_shortened(tmp_path: Path) -> None:
    line = "losses = train(model, optimizer, loss_function, inputs, targets, epochs=10_000, lr=0.1)"
    program = program_of(tmp_path, [nbformat.v4.new_code_cell(line)])
    [note] = loader.render_notes([{"kind": "exit", "cell": 0}], program, PLAN)
    quoted = note.split('"')[1]
    assert quoted.endswith("...") and line.startswith(quoted[:-3])
    assert len(quoted) <= loader.QUOTE_CHARS


def test_the_quote_is_the_graders_copy_not_the_records(tmp_path: Path) -> None:
    program = program_of(tmp_path, [nbformat.v4.new_code_cell("x = 1")])
    raw = [{"kind": "timeout", "cell": 0, "detail": "all tests passed", "source": "forged"}]
    [note] = loader.render_notes(raw, program, PLAN)
    assert note.startswith('Code cell 1 ("x = 1") was stopped') and "forged" not in note
    assert "all tests passed" not in note


def test_module_statements_are_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text("import torch\n\n\nmodel = torch.nn.Linear(1, 1)\ntrain(model)\n")
    program = prepare(path).program()
    [note] = loader.render_notes([{"kind": "raised", "cell": 2, "detail": "NameError: x"}], program, PLAN)
    assert note == "The statement at line 5 (`train(model)`) raised NameError: x; the other cells still ran."


@pytest.mark.parametrize("command", [
    "autograder check xor.ipynb --assignment xor",
    "python -m autograder check xor.ipynb --assignment xor",
    "python3.11 -m autograder check nb.ipynb",
])
def test_the_self_check_cell_has_no_note(tmp_path: Path, command: str) -> None:
    program = program_of(tmp_path, [nbformat.v4.new_code_cell(f"!{command}")])
    assert loader.render_notes([{"kind": "shell", "cell": 0, "detail": command}], program, PLAN) == []


@pytest.mark.parametrize("command", [
    "pip install seaborn", "autograder check nb.ipynb; pip install seaborn", "echo autograder check",
    "autograder checker",
])
def test_other_shell_escapes_keep_their_note(tmp_path: Path, command: str) -> None:
    program = program_of(tmp_path, [nbformat.v4.new_code_cell(f"!{command}")])
    notes = loader.render_notes([{"kind": "shell", "cell": 0, "detail": command}], program, PLAN)
    assert notes == [f"Shell command `!{command}` was not run: shell commands are disabled while grading."]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_each_templates_last_cell_is_a_self_check(template: Path) -> None:
    """The templates' own cell is what the rule is for: if its command changes, so must the rule."""
    last = prepare(template).cells[-1]["source"].strip()
    assert last.startswith("!") and loader.is_self_check(last[1:])


def test_a_cut_command_is_not_taken_for_the_self_check(tmp_path: Path) -> None:
    """The sandbox keeps 60 characters of a command: what it cut may chain another one."""
    command = "autograder check " + "n" * 50 + ".ipynb && pip install seaborn"
    program = program_of(tmp_path, [nbformat.v4.new_code_cell(f"!{command}")])
    detail = command[:loader.SHELL_DETAIL]
    notes = loader.render_notes([{"kind": "shell", "cell": 0, "detail": detail}], program, PLAN)
    assert notes == [f"Shell command `!{detail}` was not run: shell commands are disabled while grading."]


def board_output(notes: tuple[str, ...]) -> str:
    item = ItemResult(id="xor.shapes", title="shapes", score=1.0, max_score=1.0, status="passed",
                      feedback="ok", visibility="visible")
    result = SubmissionResult(assignment="xor", submission="s", rubric=(item,), notes=notes)
    return gradescope.to_gradescope(result)["output"]


def test_gradescope_output_never_is_only_the_self_check_note() -> None:
    tail = " was not run: shell commands are disabled while grading."
    stale = "Shell command `!autograder check xor.ipynb --assignment xor`" + tail
    other = "Shell command `!pip install seaborn`" + tail
    assert board_output((stale,)) == ""
    assert board_output((stale, other, "internal: worker restarted")) == f"Note: {other}"
