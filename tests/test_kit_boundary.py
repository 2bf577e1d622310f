"""Kind ``decision_boundary``: a model trained with the student's defaults classifies 2-D points.

The observer runs in process on small classes and training functions written
here; their facts (through the facts encoding) are judged against a correct
pair's, as the reference's would be. Two tasks show any 2-D two-class problem
works: the four corners of the square with crossed labels, and four points of
a line split in two. Then forged, oversized and mangled records, and the picture.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from autograder import facts, kit
from autograder.kit import decision_boundary as db
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from tests.records import record_paths, replaced

kit.load_all()

CHAIN = ["linear", "sigmoid", "linear"]
CROSSED = {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [0, 1, 1, 0]}
SPLIT = {"inputs": [[-2, 0], [-1, 1], [1, -1], [2, 0]], "targets": [0, 0, 1, 1]}
SEEDS = [0, 1, 2]


def settings_for(task: dict[str, Any]) -> dict[str, Any]:
    return {"class": "Net", "function": "train", "arguments": ["model", "inputs", "targets"], "data": task,
            "seeds": SEEDS, "grid": {"points_per_axis": 11, "pad": 0.0}}


CHECK: dict[str, Any] = {"chain": CHAIN, "threshold": 0.5, "margin": 0.05, "radius": 0.1, "full_credit_seeds": 2,
                         "rtol": 1e-4, "atol": 1e-5, "loss": "squared_error", "reductions": ["mean", "sum"],
                         "first_loss_rtol": 1e-3, "last_loss_tol": 0.1, "max_width": 64}


class Net(nn.Module):
    def __init__(self, n_hidden: int = 8) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(2, n_hidden), nn.Linear(n_hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.sigmoid(self.fc1(x)))


class ReluNet(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


class Linear(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x))


class Squeezed(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).squeeze(1)


class TruthTable(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.round().sum(dim=1, keepdim=True) == 1).float() + 0 * super().forward(x)


def train(model: nn.Module, X: torch.Tensor, y: torch.Tensor, epochs: int = 300, lr: float = 0.05) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_returns_nothing(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> None:
    train(model, X, y)


def train_too_slowly(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    return train(model, X, y, lr=1e-4)


def train_a_new_model(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    return train(Net(), X, y)


def train_and_invent(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    train(model, X, y)
    return [0.25, 0.0001]


def write_solution(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    """No training: weights typed in that solve the crossed task, and a curve made up."""
    with torch.no_grad():
        model.fc1.weight.copy_(torch.tensor([[20.0, 20.0], [20.0, 20.0]]).repeat(4, 1))
        model.fc1.bias.copy_(torch.tensor([-10.0, -30.0]).repeat(4))
        model.fc2.weight.copy_(torch.tensor([[1.0, -1.0] * 4]) / 4)
        model.fc2.bias.zero_()
    return [0.25, 0.0001]


_SEEN: dict[tuple[str, str, str], dict[str, Any]] = {}


def observed(function: Any = train, model: type = Net, task: dict[str, Any] = CROSSED) -> dict[str, Any]:
    key = (function.__name__, model.__name__, repr(task))
    if key not in _SEEN:
        ns = SubmissionNamespace({"train": function, "Net": model})
        record = facts.decode(facts.encode(observe("kit.item", ns, settings_for(task), "decision_boundary")))
        assert record["status"] == "ok", record
        _SEEN[key] = record["facts"]
    return _SEEN[key]


def judge(got: dict[str, Any], expected: dict[str, Any] | None = None, check: dict[str, Any] | None = None
          ) -> Outcome:
    return kit.KINDS["decision_boundary"].judge(got, expected or observed(), check or CHECK)


def outcome(function: Any = train, model: type = Net, task: dict[str, Any] = CROSSED,
            check: dict[str, Any] | None = None) -> Outcome:
    return judge(observed(function, model, task), observed(train, Net, task), check)


# --- honest runs ----------------------------------------------------------------------------


@pytest.mark.parametrize("task", [CROSSED, SPLIT])
def test_a_model_that_learns_the_task_passes(task: dict[str, Any]) -> None:
    result = outcome(task=task)
    assert result.status == "passed", result.feedback
    assert result.feedback.startswith("After train(Net(), X, y) with your defaults, Net() classified the points "
                                      "on 3 of 3 seeds")


def test_the_task_is_named_in_the_course_s_words() -> None:
    result = outcome(check={**CHECK, "task": "the crossed square"})
    assert "Net() solved the crossed square on 3 of 3 seeds" in result.feedback


def test_a_look_alike_network_is_recomputed_under_its_own_chain() -> None:
    """ReLU between the layers is forward_equivalence's business; here it either learns or not."""
    result = outcome(model=ReluNet)
    assert result.status == "passed", result.feedback


