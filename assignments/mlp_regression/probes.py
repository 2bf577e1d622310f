"""Observers of ``mlp_regression`` (Sheet 2.3): measure the submission, never judge it.

Each observer exercises the names its rubric item is about on inputs built here
from the YAML ``observe:`` settings, and returns facts: values, shapes, dtypes,
weights, loss curves. Helper objects (training data, a model to train, a data
loader) are built from plain torch and NumPy, never from the student's code, so
one broken definition costs one item. Where several models or inputs are tried,
each try is recorded separately (``attempt``) so the check can give partial credit.

Every fact is a claim: the checks take the inputs (x, the data, sizes, layouts)
from the reference's facts, not from these records, and recompute outputs and
losses from the weights reported here.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from autograder.namespace import SubmissionNamespace
from autograder.observers import observer
from autograder.observers.common import (
    attempt, linear_layers, param_shapes, seed_everything, type_name,
)

# Taken at import, before any submission runs: a class that overrides ``modules()`` or
# ``named_modules()`` changes what it calls, not what the observers read.
_NAMED_MODULES = nn.Module.named_modules


def _formula(x: np.ndarray) -> np.ndarray:
    """The goal function, computed by the grader (never by the student's ``goal_fun``)."""
    return x**3 - x**2 + 25 * np.sin(2 * x)


# ---------------------------------------------------------------------------- goal_fun


@observer("mlp.goal_fun")
def observe_goal_fun(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Call ``goal_fun`` on a NumPy array and on a torch tensor; record type and values."""
    goal_fun = ns.get("goal_fun")
    rng = np.random.default_rng(params.get("seed", 0))
    x = np.concatenate([np.linspace(-5, 5, 21), rng.uniform(-5, 5, params.get("n", 29))])
    facts: dict[str, Any] = {"x": x.copy()}
    for kind, make in (("numpy", lambda: x.copy()), ("torch", lambda: torch.tensor(x, dtype=torch.float32))):
        value, error = attempt(lambda: goal_fun(make()))
        facts[kind] = {"error": error, "type": type_name(value), "values": _numeric(value)}
    return facts


def _numeric(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array when it is a tensor or an array, else None."""
    try:
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().double().numpy()
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            return value.astype(np.float64)
    except Exception:  # an exotic tensor subclass must not break the observation
        return None
    return None


# ---------------------------------------------------------------------------- dataset


@observer("mlp.dataset")
def observe_dataset(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Build the student's Dataset on fresh data and read every item back.

    The data are drawn here from their own generator, unlike anything a
    notebook would create, so a ``__getitem__`` that reads global variables
    instead of the instance returns visibly different values.
    """
    dataset_cls = ns.get("NonLinearRegressionData")
    rng = np.random.default_rng(params.get("data_seed", 2718))
    n, n_small = params.get("n", 100), params.get("n_small", 37)
    x = rng.uniform(-4, 4, n).astype(np.float32)
    y = rng.normal(0, 30, n).astype(np.float32)
    d = dataset_cls(torch.from_numpy(x.copy()), torch.from_numpy(y.copy()))
    length, length_error = attempt(lambda: len(d))
    facts: dict[str, Any] = {
        "n": n,
        "x": x,
        "y": y,
        "is_dataset": isinstance(d, Dataset),
        "type": type_name(d),
        "len": length,
        "len_error": length_error,
        "items": _read_items(d, n),
        "loader": _read_loader(d, params.get("batch_size", 25)),
    }
    # A second size, again 1-D float32 tensors as the sheet passes them: catches a hard-coded
    # length. Graded.
    x_small = rng.uniform(-4, 4, n_small).astype(np.float32)
    y_small = rng.normal(0, 30, n_small).astype(np.float32)
    facts["small"] = _other_data(dataset_cls, torch.from_numpy(x_small.copy()),
                                 torch.from_numpy(y_small.copy()), x_small, y_small)
    # NumPy float64 input is not in the contract (Sheet 2.3's Dataset calls torch.reshape,
    # which needs tensors): tried only so the feedback can mention it, never graded.
    x_np, y_np = rng.uniform(-4, 4, n_small), rng.normal(0, 30, n_small)
    facts["numpy"] = _other_data(dataset_cls, x_np.copy(), y_np.copy(), x_np, y_np)
    return facts


def _other_data(dataset_cls: Any, x_in: Any, y_in: Any, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """A dataset built on ``x_in, y_in`` (holding the values ``x, y``): its length and items."""
    n = len(x)
    d, error = attempt(lambda: dataset_cls(x_in, y_in))
    return {
        "n": n,
        "x": x,
        "y": y,
        "error": error,
        "len": attempt(lambda: len(d))[0] if error is None else None,
        "items": _read_items(d, n) if error is None else [],
    }


def _read_items(d: Any, n: int) -> list[dict[str, Any]]:
    """What ``d[i]`` returns for every index: container, and per part type, dtype, shape, value."""
    items = []
    for i in range(n):
        item, error = attempt(lambda: d[i])
        if error is not None:
            items.append({"error": error})
            continue
        record: dict[str, Any] = {"error": None, "type": type_name(item), "parts": None}
        if isinstance(item, (tuple, list)):
            record["parts"] = [_tensor_summary(part) for part in item]
        items.append(record)
    return items


def _tensor_summary(value: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"type": type_name(value), "is_tensor": isinstance(value, torch.Tensor),
                               "dtype": None, "shape": None, "value": None}
    if isinstance(value, torch.Tensor):
        summary["dtype"] = str(value.dtype).replace("torch.", "")
        summary["shape"] = list(value.shape)
        if value.numel() == 1:
            summary["value"] = float(value.detach().reshape(-1)[0])
    elif isinstance(value, (float, int, np.generic)) and not isinstance(value, bool):
        summary["value"] = float(value)
    return summary


def _read_loader(d: Any, batch_size: int) -> dict[str, Any]:
    def batches() -> list[list[list[int]]]:
        shapes = []
        for batch in DataLoader(d, batch_size=batch_size):
            parts = batch if isinstance(batch, (list, tuple)) else [batch]
            shapes.append([list(getattr(part, "shape", [])) for part in parts])
        return shapes

    shapes, error = attempt(batches)
    return {"batch_size": batch_size, "error": error, "batch_shapes": shapes}


# ---------------------------------------------------------------------------- shapes


def _shape_facts(build: Callable[[], nn.Module], first: bool) -> dict[str, Any]:
    """Parameter shapes of a freshly built model; the first build may raise (item error)."""
    if first:
        model, error = build(), None
    else:
        model, error = attempt(build)
    if error is not None:
        return {"error": error, "shapes": None, "has_sequential": None}
    return {
        "error": None,
        "shapes": param_shapes(model),
        "has_sequential": any(isinstance(m, nn.Sequential) for _, m in _NAMED_MODULES(model)),
    }


@observer("mlp.explicit_shapes")
def observe_explicit_shapes(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    cls = ns.get("MLPexplicit")
    sizes = params.get("sizes", [[1, 10, 1]])
    return {"configs": [{"args": s, **_shape_facts(lambda s=s: cls(*s), i == 0)} for i, s in enumerate(sizes)]}


@observer("mlp.condensed_shapes")
def observe_condensed_shapes(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    cls = ns.get("MLPcondensed")
    sizes = params.get("sizes", [[1, 10, 1]])
    return {"configs": [{"args": s, **_shape_facts(lambda s=s: cls(*s), i == 0)} for i, s in enumerate(sizes)]}


@observer("mlp.layout_shapes")
def observe_layout_shapes(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    cls = ns.get("MLP")
    layouts = params.get("layouts", [[1, 10, 10, 10, 1]])
    return {
        "configs": [
            {"args": list(layout), **_shape_facts(lambda layout=layout: cls(list(layout)), i == 0)}
            for i, layout in enumerate(layouts)
        ]
    }


# ---------------------------------------------------------------------------- models


def _model_builders(ns: SubmissionNamespace, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The models an item tries, as ``{"label", "name", "build" or "missing", "n_in", "n_out"}``.

    A name the submission lacks is recorded as missing for its model; only when
    every name is missing does the lookup raise, so the framework reports it.
    """
    specs = [
        ("MLPexplicit", list(a)) for a in params.get("explicit", [[1, 10, 1]])
    ] + [
        ("MLPcondensed", list(a)) for a in params.get("condensed", [[1, 10, 1]])
    ] + [
        ("MLP", [list(layout)]) for layout in params.get("layouts", [[1, 10, 10, 10, 1]])
    ]
    names = sorted({name for name, _ in specs})
    if not any(ns.has(name) for name in names):
        ns.get(specs[0][0])  # raises MissingName
    builders = []
    for name, args in specs:
        label = f"{name}({', '.join(map(str, args))})"
        dims = args[0] if name == "MLP" else args
        entry = {"label": label, "name": name, "n_in": dims[0], "n_out": dims[-1]}
        if ns.has(name):
            cls = ns.get(name)
            entry["build"] = lambda cls=cls, args=args: cls(*args)
        else:
            entry["missing"] = True
        builders.append(entry)
    return builders


def _linear_weights(model: nn.Module) -> list[dict[str, Any]]:
    """Weights and biases of the model's ``nn.Linear`` layers, in registration order."""
    names = {id(m): name for name, m in _NAMED_MODULES(model)}
    return [
        {
            "name": names.get(id(layer), "?"),
            "weight": layer.weight.detach().double().numpy().copy(),
            "bias": None if layer.bias is None else layer.bias.detach().double().numpy().copy(),
        }
        for layer in linear_layers(model)
    ]


@observer("mlp.init_range")
def observe_init_range(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Weights of freshly built models under several fixed seeds."""
    models = []
    for entry in _model_builders(ns, params):
        record: dict[str, Any] = {"label": entry["label"], "missing": entry.get("missing", False),
                                  "error": None, "seeds": []}
        if not record["missing"]:
            for seed in params.get("seeds", [0, 1, 2]):
                seed_everything(seed)
                model, error = attempt(entry["build"])
                if error is not None:
                    record["error"] = error
                    break
                record["seeds"].append(_linear_weights(model))
        models.append(record)
    return {"models": models}


@observer("mlp.forward")
def observe_forward(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Outputs of fresh models on a fixed batch, with the weights needed to recompute them.

    The check recomputes the ReLU network with NumPy from these weights. Each
    model is run twice: as built, and with its last Linear layer's weights and
    bias made negative, so that the output is negative everywhere and a ReLU
    after the output layer cannot hide. The order in which ``forward`` calls the
    Linear layers is recorded too (with hooks), only to explain a mismatch.
    """
    batch, seed = params.get("batch", 16), params.get("seed", 0)
    models = []
    for entry in _model_builders(ns, params):
        record: dict[str, Any] = {"label": entry["label"], "missing": entry.get("missing", False),
                                  "n_out": entry["n_out"], "error": None, "passes": []}
        if not record["missing"]:
            model, record["error"] = attempt(entry["build"])
            inputs = torch.rand(batch, entry["n_in"], generator=torch.Generator().manual_seed(seed)) * 10 - 5
            if entry["n_in"] == 1:
                inputs = torch.linspace(-5, 5, batch).reshape(batch, 1)
            if record["error"] is None:
                record["passes"].append(_forward_pass(model, inputs, "as built"))
                if _negate_output_layer(model):
                    record["passes"].append(
                        _forward_pass(model, inputs, "with its last Linear layer's weights made negative"))
        models.append(record)
    return {"models": models}


def _negate_output_layer(model: Any) -> bool:
    layers = linear_layers(model) if isinstance(model, nn.Module) else []
    if not layers:
        return False
    with torch.no_grad():
        last = layers[-1]
        last.weight.copy_(-last.weight.abs())
        if last.bias is not None:
            last.bias.copy_(-last.bias.abs() - 1.0)
    return True


def _forward_pass(model: Any, inputs: torch.Tensor, setting: str) -> dict[str, Any]:
    layers = linear_layers(model) if isinstance(model, nn.Module) else []
    calls: list[int] = []
    handles = [
        layer.register_forward_hook(lambda m, i, o, k=k: calls.append(k)) for k, layer in enumerate(layers)
    ]
    try:
        with torch.no_grad():
            output, error = attempt(lambda: model(inputs.clone()))
    finally:
        for handle in handles:
            handle.remove()
    return {
        "setting": setting,
        "error": error,
        "inputs": inputs,
        "layers": _linear_weights(model) if isinstance(model, nn.Module) else [],
        "call_order": calls,
        "output_type": type_name(output),
        "output": _numeric(output),
    }


# ---------------------------------------------------------------------------- training


def regression_data(seed: int, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The seeded training data: ``n`` noisy observations of the goal function on [-5, 5]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, n)
    return x, _formula(x) + rng.normal(0, noise, n)


@observer("mlp.loss_decrease")
def observe_loss_decrease(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Run the student's ``train`` on a grader-built model and loader; weights before and after.

    The model and the loader's shuffling are seeded, so the reference's run
    starts from the very same weights and sees the same batches. The check
    recomputes the model's MSE on the data from the weights before and after,
    so the result does not rest on the losses ``train`` reports, and ties those
    losses to the weights.
    """
    train = ns.get("train")
    seed, n_epochs, lr = params.get("seed", 0), params.get("n_epochs", 150), params.get("lr", 0.02)
    x, y = regression_data(seed, params.get("n", 100), params.get("noise", 10.0))
    inputs = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)
    targets = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    seed_everything(seed)
    hidden = params.get("hidden", 10)
    model = nn.Sequential(
        nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1),
    )
    layers = linear_layers(model)
    initial = _layer_values(layers)
    loader = DataLoader(
        TensorDataset(inputs.clone(), targets.clone()), batch_size=params.get("batch_size", 25), shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    returned = train(model, loader, n_epochs, lr)
    return {
        "n_epochs": n_epochs,
        "n_batches": len(loader),
        "inputs": inputs,
        "targets": targets,
        "returned_type": type_name(returned),
        "losses": _as_floats(returned),
        "initial": initial,
        "final": _layer_values(layers),
    }


def _layer_values(layers: list[nn.Linear]) -> list[dict[str, np.ndarray]]:
    """Weight and bias of each layer, as float64 copies."""
    return [{"weight": layer.weight.detach().double().numpy().copy(),
             "bias": layer.bias.detach().double().numpy().copy()} for layer in layers]


def _as_floats(returned: Any) -> list[float] | None:
    """The returned losses as floats, or None when they are not a sequence of numbers."""
    if isinstance(returned, (str, bytes, dict)) or not hasattr(returned, "__len__"):
        return None
    try:
        values = [float(v) for v in returned]
    except Exception:  # not numbers (e.g. tensors of several elements, None)
        return None
    return values
