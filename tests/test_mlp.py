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

from autograder import kit, spec as spec_mod
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
    assert result.status == "failed"
    assert result.feedback == (
        "`goal_fun(x)` on a NumPy array of 50 points in [-5, 5] returned wrong values: at x = -4.973 it "
        "returned -85.8, off by 49.45 (the largest difference). It should compute x**3 - x**2 + "
        "25*sin(2*x), element-wise. Check the signs and the factor 2 inside the sine. The same holds for "
        "torch tensors.")


def test_goal_fun_torch_only_loses_the_numpy_half(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        def goal_fun(x):
            return x**3 - x**2 + 25 * torch.sin(2 * x)
    """, "mlp.goal_fun")
    assert result.status == "partial" and result.fraction == 0.5
    assert "on a NumPy array of 50 points in [-5, 5] raised TypeError: sin(): argument 'input'" in result.feedback
    assert "Use np.sin for arrays and torch.sin for tensors (or np.sin, which accepts both)." in result.feedback


def test_goal_fun_must_return_the_input_type(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        def goal_fun(x):
            x = np.asarray(x, dtype=np.float64)
            return x**3 - x**2 + 25 * np.sin(2 * x)
    """, "mlp.goal_fun")
    assert result.status == "partial" and result.fraction == 0.5
    assert "on a torch tensor of 50 points in [-5, 5] returned a numpy.ndarray" in result.feedback, result.feedback


# --- mlp.dataset -------------------------------------------------------------------------------


def test_dataset_reading_globals_fails_with_the_cause() -> None:
    result = outcome("dataset_reads_globals.py", "mlp.dataset")
    assert result.feedback == (
        "Built on the data passed in, d[0] returned (-5, -147.66) but that data holds (-1.8783, 16.001) at "
        "index 0 (100 of 100 items differ): does __getitem__ read global variables (a notebook's data) instead "
        "of what __init__ stored on self, or does __init__ store the data on the class, shared by every "
        "instance? A Dataset must return the data it was built with. The same happens for a dataset built on "
        "other data (37 points)."
    )


