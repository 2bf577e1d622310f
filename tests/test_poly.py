"""polynomial_regression: every rubric item passes on good code and fails on a realistic mistake.

Observers run in-process (``tests/inprocess.py``) on the shipped examples, on
small variants written to ``tmp_path``, and on the reference; the checks are
also tested on hand-built facts.
"""

from __future__ import annotations

import functools
import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import spec as spec_mod
from autograder.checks.poly import _grad_hint, check_fit_autograd, replay
from autograder.observers.poly import coefficients_of, correct_grad, supplied_helpers
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "polynomial_regression"
ASSIGNMENT = "polynomial_regression"
ITEMS = ("poly.predict", "poly.grad", "poly.fit_numpy", "poly.fit_autograd")

HEADER = "import numpy as np\nimport torch\n"
PREDICT = '''
def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 3
'''
GRAD = '''
def poly_grad(x, y, coeffs):
    r = 2.0 * (poly_predict(x, coeffs) - y)
    return np.array([np.sum(r * x ** k) for k in range(4)])
'''
FIT_NUMPY = '''
def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    coeffs = np.random.randn(4)
    for _ in range(steps):
        coeffs = coeffs - lr * poly_grad(x, y, coeffs)
    return coeffs
'''
FIT_AUTOGRAD = '''
def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    w = torch.randn(4, dtype=x.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((poly_predict(x, w) - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad = None
    return w.detach().numpy()
'''


@functools.lru_cache(maxsize=None)
def reference_observation(item_id: str) -> dict:
    return observe_file(spec_mod.load(ASSIGNMENT).reference, ASSIGNMENT, item_id)


def outcome_of(path: str | Path, assignment: str, item_id: str) -> Outcome:
    """``tests.inprocess.outcome_of`` with the reference observed once per item (keeps the file fast)."""
    item = spec_mod.load(assignment).item(item_id)
    return outcome_for(item, observe_file(path, assignment, item_id), reference_observation(item_id))


def submission(tmp_path: Path, name: str, **overrides: str) -> Path:
    """A small module: the good functions above, with some replaced by ``overrides``."""
    parts = {"predict": PREDICT, "grad": GRAD, "fit_numpy": FIT_NUMPY, "fit_autograd": FIT_AUTOGRAD}
    parts.update({k: textwrap.dedent(v) for k, v in overrides.items()})
    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + "\n".join(parts.values()))
    return path


# ------------------------------------------------------------- the whole rubric


@pytest.mark.parametrize("item", ITEMS)
def test_reference_passes(item: str) -> None:
    spec = spec_mod.load(ASSIGNMENT)
    outcome = outcome_of(spec.reference, ASSIGNMENT, item)
    assert outcome.status == "passed", outcome.feedback


@pytest.mark.parametrize("item", ITEMS)
def test_correct_example_passes(item: str) -> None:
    outcome = outcome_of(EXAMPLES / "correct.py", ASSIGNMENT, item)
    assert outcome.status == "passed", outcome.feedback


EXAMPLE_LOSSES = {
    "grad_wrong_sign.py": {"poly.grad": "failed"},
    "grad_missing_factor_2.py": {"poly.grad": "failed"},
    "grad_uses_mean.py": {"poly.grad": "failed"},
    "predict_wrong_power.py": {"poly.predict": "failed"},
    "torch_only_predict.py": {"poly.predict": "partial"},
    "fit_numpy_no_update.py": {"poly.fit_numpy": "failed"},
    "autograd_accumulates_grad.py": {"poly.fit_autograd": "failed"},
    "autograd_forgets_one_reset.py": {"poly.fit_autograd": "partial"},
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_LOSSES))
def test_example_loses_only_its_item(name: str) -> None:
    """One mistake costs one item: the grader supplies its own helpers to the fits."""
    statuses = {item: outcome_of(EXAMPLES / name, ASSIGNMENT, item).status for item in ITEMS}
    assert statuses == {item: EXAMPLE_LOSSES[name].get(item, "passed") for item in ITEMS}


