"""Tests of the ``mlp_regression`` assignment (Sheet 2.3): observers and checks, in process.

Every rubric item runs on passing submissions and on realistic mistakes that
fail it, with the important feedback pinned. Small inline submissions and
hand-built facts cover the cases no shipped example does.
"""

from __future__ import annotations

import functools
import re
import textwrap
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import spec as spec_mod
from tests.coursecode import CHECKS
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file
from tests.records import record_paths, replaced

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "mlp_regression"
REFERENCE = ROOT / "reference" / "mlp_regression.py"
TEMPLATE = ROOT / "student_template" / "mlp_regression.ipynb"
A = "mlp_regression"
ITEMS = ("mlp.goal_fun", "mlp.dataset", "mlp.explicit_shapes", "mlp.condensed_shapes",
         "mlp.layout_shapes", "mlp.init_range", "mlp.forward", "mlp.loss_decrease")



@functools.lru_cache(maxsize=None)
def spec() -> spec_mod.AssignmentSpec:
    return spec_mod.load(A)


@functools.lru_cache(maxsize=None)
def expected(item_id: str) -> dict:
    return observe_file(REFERENCE, A, item_id)


def judge(path: Path, item_id: str) -> Outcome:
    """Observe ``path`` in process and judge it against the (cached) reference observation."""
    return outcome_for(spec().item(item_id), observe_file(path, A, item_id), expected(item_id))


def outcome(example: str, item_id: str) -> Outcome:
    return judge(EXAMPLES / example, item_id)


def inline(tmp_path: Path, source: str, item_id: str, base: str = "correct.py") -> Outcome:
    """Judge ``base`` with ``source`` appended: later definitions replace the example's."""
    path = tmp_path / "submission.py"
    path.write_text((EXAMPLES / base).read_text() + "\n\n" + textwrap.dedent(source))
    return judge(path, item_id)


# --- whole submissions -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [REFERENCE, EXAMPLES / "correct.py", EXAMPLES / "uses_old_camelcase_names.py"],
                         ids=["reference", "correct", "camelcase"])
@pytest.mark.parametrize("item_id", ITEMS)
def test_correct_solutions_pass_every_item(path: Path, item_id: str) -> None:
    result = judge(path, item_id)
    assert result.status == "passed", result.feedback


MISTAKES = {
    "goal_fun_wrong_sign.py": {"mlp.goal_fun": "failed"},
    "dataset_reads_globals.py": {"mlp.dataset": "failed"},
    "explicit_missing_layer.py": {"mlp.explicit_shapes": "failed"},
    "condensed_hardcoded_sizes.py": {"mlp.condensed_shapes": "partial"},
    "layout_off_by_one.py": {"mlp.layout_shapes": "failed", "mlp.forward": "partial"},
    "zero_init.py": {"mlp.init_range": "failed"},
    "mlp_no_relu.py": {"mlp.forward": "failed"},
    "forward_activation_on_output.py": {"mlp.forward": "partial"},
    "train_forgets_zero_grad.py": {"mlp.loss_decrease": "partial"},
    "train_returns_mean_loss.py": {"mlp.loss_decrease": "partial"},
}


@pytest.mark.parametrize("example", sorted(MISTAKES))
def test_each_mistake_costs_only_its_items(example: str) -> None:
    got = {item_id: outcome(example, item_id).status for item_id in ITEMS}
    assert got == {item_id: MISTAKES[example].get(item_id, "passed") for item_id in ITEMS}


def test_every_item_has_a_failing_example() -> None:
    assert {item for lost in MISTAKES.values() for item in lost} == set(ITEMS)


def test_every_example_says_what_it_does() -> None:
    for path in EXAMPLES.glob("*.py"):
        assert path.read_text().startswith('"""'), path.name


def test_untouched_template_passes_nothing(tmp_path: Path) -> None:
    notebook = nbformat.read(TEMPLATE, as_version=4)
    code = "\n\n".join(c.source for c in notebook.cells
                       if c.cell_type == "code" and not c.source.startswith("!"))
    path = tmp_path / "template.py"
    path.write_text(code)
    for item_id in ITEMS:
        result = judge(path, item_id)
        assert result.status in ("failed", "error"), (item_id, result)
        assert "not implemented yet" in result.feedback, (item_id, result.feedback)


