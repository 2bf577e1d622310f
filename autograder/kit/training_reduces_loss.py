"""Kind ``training_reduces_loss``: the student's training function lowers a model's loss.

Settings::

    observe: {function: train, arguments: [model, inputs, targets], kwargs: {},   # kwargs: optional
              data: {inputs: [[0, 0], [0, 1], ...], targets: [0, 1, ...]}, seed: 0,
              models: [{class: Net, args: []},                      # the student's own model
                       {chain: [linear, sigmoid, linear], sizes: [2, 16, 1]}]}   # grader-built
    check: {chain: [linear, sigmoid, linear], loss: squared_error, reductions: [mean, sum],
            max_ratio: 0.1, first_loss_rtol: 1.0e-3, last_loss_tol: 0.1, max_width: 4096,
            mistakes: [...],                          # optional, as forward_equivalence's
            trajectory: {epochs: 5, rtol: 1.0e-3},    # optional: grader-built runs follow the reference's
            advice: {too_little: "...", model: "..."}}   # optional sentences in the course's words

Optional, for a training loop over mini-batches with the course's own signature::

    observe: {arguments: [model, loader, {value: 100}, {value: 0.02}],   # literals passed as they are
              loader: {batch_size: 25, shuffle: true},   # a DataLoader over the data, shuffled by a
                                                         # generator seeded with ``seed``
              data: {generator: noisy_function, seed: 0, n: 100, uniform: [-5, 5],
                     function: "x**3 - 2*sin(x)", noise: 10.0}}   # x ~ U, y = function(x) + N(0, noise)
    check: {batch_losses: [summed, averaged],   # an epoch's loss: the sum of its batch losses, or their mean
            partial: true, max_fit_ratio: 0.3,  # four parts, each a share: see below
            epochs_as_reference: true}          # one loss per epoch asked: as many as the reference returned

A training function that returns nothing and takes the grader's optimiser and loss::

    observe: {arguments: [{value: 100}, model, loss_function, optimizer, loader],
              optimizer: {name: SGD, lr: 1.0e-5},   # over model.parameters(), counting step/zero_grad
              loss_function: mse_loss}              # torch.nn.functional's
    check: {returns_losses: false, partial: true, max_fit_ratio: 0.1,
            final_weights: {rtol: 1.0e-3, atol: 1.0e-4}}   # a grader-built run ends at the reference's

is judged on its model alone: its recomputed loss falls below ``max_fit_ratio``
of its start, and (``final_weights``) it ends at the reference run's weights
with as many optimiser steps (the step and zero_grad counts are claims: they
only choose the words, the weights decide). The curve's settings are then not
asked. A chain of one ``linear`` is built as that ``nn.Linear`` itself.

With ``partial``, a run earns a share per part: the curve is usable and is the
model's (its ends tied to the reported weights); it falls below ``max_ratio``;
the model's loss recomputed from its weights falls below ``max_fit_ratio`` of
its start; its first epochs follow the reference's (``trajectory``). A curve
that is not usable or not the model's is one failed part beside the model's
own fit, so a missing ``return`` costs half.

For each model of ``models`` in turn, the observer seeds everything with
``seed``, builds the model (the submission's class, or a plain torch network of
``chain`` and ``sizes`` built here, so that a correct training function still
earns the item when the student's class is the broken part: one mistake costs
one item) and calls ``function`` with the arguments named by ``arguments``.
It reports the returned losses and the model's ``nn.Linear`` layers before
and after training, in the order forward calls them after training.

The judge takes the data and the models from the reference's facts, and for
each run requires: a curve of at least two finite losses whose last is at most
``max_ratio`` of the first; a model that changed; and a curve whose ends are
the losses of the reported weights, recomputed in float64 (the first within
``first_loss_rtol`` of the loss of the weights before training; the last
within ``last_loss_tol`` times the first of the loss of the weights after: it
was computed one step earlier). A layer wider than ``max_width`` (in or out) is
refused by its shape before any arithmetic. A grader-built model must start from the
reference run's weights exactly. The student's model may compute ``chain`` or
one of its look-alikes (:func:`autograder.kit.numeric.variants`); a
grader-built one computes ``chain``. The first run that passes earns the item.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from autograder.checks.claims import Malformed, answers, short
from autograder.checks.common import fmt_num
from autograder.kit import kind, kind_plot
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.numeric import Layer, chain_problem, describe, layers_of, run_chain, variants
from autograder.kit.records import Array, CallQuestion, LayerWeights
from autograder.kit.settings import DEFS, ref, settings
from autograder.results import Outcome

MAX_LOSSES = 100_000  # a longer "loss curve" is reported by its length only
ARGUMENTS = ("model", "inputs", "targets", "loader", "optimizer", "loss_function")  # what the grader passes, by name
SHOWN = {"inputs": "X", "targets": "y", "loader": "dataloader", "optimizer": "opt",
         "loss_function": "loss_fn"}  # how a call's text writes the grader's objects
OPTIMIZER_NAMES = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")
LOSS_FUNCTION_NAMES = ("mse_loss", "l1_loss", "smooth_l1_loss")
BATCH_LOSSES = ("summed", "averaged")  # an epoch's loss: the sum of its batch losses, or their mean


# --- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRun:
    """One model trained by the student's function: its curve and its layers before and after.

    ``initial`` holds, for each layer of ``final``, its weights before training
    (None for a layer the function created); ``stage`` says where ``error``
    happened ("model": building it, "train": the training call).
    """

    model: str  # the grader's text of the model, from the settings
    grader_built: bool
    error: str | None
    stage: str
    returned_type: str
    losses: Array | None
    losses_length: int | None
    convert_error: str | None
    initial: list[LayerWeights | None]
    final: list[LayerWeights]
    steps: int | None  # calls of the grader's optimizer's step() (None: no optimizer passed); a claim
    zero_grads: int | None  # calls of its zero_grad(); a claim


@dataclass(frozen=True)
class TrainingFacts:
    call: CallQuestion  # the function and its call, e.g. "train(model, X, y)"
    arguments: list[str]  # the positional arguments by name (model, inputs, targets, loader) or as literal text
    seed: int
    batches: int  # per epoch: the loader's length, 1 when the whole data set is passed
    truth: str  # the generator's function of x ("" for literal data): drawn beside the fit
    inputs: Array  # (N, features): the grader's data, echoed; the judge reads the reference's
    targets: Array
    runs: list[TrainingRun]


# --- settings -----------------------------------------------------------------------------

NUMBERS = {"type": "array", "minItems": 1, "items": {"type": "number"}}
DATA = {"type": "object", "additionalProperties": False, "required": ["inputs", "targets"],
        "properties": {"inputs": {"type": "array", "minItems": 1, "items": NUMBERS},
                       "targets": {"type": "array", "minItems": 1,
                                   "items": {"anyOf": [{"type": "number"}, NUMBERS]}}}}
CLASS_MODEL = {"type": "object", "additionalProperties": False, "required": ["class"],
               "properties": {"class": ref("name"), "args": ref("args"), "kwargs": ref("kwargs")}}
CHAIN_MODEL = {"type": "object", "additionalProperties": False, "required": ["chain", "sizes"],
               "properties": {"chain": ref("chain"),
                              "sizes": {"type": "array", "minItems": 2, "items": ref("count")}}}
MODEL = {"oneOf": [CLASS_MODEL, CHAIN_MODEL]}
LITERAL = {"type": "object", "additionalProperties": False, "required": ["value"],
           "properties": {"value": {"type": ["number", "string", "boolean"]}}}
ARGUMENT_LIST = {"type": "array", "minItems": 1, "uniqueItems": True,
                 "items": {"anyOf": [{"enum": list(ARGUMENTS)}, LITERAL]}, "contains": {"const": "model"}}
GENERATED = {"type": "object", "additionalProperties": False,
             "required": ["generator", "seed", "n", "uniform", "function", "noise"],
             "properties": {"generator": {"const": "noisy_function"}, "seed": ref("seed"), "n": ref("count"),
                            "uniform": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
                            "function": {"type": "string", "minLength": 1, "maxLength": 200},
                            "noise": ref("tolerance")}}
OPTIMIZER = {"type": "object", "additionalProperties": False, "required": ["name", "lr"],
             "properties": {"name": {"enum": list(OPTIMIZER_NAMES)}, "lr": ref("tolerance"),
                            "momentum": ref("tolerance")}}
LOADER = {"type": "object", "additionalProperties": False, "required": ["batch_size", "shuffle"],
          "properties": {"batch_size": ref("count"), "shuffle": {"type": "boolean"}}}
LOSS_NAMES = ("squared_error",)
REDUCTIONS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": lambda sq: float(np.mean(sq)),
    "sum": lambda sq: float(np.sum(sq)),
}
TRAINING_DEFS = {**DEFS, "arguments": ARGUMENT_LIST, "model": MODEL, "data": {"oneOf": [DATA, GENERATED]},
                 "reductions": {"type": "array", "minItems": 1, "uniqueItems": True,
                                "items": {"enum": sorted(REDUCTIONS)}}}
ADVICE = {"type": "object", "additionalProperties": False,
          "properties": {"too_little": {"type": "string", "minLength": 1},
                         "model": {"type": "string", "minLength": 1}}}
FINAL_WEIGHTS = {"type": "object", "additionalProperties": False, "required": ["rtol", "atol"],
                 "properties": {"rtol": ref("tolerance"), "atol": ref("tolerance")}}
TRAJECTORY = {"type": "object", "additionalProperties": False, "required": ["epochs", "rtol"],
              "properties": {"epochs": ref("count"), "rtol": ref("tolerance")}}


def with_defs(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "$defs": TRAINING_DEFS}


def argument_text(argument: Any) -> str:
    """An argument of the settings as the facts and the call's text name it: ``model``, ``100``."""
    return repr(argument["value"]) if isinstance(argument, dict) else str(argument)