def test_a_run_without_a_curve_is_judged_by_its_weights() -> None:
    assert outcome(train_returns_nothing).status == "passed"


# --- mistakes -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Using a target size")  # the squeezed output's own mistake
@pytest.mark.parametrize(("function", "model", "words"), [
    (train, Linear, "The outputs stay close together at all 4 points"),
    (train, Squeezed, "Net() returns shape (4,) for the 4 training points, expected (4, 1)"),
    (train, TruthTable, "forward must compute its outputs from the model's own layers"),
    (train_too_slowly, Net, "but train lowers its loss too little"),
    (train_a_new_model, Net, "train did not change Net()'s weights on any seed"),
    (train_and_invent, Net, "the losses train returned are not the losses of the model it trained"),
])
def test_mistakes_fail_with_their_lead(function: Any, model: type, words: str) -> None:
    result = outcome(function, model)
    assert result.status == "failed" and "on 0 of 3 seeds" in result.feedback, result.feedback
    assert words in result.feedback, result.feedback


def test_the_related_items_and_advice_come_from_the_settings() -> None:
    check = {**CHECK, "related": {"training": "demo.train"}, "advice": {"too_little": "use lr 0.05."}}
    result = outcome(train_too_slowly, check=check)
    assert "see demo.train: use lr 0.05." in result.feedback, result.feedback


def test_credit_is_seeds_solved_over_the_seeds_for_full_credit() -> None:
    honest = observed()
    one_bad = replaced(honest, ("runs", 1, "error"), "RuntimeError: boom")
    result = judge(one_bad)
    assert "classified the points on 2 of 3 seeds" in result.feedback and result.fraction == 1.0
    two_bad = replaced(one_bad, ("runs", 2, "error"), "RuntimeError: boom")
    assert judge(two_bad).fraction == pytest.approx(0.5)


# --- forged records ----------------------------------------------------------------------------


def test_typed_in_weights_with_a_made_up_curve_earn_nothing() -> None:
    result = outcome(write_solution)
    assert result.status == "failed" and "on 0 of 3 seeds" in result.feedback, result.feedback
    assert "the losses train returned are not the losses of the model it trained" in result.feedback


def test_predictions_are_the_grader_s_not_the_record_s() -> None:
    """Outputs painted right beside weights that give other values are no network of them."""
    painted = observed(train, Linear)
    for k in range(len(SEEDS)):
        painted = replaced(painted, ("runs", k, "point_outputs"), np.array([0.0, 1.0, 1.0, 0.0]))
    result = judge(painted)
    assert result.status == "failed" and "nor a look-alike" in result.feedback


def oversized(honest: dict[str, Any]) -> dict[str, Any]:
    """1,000 "points" all answered right and 125,000 grid points: the grader asked 4 and 121."""
    rng = np.random.default_rng(0)
    forged = dict(honest, inputs=rng.random((1_000, 2)), targets=rng.random(1_000), grid=rng.random((125_000, 2)))
    runs = [dict(run, point_outputs=rng.random(1_000), grid_outputs=rng.random(125_000)) for run in honest["runs"]]
    return facts.decode(facts.encode(dict(forged, runs=runs)))


def measured(got: dict[str, Any], expected: dict[str, Any]) -> tuple[Outcome, int]:
    tracemalloc.start()
    try:
        result = judge(got, expected)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_an_oversized_record_fails_fast_and_bounded() -> None:
    """Sizes are read first: the work is that of the grader's own points, whatever the record holds."""
    honest = observed()
    result, peak = measured(oversized(honest), honest)
    assert result.status == "failed"
    assert "the outputs are not one value at each of the 4 points and 121 grid points asked" in result.feedback
    good, honest_peak = measured(honest, honest)
    assert good.status == "passed"
    assert peak <= max(honest_peak, 1) * 2, (peak, honest_peak)


