"""Kind ``init_distribution``: fresh models keep PyTorch's default nn.Linear initialisation.

Settings::

    observe: {class: Classifier, args: [...], seeds: [0, 1, 2]}
    check: {bound_rtol: 1.0e-6, max_outside: 0.0, min_spread: 0.8, max_mean: 0.2}

PyTorch draws each nn.Linear's weight and bias from U(-b, b), b = 1/sqrt(fan_in).
The judge recomputes everything from the reported values, pooled per layer
over the seeds (weight and bias together), with fan_in read from the weight's
own shape:

* ``max_outside``: the largest fraction of values allowed beyond ±b·(1 + ``bound_rtol``);
* ``min_spread``: the smallest standard deviation allowed, as a fraction of
  U(-b, b)'s (b/sqrt(3)): zeros, a constant or a squeezed init fall below it;
* ``max_mean``: the largest |mean| allowed, in the same unit: U(0, b) is caught here.

Credit is the share of layers that pass. With ``builds`` (a list of
``{class, args, kwargs}`` in place of ``class``/``args``), every listed
constructor call is observed under the same seeds and each earns an equal
share of the points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, answers, has_shape
from autograder.checks.common import fmt_num
from autograder.kit import kind, kind_plot
from autograder.kit.forward_equivalence import combined, not_defined
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.records import InitDistributionFacts, InitDistributionModels, InitLayer, InitSeed
from autograder.kit.settings import BUILD, ref, settings
from autograder.results import Outcome

BUILDS = {"type": "array", "minItems": 1, "items": {"type": "object", "additionalProperties": False,
                                                    "required": ["class"], "properties": BUILD}}
OBSERVE = {**settings({**BUILD, "seeds": {"type": "array", "minItems": 1, "items": ref("seed")},
                       "seed": ref("seed"), "builds": BUILDS}, ["seeds"]),
           "oneOf": [{"required": ["class"]}, {"required": ["builds"]}]}
CHECK = settings({"bound_rtol": ref("tolerance"), "max_outside": ref("fraction"),
                  "min_spread": ref("tolerance"), "max_mean": ref("tolerance")},
                 ["bound_rtol", "max_outside", "min_spread", "max_mean"])


@kind("init_distribution", observe=OBSERVE, check=CHECK)
@judged
def judge_init_distribution(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Every layer of every fresh model lies within ±1/sqrt(fan_in), spread and centred like U(-b, b)."""
    if isinstance(expected, dict) and "models" in expected:
        got_all, reference_all = both(InitDistributionModels, observed, expected)
        given = answers(got_all.models, len(reference_all.models), "answers for the models asked")
        outcomes = [named(one_model(g, r, params, brief=True), r.call.text)
                    for g, r in zip(given, reference_all.models, strict=True)]
        seeds = ", ".join(str(s.seed) for s in reference_all.models[0].seeds)
        calls = ", ".join(r.call.text for r in reference_all.models)
        return combined(outcomes, f"{calls}, seeds {seeds}: every weight and bias of their nn.Linear layers "
                                  "lies within ±1/sqrt(fan_in) and is spread like PyTorch's default "
                                  "initialisation.")
    got, reference = both(InitDistributionFacts, observed, expected)
    return one_model(got, reference, params)


def named(outcome: Outcome, call: str) -> Outcome:
    """An outcome whose feedback starts with the call it is about (several calls share an item)."""
    if outcome.status == "passed" or outcome.feedback.startswith(call):
        return outcome
    return Outcome(outcome.fraction, f"{call}: {outcome.feedback}", outcome.errored, outcome.diagnostics)


