"""Kind ``gradient_step``: a model's training-step method takes one honest optimiser step.

Settings::

    observe: {class: Classifier, args: [...], method: step, batch: {size: 64, features: 2883, classes: 2},
              seed: 0, steps: 2}
    check: {chain: [linear, relu, linear], loss: cross_entropy, loss_rtol: 1.0e-4, loss_atol: 1.0e-6,
            reset_rtol: 1.0e-3, ratio_rtol: 0.1}     # ratio_rtol: null to accept any optimiser

The observer builds the model under the seed, then calls ``model.<method>(x, y)``
``steps`` times on one grader batch (``autograder.kit.data.classification_batch``),
reporting each return value and the nn.Linear weights before the first call and
after each one; then it repeats the calls on a second model built the same way,
zeroing every gradient itself between the calls (the control run). The judge
regenerates the batch and checks, from the reported weights only:

* each call returns a Python float equal to the ``loss`` of the batch at the
  weights *before* that call (``chain`` computed in float64; ``loss_rtol`` and
  ``loss_atol`` as in ``math.isclose``);
* the first call changes the parameters;
* gradients are reset between calls: the weights after the last call equal the
  control run's, within ``reset_rtol`` times the size of the last update (float
  noise is ~1e-6 of it; accumulated gradients differ by a whole update or so).
  This holds for any optimiser: the control changes nothing but the gradients;
* unless ``ratio_rtol`` is null, the step dynamics are the reference's: each
  later update's size relative to the first is within ``ratio_rtol`` (relative)
  of the reference's (about 1 for plain SGD, 1 + momentum for SGD with
  momentum, at small learning rates), so the optimiser must be the reference's
  kind. Not judged when the gradients are not reset, which already explains it.

Credit: an equal share for each of these.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, short
from autograder.checks.common import fmt_num
from autograder.kit import data, kind
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.numeric import LOSSES, Layer, chain_problem, describe, layers_of, run_chain, variants
from autograder.kit.records import GradientStepFacts, LayerWeights
from autograder.kit.settings import BUILD, ref, settings
from autograder.results import Outcome

OBSERVE = settings({
    **BUILD,
    "method": ref("name"),
    "batch": {"type": "object", "additionalProperties": False, "required": ["size", "features", "classes"],
              "properties": {"size": ref("count"), "features": ref("count"),
                             "classes": {"type": "integer", "minimum": 2}}},
    "seed": ref("seed"),
    "steps": {"type": "integer", "minimum": 2, "maximum": 10},
}, ["class", "method", "batch", "seed", "steps"])
CHECK = settings({"chain": ref("chain"), "loss": ref("loss"), "loss_rtol": ref("tolerance"),
                  "loss_atol": ref("tolerance"), "reset_rtol": ref("tolerance"),
                  "ratio_rtol": {"type": ["number", "null"], "minimum": 0}},
                 ["chain", "loss", "loss_rtol", "loss_atol", "reset_rtol", "ratio_rtol"])


@kind("gradient_step", observe=OBSERVE, check=CHECK)
@judged
def judge_gradient_step(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Returns the loss before each step as a float, moves the weights, and steps like the reference."""
    got, reference = both(GradientStepFacts, observed, expected)
    size, features, classes = reference.batch
    call = f"{reference.call.text}.{reference.method}(x, y) on a batch of {size}"
    if got.error is not None:
        return raised(got.error, f"building {reference.call.text} or finding its {reference.method} method")
    if len(got.records) > reference.steps:
        raise Malformed(f"{len(got.records)} calls reported where the grader made {reference.steps}")
    for k, record in enumerate(got.records, start=1):
        if record.error is not None:
            return raised(record.error, f"{call} (call {k})")
    if len(got.records) != reference.steps:
        raise Malformed(f"{len(got.records)} calls reported where the grader made {reference.steps}")
    x, y = data.classification_batch(reference.seed, size, features, classes)
    chain = list(params["chain"])
    weights = trajectory(got.initial, [r.after for r in got.records])
    why = weights if isinstance(weights, str) else chain_problem(chain, weights[0], features)
    if why is not None:
        return Outcome.failed(f"{reference.call.text}: {why}, so the grader cannot recompute its loss "
                              f"({describe(chain)}, then {params['loss']}).")
    assert not isinstance(weights, str)
    parts = [returns_part(got, weights, x, y, call, params), changed_part(weights, call),
             reset_part(got, weights, call, params)]
    if parts[-1][0] and params["ratio_rtol"] is not None:
        parts.append(dynamics_part(weights, reference_ratios(reference), call, params))
    return Outcome.from_checks(parts, f"{call}: each call returns the batch's {params['loss']} loss before its "
                                      "update as a float, the parameters change, and the gradients are reset "
                                      "between calls" + ("" if params["ratio_rtol"] is None else
                                                         ", the updates following the reference's step for step")
                                      + ".")


