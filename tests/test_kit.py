"""Tests of the kit (``autograder.kit``): generic item kinds configured by YAML.

Each kind is tested twice: its judge on hand-built or mangled facts, and its
observer in process on small classes written here, whose facts (round-tripped
through the facts encoding) are judged against a correct class's, as the
reference's would be. Then the wiring: spec validation of kinds' settings, the
plan, the scoring dispatch, and the engine rules (no assignment named, the
grader side free of torch, the observers loaded in the warm worker).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from autograder import facts, kit, spec as spec_mod
from autograder.checks.claims import Malformed
from autograder.kit import calls, data, numeric, records
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.records import record_paths, replaced

ROOT = Path(__file__).resolve().parent.parent
kit.load_all()

LOSS = {"call": "torch.nn.CrossEntropyLoss"}
ARGS = [0.05, LOSS, 6, 3]
CHAIN = ["linear", "relu", "linear"]


# --- small classes, as students write them ------------------------------------------------


class Net(nn.Module):
    """The network the settings below ask for: in -> 8 -> out, ReLU between, plain SGD."""

    def __init__(self, lrate: float, loss_fn: Any, in_size: int, out_size: int) -> None:
        super().__init__()
        self.loss_fn = loss_fn
        self.fc1 = nn.Linear(in_size, 8)
        self.fc2 = nn.Linear(8, out_size)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=lrate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


class Reordered(Net):
    """Layers assigned in another order: the same network."""

    def __init__(self, lrate: float, loss_fn: Any, in_size: int, out_size: int) -> None:
        nn.Module.__init__(self)
        self.loss_fn = loss_fn
        self.fc2 = nn.Linear(8, out_size)
        self.fc1 = nn.Linear(in_size, 8)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=lrate)


class FixedSizes(Net):
    """Sizes typed in for the sheet's example instead of taken from the arguments."""

    def __init__(self, lrate: float, loss_fn: Any, in_size: int, out_size: int) -> None:
        super().__init__(lrate, loss_fn, 6, 3)


class WideOutput(Net):
    def __init__(self, lrate: float, loss_fn: Any, in_size: int, out_size: int) -> None:
        super().__init__(lrate, loss_fn, in_size, out_size + 1)


class NoHidden(Net):
    def __init__(self, lrate: float, loss_fn: Any, in_size: int, out_size: int) -> None:
        nn.Module.__init__(self)
        self.fc1 = nn.Linear(in_size, out_size)


class Raises(Net):
    def __init__(self, *args: Any) -> None:
        raise RuntimeError("not yet")


class NotAModule:
    def __init__(self, *args: Any) -> None:
        self.layer = nn.Linear(2, 2)


class ZeroInit(Net):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        for p in self.parameters():
            nn.init.zeros_(p)


class NormalInit(Net):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        for p in self.parameters():
            nn.init.normal_(p)


class PositiveInit(Net):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        with torch.no_grad():
            for p in self.parameters():
                p.abs_()


class SigmoidNet(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.sigmoid(self.fc1(x)))


class NoActivation(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x))