# --- mlp.goal_fun ------------------------------------------------------------------------------


def test_goal_fun_wrong_sign_feedback() -> None:
    result = outcome("goal_fun_wrong_sign.py", "mlp.goal_fun")
    assert result.feedback.startswith(
        "goal_fun(np.array([...])): at x = -5 it returned -86.4, but x**3 - x**2 + 25*sin(2*x) = "
        "-136.4. Check the signs and the factor 2 inside the sine."
    )


def test_goal_fun_torch_only_loses_the_numpy_half(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        def goal_fun(x):
            return x**3 - x**2 + 25 * torch.sin(2 * x)
    """, "mlp.goal_fun")
    assert result.status == "partial" and result.fraction == 0.5
    assert result.feedback.startswith("goal_fun(np.array([...])) raised TypeError: sin(): argument 'input'")
    assert result.feedback.endswith(
        "Use np.sin for arrays and torch.sin for tensors (or np.sin, which accepts both).")


def test_goal_fun_must_return_the_input_type(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        def goal_fun(x):
            x = np.asarray(x, dtype=np.float64)
            return x**3 - x**2 + 25 * np.sin(2 * x)
    """, "mlp.goal_fun")
    assert result.status == "partial"
    assert result.feedback == ("goal_fun(torch.tensor([...])) returned a numpy.ndarray, expected a torch.Tensor: "
                               "return the same type as the input.")


# --- mlp.dataset -------------------------------------------------------------------------------


def test_dataset_reading_globals_fails_with_the_cause() -> None:
    result = outcome("dataset_reads_globals.py", "mlp.dataset")
    assert result.feedback == (
        "Built on the tensors passed in, d[0] returned (-5, -147.66) but that data holds (-1.8783, 16.001) at "
        "index 0 (100 of 100 items differ): does __getitem__ read global variables (such as x_obs, y_obs) "
        "instead of the data stored on the instance (self.x_obs, self.y_obs)? A Dataset must return the data "
        "it was built with. The same happens for a dataset built on other data (37 points)."
    )


def test_dataset_keeping_float64_from_numpy_costs_nothing_but_gets_a_hint(tmp_path: Path) -> None:
    """NumPy input is not in the contract: a Dataset that keeps float64 from NumPy keeps full marks."""
    result = inline(tmp_path, """
        class NonLinearRegressionData(Dataset):
            def __init__(self, x_obs, y_obs):
                self.x = torch.as_tensor(x_obs).reshape(-1, 1)
                self.y = torch.as_tensor(y_obs).reshape(-1, 1)

            def __len__(self):
                return len(self.x)

            def __getitem__(self, i):
                return self.x[i], self.y[i]
    """, "mlp.dataset")
    assert result.status == "passed"
    assert result.feedback.endswith(
        "Not graded, a hint: NonLinearRegressionData on NumPy float64 arrays of 37 points: d[0] gave x_i of "
        "dtype float64, expected float32. The grader passes float32 tensors, as the sheet does; "
        "torch.as_tensor(x, dtype=torch.float32) in __init__ would accept NumPy arrays too."
    )


def test_dataset_refusing_numpy_costs_nothing(tmp_path: Path) -> None:
    """Sheet 2.3's torch.reshape on a NumPy element raises; that is a hint, not a lost point."""
    result = inline(tmp_path, """
        class NonLinearRegressionData(Dataset):
            def __init__(self, x_obs, y_obs):
                self.x, self.y = x_obs, y_obs

            def __len__(self):
                return len(self.x)

            def __getitem__(self, i):
                return torch.reshape(self.x[i], (1,)), torch.reshape(self.y[i], (1,))
    """, "mlp.dataset")
    assert result.status == "passed", result.feedback
    assert "Not graded, a hint: NonLinearRegressionData on NumPy float64 arrays of 37 points: d[0] raised" \
        in result.feedback


