"""polynomial_regression: every rubric item passes on good code and fails on a realistic mistake.

Observers run in-process (``tests/inprocess.py``) on the shipped examples, on
small variants written to ``tmp_path``, and on the reference; the checks are
also tested on hand-built facts.
"""

from __future__ import annotations

import functools
import json
import math
import runpy
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import kit, spec as spec_mod
from autograder.observers.common import supplied_helpers
from tests.coursecode import CHECKS, checks_module, probes_module

_poly_checks = checks_module("polynomial_regression")
check_fit_autograd, replay, sse = _poly_checks.check_fit_autograd, _poly_checks.replay, _poly_checks.sse
coefficients_of = probes_module("polynomial_regression").coefficients_of
from autograder.results import Outcome
from autograder.scoring import outcome_for
from tests.inprocess import observe_file
from tests.records import record_paths, replaced

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


# ------------------------------------------- poly.predict (kind function_matches_reference)

NUMPY_TUPLE = "with x a NumPy array of 50 points and coeffs a tuple of 4 floats"
TORCH_CASE = "with x a float32 tensor of 50 points and coeffs a tuple of 4 scalar tensors requiring grad"


def test_predict_wrong_power_is_shown_where_it_is_furthest_off() -> None:
    outcome = outcome_of(EXAMPLES / "predict_wrong_power.py", ASSIGNMENT, "poly.predict")
    assert outcome.status == "failed"
    assert outcome.feedback.startswith(f"`poly_predict(x, coeffs)` {NUMPY_TUPLE} returned wrong values: at x = ")
    assert outcome.feedback.endswith(
        "(the largest difference). It should compute a + b*x + c*x**2 + d*x**3 at every x. Check each power of "
        "x, and that coeffs = (a, b, c, d) is read in that order. The same holds for torch tensors.")


def test_predict_torch_only_gets_half_and_is_told_why() -> None:
    outcome = outcome_of(EXAMPLES / "torch_only_predict.py", ASSIGNMENT, "poly.predict")
    assert outcome.fraction == 0.5
    assert outcome.feedback.startswith(f"`poly_predict(x, coeffs)` {NUMPY_TUPLE} raised TypeError: pow()")
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
    assert f"`poly_predict(x, coeffs)` {TORCH_CASE} raised" in outcome.feedback
    assert outcome.feedback.endswith("not np.* functions.")


