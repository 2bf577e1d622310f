"""Kind ``training_reduces_loss``: the student's training function lowers a model's loss.

The observer runs in process on small classes and training functions written
here, on a four-point two-class task; their facts (round-tripped through the
facts encoding) are judged against a correct function's, as the reference's
would be. Then forged and mangled records, and the picture builder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from autograder import facts, kit
from autograder.kit import training_reduces_loss as trl
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from tests.records import record_paths, replaced

kit.load_all()

POINTS = [[0, 0], [0, 1], [1, 0], [1, 1]]
TARGETS = [0, 1, 1, 0]
CHAIN = ["linear", "sigmoid", "linear"]
OBSERVE: dict[str, Any] = {
    "function": "train", "arguments": ["model", "inputs", "targets"], "seed": 0,
    "data": {"inputs": POINTS, "targets": TARGETS},
    "models": [{"class": "Net"}, {"chain": CHAIN, "sizes": [2, 8, 1]}],
}
CHECK: dict[str, Any] = {"chain": CHAIN, "loss": "squared_error", "reductions": ["mean", "sum"], "max_ratio": 0.1,
                         "first_loss_rtol": 1e-3, "last_loss_tol": 0.1, "max_width": 64}


class Net(nn.Module):
    def __init__(self, n_hidden: int = 8) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(2, n_hidden), nn.Linear(n_hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.sigmoid(self.fc1(x)))


class NoActivation(Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x))


class Broken(Net):
    def __init__(self) -> None:
        raise RuntimeError("no model today")


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
    return [0.25 * 0.9 ** k for k in range(300)]


def train_summed(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(300):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y, reduction="sum")
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_sgd(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for _ in range(300):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_raises(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    raise ValueError("oops")


_SEEN: dict[tuple[str, str], dict[str, Any]] = {}


def observed(function: Any, model: type = Net, params: dict[str, Any] | None = None) -> dict[str, Any]:
    params = params or OBSERVE
    key = (function.__name__, model.__name__ + repr(params))
    if key not in _SEEN:
        ns = SubmissionNamespace({"train": function, "Net": model})
        record = facts.decode(facts.encode(observe("kit.item", ns, params, "training_reduces_loss")))
        assert record["status"] == "ok", record
        _SEEN[key] = record["facts"]
    return _SEEN[key]


def judge(got: dict[str, Any], expected: dict[str, Any] | None = None, check: dict[str, Any] | None = None
          ) -> Outcome:
    return kit.KINDS["training_reduces_loss"].judge(got, expected or observed(train), check or CHECK)


def outcome(function: Any, model: type = Net, check: dict[str, Any] | None = None) -> Outcome:
    return judge(observed(function, model), check=check)


# --- honest runs ----------------------------------------------------------------------------


def test_a_training_function_that_lowers_the_loss_passes() -> None:
    result = outcome(train)
    assert result.status == "passed", result.feedback
    assert result.feedback.startswith("train(Net(), X, y): the loss went from ")


def test_a_summed_loss_and_another_optimiser_are_the_student_s_choice() -> None:
    assert outcome(train_summed).status == "passed", outcome(train_summed).feedback
    assert outcome(train_sgd).status == "passed", outcome(train_sgd).feedback


def test_a_broken_model_costs_the_model_not_the_training_function() -> None:
    """The grader-built network proves the function right; the feedback blames the model."""
    for model in (NoActivation, Broken):
        result = outcome(train, model)
        assert result.status == "passed", result.feedback
        assert "train works: on a grader-built Linear(2, 8)-Sigmoid-Linear(8, 1) network, the loss" in result.feedback
        assert "so the model is what needs fixing" in result.feedback


# --- mistakes -------------------------------------------------------------------------------


@pytest.mark.parametrize(("function", "words"), [
    (train_returns_nothing, "train returned None: append loss.item()"),
    (train_too_slowly, "It fell too little: raise the default learning rate"),
    (train_a_new_model, "did not change: train the `model` argument"),
    (train_and_invent, "are not the losses of the model it trained: the first is 0.25"),
])
def test_training_mistakes_are_named(function: Any, words: str) -> None:
    result = outcome(function)
    assert result.status == "failed" and words in result.feedback, result.feedback
    assert result.feedback.startswith("train(Net(), X, y): ")


def test_the_course_s_advice_replaces_the_generic_sentence() -> None:
    check = {**CHECK, "advice": {"too_little": "try lr 0.05 for 300 epochs."}}
    assert "It fell too little: try lr 0.05 for 300 epochs." in outcome(train_too_slowly, check=check).feedback


def test_a_function_that_raises_is_an_error() -> None:
    result = outcome(train_raises)
    assert result.status == "error" and "ValueError: oops" in result.feedback
    assert result.feedback.startswith("Your code raised ValueError: oops")
    assert result.feedback.endswith(" in train(model, X, y). Fix it and run the check again.")


# --- the optional trajectory --------------------------------------------------------------


def test_the_trajectory_from_the_grader_s_start_follows_the_reference() -> None:
    """With ``trajectory`` set, a grader-built run must follow the reference's first epochs."""
    check = {**CHECK, "trajectory": {"epochs": 5, "rtol": 1e-4}}
    assert outcome(train, Broken, check=check).status == "passed"
    result = outcome(train_sgd, Broken, check=check)
    assert result.status == "failed" and "the reference's training (same data, same start)" in result.feedback