def test_dataset_with_hardcoded_length(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class NonLinearRegressionData(Dataset):
            def __init__(self, x_obs, y_obs):
                self.x = torch.as_tensor(x_obs, dtype=torch.float32).reshape(-1, 1)
                self.y = torch.as_tensor(y_obs, dtype=torch.float32).reshape(-1, 1)

            def __len__(self):
                return 100

            def __getitem__(self, i):
                return self.x[i], self.y[i]
    """, "mlp.dataset")
    assert result.status == "partial"
    assert result.feedback == ("NonLinearRegressionData on float32 tensors of 37 points: len(d) is 100, "
                               "expected 37.")


def test_dataset_items_of_wrong_shape(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class NonLinearRegressionData(Dataset):
            def __init__(self, x_obs, y_obs):
                self.x = torch.as_tensor(x_obs, dtype=torch.float32).reshape(-1, 1, 1)
                self.y = torch.as_tensor(y_obs, dtype=torch.float32).reshape(-1, 1, 1)

            def __len__(self):
                return len(self.x)

            def __getitem__(self, i):
                return self.x[i], self.y[i]
    """, "mlp.dataset")
    assert result.status == "partial"
    assert "d[0] gave x_i of shape (1, 1), expected (1,) or ()." in result.feedback


# --- shapes ------------------------------------------------------------------------------------


def test_explicit_missing_layer_feedback() -> None:
    result = outcome("explicit_missing_layer.py", "mlp.explicit_shapes")
    assert result.feedback.startswith(
        "MLPexplicit(1, 10, 1): expected 8 parameter tensors (10,1) (10,) (10,10) (10,) (10,10) (10,) (1,10) "
        "(1,), found 6: (10,1) (10,) (10,10) (10,) (1,10) (1,) — is a Linear layer missing from "
        "MLPexplicit(1, 10, 1)? (found 3 weight/bias pairs, expected 4)"
    )


def test_condensed_hardcoded_sizes_feedback() -> None:
    result = outcome("condensed_hardcoded_sizes.py", "mlp.condensed_shapes")
    assert result.fraction == 0.5
    assert result.feedback.startswith("MLPcondensed(2, 6, 3): parameter 1 has shape (10,1), expected (6,2)")
    assert result.feedback.endswith("Are the constructor's arguments used for every layer size?")


def test_condensed_without_sequential_loses_a_third(tmp_path: Path) -> None:
    result = inline(tmp_path, "MLPcondensed = MLPexplicit\n", "mlp.condensed_shapes")
    assert result.status == "partial"
    assert result.feedback == ("MLPcondensed(1, 10, 1) contains no nn.Sequential: the condensed version builds "
                               "the whole network as one nn.Sequential(...).")


def test_layout_off_by_one_feedback() -> None:
    result = outcome("layout_off_by_one.py", "mlp.layout_shapes")
    assert "A layout of 5 sizes needs 4 Linear layers, one between each pair of consecutive sizes." in result.feedback
    assert "MLP([3, 7, 5, 2]) is wrong too: found (7,3) (7,) (5,7) (5,), expected (7,3) (7,) (5,7) (5,) (2,5) (2,)." \
        in result.feedback


# --- mlp.init_range ----------------------------------------------------------------------------


def test_zero_init_feedback() -> None:
    result = outcome("zero_init.py", "mlp.init_range")
    assert result.feedback.startswith(
        "MLPexplicit(1, 10, 1): all weights are 0 (constant weights make every unit learn the same thing): "
        "keep nn.Linear's default uniform initialisation."
    )