def trajectory(initial: list[LayerWeights], afters: list[list[LayerWeights]]) -> list[list[Layer]] | str:
    """The weights before the first call and after each call, all of one set of shapes."""
    found = [layers_of(initial)] + [layers_of(a) for a in afters]
    for layers in found:
        if isinstance(layers, str):
            return layers
    shapes = [[layer.shape for layer in layers] for layers in found]  # type: ignore[union-attr]
    if any(s != shapes[0] for s in shapes):
        return "its nn.Linear layers change shape between calls"
    return found  # type: ignore[return-value]


def loss_at(layers: list[Layer], chain: list[str], loss: str, x: np.ndarray, y: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return LOSSES[loss](run_chain(chain, layers, x), y)


def close(value: float, target: float, params: dict[str, Any]) -> bool:
    return math.isfinite(value) and math.isfinite(target) and math.isclose(
        value, target, rel_tol=float(params["loss_rtol"]), abs_tol=float(params["loss_atol"]))


def returns_part(got: GradientStepFacts, weights: list[list[Layer]], x: np.ndarray, y: np.ndarray, call: str,
                 params: dict[str, Any]) -> tuple[bool, str]:
    """Each return is a float equal to the loss at the weights before that call.

    The loss is that of the network the model computes: the chain asked for, or
    the look-alike whose loss the first return is (a forward with the wrong
    activation is the forward item's mistake; here the method must only return
    its own model's loss).
    """
    first = got.records[0].value if got.records else None
    arch = network_of(first, weights[0], x, y, params)
    loss = str(params["loss"])
    for k, record in enumerate(got.records):
        target = loss_at(weights[k], arch, loss, x, y)
        where = f"Call {k + 1} of {call}"
        if record.value is None:
            return False, (f"{where} returned a {short(record.returned_type, 80)}, expected the batch's loss "
                           "as a Python float (loss.item()).")
        if not close(record.value, target, params):
            return False, f"{where} returned {fmt_num(record.value)}: {loss_mistake(record.value, target, k, weights, arch, x, y, params)}"
        if not record.is_float:
            return False, (f"{where} returned the right loss as a {short(record.returned_type, 80)}, expected a "
                           "Python float: return loss.item().")
    return True, f"{call} returns the batch's loss before each update."


def network_of(value: float | None, layers: list[Layer], x: np.ndarray, y: np.ndarray,
               params: dict[str, Any]) -> list[str]:
    """The chain asked for, or the first look-alike whose loss ``value`` is; the chain when none is."""
    chain, loss = list(params["chain"]), str(params["loss"])
    if value is None:
        return chain
    for candidate in [tuple(chain), *(v.chain for v in variants(chain))]:
        if chain_problem(candidate, layers, x.shape[1]) is None and \
                close(value, loss_at(layers, list(candidate), loss, x, y), params):
            return list(candidate)
    return chain


def loss_mistake(value: float, target: float, k: int, weights: list[list[Layer]], arch: list[str], x: np.ndarray,
                 y: np.ndarray, params: dict[str, Any]) -> str:
    """What the returned value is instead of the loss before the update, when the grader can tell."""
    loss = str(params["loss"])
    if close(value, loss_at(weights[k + 1], arch, loss, x, y), params):
        return ("that is the loss after the update; return the loss computed before optimizer.step() "
                "(the one you called backward on).")
    if close(value, target * len(y), params):
        return f"that is the sum over the batch; return the mean {loss} loss (the loss function's default)."
    return (f"the {loss} loss of the batch at the model's weights before that call, computed by the grader "
            f"from those weights ({describe(arch)}), is {fmt_num(target)}: return the value of the loss you "
            "called backward on.")


def step_sizes(weights: list[list[Layer]]) -> list[float]:
    """The Euclidean size of each update, over all weights and biases."""
    return [math.sqrt(sum(float(np.sum((a.weight - b.weight) ** 2) + np.sum((a.bias - b.bias) ** 2))
                          for a, b in zip(after, before, strict=True)))
            for before, after in zip(weights, weights[1:])]


def changed_part(weights: list[list[Layer]], call: str) -> tuple[bool, str]:
    if step_sizes(weights[:2])[0] > 0.0:
        return True, "the parameters change."
    return False, (f"The parameters did not change after call 1 of {call}: compute the loss, call backward, "
                   "then optimizer.step(), with an optimiser built over self.parameters().")


def reference_ratios(reference: GradientStepFacts) -> list[float]:
    """The reference's later updates as multiples of its first: the dynamics to match."""
    found = trajectory(reference.initial, [r.after for r in reference.records])
    if isinstance(found, str):
        raise ReferenceProblem(f"the reference's weights: {found}")
    sizes = step_sizes(found)
    if not sizes or sizes[0] <= 0.0:
        raise ReferenceProblem("the reference's first step did not change its weights")
    return [s / sizes[0] for s in sizes[1:]]


def reset_part(got: GradientStepFacts, weights: list[list[Layer]], call: str,
               params: dict[str, Any]) -> tuple[bool, str]:
    """The weights after the last call equal the control run's (gradients zeroed by the grader)."""
    if got.control_error is not None:
        return False, (f"Repeating the calls of {call} on a fresh model built the same way raised "
                       f"{short(got.control_error)}, so the grader could not check that gradients are reset "
                       "between calls: the method must work when called again after the gradients were zeroed.")
    control = layers_of(got.control)
    if isinstance(control, str) or [c.shape for c in control] != [w.shape for w in weights[-1]]:
        raise Malformed("the control run's layers are not the model's")
    gap = math.sqrt(sum(float(np.sum((a.weight - b.weight) ** 2) + np.sum((a.bias - b.bias) ** 2))
                        for a, b in zip(weights[-1], control, strict=True)))
    last = step_sizes(weights)[-1]
    if gap <= float(params["reset_rtol"]) * last:
        return True, "gradients are reset between calls."
    share = "" if last == 0.0 else f" by {fmt_num(gap / last)} times the size of the last update"
    return False, (f"After {len(got.records)} calls of {call}, the weights differ from those the same calls give when "
                   f"the grader zeroes the gradients between them{share}: gradients accumulate between steps. Call "
                   "optimizer.zero_grad() before loss.backward() in every step.")


def dynamics_part(weights: list[list[Layer]], reference: list[float], call: str,
                  params: dict[str, Any]) -> tuple[bool, str]:
    """Each later update's size relative to the first, against the reference's."""
    sizes = step_sizes(weights)
    if sizes[0] <= 0.0:
        return False, "With no first update, the updates cannot be compared with the reference's."
    rtol = float(params["ratio_rtol"])
    for k, (size, want) in enumerate(zip(sizes[1:], reference, strict=True), start=2):
        ratio = size / sizes[0]
        if abs(ratio - want) <= rtol * want:
            continue
        return False, (f"In {call}, update {k} is {fmt_num(ratio)} times the size of update 1, where the "
                       f"reference's is {fmt_num(want)} times: each call should take one step of the optimiser "
                       "the exercise asks for (its kind and momentum), at the learning rate given to the constructor.")
    return True, "the updates follow the reference's dynamics."