def test_every_item_has_a_failing_example() -> None:
    assert {item for losses in EXAMPLE_LOSSES.values() for item in losses} == set(ITEMS)
    assert {p.name for p in EXAMPLES.glob("*.py")} == {"correct.py", *EXAMPLE_LOSSES}


# ------------------------------------------------------------------ poly.predict


def test_predict_wrong_power_names_the_term() -> None:
    outcome = outcome_of(EXAMPLES / "predict_wrong_power.py", ASSIGNMENT, "poly.predict")
    assert outcome.feedback == (
        "poly_predict(x, coeffs) with x a NumPy array and coeffs a tuple of 4 floats returned wrong "
        "values (largest difference 43.3): it should compute a + b*x + c*x**2 + d*x**3. The term for d "
        "uses x**2 instead of x**3. The same holds for torch tensors."
    )


def test_predict_torch_only_gets_half_and_is_told_why() -> None:
    outcome = outcome_of(EXAMPLES / "torch_only_predict.py", ASSIGNMENT, "poly.predict")
    assert outcome.fraction == 0.5
    assert outcome.feedback.startswith(
        "poly_predict(x, coeffs) with x a NumPy array and coeffs a tuple of 4 floats raised TypeError: pow()")
    assert outcome.feedback.endswith(
        "poly_predict must accept NumPy arrays as well as tensors: use only the operators +, * and **, "
        "which both understand.")