class SoftmaxOutput(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(super().forward(x), dim=1)


class TruthTable(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros(len(x), 3)


class Squeezed(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).reshape(-1)


class NoZeroGrad(Net):
    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        loss = self.loss_fn(self(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


class TensorLoss(Net):
    def step(self, x: torch.Tensor, y: torch.Tensor) -> Any:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.detach()


class LossAfter(Net):
    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        Net.step(self, x, y)
        with torch.no_grad():
            return self.loss_fn(self(x), y).item()


class NoUpdate(Net):
    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self(x), y)
        loss.backward()
        return loss.item()


class Momentum(Net):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=args[0], momentum=0.9)


class MomentumNoZeroGrad(Momentum):
    step = NoZeroGrad.step


class Adam(Net):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.optimizer = torch.optim.Adam(self.parameters(), lr=args[0])


class AdamNoZeroGrad(Adam):
    step = NoZeroGrad.step


def fit(train_set: torch.Tensor, train_labels: torch.Tensor, dev_set: torch.Tensor, n_iter: int,
        batch_size: int = 100, net_class: type = Net, standardize: bool = False) -> tuple[Any, Any, Any]:
    if standardize:
        mean, std = train_set.mean(), train_set.std()
        train_set, dev_set = (train_set - mean) / std, (dev_set - mean) / std
    net = net_class(0.05, nn.CrossEntropyLoss(), train_set.shape[1], 2)
    losses = []
    for i in range(n_iter):
        start = (i * batch_size) % len(train_set)
        losses.append(net.step(train_set[start:start + batch_size], train_labels[start:start + batch_size]))
    with torch.no_grad():
        yhats = net(dev_set).argmax(dim=1).numpy()
    return losses, yhats, net


def fit_sigmoid(*args: Any, **kwargs: Any) -> Any:
    return fit(*args, **kwargs, net_class=SigmoidNet)


def fit_negated_dev(train_set: torch.Tensor, train_labels: torch.Tensor, dev_set: torch.Tensor, n_iter: int,
                    batch_size: int = 100) -> Any:
    losses, _, net = fit(train_set, train_labels, dev_set, n_iter, batch_size)
    with torch.no_grad():
        return losses, net(-dev_set).argmax(dim=1).numpy(), net


def fit_standardized(*args: Any, **kwargs: Any) -> Any:
    return fit(*args, **kwargs, standardize=True)


def fit_typed_in(*args: Any, **kwargs: Any) -> Any:
    losses, yhats, net = fit(*args, **kwargs)
    return losses, np.zeros_like(yhats), net


def fit_float_labels(*args: Any, **kwargs: Any) -> Any:
    losses, yhats, net = fit(*args, **kwargs)
    return losses, yhats.astype(np.float32), net


def fit_tensor_losses(*args: Any, **kwargs: Any) -> Any:
    losses, yhats, net = fit(*args, **kwargs, net_class=TensorLoss)
    return losses, yhats, net


def fit_untrained(train_set: torch.Tensor, train_labels: torch.Tensor, dev_set: torch.Tensor, n_iter: int,
                  batch_size: int = 100) -> Any:
    net = Net(0.05, nn.CrossEntropyLoss(), train_set.shape[1], 2)
    with torch.no_grad():
        loss = float(net.loss_fn(net(train_set), train_labels))
        return [loss] * n_iter, net(dev_set).argmax(dim=1).numpy(), net


def fit_pair(*args: Any, **kwargs: Any) -> Any:
    return fit(*args, **kwargs)[:2]


# --- each kind's settings, as the YAML would give them --------------------------------------

KINDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "module_shapes": ({"class": "Net", "calls": [ARGS, [0.05, LOSS, 4, 2]]}, {}),
    "init_distribution": ({"class": "Net", "args": ARGS, "seeds": [0, 1, 2, 3]},
                          {"bound_rtol": 1e-6, "max_outside": 0.0, "min_spread": 0.7, "max_mean": 0.4}),
    "forward_equivalence": ({"class": "Net", "args": ARGS, "batch": [9, 6], "seed": 3},
                            {"chain": CHAIN, "rtol": 1e-4, "atol": 1e-5}),
    "gradient_step": ({"class": "Net", "args": ARGS, "method": "step",
                       "batch": {"size": 32, "features": 6, "classes": 3}, "seed": 1, "steps": 2},
                      {"chain": CHAIN, "loss": "cross_entropy", "loss_rtol": 1e-4, "loss_atol": 1e-6,
                       "reset_rtol": 1e-3, "ratio_rtol": 0.1}),
    "classifier_fit": ({"function": "fit", "n_iter": 40, "kwargs": {"batch_size": 50},
                        "data": {"generator": "gaussian_classes", "classes": 2, "features": 12, "train": 200,
                                 "dev": 100, "seed": 0, "separation": 4.0}},
                       {"chain": CHAIN, "preprocessing": ["none", "standardize_global_train"],
                        "min_accuracy": 0.85, "max_loss_ratio": 0.7, "loss_window": 0.1, "min_agreement": 0.99}),
}
_OBSERVED: dict[tuple[str, str], dict[str, Any]] = {}


def observed(kind: str, submission: Any, name: str | None = None) -> dict[str, Any]:
    """The facts ``kind``'s observer reports on ``submission``, through the facts encoding."""
    params = KINDS[kind][0]
    name = name or params.get("class") or params["function"]
    key = (kind, getattr(submission, "__qualname__", repr(submission)))
    if key not in _OBSERVED:
        record = facts.decode(facts.encode(observe("kit.item", SubmissionNamespace({name: submission}),
                                                   params, kind)))
        assert record["status"] == "ok", record
        _OBSERVED[key] = record["facts"]
    return _OBSERVED[key]


def judged(kind: str, submission: Any, reference: Any = None, check: dict[str, Any] | None = None) -> Outcome:
    """Judge ``submission`` against ``reference`` (the correct class or function) with the settings above."""
    reference = reference or (fit if kind == "classifier_fit" else Net)
    return kit.KINDS[kind].judge(observed(kind, submission), observed(kind, reference),
                                 KINDS[kind][1] if check is None else check)


# --- module_shapes --------------------------------------------------------------------------


def test_shapes_of_the_asked_network_pass_in_any_attribute_order() -> None:
    outcome = judged("module_shapes", Net)
    assert outcome.status == "passed", outcome.feedback
    assert outcome.feedback.startswith("Net(0.05, torch.nn.CrossEntropyLoss(), 6, 3), "
                                       "Net(0.05, torch.nn.CrossEntropyLoss(), 4, 2): the registered")
    assert judged("module_shapes", Reordered).status == "passed"


def test_shapes_typed_in_for_one_call_fail_the_other() -> None:
    outcome = judged("module_shapes", FixedSizes)
    assert outcome.status == "failed"
    assert outcome.feedback.startswith("Net(0.05, torch.nn.CrossEntropyLoss(), 6, 3) is right, but "
                                       "Net(0.05, torch.nn.CrossEntropyLoss(), 4, 2): parameter 1 (`fc1.weight`) "
                                       "has shape (8,6), expected (8,4)")
    assert outcome.feedback.endswith("Build the layers from the constructor's arguments, not from fixed sizes.")


def test_shape_feedback_names_the_first_differing_parameter() -> None:
    outcome = judged("module_shapes", WideOutput)
    assert outcome.feedback.startswith("Net(0.05, torch.nn.CrossEntropyLoss(), 6, 3): parameter 3 "
                                       "(`fc2.weight`) has shape (4,8), expected (3,8)")
    missing = judged("module_shapes", NoHidden)
    assert "registers 2 parameter tensors (3,6) (3,), expected 4" in missing.feedback
    assert missing.feedback.endswith("is a layer missing?")


def test_shapes_of_a_constructor_that_raises_or_is_no_module() -> None:
    assert judged("module_shapes", Raises).status == "error"
    assert "RuntimeError: not yet" in judged("module_shapes", Raises).feedback
    outcome = judged("module_shapes", NotAModule)
    assert outcome.status == "failed" and "is not a torch.nn.Module" in outcome.feedback


def test_shapes_need_an_answer_to_every_call() -> None:
    facts_ = observed("module_shapes", Net)
    short = {"answers": facts_["answers"][:1]}
    outcome = kit.KINDS["module_shapes"].judge(short, facts_, {})
    assert outcome.status == "failed" and "could not use what your code reported" in outcome.feedback


def test_shapes_are_judged_against_the_reference_not_the_record() -> None:
    facts_ = observed("module_shapes", Net)
    forged = {"answers": [{**a, "call": "Net(1)", "shapes": [[1]], "names": ["w"]} for a in facts_["answers"]]}
    assert kit.KINDS["module_shapes"].judge(forged, facts_, {}).status == "failed"


# --- init_distribution ----------------------------------------------------------------------


def test_default_initialisation_passes() -> None:
    outcome = judged("init_distribution", Net)
    assert outcome.status == "passed", outcome.feedback


@pytest.mark.parametrize("cls, words", [
    (ZeroInit, "All 224 values of nn.Linear layer 1 (fan_in 6) equal 0: a constant initialisation"),
    (NormalInit, "of the values of nn.Linear layer 1 (fan_in 6) lie outside ±1/sqrt(6) = ±0.4082"),
    (PositiveInit, "The values of nn.Linear layer 1 (fan_in 6) are centred at"),
])
def test_custom_initialisations_are_named(cls: type, words: str) -> None:
    outcome = judged("init_distribution", cls)
    assert outcome.status == "failed", outcome.feedback
    assert words in outcome.feedback


def test_a_squeezed_initialisation_spreads_too_little() -> None:
    rng = np.random.default_rng(0)
    layer = {"fan_in": 100, "weight": rng.uniform(-0.01, 0.01, (10, 100)).astype(np.float32), "bias": None}
    record = {"call": {"name": "M", "text": "M()"}, "seeds": [{"seed": 0, "error": None, "is_module": True,
                                                                "layers": [layer]}]}
    outcome = kit.KINDS["init_distribution"].judge(record, record, KINDS["init_distribution"][1])
    assert outcome.status == "failed" and "spread too little: standard deviation" in outcome.feedback


def test_one_layer_of_two_reinitialised_earns_half() -> None:
    facts_ = observed("init_distribution", Net)
    forged = facts_
    for k in range(len(facts_["seeds"])):
        forged = replaced(forged, ("seeds", k, "layers", 1, "weight"), np.zeros((3, 8), dtype=np.float32))
    outcome = kit.KINDS["init_distribution"].judge(forged, facts_, KINDS["init_distribution"][1])
    assert outcome.status == "partial" and outcome.fraction == 0.5


def test_init_answers_the_grader_seeds_in_order() -> None:
    facts_ = observed("init_distribution", Net)
    swapped = {**facts_, "seeds": facts_["seeds"][::-1]}
    assert "could not use" in kit.KINDS["init_distribution"].judge(
        swapped, facts_, KINDS["init_distribution"][1]).feedback


# --- forward_equivalence --------------------------------------------------------------------


def test_forward_of_the_asked_network_passes() -> None:
    outcome = judged("forward_equivalence", Net)
    assert outcome.status == "passed", outcome.feedback
    assert outcome.feedback.startswith("Net(0.05, torch.nn.CrossEntropyLoss(), 6, 3) on a batch of shape (9, 6) "
                                       "returns shape (9, 3), equal to Linear-ReLU-Linear")


@pytest.mark.parametrize("cls, words", [
    (SigmoidNet, "the outputs equal Linear-Sigmoid-Linear: the network asked for is Linear-ReLU-Linear, "
                 "with ReLU where yours uses Sigmoid."),
    (NoActivation, "the outputs equal the Linear layers with nothing between them (Linear-Linear)"),
    (SoftmaxOutput, "the outputs equal Linear-ReLU-Linear-Softmax: return the last Linear layer's values as "
                    "they are, with no Softmax after it"),
    (TruthTable, "the outputs are not Linear-ReLU-Linear computed from the model's own weights: in row 0"),
])
def test_forward_mistakes_are_recognised(cls: type, words: str) -> None:
    outcome = judged("forward_equivalence", cls)
    assert outcome.status == "failed"
    assert words in outcome.feedback, outcome.feedback


def test_a_declared_mistake_is_tried_first() -> None:
    check = {**KINDS["forward_equivalence"][1],
             "mistakes": [{"chain": ["linear", "sigmoid", "linear"], "says": "use ReLU, as on slide 12"}]}
    outcome = judged("forward_equivalence", SigmoidNet, check=check)
    assert outcome.feedback.endswith(": use ReLU, as on slide 12.")


def test_right_values_in_a_flat_shape_earn_half() -> None:
    outcome = judged("forward_equivalence", Squeezed)
    assert outcome.status == "partial" and outcome.fraction == 0.5
    assert "returned shape (27,), expected (9, 3)" in outcome.feedback


def test_forward_outputs_must_be_those_of_the_reported_weights() -> None:
    facts_ = observed("forward_equivalence", Net)
    forged = replaced(facts_, ("layers", 0, "weight"), facts_["layers"][0]["weight"] + 1)
    assert judged_raw("forward_equivalence", forged, facts_).status == "failed"
    other_batch = replaced(facts_, ("batch",), [2, 6])  # the record's question is never read
    assert judged_raw("forward_equivalence", other_batch, facts_).status == "passed"


def judged_raw(kind: str, observed_facts: dict[str, Any], expected: dict[str, Any],
               check: dict[str, Any] | None = None) -> Outcome:
    return kit.KINDS[kind].judge(observed_facts, expected, KINDS[kind][1] if check is None else check)


# --- gradient_step --------------------------------------------------------------------------


def test_an_honest_step_passes() -> None:
    outcome = judged("gradient_step", Net)
    assert outcome.status == "passed", outcome.feedback
    assert judged("gradient_step", Momentum, reference=Momentum).status == "passed"


def test_accumulated_gradients_are_named_whatever_the_optimiser() -> None:
    outcome = judged("gradient_step", NoZeroGrad)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(2 / 3), outcome.feedback
    assert re.fullmatch(r"After 2 calls of Net\(0\.05, torch\.nn\.CrossEntropyLoss\(\), 6, 3\)\.step\(x, y\) on a "
                        r"batch of 32, the weights differ from those the same calls give when the grader zeroes the "
                        r"gradients between them by 0\.5\d+ times the size of the last update: gradients accumulate "
                        r"between steps\. Call optimizer\.zero_grad\(\) before loss\.backward\(\) in every step\.",
                        outcome.feedback), outcome.feedback
    for cls, reference in ((MomentumNoZeroGrad, Momentum), (AdamNoZeroGrad, Adam)):
        found = judged("gradient_step", cls, reference=reference)
        assert "gradients accumulate between steps" in found.feedback, found.feedback


def test_another_optimiser_than_the_reference_is_a_dynamics_mismatch() -> None:
    for cls, reference in ((Net, Momentum), (Momentum, Net)):
        outcome = judged("gradient_step", cls, reference=reference)
        assert outcome.status == "partial" and outcome.fraction == 0.75, outcome.feedback
        assert "each call should take one step of the optimiser the exercise asks for" in outcome.feedback
    any_optimiser = {**KINDS["gradient_step"][1], "ratio_rtol": None}
    for cls in (Momentum, Adam):
        assert judged("gradient_step", cls, check=any_optimiser).status == "passed"
    assert "gradients accumulate" in judged("gradient_step", NoZeroGrad, check=any_optimiser).feedback


@pytest.mark.parametrize("cls, words", [
    (TensorLoss, "Call 1 of Net(0.05, torch.nn.CrossEntropyLoss(), 6, 3).step(x, y) on a batch of 32 returned "
                 "the right loss as a torch.Tensor, expected a Python float: return loss.item()."),
    (LossAfter, "that is the loss after the update; return the loss computed before optimizer.step()"),
    (NoUpdate, "The parameters did not change after call 1"),
])
def test_step_mistakes_are_named(cls: type, words: str) -> None:
    outcome = judged("gradient_step", cls)
    assert outcome.status in ("partial", "failed")
    assert words in outcome.feedback, outcome.feedback


def test_a_forward_mistake_costs_the_forward_item_only() -> None:
    """The step of a Linear-Sigmoid-Linear model returns its own model's loss: that is right here."""
    assert judged("gradient_step", SigmoidNet).status == "passed"
    sigmoid = judged("classifier_fit", fit_sigmoid)
    assert "yhats" not in sigmoid.feedback and "accuracy" not in sigmoid.feedback, sigmoid.feedback


def test_a_made_up_loss_is_recomputed() -> None:
    facts_ = observed("gradient_step", Net)
    forged = replaced(facts_, ("records", 0, "value"), 0.5)
    outcome = judged_raw("gradient_step", forged, facts_)
    assert outcome.status == "partial" and "returned 0.5: the cross_entropy loss of the batch" in outcome.feedback


def test_a_step_that_raises_is_an_error() -> None:
    class Broken(Net):
        def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
            raise ValueError("shapes")

    outcome = judged("gradient_step", Broken)
    assert outcome.status == "error" and "ValueError: shapes" in outcome.feedback


def test_steps_need_every_call_answered() -> None:
    facts_ = observed("gradient_step", Net)
    short = {**facts_, "records": facts_["records"][:1]}
    assert "could not use" in judged_raw("gradient_step", short, facts_).feedback


# --- classifier_fit -------------------------------------------------------------------------


def test_a_fit_that_trains_passes() -> None:
    outcome = judged("classifier_fit", fit)
    assert outcome.status == "passed", outcome.feedback
    assert outcome.feedback.startswith("fit(train_set, train_labels, dev_set, 40, batch_size=50): 40 float losses")
    assert judged("classifier_fit", fit_standardized).status == "passed"  # a listed input transform


def test_typed_in_predictions_earn_no_accuracy() -> None:
    outcome = judged("classifier_fit", fit_typed_in)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(0.6)
    assert "The returned yhats agree with the net's own predictions on dev_set" in outcome.feedback
    assert "The dev accuracy is only credited for the net's own predictions." in outcome.feedback


@pytest.mark.parametrize("fn, words", [
    (fit_float_labels, "The returned yhats is an array of shape (100,) and dtype float32; expected an array of shape (100,) "
                       "holding one integer label"),
    (fit_tensor_losses, "The losses are torch.Tensor, not Python floats"),
    (fit_untrained, "The loss does not fall enough: the mean of the last 10% of the losses is"),
    (fit_pair, "returned a builtins.tuple of length 2; return the tuple (losses, yhats, net)."),
])
def test_fit_mistakes_are_named(fn: Any, words: str) -> None:
    outcome = judged("classifier_fit", fn)
    assert outcome.status in ("partial", "failed")
    assert words in outcome.feedback, outcome.feedback


def test_predictions_of_other_inputs_are_not_the_net_s() -> None:
    outcome = judged("classifier_fit", fit_negated_dev)
    assert "agree with the net's own predictions on dev_set (computed by the grader from its weights) " \
           "for only" in outcome.feedback, outcome.feedback


# --- any record at all ----------------------------------------------------------------------

JUNK = st.sampled_from([None, True, 0, -1, 7, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1},
                        np.zeros(3), np.zeros((2, 2)), np.zeros(0), np.ones(1, dtype=np.int8), [[1.0]], [None],
                        np.zeros((3, 0)), np.array([["a"]])])
