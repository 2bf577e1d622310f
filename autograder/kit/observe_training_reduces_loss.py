"""Observer of kind ``training_reduces_loss`` (sandbox side): train each model the settings name.

For each entry of ``models``: seed everything with the item's seed, build the
model (the submission's class with the settings' arguments, or a plain torch
network of ``chain`` and ``sizes`` built here from torch's own modules, taken
at import), call the student's training function with the grader's data and
report what it returned and the model's ``nn.Linear`` layers before and after.
Facts only; see :mod:`autograder.kit.training_reduces_loss` for the judge.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograder.kit import calls, kind_observer
from autograder.kit.observe import build, linears_in_call_order, tensor_of, weights_of
from autograder.kit.records import CallQuestion, LayerWeights, as_record
from autograder.kit.training_reduces_loss import (
    MAX_LOSSES, TrainingFacts, TrainingRun, argument_text, call_text, model_text, training_data,
)
from autograder.namespace import SubmissionNamespace
from autograder.observers.common import as_numpy, attempt, linear_layers, seed_everything, type_name

_LINEAR, _SEQUENTIAL, _TENSOR = nn.Linear, nn.Sequential, torch.Tensor
_LOADER, _TENSOR_DATASET, _GENERATOR = DataLoader, TensorDataset, torch.Generator
_OPTIMIZERS = {name: getattr(torch.optim, name) for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")}
_LOSS_FUNCTIONS = {name: getattr(nn.functional, name) for name in ("mse_loss", "l1_loss", "smooth_l1_loss")}
ACTIVATION_MODULES: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU,
    "softmax": lambda: nn.Softmax(dim=-1), "log_softmax": lambda: nn.LogSoftmax(dim=-1),
}


def data_arrays(settings: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The YAML's data (literal or generated) as float32 arrays: inputs (N, features), targets (N, outputs)."""
    inputs, targets = training_data(settings)
    return inputs.astype(np.float32), targets.astype(np.float32)


def loader_of(settings: dict[str, Any] | None, seed: int, inputs: np.ndarray, targets: np.ndarray) -> Any:
    """A DataLoader over the grader's data, its shuffling seeded with ``seed`` (None: no loader asked),
    so the reference's run sees the very same batches."""
    if settings is None:
        return None
    return _LOADER(_TENSOR_DATASET(tensor_of(inputs), tensor_of(targets)), batch_size=int(settings["batch_size"]),
                   shuffle=bool(settings["shuffle"]), generator=_GENERATOR().manual_seed(seed))


def chain_network(chain: Sequence[str], sizes: Sequence[int]) -> nn.Module:
    """``chain`` as a torch network, layers created in order (so a seed fixes its weights); a
    chain of one layer is that ``nn.Linear`` itself, as a course passes it (``model.weight``)."""
    widths = list(zip(sizes, sizes[1:]))
    modules: list[nn.Module] = []
    for step in chain:
        if step == "linear":
            fan_in, fan_out = widths.pop(0)
            modules.append(_LINEAR(int(fan_in), int(fan_out)))
        else:
            modules.append(ACTIVATION_MODULES[step]())
    return modules[0] if len(modules) == 1 else _SEQUENTIAL(*modules)


def losses_of(returned: Any) -> tuple[np.ndarray | None, int | None, str | None]:
    """What the function returned as a 1-D float array of losses, its length, or why it is not one."""
    if isinstance(returned, (list, tuple)):
        if len(returned) > MAX_LOSSES:
            return None, len(returned), None
        values, error = attempt(lambda: [float(v) for v in returned])
        if error is not None:
            return None, None, error
        return np.asarray(values, dtype=np.float64), len(values), None
    if isinstance(returned, (_TENSOR, np.ndarray)):
        count = int(returned.numel()) if isinstance(returned, _TENSOR) else int(returned.size)
        if count > MAX_LOSSES:
            return None, count, None
        array = as_numpy(returned)
        return (array.ravel(), count, None) if array is not None else (None, None, "not numeric")
    return None, None, None