OBSERVE = with_defs(settings({"function": ref("name"), "arguments": ref("arguments"), "kwargs": ref("kwargs"),
                              "data": ref("data"), "seed": ref("seed"), "loader": LOADER, "optimizer": OPTIMIZER,
                              "loss_function": {"enum": list(LOSS_FUNCTION_NAMES)},
                              "models": {"type": "array", "minItems": 1, "items": ref("model")}},
                             ["function", "arguments", "data", "seed", "models"]))
CHECK = with_defs(settings({"chain": ref("chain"), "loss": {"enum": list(LOSS_NAMES)},
                            "reductions": ref("reductions"), "max_ratio": ref("tolerance"),
                            "first_loss_rtol": ref("tolerance"), "last_loss_tol": ref("tolerance"),
                            "max_width": ref("count"), "mistakes": ref("mistakes"), "trajectory": TRAJECTORY,
                            "advice": ADVICE, "partial": {"type": "boolean"}, "max_fit_ratio": ref("tolerance"),
                            "epochs_as_reference": {"type": "boolean"},
                            "batch_losses": {"type": "array", "minItems": 1, "uniqueItems": True,
                                             "items": {"enum": list(BATCH_LOSSES)}},
                            "returns_losses": {"type": "boolean"}, "final_weights": FINAL_WEIGHTS},
                           ["chain", "loss", "reductions", "max_width"])
                | {"dependentRequired": {"partial": ["max_fit_ratio"]},
                   # a function that returns no curve is judged on its model: the curve's numbers are
                   # then not asked, the model's are; otherwise the curve's are required
                   "if": {"required": ["returns_losses"], "properties": {"returns_losses": {"const": False}}},
                   "then": {"required": ["max_fit_ratio"]},
                   "else": {"required": ["max_ratio", "first_loss_rtol", "last_loss_tol"]}})


