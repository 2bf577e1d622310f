"""Tests of kind ``function_matches_reference``: a function returns the reference's values.

The observer runs in process on small functions written here (as students
write them), and their facts, round-tripped through the facts encoding, are
judged against a correct function's, as the reference's would be. Then the
judge on forged and mangled records, and the settings' validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import jsonschema
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from autograder import facts, kit, spec as spec_mod
from autograder.kit import function_matches_reference as fmr
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from tests.records import record_paths, replaced

kit.load_all()
KIND = "function_matches_reference"

LOSS_OBSERVE = {"function": "loss", "seed": 0, "cases": [
    {"label": "on two (5, 2) tensors",
     "inputs": {"t1": {"normal": [5, 2], "as": "torch", "requires_grad": True}, "t2": {"normal": [5, 2], "as": "torch"}}},
    {"inputs": {"t1": {"normal": [3, 4], "as": "torch", "requires_grad": True}, "t2": {"normal": [3, 4], "as": "torch"}}},
]}
LOSS_CHECK = {"rtol": 1e-4, "atol": 1e-6, "shape": "exact", "describe": "the mean of (t1 - t2)**2",
              "gradients": {"rtol": 1e-4, "atol": 1e-6},
              "mistakes": [{"scale": 1, "times": [{"input": "t1"}], "says": "that is the sum: divide by numel."},
                           {"power": 0.5, "says": "that is its square root."}]}

AFFINE_OBSERVE = {"function": "affine", "seed": 4, "cases": [
    {"inputs": {"x": {"values": [[1, 2, 3], [4, 5, 6]], "as": "torch"}, "w": {"normal": [2, 3], "as": "torch"},
                "b": {"normal": [2], "as": "torch"}}},
], "variants": [{"name": "no_b", "replace": {"b": "zeros"}}]}
AFFINE_CHECK = {"rtol": 1e-5, "atol": 1e-5, "shape": "exact", "describe": "x @ w.T + b",
                "mistakes": [{"variant": "no_b", "says": "the bias is missing."}],
                "errors": [{"match": "shapes cannot be multiplied", "says": "Transpose w."}]}

CUBIC_OBSERVE = {"function": "cubic", "seed": 2, "cases": [
    {"part": "NumPy arrays", "inputs": {"x": {"uniform": {"low": -2, "high": 2, "shape": [20]}, "as": "numpy"},
                                        "c": {"normal": [4], "as": "floats"}}},
    {"part": "torch tensors", "inputs": {"x": {"uniform": {"low": -2, "high": 2, "shape": [20]}, "as": "torch"},
                                         "c": {"normal": [4], "as": "tensors", "requires_grad": True}}},
], "variants": [{"name": "reversed", "replace": {"c": "reverse"}}]}
CUBIC_CHECK = {"rtol": 1e-4, "atol": 1e-4, "shape": "exact", "describe": "c0 + c1 x + c2 x^2 + c3 x^3",
               "mistakes": [{"variant": "reversed", "says": "the coefficients are reversed."}],
               "errors": [{"part": "NumPy arrays", "says": "Accept NumPy arrays too."}]}


def loss(t1: torch.Tensor, t2: torch.Tensor) -> torch.Tensor:
    return ((t1 - t2) ** 2).mean()


def affine(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return x @ w.t() + b


def cubic(x: Any, c: Any) -> Any:
    return c[0] + c[1] * x + c[2] * x ** 2 + c[3] * x ** 3


def facts_of(params: dict[str, Any], fn: Any, name: str) -> dict[str, Any]:
    record = facts.decode(facts.encode(observe("kit.item", SubmissionNamespace({name: fn}), params, KIND)))
    assert record["status"] == "ok", record
    return record["facts"]


def judge(params: dict[str, Any], check: dict[str, Any], fn: Callable[..., Any], right: Callable[..., Any]) -> Outcome:
    name = params.get("function") or params["class"]
    return kit.KINDS[KIND].judge(facts_of(params, fn, name), facts_of(params, right, name), check)


def loss_judged(fn: Callable[..., Any]) -> Outcome:
    return judge(LOSS_OBSERVE, LOSS_CHECK, fn, loss)


# --- values and gradients -------------------------------------------------------------------


def test_the_right_function_passes_and_names_what_it_computes() -> None:
    outcome = loss_judged(lambda t1, t2: torch.mean((t1 - t2) * (t1 - t2)))
    assert outcome.status == "passed", outcome.feedback
    assert "computes the mean of (t1 - t2)**2, on each of the grader's 2 calls" in outcome.feedback
    assert "gradients flow back through it to `t1`" in outcome.feedback


def test_a_scaled_mistake_is_named_and_its_own_gradient_still_counts() -> None:
    outcome = loss_judged(lambda t1, t2: ((t1 - t2) ** 2).sum())
    assert outcome.status == "partial" and outcome.fraction == 0.5
    assert "`loss(t1, t2)` on two (5, 2) tensors returned" in outcome.feedback
    assert "that is the sum: divide by numel." in outcome.feedback


def test_a_power_mistake_is_named() -> None:
    outcome = loss_judged(lambda t1, t2: ((t1 - t2) ** 2).mean().sqrt())
    assert outcome.fraction == 0.5 and "that is its square root." in outcome.feedback


def test_a_python_number_is_a_right_value_through_which_no_gradient_flows() -> None:
    outcome = loss_judged(lambda t1, t2: float(((t1 - t2) ** 2).mean().detach()))
    assert outcome.status == "partial" and outcome.fraction == 0.5
    assert "returned a float, not a tensor, so no gradient can flow" in outcome.feedback


def test_a_detached_result_sends_no_gradient() -> None:
    outcome = loss_judged(lambda t1, t2: torch.tensor(float(((t1 - t2) ** 2).mean().detach()), requires_grad=True))
    assert outcome.fraction == 0.5 and "the gradient of `t1` is missing or zero" in outcome.feedback


def test_a_gradient_that_is_not_the_value_s_is_caught() -> None:
    def half_detached(t1: torch.Tensor, t2: torch.Tensor) -> torch.Tensor:
        d = t1 - t2
        return (d * d.detach()).mean()  # the right value; half the gradient

    outcome = loss_judged(half_detached)
    assert outcome.fraction == 0.5 and "is not the gradient of the mean of (t1 - t2)**2" in outcome.feedback


def test_an_unrecognised_value_fails_both_parts() -> None:
    outcome = loss_judged(lambda t1, t2: (t1 - t2).abs().mean())
    assert outcome.status == "failed"
    assert "returned wrong values: it returned" in outcome.feedback and "could not be checked" in outcome.feedback


def test_a_result_of_the_wrong_shape_is_named() -> None:
    outcome = loss_judged(lambda t1, t2: (t1 - t2) ** 2)
    assert outcome.status == "failed" and "returned shape (5,2); expected a single number" in outcome.feedback


def test_a_function_that_always_raises_is_an_error_with_the_check_s_hint() -> None:
    outcome = judge(AFFINE_OBSERVE, AFFINE_CHECK, lambda x, w, b: x @ w + b, affine)
    assert outcome.status == "error"
    assert "raised RuntimeError: mat1 and mat2 shapes cannot be multiplied" in outcome.feedback
    assert "Transpose w. Fix it and run the check again." in outcome.feedback


def test_a_variant_of_the_reference_names_the_mistake() -> None:
    outcome = judge(AFFINE_OBSERVE, AFFINE_CHECK, lambda x, w, b: x @ w.t(), affine)
    assert outcome.status == "failed" and outcome.feedback.endswith("the bias is missing.")
    assert "the reference returned" in outcome.diagnostics  # for the instructor, never the student


def test_parts_share_the_credit_and_errors_get_the_part_s_hint() -> None:
    def torch_only(x: Any, c: Any) -> Any:
        return c[0] + c[1] * x + c[2] * torch.pow(x, 2) + c[3] * torch.pow(x, 3)

    outcome = judge(CUBIC_OBSERVE, CUBIC_CHECK, torch_only, cubic)
    assert outcome.status == "partial" and outcome.fraction == 0.5
    assert "Accept NumPy arrays too." in outcome.feedback
    assert "for NumPy arrays and torch tensors" in judge(CUBIC_OBSERVE, CUBIC_CHECK, cubic, cubic).feedback


def test_the_same_slip_in_two_parts_is_said_once() -> None:
    outcome = judge(CUBIC_OBSERVE, CUBIC_CHECK, lambda x, c: c[0] + c[1] * x + c[2] * x ** 2 + c[3] * x ** 2, cubic)
    assert outcome.status == "failed"
    assert "returned wrong values: at x = " in outcome.feedback and "(the largest difference)" in outcome.feedback
    assert outcome.feedback.endswith("The same holds for torch tensors.")
    reversed_ = judge(CUBIC_OBSERVE, CUBIC_CHECK, lambda x, c: cubic(x, c[::-1]), cubic)
    assert "the coefficients are reversed." in reversed_.feedback


def test_same_type_and_size_shapes() -> None:
    check = {**CUBIC_CHECK, "same_type": True}
    outcome = judge(CUBIC_OBSERVE, check, lambda x, c: torch.as_tensor(cubic(x, c)), cubic)
    assert outcome.fraction == 0.5 and "returned a torch.Tensor, expected a numpy.ndarray" in outcome.feedback
    column = lambda x, c: cubic(x, c).reshape(-1, 1)  # noqa: E731
    assert judge(CUBIC_OBSERVE, CUBIC_CHECK, column, cubic).status == "failed"
    assert judge(CUBIC_OBSERVE, {**CUBIC_CHECK, "shape": "size"}, column, cubic).status == "passed"


def test_scaled_atol_follows_the_largest_value() -> None:
    params = {"function": "grad", "seed": 0, "cases": [{"inputs": {"x": {"values": [1000.0, 0.0], "as": "numpy"}}}]}
    right, off = (lambda x: x.copy()), (lambda x: x + np.array([0.0, 5e-4]))
    check = {"rtol": 1e-6, "atol": 1e-6, "shape": "exact", "describe": "x"}
    assert judge(params, check, off, right).status == "failed"
    assert judge(params, {**check, "atol_scaled": True}, off, right).status == "passed"


class Scaler(nn.Module):
    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.k * x


def test_a_method_is_called_on_an_instance_built_from_the_settings() -> None:
    params = {"class": "Scaler", "args": [3.0], "method": "forward", "seed": 0,
              "cases": [{"inputs": {"x": {"normal": [4], "as": "torch"}}}]}
    check = {"rtol": 1e-6, "atol": 1e-6, "shape": "exact", "describe": "3 x"}
    assert judge(params, check, Scaler, Scaler).status == "passed"
    doubler = type("Doubler", (Scaler,), {"forward": lambda self, x: 2 * x})
    outcome = judge(params, check, doubler, Scaler)
    assert outcome.status == "failed" and "`Scaler(3.0).forward(x)`" in outcome.feedback


def test_supplied_helpers_replace_the_student_s_while_the_function_runs() -> None:
    scope: dict[str, Any] = {}
    exec("def helper(x):\n    return x * 0\ndef outer(x):\n    return helper(x) + 1\n", scope)  # noqa: S102
    params = {"function": "outer", "seed": 0, "cases": [{"inputs": {"x": {"normal": [3], "as": "numpy"}}}]}
    own = facts_of(params, scope["outer"], "outer")
    supplied = facts_of({**params, "supplied": {"helper": "def helper(x):\n    return x * 2\n"}},
                        scope["outer"], "outer")
    x = np.asarray(own["cases"][0]["inputs"][0]["values"])
    assert np.allclose(own["cases"][0]["result"]["values"], 1.0)
    assert np.allclose(supplied["cases"][0]["result"]["values"], 2 * x + 1)


def test_each_call_gets_fresh_inputs() -> None:
    def clobber(x: np.ndarray) -> np.ndarray:
        out = x * 2
        x[:] = 0
        return out

    params = {"function": "f", "seed": 0, "cases": [{"inputs": {"x": {"normal": [3], "as": "numpy"}}}],
              "variants": [{"name": "neg", "replace": {"x": "negate"}}]}
    got = facts_of(params, clobber, "f")["cases"][0]
    assert np.allclose(got["variants"][0]["result"]["values"], -got["result"]["values"])


# --- forged and mangled records -------------------------------------------------------------


def test_the_record_s_inputs_and_labels_are_never_used() -> None:
    """A record that answers other questions (its own inputs) with consistent values still fails."""
    expected = facts_of(LOSS_OBSERVE, loss, "loss")
    forged = facts_of(LOSS_OBSERVE, lambda t1, t2: ((t1 - t2) ** 2).sum(), "loss")
    for case in forged["cases"]:
        case["inputs"] = [{**i, "shape": [1, 1]} for i in case["inputs"]]
        case["label"] = "anything"
    outcome = kit.KINDS[KIND].judge(forged, expected, LOSS_CHECK)
    assert outcome.fraction == 0.5 and "on two (5, 2) tensors" in outcome.feedback


def test_every_call_needs_an_answer() -> None:
    expected = facts_of(LOSS_OBSERVE, loss, "loss")
    short = {**expected, "cases": expected["cases"][:1]}
    outcome = kit.KINDS[KIND].judge(short, expected, LOSS_CHECK)
    assert outcome.status == "failed" and "could not use what your code reported" in outcome.feedback


def test_a_huge_claimed_result_is_refused_by_its_size() -> None:
    expected = facts_of(LOSS_OBSERVE, loss, "loss")
    forged = facts_of(LOSS_OBSERVE, loss, "loss")
    forged["cases"][0]["result"]["values"] = np.zeros(10**6)
    forged["cases"][0]["result"]["shape"] = [10**6]
    outcome = kit.KINDS[KIND].judge(forged, expected, LOSS_CHECK)
    assert outcome.status == "failed" and "returned shape (1000000,)" in outcome.feedback


def test_unusable_reference_facts_are_the_instructor_s_error() -> None:
    got = facts_of(LOSS_OBSERVE, loss, "loss")
    broken = facts_of(LOSS_OBSERVE, lambda t1, t2: 1 / 0, "loss")
    outcome = kit.KINDS[KIND].judge(got, broken, LOSS_CHECK)
    assert outcome.status == "error" and "tell your instructor" in outcome.feedback


JUNK = st.sampled_from([None, True, -1, 0, 2.5, float("nan"), "x", [], {}, [1, 2], {"a": 1}, np.zeros(3),
                        np.zeros((2, 2)), np.zeros(0), np.ones(1, dtype=np.int8), [[1.0]], [None], np.array([["a"]])])


@settings(max_examples=150, deadline=None)
@given(data_=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_judge(data_: st.DataObject) -> None:
    expected = facts_of(LOSS_OBSERVE, loss, "loss")
    path = data_.draw(st.sampled_from(record_paths(expected, list_entries=2)))
    outcome = kit.KINDS[KIND].judge(replaced(expected, path, data_.draw(JUNK)), expected, LOSS_CHECK)
    assert isinstance(outcome, Outcome)
    assert not outcome.errored or "raised" in outcome.feedback, outcome.feedback


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [LOSS_OBSERVE, AFFINE_OBSERVE, CUBIC_OBSERVE])
def test_the_settings_used_here_are_valid(params: dict[str, Any]) -> None:
    jsonschema.validate(params, kit.KINDS[KIND].observe_schema)


@pytest.mark.parametrize("check", [LOSS_CHECK, AFFINE_CHECK, CUBIC_CHECK])
def test_the_checks_used_here_are_valid(check: dict[str, Any]) -> None:
    jsonschema.validate(check, kit.KINDS[KIND].check_schema)


@pytest.mark.parametrize("bad", [
    {**LOSS_OBSERVE, "class": "Net"},  # a function and a class
    {k: v for k, v in LOSS_OBSERVE.items() if k != "function"},  # neither
    {**LOSS_OBSERVE, "cases": [{"inputs": {"t1": {"normal": [2], "uniform": {"low": 0, "high": 1, "shape": [2]},
                                                  "as": "torch"}}}]},  # two sources
    {**LOSS_OBSERVE, "cases": [{"inputs": {"t1": {"normal": [2]}}}]},  # no `as`
    {**LOSS_OBSERVE, "variants": [{"name": "v", "replace": {"t1": "transpose"}}]},
])
def test_bad_observe_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, kit.KINDS[KIND].observe_schema)


@pytest.mark.parametrize("missing", ["rtol", "atol", "shape", "describe"])
def test_every_tolerance_is_required(missing: str) -> None:
    with pytest.raises(jsonschema.ValidationError, match=f"'{missing}' is a required property"):
        jsonschema.validate({k: v for k, v in LOSS_CHECK.items() if k != missing}, kit.KINDS[KIND].check_schema)


def test_an_item_of_the_kind_loads_from_yaml(tmp_path: Path) -> None:
    (tmp_path / "ref.py").write_text("def loss(t1, t2):\n    return ((t1 - t2) ** 2).mean()\n")
    (tmp_path / "assignment.yaml").write_text(
        "name: kit_fn\ntitle: t\nreference: ref.py\nitems:\n"
        "  - id: demo.loss\n    title: loss\n    points: 1\n    kind: function_matches_reference\n"
        "    observe: {function: loss, seed: 0, cases: [{inputs: {t1: {normal: [3], as: torch}, "
        "t2: {normal: [3], as: torch}}}]}\n"
        "    check: {rtol: 1.0e-4, atol: 1.0e-6, shape: exact, describe: the mean}\n")
    item = spec_mod.load(tmp_path).item("demo.loss")
    assert item.kind == KIND and fmr.CHECK["required"] == ["rtol", "atol", "shape", "describe"]


def test_a_result_too_large_to_send_is_reported_by_its_shape_only() -> None:
    params = {"function": "f", "seed": 0, "cases": [{"inputs": {"x": {"normal": [3], "as": "torch"}}}]}
    huge = facts_of(params, lambda x: torch.zeros(fmr.MAX_VALUES + 1), "f")
    assert huge["cases"][0]["result"]["values"] is None and huge["cases"][0]["result"]["shape"] == [fmr.MAX_VALUES + 1]
    outcome = kit.KINDS[KIND].judge(huge, facts_of(params, lambda x: 2 * x, "f"),
                                    {"rtol": 1e-6, "atol": 1e-6, "shape": "exact", "describe": "2 x"})
    assert outcome.status == "failed" and "too many values" in outcome.feedback


def test_a_claimed_shape_of_many_dimensions_keeps_the_feedback_short() -> None:
    expected = facts_of(LOSS_OBSERVE, loss, "loss")
    forged = facts_of(LOSS_OBSERVE, loss, "loss")
    forged["cases"][0]["result"]["shape"] = [1] * 10_000
    forged["cases"][0]["result"]["values"] = np.zeros(2)
    outcome = kit.KINDS[KIND].judge(forged, expected, LOSS_CHECK)
    assert outcome.status == "failed" and "of no usable shape" in outcome.feedback and len(outcome.feedback) < 1000