@pytest.mark.parametrize("init, message", [
    ("nn.init.xavier_uniform_(m.weight)",
     "Linear layer 2 weight has values up to 0.5475, outside ±1/sqrt(fan_in) = ±0.3162"),
    ("nn.init.zeros_(m.bias)", "all biases are 0 (PyTorch's default draws the biases uniformly too)"),
    ("nn.init.normal_(m.weight, 0, 0.01)",
     "the weights, scaled by sqrt(fan_in), have mean 0.0008433 and standard deviation 0.03133"),
    ("nn.init.uniform_(m.weight, 0, 1 / m.weight.shape[1] ** 0.5)",
     "the weights, scaled by sqrt(fan_in), have mean 0.4975 and standard deviation 0.2866"),
])
def test_other_initialisations_fail(tmp_path: Path, init: str, message: str) -> None:
    result = inline(tmp_path, f"""
        def reinit(cls):
            def build(*args):
                model = cls(*args)
                for m in model.modules():
                    if isinstance(m, nn.Linear):
                        {init}
                return model
            return build

        MLPexplicit, MLPcondensed, MLP = reinit(MLPexplicit), reinit(MLPcondensed), reinit(MLP)
    """, "mlp.init_range")
    assert result.status == "failed"
    assert result.feedback.startswith(f"MLPexplicit(1, 10, 1): {message}"), result.feedback


# --- mlp.forward -------------------------------------------------------------------------------


def test_no_relu_feedback() -> None:
    result = outcome("mlp_no_relu.py", "mlp.forward")
    assert result.feedback.startswith(
        "MLPexplicit(1, 10, 1): there is no ReLU between the layers: apply a ReLU after every hidden layer.")


def test_relu_on_output_is_caught_even_when_outputs_are_positive() -> None:
    result = outcome("forward_activation_on_output.py", "mlp.forward")
    assert result.feedback == (
        "MLP([1, 10, 10, 10, 1]): a ReLU is applied after the output layer too: the last Linear layer's output "
        "must be returned as it is, with no activation. MLP([3, 7, 5, 2]): a ReLU is applied after the output "
        "layer too: the last Linear layer's output must be returned as it is, with no activation."
    )


def test_forward_that_skips_a_layer(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class MLPexplicit(MLPexplicit):
            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                return self.out(x)
    """, "mlp.forward")
    assert result.fraction == 0.75
    assert "Layer(s) fc3 are never called in forward." in result.feedback


def test_forward_that_squeezes(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class MLPcondensed(MLPcondensed):
            def forward(self, x):
                return self.net(x).squeeze()
    """, "mlp.forward")
    assert result.feedback == ("MLPcondensed(1, 10, 1)(x) for x of shape (16, 1) returned shape (16,), expected "
                               "(16, 1): return the last layer's output as it is (no squeeze or reshape).")


def test_forward_with_one_class_missing_keeps_the_others(tmp_path: Path) -> None:
    result = inline(tmp_path, "del MLPcondensed\n", "mlp.forward")
    assert result.status == "partial" and result.fraction == 0.75
    assert result.feedback == "MLPcondensed(1, 10, 1): `MLPcondensed` is not defined."


def test_forward_with_every_class_missing_is_failed(tmp_path: Path) -> None:
    result = inline(tmp_path, "del MLPexplicit, MLPcondensed, MLP\n", "mlp.forward")
    assert result.status == "failed"
    assert result.feedback.startswith("`MLPexplicit` is not defined.")


# --- mlp.loss_decrease -------------------------------------------------------------------------


def test_forgotten_zero_grad_feedback() -> None:
    result = outcome("train_forgets_zero_grad.py", "mlp.loss_decrease")
    assert result.fraction == 0.25
    assert result.feedback.endswith(
        "differ from a correct training run on the same data and model: the first epoch matches but later ones "
        "drift: call optimizer.zero_grad() for every batch (gradients otherwise accumulate), and create the "
        "optimizer once, before the epoch loop."
    )


def test_mean_instead_of_sum_feedback() -> None:
    result = outcome("train_returns_mean_loss.py", "mlp.loss_decrease")
    assert result.fraction == 0.75
    assert result.feedback == (
        "The losses returned for the first 10 epochs (3656, 3604, 3509, ...) differ from a correct "
        "training run on the same data and model: the first epoch's loss is 1/4 of the expected sum over the "
        "4 batches: add up the batch losses (loss.item()) instead of averaging them."
    )


