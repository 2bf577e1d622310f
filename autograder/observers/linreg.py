"""Observers of ``linear_regression`` (Tutorial 6, Part A): crop yields from climate.

Every observer builds the tutorial's crop data itself (below, as plain numbers)
and its own helpers (weights, ``nn.Linear``, ``DataLoader``, optimizer) from
plain torch, so a submission's data or a broken helper never changes what is
measured. Facts are raw measurements; the checks in ``autograder.checks.linreg``
judge them.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograder.namespace import SubmissionNamespace
from autograder.observers import observer
from autograder.observers.common import attempt, linear_layers, param_shapes, type_name

# Input (temp, rainfall, humidity) and targets (apples, oranges): the tutorial's
# five regions, repeated three times (15 rows).
_CROP_INPUTS = [[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]] * 3
_CROP_TARGETS = [[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]] * 3


def crop_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The tutorial's crop data: inputs (15, 3) and targets (15, 2), float32."""
    return (torch.tensor(_CROP_INPUTS, dtype=torch.float32),
            torch.tensor(_CROP_TARGETS, dtype=torch.float32))


def _mse(t1: torch.Tensor, t2: torch.Tensor) -> torch.Tensor:
    diff = t1 - t2
    return torch.sum(diff * diff) / diff.numel()


def _linear_model(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return x @ w.t() + b


_GRADER_HELPERS: dict[str, Callable[..., Any]] = {"linear_model": _linear_model, "mse": _mse}


@contextlib.contextmanager
def grader_helpers(fn: Any) -> Iterator[list[str]]:
    """Let ``fn`` call the grader's ``linear_model`` and ``mse`` instead of the student's.

    ``gd_step`` normally calls the submission's own ``linear_model`` and ``mse``;
    swapping in correct ones for the duration of the call means a slip in those
    costs their own items, not ``linreg.gd_step`` as well (one mistake, one item).
    Yields the names swapped; the submission's globals are restored afterwards.
    """
    scope = getattr(fn, "__globals__", None)
    swapped = [n for n in _GRADER_HELPERS if isinstance(scope, dict) and n in scope]
    saved = {n: scope[n] for n in swapped} if swapped else {}
    try:
        for name in swapped:
            scope[name] = _GRADER_HELPERS[name]
        yield swapped
    finally:
        for name, value in saved.items():
            scope[name] = value


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


@observer("linreg.model")
def observe_linear_model(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``linear_model(x, w, b)`` on the crop data and on a small random batch."""
    linear_model = ns.get("linear_model")
    crop_inputs, _ = crop_data()
    cases = []
    for x in (crop_inputs, torch.randn(4, 3)):
        w = torch.randn(2, 3, requires_grad=True)
        b = torch.randn(2, requires_grad=True)
        out, error = attempt(lambda: linear_model(x, w, b))
        is_tensor = isinstance(out, torch.Tensor)
        cases.append({
            "x": x, "w": w, "b": b, "error": error,
            "type": type_name(out) if error is None else None,
            "shape": _shape(out),
            "output": out.detach().double() if is_tensor else None,
        })
    return {"cases": cases}


@observer("linreg.mse")
def observe_mse(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``mse(t1, t2)`` on random tensors of two shapes: value, type, and the gradient it gives."""
    mse = ns.get("mse")
    cases = []
    for shape in params.get("shapes", [[15, 2], [4, 3]]):
        t1 = torch.randn(*shape, requires_grad=True)
        t2 = torch.randn(*shape)
        out, error = attempt(lambda: mse(t1, t2))
        case: dict[str, Any] = {
            "t1": t1, "t2": t2, "error": error, "value": None, "shape": _shape(out),
            "is_tensor": isinstance(out, torch.Tensor), "backward_error": None, "grad": None,
        }
        if error is None:
            case["type"] = type_name(out)
            case["value"] = _as_float(out) if _shape(out) in ([], [1], None) else None
            if case["is_tensor"]:
                _, case["backward_error"] = attempt(lambda: out.sum().backward())
                case["grad"] = t1.grad
        cases.append(case)
    return {"cases": cases}


def _fresh_params(w0: torch.Tensor, b0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)


def _grad(t: torch.Tensor) -> Any:
    return None if t.grad is None else t.grad.detach().clone()


@observer("linreg.gd_step")
def observe_gd_step(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """One ``gd_step`` from seeded ``w, b``, then ``steps`` more from the same start.

    The grader computes every loss it reports itself, from the tensors ``gd_step``
    left behind; the values ``gd_step`` returns are reported alongside.
    """
    gd_step = ns.get("gd_step")
    lr, steps = float(params.get("lr", 1e-5)), int(params.get("steps", 100))
    inputs, targets = crop_data()
    w0, b0 = torch.randn(2, 3), torch.randn(2)

    def loss_of(w: torch.Tensor, b: torch.Tensor) -> float:
        with torch.no_grad():
            return float(_mse(_linear_model(inputs, w, b), targets))

    w, b = _fresh_params(w0, b0)
    with grader_helpers(gd_step) as swapped:
        returned, error = attempt(lambda: gd_step(w, b, inputs, targets, lr))
    one_step = {
        "error": error, "returned": _as_float(returned) if error is None else None,
        "returned_type": type_name(returned) if error is None else None,
        "loss_before": loss_of(w0, b0), "loss_after": loss_of(w, b),
        "w_after": w.detach().clone(), "b_after": b.detach().clone(),
        "w_grad": _grad(w), "b_grad": _grad(b),
    }

    w, b = _fresh_params(w0, b0)
    returned_losses: list[float | None] = []
    run_error, failed_at = None, None
    with grader_helpers(gd_step):
        for step in range(steps):
            value, run_error = attempt(lambda: gd_step(w, b, inputs, targets, lr))
            if run_error is not None:
                failed_at = step
                break
            returned_losses.append(_as_float(value))
    run = {
        "steps": steps, "lr": lr, "error": run_error, "failed_at": failed_at,
        "first_loss": loss_of(w0, b0), "final_loss": loss_of(w, b),
        "returned_losses": returned_losses,
        "w_final": w.detach().clone(), "b_final": b.detach().clone(),
    }
    return {"w0": w0, "b0": b0, "lr": lr, "helpers_swapped": swapped,
            "one_step": one_step, "run": run}


class _CountingSGD(torch.optim.SGD):
    """Plain SGD that counts how often ``step`` and ``zero_grad`` are called."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step_calls = 0
        self.zero_grad_calls = 0

    def step(self, closure: Any = None) -> Any:  # type: ignore[override]
        self.step_calls += 1
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.zero_grad_calls += 1
        super().zero_grad(set_to_none)


@observer("linreg.fit")
def observe_fit(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``fit(epochs, nn.Linear(3, 2), F.mse_loss, SGD(lr), loader)`` on the crop data.

    The loader is unshuffled (batch size 5, so 3 batches per epoch) and the model
    seeded, so a correct ``fit`` follows the reference run step for step. The
    loss on the whole data set is measured by the grader before and after.
    """
    fit = ns.get("fit")
    epochs, lr = int(params.get("epochs", 100)), float(params.get("lr", 1e-5))
    batch_size = int(params.get("batch_size", 5))
    inputs, targets = crop_data()
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=batch_size, shuffle=False)
    torch.manual_seed(int(params.get("seed", 0)))
    model = nn.Linear(3, 2)
    opt = _CountingSGD(model.parameters(), lr=lr)
    batch_losses: list[float] = []

    def loss_fn(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = F.mse_loss(pred, target)
        batch_losses.append(float(loss.detach()))
        return loss

    with torch.no_grad():
        loss_before = float(F.mse_loss(model(inputs), targets))
    _, error = attempt(lambda: fit(epochs, model, loss_fn, opt, loader))
    with torch.no_grad():
        loss_after = float(F.mse_loss(model(inputs), targets))
    return {
        "error": error, "epochs": epochs, "lr": lr, "batches_per_epoch": len(loader),
        "loss_before": loss_before, "loss_after": loss_after,
        "weight": model.weight.detach().clone(), "bias": model.bias.detach().clone(),
        "step_calls": opt.step_calls, "zero_grad_calls": opt.zero_grad_calls,
        "loss_fn_calls": len(batch_losses), "batch_losses": batch_losses[:1000],
    }


@observer("linreg.simplenet")
def observe_simplenet(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``SimpleNet()``: parameter shapes, then outputs with grader-set weights.

    Each Linear layer gets seeded normal weights of its own shape and the inputs
    are centred, so the hidden layer's pre-activations are partly negative and a
    missing (or extra) ReLU changes the output. The weights travel with the
    outputs, so the check recomputes the network itself.
    """
    model = ns.get("SimpleNet")()
    facts: dict[str, Any] = {
        "is_module": isinstance(model, nn.Module), "type": type_name(model),
        "shapes": param_shapes(model) if isinstance(model, nn.Module) else [],
    }
    if not isinstance(model, nn.Module):
        return facts
    gen = torch.Generator().manual_seed(int(params.get("seed", 0)) + 1)
    layers = []
    with torch.no_grad():
        for layer in linear_layers(model):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen))
            if layer.bias is not None:
                layer.bias.copy_(torch.randn(layer.bias.shape, generator=gen))
            layers.append({"weight": layer.weight.clone(),
                           "bias": None if layer.bias is None else layer.bias.clone()})
    x = torch.randn(int(params.get("n", 16)), 3, generator=gen)
    with torch.no_grad():
        out, error = attempt(lambda: model(x))
    facts.update({
        "layers": layers, "x": x, "error": error, "shape": _shape(out),
        "output": out.detach().double() if isinstance(out, torch.Tensor) else None,
    })
    return facts