def one_model(got: InitDistributionFacts, reference: InitDistributionFacts, params: dict[str, Any],
              brief: bool = False) -> Outcome:
    """One constructor call's fresh models, seed by seed: the share of its layers that pass.

    ``brief``: the feedback names the first failing layer and counts the others (several
    calls share the item, and a custom initialisation usually fails every layer alike)."""
    call, seeds = reference.call.text, [s.seed for s in reference.seeds]
    runs = answers(got.seeds, len(seeds), "fresh models (one per seed)")
    if [r.seed for r in runs] != seeds:
        raise Malformed(f"the models do not answer the seeds {seeds}, in order")
    for run in runs:
        if run.error is not None:
            return not_defined(reference.call, run.error) or raised(run.error, f"{call} (seed {run.seed})")
        if not run.is_module:
            return Outcome.failed(f"{call} is not a torch.nn.Module: declare the class as a subclass of "
                                  "nn.Module and call super().__init__() first in __init__.")
    if any(not s.layers for s in reference.seeds):
        raise ReferenceProblem(f"the reference's {call} has no nn.Linear layers")
    layers = pooled(runs)
    if isinstance(layers, str):
        return Outcome.failed(f"{call}: {layers}")
    parts = [checked_layer(k, fan_in, values, run_biases(runs, k - 1), params)
             for k, (fan_in, values) in enumerate(layers, start=1)]
    failures = [message for ok, message in parts if not ok]
    if brief and len(failures) > 1:
        return Outcome.partial((len(parts) - len(failures)) / len(parts),
                               f"{failures[0]} {len(failures) - 1} more of its {len(parts)} layers fail too.")
    return Outcome.from_checks(parts, f"{call}, seeds {', '.join(map(str, seeds))}: every weight and bias "
                                      f"of its {len(layers)} nn.Linear layer(s) lies within ±1/sqrt(fan_in) "
                                      "and is spread like PyTorch's default initialisation.")


def pooled(runs: list[InitSeed]) -> list[tuple[int, np.ndarray]] | str:
    """Per layer position: fan_in (from the weight's shape) and every value over all seeds."""
    counts = {len(r.layers) for r in runs}
    if counts == {0}:
        return "it has no nn.Linear layers (the layers must be nn.Linear modules registered on the model)"
    if len(counts) != 1:
        return "different seeds built different numbers of nn.Linear layers; build the same layers every time"
    layers = []
    for k in range(counts.pop()):
        found = [_values(r.layers[k], k + 1) for r in runs]
        if len({fan_in for fan_in, _ in found}) != 1:
            return f"nn.Linear layer {k + 1} takes a different number of inputs from one seed to the next"
        layers.append((found[0][0], np.concatenate([v for _, v in found])))
    return layers


def _values(layer: InitLayer, k: int) -> tuple[int, np.ndarray]:
    weight = layer.weight
    if not (isinstance(weight, np.ndarray) and weight.ndim == 2 and weight.dtype.kind in "biuf"):
        raise Malformed(f"the weight of layer {k} is not a 2-D array")
    rows, fan_in = (int(n) for n in weight.shape)
    if layer.bias is not None and not has_shape(layer.bias, (rows,)):
        raise Malformed(f"the bias of layer {k} is not one value per output")
    bias = np.zeros(0) if layer.bias is None else np.asarray(layer.bias, dtype=np.float64)
    return fan_in, np.concatenate([weight.astype(np.float64).ravel(), bias])


def run_biases(runs: list[InitSeed], k: int) -> np.ndarray:
    """Layer ``k``'s biases over all seeds (their shapes were checked by :func:`pooled`)."""
    found = [np.asarray(r.layers[k].bias, dtype=np.float64) for r in runs if r.layers[k].bias is not None]
    return np.concatenate(found) if found else np.zeros(0)


def checked_layer(k: int, fan_in: int, values: np.ndarray, biases: np.ndarray,
                  params: dict[str, Any]) -> tuple[bool, str]:
    """The pooled values' verdict, then (when they pass) the biases' own."""
    verdict = layer_verdict(k, fan_in, values, params)
    return (bias_verdict(k, biases) or verdict) if verdict[0] else verdict


def bias_verdict(k: int, biases: np.ndarray) -> tuple[bool, str] | None:
    """A failing verdict when every bias of layer ``k`` holds the same value (a constant init that
    the pooled spread of weights and biases would hide); None otherwise. PyTorch never draws two
    equal biases in practice."""
    if biases.size < 2 or not np.all(np.isfinite(biases)) or np.ptp(biases) != 0:
        return None
    return False, (f"All {biases.size} biases of nn.Linear layer {k} equal {float(biases[0]):.4g}: PyTorch draws "
                   "the biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too. Keep nn.Linear's own "
                   "initialisation (no zeros_ or constant_ on the bias).")


