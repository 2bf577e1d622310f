"""Checks of ``mlp_regression`` (Sheet 2.3): judge the facts the observers sent.

Everything the sandbox sends is a claim. Every input a check uses (x, the data a
Dataset was built on, the sizes and layouts asked about, the batch a forward
pass ran on, the training data and the grader-built model's starting weights)
comes from the reference's facts (``expected``) or the item's ``check:``
settings; the record must answer every question the reference answered, and is
checked against the reference's sizes before any arithmetic. Where a fact can be
recomputed here from other facts (the goal function from its inputs, a
network's outputs and losses from its weights), the check recomputes it with
NumPy. Thresholds come from the item's ``check:`` settings; feedback states only
what the contract already says publicly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograder.checks import check
from autograder.checks.claims import Malformed
from autograder.checks.claims import answers as _answers
from autograder.checks.claims import array_of as _array
from autograder.checks.claims import field as _field
from autograder.checks.claims import guarded as _guarded
from autograder.checks.claims import short as _short
from autograder.checks.common import compare_shapes, fmt_num, fmt_shapes, max_abs_diff, summarise
from autograder.report.plots import Panel, Section, curve_panel, plot
from autograder.results import Outcome

Part = tuple[bool, str]


def _combine(parts: list[Part], ok_message: str, errors: list[str]) -> Outcome:
    """``Outcome.from_checks``, but ``error`` when nothing passed and the code raised."""
    if errors and not any(ok for ok, _ in parts):
        return Outcome.error(" ".join(msg for ok, msg in parts if not ok))
    return Outcome.from_checks(parts, ok_message)


def _raised(what: str, error: str) -> str:
    return f"{what} raised {_short(error)}."


# ---------------------------------------------------------------------------- untrusted records


def _error_of(record: Any) -> str | None:
    return _field(record, "error", (str, type(None)))


def _shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape of a reported numeric array, read without converting it; None if not one."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return tuple(value.shape)
    return None


def _shape_list(value: Any, what: str, limit: int = 256) -> list[list[int]]:
    """A reported list of parameter shapes, bounded: at most ``limit`` shapes of at most 8 sizes."""
    if not (isinstance(value, list) and len(value) <= limit and all(
            isinstance(s, list) and len(s) <= 8
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in s) for s in value)):
        raise Malformed(f"{what} is not a list of at most {limit} parameter shapes")
    return value


@dataclass(frozen=True)
class Layer:
    """One reported nn.Linear layer: weight of shape (out, in), bias of shape (out,) or None."""

    name: str
    weight: np.ndarray
    bias: np.ndarray | None


def _layers(value: Any, max_layers: int, max_values: int) -> list[Layer]:
    """Reported Linear layers, their sizes checked before any value is read.

    At most ``max_layers`` layers of at most ``max_values`` numbers in all, so a
    record with an enormous "layer" is refused at the cost of a small one.
    """
    if not isinstance(value, list) or len(value) > max_layers:
        raise Malformed(f"the layers are not a list of at most {max_layers}")
    shapes = [_shape_of(_field(layer, "weight")) for layer in value]
    if any(s is None or len(s) != 2 for s in shapes):
        raise Malformed("a layer's weight is not a matrix")
    if sum(rows * (cols + 1) for rows, cols in shapes) > max_values:  # type: ignore[misc]
        raise Malformed(f"the layers hold more than {max_values} numbers")
    layers = []
    for layer, (rows, _) in zip(value, shapes, strict=True):  # type: ignore[misc]
        bias = _field(layer, "bias")
        name = layer.get("name", "?")
        layers.append(Layer(_short(name, 60) if isinstance(name, str) else "?",
                            layer["weight"].astype(np.float64),
                            None if bias is None else _array(bias, (rows,), "a bias")))
    return layers


def _bounds(params: dict[str, Any]) -> tuple[int, int]:
    return int(params.get("max_layers", 64)), int(params.get("max_values", 1_000_000))


# ---------------------------------------------------------------------------- goal_fun


@check("mlp.goal_fun")
@_guarded
def check_goal_fun(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Values of the formula at the reference's x, for a NumPy array and a torch tensor."""
    x = np.asarray(expected["x"], dtype=np.float64)
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-3)
    parts, errors = [], []
    for kind, wanted_type, call in (
        ("numpy", "numpy.ndarray", "goal_fun(np.array([...]))"),
        ("torch", "torch.Tensor", "goal_fun(torch.tensor([...]))"),
    ):
        fact = _field(observed, kind, dict)
        error = _error_of(fact)
        if error:
            errors.append(kind)
            hint = (" Use np.sin for arrays and torch.sin for tensors (or np.sin, which accepts both)."
                    if error.startswith(("TypeError", "AttributeError")) else "")
            parts.append((False, _raised(call, error) + hint))
            continue
        values, returned_type = _field(fact, "values"), _short(_field(fact, "type", str), 80)
        inputs = x.astype(np.float32).astype(np.float64) if kind == "torch" else x
        truth = inputs**3 - inputs**2 + 25 * np.sin(2 * inputs)
        if returned_type != wanted_type:
            parts.append((False, f"{call} returned a {returned_type}, expected a {wanted_type}: "
                                 "return the same type as the input."))
        elif values is None or _shape_of(values) != x.shape:
            shape = None if values is None else _shape_of(values)
            parts.append((False, f"{call} returned shape {shape}, expected {x.shape}: "
                                 "apply the formula element-wise."))
        elif not np.allclose(values.astype(np.float64), truth, rtol=rtol, atol=atol):
            values = values.astype(np.float64)
            i = int(np.nanargmax(np.abs(values - truth))) if not np.all(np.isnan(values)) else 0
            parts.append((False, f"{call}: at x = {fmt_num(x[i])} it returned {fmt_num(values[i])}, but "
                                 f"x**3 - x**2 + 25*sin(2*x) = {fmt_num(truth[i])}. Check the signs and "
                                 "the factor 2 inside the sine."))
        else:
            parts.append((True, ""))
    return _combine(parts, "goal_fun matches x**3 - x**2 + 25*sin(2*x) on NumPy arrays and torch tensors.",
                    errors)


