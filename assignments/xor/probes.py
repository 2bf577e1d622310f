"""Observers of the ``xor`` assignment: the XOR problem (layout tutorial, last exercise).

Every observer trains or evaluates on the four XOR corners. Facts only: shapes,
weights before and after training, outputs, loss curves; whether they are right
is decided in ``autograder.checks.xor``. Each fact is a claim: the checks take
their inputs (points, corners, grid, seeds) from the reference's facts and
recompute predictions and losses from the reported weights, so the inputs and
outputs sent here only help explain a mistake.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from autograder.namespace import SubmissionNamespace
from autograder.observers import observer
from autograder.observers.common import (
    as_numpy, attempt, linear_layers, param_shapes, registered_parameters, seed_everything, type_name,
)

CORNERS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
TARGETS = (0.0, 1.0, 1.0, 0.0)


def xor_data() -> tuple[torch.Tensor, torch.Tensor]:
    """Fresh copies of the four points, X of shape (4, 2) and y of shape (4, 1), float32."""
    X = torch.tensor(CORNERS, dtype=torch.float32)
    y = torch.tensor(TARGETS, dtype=torch.float32).unsqueeze(1)
    return X, y


def unit_grid(points_per_axis: int) -> torch.Tensor:
    """All points of a regular grid over [0, 1]^2, shape (points_per_axis**2, 2)."""
    axis = torch.linspace(0.0, 1.0, points_per_axis)
    return torch.cartesian_prod(axis, axis)


def linears_in_call_order(model: nn.Module, x: torch.Tensor) -> tuple[list[nn.Linear], bool]:
    """The model's ``nn.Linear`` layers in the order ``forward`` calls them.

    Falls back to registration order (and reports ``False``) when forward calls
    none of them or raises, e.g. a forward that ignores its layers.
    """
    called: list[nn.Linear] = []
    hooks = [
        layer.register_forward_hook(lambda mod, _inp, _out: called.append(mod))
        for layer in linear_layers(model)
    ]
    try:
        with torch.no_grad():
            attempt(lambda: model(x))
    finally:
        for hook in hooks:
            hook.remove()
    unique = list(dict.fromkeys(called))
    return (unique, True) if unique else (linear_layers(model), False)


def layer_facts(layers: list[nn.Linear]) -> list[dict[str, Any]]:
    """Weight and bias of each layer as float64 arrays: what the check recomputes from."""
    return [
        {"weight": as_numpy(layer.weight),
         "bias": None if layer.bias is None else as_numpy(layer.bias)}
        for layer in layers
    ]


@observer("xor.shapes")
def observe_xor_shapes(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Parameter shapes of ``XOR(n)`` for every width ``n`` the spec asks about.

    Several widths, so that the shapes depend on the argument: a record that
    copies the contract's shapes for XOR(2) does not answer XOR(5).
    """
    xor_class = ns.get("XOR")
    return {"configs": [shapes_of(xor_class, int(n)) for n in params.get("widths", [2])]}


def shapes_of(xor_class: Any, n_hidden: int) -> dict[str, Any]:
    """Registered parameter shapes of ``XOR(n_hidden)``, in registration and in forward order."""
    model = xor_class(n_hidden)
    if not isinstance(model, nn.Module):
        return {"n_hidden": n_hidden, "shapes": [], "forward_shapes": [], "layers_called": False,
                "is_module": False}
    X, _ = xor_data()
    layers, called = linears_in_call_order(model, X)
    forward_shapes = [list(p.shape) for layer in layers for p in registered_parameters(layer)]
    return {
        "n_hidden": n_hidden,
        "shapes": param_shapes(model),
        "forward_shapes": forward_shapes,
        "layers_called": called,
        "is_module": True,
    }


def forward_inputs(params: dict[str, Any]) -> torch.Tensor:
    """The four corners and ``n_random`` seeded points of [-1, 2]^2: the batch xor.forward uses."""
    X, _ = xor_data()
    generator = torch.Generator().manual_seed(int(params.get("seed", 0)))
    return torch.cat([X, torch.rand(int(params.get("n_random", 12)), 2, generator=generator) * 3.0 - 1.0])