REFERENCES = {"module_shapes": Net, "init_distribution": Net, "forward_equivalence": Net, "gradient_step": Net,
              "classifier_fit": fit}


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(sorted(REFERENCES)), data_=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_judge(kind: str, data_: st.DataObject) -> None:
    expected = observed(kind, REFERENCES[kind])
    path = data_.draw(st.sampled_from(record_paths(expected, list_entries=2)))
    outcome = judged_raw(kind, replaced(expected, path, data_.draw(JUNK)), expected)
    assert isinstance(outcome, Outcome)
    assert not outcome.errored or "Your code raised" in outcome.feedback, outcome.feedback


def test_unusable_reference_facts_are_the_instructor_s_error() -> None:
    expected = observed("forward_equivalence", Net)
    outcome = judged_raw("forward_equivalence", expected, {"call": {}})
    assert outcome.status == "error" and "tell your instructor" in outcome.feedback


# --- pieces: data, chains, records, calls ---------------------------------------------------


def test_grader_data_is_reproducible_and_balanced() -> None:
    assert np.array_equal(data.standard_batch(3, 4, 5), data.standard_batch(3, 4, 5))
    assert data.standard_batch(3, 4, 5).dtype == np.float32
    x, y = data.classification_batch(1, 50, 3, 4)
    assert x.dtype == np.float32 and y.dtype == np.int64 and set(y) <= {0, 1, 2, 3}
    made = data.generate({"generator": "gaussian_classes", "classes": 3, "features": 10, "train": 30, "dev": 12,
                          "seed": 5, "separation": 3.0})
    again = data.gaussian_classes(classes=3, features=10, train=30, dev=12, seed=5, separation=3.0)
    assert np.array_equal(made.dev_y, again.dev_y) and np.array_equal(made.train_x, again.train_x)
    assert np.bincount(made.train_y).tolist() == [10, 10, 10]
    means = np.stack([made.train_x[made.train_y == k].mean(axis=0) for k in range(3)])
    assert np.linalg.norm(means[0] - means[1]) == pytest.approx(3.0, abs=1.0)
    with pytest.raises(ValueError, match="2 <= classes <= features"):
        data.gaussian_classes(classes=5, features=3, train=3, dev=3, seed=0, separation=1.0)


