"""Checks of ``mlp_regression`` (Sheet 2.3): judge the facts the observers sent.

Where a fact can be recomputed here from other facts (the goal function from
its inputs, a network's outputs from its weights), the check recomputes it with
NumPy rather than trusting a value computed in the sandbox. Thresholds come
from the item's ``check:`` settings; feedback states only what the contract
already says publicly.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autograder.checks import check
from autograder.checks.common import compare_shapes, fmt_shapes, max_abs_diff, summarise
from autograder.results import Outcome

Part = tuple[bool, str]


def _combine(parts: list[Part], ok_message: str, errors: list[str]) -> Outcome:
    """``Outcome.from_checks``, but ``error`` when nothing passed and the code raised."""
    if errors and not any(ok for ok, _ in parts):
        return Outcome.error(" ".join(msg for ok, msg in parts if not ok))
    return Outcome.from_checks(parts, ok_message)


def _raised(what: str, error: str) -> str:
    return f"{what} raised {error}."


# ---------------------------------------------------------------------------- goal_fun


@check("mlp.goal_fun")
def check_goal_fun(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    x = np.asarray(observed["x"], dtype=np.float64)
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-3)
    parts, errors = [], []
    for kind, wanted_type, call in (
        ("numpy", "numpy.ndarray", "goal_fun(np.array([...]))"),
        ("torch", "torch.Tensor", "goal_fun(torch.tensor([...]))"),
    ):
        fact = observed[kind]
        if fact["error"]:
            errors.append(kind)
            hint = (" Use np.sin for arrays and torch.sin for tensors (or np.sin, which accepts both)."
                    if fact["error"].startswith(("TypeError", "AttributeError")) else "")
            parts.append((False, _raised(call, fact["error"]) + hint))
            continue
        values = fact["values"]
        inputs = x.astype(np.float32).astype(np.float64) if kind == "torch" else x
        truth = inputs**3 - inputs**2 + 25 * np.sin(2 * inputs)
        if fact["type"] != wanted_type:
            parts.append((False, f"{call} returned a {fact['type']}, expected a {wanted_type}: "
                                 "return the same type as the input."))
        elif values is None or np.shape(values) != x.shape:
            parts.append((False, f"{call} returned shape {np.shape(values)}, expected {x.shape}: "
                                 "apply the formula element-wise."))
        elif not np.allclose(values, truth, rtol=rtol, atol=atol):
            i = int(np.argmax(np.abs(values - truth)))
            parts.append((False, f"{call}: at x = {x[i]:.4g} it returned {values[i]:.6g}, but "
                                 f"x**3 - x**2 + 25*sin(2*x) = {truth[i]:.6g}. Check the signs and "
                                 "the factor 2 inside the sine."))
        else:
            parts.append((True, ""))
    return _combine(parts, "goal_fun matches x**3 - x**2 + 25*sin(2*x) on NumPy arrays and torch tensors.",
                    errors)


# ---------------------------------------------------------------------------- dataset


@check("mlp.dataset")
def check_dataset(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Length, item format, DataLoader batches and NumPy inputs are separable parts;
    items that do not come from the instance fail the item outright, since then
    every item the Dataset returns is wrong.
    """
    atol = params.get("atol", 1e-5)
    n = observed["n"]
    items = observed["items"]
    values_msg = _items_from_instance(items, observed["x"], observed["y"], atol, "the tensors passed in")
    parts = [
        _dataset_type_and_len(observed),
        _item_format(items),
        _loader_batches(observed["loader"], n, params.get("expected_batches", 4)),
        _numpy_inputs(observed["numpy"], atol, explain=values_msg is None),
    ]
    if values_msg is not None:
        others = " ".join(msg for ok, msg in parts if not ok)
        return Outcome.failed(f"{values_msg} {others}".strip())
    every_item_raised = bool(items) and all(i["error"] for i in items)
    return _combine(parts, f"NonLinearRegressionData: len, items (float32, shape (1,) or ()), its own data "
                           f"and a DataLoader with batch_size {observed['loader']['batch_size']} all work.",
                    ["items"] if every_item_raised else [])


