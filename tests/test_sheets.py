"""The course's own code must get full marks on the items it answers.

tests/sheets/ holds code written as the sheets write it (the layout tutorial's
``MLP(layout)``, Sheet 2.3's ``NonLinearRegressionData``). Graded in process
(tests/inprocess.py) against the reference, as tests/test_mlp.py judges items: a
spec or a check that asks more than the contract (a layout without a hidden layer,
NumPy input) shows up here as lost points.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import torch

from autograder import spec as spec_mod
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import namespace_of, observe_file

ROOT = Path(__file__).resolve().parent.parent
SHEETS = Path(__file__).resolve().parent / "sheets"
A = "mlp_regression"



@functools.lru_cache(maxsize=None)
def spec() -> spec_mod.AssignmentSpec:
    return spec_mod.load(A)


def judge(path: Path, item_id: str) -> Outcome:
    """Observe ``path`` and the reference in process; judge with the item's check."""
    return outcome_for(spec().item(item_id), observe_file(path, A, item_id),
                       observe_file(spec().reference, A, item_id))


@pytest.mark.parametrize(("sheet", "item_id"), [
    ("layout_tutorial_mlp.py", "mlp.layout_shapes"),
    ("sheet_2_3_dataset.py", "mlp.dataset"),
])
def test_sheet_code_gets_full_marks(sheet: str, item_id: str) -> None:
    result = judge(SHEETS / sheet, item_id)
    assert (result.status, result.fraction) == ("passed", 1.0), result.feedback


def test_sheet_dataset_gets_the_numpy_hint_for_free() -> None:
    """Sheet 2.3's Dataset refuses NumPy (torch.reshape); the hint says so and costs nothing."""
    result = judge(SHEETS / "sheet_2_3_dataset.py", "mlp.dataset")
    assert "Not graded, a hint" in result.feedback and "NumPy float64 arrays" in result.feedback


def _asked_layouts() -> list[tuple[str, list[int]]]:
    """Every MLP layout the mlp_regression spec asks, with the item that asks it."""
    found = []
    for item in spec().items:
        observe = item.observe or {}
        if observe.get("class") == "MLP":
            found += [(item.id, list(args[0])) for args in observe.get("calls", [])]
        found += [(item.id, list(b["args"][0])) for b in observe.get("builds", []) if b["class"] == "MLP"]
    return found


def test_spec_asks_layouts() -> None:
    assert {item_id for item_id, _ in _asked_layouts()} == {"mlp.layout_shapes", "mlp.init_range", "mlp.forward"}


@pytest.mark.parametrize(("item_id", "layout"), _asked_layouts(), ids=lambda v: str(v))
def test_every_asked_layout_has_a_hidden_layer(item_id: str, layout: list[int]) -> None:
    """The rule the YAML states: [n_in, h1, ..., n_out], at least one hidden layer."""
    assert len(layout) >= 3, (item_id, layout)


def test_tutorial_mlp_cannot_build_a_layout_without_hidden_layer() -> None:
    """Why the rule: the tutorial's MLP([4, 1]) is not one Linear(4, 1), through no fault of a student."""
    mlp_cls = namespace_of(SHEETS / "layout_tutorial_mlp.py", spec()).get("MLP")
    shapes = [tuple(p.shape) for p in mlp_cls([4, 1]).parameters()]
    assert shapes != [(1, 4), (1,)]
    assert [tuple(p.shape) for p in mlp_cls([3, 7, 5, 2]).parameters()] == [
        (7, 3), (7,), (5, 7), (5,), (2, 5), (2,)]
    assert isinstance(mlp_cls([1, 10, 1])(torch.zeros(2, 1)), torch.Tensor)