def train_and_record(model: Any, label: str, grader_built: bool, train: Any, arguments: Sequence[Any],
                     kwargs: dict[str, Any], inputs: np.ndarray, targets: np.ndarray,
                     loader: Any = None, optimizer_settings: dict[str, Any] | None = None,
                     loss_function: Any = None) -> TrainingRun:
    """Call the training function once; the layers before (by identity) and after, in forward order.

    ``arguments`` are names of the grader's objects or ``{value: ...}`` literals, passed as they are.
    """
    before = {id(layer): weights for layer, weights in
              zip(linear_layers(model), weights_of(linear_layers(model)), strict=True)} \
        if isinstance(model, nn.Module) else {}
    optimizer = counting_optimizer(optimizer_settings, model) if optimizer_settings is not None else None
    data = {"model": lambda: model, "inputs": lambda: tensor_of(inputs), "targets": lambda: tensor_of(targets),
            "loader": lambda: loader, "optimizer": lambda: optimizer, "loss_function": lambda: loss_function}

    def argument(a: Any) -> Any:
        return a["value"] if isinstance(a, dict) else data[a]()

    returned, error = attempt(lambda: train(*[argument(a) for a in arguments], **calls.resolve(kwargs, torch)))
    if error is not None:
        return failed_run(label, grader_built, error, "train")
    layers, _ = linears_in_call_order(model, tensor_of(inputs))
    losses, length, convert_error = losses_of(returned)
    initial: list[LayerWeights | None] = [before.get(id(layer)) for layer in layers]
    steps, zero_grads = (optimizer.counts[0], optimizer.counts[1]) if optimizer is not None else (None, None)
    return TrainingRun(model=label, grader_built=grader_built, error=None, stage="", returned_type=type_name(returned),
                       losses=losses, losses_length=length, convert_error=convert_error, initial=initial,
                       final=weights_of(layers), steps=steps, zero_grads=zero_grads)


def failed_run(label: str, grader_built: bool, error: str, stage: str) -> TrainingRun:
    return TrainingRun(model=label, grader_built=grader_built, error=error, stage=stage, returned_type="",
                       losses=None, losses_length=None, convert_error=None, initial=[], final=[], steps=None,
                       zero_grads=None)


def counting_optimizer(settings: dict[str, Any], model: Any) -> Any:
    """``torch.optim.<name>(model.parameters(), **options)`` that counts its ``step`` and
    ``zero_grad`` calls (``counts``): a fact for the feedback, the weights being the evidence."""
    base = _OPTIMIZERS[settings["name"]]
    options = {k: v for k, v in settings.items() if k != "name"}

    class Counting(base):  # type: ignore[misc, valid-type]
        counts = [0, 0]

        def step(self, closure: Any = None) -> Any:
            self.counts[0] += 1
            return super().step(closure)

        def zero_grad(self, set_to_none: bool = True) -> None:
            self.counts[1] += 1
            super().zero_grad(set_to_none)

    optimizer = Counting(model.parameters(), **options)
    optimizer.counts = [0, 0]
    return optimizer


@kind_observer("training_reduces_loss")
def observe_training_reduces_loss(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Each model of ``models``, built under the seed and trained by the student's function."""
    seed, arguments = int(params["seed"]), list(params["arguments"])
    shown = [argument_text(a) for a in arguments]
    inputs, targets = data_arrays(params["data"])
    function = params["function"]
    train = ns.get(function)
    runs = []
    for spec in params["models"]:
        label, grader_built = model_text(spec), "chain" in spec
        seed_everything(seed)
        if grader_built:
            model, error = attempt(lambda: chain_network(spec["chain"], spec["sizes"]))
        else:
            model, error = attempt(lambda: build(ns, spec))
        if error is not None:
            runs.append(failed_run(label, grader_built, error, "model"))
            continue
        loader = loader_of(params.get("loader"), seed, inputs, targets)  # after the model: as a course builds them
        loss_function = _LOSS_FUNCTIONS[params["loss_function"]] if "loss_function" in params else None
        runs.append(train_and_record(model, label, grader_built, train, arguments, params.get("kwargs", {}),
                                     inputs, targets, loader, params.get("optimizer"), loss_function))
    batches = len(loader_of(params["loader"], seed, inputs, targets)) if "loader" in params else 1
    return as_record(TrainingFacts(call=CallQuestion(function, call_text(function, shown)), arguments=shown,
                                   seed=seed, batches=batches, truth=str(params["data"].get("function", "")),
                                   inputs=inputs, targets=targets, runs=runs))