def layer_verdict(k: int, fan_in: int, values: np.ndarray, params: dict[str, Any]) -> tuple[bool, str]:
    """Whether layer ``k``'s pooled values look like U(-b, b); the message says what they look like."""
    if fan_in < 1 or not values.size:
        return False, f"nn.Linear layer {k} has no inputs or no values."
    if not np.all(np.isfinite(values)):
        return False, f"nn.Linear layer {k} holds values that are not finite numbers at initialisation."
    bound = 1.0 / math.sqrt(fan_in)
    unit = bound / math.sqrt(3.0)  # the standard deviation of U(-b, b)
    where = f"nn.Linear layer {k} (fan_in {fan_in})"
    outside = float(np.mean(np.abs(values) > bound * (1.0 + float(params["bound_rtol"]))))
    if outside > float(params["max_outside"]):
        return False, (f"{fmt_num(100 * outside)}% of the values of {where} lie outside ±1/sqrt({fan_in}) = "
                       f"±{fmt_num(bound)} (largest magnitude {fmt_num(np.max(np.abs(values)))}). PyTorch's "
                       "default initialisation draws them from U(-1/sqrt(fan_in), 1/sqrt(fan_in)): remove the "
                       "custom initialisation (torch.nn.init.normal_, weights set from torch.randn, ...).")
    spread, centre = float(np.std(values)), float(np.mean(values))
    if spread == 0.0:
        return False, (f"All {values.size} values of {where} equal {float(values[0]):.4g}: a constant "
                       "initialisation makes every unit learn the same thing. Keep nn.Linear's own "
                       "initialisation (no zeros_, constant_ or fill_).")
    if abs(centre) > float(params["max_mean"]) * unit:
        return False, (f"The values of {where} are centred at {fmt_num(centre)}, not 0 (their standard "
                       f"deviation is {fmt_num(spread)}): PyTorch's default initialisation is symmetric "
                       "around 0. Keep nn.Linear's own initialisation.")
    if spread < float(params["min_spread"]) * unit:
        return False, (f"The values of {where} spread too little: standard deviation {fmt_num(spread)}, where "
                       f"U(-{fmt_num(bound)}, {fmt_num(bound)}) gives {fmt_num(unit)}. Keep nn.Linear's own "
                       "initialisation.")
    return True, ""


# --- the picture ------------------------------------------------------------------------------

MAX_DRAWN = 200_000  # values per histogram; a record holding more is described, not drawn


@kind_plot("init_distribution")
def plot_init(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Any:
    """One histogram per constructor call: every fresh weight times sqrt(fan_in), over the seeds,
    which PyTorch's default keeps in [-1, 1] (the band the picture shades)."""
    from autograder.report.plots import Panel, Section

    section = Section("", "Weights of freshly built models, scaled by sqrt(fan_in)")
    try:
        if isinstance(expected, dict) and "models" in expected:
            got_all, reference_all = both(InitDistributionModels, facts, expected)
            pairs = list(zip(answers(got_all.models, len(reference_all.models), "models"), reference_all.models))
        else:
            got, reference = both(InitDistributionFacts, facts, expected)
            pairs = [(got, reference)]
    except (Malformed, ReferenceProblem) as problem:
        section.notes.append(f"No histogram: the record is not usable ({problem}).")
        return section
    for got, reference in pairs:
        label = reference.call.text
        if len(got.seeds) != len(reference.seeds) or any(run.error is not None or not run.layers for run in got.seeds):
            section.notes.append(f"{label}: no histogram, the model could not be built or has no nn.Linear layers")
            continue
        try:
            weights = [_values(layer, k + 1) for run in got.seeds for k, layer in enumerate(run.layers)]
        except Malformed as problem:
            section.notes.append(f"{label}: no histogram, the record is not usable ({problem})")
            continue
        if sum(v.size for _, v in weights) > MAX_DRAWN:
            section.notes.append(f"{label}: no histogram, more than {MAX_DRAWN} values")
            continue
        scaled = np.concatenate([v * math.sqrt(fan_in) for fan_in, v in weights if fan_in > 0] or [np.zeros(0)])
        section.panels.append(Panel("histogram", label, {"values": scaled}))
    return section
