"""Notebooks run as Jupyter runs them: cell by cell, magics, failing cells, long cells."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.submission import split_statements
from tests.conftest import ASSIGNMENTS, ROOT

LINREG = (ROOT / "examples" / "linear_regression" / "correct.py").read_text()


def notebook(tmp_path: Path, *sources: str, name: str = "nb.ipynb", tags: dict[int, list[str]] | None = None) -> Path:
    cells = []
    for i, src in enumerate(sources):
        cell = nbformat.v4.new_code_cell(src)
        if tags and i in tags:
            cell.metadata["tags"] = tags[i]
        cells.append(cell)
    cells.insert(0, nbformat.v4.new_markdown_cell("# Exercise"))
    path = tmp_path / name
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_version_of_reference_scores_full_marks(graders, assignment, tmp_path):
    grader = graders[assignment]
    cells = [c["source"].lstrip("\n") for c in split_statements(grader.spec.reference.read_text())]
    result = grader.grade(notebook(tmp_path, "%matplotlib inline", *cells))
    assert result.score == result.max_score, [(i.id, i.feedback) for i in result.rubric]


def test_failing_cell_is_named_and_later_cells_still_count(graders, tmp_path):
    path = notebook(tmp_path, "import torch\nx = undefined_name + 1", LINREG)
    result = graders["linear_regression"].grade(path)
    assert result.score == result.max_score
    assert ("Code cell 1 (\"import torch\") raised NameError: name 'undefined_name' is not defined "
            "(line 2: x = undefined_name + 1); the other cells still ran.") in result.notes


def test_jupyter_features_work_and_shell_escapes_do_not_run(graders, tmp_path):
    path = notebook(
        tmp_path,
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom IPython.display import display",
        "!pip install seaborn\nimport seaborn as sns\nimport torch.nn as nn_alias",
        LINREG,
        "plt.plot([1, 2, 3]); plt.title('loss'); plt.show()\ndisplay(nn_alias.Linear(3, 2))\nsns.set_theme()",
    )
    result = graders["linear_regression"].grade(path)
    assert result.score == result.max_score, result.notes
    assert "Shell command `!pip install seaborn` was not run: shell commands are disabled while grading." in result.notes
    assert any(n.startswith("`seaborn` is not installed where your code is graded") for n in result.notes)
    assert "Linear(in_features=3, out_features=2" in result.output
    assert not any("raised" in n for n in result.notes), result.notes


def test_long_top_level_training_is_interrupted_and_later_cells_run(graders, tmp_path):
    path = notebook(
        tmp_path,
        "import time\nstarted = time.time()\nfor epoch in range(50_000):\n    time.sleep(0.001)",
        LINREG,
    )
    result = graders["linear_regression"].grade(path)
    assert result.score == result.max_score
    assert ("Code cell 1 (\"import time\") was stopped after 3 s (long training at top level is not needed "
            "for grading); names it defined before that are kept.") in result.notes


def test_skip_tagged_cells_do_not_run(graders, tmp_path):
    path = notebook(tmp_path, LINREG, "raise SystemExit('never')", tags={1: ["skip-execution"]})
    result = graders["linear_regression"].grade(path)
    assert result.score == result.max_score
    assert not result.notes


def test_sys_exit_in_a_cell_is_ignored(graders, tmp_path):
    path = notebook(tmp_path, "import sys\nsys.exit(0)", LINREG)
    result = graders["linear_regression"].grade(path)
    assert result.score == result.max_score
    assert ("Code cell 1 (\"import sys\") called exit(); this was ignored and the next cells ran."
            in result.notes)


def test_the_templates_self_check_cell_makes_no_note(graders, tmp_path):
    path = notebook(tmp_path, LINREG, "!python -m autograder check nb.ipynb --assignment linear_regression",
                    "!pip install seaborn")
    result = graders["linear_regression"].grade(path)
    assert result.score == result.max_score
    assert list(result.notes) == [
        "Shell command `!pip install seaborn` was not run: shell commands are disabled while grading."]