def test_predict_numpy_only_gets_half(tmp_path: Path) -> None:
    path = submission(tmp_path, "np_only", predict='''
        def poly_predict(x, coeffs):
            return np.polyval(np.asarray(coeffs)[::-1], x)
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.predict")
    assert outcome.status == "partial"
    assert "with x a float32 tensor and coeffs a tuple of 4 scalar tensors requiring grad raised" in outcome.feedback


def test_predict_reversed_coefficients(tmp_path: Path) -> None:
    path = submission(tmp_path, "reversed", predict='''
        def poly_predict(x, coeffs):
            d, c, b, a = coeffs
            return a + b * x + c * x ** 2 + d * x ** 3
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.predict")
    assert outcome.status == "failed"
    assert "It uses the coefficients in reverse order" in outcome.feedback


# --------------------------------------------------------------------- poly.grad


@pytest.mark.parametrize(("name", "hint"), [
    ("grad_wrong_sign.py", "it has the wrong sign: the derivative of (y_pred - y)**2 is +2*(y_pred - y) "
                           "times the derivative of y_pred."),
    ("grad_missing_factor_2.py", "it is half the gradient: the factor 2 from differentiating the square "
                                 "is missing."),
    ("grad_uses_mean.py", "it is the gradient of the mean squared error; the loss here is the sum of the "
                          "squared errors, so do not divide by the number of points."),
])
def test_grad_mistakes_are_named(name: str, hint: str) -> None:
    outcome = outcome_of(EXAMPLES / name, ASSIGNMENT, "poly.grad")
    assert outcome.status == "failed"
    assert outcome.feedback.startswith(
        "poly_grad differs from the gradient of L = sum((y_pred - y)**2) at test point 1 (50 random points, "
        "coeffs (0.3328, -0.6513, 0.8624, -0.1256)): you returned (")
    assert outcome.feedback.endswith(hint)
    assert "expected" not in outcome.feedback and outcome.diagnostics.startswith("expected (")


def test_grad_equals_autograd() -> None:
    """The reference's hand-derived gradient (the expected facts) is autograd's."""
    facts = observe_file(spec_mod.load(ASSIGNMENT).reference, ASSIGNMENT, "poly.grad")["facts"]
    rng = np.random.default_rng(1)
    x = rng.uniform(-math.pi, math.pi, 50)
    y = np.sin(x) + 0.1 * rng.normal(size=50)
    coeffs = torch.tensor(rng.normal(size=4), requires_grad=True)
    xt = torch.from_numpy(x)
    ((coeffs[0] + coeffs[1] * xt + coeffs[2] * xt ** 2 + coeffs[3] * xt ** 3 - torch.from_numpy(y)) ** 2).sum().backward()
    np.testing.assert_allclose(facts["cases"][0]["value"], coeffs.grad.numpy(), rtol=1e-10)


def test_grad_wrong_component_and_tuple_return(tmp_path: Path) -> None:
    path = submission(tmp_path, "wrong_d", grad='''
        def poly_grad(x, y, coeffs):
            r = 2.0 * (poly_predict(x, coeffs) - y)
            return (r.sum(), (r * x).sum(), (r * x ** 2).sum(), (r * x ** 2).sum())
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.grad")
    assert outcome.feedback.endswith("the components for d are wrong: the component for the coefficient of "
                                     "x**k is sum(2*(y_pred - y) * x**k).")


def test_grad_hint_on_hand_built_facts() -> None:
    want = np.array([10.0, -20.0, 30.0, -40.0])
    assert _grad_hint(-want, want, 50).startswith("it has the wrong sign")
    assert _grad_hint(want / 100, want, 50).startswith("it averages over the points and misses the factor 2")
    assert _grad_hint(want[::-1].copy(), want, 50).startswith("its components are in reverse order")


# --------------------------------------------------------------- poly.fit_numpy


def test_fit_numpy_no_update_feedback() -> None:
    outcome = outcome_of(EXAMPLES / "fit_numpy_no_update.py", ASSIGNMENT, "poly.fit_numpy")
    assert outcome.feedback == (
        "fit_poly_numpy returned its starting coefficients (1.764, 0.4002, 0.9787, 2.241) unchanged after "
        "2000 steps: are the updates assigned back to the coefficients (a -= lr * grad_a), and does the "
        "loop run `steps` times? Its coefficients (1.764, 0.4002, 0.9787, 2.241) are also not within 0.25 "
        "of the reference fit."
    )


def test_fit_numpy_ascends(tmp_path: Path) -> None:
    path = submission(tmp_path, "ascends", fit_numpy=FIT_NUMPY.replace("coeffs - lr", "coeffs + lr"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_numpy")
    assert outcome.status == "failed"
    assert outcome.feedback.startswith(
        "The loss (sum of squared errors) grew from 1.486e+06 to nan over 2000 steps of fit_poly_numpy: "
        "each update must step against the gradient, a -= lr * grad_a.")


def test_fit_numpy_reversed_return(tmp_path: Path) -> None:
    path = submission(tmp_path, "reversed", fit_numpy=FIT_NUMPY.replace("return coeffs", "return coeffs[::-1]"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_numpy")
    assert outcome.status == "failed"
    assert "They look reversed" not in outcome.feedback  # the short second message when the loss fails too
    assert outcome.feedback.startswith("After 2000 steps of fit_poly_numpy the loss (sum of squared errors) is")


def test_fit_numpy_wrong_return_count(tmp_path: Path) -> None:
    path = submission(tmp_path, "three", fit_numpy=FIT_NUMPY.replace("return coeffs", "return coeffs[1:]"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_numpy")
    assert (outcome.status, outcome.feedback) == (
        "failed", "fit_poly_numpy(x, y, lr=1e-06, steps=2000) returned 3 numbers, expected the 4 "
                  "coefficients (a, b, c, d).")


@pytest.mark.parametrize("init", [
    "np.zeros(4)",
    "np.random.default_rng().standard_normal(4)",  # unseeded: a different start every call
    "np.random.rand(4)",
    "torch.randn(4).numpy().astype(np.float64)",
])
def test_fit_numpy_any_reasonable_start_passes(tmp_path: Path, init: str) -> None:
    path = submission(tmp_path, "start", fit_numpy=FIT_NUMPY.replace("np.random.randn(4)", init))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_numpy")
    assert outcome.status == "passed", outcome.feedback


def test_fit_numpy_that_ignores_steps_still_passes(tmp_path: Path) -> None:
    """The item asks for a good fit with the default budget; following the steps is fit_autograd's."""
    path = submission(tmp_path, "fixed", fit_numpy=FIT_NUMPY.replace("range(steps)", "range(2000)"))
    assert outcome_of(path, ASSIGNMENT, "poly.fit_numpy").status == "passed"


# ------------------------------------------------------------ poly.fit_autograd


def test_fit_autograd_accumulation_is_named() -> None:
    outcome = outcome_of(EXAMPLES / "autograd_accumulates_grad.py", ASSIGNMENT, "poly.fit_autograd")
    assert outcome.status == "failed"
    assert outcome.feedback.startswith(
        "From your starting coefficients (1.541, -0.2934, -2.179, 0.5684), 2 steps of gradient descent "
        "with lr=1e-06 give (1.584, -0.3445, -1.891, 0.1731), but fit_poly_autograd returned "
        "(1.607, -0.3811, -1.741, -0.1018), which is what you get when gradients accumulate. Reset them "
        "after every update (a.grad = None or a.grad.zero_(), for every coefficient). After 2000 steps")


def test_fit_autograd_one_missing_reset_is_partial() -> None:
    outcome = outcome_of(EXAMPLES / "autograd_forgets_one_reset.py", ASSIGNMENT, "poly.fit_autograd")
    assert outcome.fraction == pytest.approx(2 / 3)
    assert outcome.feedback.endswith(
        "The first 1 step(s) were right: are the gradients reset after every update, for every coefficient?")


def test_fit_autograd_numpy_only_inputs_are_accepted(tmp_path: Path) -> None:
    """A function that needs NumPy inputs (torch.from_numpy) is retried with them."""
    path = submission(tmp_path, "from_numpy", fit_autograd=FIT_AUTOGRAD.replace(
        "torch.as_tensor(x), torch.as_tensor(y)", "torch.from_numpy(x), torch.from_numpy(y)"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_autograd")
    assert outcome.status == "passed", outcome.feedback
    assert "inputs numpy" in outcome.diagnostics


def test_fit_autograd_returning_scalar_tensors_passes(tmp_path: Path) -> None:
    path = submission(tmp_path, "tensors", fit_autograd='''
        def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
            a, b, c, d = (torch.zeros((), requires_grad=True) for _ in range(4))
            for _ in range(steps):
                loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
                loss.backward()
                with torch.no_grad():
                    for t in (a, b, c, d):
                        t -= lr * t.grad
                        t.grad.zero_()
            return a, b, c, d
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_autograd")
    assert outcome.status == "passed", outcome.feedback


def test_fit_autograd_unseeded_start_is_not_replayed(tmp_path: Path) -> None:
    path = submission(tmp_path, "unseeded", fit_autograd=FIT_AUTOGRAD.replace(
        "torch.randn(4, dtype=x.dtype, requires_grad=True)",
        "torch.tensor(np.random.default_rng().standard_normal(4), dtype=x.dtype, requires_grad=True)"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_autograd")
    assert outcome.status == "passed", outcome.feedback
    assert "steps not checked: the starting coefficients change from call to call" in outcome.diagnostics


def test_fit_autograd_that_ignores_steps_is_partial(tmp_path: Path) -> None:
    path = submission(tmp_path, "fixed", fit_autograd=FIT_AUTOGRAD.replace("range(steps)", "range(2000)"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_autograd")
    assert outcome.fraction == pytest.approx(2 / 3)
    assert outcome.feedback == (
        "fit_poly_autograd(x, y, lr, steps=0) returned the same coefficients as steps=2000: it seems to "
        "ignore `steps`. Run exactly `steps` updates, so that its first steps can be compared with "
        "gradient descent.")


def test_fit_autograd_mean_loss(tmp_path: Path) -> None:
    path = submission(tmp_path, "mean", fit_autograd=FIT_AUTOGRAD.replace(").sum()", ").mean()"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_autograd")
    assert outcome.status == "failed"
    assert "Use the loss sum((y_pred - y)**2), backward(), then a -= lr * a.grad" in outcome.feedback


# ------------------------------------------------------- helpers and hand-built facts


def test_replay_matches_the_slides_loop() -> None:
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    design = np.stack([x ** k for k in range(4)], axis=1)
    data = {"gram": design.T @ design, "xty": design.T @ y, "lr": 1e-6}
    start = np.array([0.5, -1.0, 0.3, 0.2])
    coeffs = start.copy()
    for _ in range(5):
        coeffs = coeffs - 1e-6 * correct_grad(x, y, coeffs)
    np.testing.assert_allclose(replay(data, start, 5), coeffs, rtol=1e-10)
    assert np.abs(replay(data, start, 5, accumulate=True) - coeffs).max() > 0.1


def _fit_facts(probes: dict[int, list[float]], final: list[float], repeat: list[float] | None,
               loss: float = 10.0) -> dict:
    eye = np.eye(4)
    run = lambda k, c, l: {"steps": k, "coeffs": np.array(c), "error": None, "bad_return": None, "loss": l}
    first = min(probes)
    return {
        "data": {"n": 4, "gram": eye, "xty": np.zeros(4), "yty": 0.0, "lr": 0.1},
        "input_kind": "torch",
        "final": run(2000, final, loss),
        "probes": [run(k, c, 100.0) for k, c in sorted(probes.items())],
        "repeat": None if repeat is None else run(first, repeat, 100.0),
    }


def test_steps_replayed_on_hand_built_facts() -> None:
    # gram = I, xty = 0, lr = 0.1: one step multiplies by 0.8; accumulated: 0.8, then 0.8 - 0.2*1.8 = 0.44
    expected = _fit_facts({0: [1, 1, 1, 1]}, [0, 0, 0, 0], [1, 1, 1, 1])
    good = _fit_facts({0: [1, 1, 1, 1], 1: [.8] * 4, 2: [.64] * 4}, [0, 0, 0, 0], [1, 1, 1, 1])
    accumulating = _fit_facts({0: [1, 1, 1, 1], 1: [.8] * 4, 2: [.44] * 4}, [0, 0, 0, 0], [1, 1, 1, 1])
    unrepeatable = _fit_facts({0: [1, 1, 1, 1], 1: [.3] * 4}, [0, 0, 0, 0], [2, 2, 2, 2])
    assert check_fit_autograd(good, expected, {}).status == "passed"
    bad = check_fit_autograd(accumulating, expected, {})
    assert bad.fraction == pytest.approx(2 / 3) and "gradients accumulate" in bad.feedback
    assert check_fit_autograd(unrepeatable, expected, {}).status == "passed"


def test_coefficients_of_accepts_the_usual_returns() -> None:
    want = np.array([1.0, 2.0, 3.0, 4.0])
    returns = [want, list(want), tuple(torch.tensor(v, requires_grad=True) for v in want),
               torch.tensor(want, dtype=torch.float32, requires_grad=True), want.reshape(4, 1)]
    for value in returns:
        np.testing.assert_allclose(coefficients_of(value), want)
    with pytest.raises(ValueError, match="returned a builtins.dict"):
        coefficients_of({"a": 1})


def test_supplied_helpers_replace_only_defined_names_and_restore() -> None:
    scope: dict = {}
    exec("def poly_grad(*args):\n    return 'mine'\ndef fit():\n    return poly_grad(0, 0, 0)", scope)
    own = scope["poly_grad"]
    with supplied_helpers(scope["fit"], {"poly_grad": lambda x, y, c: "grader's", "poly_predict": print}):
        assert scope["fit"]() == "grader's"
        assert scope["poly_grad"](0, 0, 0, "extra") == "mine"  # calls the grader's cannot take
        assert "poly_predict" not in scope
    assert scope["poly_grad"] is own


def test_observer_facts_are_plain_and_small() -> None:
    """Facts travel as JSON: check the heaviest observation stays small."""
    record = observe_file(EXAMPLES / "correct.py", ASSIGNMENT, "poly.fit_autograd")
    from autograder import facts

    assert record["status"] == "ok"
    assert len(facts.encode(record)) < 10_000
    assert json.loads(facts.encode(record))["status"] == "ok"


def test_untouched_template_says_not_implemented(tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.read(ROOT / "student_template" / "polynomial_regression.ipynb", as_version=4)
    code = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code" and not c.source.startswith("!"))
    path = tmp_path / "template.py"
    path.write_text(code)
    for item in ITEMS:
        outcome = outcome_of(path, ASSIGNMENT, item)
        assert outcome.status == "error" and "is not implemented yet" in outcome.feedback, (item, outcome)
