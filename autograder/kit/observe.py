"""The kinds' observers: run in the sandbox, build what the settings say, report facts.

Each observer builds the submission's class or calls its function exactly as
the item's ``observe:`` settings say (arguments from the YAML, inputs from
``autograder.kit.data`` with the settings' seed), and returns its kind's facts
dataclass (``autograder.kit.records``) as plain data. It never decides
anything: whether a fact is right is the judge's business, in the grader, and
the judge recomputes what it can from the reported weights.

Imported by ``autograder.observers.load_all`` in the warm worker, before any
fork, so the engine snapshot restored in every item process covers this module
and its registry. Module methods are read through ``nn.Module``'s own
functions taken at import (as ``observers.common`` does), so a class that
overrides ``named_parameters`` reports what it really holds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from autograder.kit import calls, data, kind_observer
from autograder.kit.records import (
    CallQuestion, FitFacts, ForwardFacts, ForwardModels, GradientStepFacts, InitDistributionFacts,
    InitDistributionModels, InitLayer, InitSeed, LayerWeights, ModuleShapesFacts, ModuleTypes, ShapesAnswer,
    StepRecord, as_record,
)
from autograder.namespace import SubmissionNamespace
from autograder.observers.common import attempt, linear_layers, seed_everything, type_name

_NAMED_PARAMETERS = nn.Module.named_parameters
_NAMED_MODULES = nn.Module.named_modules
_REGISTER_FORWARD_HOOK = nn.Module.register_forward_hook
_NO_GRAD = torch.no_grad
_FROM_NUMPY = torch.from_numpy
_TENSOR = torch.Tensor
_MODULE = nn.Module
MAX_LOSSES = 100_000  # a longer "loss list" is reported by its length only
MAX_TYPES = 5
MAX_MODULE_TYPES = 32  # distinct module classes reported per instance


# --- building what the settings describe ----------------------------------------------------


def question(params: dict[str, Any], name_key: str = "class") -> CallQuestion:
    """The call the settings ask for, as text made from the settings alone."""
    name = params[name_key]
    return CallQuestion(name=name, text=calls.call_text(name, params.get("args"), params.get("kwargs")))


def each_build(ns: SubmissionNamespace, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The item's settings once per entry of ``builds`` (each entry's class and arguments in
    place of the item's), so a kind observes several constructor calls the way it observes one.

    A class the submission lacks costs its builds only (their ``error`` names it); when it
    lacks every class, the lookup raises here and the item reports the first as missing."""
    if not any(ns.has(entry["class"]) for entry in params["builds"]):
        ns.get(params["builds"][0]["class"])  # raises MissingName
    shared = {k: v for k, v in params.items() if k not in ("builds", "class", "args", "kwargs")}
    return [{**shared, **entry} for entry in params["builds"]]


def build(ns: SubmissionNamespace, params: dict[str, Any], args: list[Any] | None = None) -> Any:
    """``Class(*args, **kwargs)`` with the settings' arguments, resolved fresh for this call."""
    cls = ns.get(params["class"])
    args = params.get("args", []) if args is None else args
    return cls(*calls.resolve(args, torch), **calls.resolve(params.get("kwargs", {}), torch))


def tensor_of(array: np.ndarray) -> torch.Tensor:
    """A fresh tensor of the grader's data (its own copy, whatever the submission does to it)."""
    return _FROM_NUMPY(np.array(array, copy=True))


def weights_of(layers: list[nn.Linear]) -> list[LayerWeights]:
    """Each layer's weight and bias as they are now, float32 arrays (copies)."""
    def values(t: Any) -> Any:
        return None if t is None else t.detach().cpu().float().numpy().copy()

    return [LayerWeights(weight=values(layer.weight), bias=values(layer.bias)) for layer in layers]


def linears_in_call_order(model: Any, x: torch.Tensor) -> tuple[list[nn.Linear], bool]:
    """The model's ``nn.Linear`` layers in the order its forward calls them (False: it called
    none, or is no module; registration order then)."""
    if not isinstance(model, _MODULE):
        return [], False
    registered = linear_layers(model)
    called: list[nn.Linear] = []
    hooks = [_REGISTER_FORWARD_HOOK(layer, lambda mod, _i, _o: called.append(mod)) for layer in registered]
    try:
        with _NO_GRAD():
            attempt(lambda: model(x))
    finally:
        for hook in hooks:
            hook.remove()
    unique = list(dict.fromkeys(called))
    return (unique, True) if unique else (registered, False)