@observer("xor.forward")
def observe_xor_forward(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Output of a fresh ``XOR(n_hidden)`` on the corners and random points, plus its weights.

    The check recomputes Linear-Sigmoid-Linear from these weights on the
    reference's inputs, so a forward that returns the truth table (or anything
    else) regardless of the weights shows up as a mismatch.
    """
    n_hidden = int(params.get("n_hidden", 2))
    model = ns.get("XOR")(n_hidden)
    inputs = forward_inputs(params)
    layers, called = linears_in_call_order(model, inputs.clone())
    with torch.no_grad():
        output, error = attempt(lambda: model(inputs.clone()))
    return {
        "inputs": inputs,
        "output": as_numpy(output) if output is not None else None,
        "output_type": type_name(output),
        "error": error,
        "layers": layer_facts(layers),
        "layers_called": called,
    }


def losses_as_floats(returned: Any) -> tuple[np.ndarray | None, str | None]:
    """What ``train_xor`` returned, as a 1-D float array of losses, or why it is not one."""
    if isinstance(returned, (list, tuple)):
        values, error = attempt(lambda: [float(v) for v in returned])
        if error is not None:
            return None, error
        return np.asarray(values, dtype=np.float64), None
    if isinstance(returned, (torch.Tensor, np.ndarray)):
        array = as_numpy(returned)
        return (array.ravel(), None) if array is not None else (None, "not numeric")
    return None, None


def train_and_record(model: nn.Module, train_xor: Any) -> dict[str, Any]:
    """Call ``train_xor(model, X, y)`` with its defaults; record the weights before and after.

    The layers are reported in the order ``forward`` calls them after training,
    each with its weights from before training (``None`` for a layer that
    ``train_xor`` created), so the check can recompute the model's loss at both
    ends of the curve ``train_xor`` returned.
    """
    X, y = xor_data()
    before = {id(layer): layer_facts([layer])[0] for layer in linear_layers(model)}
    returned, error = attempt(lambda: train_xor(model, X, y))
    if error is not None:
        return {"error": error, "stage": "train"}
    layers, _ = linears_in_call_order(model, xor_data()[0])
    losses, convert_error = losses_as_floats(returned)
    return {
        "error": None,
        "returned_type": type_name(returned),
        "losses": losses,
        "convert_error": convert_error,
        "initial": [before.get(id(layer)) for layer in layers],
        "final": layer_facts(layers),
    }


def training_run(make_model: Any, train_xor: Any, seed: int) -> dict[str, Any]:
    """Seed, build a model, train it with ``train_xor``'s defaults and record what happened."""
    seed_everything(seed)
    model, error = attempt(make_model)
    if error is not None:
        return {"error": error, "stage": "model"}
    return train_and_record(model, train_xor)


@observer("xor.loss_decrease")
def observe_xor_loss_decrease(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``train_xor(XOR(), X, y)`` with the student's defaults, and on a grader-built network.

    The second run trains a plain Linear-Sigmoid-Linear built here under the
    item's seed, so that a correct ``train_xor`` is recognised even when the
    student's ``XOR`` is the broken part (one mistake costs one item). The
    reference's run builds the very same network, so the check knows its
    starting weights exactly.
    """
    seed = int(params.get("seed", 0))
    width = int(params.get("grader_hidden", 16))
    train_xor = ns.get("train_xor")
    xor_class = ns.get("XOR") if ns.has("XOR") else None

    def grader_model() -> nn.Module:
        return nn.Sequential(nn.Linear(2, width), nn.Sigmoid(), nn.Linear(width, 1))

    own = (
        training_run(xor_class, train_xor, seed) if xor_class is not None
        else {"error": "`XOR` is not defined", "stage": "model"}
    )
    X, _ = xor_data()
    return {
        "seed": seed,
        "corners": X,
        "targets": np.asarray(TARGETS),
        "own_model": own,
        "grader_model": training_run(grader_model, train_xor, seed),
        "grader_hidden": width,
    }


@observer("xor.boundary")
def observe_xor_boundary(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Per seed: train ``XOR()`` with ``train_xor``'s defaults; its weights, losses and outputs.

    The check computes the predictions itself from the trained weights; the raw
    outputs on the corners and the grid only tell it which activation the
    student's forward applies between the two layers.
    """
    seeds = [int(s) for s in params.get("seeds", [0, 1, 2, 3, 4])]
    grid = unit_grid(int(params.get("points_per_axis", 21)))
    xor_class, train_xor = ns.get("XOR"), ns.get("train_xor")
    X, _ = xor_data()
    runs = []
    for seed in seeds:
        seed_everything(seed)
        model = xor_class()
        run = train_and_record(model, train_xor)
        runs.append({"seed": seed, **run, **predictions(model, X, grid)})
    return {"seeds": seeds, "corners": X, "targets": np.asarray(TARGETS), "grid": grid, "runs": runs}


def predictions(model: nn.Module, corners: torch.Tensor, grid: torch.Tensor) -> dict[str, Any]:
    """Raw outputs at the corners and on the grid, flattened to one value per input point."""
    shapes: list[list[int] | None] = []

    def flat(points: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            out = as_numpy(model(points.clone()))
        shapes.append(None if out is None else list(out.shape))
        if out is None or out.size != len(points):
            raise ValueError(f"XOR() returned shape {shapes[-1]} for {len(points)} input points")
        return out.reshape(-1)

    corner_out, error = attempt(lambda: flat(corners))
    grid_out, grid_error = attempt(lambda: flat(grid))
    return {"corner_outputs": corner_out, "grid_outputs": grid_out,
            "output_shape": shapes[0] if shapes else None, "predict_error": error or grid_error}