# --- forged records ----------------------------------------------------------------------------


def test_a_grader_built_run_must_start_from_the_grader_s_weights() -> None:
    """Weights 'before training' made up to fit a made-up curve are not the grader's."""
    honest = observed(train, Broken)
    forged_initial = [dict(layer, weight=layer["weight"] + 0.5) for layer in honest["runs"][1]["initial"]]
    forged = replaced(honest, ("runs", 1, "initial"), forged_initial)
    result = judge(forged)
    assert result.status == "failed"
    assert "not those of the network the grader built" in result.feedback


def test_the_data_and_the_models_are_the_reference_s() -> None:
    """A record answering easier data, or another model, is judged on the grader's data."""
    honest = observed(train)
    easy = replaced(honest, ("targets",), np.zeros_like(honest["targets"]))
    assert judge(easy).status == "passed"  # the record's data are never read
    renamed = replaced(honest, ("runs", 0, "model"), "Other()")
    assert "do not answer the models asked" in judge(renamed).feedback


def test_a_long_curve_is_reported_by_its_length() -> None:
    huge = observed(train)
    for k, run in enumerate(huge["runs"]):
        huge = replaced(huge, ("runs", k), {**run, "losses": None, "losses_length": trl.MAX_LOSSES + 1})
    result = judge(huge)
    assert result.status == "failed" and "more than the grader reads" in result.feedback


JUNK = st.sampled_from([None, True, 0, -1, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1}, np.zeros(3),
                        np.zeros((2, 2)), np.zeros(0), [[1.0]], [None], np.array([["a"]])])


