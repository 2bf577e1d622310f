"""Observers of ``linear_regression`` (Tutorial 6, Part A): crop yields from climate.

``linreg.model`` and ``linreg.mse`` are kit items (kind ``function_matches_reference``)
and ``linreg.fit`` too (kind ``training_reduces_loss``); the items observed here step
or build a network.

Every observer builds the tutorial's crop data itself (below, as plain numbers)
and its own helpers (weights, ``nn.Linear``) from plain torch, so a submission's data never changes what is measured. Where an
item's YAML says ``supply: [linear_model, mse]``, the reference's own source of
those functions travels with that item's settings and is swapped into
``gd_step`` while it runs (see ``autograder.observers.poly.supplied_helpers``):
the engine holds no implementation of the exercise. Facts are raw
measurements, and everything the checks need as input (data, seeds, starting
weights) is also reported, so that the checks read it from the reference's
facts rather than the submission's.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from autograder.namespace import SubmissionNamespace
from autograder.observers import observer
from autograder.observers.common import attempt, linear_layers, param_shapes, supplied_helpers, type_name

# Input (temp, rainfall, humidity) and targets (apples, oranges): the tutorial's
# five regions, repeated three times (15 rows).
_CROP_INPUTS = [[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]] * 3
_CROP_TARGETS = [[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]] * 3


def crop_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The tutorial's crop data: inputs (15, 3) and targets (15, 2), float32."""
    return (torch.tensor(_CROP_INPUTS, dtype=torch.float32),
            torch.tensor(_CROP_TARGETS, dtype=torch.float32))


def _as_float(value: Any) -> float | None:
    try:
        return float(value.detach() if isinstance(value, torch.Tensor) else value)
    except Exception:
        return None


def _shape(value: Any) -> list[int] | None:
    shape = getattr(value, "shape", None)
    try:
        return [int(n) for n in shape] if shape is not None else None
    except Exception:
        return None


def _grad(t: torch.Tensor) -> Any:
    return None if t.grad is None else t.grad.detach().clone()


def _snapshot(w: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
    return {"w": w.detach().clone(), "b": b.detach().clone()}


@observer("linreg.gd_step")
def observe_gd_step(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``gd_step`` called ``steps`` times on the same seeded ``w, b`` and the crop data.

    Reports what the first call returned and left in ``w.grad`` and ``b.grad``,
    and the parameters after the first, second and last call. The check
    computes every loss and every expected step itself, from the reference's
    ``w0, b0``, data and ``lr``.
    """
    gd_step = ns.get("gd_step")
    lr, steps = float(params.get("lr", 1e-5)), int(params.get("steps", 100))
    inputs, targets = crop_data()
    w0, b0 = torch.randn(2, 3), torch.randn(2)
    w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
    one_step: dict[str, Any] = {}
    second, error, failed_at = None, None, None
    with supplied_helpers(gd_step, params) as swapped:
        for step in range(1, steps + 1):
            value, error = attempt(lambda: gd_step(w, b, inputs.clone(), targets.clone(), lr))
            if error is not None:
                failed_at = step
                break
            if step == 1:
                one_step = {"returned": _as_float(value), "returned_type": type_name(value),
                            "w_grad": _grad(w), "b_grad": _grad(b), **_snapshot(w, b)}
            elif step == 2:
                second = _snapshot(w, b)
    return {
        "inputs": inputs, "targets": targets, "w0": w0, "b0": b0, "lr": lr, "steps": steps,
        "supplied": swapped, "one_step": {"error": error if failed_at == 1 else None, **one_step},
        "second": second, "run": {"error": error, "failed_at": failed_at, **_snapshot(w, b)},
    }


def _set_from_stream(layers: list[nn.Linear], stream: torch.Tensor) -> bool:
    """Fill each layer's weight, then bias, with the next values of ``stream``, in order.

    The values depend only on the stream and the layers' shapes, so the check
    can rebuild them from the reference's stream and the shapes reported here.
    False (nothing set) when the layers need more values than the stream holds.
    """
    tensors = [t for layer in layers for t in (layer.weight, layer.bias) if t is not None]
    if sum(t.numel() for t in tensors) > stream.numel():
        return False
    offset = 0
    with torch.no_grad():
        for t in tensors:
            t.copy_(stream[offset:offset + t.numel()].reshape(t.shape))
            offset += t.numel()
    return True


@observer("linreg.simplenet")
def observe_simplenet(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``SimpleNet()``: parameter shapes, then outputs with grader-set weights.

    Each Linear layer gets the next values of one seeded normal stream, and the
    inputs are centred, so the hidden layer's pre-activations are partly
    negative and a missing (or extra) ReLU changes the output. The check
    rebuilds the weights from the reference's stream and the layer shapes
    reported here, and recomputes the network itself.
    """
    model = ns.get("SimpleNet")()
    facts: dict[str, Any] = {
        "is_module": isinstance(model, nn.Module), "type": type_name(model),
        "shapes": param_shapes(model) if isinstance(model, nn.Module) else [],
    }
    if not isinstance(model, nn.Module):
        return facts
    gen = torch.Generator().manual_seed(int(params.get("seed", 0)) + 1)
    x = torch.randn(int(params.get("n", 16)), 3, generator=gen)
    stream = torch.randn(int(params.get("stream", 256)), generator=gen)
    layers = linear_layers(model)
    facts["layer_shapes"] = [{"weight": list(layer.weight.shape),
                              "bias": None if layer.bias is None else list(layer.bias.shape)}
                             for layer in layers]
    facts["weights_set"] = _set_from_stream(layers, stream)
    with torch.no_grad():
        out, error = attempt(lambda: model(x.clone()))
    facts.update({
        "x": x, "stream": stream, "error": error, "shape": _shape(out),
        "output": out.detach().double() if isinstance(out, torch.Tensor) else None,
    })
    return facts