def test_chains_match_torch() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2), nn.LogSoftmax(dim=1))
    x = torch.randn(6, 4)
    layers = numeric.layers_of([records.LayerWeights(m.weight.detach().numpy(), m.bias.detach().numpy())
                                for m in model if isinstance(m, nn.Linear)])
    assert not isinstance(layers, str)
    ours = numeric.run_chain(["linear", "tanh", "linear", "log_softmax"], layers, x.numpy())
    assert np.allclose(ours, model(x).detach().numpy(), atol=1e-6)
    y = torch.tensor([0, 1, 1, 0, 1, 0])
    assert numeric.nll(ours, y.numpy()) == pytest.approx(float(nn.NLLLoss()(model(x), y)), rel=1e-5)
    logits = model[:3](x)
    assert numeric.cross_entropy(logits.detach().numpy().astype(np.float64), y.numpy()) == pytest.approx(
        float(nn.CrossEntropyLoss()(logits, y)), rel=1e-5)
    assert numeric.chain_problem(["linear", "relu", "linear"], layers, 3) == (
        "its nn.Linear layer 1 has a weight of shape (5,4), which does not take the 3 values that reach it")


def test_look_alikes_are_derived_from_the_chain() -> None:
    found = [v.chain for v in numeric.variants(["linear", "relu", "linear"])]
    assert found[0] == ("linear", "linear")
    assert ("linear", "sigmoid", "linear") in found and ("linear", "relu", "linear", "softmax") in found
    assert ("linear", "relu", "linear") not in found
    assert ("linear", "relu", "linear") in [v.chain for v in numeric.variants(["linear", "relu", "linear", "sigmoid"])]