@settings(max_examples=150, deadline=None)
@given(data_=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_judge(data_: st.DataObject) -> None:
    expected = observed(train)
    path = data_.draw(st.sampled_from(record_paths(expected, list_entries=2)))
    result = judge(replaced(expected, path, data_.draw(JUNK)), expected)
    assert isinstance(result, Outcome)
    assert not result.errored or "Your code raised" in result.feedback, result.feedback


def test_unusable_reference_facts_are_the_instructor_s_error() -> None:
    result = judge(observed(train), {"call": {}})
    assert result.status == "error" and "tell your instructor" in result.feedback


# --- settings and pictures ------------------------------------------------------------------


def test_models_are_named_in_the_grader_s_words() -> None:
    assert trl.model_text({"class": "Net", "args": [4]}) == "Net(4)"
    assert trl.model_text({"chain": ["linear", "tanh", "linear"], "sizes": [3, 5, 2]}) == \
        "Linear(3, 5)-Tanh-Linear(5, 2)"


def test_the_loss_curves_are_drawn_against_the_reference_s() -> None:
    section = kit.KIND_PLOTS["training_reduces_loss"](observed(train_returns_nothing), observed(train), CHECK)
    assert section.heading == "Loss per epoch of train, yours against the reference's"
    assert not section.panels and len(section.notes) == 2  # None is no curve
    drawn = kit.KIND_PLOTS["training_reduces_loss"](observed(train_sgd), observed(train), CHECK)
    assert [p.title for p in drawn.panels] == ["Your train on Net(), seed 0",
                                               "Your train on the grader's Linear(2, 8)-Sigmoid-Linear(8, 1), seed 0"]
    assert drawn.panels[0].data["reference"].size == 300


def test_every_number_the_judge_reads_is_required_in_the_yaml() -> None:
    """No second default in code: leaving a threshold out is a spec error."""
    from jsonschema import Draft202012Validator

    found = kit.KINDS["training_reduces_loss"]
    assert not list(Draft202012Validator(found.check_schema).iter_errors(CHECK))
    assert not list(Draft202012Validator(found.observe_schema).iter_errors(OBSERVE))
    for key in CHECK:
        assert list(Draft202012Validator(found.check_schema).iter_errors({k: v for k, v in CHECK.items() if k != key}))
    wrong_model = {**OBSERVE, "models": [{"class": "Net", "sizes": [2, 1]}]}
    assert list(Draft202012Validator(found.observe_schema).iter_errors(wrong_model))


def test_a_layer_wider_than_asked_is_refused_before_any_arithmetic() -> None:
    """A forged 'model' of 100,000 hidden units would cost the grader its width in every loss."""
    wide = [{"weight": np.zeros((100_000, 2), dtype=np.float32), "bias": None},
            {"weight": np.zeros((1, 100_000), dtype=np.float32), "bias": None}]
    forged = observed(train)
    for k, run in enumerate(forged["runs"]):
        forged = replaced(forged, ("runs", k), {**run, "initial": wide, "final": wide})
    result = judge(forged)
    assert result.status == "failed"
    assert "has a weight of shape (100000, 2), wider than the 64 units the grader computes with" in result.feedback


# --- a mini-batch loop with the course's own signature ---------------------------------------

BATCH_CHAIN = ["linear", "tanh", "linear"]
BATCH_OBSERVE: dict[str, Any] = {
    "function": "train", "arguments": ["model", "loader", {"value": 40}, {"value": 0.02}], "seed": 3,
    "data": {"generator": "noisy_function", "seed": 1, "n": 40, "uniform": [-2, 2], "function": "2*x + 1 - x**2",
             "noise": 0.1},
    "loader": {"batch_size": 10, "shuffle": True},
    "models": [{"chain": BATCH_CHAIN, "sizes": [1, 8, 1]}],
}
BATCH_CHECK: dict[str, Any] = {
    "chain": BATCH_CHAIN, "loss": "squared_error", "reductions": ["mean"], "batch_losses": ["summed", "averaged"],
    "partial": True, "epochs_as_reference": True, "max_ratio": 0.3, "max_fit_ratio": 0.3,
    "trajectory": {"epochs": 5, "rtol": 1e-3}, "first_loss_rtol": 0.2, "last_loss_tol": 0.05, "max_width": 64}


def batch_loop(model: nn.Module, loader: Any, n_epochs: int, lr: float, zero_grad: bool = True,
               average: bool = False) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(n_epochs):
        total, batches = 0.0, 0
        for x, y in loader:
            if zero_grad:
                optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches if average else total)
    return losses


def batch_averaged(model: nn.Module, loader: Any, n_epochs: int, lr: float) -> list[float]:
    return batch_loop(model, loader, n_epochs, lr, average=True)


def batch_no_zero_grad(model: nn.Module, loader: Any, n_epochs: int, lr: float) -> list[float]:
    return batch_loop(model, loader, n_epochs, lr, zero_grad=False)


def batch_no_return(model: nn.Module, loader: Any, n_epochs: int, lr: float) -> None:
    batch_loop(model, loader, n_epochs, lr)


def batch_judge(function: Any) -> Outcome:
    return judge(observed(function, params=BATCH_OBSERVE), observed(batch_loop, params=BATCH_OBSERVE), BATCH_CHECK)


