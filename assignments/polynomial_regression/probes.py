"""Observers for ``polynomial_regression``: fitting y = sin(x) with a cubic.

``poly.predict`` and ``poly.grad`` are kit items (kind ``function_matches_reference``,
configured in ``assignment.yaml``); the two fits are observed here.

Where an item's YAML says ``supply: [poly_grad, poly_predict]``, the sandbox
plan carries the reference's own source of those functions for that item
only, and :func:`supplied_helpers` swaps them in while the student's function
runs, so a wrong gradient costs ``poly.grad`` and not also the two fitting
items. The engine itself holds no implementation of the exercise.

The fits start from random coefficients that the contract leaves to the
student. So each fit is called several times from the same seed: with
``steps=0`` (its starting coefficients), a few small step counts (its
trajectory) and the full budget, and the check replays gradient descent from
the student's own start. The observers report the grader's data as well (the
Gram matrix of the design ``[1, x, x^2, x^3]``); the check reads it from the
reference's facts, never from the submission's.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch

from autograder.namespace import SubmissionNamespace
from autograder.observers import observer
from autograder.observers.common import attempt, seed_everything, supplied_helpers, type_name

def coefficients_of(value: Any) -> np.ndarray:
    """What a fit returned as 4 float64 numbers; raises ValueError describing it otherwise."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().cpu().double().reshape(-1).numpy()
    elif isinstance(value, np.ndarray):
        flat = value.astype(np.float64).reshape(-1)
    elif isinstance(value, (list, tuple)):
        flat = np.array([_scalar(v) for v in value], dtype=np.float64)
    else:
        raise ValueError(f"returned a {type_name(value)}, expected the 4 coefficients (a, b, c, d)")
    if flat.size != 4:
        raise ValueError(f"returned {flat.size} numbers, expected the 4 coefficients (a, b, c, d)")
    return flat


def _scalar(v: Any) -> float:
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return float(v.detach().item())
    arr = np.asarray(v, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(f"returned an element with {arr.size} numbers, expected one number per coefficient")
    return float(arr.reshape(()))


def design_facts(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The grader's data, summarised: what the check needs to replay gradient descent and to
    compute the sum of squared errors of any coefficients, ``c.G.c - 2 c.xty + yty``."""
    design = np.stack([x ** k for k in range(4)], axis=1)
    return {"n": int(x.size), "gram": design.T @ design, "xty": design.T @ y, "yty": float(y @ y)}


def observe_fit(fit: Callable[..., Any], params: dict[str, Any], torch_inputs: bool) -> dict[str, Any]:
    """Run ``fit(x, y, lr, steps)`` from the same seed for each probe step count and the full
    budget, on y = sin(x), and once more with the full budget on a second target of the
    grader's (``variant``: y = scale * sin(x) + offset), so that a fit has to fit the data
    it is given.

    ``torch_inputs``: offer x, y as float32 tensors (as the slides do) and fall back
    to NumPy arrays when the function raises on tensors.
    """
    seed = int(params.get("seed", 0))
    lr, steps = float(params.get("lr", 1e-6)), int(params.get("steps", 2000))
    variant = params.get("variant", {"scale": -1.0, "offset": 0.5})
    scale, offset = float(variant["scale"]), float(variant["offset"])
    x = np.linspace(-math.pi, math.pi, int(params.get("n", 2000)))
    x_t = torch.linspace(-math.pi, math.pi, x.size)
    targets = {"sin": (np.sin(x), torch.sin(x_t)),
               "variant": (scale * np.sin(x) + offset, scale * torch.sin(x_t) + offset)}
    kinds = ["torch", "numpy"] if torch_inputs else ["numpy"]
    swapped: list[str] = []

    def run(k: int, kind: str, target: str = "sin") -> dict[str, Any]:
        y, y_t = targets[target]
        args = (x_t.clone(), y_t.clone()) if kind == "torch" else (x.copy(), y.copy())
        seed_everything(seed)
        with supplied_helpers(fit, params) as names:
            value, error = attempt(lambda: fit(*args, lr, k))
        swapped[:] = names
        coeffs, bad_return = None, None
        if error is None:
            try:
                coeffs = coefficients_of(value)
            except Exception as exc:  # odd return values may fail in odd ways
                bad_return = str(exc) if isinstance(exc, ValueError) else (
                    f"returned a {type_name(value)} that could not be read as 4 numbers")
        return {"steps": k, "coeffs": coeffs, "error": error, "bad_return": bad_return}

    kind = kinds[0]
    final = run(steps, kind)
    if final["error"] is not None and kind != "numpy":
        fallback = run(steps, "numpy")
        if fallback["error"] is None:
            kind, final = "numpy", fallback
    probes = [run(int(k), kind) for k in params.get("probes", [0, 1])]
    first = next((p for p in probes if p["coeffs"] is not None), None)
    repeat = run(first["steps"], kind) if first else None
    return {"data": {**design_facts(x, targets["sin"][0]), "lr": lr},
            "variant_data": {**design_facts(x, targets["variant"][0]), "lr": lr,
                             "scale": scale, "offset": offset},
            "input_kind": kind, "final": final, "probes": probes, "repeat": repeat,
            "variant": run(steps, kind, "variant"), "supplied": swapped}


@observer("poly.fit_numpy")
def observe_fit_numpy(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    return observe_fit(ns.get("fit_poly_numpy"), params, torch_inputs=False)


@observer("poly.fit_autograd")
def observe_fit_autograd(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    return observe_fit(ns.get("fit_poly_autograd"), params, torch_inputs=True)