def test_records_need_every_field_of_its_type() -> None:
    answer = {"call": "M()", "error": None, "is_module": True, "shapes": [[2, 3]], "names": ["w"]}
    assert records.read(records.ShapesAnswer, answer, "it").shapes == [[2, 3]]
    for key, bad in (("is_module", 1), ("shapes", [[2.0]]), ("error", 3), ("names", "w")):
        with pytest.raises(Malformed):
            records.read(records.ShapesAnswer, {**answer, key: bad}, "it")
    with pytest.raises(Malformed, match="has no `names`"):
        records.read(records.ShapesAnswer, {k: v for k, v in answer.items() if k != "names"}, "it")
    built = records.as_record(records.ModuleShapesFacts([records.ShapesAnswer("M()", None, True, [[1]], ["w"])]))
    assert built == {"answers": [{"call": "M()", "error": None, "is_module": True, "shapes": [[1]], "names": ["w"]}]}


def test_call_settings_build_torch_objects_and_read_as_python() -> None:
    made = calls.resolve([0.01, LOSS, {"call": "torch.nn.Linear", "args": [2, 3]}, {"a": [LOSS]}], torch)
    assert isinstance(made[1], nn.CrossEntropyLoss) and isinstance(made[2], nn.Linear)
    assert isinstance(made[3]["a"][0], nn.CrossEntropyLoss)
    assert calls.resolve([LOSS], torch)[0] is not calls.resolve([LOSS], torch)[0]
    with pytest.raises(ValueError, match="only public names"):
        calls.resolve({"call": "torch._C.foo"}, torch)
    assert calls.call_text("NeuralNet", [0.01, LOSS, 2883, 2], {"hidden": "x"}) == (
        "NeuralNet(0.01, torch.nn.CrossEntropyLoss(), 2883, 2, hidden='x')")