def test_a_mini_batch_loop_gets_the_loader_and_the_literal_arguments() -> None:
    result = batch_judge(batch_loop)
    assert result.status == "passed", result.feedback
    assert result.feedback.startswith("train(model, dataloader, 40, 0.02) on a grader-built Linear(1, 8)-")
    facts = observed(batch_loop, params=BATCH_OBSERVE)
    assert facts["batches"] == 4 and facts["arguments"] == ["model", "loader", "40", "0.02"]
    assert facts["runs"][0]["losses_length"] == 40


def test_generated_data_are_the_generator_s_in_the_sandbox_and_the_judge() -> None:
    facts = observed(batch_loop, params=BATCH_OBSERVE)
    x, y = trl.training_data(BATCH_OBSERVE["data"])
    rng = np.random.default_rng(1)
    xs = rng.uniform(-2, 2, 40)
    np.testing.assert_array_equal(x[:, 0], xs)
    np.testing.assert_array_equal(y[:, 0], 2 * xs + 1 - xs**2 + rng.normal(0, 0.1, 40))
    np.testing.assert_array_equal(facts["inputs"], x.astype(np.float32))
    np.testing.assert_array_equal(facts["targets"], y.astype(np.float32))


def test_averaged_batch_losses_cost_the_trajectory_part_only() -> None:
    result = batch_judge(batch_averaged)
    assert result.fraction == 0.75, result.feedback
    assert "the first epoch's loss is 1/4 of the reference's, the sum over the 4 batches" in result.feedback


def test_accumulated_gradients_are_named_as_a_drift() -> None:
    """Here accumulated gradients make the last epoch's steps large, so the curve's last loss is
    tied to the final weights loosely (last_loss_tol 0.5): the drift is what this test is about."""
    slow = {**BATCH_OBSERVE, "arguments": ["model", "loader", {"value": 40}, {"value": 0.002}]}
    result = judge(observed(batch_no_zero_grad, params=slow), observed(batch_loop, params=slow),
                   {**BATCH_CHECK, "last_loss_tol": 0.5})
    assert result.status == "partial", result.feedback
    assert "the first epoch matches but later ones drift: call optimizer.zero_grad() for every batch" \
        in result.feedback


def test_a_loop_without_return_keeps_the_model_s_share() -> None:
    result = batch_judge(batch_no_return)
    assert result.fraction == 0.5, result.feedback
    assert "train returned None" in result.feedback


def test_a_curve_of_another_length_than_asked_is_not_usable() -> None:
    facts = observed(batch_loop, params=BATCH_OBSERVE)
    run = facts["runs"][0]
    short = {**facts, "runs": [{**run, "losses": run["losses"][:20], "losses_length": 20}]}
    result = judge(short, facts, BATCH_CHECK)
    assert result.fraction == 0.5
    assert "train returned 20 losses, expected one per epoch asked: 40." in result.feedback


def test_summed_batch_losses_are_tied_to_the_weights_by_the_batch_count() -> None:
    """Without ``summed`` an epoch's loss of four batch means is four times the data's: not the model's."""
    facts = observed(batch_loop, params=BATCH_OBSERVE)
    result = judge(facts, facts, {**BATCH_CHECK, "batch_losses": ["averaged"]})
    assert "are not the losses of the model it trained" in result.feedback
    assert "for every batch of the `dataloader` argument" in result.feedback


def test_partial_credit_needs_the_fit_threshold_and_data_need_every_setting() -> None:
    from jsonschema import Draft202012Validator

    found = kit.KINDS["training_reduces_loss"]
    assert not list(Draft202012Validator(found.check_schema).iter_errors(BATCH_CHECK))
    assert not list(Draft202012Validator(found.observe_schema).iter_errors(BATCH_OBSERVE))
    no_fit = {k: v for k, v in BATCH_CHECK.items() if k != "max_fit_ratio"}
    assert list(Draft202012Validator(found.check_schema).iter_errors(no_fit))
    for key in ("seed", "n", "uniform", "function", "noise"):
        data = {k: v for k, v in BATCH_OBSERVE["data"].items() if k != key}
        assert list(Draft202012Validator(found.observe_schema).iter_errors({**BATCH_OBSERVE, "data": data})), key