def test_dataset_kept_on_the_class_is_caught_by_two_live_instances(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class NonLinearRegressionData(Dataset):
            def __init__(self, x_obs, y_obs):
                NonLinearRegressionData.x = torch.as_tensor(x_obs, dtype=torch.float32).reshape(-1, 1)
                NonLinearRegressionData.y = torch.as_tensor(y_obs, dtype=torch.float32).reshape(-1, 1)

            def __len__(self):
                return len(self.x)

            def __getitem__(self, i):
                return self.x[i], self.y[i]
    """, "mlp.dataset")
    assert result.status == "failed" and "on the class, shared by every instance" in result.feedback


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
        "Not graded, a hint: NonLinearRegressionData(x_obs, y_obs) on NumPy float64 arrays on another 37 points: "
        "d[0] gave x_obs_i of dtype float64, expected float32. The grader passes float32 tensors; "
        "torch.as_tensor(..., dtype=torch.float32) in __init__ would accept NumPy arrays too."
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
    assert "Not graded, a hint: NonLinearRegressionData(x_obs, y_obs) on NumPy float64 arrays on another 37 " \
        "points: d[0] raised" in result.feedback


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
    assert result.status == "partial" and result.fraction == 0.75
    assert result.feedback == "NonLinearRegressionData(x_obs, y_obs) on another 37 points: len(d) is 100, expected 37."


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
    assert "d[0] gave x_obs_i of shape (1, 1), expected (1,) or ()." in result.feedback


# --- shapes ------------------------------------------------------------------------------------


def test_explicit_missing_layer_feedback() -> None:
    result = outcome("explicit_missing_layer.py", "mlp.explicit_shapes")
    assert result.status == "failed"
    assert result.feedback == (
        "MLPexplicit(1, 10, 1) registers 6 parameter tensors (10,1) (10,) (10,10) (10,) (1,10) (1,), expected 8: "
        "(10,1) (10,) (10,10) (10,) (10,10) (10,) (1,10) (1,); is a layer missing?"
    )


def test_condensed_hardcoded_sizes_feedback() -> None:
    result = outcome("condensed_hardcoded_sizes.py", "mlp.condensed_shapes")
    assert result.fraction == 0.5
    assert result.feedback.startswith("MLPcondensed(1, 10, 1) is right, but MLPcondensed(2, 6, 3): parameter 1 "
                                      "(`net.0.weight`) has shape (10,1), expected (6,2)")
    assert result.feedback.endswith("Build the layers from the constructor's arguments, not from fixed sizes.")


def test_condensed_without_sequential_fails(tmp_path: Path) -> None:
    """The Sequential is part of every call's answer: without it the sheet's call is not right."""
    result = inline(tmp_path, "MLPcondensed = MLPexplicit\n", "mlp.condensed_shapes")
    assert result.status == "failed"
    assert result.feedback == ("MLPcondensed(1, 10, 1) holds no nn.Sequential: the exercise asks for the layers "
                               "inside one nn.Sequential(...) registered on the model.")


def test_layout_off_by_one_feedback() -> None:
    result = outcome("layout_off_by_one.py", "mlp.layout_shapes")
    assert result.status == "failed"
    assert result.feedback == ("MLP([1, 10, 10, 10, 1]) registers 6 parameter tensors (10,1) (10,) (10,10) (10,) "
                               "(10,10) (10,), expected 8: (10,1) (10,) (10,10) (10,) (10,10) (10,) (1,10) (1,); "
                               "is a layer missing?")


def test_layout_typed_in_for_the_sheet_keeps_the_sheet_s_share(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class MLP(nn.Module):
            def __init__(self, layout):
                super().__init__()
                self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in [(1, 10), (10, 10), (10, 10), (10, 1)])
    """, "mlp.layout_shapes")
    assert result.status == "partial" and result.fraction == pytest.approx(1 / 3)
    assert result.feedback.startswith("MLP([1, 10, 10, 10, 1]) is right, but MLP([3, 7, 5, 2]) registers 8 "
                                      "parameter tensors")
    assert result.feedback.endswith("Build the layers from the constructor's arguments, not from fixed sizes.")


# --- mlp.init_range ----------------------------------------------------------------------------


def test_zero_init_feedback() -> None:
    result = outcome("zero_init.py", "mlp.init_range")
    assert result.status == "failed"
    assert result.feedback.startswith(
        "MLPexplicit(1, 10, 1): All 60 values of nn.Linear layer 1 (fan_in 1) equal 0: a constant initialisation "
        "makes every unit learn the same thing. Keep nn.Linear's own initialisation (no zeros_, constant_ or "
        "fill_). 3 more of its 4 layers fail too."
    )