def test_train_without_return_keeps_half(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        _train = train

        def train(model, dataloader, n_epochs, lr=1e-4):
            _train(model, dataloader, n_epochs, lr)
    """, "mlp.loss_decrease")
    assert result.fraction == 0.5
    assert result.feedback == ("train(model, dataloader, 100, lr) returned a builtins.NoneType, expected a list of "
                               "100 floats, one summed loss per epoch (is `return losses` after the epoch loop?).")


def test_train_ignoring_lr_fails_the_fall(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        _train = train

        def train(model, dataloader, n_epochs, lr=1e-4):
            return _train(model, dataloader, n_epochs)
    """, "mlp.loss_decrease")
    assert result.fraction == 0.25
    assert "is not well below the first" in result.feedback
    assert "expected below 30% of it" in result.feedback


def _train_facts(losses: Any = None, final: Any = None, initial: Any = None) -> dict:
    """The reference's own record, with the parts a test replaces."""
    facts = dict(expected("mlp.loss_decrease")["facts"])
    if losses is not None:
        facts["losses"] = losses
    if final is not None:
        facts["final"] = final
    if initial is not None:
        facts["initial"] = initial
    return facts


def _judge_training(observed: dict) -> Outcome:
    facts = expected("mlp.loss_decrease")["facts"]
    return CHECKS["mlp.loss_decrease"](observed, facts, spec().item("mlp.loss_decrease").check)


def _shifted(layers: list[dict], by: float) -> list[dict]:
    return [{**layer, "weight": layer["weight"] + by, "bias": layer["bias"] + by} for layer in layers]


def test_loss_check_on_hand_built_facts() -> None:
    assert _judge_training(_train_facts()).status == "passed"
    good = _train_facts()["losses"]
    diverged = good[:5] + [float("nan")] * 95
    result = _judge_training(_train_facts(diverged))
    assert result.fraction == 0.5  # the model, measured by the grader, still learned
    assert result.feedback.startswith("train(model, dataloader, 100, lr): the loss became nan in epoch 6, so "
                                      "training diverged")
    start = _train_facts()["initial"]
    frozen = _judge_training(_train_facts([good[0]] * 100, final=start))
    assert frozen.fraction == 0.25  # the losses are the model's, like a loop that never steps
    assert "The model's parameters did not change during train" in frozen.feedback


def test_loss_check_recomputes_the_fit_from_the_weights() -> None:
    """A falling made-up curve beside weights that never moved earns nothing."""
    start = _train_facts()["initial"]
    made_up = [14000.0 * 0.98 ** k for k in range(100)]
    result = _judge_training(_train_facts(made_up, final=_shifted(start, 1e-3)))
    assert result.status == "failed"
    assert result.feedback.startswith("The losses train returned (1.4e+04 in the first epoch, ")
    assert "are not those of the model it trained: its mean squared error on the data is" in result.feedback


def test_loss_check_counts_a_made_up_curve_beside_a_trained_model_once() -> None:
    """The model really learned (the grader measures it), but the curve is not its losses."""
    made_up = [14000.0 * 0.98 ** k for k in range(100)]
    result = _judge_training(_train_facts(made_up))
    assert result.fraction == 0.5
    assert "are not those of the model it trained" in result.feedback


def test_loss_check_needs_the_graders_starting_weights() -> None:
    start = _train_facts()["initial"]
    result = _judge_training(_train_facts(initial=_shifted(start, 0.01)))
    assert result.status == "failed"
    assert ("(the weights before training are not those of the model the grader built)") in result.feedback


def test_loss_check_needs_one_loss_per_epoch_asked() -> None:
    good = _train_facts()["losses"]
    result = _judge_training(_train_facts(good[:10]))
    assert result.fraction == 0.5
    assert result.feedback.startswith("train(model, dataloader, 100, lr) returned a builtins.list of 10 numbers, "
                                      "expected a list of 100 floats")


# --- every question needs its answer; inputs are the reference's --------------------------------


def _judge(item_id: str, observed: dict) -> Outcome:
    return CHECKS[item_id](observed, expected(item_id)["facts"], spec().item(item_id).check)


def test_explicit_shapes_need_every_configuration() -> None:
    facts = expected("mlp.explicit_shapes")["facts"]
    result = _judge("mlp.explicit_shapes", {"configs": facts["configs"][:1]})
    assert result.status == "failed"
    assert "(1 configurations where the grader asked for 2)" in result.feedback