# --- a training function that returns nothing, given the grader's optimiser and loss ----------

FIT_OBSERVE: dict[str, Any] = {
    "function": "train", "arguments": [{"value": 30}, "model", "loss_function", "optimizer", "loader"], "seed": 0,
    "data": {"generator": "noisy_function", "seed": 2, "n": 30, "uniform": [-1, 1], "function": "3*x - 1",
             "noise": 0.05},
    "loader": {"batch_size": 10, "shuffle": False}, "optimizer": {"name": "SGD", "lr": 0.1},
    "loss_function": "mse_loss", "models": [{"chain": ["linear"], "sizes": [1, 1]}],
}
FIT_CHECK: dict[str, Any] = {"chain": ["linear"], "loss": "squared_error", "reductions": ["mean"],
                             "returns_losses": False, "partial": True, "max_fit_ratio": 0.1,
                             "final_weights": {"rtol": 1e-4, "atol": 1e-5}, "max_width": 64}


def fit_loop(epochs: int, model: nn.Module, loss_fn: Any, opt: Any, loader: Any, zero_grad: bool = True) -> None:
    assert isinstance(model, nn.Linear)  # a one-layer chain is the nn.Linear itself
    for _ in range(epochs):
        for x, y in loader:
            loss_fn(model(x), y).backward()
            opt.step()
            if zero_grad:
                opt.zero_grad()


def fit_no_zero_grad(epochs: int, model: nn.Module, loss_fn: Any, opt: Any, loader: Any) -> None:
    fit_loop(epochs, model, loss_fn, opt, loader, zero_grad=False)


def fit_last_batch_only(epochs: int, model: nn.Module, loss_fn: Any, opt: Any, loader: Any) -> None:
    for _ in range(epochs):
        x, y = list(loader)[-1]
        loss_fn(model(x), y).backward()
        opt.step()
        opt.zero_grad()


def fit_judge(function: Any, check: dict[str, Any] | None = None) -> Outcome:
    return judge(observed(function, params=FIT_OBSERVE), observed(fit_loop, params=FIT_OBSERVE), check or FIT_CHECK)


def test_a_function_returning_nothing_is_judged_on_its_model() -> None:
    result = fit_judge(fit_loop)
    assert result.status == "passed", result.feedback
    assert result.feedback.startswith("train(30, model, loss_fn, opt, dataloader) on a grader-built Linear(1, 1) "
                                      "network: the model's loss on the grader's data, recomputed from its weights")
    run = observed(fit_loop, params=FIT_OBSERVE)["runs"][0]
    assert run["steps"] == 90 and run["zero_grads"] == 90 and run["losses"] is None


def test_the_model_must_end_where_the_reference_s_training_ends() -> None:
    result = fit_judge(fit_no_zero_grad)
    assert result.fraction < 1.0
    assert "During train, optimizer.zero_grad() was never called" in result.feedback
    fewer = fit_judge(fit_last_batch_only)
    assert fewer.fraction <= 0.5
    assert "optimizer.step() was called 30 times, expected 90 (once per batch, for every epoch)" in fewer.feedback


def test_without_a_curve_the_curve_s_numbers_are_not_asked_but_the_model_s_are() -> None:
    from jsonschema import Draft202012Validator

    found = kit.KINDS["training_reduces_loss"]
    assert not list(Draft202012Validator(found.check_schema).iter_errors(FIT_CHECK))
    assert not list(Draft202012Validator(found.observe_schema).iter_errors(FIT_OBSERVE))
    no_fit = {k: v for k, v in FIT_CHECK.items() if k != "max_fit_ratio"}
    assert list(Draft202012Validator(found.check_schema).iter_errors(no_fit))
    curve = {k: v for k, v in FIT_CHECK.items() if k != "returns_losses"}
    assert list(Draft202012Validator(found.check_schema).iter_errors(curve))  # then max_ratio & co. are required