def _dataset_type_and_len(observed: dict[str, Any]) -> Part:
    n = observed["n"]
    if observed["len_error"]:
        return False, _raised(f"len(d) for a dataset of {n} points", observed["len_error"])
    problems = []
    if observed["len"] != n:
        problems.append(f"len(d) is {observed['len']} for a dataset built on {n} points, expected {n}: "
                        "return the length of the data stored in the instance.")
    if not observed["is_dataset"]:
        problems.append(f"NonLinearRegressionData is a {observed['type']}, not a torch.utils.data.Dataset: "
                        "write `class NonLinearRegressionData(Dataset):`.")
    return not problems, " ".join(problems)


def _item_problem(item: dict[str, Any]) -> str | None:
    """What is wrong with one item's format, or None."""
    if item["error"]:
        return f"raised {item['error']}"
    parts = item["parts"]
    if parts is None or len(parts) != 2:
        got = item["type"] if parts is None else f"a {item['type']} of {len(parts)} elements"
        return f"returned {got}, expected a tuple (x_i, y_i)"
    for name, part in zip(("x_i", "y_i"), parts):
        if not part["is_tensor"]:
            return f"gave {name} as a {part['type']}, expected a torch tensor"
        if part["shape"] not in ([1], []):
            return f"gave {name} of shape {tuple(part['shape'])}, expected (1,) or ()"
        if part["dtype"] != "float32":
            return f"gave {name} of dtype {part['dtype']}, expected float32"
    return None


def _item_format(items: list[dict[str, Any]]) -> Part:
    for i, item in enumerate(items):
        problem = _item_problem(item)
        if problem:
            return False, f"d[{i}] {problem}."
    return True, ""