# ---------------------------------------------------------------------------- dataset


@check("mlp.dataset")
@_guarded
def check_dataset(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Length, item format, DataLoader batches and a dataset of a second size are
    separable parts; items that do not come from the instance fail the item
    outright, since then every item the Dataset returns is wrong. The data are
    1-D float32 tensors, as the sheet passes them; NumPy input is outside the
    contract (Sheet 2.3's own Dataset refuses it), so it earns a hint, never a point.

    The data the Dataset was built on, its size and the batch size are the
    reference's; the record must hold one item per data point.
    """
    atol = params.get("atol", 1e-5)
    n = int(expected["n"])
    items = _answers(_field(observed, "items"), n, "items")
    values_msg = _items_from_instance(items, expected["x"], expected["y"], atol, "the tensors passed in")
    loader = _field(observed, "loader", dict)
    batch_size = int(expected["loader"]["batch_size"])
    parts = [
        _dataset_type_and_len(observed, n),
        _item_format(items),
        _loader_batches(loader, n, batch_size, params.get("expected_batches", 4)),
    ]
    if values_msg is not None:  # the item fails; the other data only add to the explanation
        try:
            parts.append(_other_data(observed.get("small"), expected["small"], atol, SMALL, explain=False))
        except Malformed:
            pass
        others = " ".join(msg for ok, msg in parts if not ok)
        return Outcome.failed(f"{values_msg} {others}".strip())
    parts.append(_other_data(_field(observed, "small", dict), expected["small"], atol, SMALL))
    # Only a NumPy-specific problem deserves the hint: one the tensors of the same size do not show.
    hint = _numpy_hint(observed.get("numpy"), expected["numpy"], atol) if parts[3][0] else ""
    every_item_raised = bool(items) and all(_error_of(i) for i in items)
    outcome = _combine(parts, f"NonLinearRegressionData: len, items (float32, shape (1,) or ()), its own data "
                              f"and a DataLoader with batch_size {batch_size} all work.",
                       ["items"] if every_item_raised else [])
    return Outcome(outcome.fraction, f"{outcome.feedback} {hint}".strip(), outcome.errored) if hint else outcome


def _dataset_type_and_len(observed: dict[str, Any], n: int) -> Part:
    len_error = _field(observed, "len_error", (str, type(None)))
    if len_error:
        return False, _raised(f"len(d) for a dataset of {n} points", len_error)
    problems = []
    length = _field(observed, "len")
    if not _is_count(length, n):
        problems.append(f"len(d) is {_short(length, 40)} for a dataset built on {n} points, expected {n}: "
                        "return the length of the data stored in the instance.")
    if not _field(observed, "is_dataset", bool):
        problems.append(f"NonLinearRegressionData is a {_short(_field(observed, 'type'), 80)}, not a "
                        "torch.utils.data.Dataset: write `class NonLinearRegressionData(Dataset):`.")
    return not problems, " ".join(problems)


def _is_count(value: Any, n: int) -> bool:
    """Whether a reported length is the integer ``n`` (and not an array or a bool that compares oddly)."""
    return isinstance(value, int) and not isinstance(value, bool) and value == n


def _item_problem(item: Any) -> str | None:
    """What is wrong with one item's format, or None."""
    error = _error_of(item)
    if error:
        return f"raised {_short(error)}"
    parts = _field(item, "parts", (list, type(None)))
    if parts is None or len(parts) != 2:
        got = (_short(_field(item, "type"), 80) if parts is None
               else f"a {_short(_field(item, 'type'), 80)} of {len(parts)} elements")
        return f"returned {got}, expected a tuple (x_i, y_i)"
    for name, part in zip(("x_i", "y_i"), parts, strict=True):
        if not _field(part, "is_tensor", bool):
            return f"gave {name} as a {_short(_field(part, 'type'), 80)}, expected a torch tensor"
        shape = _shape_list([_field(part, "shape")], "a shape")[0]
        if shape not in ([1], []):
            return f"gave {name} of shape {tuple(shape)}, expected (1,) or ()"
        dtype = _field(part, "dtype", str)
        if dtype != "float32":
            return f"gave {name} of dtype {_short(dtype, 40)}, expected float32"
    return None


def _item_format(items: list[Any]) -> Part:
    for i, item in enumerate(items):
        problem = _item_problem(item)
        if problem:
            return False, f"d[{i}] {problem}."
    return True, ""


def _number_or_nan(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _item_values(items: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """x and y values of every item (NaN where an item has no single value)."""
    xs, ys = [], []
    for item in items:
        parts = item.get("parts") if isinstance(item, dict) else None
        pair = ([p.get("value") if isinstance(p, dict) else None for p in parts]
                if isinstance(parts, list) and len(parts) == 2 else [None, None])
        xs.append(_number_or_nan(pair[0]))
        ys.append(_number_or_nan(pair[1]))
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def _items_from_instance(items: list[Any], x: Any, y: Any, atol: float, source: str) -> str | None:
    """None when ``d[i] == (x[i], y[i])`` for every i; otherwise what differs and the likely cause.

    ``x`` and ``y`` are the reference's data; ``items`` has one entry per point.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    got_x, got_y = _item_values(items)
    ok = np.isclose(got_x, x, rtol=1e-6, atol=atol) & np.isclose(got_y, y, rtol=1e-6, atol=atol)
    if ok.all():
        return None
    i = int(np.argmin(ok))
    if np.isnan(got_x[i]) or np.isnan(got_y[i]):
        return None  # a format problem, reported by the format part
    swapped = np.allclose(got_x, y, atol=atol) and np.allclose(got_y, x, atol=atol)
    hint = ("x and y are swapped." if swapped else
            "does __getitem__ read global variables (such as x_obs, y_obs) instead of the data stored on "
            "the instance (self.x_obs, self.y_obs)? A Dataset must return the data it was built with.")
    return (f"Built on {source}, d[{i}] returned ({got_x[i]:.5g}, {got_y[i]:.5g}) but that data holds "
            f"({x[i]:.5g}, {y[i]:.5g}) at index {i} ({int((~ok).sum())} of {len(ok)} items differ): {hint}")


def _loader_batches(loader: dict[str, Any], n: int, bs: int, expected_batches: int) -> Part:
    what = f"DataLoader(d, batch_size={bs}) over {n} points"
    error = _error_of(loader)
    if error:
        return False, _raised(what, error)
    shapes = _field(loader, "batch_shapes", list)
    if len(shapes) != expected_batches:
        return False, f"{what} yielded {len(shapes)} batches, expected {expected_batches}: check __len__."
    shapes = [_shape_list(s, "a batch's shapes") for s in shapes]
    if any(len(s) != 2 or not s[0] or s[0][0] != bs or not s[1] or s[1][0] != bs for s in shapes):
        found = " and ".join(fmt_shapes([s]) for s in shapes[0]) if shapes[0] else "no (x, y) pairs"
        return False, f"{what} yielded batches of shapes {found}, expected ({bs},1) for x and y (or ({bs},))."
    return True, ""


SMALL = "NonLinearRegressionData on float32 tensors"


def _other_data(facts: Any, reference: dict[str, Any], atol: float, label: str,
                explain: bool = True) -> Part:
    """A dataset built on other data (the reference's): its length and items, as a part."""
    n = int(reference["n"])
    what = f"{label} of {n} points"
    error = _error_of(facts)
    if error:
        return False, _raised(what, error)
    length = _field(facts, "len")
    if not _is_count(length, n):
        return False, f"{what}: len(d) is {_short(length, 40)}, expected {n}."
    items = _answers(_field(facts, "items"), n, f"items of the {label}")
    for i, item in enumerate(items):
        problem = _item_problem(item)
        if problem:
            return False, f"{what}: d[{i}] {problem}."
    values = _items_from_instance(items, reference["x"], reference["y"], 1e-4 + atol, label)
    if values is not None and not explain:
        values = f"The same happens for a dataset built on other data ({n} points)."
    return values is None, values or ""


def _numpy_hint(facts: Any, reference: dict[str, Any], atol: float) -> str:
    """A pointer, worth no points, when the Dataset does not accept NumPy float64 arrays.

    The contract passes 1-D float tensors, as the sheet does; NumPy input is a
    convenience worth mentioning, never a requirement. A malformed record only
    loses the hint.
    """
    try:
        ok, message = _other_data(facts, reference, atol, "NonLinearRegressionData on NumPy float64 arrays")
    except Malformed:
        return ""
    if ok:
        return ""
    return (f"Not graded, a hint: {message} The grader passes float32 tensors, as the sheet does; "
            "torch.as_tensor(x, dtype=torch.float32) in __init__ would accept NumPy arrays too.")


# ---------------------------------------------------------------------------- shapes


def _config_answers(observed: dict[str, Any], expected: dict[str, Any]) -> list[dict[str, Any]]:
    """One observed answer per configuration the reference was asked about, in order."""
    return _answers(_field(observed, "configs"), len(expected["configs"]), "configurations")


def _config_shapes(obs: dict[str, Any]) -> list[list[int]]:
    return _shape_list(_field(obs, "shapes", list), "the parameter shapes")


def _shapes_outcome(observed: dict[str, Any], expected: dict[str, Any], what: Callable[[list], str],
                    require_sequential: bool = False) -> Outcome:
    """Compare every configuration's parameter shapes with the reference's.

    The configurations are the reference's; every one must be answered. The
    first configuration is the contract's; if it fails the item fails. Later
    ones (other sizes) give partial credit: they catch hard-coded sizes.
    """
    parts: list[Part] = []
    answers = _config_answers(observed, expected)
    for obs, exp in zip(answers, expected["configs"], strict=True):
        label = what(exp["args"])
        error = _error_of(obs)
        if error:
            parts.append((False, _raised(label, error) + " Use the constructor's arguments "
                                 "for the layer sizes."))
            continue
        problem = compare_shapes(_config_shapes(obs), exp["shapes"], label)
        if problem and parts and parts[0][0]:
            problem += " Are the constructor's arguments used for every layer size?"
        parts.append((problem is None, problem or ""))
    if require_sequential and not (_error_of(answers[0]) or _field(answers[0], "has_sequential", bool)):
        label = what(expected["configs"][0]["args"])
        parts.append((False, f"{label} contains no nn.Sequential: the condensed version builds the "
                             "whole network as one nn.Sequential(...)."))
    if not parts[0][0]:
        return Outcome.failed(" ".join(msg for ok, msg in parts if not ok))
    first = expected["configs"][0]
    return Outcome.from_checks(parts, f"{what(first['args'])} parameter shapes {fmt_shapes(first['shapes'])} "
                                      "are right, and other sizes work too.")


def _call(name: str) -> Callable[[list], str]:
    return lambda args: f"{name}({', '.join(map(str, args))})"


@check("mlp.explicit_shapes")
@_guarded
def check_explicit_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    return _shapes_outcome(observed, expected, _call("MLPexplicit"))


@check("mlp.condensed_shapes")
@_guarded
def check_condensed_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    return _shapes_outcome(observed, expected, _call("MLPcondensed"), require_sequential=True)


@check("mlp.layout_shapes")
@_guarded
def check_layout_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Every layout the reference was asked about must be answered with its shapes."""
    parts: list[Part] = []
    errors = []
    for obs, exp in zip(_config_answers(observed, expected), expected["configs"], strict=True):
        label = f"MLP({exp['args']})"
        error = _error_of(obs)
        if error:
            errors.append(label)
            parts.append((False, _raised(label, error)))
            continue
        shapes = _config_shapes(obs)
        problem = compare_shapes(shapes, exp["shapes"], label)
        if problem and any(not ok for ok, _ in parts):
            problem = f"{label} is wrong too: found {fmt_shapes(shapes)}, expected {fmt_shapes(exp['shapes'])}."
        elif problem:
            n = len(exp["args"])
            problem += (f" A layout of {n} sizes needs {n - 1} Linear layer{'s' if n > 2 else ''}, "
                        "one between each pair of consecutive sizes.")
        parts.append((problem is None, problem or ""))
    labels = ", ".join(f"MLP({c['args']})" for c in expected["configs"])
    return _combine(parts, f"Parameter shapes are right for {labels}.", errors)


# ---------------------------------------------------------------------------- init_range


def _pooled(values: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([v.ravel() for v in values]) if values else np.zeros(0)


def _model_answers(observed: dict[str, Any], expected: dict[str, Any]) -> list[dict[str, Any]]:
    """One observed answer per model the reference was asked about, in order."""
    return _answers(_field(observed, "models"), len(expected["models"]), "models")


def _model_status(model: dict[str, Any], label: str) -> str | None:
    """Why a model has nothing to judge (not defined, or raised when built), or None."""
    if _field(model, "missing", bool):
        return f"{label}: `{label.split('(')[0]}` is not defined."
    error = _error_of(model)
    return _raised(label, error) if error else None


def _init_problem(model: dict[str, Any], reference: dict[str, Any], params: dict[str, Any]) -> str | None:
    label = reference["label"]
    status = _model_status(model, label)
    if status:
        return status
    weights, biases = [], []
    seeds = _answers(_field(model, "seeds"), len(reference["seeds"]), f"seeds for {label}")
    for reported in seeds:
        layers = _layers(reported, *_bounds(params))
        if not layers:
            return f"{label} has no nn.Linear layers: build the network from nn.Linear."
        for k, layer in enumerate(layers):
            w, b = layer.weight, layer.bias
            bound = 1 / math.sqrt(w.shape[1]) if w.shape[1] else 1.0
            for kind, t in (("weight", w), ("bias", b)):
                if t is None:
                    return f"{label}: Linear layer {k + 1} has no bias; keep nn.Linear's default bias=True."
                if t.size and np.abs(t).max() > bound * (1 + 1e-6):
                    return (f"{label}: Linear layer {k + 1} {kind} has values up to {fmt_num(np.abs(t).max())}, "
                            f"outside ±1/sqrt(fan_in) = ±{fmt_num(bound)}: keep nn.Linear's default initialisation "
                            "(don't re-initialise the weights).")
            weights.append(w * math.sqrt(w.shape[1]))
            biases.append(np.asarray(b) * math.sqrt(w.shape[1]))
    return _spread_problem(label, weights, biases, params)


def _spread_problem(label: str, weights: list[np.ndarray], biases: list[np.ndarray],
                    params: dict[str, Any]) -> str | None:
    """Whether the scaled weights and biases are spread like U(-1, 1): mean 0, std 1/sqrt(3)."""
    uniform_std = 1 / math.sqrt(3)
    for kind, pooled, band, max_mean in (
        ("weights", _pooled(weights), params.get("std_ratio", [0.8, 1.2]), params.get("max_abs_mean", 0.15)),
        ("biases", _pooled(biases), params.get("bias_std_ratio", [0.7, 1.3]),
         params.get("bias_max_abs_mean", 0.35)),
    ):
        ratio = float(pooled.std() / uniform_std) if pooled.size else 0.0
        mean = float(pooled.mean()) if pooled.size else 0.0
        if pooled.size and np.ptp(pooled) == 0:
            why = ("constant weights make every unit learn the same thing" if kind == "weights" else
                   "PyTorch's default draws the biases uniformly too")
            return (f"{label}: all {kind} are {_constant(pooled[0])} ({why}): keep nn.Linear's default uniform "
                    "initialisation.")
        if not (band[0] <= ratio <= band[1]) or abs(mean) > max_mean:
            return (f"{label}: the {kind}, scaled by sqrt(fan_in), have mean {fmt_num(mean)} and standard deviation "
                    f"{fmt_num(ratio * uniform_std)}, which does not look like PyTorch's default "
                    f"U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (mean 0, standard deviation {fmt_num(uniform_std)}): "
                    "keep nn.Linear's default initialisation.")
    return None


@check("mlp.init_range")
@_guarded
def check_init_range(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Fresh weights of every model and seed the reference was asked about look like the default init."""
    parts, errors = [], []
    for model, reference in zip(_model_answers(observed, expected), expected["models"], strict=True):
        problem = _init_problem(model, reference, params)
        if not _field(model, "missing", bool) and _error_of(model):
            errors.append(reference["label"])
        parts.append((problem is None, problem or ""))
    labels = ", ".join(m["label"] for m in expected["models"])
    return _combine(parts, f"Fresh {labels} keep PyTorch's default uniform initialisation.", errors)


# ---------------------------------------------------------------------------- forward


def _network(inputs: np.ndarray, layers: list[Layer], hidden: Callable, last: Callable) -> np.ndarray:
    """A feed-forward pass through ``layers`` (weight, bias) with the given activations."""
    h = inputs
    with np.errstate(over="ignore", invalid="ignore"):
        for k, layer in enumerate(layers):
            b = np.zeros(layer.weight.shape[0]) if layer.bias is None else layer.bias
            h = h @ layer.weight.T + b
            h = last(h) if k == len(layers) - 1 else hidden(h)
    return h


def _chains(layers: list[Layer], n_in: int) -> bool:
    """Whether the layers, in the order given, map ``n_in`` inputs through to the last layer."""
    width = n_in
    for layer in layers:
        if layer.weight.shape[1] != width:
            return False
        width = layer.weight.shape[0]
    return True


def _relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


def _identity(h: np.ndarray) -> np.ndarray:
    return h


def _sigmoid(h: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(h, -500.0, 500.0)))


_LOOKALIKES = (
    ((_relu, _relu), "a ReLU is applied after the output layer too: the last Linear layer's output must be "
                     "returned as it is, with no activation."),
    ((_identity, _identity), "there is no ReLU between the layers: apply a ReLU after every hidden layer."),
    ((np.tanh, _identity), "tanh is used where the sheet asks for ReLU."),
    ((_sigmoid, _identity), "a sigmoid is used where the sheet asks for ReLU."),
)


def _negated_output_layer(layers: list[Layer]) -> list[Layer]:
    """The layers as the observer's second pass has them: the last one made negative.

    Computed here from the first pass's weights, so the second pass's reported
    weights are never needed (the observer does the same in float32).
    """
    last = layers[-1]
    bias = None if last.bias is None else -np.abs(last.bias) - 1.0
    return [*layers[:-1], Layer(last.name, -np.abs(last.weight), bias)]


def _forward_problem(model: dict[str, Any], reference: dict[str, Any], rtol: float, atol: float,
                     params: dict[str, Any]) -> str | None:
    label = reference["label"]
    status = _model_status(model, label)
    if status:
        return status
    passes = _field(model, "passes", list)
    if not passes:
        raise Malformed(f"no forward pass of {label}")
    ref_passes = reference["passes"]
    layers = _layers(_field(passes[0], "layers"), *_bounds(params))
    problem = _pass_problem(label, reference["n_out"], passes[0], ref_passes[0], layers, rtol, atol)
    if problem or len(ref_passes) < 2:
        return problem
    _answers(passes, len(ref_passes), f"forward passes of {label}")
    return _pass_problem(label, reference["n_out"], passes[1], ref_passes[1], _negated_output_layer(layers),
                         rtol, atol)


def _pass_problem(label: str, n_out: int, run: dict[str, Any], reference: dict[str, Any], layers: list[Layer],
                  rtol: float, atol: float) -> str | None:
    """One forward pass, on the reference's inputs, against the network of ``layers``."""
    error = _error_of(run)
    if error:
        return _raised(f"{label}(x)", error)
    inputs = np.asarray(reference["inputs"], dtype=np.float64)
    output = _field(run, "output")
    want = (inputs.shape[0], n_out)
    if output is None:
        return f"{label}(x) returned a {_short(_field(run, 'output_type'), 80)}, expected a tensor of shape {want}."
    shape = _shape_of(output)
    if shape is None:
        raise Malformed("an output is not an array")
    if shape != want:
        size = math.prod(shape)
        fix = ("return the last layer's output as it is (no squeeze or reshape)" if size == want[0] * n_out
               else f"the last Linear layer must have {n_out} output unit{'s' if n_out > 1 else ''}")
        return (f"{label}(x) for x of shape {tuple(inputs.shape)} returned shape {shape}, "
                f"expected {want}: {fix}.")
    if not layers:
        return f"{label} has no nn.Linear layers: build the network from nn.Linear."
    if not _chains(layers, inputs.shape[1]):
        return (f"{label}: its nn.Linear layers, in the order they were created, do not chain "
                f"({fmt_shapes([layer.weight.shape for layer in layers])}): create them in forward order.")
    output = output.astype(np.float64)
    truth = _network(inputs, layers, _relu, _identity)
    if truth.shape != output.shape:
        return (f"{label}(x) returned shape {shape}, but its nn.Linear layers give {truth.shape}: every layer "
                "must be used once, in the order created.")
    scale = max(1.0, float(np.abs(truth).max()))
    if np.allclose(output, truth, rtol=rtol, atol=atol * scale):
        return None
    for (hidden, last), explanation in _LOOKALIKES:
        if np.allclose(output, _network(inputs, layers, hidden, last), rtol=rtol, atol=atol * scale):
            return f"{label}: {explanation}"
    return (f"{label}, {reference['setting']}: outputs differ from a ReLU network computed from the model's own "
            f"nn.Linear layers (largest difference {fmt_num(max_abs_diff(output, truth))}; got {summarise(output)}, "
            f"expected {summarise(truth)}).{_call_order_hint(run, layers)} Each Linear layer must be used once, "
            "in the order created, with a ReLU after every hidden layer and none after the output.")


def _call_order_hint(run: dict[str, Any], layers: list[Layer]) -> str:
    """Which layers forward skipped or reordered, from the reported call order (a hint only)."""
    calls = run.get("call_order")
    if not (isinstance(calls, list) and len(calls) <= 4 * len(layers) and all(
            isinstance(k, int) and not isinstance(k, bool) and 0 <= k < len(layers) for k in calls)):
        return ""
    unused = [layers[k].name for k in range(len(layers)) if k not in calls]
    if calls and unused:
        return f" Layer(s) {', '.join(unused)} are never called in forward."
    if calls and calls != list(range(len(layers))):
        return f" forward calls the Linear layers in the order {[layers[k].name for k in calls]}."
    return ""


@check("mlp.forward")
@_guarded
def check_forward(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Every model the reference was asked about: outputs on the reference's batch equal the
    ReLU network of the model's reported weights, as built and with its output layer negated."""
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-5)
    parts, errors = [], []
    for model, reference in zip(_model_answers(observed, expected), expected["models"], strict=True):
        problem = _forward_problem(model, reference, rtol, atol, params)
        if not _field(model, "missing", bool) and _error_of(model):
            errors.append(reference["label"])
        parts.append((problem is None, problem or ""))
    labels = ", ".join(m["label"] for m in expected["models"])
    return _combine(parts, f"forward of {labels} equals a ReLU network computed from the models' own weights.",
                    errors)


# ---------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainingRun:
    """What the grader knows of one ``train`` run: the curve it returned (if usable) and the
    model's MSE on the training data before and after, computed here from the weights."""

    n_epochs: int
    n_batches: int
    losses: list[float] | None
    mse_before: float
    mse_after: float
    param_change: float


def _same_layers(a: list[Layer], b: list[Layer]) -> bool:
    return len(a) == len(b) and all(
        x.weight.shape == y.weight.shape and np.array_equal(x.weight, y.weight)
        and (x.bias is None) == (y.bias is None) and (x.bias is None or np.array_equal(x.bias, y.bias))
        for x, y in zip(a, b))


def _largest_change(after: Layer, before: Layer) -> float:
    change = float(np.max(np.abs(after.weight - before.weight), initial=0.0))
    if after.bias is not None and before.bias is not None:
        change = max(change, float(np.max(np.abs(after.bias - before.bias), initial=0.0)))
    return change


def _training_run(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> TrainingRun:
    """Read the record against the reference's: same starting weights, same architecture after.

    The grader built the model under a fixed seed, so the reference's run started
    from the very same weights; a record claiming other starting weights, or
    final weights of another architecture, describes some other run.
    """
    start = _layers(expected["initial"], *_bounds(params))
    initial = _layers(_field(observed, "initial"), *_bounds(params))
    final = _layers(_field(observed, "final"), *_bounds(params))
    if not _same_layers(initial, start):
        raise Malformed("the weights before training are not those of the model the grader built")
    if [layer.weight.shape for layer in final] != [layer.weight.shape for layer in start] or any(
            (f.bias is None) != (s.bias is None) for f, s in zip(final, start)):
        raise Malformed("the weights after training are not those of the model the grader built")
    x = np.asarray(expected["inputs"], dtype=np.float64).reshape(-1, 1)
    y = np.asarray(expected["targets"], dtype=np.float64).reshape(-1, 1)

    def mse(layers: list[Layer]) -> float:
        return float(np.mean((_network(x, layers, _relu, _identity) - y) ** 2))

    n_epochs = int(expected["n_epochs"])
    returned = _field(observed, "losses", (list, type(None)))
    usable = returned is not None and len(returned) == n_epochs and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in returned)
    change = max(_largest_change(f, s) for f, s in zip(final, start))
    return TrainingRun(n_epochs, int(expected["n_batches"]), [float(v) for v in returned] if usable else None,
                       mse(start), mse(final), change)


@check("mlp.loss_decrease")
@_guarded
def check_loss_decrease(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Four parts: the returned losses, their fall, the model's own fit, the curve's first epochs.

    The model's fit is the grader's: the MSE of the reported weights on the
    reference's data, the starting weights being the ones the grader built.
    The returned losses count only when they are the model's: the first epoch's
    loss agrees with the weights before training and the last with the weights
    after. When ``train`` returns no usable list of losses, only that and the
    model's fit are judged, so a missing ``return`` costs half.
    """
    run = _training_run(observed, expected, params)
    losses, n_epochs = run.losses, run.n_epochs
    call = f"train(model, dataloader, {n_epochs}, lr)"
    learned = _model_learned(run, params)
    returned_type = _short(_field(observed, "returned_type", str), 80)
    if losses is None:
        raw = observed.get("losses")
        count = f" of {len(raw)} numbers" if isinstance(raw, list) else ""
        parts = [(False, f"{call} returned a {returned_type}{count}, expected a list of {n_epochs} "
                         "floats, one summed loss per epoch (is `return losses` after the epoch loop?)."), learned]
    elif not all(math.isfinite(v) for v in losses):
        bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
        parts = [(False, f"{call}: the loss became {losses[bad]} in epoch {bad + 1}, so training diverged: "
                         "use torch.optim.Adam with the given lr and nn.MSELoss()."), learned]
    elif (untied := _curve_not_the_models(run, params)) is not None:
        parts = [(False, untied), learned]
    else:
        drifts = _drifts(losses, expected["losses"], params)
        if drifts:  # the curve part names the cause: the other parts give numbers, not another lead
            learned = (learned[0], learned[1].replace(f" {_LEARN_ADVICE}", ""))
        parts = [(True, ""), _first_vs_last(losses, params, _SEE_CURVE if drifts else _STEP_ADVICE), learned,
                 _curve_matches(losses, expected["losses"], run.n_batches, params)]
    outcome = Outcome.from_checks(parts, f"{call} returned {n_epochs} losses falling from "
                                         f"{fmt_num((losses or [0])[0])} to {fmt_num((losses or [0])[-1])}, and the model "
                                         "fits the data better.")
    diagnostics = (f"losses head {(losses or [])[:5]}, reference head {expected['losses'][:5]}; mse "
                   f"{fmt_num(run.mse_before)} -> {fmt_num(run.mse_after)} (recomputed from the weights)")
    return Outcome(outcome.fraction, outcome.feedback, diagnostics=diagnostics)


def _curve_not_the_models(run: TrainingRun, params: dict[str, Any]) -> str | None:
    """None when the curve's ends are the model's losses; otherwise what does not agree.

    An epoch's loss is the sum (or, a known slip, the mean) of its batch losses,
    taken while the weights move, so the first epoch is close to ``k`` times the
    MSE of the starting weights and the last close to ``k`` times that of the
    final weights, ``k`` being the number of batches (or 1).
    """
    first, last = run.losses[0], run.losses[-1]  # type: ignore[index]
    first_rtol, last_tol = params.get("first_loss_rtol", 0.05), params.get("last_loss_tol", 0.05)
    for k in (run.n_batches, 1):
        if (abs(first - k * run.mse_before) <= first_rtol * k * run.mse_before
                and abs(last - k * run.mse_after) <= last_tol * abs(first)):
            return None
    n = run.n_batches
    return (f"The losses train returned ({fmt_num(first)} in the first epoch, {fmt_num(last)} in the last) are not those "
            f"of the model it trained: its mean squared error on the data is {fmt_num(run.mse_before)} before "
            f"training and {fmt_num(run.mse_after)} after, so the sum over the {n} batches of an epoch should be "
            f"about {fmt_num(n * run.mse_before)} at the start and {fmt_num(n * run.mse_after)} at the end. Add up "
            "loss.item() of the loss you call backward() on, for every batch of the `dataloader` argument.")


_STEP_ADVICE = ("does train call optimizer.step() for every batch, with the optimizer built on "
                "model.parameters() and the given lr?")
_LEARN_ADVICE = "Train on every batch of the dataloader for every epoch."
_SEE_CURVE = "see the cause below."


def _drifts(losses: list[float], reference: list[float], params: dict[str, Any]) -> bool:
    """Whether the curve starts as a correct run's and then departs from it (accumulating gradients).

    Then that is the lead, and the parts that only see a curve that does not
    fall must not suggest another (such as a missing optimizer.step()).
    """
    k = min(params.get("curve_epochs", 10), len(losses), len(reference))
    if k < 2 or np.allclose(losses[:k], reference[:k], rtol=params.get("curve_rtol", 1e-3)):
        return False
    return math.isclose(losses[0], reference[0], rel_tol=1e-3)


def _first_vs_last(losses: list[float], params: dict[str, Any], advice: str = _STEP_ADVICE) -> Part:
    limit = params.get("max_last_over_first", 0.3)
    first, last = losses[0], losses[-1]
    if first > 0 and last < limit * first:
        return True, ""
    return False, (f"The last loss {fmt_num(last)} is not well below the first {fmt_num(first)} (expected below "
                   f"{limit:.0%} of it): {advice}")


def _model_learned(run: TrainingRun, params: dict[str, Any]) -> Part:
    if run.param_change == 0:
        return False, ("The model's parameters did not change during train: build the optimizer on "
                       "model.parameters() and call loss.backward() and optimizer.step() for every batch.")
    limit = params.get("max_mse_after_over_before", 0.3)
    before, after = run.mse_before, run.mse_after
    if math.isfinite(after) and after < limit * before:
        return True, ""
    return False, (f"After train the model's mean squared error on the training data is {fmt_num(after)} "
                   f"(before: {fmt_num(before)}); expected it below {limit:.0%} of the start. {_LEARN_ADVICE}")


def _curve_matches(losses: list[float], reference: list[float], n_batches: int, params: dict[str, Any]) -> Part:
    """The first epochs must follow a run of Adam + MSE with zeroed gradients and summed batch losses."""
    k = min(params.get("curve_epochs", 10), len(losses), len(reference))
    got, want = np.asarray(losses[:k]), np.asarray(reference[:k])
    if np.allclose(got, want, rtol=params.get("curve_rtol", 1e-3)):
        return True, ""
    ratio = got[0] / want[0] if want[0] else float("nan")
    if n_batches > 1 and math.isclose(ratio, 1 / n_batches, rel_tol=1e-3):
        cause = (f"the first epoch's loss is 1/{n_batches} of the expected sum over the {n_batches} "
                 "batches: add up the batch losses (loss.item()) instead of averaging them.")
    elif math.isclose(got[0], want[0], rel_tol=1e-3):
        cause = ("the first epoch matches but later ones drift: call optimizer.zero_grad() for every batch "
                 "(gradients otherwise accumulate), and create the optimizer once, before the epoch loop.")
    else:
        cause = ("use torch.optim.Adam(model.parameters(), lr=lr) and nn.MSELoss() (mean over the batch) on "
                 "model(inputs) and targets as they come from the `dataloader` argument (not a global loader), both "
                 "of shape (batch, 1) (don't squeeze only one of them), and add up loss.item() over all batches "
                 "of the epoch.")
    return False, (f"The losses returned for the first {k} epochs ({', '.join(f'{fmt_num(v)}' for v in got[:3])}, ...) "
                   f"differ from a correct training run on the same data and model: {cause}")


def _constant(value: float) -> str:
    """A constant an initialiser set on purpose (0, 0.5): shown as set, not as float noise."""
    return f"{float(value):.4g}"


# --- pictures (autograder check --plot/--html) ------------------------------------------------------------------------


def goal_fun(x: np.ndarray) -> np.ndarray:
    """The contract's goal function, computed by the grader."""
    return x**3 - x**2 + 25 * np.sin(2 * x)


def mlp_fit(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Panel | str:
    """The grader-built ReLU MLP's curve after your ``train``, recomputed from its final weights.

    Data are the reference's (the grader's seeded data set); the weights must
    have the shapes of the network the grader built, else nothing is drawn.
    """
    try:
        start = _layers(expected["initial"], *_bounds(params))
        final = _layers(facts.get("final"), *_bounds(params))
    except Malformed as problem:
        return f"No fitted curve: the record is not usable ({problem})"
    if [layer.weight.shape for layer in final] != [layer.weight.shape for layer in start]:
        return "No fitted curve: the weights after training are not those of the model the grader built"
    x = np.asarray(expected["inputs"], dtype=np.float64).ravel()
    y = np.asarray(expected["targets"], dtype=np.float64).ravel()
    xs = np.linspace(float(x.min()), float(x.max()), 400)
    fitted = _network(xs.reshape(-1, 1), final, _relu, _identity)[:, 0]
    if not np.all(np.isfinite(fitted)):
        return "No fitted curve: the trained weights give values that are not finite numbers"
    return Panel("fit", "The grader's ReLU MLP after your train", {
        "x": x, "y": y, "xs": xs, "goal": goal_fun(xs), "goal_label": "goal_fun", "fitted": fitted})


@plot("mlp.loss_decrease")
def mlp_loss(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Section:
    """mlp.loss_decrease: the fit after training and the loss curve against the reference's."""
    section = Section("mlp.loss_decrease", "Your train on the grader's 1-10-10-10-1 ReLU MLP")
    for drawn in (mlp_fit(facts, expected, params),
                  curve_panel(f"Your train, {expected.get('n_epochs', '?')} epochs", facts.get("losses"),
                              expected.get("losses"))):
        (section.panels.append(drawn) if isinstance(drawn, Panel) else section.notes.append(drawn))
    return section


@plot("mlp.init_range")
def init_histogram(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Section:
    """mlp.init_range: fresh weights times sqrt(fan_in), which PyTorch's default keeps in [-1, 1].

    Only drawn when the item is visible (the spec decides; the grader never
    passes hidden items' records here).
    """
    section = Section("mlp.init_range", "Weights of freshly built models, scaled by sqrt(fan_in)")
    models = facts.get("models")
    if not isinstance(models, list) or len(models) != len(expected.get("models", [])):
        section.notes.append("No histogram: your record does not hold one entry per model asked")
        return section
    for model in models:
        label = _short(model.get("label", "?"), 60) if isinstance(model, dict) else "?"
        seeds = model.get("seeds") if isinstance(model, dict) else None
        if not isinstance(seeds, list) or not seeds or len(seeds) > 16:
            section.notes.append(f"{label}: no histogram, the model could not be built")
            continue
        try:
            layers = [layer for s in seeds for layer in _layers(s, *_bounds(params))]
        except Malformed as problem:
            section.notes.append(f"{label}: no histogram, the record is not usable ({problem})")
            continue
        scaled = np.concatenate([layer.weight.ravel() * np.sqrt(layer.weight.shape[1]) for layer in layers])
        section.panels.append(Panel("histogram", label, {"values": scaled}))
    return section