# --- wiring: spec, plan, scoring ------------------------------------------------------------


def write_spec(folder: Path, items: str) -> Path:
    """An assignment folder with a trivial reference and the given items (YAML text)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ref.py").write_text("x = 1\n")
    (folder / "assignment.yaml").write_text(
        "name: kit_try\ntitle: t\nreference: ref.py\nitems:\n" + textwrap.indent(textwrap.dedent(items), "  "))
    return folder


FORWARD_ITEM = """\
- id: demo.forward
  title: forward
  points: 1
  kind: forward_equivalence
  observe: {class: Net, args: [0.1, {call: torch.nn.CrossEntropyLoss}, 6, 3], batch: [9, 6], seed: 3}
  check: {chain: [linear, relu, linear], rtol: 1.0e-4, atol: 1.0e-5}
"""


def test_a_kind_item_loads_without_a_check_of_its_own(tmp_path: Path) -> None:
    loaded = spec_mod.load(write_spec(tmp_path / "a", FORWARD_ITEM))
    item = loaded.item("demo.forward")
    assert item.kind == "forward_equivalence" and item.check["chain"] == CHAIN
    assert loaded.sandbox_plan()["items"][0]["kind"] == "forward_equivalence"
    assert "probes" not in loaded.sandbox_plan()  # a kind item needs no course code


@pytest.mark.parametrize("change, message", [
    (("check: {chain: [linear, relu, linear], rtol: 1.0e-4, atol: 1.0e-5}", "check: {chain: [linear, relu, linear], rtol: 1.0e-4}"),
     r"field items\.0\.check: 'atol' is a required property; required here: chain, rtol, atol \(kind forward_equivalence\)"),
    (("seed: 3}", "seed: 3, sed: 4}"),
     r"field items\.0\.observe: Additional properties are not allowed \('sed' was unexpected\); allowed keys: "),
    (("kind: forward_equivalence", "kind: forward_equivalenc"),
     r"field items\.0\.kind: unknown kind 'forward_equivalenc'; use one of classifier_fit, .*forward_equivalence"),
    (("{call: torch.nn.CrossEntropyLoss}", "{call: os.system, args: [ls]}"),
     r"field items\.0\.observe\.args\.1\.call: 'os\.system' does not match"),
    (("chain: [linear, relu, linear]", "chain: [relu]"), r"field items\.0\.check\.chain: "),
    (("batch: [9, 6]", "batch: [9]"), r"field items\.0\.observe\.batch: "),
])
def test_kind_settings_are_validated_at_load(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    folder = write_spec(tmp_path / "a", FORWARD_ITEM.replace(*change))
    with pytest.raises(spec_mod.SpecError, match=message):
        spec_mod.load(folder)


def test_an_item_without_kind_still_needs_its_check(tmp_path: Path) -> None:
    folder = write_spec(tmp_path / "a", FORWARD_ITEM.replace("  kind: forward_equivalence\n", ""))
    with pytest.raises(spec_mod.SpecError, match=r"item demo.forward has no kind:, and there is no function marked @observer\(\"demo.forward\"\) "
                             r"in .*probes.py nor function marked @check\(\"demo.forward\"\) in .*checks.py; give it a kind"):
        spec_mod.load(folder)


def test_scoring_uses_the_kind_s_judge(tmp_path: Path) -> None:
    item = spec_mod.load(write_spec(tmp_path / "a", FORWARD_ITEM)).item("demo.forward")
    reference = {"status": "ok", "facts": observed("forward_equivalence", Net)}
    sigmoid = {"status": "ok", "facts": observed("forward_equivalence", SigmoidNet)}
    assert outcome_for(item, reference, reference).status == "passed"
    assert "Linear-Sigmoid-Linear" in outcome_for(item, sigmoid, reference).feedback


def test_every_kind_has_an_observer_and_a_judge() -> None:
    from autograder.observers import load_all

    load_all()  # what the warm worker calls before it forks
    assert set(kit.KIND_OBSERVERS) == set(kit.KINDS) >= set(KINDS)
    for found in kit.KINDS.values():
        assert found.check_schema["type"] == "object" and found.check_schema["additionalProperties"] is False


def test_the_engine_names_no_assignment() -> None:
    """No assignment's name anywhere in the engine's files (code, docstrings, messages, templates,
    schemas): course content lives in course folders."""
    files = [p for p in sorted((ROOT / "autograder").rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.name == "cli.py" for p in files) and any(p.suffix == ".json" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        found = [w for w in ("xor", "mlp", "linreg", "poly", "neuralnet") if w in text]
        assert not found, f"{path.relative_to(ROOT)} mentions {found}"


def test_the_grader_side_of_the_kit_needs_no_torch() -> None:
    code = ("import sys; from autograder import kit, scoring, spec; kit.load_all(); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