def _item_values(items: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """x and y values of every item (NaN where an item has no single value)."""
    xs, ys = [], []
    for item in items:
        parts = item.get("parts") or []
        pair = [p.get("value") for p in parts] if len(parts) == 2 else [None, None]
        xs.append(np.nan if pair[0] is None else pair[0])
        ys.append(np.nan if pair[1] is None else pair[1])
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def _items_from_instance(items: list[dict[str, Any]], x: Any, y: Any, atol: float, source: str) -> str | None:
    """None when ``d[i] == (x[i], y[i])`` for every i; otherwise what differs and the likely cause."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    got_x, got_y = _item_values(items)
    if len(got_x) != len(x):
        return f"the dataset returned {len(got_x)} items for {len(x)} points."
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


def _loader_batches(loader: dict[str, Any], n: int, expected_batches: int) -> Part:
    bs = loader["batch_size"]
    what = f"DataLoader(d, batch_size={bs}) over {n} points"
    if loader["error"]:
        return False, _raised(what, loader["error"])
    shapes = loader["batch_shapes"]
    if len(shapes) != expected_batches:
        return False, f"{what} yielded {len(shapes)} batches, expected {expected_batches}: check __len__."
    if any(len(s) != 2 or not s[0] or s[0][0] != bs or not s[1] or s[1][0] != bs for s in shapes):
        found = " and ".join(fmt_shapes([s]) for s in shapes[0]) if shapes[0] else "no (x, y) pairs"
        return False, f"{what} yielded batches of shapes {found}, expected ({bs},1) for x and y (or ({bs},))."
    return True, ""


def _numpy_inputs(facts: dict[str, Any], atol: float, explain: bool = True) -> Part:
    what = f"NonLinearRegressionData on NumPy float64 arrays of {facts['n']} points"
    if facts["error"]:
        return False, (_raised(what, facts["error"]) +
                       " Convert the inputs with torch.as_tensor(x, dtype=torch.float32).")
    if facts["len"] != facts["n"]:
        return False, f"{what}: len(d) is {facts['len']}, expected {facts['n']}."
    for i, item in enumerate(facts["items"]):
        problem = _item_problem(item)
        if problem:
            hint = " Convert the inputs with torch.as_tensor(x, dtype=torch.float32)." if "dtype" in problem else ""
            return False, f"{what}: d[{i}] {problem}.{hint}"
    values = _items_from_instance(facts["items"], facts["x"], facts["y"], 1e-4 + atol, "NumPy arrays")
    if values is not None and not explain:
        values = "The same happens for a dataset built on NumPy arrays."
    return values is None, values or ""


# ---------------------------------------------------------------------------- shapes


def _shapes_outcome(observed: dict[str, Any], expected: dict[str, Any], what: Callable[[list], str],
                    require_sequential: bool = False) -> Outcome:
    """Compare every configuration's parameter shapes with the reference's.

    The first configuration is the contract's; if it fails the item fails.
    Later ones (other sizes) give partial credit: they catch hard-coded sizes.
    """
    parts: list[Part] = []
    for obs, exp in zip(observed["configs"], expected["configs"]):
        label = what(obs["args"])
        if obs["error"]:
            parts.append((False, _raised(label, obs["error"]) + " Use the constructor's arguments "
                                 "for the layer sizes."))
            continue
        problem = compare_shapes(obs["shapes"], exp["shapes"], label)
        if problem and parts and parts[0][0]:
            problem += " Are the constructor's arguments used for every layer size?"
        parts.append((problem is None, problem or ""))
    if require_sequential and not observed["configs"][0].get("has_sequential"):
        label = what(observed["configs"][0]["args"])
        parts.append((False, f"{label} contains no nn.Sequential: the condensed version builds the "
                             "whole network as one nn.Sequential(...)."))
    if not parts[0][0]:
        return Outcome.failed(" ".join(msg for ok, msg in parts if not ok))
    first = observed["configs"][0]
    return Outcome.from_checks(parts, f"{what(first['args'])} parameter shapes {fmt_shapes(first['shapes'])} "
                                      "are right, and other sizes work too.")


def _call(name: str) -> Callable[[list], str]:
    return lambda args: f"{name}({', '.join(map(str, args))})"


@check("mlp.explicit_shapes")
def check_explicit_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    return _shapes_outcome(observed, expected, _call("MLPexplicit"))


@check("mlp.condensed_shapes")
def check_condensed_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    return _shapes_outcome(observed, expected, _call("MLPcondensed"), require_sequential=True)


@check("mlp.layout_shapes")
def check_layout_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    parts: list[Part] = []
    errors = []
    for obs, exp in zip(observed["configs"], expected["configs"]):
        label = f"MLP({obs['args']})"
        if obs["error"]:
            errors.append(label)
            parts.append((False, _raised(label, obs["error"])))
            continue
        problem = compare_shapes(obs["shapes"], exp["shapes"], label)
        if problem and any(not ok for ok, _ in parts):
            problem = f"{label} is wrong too: found {fmt_shapes(obs['shapes'])}, expected {fmt_shapes(exp['shapes'])}."
        elif problem:
            n = len(obs["args"])
            problem += (f" A layout of {n} sizes needs {n - 1} Linear layer{'s' if n > 2 else ''}, "
                        "one between each pair of consecutive sizes.")
        parts.append((problem is None, problem or ""))
    labels = ", ".join(f"MLP({c['args']})" for c in observed["configs"])
    return _combine(parts, f"Parameter shapes are right for {labels}.", errors)


# ---------------------------------------------------------------------------- init_range


def _pooled(values: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([v.ravel() for v in values]) if values else np.zeros(0)


def _init_problem(model: dict[str, Any], params: dict[str, Any]) -> str | None:
    label = model["label"]
    if model["missing"]:
        return f"{label}: `{label.split('(')[0]}` is not defined."
    if model["error"]:
        return _raised(label, model["error"])
    weights, biases = [], []
    for layers in model["seeds"]:
        if not layers:
            return f"{label} has no nn.Linear layers: build the network from nn.Linear."
        for k, layer in enumerate(layers):
            w, b = np.asarray(layer["weight"]), layer["bias"]
            bound = 1 / math.sqrt(w.shape[1]) if w.ndim == 2 and w.shape[1] else 1.0
            for kind, t in (("weight", w), ("bias", b)):
                if t is None:
                    return f"{label}: Linear layer {k + 1} has no bias; keep nn.Linear's default bias=True."
                t = np.asarray(t)
                if t.size and np.abs(t).max() > bound * (1 + 1e-6):
                    return (f"{label}: Linear layer {k + 1} {kind} has values up to {np.abs(t).max():.3g}, "
                            f"outside ±1/sqrt(fan_in) = ±{bound:.3g}: keep nn.Linear's default initialisation "
                            "(don't re-initialise the weights).")
            weights.append(w * math.sqrt(w.shape[1]))
            biases.append(np.asarray(b) * math.sqrt(w.shape[1]))
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
            return (f"{label}: all {kind} are {pooled[0]:.3g} ({why}): keep nn.Linear's default uniform "
                    "initialisation.")
        if not (band[0] <= ratio <= band[1]) or abs(mean) > max_mean:
            return (f"{label}: the {kind}, scaled by sqrt(fan_in), have mean {mean:.3g} and standard deviation "
                    f"{ratio * uniform_std:.3g}, which does not look like PyTorch's default "
                    f"U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (mean 0, standard deviation {uniform_std:.3g}): "
                    "keep nn.Linear's default initialisation.")
    return None


@check("mlp.init_range")
def check_init_range(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    parts, errors = [], []
    for model in observed["models"]:
        problem = _init_problem(model, params)
        if model["error"]:
            errors.append(model["label"])
        parts.append((problem is None, problem or ""))
    labels = ", ".join(m["label"] for m in observed["models"])
    return _combine(parts, f"Fresh {labels} keep PyTorch's default uniform initialisation.", errors)


# ---------------------------------------------------------------------------- forward


def _network(inputs: np.ndarray, layers: list[dict[str, Any]], hidden: Callable, last: Callable) -> np.ndarray:
    """A feed-forward pass through ``layers`` (weight, bias) with the given activations."""
    h = inputs
    for k, layer in enumerate(layers):
        w = np.asarray(layer["weight"])
        b = np.zeros(w.shape[0]) if layer["bias"] is None else np.asarray(layer["bias"])
        h = h @ w.T + b
        h = last(h) if k == len(layers) - 1 else hidden(h)
    return h


def _relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


def _identity(h: np.ndarray) -> np.ndarray:
    return h


def _sigmoid(h: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-h))


_LOOKALIKES = (
    ((_relu, _relu), "a ReLU is applied after the output layer too: the last Linear layer's output must be "
                     "returned as it is, with no activation."),
    ((_identity, _identity), "there is no ReLU between the layers: apply a ReLU after every hidden layer."),
    ((np.tanh, _identity), "tanh is used where the sheet asks for ReLU."),
    ((_sigmoid, _identity), "a sigmoid is used where the sheet asks for ReLU."),
)


def _forward_problem(model: dict[str, Any], rtol: float, atol: float) -> str | None:
    label = model["label"]
    if model["missing"]:
        return f"{label}: `{label.split('(')[0]}` is not defined."
    if model["error"]:
        return _raised(label, model["error"])
    for run in model["passes"]:
        problem = _pass_problem(label, model["n_out"], run, rtol, atol)
        if problem:
            return problem
    return None


def _pass_problem(label: str, n_out: int, run: dict[str, Any], rtol: float, atol: float) -> str | None:
    if run["error"]:
        return _raised(f"{label}(x)", run["error"])
    inputs = np.asarray(run["inputs"], dtype=np.float64)
    output, layers = run["output"], run["layers"]
    want = (inputs.shape[0], n_out)
    if output is None:
        return f"{label}(x) returned a {run['output_type']}, expected a tensor of shape {want}."
    if tuple(output.shape) != want:
        fix = ("return the last layer's output as it is (no squeeze or reshape)" if output.size == want[0] * n_out
               else f"the last Linear layer must have {n_out} output unit{'s' if n_out > 1 else ''}")
        return (f"{label}(x) for x of shape {tuple(inputs.shape)} returned shape {tuple(output.shape)}, "
                f"expected {want}: {fix}.")
    if not layers:
        return f"{label} has no nn.Linear layers: build the network from nn.Linear."
    try:
        truth = _network(inputs, layers, _relu, _identity)
    except ValueError:
        return (f"{label}: its nn.Linear layers, in the order they were created, do not chain "
                f"({fmt_shapes([np.shape(l['weight']) for l in layers])}): create them in forward order.")
    scale = max(1.0, float(np.abs(truth).max()))
    if np.allclose(output, truth, rtol=rtol, atol=atol * scale):
        return None
    for (hidden, last), explanation in _LOOKALIKES:
        if np.allclose(output, _network(inputs, layers, hidden, last), rtol=rtol, atol=atol * scale):
            return f"{label}: {explanation}"
    calls = run["call_order"]
    unused = [layers[k]["name"] for k in range(len(layers)) if k not in calls]
    hint = (f" Layer(s) {', '.join(unused)} are never called in forward." if calls and unused else
            f" forward calls the Linear layers in the order {[layers[k]['name'] for k in calls]}."
            if calls and calls != list(range(len(layers))) else "")
    return (f"{label}, {run['setting']}: outputs differ from a ReLU network computed from the model's own "
            f"nn.Linear layers (largest difference {max_abs_diff(output, truth):.3g}; got {summarise(output)}, "
            f"expected {summarise(truth)}).{hint} Each Linear layer must be used once, in the order created, "
            "with a ReLU after every hidden layer and none after the output.")


@check("mlp.forward")
def check_forward(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    rtol, atol = params.get("rtol", 1e-4), params.get("atol", 1e-5)
    parts, errors = [], []
    for model in observed["models"]:
        problem = _forward_problem(model, rtol, atol)
        if model["error"]:
            errors.append(model["label"])
        parts.append((problem is None, problem or ""))
    labels = ", ".join(m["label"] for m in observed["models"])
    return _combine(parts, f"forward of {labels} equals a ReLU network computed from the models' own weights.",
                    errors)


# ---------------------------------------------------------------------------- training


@check("mlp.loss_decrease")
def check_loss_decrease(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Four parts: the returned losses, their fall, the model's own fit, the curve's first epochs.

    When ``train`` returns no usable list of losses, only that and the model's
    fit (measured by the grader) are judged, so a missing ``return`` costs half.
    """
    n_epochs, losses = observed["n_epochs"], observed["losses"]
    call = f"train(model, dataloader, {n_epochs}, lr)"
    learned = _model_learned(observed, params)
    if losses is None or len(losses) != n_epochs:
        count = "" if losses is None else f" of {len(losses)} numbers"
        parts = [(False, f"{call} returned a {observed['returned_type']}{count}, expected a list of {n_epochs} "
                         "floats, one summed loss per epoch (is `return losses` after the epoch loop?)."), learned]
    elif not all(math.isfinite(v) for v in losses):
        bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
        parts = [(False, f"{call}: the loss became {losses[bad]} in epoch {bad + 1}, so training diverged: "
                         "use torch.optim.Adam with the given lr and nn.MSELoss()."), learned]
    else:
        parts = [(True, ""), _first_vs_last(losses, params), learned,
                 _curve_matches(losses, expected["losses"], observed["n_batches"], params)]
    outcome = Outcome.from_checks(parts, f"{call} returned {n_epochs} losses falling from "
                                         f"{(losses or [0])[0]:.4g} to {(losses or [0])[-1]:.4g}, and the model "
                                         "fits the data better.")
    diagnostics = (f"losses head {(losses or [])[:5]}, reference head {expected['losses'][:5]}; mse "
                   f"{observed['mse_before']:.4g} -> {observed['mse_after']:.4g}, reference "
                   f"{expected['mse_before']:.4g} -> {expected['mse_after']:.4g}")
    return Outcome(outcome.fraction, outcome.feedback, diagnostics=diagnostics)


def _first_vs_last(losses: list[float], params: dict[str, Any]) -> Part:
    limit = params.get("max_last_over_first", 0.3)
    first, last = losses[0], losses[-1]
    if first > 0 and last < limit * first:
        return True, ""
    return False, (f"The last loss {last:.4g} is not well below the first {first:.4g} (expected below "
                   f"{limit:.0%} of it): does train call optimizer.step() for every batch, with the "
                   "optimizer built on model.parameters() and the given lr?")


def _model_learned(observed: dict[str, Any], params: dict[str, Any]) -> Part:
    if observed["param_change"] == 0:
        return False, ("The model's parameters did not change during train: build the optimizer on "
                       "model.parameters() and call loss.backward() and optimizer.step() for every batch.")
    limit = params.get("max_mse_after_over_before", 0.3)
    before, after = observed["mse_before"], observed["mse_after"]
    if math.isfinite(after) and after < limit * before:
        return True, ""
    return False, (f"After train the model's mean squared error on the training data is {after:.4g} "
                   f"(before: {before:.4g}); expected it below {limit:.0%} of the start. Train on every "
                   "batch of the dataloader for every epoch.")


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
    return False, (f"The losses returned for the first {k} epochs ({', '.join(f'{v:.5g}' for v in got[:3])}, ...) "
                   f"differ from a correct training run on the same data and model: {cause}")