# --- generated data -----------------------------------------------------------------------

FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "exp": np.exp, "tanh": np.tanh, "abs": np.abs, "sqrt": np.sqrt}
OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}


def function_of_x(text: str, x: np.ndarray) -> np.ndarray:
    """The YAML's ``function`` of ``x`` (numbers, x, + - * / **, sin cos exp tanh abs sqrt), in
    NumPy, in the order written: the sandbox and the judge get the same bits. Anything else in
    the text is the course's error (a ValueError), never evaluated."""
    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node.value
        if isinstance(node, ast.Name) and node.id == "x":
            return x
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                and len(node.args) == 1 and not node.keywords):
            return FUNCTIONS[node.func.id](value(node.args[0]))
        raise ValueError(f"the data's function {text!r} uses {ast.dump(node)[:60]}, which the grader does not "
                         "compute")

    with np.errstate(all="ignore"):
        return np.asarray(value(ast.parse(text, mode="eval").body), dtype=np.float64) * np.ones_like(x)


def training_data(settings: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The item's data as float64 arrays, inputs (N, features) and targets (N, outputs).

    Literal ``inputs``/``targets``, or ``noisy_function``: ``n`` points x drawn uniformly,
    then ``function(x)`` plus normal noise, from one ``default_rng(seed)`` stream in that order.
    """
    if "generator" not in settings:
        inputs = np.asarray(settings["inputs"], dtype=np.float64)
        return inputs, np.asarray(settings["targets"], dtype=np.float64).reshape(len(inputs), -1)
    rng = np.random.default_rng(int(settings["seed"]))
    low, high = settings["uniform"]
    n = int(settings["n"])
    x = rng.uniform(low, high, n)
    y = function_of_x(settings["function"], x) + rng.normal(0, settings["noise"], n)
    return x.reshape(-1, 1), y.reshape(-1, 1)


def model_text(spec: dict[str, Any]) -> str:
    """The grader's words for a model of the settings: ``Net()`` or ``Linear(2, 16)-Sigmoid-Linear(16, 1)``."""
    from autograder.kit import calls

    if "class" in spec:
        return calls.call_text(spec["class"], spec.get("args"), spec.get("kwargs"))
    sizes = list(zip(spec["sizes"], spec["sizes"][1:]))
    parts = []
    for step in spec["chain"]:
        if step == "linear":
            fan_in, fan_out = sizes.pop(0) if sizes else ("?", "?")
            parts.append(f"Linear({fan_in}, {fan_out})")
        else:
            parts.append(describe([step]))
    return "-".join(parts)


def call_text(function: str, arguments: Sequence[str], model: str = "model") -> str:
    """``train(Net(), X, y)``: the training call as the grader makes it."""
    shown = [model if a == "model" else SHOWN.get(a, a) for a in arguments]
    return f"{function}({', '.join(shown)})"


# --- losses of reported weights -----------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What judging a curve against a network needs: the grader's data and the item's numbers."""

    inputs: np.ndarray  # (N, features) float64
    targets: np.ndarray  # (N, outputs) float64
    reductions: tuple[str, ...]
    first_rtol: float
    last_of_first: float
    scales: tuple[int, ...] = (1,)  # an epoch's loss is this many times the data's loss (summed batches)


def problem_of(reference: TrainingFacts | Any, params: dict[str, Any]) -> Problem:
    """Without ``batch_losses`` an epoch's loss is one loss of the whole data (a full batch). The
    curve's tolerances are required by the schema whenever a curve is read (NaN: never compared)."""
    inputs = np.asarray(reference.inputs, dtype=np.float64)
    targets = np.asarray(reference.targets, dtype=np.float64).reshape(len(inputs), -1)
    batches = int(getattr(reference, "batches", 1))
    scales = tuple(dict.fromkeys(batches if way == "summed" else 1 for way in params.get("batch_losses", ["averaged"])))
    return Problem(inputs, targets, tuple(params["reductions"]), float(params.get("first_loss_rtol", np.nan)),
                   float(params.get("last_loss_tol", np.nan)), scales)


def network_loss(chain: Sequence[str], layers: list[Layer], p: Problem, reduction: str) -> float:
    """The squared-error loss of ``chain`` on the grader's data (inf when the output does not fit)."""
    out = run_chain(chain, layers, p.inputs)
    if out.shape != p.targets.shape:
        return float("inf")
    with np.errstate(over="ignore", invalid="ignore"):
        return REDUCTIONS[reduction]((out - p.targets) ** 2)


def curve_matches(losses: np.ndarray, before: list[Layer], after: list[Layer], chains: Sequence[Sequence[str]],
                  p: Problem) -> tuple[bool, float, float]:
    """Whether the curve's first loss is the loss of the weights before training and its last
    agrees with the weights after, for one of ``chains`` and one reduction; also the losses of
    the first chain (mean) to quote."""
    first, last = float(losses[0]), float(losses[-1])
    for chain in chains:
        for reduction in p.reductions:
            start, end = network_loss(chain, before, p, reduction), network_loss(chain, after, p, reduction)
            for k in p.scales:
                if (abs(first - k * start) <= p.first_rtol * abs(k * start)
                        and abs(last - k * end) <= p.last_of_first * abs(first)):
                    return True, k * start, k * end
    reduction, k = p.reductions[0], p.scales[0]
    return False, k * network_loss(chains[0], before, p, reduction), k * network_loss(chains[0], after, p, reduction)


def mismatch_message(function: str, first: float, last: float, start: float, end: float,
                     arguments: Sequence[str] = ()) -> str:
    head = (f"the losses {function} returned are not the losses of the model it trained: the first is "
            f"{fmt_num(first)} and the last {fmt_num(last)}, but the model's loss on the grader's data is "
            f"{fmt_num(start)} before training and {fmt_num(end)} after.")
    if "loader" in arguments:
        return head + (" Add up loss.item() of the loss you call backward() on, for every batch of the "
                       f"`{SHOWN['loader']}` argument, once per epoch, and train the model passed in.")
    return head + (" Append loss.item() of the loss you call backward() on, once per epoch, and train the "
                   "model passed in.")


def curve_of(run: TrainingRun) -> np.ndarray | None:
    """The reported curve as a 1-D float64 array, size-checked against its stated length."""
    if run.losses is None:
        return None
    losses = run.losses
    if not (isinstance(losses, np.ndarray) and losses.ndim == 1 and losses.dtype.kind in "biuf"
            and losses.size == run.losses_length and losses.size <= MAX_LOSSES):
        raise Malformed("the returned losses are not a list of numbers")
    return losses.astype(np.float64)


def trained_layers(reported: list[LayerWeights | None], max_width: int) -> list[Layer] | str:
    """Reported layers as arrays, or why they are not usable: a layer created during training,
    or one wider than ``max_width`` (refused by its shape, before any value is read, so the
    grader's work stays that of a model of the size asked whatever the record holds)."""
    if any(layer is None for layer in reported):
        return "a layer was created during training, so the model's starting weights are unknown"
    for k, layer in enumerate(reported, start=1):
        weight = layer.weight if layer is not None else None
        if isinstance(weight, np.ndarray) and weight.ndim == 2 and max(weight.shape) > max_width:
            return (f"its nn.Linear layer {k} has a weight of shape {tuple(weight.shape)}, wider than the "
                    f"{max_width} units the grader computes with")
    return layers_of([layer for layer in reported if layer is not None])


def same_weights(a: list[Layer], b: list[Layer]) -> bool:
    return len(a) == len(b) and all(
        x.weight.shape == y.weight.shape and np.array_equal(x.weight, y.weight) and np.array_equal(x.bias, y.bias)
        for x, y in zip(a, b, strict=True))


# --- judging one run ----------------------------------------------------------------------


@dataclass(frozen=True)
class Judging:
    """Everything a run's verdict needs, from the reference's facts and the check settings."""

    function: str
    arguments: tuple[str, ...]
    problem: Problem
    chain: tuple[str, ...]
    look_alikes: tuple[tuple[str, ...], ...]  # the chain first, then its variants
    max_ratio: float
    max_width: int
    advice: dict[str, str]
    trajectory: dict[str, Any] | None
    partial: bool = False  # a share per part, not all or nothing
    epochs_as_reference: bool = False  # as many losses as the reference's run
    max_fit_ratio: float | None = None  # the recomputed loss after over before, when asked
    batches: int = 1  # per epoch, from the reference's facts
    returns_losses: bool = True  # False: the function returns nothing; its model is judged
    final_weights: dict[str, Any] | None = None  # {rtol, atol}: a grader-built run ends at the reference's weights


def judging_of(reference: TrainingFacts, params: dict[str, Any]) -> Judging:
    chain = tuple(params["chain"])
    alikes = (chain, *(v.chain for v in variants(chain, params.get("mistakes", ()))))
    fit = params.get("max_fit_ratio")
    return Judging(reference.call.name, tuple(reference.arguments), problem_of(reference, params), chain, alikes,
                   float(params.get("max_ratio", np.nan)),  # required by the schema whenever a curve is read
                   int(params["max_width"]), dict(params.get("advice", {})),
                   params.get("trajectory"), bool(params.get("partial", False)),
                   bool(params.get("epochs_as_reference", False)), None if fit is None else float(fit),
                   int(reference.batches), bool(params.get("returns_losses", True)), params.get("final_weights"))


def usable_curve(run: TrainingRun, j: Judging, reference: TrainingRun | None = None
                 ) -> tuple[str | None, np.ndarray | None]:
    """The returned curve if it is a list of finite losses, one per epoch; else (why not, None).

    With ``epochs_as_reference`` the run must return as many losses as the reference's run
    (same call, same literal epoch count); otherwise at least two.
    """
    losses = curve_of(run)
    if losses is None:
        returned = short(run.returned_type, 80).rsplit(".", 1)[-1]
        if run.losses_length is not None:
            return (f"{j.function} returned {run.losses_length} losses, more than the grader reads "
                    f"({MAX_LOSSES}); return one loss per epoch."), None
        if returned == "NoneType":
            return (f"{j.function} returned None: append loss.item() to a list every epoch and "
                    "return the list."), None
        why = f" ({short(run.convert_error)})" if run.convert_error else ""
        return f"{j.function} returned a {returned}{why}, expected a list of per-epoch losses (floats).", None
    asked = curve_of(reference) if reference is not None and j.epochs_as_reference else None
    if asked is not None and len(losses) != len(asked):
        return (f"{j.function} returned {len(losses)} losses, expected one per epoch asked: {len(asked)}."), None
    if len(losses) < 2:
        return f"{j.function} returned {len(losses)} loss value(s); it should return one per epoch.", None
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        lr = "learning rate" if j.partial else "default learning rate"
        return (f"the loss became {losses[bad[0]]} at epoch {bad[0] + 1} of {len(losses)}: the {lr} is probably "
                "too large."), None
    return None, losses


def fall_problem(losses: np.ndarray, j: Judging) -> str | None:
    """Why the curve does not fall below ``max_ratio`` of its first loss; None when it does."""
    first, last = float(losses[0]), float(losses[-1])
    curve = f"the loss went from {fmt_num(first)} to {fmt_num(last)} over {len(losses)} epochs"
    if first <= 0.0:
        return (f"{curve}: it was already 0 at the first epoch, so there was nothing to learn. "
                "Does the model's output depend on its weights?")
    if last > j.max_ratio * first:
        return f"{curve}; expected the last loss below {j.max_ratio:.0%} of the first. {slow_hint(first, last, j)}"
    return None


def curve_verdict(run: TrainingRun, j: Judging) -> tuple[Outcome | None, np.ndarray | None]:
    """Judge the returned curve alone; (failure, None) or (None, the curve)."""
    why, losses = usable_curve(run, j)
    if why is not None or losses is None:
        return Outcome.failed(why or f"{j.function} returned no losses."), None
    falls = fall_problem(losses, j)
    return (Outcome.failed(falls), None) if falls is not None else (None, losses)


def slow_hint(first: float, last: float, j: Judging) -> str:
    if last >= first:
        return ("It did not fall at all: is the learning rate too large, or are the gradients never reset "
                "(optimizer.zero_grad() every epoch)?")
    return "It fell too little: " + j.advice.get("too_little", "raise the default learning rate or train for "
                                                               "more epochs.")


def layers_verdict(run: TrainingRun, reference: TrainingRun, j: Judging
                   ) -> tuple[str | None, list[Layer], list[Layer]]:
    """The run's layers before and after, usable for recomputing its losses; else why not.

    A grader-built model must report the very starting weights of the reference's run.
    """
    before, after = trained_layers(run.initial, j.max_width), trained_layers(run.final, j.max_width)
    why = after if isinstance(after, str) else before if isinstance(before, str) else (
        chain_problem(j.chain, after, j.problem.inputs.shape[1]) or
        (None if [x.shape for x in before] == [x.shape for x in after] else "its layers changed size"))
    if why is not None:
        return (f"the model trained by {j.function} is not {describe(j.chain)} ({why}), so its losses cannot be "
                "recomputed from its weights."), [], []
    assert not isinstance(before, str) and not isinstance(after, str)
    if reference.grader_built:
        start = trained_layers(reference.initial, j.max_width)
        if isinstance(start, str):
            raise ReferenceProblem(f"the reference's grader-built {reference.model}: {start}")
        if not same_weights(before, start):
            return ("the weights reported before training are not those of the network the grader built, so the "
                    "losses cannot be checked against them."), [], []
    return None, before, after


def fit_problem(before: list[Layer], after: list[Layer], j: Judging) -> str | None:
    """Whether the model itself learned: its weights moved and, when ``max_fit_ratio`` is asked,
    its loss on the grader's data (recomputed from them, first reduction) fell below that share."""
    if same_weights(before, after):
        return (f"the model passed to {j.function} did not change: train the `model` argument (an optimizer over "
                "model.parameters(), loss.backward() and optimizer.step() for every batch), not a new one.")
    if j.max_fit_ratio is None:
        return None
    reduction = j.problem.reductions[0]
    start = network_loss(j.chain, before, j.problem, reduction)
    end = network_loss(j.chain, after, j.problem, reduction)
    if np.isfinite(end) and end < j.max_fit_ratio * start:
        return None
    return (f"after {j.function} the model's loss on the grader's data, recomputed from its weights, is "
            f"{fmt_num(end)} (before: {fmt_num(start)}); expected below {j.max_fit_ratio:.0%} of the start. "
            "Train on every batch of the data for every epoch.")


def run_verdict(run: TrainingRun, reference: TrainingRun, j: Judging) -> Outcome:
    """Judge one run that did not raise: a falling curve of a model that changed, whose ends are
    the losses of its reported weights (and, for a grader-built model, from the grader's start)."""
    if j.partial or not j.returns_losses:
        verdict = partial_verdict(run, reference, j)
        return verdict if j.partial or verdict.status == "passed" else Outcome.failed(verdict.feedback)
    failure, losses = curve_verdict(run, j)
    if failure is not None or losses is None:
        return failure or Outcome.failed(f"{j.function} returned no losses.")
    chains = (j.chain,) if reference.grader_built else j.look_alikes
    why, before, after = layers_verdict(run, reference, j)
    if why is not None:
        return Outcome.failed(why)
    first, last = float(losses[0]), float(losses[-1])
    curve = f"the loss went from {fmt_num(first)} to {fmt_num(last)} over {len(losses)} epochs"
    if same_weights(before, after):
        return Outcome.failed(f"{curve}, but the model passed to {j.function} did not change: train the `model` "
                              "argument (an optimizer over model.parameters(), optimizer.step() every epoch), not "
                              "a new one.")
    ok, start_loss, end_loss = curve_matches(losses, before, after, chains, j.problem)
    if not ok:
        return Outcome.failed(mismatch_message(j.function, first, last, start_loss, end_loss, j.arguments))
    off_course = trajectory_problem(losses, reference, j) or fit_problem(before, after, j)
    if off_course is not None:
        return Outcome.failed(off_course)
    return Outcome.passed(f"{curve} (below {j.max_ratio:.0%} of the first).")


def partial_verdict(run: TrainingRun, reference: TrainingRun, j: Judging) -> Outcome:
    """A share per part: the curve is usable and the model's; it falls; the model's own loss
    falls (recomputed); its first epochs follow the reference's (when ``trajectory`` is asked).

    A curve that is unusable or not the model's is one failed part beside the model's own
    fit: the fall and the trajectory of a curve that is not the model's mean nothing.
    """
    why, before, after = layers_verdict(run, reference, j)
    if why is not None:
        return Outcome.failed(why)
    learned = fit_problem(before, after, j)
    fit_part = (learned is None, sentence(learned or "", j.function))
    if not j.returns_losses:
        return model_verdict(run, reference, j, before, after, fit_part)
    unusable, losses = usable_curve(run, j, reference)
    outcome = partial_outcome(run, reference, j, before, after, fit_part, unusable, losses)
    reduction = j.problem.reductions[0]
    head = [] if losses is None else [float(v) for v in losses[:5]]
    want = [] if reference.losses is None else [float(v) for v in np.asarray(reference.losses)[:5]]
    return Outcome(outcome.fraction, outcome.feedback, outcome.errored,
                   f"losses head {head}, reference head {want}; {reduction} loss "
                   f"{fmt_num(network_loss(j.chain, before, j.problem, reduction))} -> "
                   f"{fmt_num(network_loss(j.chain, after, j.problem, reduction))} (recomputed from the weights)")


def partial_outcome(run: TrainingRun, reference: TrainingRun, j: Judging, before: list[Layer], after: list[Layer],
                    fit_part: tuple[bool, str], unusable: str | None, losses: np.ndarray | None) -> Outcome:
    """The parts of :func:`partial_verdict`, once the layers are known to be usable."""
    if unusable is not None or losses is None:
        return Outcome.from_checks([(False, sentence(unusable or "", j.function)), fit_part], "")
    chains = (j.chain,) if reference.grader_built else j.look_alikes
    first, last = float(losses[0]), float(losses[-1])
    ok, start_loss, end_loss = curve_matches(losses, before, after, chains, j.problem)
    if not ok:
        return Outcome.from_checks(
            [(False, sentence(mismatch_message(j.function, first, last, start_loss, end_loss, j.arguments))),
             fit_part], "")
    falls = fall_problem(losses, j)
    parts = [(True, ""), (falls is None, sentence(falls or "", j.function)), fit_part]
    if j.trajectory is not None and reference.grader_built:
        off_course = trajectory_problem(losses, reference, j)
        parts.append((off_course is None, sentence(off_course or "", j.function)))
    return Outcome.from_checks(parts, f"the loss went from {fmt_num(first)} to {fmt_num(last)} over {len(losses)} "
                                      f"epochs (below {j.max_ratio:.0%} of the first), and the model's own loss, "
                                      "recomputed from its weights, fell as much.")


def model_verdict(run: TrainingRun, reference: TrainingRun, j: Judging, before: list[Layer], after: list[Layer],
                  fit_part: tuple[bool, str]) -> Outcome:
    """A function that returns nothing: its model's own loss falls (recomputed from the weights)
    and, with ``final_weights``, a grader-built run ends at the reference run's weights (same start,
    same batches, same optimiser), with as many optimiser steps."""
    reduction = j.problem.reductions[0]
    start, end = (network_loss(j.chain, layers, j.problem, reduction) for layers in (before, after))
    parts = [fit_part]
    if j.final_weights is not None and reference.grader_built:
        parts.append(final_weights_part(run, reference, j, before, after))
    outcome = Outcome.from_checks(parts, "the model's loss on the grader's data, "
                                         f"recomputed from its weights, fell from {fmt_num(start)} to "
                                         f"{fmt_num(end)}" + (", exactly as the reference's training from the same "
                                                              "start" if len(parts) > 1 else "") + ".")
    return Outcome(outcome.fraction, outcome.feedback, outcome.errored,
                   f"{reduction} loss {fmt_num(start)} -> {fmt_num(end)} (recomputed from the weights); "
                   f"optimizer steps {run.steps}, zero_grad calls {run.zero_grads}")


def final_weights_part(run: TrainingRun, reference: TrainingRun, j: Judging, before: list[Layer],
                       after: list[Layer]) -> tuple[bool, str]:
    """The run ends at the reference's final weights within ``final_weights``' tolerances, with as
    many optimiser steps; otherwise what the counts say went wrong (they are claims, so they only
    choose the words: the weights decide)."""
    assert j.final_weights is not None
    want = trained_layers(reference.final, j.max_width)
    if isinstance(want, str):
        raise ReferenceProblem(f"the reference's grader-built {reference.model}: {want}")
    rtol, atol = float(j.final_weights["rtol"]), float(j.final_weights["atol"])
    close = [x.shape for x in after] == [x.shape for x in want] and all(
        np.allclose(x.weight, y.weight, rtol=rtol, atol=atol) and np.allclose(x.bias, y.bias, rtol=rtol, atol=atol)
        for x, y in zip(after, want, strict=True))
    if close and run.steps == reference.steps:
        return True, ""
    if run.steps != reference.steps:
        count = "an unknown number of" if run.steps is None else str(run.steps)
        return False, (f"During {j.function}, optimizer.step() was called {count} times, expected "
                       f"{reference.steps} (once per batch, for every epoch): loop over the epochs and over the "
                       f"batches of the `{SHOWN['loader']}` argument.")
    if same_weights(before, after):
        return False, (f"After {j.function}, the model passed in was unchanged: train the `model` with the optimizer, "
                       "loss function and data loader given as arguments, not global ones.")
    if run.zero_grads == 0:
        return False, (f"During {j.function}, optimizer.zero_grad() was never called, so gradients build up across "
                       "batches: call it for every batch.")
    diff = max(max(float(np.max(np.abs(x.weight - y.weight))), float(np.max(np.abs(x.bias - y.bias))))
               for x, y in zip(after, want, strict=True))
    return False, (f"After {j.function}, the weights differ from the reference's training on the same batches by up "
                   f"to {fmt_num(diff)}: for each batch compute the loss of model(inputs), then loss.backward(), "
                   "optimizer.step(), optimizer.zero_grad().")


def sentence(text: str, function: str = "") -> str:
    """A part's message as a sentence of its own (parts are joined with spaces); a sentence that
    starts with the function's name keeps it as the code spells it."""
    if not text or (function and text.startswith(function)):
        return text
    return text[:1].upper() + text[1:]


def trajectory_problem(losses: np.ndarray, reference: TrainingRun, j: Judging) -> str | None:
    """For a grader-built model (same start as the reference's run): its first epochs follow the
    reference's curve within the YAML's ``trajectory.rtol``; None when they do or nothing is asked.

    Two departures are recognised by their shape: a first loss off by the number of batches
    (batch losses averaged where the reference sums them, or the reverse), and a first epoch
    that matches followed by a drift (gradients that accumulate, an optimiser built anew).
    """
    if j.trajectory is None or not reference.grader_built or reference.losses is None:
        return None
    want = np.asarray(reference.losses, dtype=np.float64)[:int(j.trajectory["epochs"])]
    got = losses[:len(want)]
    rtol = float(j.trajectory["rtol"])
    if got.size < want.size:
        return (f"{j.function} returned {got.size} losses from the grader's starting weights, where the "
                f"reference's training (same data, same start) is compared over its first {want.size} epochs.")
    off = np.flatnonzero(~np.isclose(got, want, rtol=rtol, atol=0.0))
    if not off.size:
        return None
    i = int(off[0])
    head = (f"from the grader's starting weights the loss at epoch {i + 1} was {fmt_num(got[i])}, where the "
            f"reference's training (same data, same start) gives {fmt_num(want[i])}: ")
    ratio = got[0] / want[0] if want[0] else float("nan")
    n = j.batches
    if n > 1 and np.isclose(ratio, 1 / n, rtol=rtol, atol=0.0):
        return head + (f"the first epoch's loss is 1/{n} of the reference's, the sum over the {n} batches: add up "
                       "the batch losses (loss.item()) instead of averaging them.")
    if n > 1 and np.isclose(ratio, n, rtol=rtol, atol=0.0):
        return head + (f"the first epoch's loss is {n} times the reference's, the mean over the {n} batches: "
                       "average the batch losses instead of adding them up.")
    if i > 0:
        return head + ("the first epoch matches but later ones drift: call optimizer.zero_grad() for every batch "
                       "(gradients otherwise accumulate), and create the optimizer once, before the epoch loop.")
    return head + "check the loss function, the optimiser and the learning rate the exercise asks for."


# --- the judge ----------------------------------------------------------------------------


@kind("training_reduces_loss", observe=OBSERVE, check=CHECK)
@judged
def judge_training_reduces_loss(observed: dict[str, Any], expected: dict[str, Any],
                                params: dict[str, Any]) -> Outcome:
    """The first run that passes earns the item; feedback says which model was the trouble.

    The runs are the reference's (same models, same order): the student's model
    first, then the grader-built ones, so a correct training function is
    recognised even when the student's model is what fails.
    """
    got, reference = both(TrainingFacts, observed, expected)
    asked = reference.runs
    runs = answers(got.runs, len(asked), "training runs")
    for run, want in zip(runs, asked, strict=True):
        if run.model != want.model or run.grader_built != want.grader_built:
            raise Malformed("the runs do not answer the models asked, in order")
        if want.error is not None:
            raise ReferenceProblem(f"the reference's run on {want.model}: {want.error}")
    j = judging_of(reference, params)
    arguments = j.arguments
    verdicts = [None if run.error is not None else run_verdict(run, want, j)
                for run, want in zip(runs, asked, strict=True)]
    first, first_verdict = runs[0], verdicts[0]
    first_call = (f"{call_text(j.function, arguments)} on {named(first)}" if first.grader_built
                  else call_text(j.function, arguments, first.model))
    if first_verdict is not None and first_verdict.status == "passed":
        return Outcome.passed(f"{first_call}: {first_verdict.feedback}")
    for run, verdict in zip(runs[1:], verdicts[1:], strict=True):
        if run.error is not None:
            return raised(run.error, call_text(j.function, arguments))
        assert verdict is not None
        if verdict.status == "passed":
            fix = j.advice.get("model", f"check its layers and its forward pass ({describe(j.chain)}).")
            return Outcome.passed(
                f"{j.function} works: on {named(run)}, {verdict.feedback} On your {first.model} it did "
                f"not ({run_summary(first, first_verdict, j)}), so the model is what needs fixing: {fix}",
                diagnostics=f"own-model verdict: {first_verdict.feedback if first_verdict else short(first.error)}")
    if len(runs) > 1 and first_verdict is None:
        run, verdict = runs[1], verdicts[1]
        assert verdict is not None
        return prefixed(verdict, f"{j.function} on {named(run)} ({run_summary(first, None, j)}): ")
    if first_verdict is None:
        return raised(first.error or "", first_call)
    return prefixed(first_verdict, f"{first_call}: ")


def named(run: TrainingRun) -> str:
    """A run's model as feedback names it: ``Net()``, or ``a grader-built Linear(2, 16)-... network``."""
    return f"a grader-built {run.model} network" if run.grader_built else run.model


def run_summary(run: TrainingRun, verdict: Outcome | None, j: Judging) -> str:
    """The facts of the run on the student's model, without advice meant for the training function."""
    if verdict is None:
        where = run.model if run.stage == "model" else call_text(j.function, j.arguments, run.model)
        return f"{where} raised {short(run.error)}"
    losses = curve_of(run)
    if losses is None or len(losses) < 2 or not np.all(np.isfinite(losses)) or curve_verdict(run, j)[0] is None:
        return verdict.feedback.rstrip(".")
    return f"the loss went from {fmt_num(losses[0])} to {fmt_num(losses[-1])} over {len(losses)} epochs"


def prefixed(outcome: Outcome, prefix: str) -> Outcome:
    return Outcome(outcome.fraction, prefix + outcome.feedback, outcome.errored, outcome.diagnostics)


# --- pictures -----------------------------------------------------------------------------


@kind_plot("training_reduces_loss")
def plot_training(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Any:
    """Each run's loss per epoch, yours against the reference's on the same model and seed."""
    from autograder.report.plots import Panel, Section, curve_panel

    try:
        got, reference = both(TrainingFacts, facts, expected)
    except (Malformed, ReferenceProblem) as problem:
        return Section("", "Loss per epoch", notes=[f"No curve drawn: the record is not usable ({problem})."])
    function = reference.call.name
    section = Section("", f"Loss per epoch of {function}, yours against the reference's")
    if len(got.runs) != len(reference.runs):
        section.notes.append("No curve drawn: your record does not hold one run for each model asked.")
        return section
    for mine, want in zip(got.runs, reference.runs, strict=True):
        where = f"the grader's {want.model}" if want.grader_built else want.model
        title = f"Your {function} on {where}, seed {reference.seed}"
        if mine.model != want.model or mine.error is not None:
            section.notes.append(f"{title}: no curve, the run raised an error")
            continue
        fitted = fit_panel(mine, want, reference, params) if want.grader_built else None
        for drawn in (fitted, curve_panel(title, mine.losses, want.losses)):
            if drawn is not None:
                (section.panels.append(drawn) if isinstance(drawn, Panel) else section.notes.append(drawn))
    return section


def fit_panel(mine: TrainingRun, want: TrainingRun, reference: TrainingFacts, params: dict[str, Any]) -> Any:
    """For data of one input and one output: the grader-built network after training, recomputed
    from its reported weights over the data's range, beside the data and the generator's function.
    None for other data; a sentence when the weights are not those of the network asked."""
    from autograder.report.plots import Panel

    x = np.asarray(reference.inputs, dtype=np.float64)
    y = np.asarray(reference.targets, dtype=np.float64).reshape(len(x), -1)
    if x.ndim != 2 or x.shape[1] != 1 or y.shape[1] != 1:
        return None
    chain, width = tuple(params["chain"]), int(params["max_width"])
    final, start = trained_layers(mine.final, width), trained_layers(want.final, width)
    if isinstance(final, str) or isinstance(start, str) or [a.weight.shape for a in final] != [
            b.weight.shape for b in start]:
        return f"No fitted curve: the weights after training are not those of the grader's {want.model}"
    xs = np.linspace(float(x.min()), float(x.max()), 400)
    with np.errstate(all="ignore"):
        fitted = run_chain(chain, final, xs.reshape(-1, 1))
    if fitted.shape != (xs.size, 1) or not np.all(np.isfinite(fitted)):
        return "No fitted curve: the trained weights give values that are not finite numbers"
    goal = function_of_x(reference.truth, xs) if reference.truth else np.full_like(xs, np.nan)
    return Panel("fit", f"The grader's {want.model} after your {reference.call.name}", {
        "x": x[:, 0], "y": y[:, 0], "xs": xs, "goal": goal, "goal_label": reference.truth or "no function given",
        "fitted": fitted[:, 0]})