@pytest.mark.parametrize("init, message", [
    ("nn.init.xavier_uniform_(m.weight)", "of the values of nn.Linear layer 2 (fan_in 10) lie outside ±1/sqrt(10)"),
    ("nn.init.zeros_(m.bias)", "All 120 biases of nn.Linear layer 1 equal 0: PyTorch draws the biases"),
    ("nn.init.normal_(m.weight, 0, 0.01)", "The values of nn.Linear layer 1 (fan_in 1) spread too little"),
    ("nn.init.uniform_(m.weight, 0, 1 / m.weight.shape[1] ** 0.5)",
     "The values of nn.Linear layer 2 (fan_in 10) are centred at"),
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
    assert result.status in ("failed", "partial") and result.fraction < 0.5
    assert result.feedback.startswith("MLPexplicit(1, 10, 1): ") and message in result.feedback, result.feedback


# --- mlp.forward -------------------------------------------------------------------------------


def test_no_relu_feedback() -> None:
    result = outcome("mlp_no_relu.py", "mlp.forward")
    assert result.status == "failed"
    assert result.feedback.startswith(
        "MLPexplicit(1, 10, 1) on a batch of shape (16, 1): the outputs equal the Linear layers with nothing "
        "between them (Linear-Linear-Linear-Linear): the network asked for is Linear-ReLU-Linear-ReLU-Linear-"
        "ReLU-Linear; without its activations it is only linear.")


def test_relu_on_output_is_caught_even_when_outputs_are_positive() -> None:
    result = outcome("forward_activation_on_output.py", "mlp.forward")
    assert (result.status, result.fraction) == ("partial", 0.5)
    assert result.feedback.startswith(  # its outputs on the grader's batch are all positive
        "MLP([1, 10, 10, 10, 1]) on a batch of shape (16, 1): with its last Linear layer's weights made negative "
        "by the grader: the outputs equal Linear-ReLU-Linear-ReLU-Linear-ReLU-Linear-ReLU: return the last Linear "
        "layer's values as they are, with no ReLU after it")
    assert "MLP([3, 7, 5, 2]) on a batch of shape (16, 3): the outputs equal Linear-ReLU-Linear-ReLU-Linear-ReLU" \
        in result.feedback


def test_forward_that_skips_a_layer(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class MLPexplicit(MLPexplicit):
            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                return self.out(x)
    """, "mlp.forward")
    assert result.fraction == 0.75
    assert result.feedback == ("MLPexplicit(1, 10, 1) on a batch of shape (16, 1): forward calls 3 of the model's "
                               "4 nn.Linear layers; use every layer once, in the order they were created.")


def test_forward_that_squeezes(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        class MLPcondensed(MLPcondensed):
            def forward(self, x):
                return self.net(x).squeeze()
    """, "mlp.forward")
    assert result.fraction == 0.875  # right values in another shape: half of that model's share
    assert result.feedback == ("The values are right, but MLPcondensed(1, 10, 1) on a batch of shape (16, 1) "
                               "returned shape (16,), expected (16, 1): keep one row per input and one column per "
                               "output (do not squeeze, flatten or transpose it).")


def test_forward_with_one_class_missing_keeps_the_others(tmp_path: Path) -> None:
    result = inline(tmp_path, "del MLPcondensed\n", "mlp.forward")
    assert result.status == "partial" and result.fraction == 0.75
    assert result.feedback == ("MLPcondensed(1, 10, 1): `MLPcondensed` is not defined. Define it with exactly this "
                               "name at the top level of your file or notebook.")


def test_forward_with_every_class_missing_is_failed(tmp_path: Path) -> None:
    result = inline(tmp_path, "del MLPexplicit, MLPcondensed, MLP\n", "mlp.forward")
    assert result.status == "failed"
    assert result.feedback.startswith("`MLPexplicit` is not defined.")


# --- mlp.loss_decrease -------------------------------------------------------------------------


def test_forgotten_zero_grad_feedback() -> None:
    result = outcome("train_forgets_zero_grad.py", "mlp.loss_decrease")
    assert result.fraction == 0.25
    assert "expected the last loss below 30% of the first" in result.feedback
    assert "recomputed from its weights, is 3717 (before: 3670); expected below 30% of the start" in result.feedback
    assert result.feedback.endswith(
        "the first epoch matches but later ones drift: call optimizer.zero_grad() for every batch (gradients "
        "otherwise accumulate), and create the optimizer once, before the epoch loop."
    )


def test_mean_instead_of_sum_feedback() -> None:
    result = outcome("train_returns_mean_loss.py", "mlp.loss_decrease")
    assert result.fraction == 0.75
    assert result.feedback == (
        "train(model, dataloader, 100, 0.02) on a grader-built Linear(1, 10)-ReLU-Linear(10, 10)-ReLU-"
        "Linear(10, 10)-ReLU-Linear(10, 1) network: From the grader's starting weights the loss at epoch 1 was "
        "3656, where the reference's training (same data, same start) gives 1.463e+04: the first epoch's loss "
        "is 1/4 of the reference's, the sum over the 4 batches: add up the batch losses (loss.item()) instead "
        "of averaging them."
    )


def test_train_without_return_keeps_half(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        _train = train

        def train(model, dataloader, n_epochs, lr=1e-4):
            _train(model, dataloader, n_epochs, lr)
    """, "mlp.loss_decrease")
    assert result.fraction == 0.5
    assert result.feedback.endswith(": train returned None: append loss.item() to a list every epoch and return "
                                    "the list.")


def test_train_ignoring_lr_fails_the_fall(tmp_path: Path) -> None:
    result = inline(tmp_path, """
        _train = train

        def train(model, dataloader, n_epochs, lr=1e-4):
            return _train(model, dataloader, n_epochs)
    """, "mlp.loss_decrease")
    assert result.fraction == 0.25
    assert "expected the last loss below 30% of the first" in result.feedback


def _train_facts(losses: Any = None, final: Any = None, initial: Any = None) -> dict:
    """The reference's own record, with the parts of its one (grader-built) run a test replaces."""
    facts = dict(expected("mlp.loss_decrease")["facts"])
    run = dict(facts["runs"][0])
    if losses is not None:
        run["losses"] = np.asarray(losses, dtype=np.float64)
        run["losses_length"] = len(losses)
    if final is not None:
        run["final"] = final
    if initial is not None:
        run["initial"] = initial
    return {**facts, "runs": [run]}


def _judge_training(observed: dict) -> Outcome:
    facts = expected("mlp.loss_decrease")["facts"]
    return checker("mlp.loss_decrease")(observed, facts, spec().item("mlp.loss_decrease").check)


def _shifted(layers: list[dict], by: float) -> list[dict]:
    return [{**layer, "weight": layer["weight"] + by, "bias": layer["bias"] + by} for layer in layers]


def _run(facts: dict) -> dict:
    return facts["runs"][0]


def test_training_is_a_kind_item() -> None:
    assert spec().item("mlp.loss_decrease").kind == "training_reduces_loss"
    assert "mlp.loss_decrease" not in CHECKS


def test_loss_check_on_hand_built_facts() -> None:
    assert _judge_training(_train_facts()).status == "passed"
    good = list(_run(_train_facts())["losses"])
    diverged = good[:5] + [float("nan")] * 95
    result = _judge_training(_train_facts(diverged))
    assert result.fraction == 0.5  # the model, measured by the grader, still learned
    assert "The loss became nan at epoch 6 of 100: the learning rate is probably too large." in result.feedback
    start = _run(_train_facts())["initial"]
    frozen = _judge_training(_train_facts([good[0]] * 100, final=start))
    assert frozen.fraction == 0.25  # the losses are the model's, like a loop that never steps
    assert "The model passed to train did not change" in frozen.feedback


def test_loss_check_recomputes_the_fit_from_the_weights() -> None:
    """A falling made-up curve beside weights that barely moved earns nothing."""
    start = _run(_train_facts())["initial"]
    made_up = [14000.0 * 0.98 ** k for k in range(100)]
    result = _judge_training(_train_facts(made_up, final=_shifted(start, 1e-3)))
    assert result.status == "failed"
    assert "The losses train returned are not the losses of the model it trained: the first is 1.4e+04" in \
        result.feedback
    assert "Add up loss.item() of the loss you call backward() on, for every batch of the `dataloader` argument" in \
        result.feedback


def test_loss_check_counts_a_made_up_curve_beside_a_trained_model_once() -> None:
    """The model really learned (the grader measures it), but the curve is not its losses."""
    made_up = [14000.0 * 0.98 ** k for k in range(100)]
    result = _judge_training(_train_facts(made_up))
    assert result.fraction == 0.5
    assert "are not the losses of the model it trained" in result.feedback


def test_loss_check_needs_the_graders_starting_weights() -> None:
    start = _run(_train_facts())["initial"]
    result = _judge_training(_train_facts(initial=_shifted(start, 0.01)))
    assert result.status == "failed"
    assert "the weights reported before training are not those of the network the grader built" in result.feedback


def test_loss_check_needs_one_loss_per_epoch_asked() -> None:
    good = list(_run(_train_facts())["losses"])
    result = _judge_training(_train_facts(good[:10]))
    assert result.fraction == 0.5
    assert "train returned 10 losses, expected one per epoch asked: 100." in result.feedback


def test_loss_check_reads_the_data_of_the_reference() -> None:
    """The record's data are never read: moved data beside the reference's run still pass, and
    the judge's data are the generator's, recomputed here the sandbox's way."""
    facts = _train_facts()
    moved = {**facts, "inputs": facts["inputs"] + 1.0, "targets": facts["targets"] * 0.0, "batches": 1}
    assert _judge_training(moved).status == "passed"
    x = np.random.default_rng(0).uniform(-5, 5, 100)
    np.testing.assert_array_equal(facts["inputs"][:, 0], x.astype(np.float32))
    assert facts["batches"] == 4


# --- every question needs its answer; inputs are the reference's --------------------------------


def checker(item_id: str) -> Any:
    """The item's judge: its kind's, or the check its assignment folder marks."""
    item = spec().item(item_id)
    return kit.KINDS[item.kind].judge if item.kind else CHECKS[item_id]


def _judge(item_id: str, observed: dict) -> Outcome:
    return checker(item_id)(observed, expected(item_id)["facts"], spec().item(item_id).check)


def test_explicit_shapes_need_every_configuration() -> None:
    facts = expected("mlp.explicit_shapes")["facts"]
    result = _judge("mlp.explicit_shapes", {**facts, "answers": facts["answers"][:1]})
    assert result.status == "failed"
    assert "(1 answers to the constructor calls where the grader asked for 2)" in result.feedback


def test_layout_shapes_need_every_layout() -> None:
    facts = expected("mlp.layout_shapes")["facts"]
    result = _judge("mlp.layout_shapes", {**facts, "answers": facts["answers"][:2]})
    assert result.status == "failed"
    assert "(2 answers to the constructor calls where the grader asked for 3)" in result.feedback
    assert _judge("mlp.layout_shapes", facts).status == "passed"


def test_layout_labels_are_the_graders_layouts() -> None:
    """The answers are matched to the layouts the grader asked, whatever the record says it was asked."""
    facts = expected("mlp.layout_shapes")["facts"]
    relabelled = {**facts, "answers": [dict(a, call="MLP([1, 1])") for a in facts["answers"]]}
    result = _judge("mlp.layout_shapes", relabelled)
    assert result.status == "passed"
    assert result.feedback.startswith("MLP([1, 10, 10, 10, 1]), MLP([3, 7, 5, 2]), MLP([2, 8, 8, 8, 8, 3]): ")


def test_condensed_needs_the_modules_of_every_call() -> None:
    facts = expected("mlp.condensed_shapes")["facts"]
    assert _judge("mlp.condensed_shapes", {**facts, "modules": facts["modules"][:1]}).status == "failed"
    assert _judge("mlp.condensed_shapes", {**facts, "modules": [[], []]}).status == "failed"


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
    assert result.feedback.startswith("MLPexplicit(1, 10, 1) registers 6 parameter tensors")


def test_goal_fun_is_judged_at_the_graders_x() -> None:
    """The formula's values at points of the record's own choosing are not the answer asked."""
    facts = expected("mlp.goal_fun")["facts"]
    cases = []
    for case in facts["cases"]:
        x = np.linspace(-5, 5, 50)  # the record's own points, echoed as if they were the grader's
        inputs = [{**case["inputs"][0], "values": x}]
        cases.append({**case, "inputs": inputs,
                      "result": {**case["result"], "values": x**3 - x**2 + 25 * np.sin(2 * x)}})
    assert _judge("mlp.goal_fun", {**facts, "cases": cases}).status == "failed"
    assert _judge("mlp.goal_fun", facts).status == "passed"  # the control: the reference's own record


def test_dataset_needs_one_item_per_point() -> None:
    facts = expected("mlp.dataset")["facts"]
    first = facts["instances"][0]
    result = _judge("mlp.dataset", {**facts, "instances": [{**first, "items": first["items"] * 1000},
                                                           *facts["instances"][1:]]})
    assert result.status == "failed"
    assert "(100000 items of the first dataset where the grader asked for 100)" in result.feedback


def test_forward_is_judged_on_the_graders_batch() -> None:
    facts = expected("mlp.forward")["facts"]
    moved = {"models": [{**m, "seed": m["seed"] + 1, "batch": [3, 3]} for m in facts["models"]]}
    assert _judge("mlp.forward", moved).status == "passed"  # the record's seed and batch are never read
    shifted = {"models": [{**m, "output": m["output"] + 1.0} for m in facts["models"]]}
    assert _judge("mlp.forward", shifted).status == "failed"


def test_forward_negates_the_output_layer_itself() -> None:
    """A second pass that repeats the first cannot hide a ReLU on the output: the judge derives the
    negated layer from the first pass's weights."""
    facts = expected("mlp.forward")["facts"]
    models = [{**m, "negated_output": m["output"]} for m in facts["models"]]
    result = _judge("mlp.forward", {"models": models})
    assert result.status == "failed"
    assert result.feedback.count("made negative by the grader") == 4


def test_forward_judges_oversized_layers_without_breaking() -> None:
    facts = expected("mlp.forward")["facts"]
    huge = [{"weight": np.zeros((2000, 1000)), "bias": np.zeros(2000)}]
    result = _judge("mlp.forward", {"models": [{**m, "layers": huge} for m in facts["models"]]})
    assert result.status == "failed"


def test_init_range_needs_every_model_and_seed() -> None:
    facts = expected("mlp.init_range")["facts"]
    fewer_seeds = {"models": [{**m, "seeds": m["seeds"][:1]} for m in facts["models"]]}
    result = _judge("mlp.init_range", fewer_seeds)
    assert result.status == "failed"
    assert "(1 fresh models (one per seed) where the grader asked for 3)" in result.feedback
    assert _judge("mlp.init_range", {"models": facts["models"][:3]}).status == "failed"


# --- any record: an outcome, never a grader error -----------------------------------------

JUNK = st.sampled_from([None, True, 0, -1, 7, 1e308, float("nan"), "x", [], {}, [1, 2], {"a": 1},
                        np.zeros(3), np.zeros((2, 2)), np.zeros(0), np.ones(1, dtype=np.int8), [[1.0]], [None]])


@settings(max_examples=150, deadline=None)
@given(item_id=st.sampled_from(ITEMS), data=st.data())
def test_a_mangled_record_costs_its_item_and_never_breaks_the_check(item_id: str, data: st.DataObject) -> None:
    """Whatever a submission writes in place of one fact, the check answers with an outcome."""
    facts = expected(item_id)["facts"]
    path = data.draw(st.sampled_from(record_paths(facts, list_entries=2)))
    result = checker(item_id)(replaced(facts, path, data.draw(JUNK)), facts, spec().item(item_id).check)
    assert isinstance(result, Outcome), result


# --- hints that agree --------------------------------------------------------------------------

# The leads a feedback can give, each recognised by its wording.
LEADS: dict[str, str] = {
    "formula": r"signs and the factor 2",
    "globals": r"global variables",
    "layer_missing": r"layer missing|last layer's output size must be the number of outputs",
    "layer_sizes": r"sizes passed to each layer|constructor's arguments",
    "init": r"nn\.Linear's own initialisation",
    "relu": r"without its activations it is only linear",
    "output_activation": r"no ReLU after it",
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


def test_dataset_needs_every_instance_but_numpy_is_only_a_hint() -> None:
    """Every instance asked must be answered; the NumPy one's failure is a hint, never a point."""
    facts = expected("mlp.dataset")["facts"]
    first, small, numpy = facts["instances"]
    assert _judge("mlp.dataset", {**facts, "instances": [first, numpy]}).status == "failed"
    assert _judge("mlp.dataset", {**facts, "instances": [first, small]}).status == "failed"
    refused = {**facts, "instances": [first, small, {**numpy, "error": "TypeError: reshape(): argument 'input'"}]}
    result = _judge("mlp.dataset", refused)
    assert result.status == "passed" and "Not graded, a hint" in result.feedback