def test_the_runs_answer_the_seeds_asked_in_order() -> None:
    honest = observed()
    swapped = dict(honest, runs=[honest["runs"][1], honest["runs"][0], honest["runs"][2]])
    assert "do not answer the 3 seeds asked" in judge(swapped).feedback


JUNK = st.sampled_from([None, True, 0, -1, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1}, np.zeros(3),
                        np.zeros((2, 2)), np.zeros(0), [[1.0]], [None], np.array([["a"]])])


@settings(max_examples=150, deadline=None)
@given(data_=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_judge(data_: st.DataObject) -> None:
    expected = observed()
    path = data_.draw(st.sampled_from(record_paths(expected, list_entries=2)))
    result = judge(replaced(expected, path, data_.draw(JUNK)), expected)
    assert isinstance(result, Outcome)
    assert not result.errored or "Your code raised" in result.feedback, result.feedback


def test_unusable_reference_facts_are_the_instructor_s_error() -> None:
    result = judge(observed(), {"call": {}})
    assert result.status == "error" and "tell your instructor" in result.feedback


# --- the grid and the picture ---------------------------------------------------------------


def test_the_grid_covers_the_points_box_first_coordinate_slowest() -> None:
    grid = db.grid_points(np.array([[-2.0, 0.0], [2.0, 1.0]]), 3, 0.5)
    assert grid.shape == (9, 2) and grid.dtype == np.float32
    assert grid[:3].tolist() == [[-2.5, -0.5], [-2.5, 0.5], [-2.5, 1.5]]
    assert grid[-1].tolist() == [2.5, 1.5]


def test_the_boundary_is_drawn_from_the_weights_one_panel_per_seed() -> None:
    section = kit.KIND_PLOTS["decision_boundary"](observed(), observed(), CHECK)
    assert [p.title for p in section.panels] == ["seed 0", "seed 1", "seed 2"]
    panel = section.panels[0]
    corners = {(0, 0): 0, (-1, -1): 0, (0, -1): 1, (-1, 0): 1}  # the drawn grid's corners: the square's
    for (i, j), label in corners.items():
        assert (panel.data["values"][i, j] > 0.5) == bool(label)
    painted = replaced(observed(), ("runs", 1, "grid_outputs"), np.zeros(121))
    drawn = kit.KIND_PLOTS["decision_boundary"](painted, observed(), CHECK)
    assert [p.title for p in drawn.panels] == ["seed 0", "seed 2"]
    assert any("seed 1: not drawn" in note for note in drawn.notes)


def test_every_number_the_judge_reads_is_required_in_the_yaml() -> None:
    from jsonschema import Draft202012Validator

    found = kit.KINDS["decision_boundary"]
    assert not list(Draft202012Validator(found.check_schema).iter_errors(CHECK))
    assert not list(Draft202012Validator(found.observe_schema).iter_errors(settings_for(CROSSED)))
    for key in CHECK:
        assert list(Draft202012Validator(found.check_schema).iter_errors({k: v for k, v in CHECK.items() if k != key}))
    three_d = settings_for({"inputs": [[0, 0, 0], [1, 1, 1]], "targets": [0, 1]})
    assert list(Draft202012Validator(found.observe_schema).iter_errors(three_d))


def test_a_layer_wider_than_asked_is_refused_before_any_arithmetic() -> None:
    """100,000 hidden units on 125 points and ten look-alike chains would be gigabytes."""
    wide = [{"weight": np.zeros((100_000, 2), dtype=np.float32), "bias": None},
            {"weight": np.zeros((1, 100_000), dtype=np.float32), "bias": None}]
    forged = observed()
    for k, run in enumerate(forged["runs"]):
        forged = replaced(forged, ("runs", k), {**run, "final": wide})
    result, peak = measured(forged, observed())
    assert result.status == "failed"
    assert "wider than the 64 units the grader computes with" in result.feedback
    assert peak < 20_000_000, peak
