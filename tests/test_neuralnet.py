"""Tests of the ``neuralnet`` assignment (CS440-style binary image classifier), in process.

The assignment is YAML only (the kit's kinds), so these tests are about the
spec's settings: the reference and the correct examples earn every item, each
shipped mistake loses exactly the items ``examples/neuralnet/outcomes.yaml``
declares (the file ``autograder validate`` checks through the sandbox), the
important feedback is pinned, and small inline submissions show that the
thresholds fail a fit that does not learn and pass any optimiser the contract
allows.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import pytest
import yaml

from autograder import spec as spec_mod
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "neuralnet"
REFERENCE = ROOT / "reference" / "neuralnet.py"
A = "neuralnet"
ITEMS = ("neuralnet.shapes", "neuralnet.init_range", "neuralnet.forward", "neuralnet.step", "neuralnet.fit")
OUTCOMES = yaml.safe_load((EXAMPLES / "outcomes.yaml").read_text())
CORRECT = sorted(name for name, want in OUTCOMES.items() if set(want["items"].values()) == {"passed"})
MISTAKES = sorted(name for name in OUTCOMES if name not in CORRECT)


@functools.lru_cache(maxsize=None)
def spec() -> spec_mod.AssignmentSpec:
    return spec_mod.load(A)


def judge(path: Path, item_id: str) -> Outcome:
    """Observe ``path`` in process and judge it against the (cached) reference observation."""
    return outcome_for(spec().item(item_id), observe_file(path, A, item_id), observe_file(REFERENCE, A, item_id))


def outcome(example: str, item_id: str) -> Outcome:
    return judge(EXAMPLES / example, item_id)


def inline(tmp_path: Path, source: str, item_id: str) -> Outcome:
    """Judge the reference with ``source`` appended: later definitions replace the reference's."""
    path = tmp_path / "submission.py"
    path.write_text(REFERENCE.read_text() + "\n\n" + textwrap.dedent(source))
    return judge(path, item_id)


# --- whole submissions --------------------------------------------------------------------


@pytest.mark.parametrize("item_id", ITEMS)
def test_reference_passes_every_item(item_id: str) -> None:
    result = judge(REFERENCE, item_id)
    assert result.status == "passed", result.feedback


def test_outcomes_list_every_example_and_every_item() -> None:
    assert sorted(OUTCOMES) == sorted(p.name for p in EXAMPLES.glob("*.py"))
    for name, want in OUTCOMES.items():
        assert tuple(want["items"]) == ITEMS, name
    assert len(CORRECT) >= 2 and len(MISTAKES) >= 6


def test_every_item_has_a_failing_example() -> None:
    lost = {item for name in MISTAKES for item, status in OUTCOMES[name]["items"].items() if status != "passed"}
    assert lost == set(ITEMS)


def test_every_example_says_what_it_loses() -> None:
    for name in MISTAKES:
        assert "Should lose" in (EXAMPLES / name).read_text().split('"""')[1], name


@pytest.mark.parametrize("example", CORRECT + MISTAKES)
def test_each_example_gets_its_declared_statuses(example: str) -> None:
    got = {item_id: outcome(example, item_id).status for item_id in ITEMS}
    assert got == OUTCOMES[example]["items"]


# --- pinned feedback ------------------------------------------------------------------------


def test_step_without_zero_grad_is_named() -> None:
    result = outcome("step_no_zero_grad.py", "neuralnet.step")
    assert result.status == "partial" and result.fraction == pytest.approx(2 / 3)
    assert "gradients accumulate between steps. Call optimizer.zero_grad() before loss.backward()" in result.feedback


def test_step_returning_a_tensor_is_named() -> None:
    result = outcome("step_returns_tensor.py", "neuralnet.step")
    assert result.feedback == (
        "Call 1 of NeuralNet(0.01, torch.nn.CrossEntropyLoss(), 2883, 2).step(x, y) on a batch of 100 "
        "returned the right loss as a torch.Tensor, expected a Python float: return loss.item()."
    )
    fit = outcome("step_returns_tensor.py", "neuralnet.fit")
    assert fit.fraction == pytest.approx(4 / 5)
    assert fit.feedback == "The losses are torch.Tensor, not Python floats: append loss.item() (step's return value)."


def test_thresholded_logit_loses_agreement_and_accuracy() -> None:
    result = outcome("fit_thresholds_logit.py", "neuralnet.fit")
    assert result.status == "partial" and result.fraction == pytest.approx(3 / 5)
    assert result.feedback.startswith("The returned yhats agree with the net's own predictions on dev_set "
                                      "(computed by the grader from its weights) for only 95.2% of the points")


def test_missing_relu_costs_only_forward() -> None:
    assert outcome("no_relu.py", "neuralnet.forward").feedback.endswith(
        "the outputs equal the Linear layers with nothing between them (Linear-Linear): the network asked "
        "for is Linear-ReLU-Linear; without its activations it is only linear.")
    for item_id in ("neuralnet.step", "neuralnet.fit"):
        assert outcome("no_relu.py", item_id).status == "passed", item_id


# --- the thresholds on inline submissions ---------------------------------------------------


def test_a_fit_that_never_steps_fails_loss_and_accuracy(tmp_path: Path) -> None:
    result = inline(tmp_path, '''
        def fit(train_set, train_labels, dev_set, n_iter, batch_size=100):
            net = NeuralNet(0.01, nn.CrossEntropyLoss(), train_set.shape[1], 2)
            with torch.no_grad():
                loss = net.loss_fn(net(train_set[:batch_size]), train_labels[:batch_size]).item()
                yhats = net(dev_set).argmax(dim=1).numpy()
            return [loss] * n_iter, yhats, net
    ''', "neuralnet.fit")
    assert result.status == "partial" and result.fraction == pytest.approx(3 / 5)
    assert result.feedback.startswith("The loss does not fall enough: the mean of the last 10% of the losses is")
    assert "below the 70% asked for" in result.feedback


@pytest.mark.parametrize("optimizer", ["optim.Adam(self.parameters(), lr=lrate)",
                                       "optim.SGD(self.parameters(), lr=lrate)",
                                       "optim.RMSprop(self.parameters(), lr=lrate)"])
def test_step_accepts_any_optimiser(tmp_path: Path, optimizer: str) -> None:
    result = inline(tmp_path, f'''
        class NeuralNet(NeuralNet):
            def __init__(self, lrate, loss_fn, in_size, out_size):
                super().__init__(lrate, loss_fn, in_size, out_size)
                self.optimizer = {optimizer}
    ''', "neuralnet.step")
    assert result.status == "passed", result.feedback


def test_zero_grad_at_the_end_of_step_also_resets(tmp_path: Path) -> None:
    result = inline(tmp_path, '''
        def step(self, x, y):
            loss = self.loss_fn(self(x), y)
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
            return loss.item()
        NeuralNet.step = step
    ''', "neuralnet.step")
    assert result.status == "passed", result.feedback