def number(value: Any) -> float | None:
    """A returned value read as one number (a Python number, a one-element tensor or array), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, (_TENSOR, np.ndarray, np.generic)):
        return None
    got, error = attempt(lambda: float(value.item()))  # .item() raises unless there is one element
    return None if error is not None else got


# --- module_shapes -------------------------------------------------------------------------


@kind_observer("module_shapes")
def observe_module_shapes(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """For each argument list, the registered parameters' names and shapes of a fresh instance.

    The class is looked up first, outside any call: a class that is not defined
    at all is the framework's "not defined" answer (and, in the reference, a
    harness failure), not a constructor that raised.
    """
    ns.get(params["class"])
    answers, modules = [], []
    for args in params["calls"]:
        text = calls.call_text(params["class"], args, params.get("kwargs"))
        model, error = attempt(lambda: build(ns, params, args))
        if error is not None or not isinstance(model, _MODULE):
            answers.append(ShapesAnswer(call=text, error=error, is_module=False, shapes=[], names=[]))
            modules.append([])
            continue
        named = list(_NAMED_PARAMETERS(model))
        answers.append(ShapesAnswer(call=text, error=None, is_module=True, shapes=[list(p.shape) for _, p in named],
                                    names=[str(n) for n, _ in named]))
        modules.append(_module_types(model))
    return {**as_record(ModuleShapesFacts(answers=answers)), **as_record(ModuleTypes(modules=modules))}


def _module_types(model: nn.Module) -> list[str]:
    """The distinct class names of the modules an instance holds, itself excluded (through
    nn.Module's own named_modules, so an override cannot hide or invent one)."""
    found, error = attempt(lambda: [type(m).__name__ for name, m in _NAMED_MODULES(model) if name])
    return [] if error is not None else list(dict.fromkeys(found))[:MAX_MODULE_TYPES]


# --- init_distribution ---------------------------------------------------------------------


@kind_observer("init_distribution")
def observe_init_distribution(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Per seed, a fresh instance's nn.Linear layers (registration order): all their values.

    With ``builds``, the same for each listed constructor call (one record per build)."""
    if "builds" in params:
        return as_record(InitDistributionModels(models=[_init_facts(ns, p) for p in each_build(ns, params)]))
    return as_record(_init_facts(ns, params))


def _init_facts(ns: SubmissionNamespace, params: dict[str, Any]) -> InitDistributionFacts:
    seeds = []
    for seed in params["seeds"]:
        seed_everything(int(seed))
        model, error = attempt(lambda: build(ns, params))
        if error is not None or not isinstance(model, _MODULE):
            seeds.append(InitSeed(seed=int(seed), error=error, is_module=False, layers=[]))
            continue
        found = linear_layers(model)
        layers = [InitLayer(fan_in=_fan_in(layer), weight=w.weight, bias=w.bias)
                  for layer, w in zip(found, weights_of(found), strict=True)]
        seeds.append(InitSeed(seed=int(seed), error=None, is_module=True, layers=layers))
    return InitDistributionFacts(call=question(params), seeds=seeds)


def _fan_in(layer: nn.Linear) -> int:
    value = getattr(layer, "in_features", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


# --- forward_equivalence -------------------------------------------------------------------


@kind_observer("forward_equivalence")
def observe_forward_equivalence(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """A fresh instance's output on the grader's seeded batch, and its layers' weights.

    With ``builds`` (each naming its ``features``), the same for each listed constructor
    call on ``rows`` points; with ``negate_output``, a second pass after the grader made the
    last layer's weights and bias negative, so that an activation after the output layer
    that keeps positive values (a ReLU) shows on every row.
    """
    if "builds" in params:
        models = [_forward_facts(ns, {**p, "batch": [p["rows"], p["features"]]}) for p in each_build(ns, params)]
        return as_record(ForwardModels(models=models))
    return as_record(_forward_facts(ns, params))


def _forward_facts(ns: SubmissionNamespace, params: dict[str, Any]) -> ForwardFacts:
    rows, features = (int(n) for n in params["batch"])
    seed = int(params["seed"])
    x = data.standard_batch(seed, rows, features)

    def facts(error: str | None, output: Any = None, layers: list[nn.Linear] = (), called: bool = False,
              negated: Any = None, negated_error: str | None = None) -> ForwardFacts:
        return ForwardFacts(call=question(params), batch=[rows, features], seed=seed, error=error,
                            output=_values(output), output_type=type_name(output),
                            layers=weights_of(list(layers)), layers_called=called,
                            registered=len(linear_layers(model)) if isinstance(model, _MODULE) else 0,
                            negated_output=_values(negated), negated_error=negated_error)

    model, error = attempt(lambda: build(ns, params))
    if error is not None:
        return facts(error)
    layers, called = linears_in_call_order(model, tensor_of(x))
    with _NO_GRAD():
        output, error = attempt(lambda: model(tensor_of(x)))
    if error is not None or not params.get("negate_output") or not layers:
        return facts(error, output, layers, called)
    weights = weights_of(layers)  # as they were for the first pass
    _, negated_error = attempt(lambda: _negate(layers[-1]))
    negated = None
    if negated_error is None:
        with _NO_GRAD():
            negated, negated_error = attempt(lambda: model(tensor_of(x)))
    return dataclasses.replace(facts(error, output, [], called, negated, negated_error), layers=weights)


def _values(output: Any) -> np.ndarray | None:
    return output.detach().cpu().double().numpy() if isinstance(output, _TENSOR) else None


def _negate(layer: nn.Linear) -> None:
    """The grader's change for the second pass: weight -|W|, bias -|b| - 1 (all outputs of the
    layer negative whatever reaches it, as long as that is not negative itself)."""
    with _NO_GRAD():
        layer.weight.copy_(-layer.weight.abs())
        if layer.bias is not None:
            layer.bias.copy_(-layer.bias.abs() - 1.0)


# --- gradient_step -------------------------------------------------------------------------


@kind_observer("gradient_step")
def observe_gradient_step(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``model.<method>(x, y)`` called ``steps`` times on one grader batch: returns and weights.

    The model is built under the item's seed; its layers are found once, in
    forward order, and their weights reported before the first call and after
    each one, so the judge can recompute every returned loss and every update.
    Then a control run: the same model built again under the same seed, the
    same calls, but with every parameter's gradient zeroed by the grader
    between calls. If the student's method resets the gradients itself, the
    two runs end on the same weights, whatever the optimiser; if gradients
    accumulate, they do not.
    """
    batch = params["batch"]
    shape = [int(batch["size"]), int(batch["features"]), int(batch["classes"])]
    seed, steps, method_name = int(params["seed"]), int(params["steps"]), str(params["method"])
    x, y = data.classification_batch(seed, *shape)

    def facts(error: str | None, initial: list[LayerWeights] = (), records: list[StepRecord] = (),
              control: list[LayerWeights] = (), control_error: str | None = None) -> dict[str, Any]:
        return as_record(GradientStepFacts(
            call=question(params), method=method_name, batch=shape, seed=seed, steps=steps, error=error,
            initial=list(initial), records=list(records), control=list(control), control_error=control_error))

    model, layers, method, error = _stepper(ns, params, seed, method_name, x)
    if error is not None:
        return facts(error)
    initial, records = weights_of(layers), []
    for _ in range(steps):
        returned, error = attempt(lambda: method(tensor_of(x), tensor_of(y)))
        if error is not None:
            records.append(StepRecord(error=error, returned_type="", is_float=False, value=None, after=[]))
            return facts(None, initial, records)
        records.append(StepRecord(error=None, returned_type=type_name(returned), is_float=isinstance(returned, float),
                                  value=number(returned), after=weights_of(layers)))
    control, control_error = _control_run(ns, params, seed, method_name, x, y, steps)
    return facts(None, initial, records, control, control_error)


def _stepper(ns: SubmissionNamespace, params: dict[str, Any], seed: int, method_name: str,
             x: np.ndarray) -> tuple[Any, list[nn.Linear], Any, str | None]:
    """A model built under ``seed``, its layers in forward order and its step method."""
    seed_everything(seed)
    model, error = attempt(lambda: build(ns, params))
    if error is not None:
        return None, [], None, error
    layers, _ = linears_in_call_order(model, tensor_of(x))
    method, error = attempt(lambda: getattr(model, method_name))
    return model, layers, method, error


def _control_run(ns: SubmissionNamespace, params: dict[str, Any], seed: int, method_name: str, x: np.ndarray,
                 y: np.ndarray, steps: int) -> tuple[list[LayerWeights], str | None]:
    """The same calls on a model built the same way, with the gradients zeroed between calls."""
    model, layers, method, error = _stepper(ns, params, seed, method_name, x)
    for k in range(steps):
        if error is not None:
            return [], error
        if k and isinstance(model, _MODULE):
            _, error = attempt(lambda: _zero_gradients(model))
        if error is None:
            _, error = attempt(lambda: method(tensor_of(x), tensor_of(y)))
    return ([], error) if error is not None else (weights_of(layers), None)


def _zero_gradients(model: nn.Module) -> None:
    """What ``optimizer.zero_grad(set_to_none=False)`` does, for every registered parameter."""
    for _, parameter in _NAMED_PARAMETERS(model):
        if parameter.grad is not None:
            parameter.grad.detach_()
            parameter.grad.zero_()


# --- classifier_fit ------------------------------------------------------------------------


@kind_observer("classifier_fit")
def observe_classifier_fit(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """``losses, yhats, net = fit(train_set, train_labels, dev_set, n_iter, **kwargs)`` on grader data.

    Reports the losses as numbers with their types, the predictions as they
    came, and the trained net's nn.Linear weights, so the judge can recompute
    the predictions and score them against labels it regenerates itself.
    """
    settings, n_iter = params["data"], int(params["n_iter"])
    generated = data.generate(settings)
    fit = ns.get(params["function"])
    kwargs = calls.resolve(params.get("kwargs", {}), torch)
    returned, error = attempt(lambda: fit(tensor_of(generated.train_x), tensor_of(generated.train_y),
                                          tensor_of(generated.dev_x), n_iter, **kwargs))
    length = len(returned) if error is None and isinstance(returned, (tuple, list)) else None
    asked = CallQuestion(params["function"], calls.call_text(
        params["function"], [n_iter], params.get("kwargs"), ("train_set", "train_labels", "dev_set")))
    common = {"call": asked, "data": dict(settings), "n_iter": n_iter, "error": error,
              "returned_type": type_name(returned), "returned_length": length}
    if error is not None or length != 3:
        return as_record(FitFacts(**common, losses=None, losses_length=None, loss_types=[], yhats=None,
                                  yhats_type="", net_type="", layers=[]))
    losses, yhats, net = returned
    values, count, types = _losses(losses)
    layers, _ = linears_in_call_order(net, tensor_of(generated.dev_x[:8]))
    return as_record(FitFacts(**common, losses=values, losses_length=count, loss_types=types,
                              yhats=_labels(yhats), yhats_type=type_name(yhats), net_type=type_name(net),
                              layers=weights_of(layers)))


def _losses(losses: Any) -> tuple[np.ndarray | None, int | None, list[str]]:
    """The losses as float64 (NaN where one is no number), their count and their distinct types."""
    if isinstance(losses, _TENSOR):
        losses = list(losses.detach().reshape(-1)) if losses.dim() > 0 else [losses]
    if not isinstance(losses, (list, tuple, np.ndarray)):
        return None, None, [type_name(losses)]
    count = len(losses)
    if count > MAX_LOSSES:
        return None, count, []
    types = list(dict.fromkeys(type_name(v) for v in losses))[:MAX_TYPES]
    values = [number(v) for v in losses]
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64), count, types


def _labels(yhats: Any) -> np.ndarray | None:
    """The predictions as a numeric array, keeping their dtype (integer labels stay integers)."""
    if isinstance(yhats, _TENSOR):
        array, error = attempt(lambda: yhats.detach().cpu().numpy())
    else:
        array, error = attempt(lambda: np.asarray(yhats))
    if error is not None or not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        return None
    return array