def test_layout_shapes_need_every_layout() -> None:
    facts = expected("mlp.layout_shapes")["facts"]
    result = _judge("mlp.layout_shapes", {"configs": facts["configs"][:2]})
    assert result.status == "failed"
    assert "(2 configurations where the grader asked for 3)" in result.feedback
    assert _judge("mlp.layout_shapes", facts).status == "passed"


def test_layout_labels_are_the_graders_layouts() -> None:
    """The answers are matched to the layouts the grader asked, whatever the record says it was asked."""
    facts = expected("mlp.layout_shapes")["facts"]
    relabelled = {"configs": [dict(c, args=[1, 1]) for c in facts["configs"]]}
    result = _judge("mlp.layout_shapes", relabelled)
    assert result.status == "passed"
    assert result.feedback == ("Parameter shapes are right for MLP([1, 10, 10, 10, 1]), MLP([3, 7, 5, 2]), "
                               "MLP([2, 8, 8, 8, 8, 3]).")


def test_explicit_shapes_read_registered_parameters(tmp_path: Path) -> None:
    """A parameters() override that yields the contract's shapes hides no missing layer."""
    result = inline(tmp_path, """
        class MLPexplicit(MLPexplicit):
            def parameters(self, recurse=True):
                shapes = [(10, 1), (10,), (10, 10), (10,), (10, 10), (10,), (1, 10), (1,)]
                return iter([torch.zeros(s) for s in shapes])

            def modules(self):
                return iter([self])
    """, "mlp.explicit_shapes", base="explicit_missing_layer.py")
    assert result.status == "failed"
    assert result.feedback.startswith("MLPexplicit(1, 10, 1): expected 8 parameter tensors (10,1) (10,) (10,10) "
                                      "(10,) (10,10) (10,) (1,10) (1,), found 6")


def test_goal_fun_is_judged_at_the_graders_x() -> None:
    """The formula's values at points of the record's own choosing are not the answer asked."""
    x = np.linspace(-5, 5, 50)
    values = x**3 - x**2 + 25 * np.sin(2 * x)
    forged = {"x": x, **{kind: {"error": None, "type": t, "values": values}
                         for kind, t in (("numpy", "numpy.ndarray"), ("torch", "torch.Tensor"))}}
    assert _judge("mlp.goal_fun", forged).status == "failed"


def test_dataset_needs_one_item_per_point() -> None:
    facts = expected("mlp.dataset")["facts"]
    result = _judge("mlp.dataset", {**facts, "items": facts["items"] * 1000})
    assert result.status == "failed"
    assert "(100000 items where the grader asked for 100)" in result.feedback


def test_forward_is_judged_on_the_graders_batch() -> None:
    facts = expected("mlp.forward")["facts"]
    moved = {"models": [{**m, "passes": [{**p, "inputs": p["inputs"] + 1.0} for p in m["passes"]]}
                        for m in facts["models"]]}
    assert _judge("mlp.forward", moved).status == "passed"  # the record's inputs are never read
    shifted = {"models": [{**m, "passes": [{**p, "output": p["output"] + 1.0} for p in m["passes"]]}
                          for m in facts["models"]]}
    assert _judge("mlp.forward", shifted).status == "failed"


def test_forward_negates_the_output_layer_itself() -> None:
    """A second pass that claims positive output weights cannot hide a ReLU on the output."""
    facts = expected("mlp.forward")["facts"]
    models = []
    for m in facts["models"]:
        first = m["passes"][0]
        relu_out = np.maximum(first["output"], 0.0)
        models.append({**m, "passes": [{**first, "output": relu_out}, {**first, "output": relu_out}]})
    result = _judge("mlp.forward", {"models": models})
    assert result.status == "failed"
    assert "a ReLU is applied after the output layer too" in result.feedback


def test_forward_refuses_oversized_layers_before_computing() -> None:
    facts = expected("mlp.forward")["facts"]
    huge = [{"name": "fc", "weight": np.zeros((2000, 1000)), "bias": np.zeros(2000)}]
    models = [{**m, "passes": [{**p, "layers": huge} for p in m["passes"]]} for m in facts["models"]]
    result = _judge("mlp.forward", {"models": models})
    assert result.status == "failed"
    assert "(the layers hold more than 1000000 numbers)" in result.feedback


