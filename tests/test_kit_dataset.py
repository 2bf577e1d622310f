"""Tests of kind ``dataset_protocol`` and of the extensions of module_shapes, init_distribution
and forward_equivalence (several builds, ``partial``, ``contains``, a chain that follows the
depth, the negated output pass).

As in tests/test_kit.py: observers run in process on small classes written here, their facts
go through the facts encoding, and the judge compares them with a correct class's facts, as
the reference's would be.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import Dataset

from autograder import facts, kit
from autograder.kit import dataset_protocol
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from tests.records import record_paths, replaced

kit.load_all()

DATA = {"class": "Pairs", "columns": [{"name": "x", "uniform": [-4, 4]}, {"name": "y", "normal": [0, 30]}],
        "sizes": [20, 7], "seed": 5, "batch_size": 8, "numpy_hint": True}
DATA_CHECK = {"item_shapes": [[1], []], "dtype": "float32", "rtol": 1e-6, "atol": 1e-5}


# --- Dataset classes, as students write them -----------------------------------------------


class Pairs(Dataset):
    def __init__(self, x: Any, y: Any) -> None:
        self.x = torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1)
        self.y = torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> Any:
        return self.x[i], self.y[i]


NOTEBOOK_X, NOTEBOOK_Y = torch.linspace(-5, 5, 100), torch.zeros(100)


class ReadsGlobals(Pairs):
    def __getitem__(self, i: int) -> Any:
        return NOTEBOOK_X[i], NOTEBOOK_Y[i]


class SharedOnTheClass(Pairs):
    """Stores the data on the class: the last instance built serves everybody."""

    def __init__(self, x: Any, y: Any) -> None:
        SharedOnTheClass.x = torch.as_tensor(x, dtype=torch.float32)
        SharedOnTheClass.y = torch.as_tensor(y, dtype=torch.float32)


class Swapped(Pairs):
    def __getitem__(self, i: int) -> Any:
        return self.y[i], self.x[i]


class FixedLength(Pairs):
    def __len__(self) -> int:
        return 20


class KeepsFloat64(Pairs):
    def __init__(self, x: Any, y: Any) -> None:
        self.x, self.y = torch.as_tensor(x).reshape(-1, 1), torch.as_tensor(y).reshape(-1, 1)


class Matrices(Pairs):
    def __getitem__(self, i: int) -> Any:
        return self.x[i].reshape(1, 1), self.y[i].reshape(1, 1)


class NoDataset:
    __init__, __len__, __getitem__ = Pairs.__init__, Pairs.__len__, Pairs.__getitem__


class ItemRaises(Pairs):
    def __getitem__(self, i: int) -> Any:
        raise IndexError("no items yet")


class Unfinished(ItemRaises):
    def __len__(self) -> int:
        raise NotImplementedError


def observed(kind: str, params: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    record = facts.decode(facts.encode(observe("kit.item", SubmissionNamespace({name: value}), params, kind)))
    assert record["status"] == "ok", record
    return record["facts"]


def judged_dataset(cls: type, check: dict[str, Any] | None = None) -> Outcome:
    return kit.KINDS["dataset_protocol"].judge(observed("dataset_protocol", DATA, "Pairs", cls),
                                               observed("dataset_protocol", DATA, "Pairs", Pairs),
                                               check or DATA_CHECK)


# --- dataset_protocol -----------------------------------------------------------------------


def test_a_dataset_of_its_own_data_passes() -> None:
    outcome = judged_dataset(Pairs)
    assert outcome.status == "passed", outcome.feedback
    assert outcome.feedback.startswith("Pairs(x, y): len, items (float32, shape (1,) or ()")


def test_reading_global_data_fails_the_item_and_names_the_cause() -> None:
    outcome = judged_dataset(ReadsGlobals)
    assert outcome.status == "failed"
    assert "d[0] returned (-5, 0)" in outcome.feedback and "global" in outcome.feedback
    assert "The same happens for a dataset built on other data (7 points)" in outcome.feedback


def test_data_kept_on_the_class_shows_with_two_live_instances() -> None:
    outcome = judged_dataset(SharedOnTheClass)
    assert outcome.status == "failed" and "on the class" in outcome.feedback


def test_swapped_parts_are_named() -> None:
    outcome = judged_dataset(Swapped)
    assert outcome.status == "failed" and "reverse order" in outcome.feedback and "(x, y)" in outcome.feedback


def test_a_hard_coded_length_loses_the_other_size() -> None:
    outcome = judged_dataset(FixedLength)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(3 / 4)
    assert "len(d) is 20, expected 7" in outcome.feedback


def test_item_shape_and_batches_are_separate_shares() -> None:
    outcome = judged_dataset(Matrices)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(1 / 4)
    assert "d[0] gave x_i of shape (1, 1), expected (1,) or ()" in outcome.feedback
    assert "batch 1 holds (8,1,1) and (8,1,1), expected one tensor of shape (8,1) or (8,)" in outcome.feedback


def test_a_class_that_is_no_dataset_loses_its_share() -> None:
    outcome = judged_dataset(NoDataset)
    assert outcome.status == "partial" and "not a torch.utils.data.Dataset" in outcome.feedback


def test_items_that_all_raise_keep_the_length_share_and_nothing_else_is_an_error() -> None:
    outcome = judged_dataset(ItemRaises)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(1 / 4)
    assert "d[0] raised IndexError" in outcome.feedback
    assert judged_dataset(Unfinished).status == "error"


def test_numpy_input_earns_a_hint_and_no_points() -> None:
    class TensorsOnly(Pairs):
        def __init__(self, x: Any, y: Any) -> None:
            super().__init__(x.float(), y.float())  # NumPy arrays have no .float()

    outcome = judged_dataset(TensorsOnly)
    assert outcome.status == "passed" and "Not graded, a hint" in outcome.feedback
    kept = judged_dataset(KeepsFloat64)  # float32 tensors stay float32: NumPy's float64 only earns the hint
    assert kept.status == "passed" and "Not graded, a hint" in kept.feedback and "dtype float64" in kept.feedback


def test_the_judge_regenerates_the_data_from_the_reference_settings() -> None:
    reference = observed("dataset_protocol", DATA, "Pairs", Pairs)
    other = observed("dataset_protocol", {**DATA, "seed": 6}, "Pairs", Pairs)
    forged = {**other, "settings": reference["settings"], "call": reference["call"]}
    outcome = kit.KINDS["dataset_protocol"].judge(forged, reference, DATA_CHECK)
    assert outcome.status == "failed" and "differ" in outcome.feedback


def test_every_item_must_be_answered() -> None:
    reference = observed("dataset_protocol", DATA, "Pairs", Pairs)
    first = {**reference["instances"][0], "items": reference["instances"][0]["items"][:3]}
    short = {**reference, "instances": [first, *reference["instances"][1:]]}
    outcome = kit.KINDS["dataset_protocol"].judge(short, reference, DATA_CHECK)
    assert outcome.status == "failed" and "3 items of the first dataset where the grader asked for 20" in \
        outcome.feedback


def test_a_length_beyond_the_data_cannot_run_the_loader_for_ever() -> None:
    class Endless(Pairs):
        def __len__(self) -> int:
            return 10**12

        def __getitem__(self, i: int) -> Any:
            return self.x[i % len(self.x)], self.y[i % len(self.y)]

    outcome = judged_dataset(Endless)
    assert outcome.status == "partial" and "yielded more than 3 batches" in outcome.feedback


def test_data_generation_is_seeded_and_numpy_only() -> None:
    a, b = dataset_protocol.generate(DATA), dataset_protocol.generate(DATA)
    assert [len(s[0]) for s in a] == [20, 7, 7] and a[0][0].dtype == np.float32 and a[2][0].dtype == np.float64
    assert all(np.array_equal(x, y) for s, t in zip(a, b) for x, y in zip(s, t))
    assert np.all(np.abs(a[0][0]) <= 4)


@settings(max_examples=150, deadline=None)
@given(data_=st.data())
def test_a_mangled_dataset_record_never_breaks_the_judge(data_: st.DataObject) -> None:
    expected = observed("dataset_protocol", DATA, "Pairs", Pairs)
    path = data_.draw(st.sampled_from(record_paths(expected, list_entries=2)))
    junk = data_.draw(st.sampled_from([None, 1, -1, 2.5, "x", True, [], {}, [[1]], np.zeros(3), [None]]))
    outcome = kit.KINDS["dataset_protocol"].judge(replaced(expected, path, junk), expected, DATA_CHECK)
    assert isinstance(outcome, Outcome)
    assert not outcome.errored or "Your code raised" in outcome.feedback or "raised" in outcome.feedback


# --- module_shapes: partial credit and contained modules ------------------------------------


class Stack(nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class StackFixed(Stack):
    def __init__(self, *args: int) -> None:
        super().__init__(1, 10, 1)


class Plain(nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(n_in, n_hidden), nn.Linear(n_hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


SHAPES = {"class": "Stack", "calls": [[1, 10, 1], [2, 6, 3]]}


def judged_shapes(cls: type, check: dict[str, Any]) -> Outcome:
    return kit.KINDS["module_shapes"].judge(observed("module_shapes", SHAPES, "Stack", cls),
                                            observed("module_shapes", SHAPES, "Stack", Stack), check)


def test_partial_credit_keeps_the_first_call_s_share() -> None:
    assert judged_shapes(StackFixed, {}).status == "failed"
    outcome = judged_shapes(StackFixed, {"partial": True})
    assert outcome.status == "partial" and outcome.fraction == 0.5 and "Stack(2, 6, 3)" in outcome.feedback


def test_a_module_the_exercise_asks_for_must_be_held() -> None:
    assert judged_shapes(Stack, {"contains": ["Sequential"]}).status == "passed"
    outcome = judged_shapes(Plain, {"contains": ["Sequential"], "partial": True})
    assert outcome.status == "failed" and "holds no nn.Sequential" in outcome.feedback
    assert judged_shapes(Plain, {}).status == "passed"


# --- init_distribution and forward_equivalence over several builds --------------------------


class Deep(nn.Module):
    """A layout network: Linear layers between consecutive sizes, ReLU after each but the last."""

    def __init__(self, layout: list[int]) -> None:
        super().__init__()
        steps: list[nn.Module] = []
        for k, (a, b) in enumerate(itertools.pairwise(layout)):
            steps += [nn.Linear(a, b)] + ([nn.ReLU()] if k < len(layout) - 2 else [])
        self.layers = nn.Sequential(*steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class ReluEverywhere(Deep):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.layers(x))


class PositiveReluEverywhere(ReluEverywhere):
    """Outputs positive as built: only the negated pass can show the ReLU after the output."""

    def __init__(self, layout: list[int]) -> None:
        super().__init__(layout)
        with torch.no_grad():
            self.layers[-1].bias.fill_(100.0)


class DropsLast(Deep):
    def __init__(self, layout: list[int]) -> None:
        super().__init__(layout[:-1])


class ZeroDeep(Deep):
    def __init__(self, layout: list[int]) -> None:
        super().__init__(layout)
        for p in self.parameters():
            nn.init.zeros_(p)


BUILDS = [{"class": "Stack", "args": [1, 10, 1], "features": 1},
          {"class": "Deep", "args": [[1, 10, 10, 10, 1]], "features": 1},
          {"class": "Deep", "args": [[3, 7, 5, 2]], "features": 3}]
FORWARD = {"builds": BUILDS, "rows": 16, "seed": 0, "negate_output": True}
FORWARD_CHECK = {"chain": {"hidden": "relu"}, "rtol": 1e-4, "atol": 1e-5}


def judged_forward(deep: type, check: dict[str, Any] = FORWARD_CHECK) -> Outcome:
    ns = {"Stack": Stack, "Deep": deep}
    mine = facts.decode(facts.encode(observe("kit.item", SubmissionNamespace(ns), FORWARD, "forward_equivalence")))
    ref = facts.decode(facts.encode(observe("kit.item", SubmissionNamespace({"Stack": Stack, "Deep": Deep}),
                                            FORWARD, "forward_equivalence")))
    return kit.KINDS["forward_equivalence"].judge(mine["facts"], ref["facts"], check)


def test_each_build_follows_its_own_depth() -> None:
    outcome = judged_forward(Deep)
    assert outcome.status == "passed", outcome.feedback
    assert "Deep([3, 7, 5, 2])" in outcome.feedback


def test_a_relu_after_the_output_shows_on_the_negated_pass() -> None:
    outcome = judged_forward(ReluEverywhere)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(1 / 3)
    assert outcome.feedback.count("no ReLU after it") == 2
    hidden = judged_forward(PositiveReluEverywhere)
    assert hidden.status == "partial" and hidden.fraction == pytest.approx(1 / 3)
    assert hidden.feedback.count("made negative by the grader: the outputs equal") == 2
    assert hidden.feedback.count("no ReLU after it") == 2


def test_the_depth_is_the_model_s_own_but_the_output_width_is_the_reference_s() -> None:
    outcome = judged_forward(DropsLast)  # a ReLU network of its own layers, with the wrong width
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(1 / 3)
    assert "Deep([1, 10, 10, 10, 1]) on a batch of shape (16, 1) returned shape (16, 10), expected (16, 1)" in \
        outcome.feedback
    assert "The values are right" not in outcome.feedback


def test_the_negated_pass_is_judged_from_the_first_pass_weights() -> None:
    ns = SubmissionNamespace({"Stack": Stack, "Deep": Deep})
    ref = facts.decode(facts.encode(observe("kit.item", ns, FORWARD, "forward_equivalence")))["facts"]
    forged = {"models": [{**m, "negated_output": m["output"]} for m in ref["models"]]}
    outcome = kit.KINDS["forward_equivalence"].judge(forged, ref, FORWARD_CHECK)
    assert outcome.status == "failed" and "made negative" in outcome.feedback


def test_init_over_several_builds_names_each_model() -> None:
    params = {"builds": [{"class": "Stack", "args": [1, 10, 1]}, {"class": "Deep", "args": [[3, 40, 2]]}],
              "seeds": [0, 1, 2]}
    check = {"bound_rtol": 1e-6, "max_outside": 0.0, "min_spread": 0.6, "max_mean": 0.6}
    ns_ok = SubmissionNamespace({"Stack": Stack, "Deep": Deep})
    ns_zero = SubmissionNamespace({"Stack": Stack, "Deep": ZeroDeep})
    ref = facts.decode(facts.encode(observe("kit.item", ns_ok, params, "init_distribution")))["facts"]
    mine = facts.decode(facts.encode(observe("kit.item", ns_zero, params, "init_distribution")))["facts"]
    judge = kit.KINDS["init_distribution"].judge
    assert judge(ref, ref, check).status == "passed"
    outcome = judge(mine, ref, check)
    assert outcome.status == "partial" and outcome.fraction == 0.5
    assert outcome.feedback.startswith("Deep([3, 40, 2]): ") and "constant" in outcome.feedback