def test_predict_reversed_coefficients(tmp_path: Path) -> None:
    path = submission(tmp_path, "reversed", predict='''
        def poly_predict(x, coeffs):
            d, c, b, a = coeffs
            return a + b * x + c * x ** 2 + d * x ** 3
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.predict")
    assert outcome.status == "failed"
    assert "it uses the coefficients in reverse order" in outcome.feedback
    assert outcome.feedback.endswith("The same holds for torch tensors.")


def test_predict_column_is_not_one_value_per_x(tmp_path: Path) -> None:
    path = submission(tmp_path, "column", predict='''
        def poly_predict(x, coeffs):
            a, b, c, d = coeffs
            return (a + b * x + c * x ** 2 + d * x ** 3).reshape(-1, 1)
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.predict")
    assert outcome.status == "failed" and "returned shape (50,1); expected a " in outcome.feedback


# ---------------------------------------------- poly.grad (kind function_matches_reference)


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
    assert outcome.feedback.startswith("`poly_grad(x, y, coeffs)` at 50 random points returned (")
    assert outcome.feedback.endswith(hint)
    assert "expected" not in outcome.feedback  # the reference's values are for the instructor only
    assert outcome.diagnostics.startswith("at 50 random points: the reference returned (")


@pytest.mark.parametrize(("body", "words"), [
    ("return -0.5 * g", "it has the wrong sign and is missing the factor 2"),
    ("return 0.5 * g / len(x)", "it averages over the points and misses the factor 2"),
    ("return g[::-1].copy()", "its components are in reverse order; return them as (a, b, c, d)."),
    ("return g.reshape(4, 1)", "computes the gradient"),  # four numbers in another shape are four numbers
])
def test_grad_slips_declared_in_the_yaml_are_named(tmp_path: Path, body: str, words: str) -> None:
    path = submission(tmp_path, "slip", grad=f'''
        def poly_grad(x, y, coeffs):
            r = 2.0 * (poly_predict(x, coeffs) - y)
            g = np.array([np.sum(r * x ** k) for k in range(4)])
            {body}
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.grad")
    assert words in outcome.feedback, outcome.feedback


def test_grad_equals_autograd() -> None:
    """The reference's hand-derived gradient (the expected facts) is autograd's, at the grader's inputs."""
    facts = observe_file(spec_mod.load(ASSIGNMENT).reference, ASSIGNMENT, "poly.grad")["facts"]
    for case in facts["cases"]:
        x, y, coeffs = (torch.from_numpy(np.asarray(i["values"])) for i in case["inputs"])
        coeffs.requires_grad_(True)
        ((coeffs[0] + coeffs[1] * x + coeffs[2] * x ** 2 + coeffs[3] * x ** 3 - y) ** 2).sum().backward()
        np.testing.assert_allclose(case["result"]["values"], coeffs.grad.numpy(), rtol=1e-10)


def test_grad_wrong_component_and_tuple_return(tmp_path: Path) -> None:
    path = submission(tmp_path, "wrong_d", grad='''
        def poly_grad(x, y, coeffs):
            r = 2.0 * (poly_predict(x, coeffs) - y)
            return (r.sum(), (r * x).sum(), (r * x ** 2).sum(), (r * x ** 2).sum())
    ''')
    outcome = outcome_of(path, ASSIGNMENT, "poly.grad")
    assert "the entries at index 3 differ from the expected ones" in outcome.feedback
    assert outcome.feedback.endswith("the component for the coefficient of x**k is sum(2*(y_pred - y) * x**k).")


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


def test_fit_autograd_unseeded_start_loses_the_steps_part(tmp_path: Path) -> None:
    """A start the grader cannot reproduce leaves the steps unverifiable: that part earns nothing."""
    path = submission(tmp_path, "unseeded", fit_autograd=FIT_AUTOGRAD.replace(
        "torch.randn(4, dtype=x.dtype, requires_grad=True)",
        "torch.tensor(np.random.default_rng().standard_normal(4), dtype=x.dtype, requires_grad=True)"))
    outcome = outcome_of(path, ASSIGNMENT, "poly.fit_autograd")
    assert outcome.fraction == pytest.approx(2 / 3), outcome.feedback
    assert outcome.feedback == (
        "Two identical calls of fit_poly_autograd (same seed, same arguments) started from different "
        "coefficients, so its steps cannot be compared with gradient descent: draw the start with "
        "torch.randn (the grader seeds it), or seed your own generator.")


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
    """The check's replay is the reference's loop, with the reference's own poly_grad."""
    poly_grad = runpy.run_path(str(spec_mod.load(ASSIGNMENT).reference))["poly_grad"]
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    design = np.stack([x ** k for k in range(4)], axis=1)
    data = {"gram": design.T @ design, "xty": design.T @ y, "yty": float(y @ y), "lr": 1e-6}
    start = np.array([0.5, -1.0, 0.3, 0.2])
    coeffs = start.copy()
    for _ in range(5):
        coeffs = coeffs - 1e-6 * poly_grad(x, y, coeffs)
    np.testing.assert_allclose(replay(data, start, 5), coeffs, rtol=1e-10)
    assert np.abs(replay(data, start, 5, accumulate=True) - coeffs).max() > 0.1
    assert sse(data, coeffs) == pytest.approx(float(np.sum((design @ coeffs - y) ** 2)), rel=1e-9)


def _fit_facts(probes: dict[int, list[float]], final: list[float], repeat: list[float] | None) -> dict:
    run = lambda k, c: {"steps": k, "coeffs": np.array(c, dtype=float), "error": None, "bad_return": None}
    first = min(probes)
    data = {"n": 4, "gram": np.eye(4), "xty": np.zeros(4), "yty": 0.0, "lr": 0.1}
    return {
        "data": data, "variant_data": {**data, "scale": -1.0, "offset": 0.5},
        "input_kind": "torch",
        "final": run(2000, final), "variant": run(2000, final),
        "probes": [run(k, c) for k, c in sorted(probes.items())],
        "repeat": None if repeat is None else run(first, repeat),
    }


def test_steps_replayed_on_hand_built_facts() -> None:
    # gram = I, xty = 0, lr = 0.1: one step multiplies by 0.8; accumulated: 0.8, then 0.8 - 0.2*1.8 = 0.44
    expected = _fit_facts({0: [1, 1, 1, 1], 1: [.8] * 4, 2: [.64] * 4}, [0, 0, 0, 0], [1, 1, 1, 1])
    good = _fit_facts({0: [1, 1, 1, 1], 1: [.8] * 4, 2: [.64] * 4}, [0, 0, 0, 0], [1, 1, 1, 1])
    accumulating = _fit_facts({0: [1, 1, 1, 1], 1: [.8] * 4, 2: [.44] * 4}, [0, 0, 0, 0], [1, 1, 1, 1])
    unrepeatable = _fit_facts({0: [1, 1, 1, 1], 1: [.3] * 4, 2: [.1] * 4}, [0, 0, 0, 0], [2, 2, 2, 2])
    assert check_fit_autograd(good, expected, {}).status == "passed"
    bad = check_fit_autograd(accumulating, expected, {})
    assert bad.fraction == pytest.approx(2 / 3) and "gradients accumulate" in bad.feedback
    assert check_fit_autograd(unrepeatable, expected, {}).fraction == pytest.approx(2 / 3)


def test_coefficients_of_accepts_the_usual_returns() -> None:
    want = np.array([1.0, 2.0, 3.0, 4.0])
    returns = [want, list(want), tuple(torch.tensor(v, requires_grad=True) for v in want),
               torch.tensor(want, dtype=torch.float32, requires_grad=True), want.reshape(4, 1)]
    for value in returns:
        np.testing.assert_allclose(coefficients_of(value), want)
    with pytest.raises(ValueError, match="returned a builtins.dict"):
        coefficients_of({"a": 1})


def test_supplied_helpers_replace_only_defined_names_and_restore() -> None:
    sources = spec_mod.load(ASSIGNMENT).item("poly.fit_numpy").observe["supplied"]
    scope: dict = {}
    exec("def poly_grad(*args):\n    return 'mine'\ndef fit():\n    return poly_grad", scope)
    own = scope["poly_grad"]
    with supplied_helpers(scope["fit"], {"supplied": sources}) as swapped:
        assert swapped == ["poly_grad"]
        helper = scope["fit"]()
        x = np.linspace(-1, 1, 7)
        np.testing.assert_allclose(helper(x, np.sin(x), (0.0, 1.0, 0.0, 0.0)),
                                   [np.sum(2 * (x - np.sin(x)) * x ** k) for k in range(4)])
        assert helper(0, 0, 0, "extra") == "mine"  # calls the reference's cannot take
        assert "poly_predict" not in scope
    assert scope["poly_grad"] is own


def test_each_item_carries_only_the_helpers_it_declares() -> None:
    plan = {item["id"]: item["observe"] for item in spec_mod.load(ASSIGNMENT).sandbox_plan()["items"]}
    assert {k: sorted(v.get("supplied", {})) for k, v in plan.items()} == {
        "poly.predict": [], "poly.grad": ["poly_predict"],
        "poly.fit_numpy": ["poly_grad", "poly_predict"], "poly.fit_autograd": ["poly_grad", "poly_predict"]}


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


# ------------------------------------------------------- forged records earn nothing


def _facts(item_id: str) -> dict:
    """A private copy of the reference's facts for ``item_id`` (the check's ``expected``)."""
    return facts_copy(reference_observation(item_id)["facts"])


def facts_copy(value):
    if isinstance(value, dict):
        return {k: facts_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [facts_copy(v) for v in value]
    return value.copy() if isinstance(value, np.ndarray) else value


@functools.lru_cache(maxsize=None)
def spec_item_of(item: str) -> spec_mod.RubricItem:
    return spec_mod.load(ASSIGNMENT).item(item)


def judge(item: str, observed: dict, expected: dict, params: dict | None = None) -> Outcome:
    """The item's judge on hand-made records: its kind's (with the spec's check settings), or its check."""
    spec_item = spec_item_of(item)
    if spec_item.kind is not None:
        return kit.KINDS[spec_item.kind].judge(observed, expected, spec_item.check)
    return CHECKS[item](observed, expected, spec_item.check if params is None else params)


@pytest.mark.parametrize("item", ITEMS)
def test_an_empty_record_earns_nothing(item: str) -> None:
    outcome = judge(item, {}, _facts(item))
    assert outcome.fraction == 0.0, outcome.feedback


@pytest.mark.parametrize("item", ["poly.predict", "poly.grad"])
def test_every_case_needs_an_answer(item: str) -> None:
    """No case list shorter or longer than the grader's, nor one that is not a list of answers."""
    expected = _facts(item)
    for cases in ([], expected["cases"][:1], expected["cases"] * 2, "cases", [None] * len(expected["cases"])):
        outcome = judge(item, {**expected, "cases": cases}, expected)
        assert outcome.status == "failed", (cases, outcome.feedback)
        assert "could not use what your code reported" in outcome.feedback


@pytest.mark.parametrize("item", ["poly.predict", "poly.grad"])
def test_kind_items_are_judged_at_the_reference_inputs(item: str) -> None:
    """A record that reports inputs of its own (all zeros) and the matching zero values fails."""
    expected = _facts(item)
    forged = facts_copy(expected)
    for case in forged["cases"]:
        for given in case["inputs"]:
            given["values"] = np.zeros_like(given["values"])
        case["result"]["values"] = np.zeros_like(case["result"]["values"])
    assert judge(item, forged, expected).status == "failed"


def test_forged_endless_fit_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record claiming 10^12 steps is not an answer to the grader's calls, and the replay
    never runs longer than the grader's own probes, whatever the record says."""
    checks_poly = _poly_checks

    expected = _facts("poly.fit_autograd")
    longest = max(p["steps"] for p in expected["probes"])
    replayed: list[int] = []
    real_replay = checks_poly.replay

    def counting_replay(data, start, steps, accumulate=False):
        replayed.append(steps)
        assert steps <= longest, f"asked to replay {steps} steps"
        return real_replay(data, start, steps, accumulate)

    monkeypatch.setattr(checks_poly, "replay", counting_replay)
    forged = facts_copy(expected)
    for probe in forged["probes"][1:]:
        probe["steps"] = 10 ** 12
    forged["final"]["steps"] = 10 ** 12
    outcome = check_fit_autograd(forged, expected, {})
    assert outcome.status == "failed" and "does not answer the grader's" in outcome.feedback
    forged = facts_copy(expected)  # the grader's step counts, made-up coefficients
    for run in [forged["final"], *forged["probes"], forged["repeat"]]:
        run["coeffs"] = np.array([1.0, -1.0, 1.0, -1.0]) + 0.01 * min(run["steps"], 100)
    outcome = check_fit_autograd(forged, expected, {})
    assert outcome.status == "failed", outcome.feedback
    assert replayed and max(replayed) <= longest


def test_fit_probes_without_answers_lose_the_steps_part() -> None:
    """Probes that 'raised' are not a licence to skip the replay."""
    expected = _facts("poly.fit_autograd")
    forged = facts_copy(expected)
    for probe in forged["probes"]:
        probe.update(coeffs=None, error="RuntimeError: made up")
    forged["repeat"] = None
    outcome = check_fit_autograd(forged, expected, {})
    assert outcome.fraction == pytest.approx(2 / 3)  # the final fit is the reference's own
    assert outcome.feedback.startswith("fit_poly_autograd must also run for a few steps")


@pytest.mark.parametrize("item", ["poly.fit_numpy", "poly.fit_autograd"])
def test_coefficients_fixed_in_advance_earn_nothing(tmp_path: Path, item: str) -> None:
    """The reference fit's own coefficients, returned whatever the data: the second target shows it."""
    ref = reference_observation(item)["facts"]["final"]["coeffs"]
    constant = f"""
        def {{name}}(x, y, lr=1e-6, steps=2000):
            return np.array({[float(c) for c in ref]})
    """
    path = submission(tmp_path, "constant", fit_numpy=constant.format(name="fit_poly_numpy"),
                      fit_autograd=constant.format(name="fit_poly_autograd"))
    outcome = outcome_of(path, ASSIGNMENT, item)
    assert outcome.status == "failed", outcome.feedback
    assert "On a second target, y = 0.5 - sin(x) at the same x," in outcome.feedback


def test_fit_loss_is_computed_from_the_coefficients() -> None:
    """A claimed loss is ignored: constant coefficients (the usual forgery) fail the loss part."""
    expected = _facts("poly.fit_numpy")
    forged = facts_copy(expected)
    for run in [forged["final"], *forged["probes"], forged["repeat"]]:
        run.update(coeffs=np.array([0.0, 1.0, 0.0, -1 / 6]), loss=0.0)
    forged["data"] = {**forged["data"], "gram": np.eye(4), "xty": np.zeros(4), "yty": 0.0}
    outcome = CHECKS["poly.fit_numpy"](forged, expected, {})
    assert outcome.status == "failed", outcome.feedback


GARBAGE = (None, "x" * 10, 10 ** 12, -1, True, 1.5, float("nan"), [], {}, [None], np.zeros((3, 3)),
           np.zeros(0), {"a": 1})


@pytest.mark.parametrize("item", ITEMS)
def test_checks_survive_any_malformed_answer(item: str) -> None:
    """Every field of the reference's own record replaced by garbage: an Outcome, never a crash."""
    expected = _facts(item)
    params = spec_mod.load(ASSIGNMENT).item(item).check
    for path in record_paths(expected)[1:]:
        for garbage in GARBAGE:
            outcome = judge(item, replaced(expected, path, garbage), expected, params)
            assert 0.0 <= outcome.fraction <= 1.0, (path, garbage)


# ------------------------------------------------------- supply: in the spec


def _spec_with(tmp_path: Path, mutate) -> Path:
    """A copy of this assignment's YAML, changed by ``mutate``, with the reference by absolute path."""
    import yaml

    raw = yaml.safe_load((ROOT / "assignments" / ASSIGNMENT / "assignment.yaml").read_text())
    raw["reference"] = str(spec_mod.load(ASSIGNMENT).reference)
    mutate(raw)
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw))
    for code in (ROOT / "assignments" / ASSIGNMENT).glob("*.py"):  # its probes.py, checks.py
        (folder / code.name).write_bytes(code.read_bytes())
    return folder


def test_supply_of_a_name_the_reference_lacks_is_a_spec_error(tmp_path: Path) -> None:
    folder = _spec_with(tmp_path, lambda raw: raw["items"][2].update(supply=["poly_gradient"]))
    with pytest.raises(spec_mod.SpecError) as err:
        spec_mod.load(folder)
    assert str(err.value).startswith(f"{folder / 'assignment.yaml'}: field items.2.supply: 'poly_gradient' "
                                     "is not a function defined at the top level of the reference ")
    assert str(err.value).endswith("its top-level functions: fit_poly_autograd, fit_poly_numpy, "
                                   "poly_grad, poly_predict")


def test_supply_of_a_function_without_what_it_calls_is_a_spec_error(tmp_path: Path) -> None:
    folder = _spec_with(tmp_path, lambda raw: raw["items"][2].update(supply=["poly_grad"]))
    with pytest.raises(spec_mod.SpecError, match=r"field items.2.supply: the reference's poly_grad reads "
                                                 r"poly_predict, defined at the top level of .*: list it "
                                                 r"under supply too"):
        spec_mod.load(folder)


def test_observe_cannot_carry_supplied_sources_itself(tmp_path: Path) -> None:
    folder = _spec_with(tmp_path, lambda raw: raw["items"][0]["observe"].update(supplied={"x": "1"}))
    with pytest.raises(spec_mod.SpecError, match="field items.0.observe: the observe key 'supplied' is "
                                                 "filled in by the grader"):
        spec_mod.load(folder)


def test_supplied_source_is_the_references_function_without_its_docstring() -> None:
    source = spec_mod.load(ASSIGNMENT).item("poly.grad").observe["supplied"]["poly_predict"]
    assert source == ("import math\nimport numpy as np\nimport torch\n"
                      "def poly_predict(x, coeffs):\n"
                      "    ### BEGIN SOLUTION\n"  # the template's marker: a comment, kept
                      "    a, b, c, d = coeffs\n"
                      "    return a + b * x + c * x ** 2 + d * x ** 3\n")