def test_init_range_needs_every_model_and_seed() -> None:
    facts = expected("mlp.init_range")["facts"]
    fewer_seeds = {"models": [{**m, "seeds": m["seeds"][:1]} for m in facts["models"]]}
    result = _judge("mlp.init_range", fewer_seeds)
    assert result.status == "failed"
    assert "(1 seeds for MLPexplicit(1, 10, 1) where the grader asked for 3)" in result.feedback


# --- any record: an outcome, never a grader error -----------------------------------------

JUNK = st.sampled_from([None, True, 0, -1, 7, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1},
                        np.zeros(3), np.zeros((2, 2)), np.zeros(0), np.ones(1, dtype=np.int8), [[1.0]], [None]])


@settings(max_examples=150, deadline=None)
@given(item_id=st.sampled_from(ITEMS), data=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_check(item_id: str, data: st.DataObject) -> None:
    """Whatever a submission writes in place of one fact, the check answers with an outcome."""
    facts = expected(item_id)["facts"]
    path = data.draw(st.sampled_from(record_paths(facts, list_entries=2)))
    result = CHECKS[item_id](replaced(facts, path, data.draw(JUNK)), facts, spec().item(item_id).check)
    assert isinstance(result, Outcome), result


# --- hints that agree --------------------------------------------------------------------------

# The leads a feedback can give, each recognised by its wording.
LEADS: dict[str, str] = {
    "formula": r"signs and the factor 2",
    "globals": r"global variables",
    "layer_missing": r"Linear layer missing|one between each pair|last Linear layer must have",
    "layer_sizes": r"sizes passed to each layer|constructor's arguments",
    "init": r"default (uniform )?initialisation",
    "relu": r"ReLU after every hidden layer",
    "output_activation": r"no activation",
    "zero_grad": r"zero_grad",
    "step": r"optimizer\.step\(\)",
    "sum_losses": r"add up the batch losses",
}
# Per shipped mistake: every failing item's feedback gives at least one lead, and only
# leads from this set (within one item too: the parts of train_forgets_zero_grad's
# loss_decrease all point at the gradients).
ALLOWED_LEADS: dict[str, set[str]] = {
    "goal_fun_wrong_sign.py": {"formula"},
    "dataset_reads_globals.py": {"globals"},
    "explicit_missing_layer.py": {"layer_missing"},
    "condensed_hardcoded_sizes.py": {"layer_sizes"},
    "layout_off_by_one.py": {"layer_missing"},
    "zero_init.py": {"init"},
    "mlp_no_relu.py": {"relu"},
    "forward_activation_on_output.py": {"output_activation"},
    "train_forgets_zero_grad.py": {"zero_grad"},
    "train_returns_mean_loss.py": {"sum_losses"},
}


def test_every_mistake_has_its_leads() -> None:
    assert set(ALLOWED_LEADS) == set(MISTAKES)


@pytest.mark.parametrize("example", sorted(ALLOWED_LEADS))
def test_failing_items_agree_on_the_cause(example: str) -> None:
    for item_id in MISTAKES[example]:
        feedback = outcome(example, item_id).feedback
        leads = {lead for lead, pattern in LEADS.items() if re.search(pattern, feedback)}
        assert leads and leads <= ALLOWED_LEADS[example], (item_id, leads, feedback)


def test_dataset_needs_the_second_size_but_not_numpy() -> None:
    """The second tensor dataset is a question asked (required); NumPy input is only a hint."""
    facts = expected("mlp.dataset")["facts"]
    assert _judge("mlp.dataset", {k: v for k, v in facts.items() if k != "small"}).status == "failed"
    assert _judge("mlp.dataset", {k: v for k, v in facts.items() if k != "numpy"}).status == "passed"
    refused = dict(facts, numpy=dict(facts["numpy"], error="TypeError: reshape(): argument 'input'"))
    result = _judge("mlp.dataset", refused)
    assert result.status == "passed" and "Not graded, a hint" in result.feedback
