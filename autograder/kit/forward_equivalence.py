"""Kind ``forward_equivalence``: a model's output is the asked network of its own weights.

Settings::

    observe: {class: Classifier, args: [...], batch: [N, in_size], seed: 0}
    check: {chain: [linear, relu, linear], rtol: 1.0e-4, atol: 1.0e-5,
            mistakes: [{chain: [linear, linear], says: "..."}]}   # mistakes: optional

The observer runs a fresh model on N standard-normal points made from the seed
(``autograder.kit.data.standard_batch``) and reports its output and its
nn.Linear layers in the order forward calls them. The judge regenerates the
same points and computes ``chain`` from the reported weights in float64:
the output must have the reference's shape and equal it within ``rtol``/``atol``
(``numpy.allclose``). When it does not, the spec's ``mistakes`` and then the
built-in look-alikes (``autograder.kit.numeric.variants``) are tried, and the
feedback names the one the outputs match. Right values in a wrong shape earn
half the points.

Several models in one item, a chain that follows each model's depth, and an
output activation that cannot hide::

    observe: {builds: [{class: Net, args: [1, 10, 1], features: 1}, {class: Deep, args: [[3, 7, 5, 2]],
              features: 3}], rows: 16, seed: 0, negate_output: true}
    check: {chain: {hidden: relu}, rtol: 1.0e-4, atol: 1.0e-5}

``chain: {hidden: relu}`` asks for the model's Linear layers, as many as it
has (their number is a shapes item's question), with a ReLU after each but the
last; the output must then have the reference's width to earn anything (right
values in a squeezed shape of as many values still earn half). With
``negate_output`` the observer runs each model a second time after making its
last layer's weight -|W| and bias -|b| - 1; the judge derives those weights
from the first pass's and recomputes, so a ReLU after the output layer, which
positive outputs would hide, turns every output to 0 and shows. Each build
earns an equal share of the points; one that raised earns none of its share
(the item is an error only when every build raised).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, answers, short
from autograder.checks.common import fmt_num, max_abs_diff
from autograder.kit import data, kind
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.numeric import (
    ACTIVATIONS, NAMES, Layer, chain_problem, describe, layers_of, run_chain, variants,
)
from autograder.kit.records import CallQuestion, ForwardFacts, ForwardModels
from autograder.kit.settings import BUILD, ref, settings
from autograder.results import Outcome

BUILDS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "additionalProperties": False, "required": ["class", "features"],
    "properties": {**BUILD, "features": ref("count")}}}
OBSERVE = {**settings({**BUILD, "batch": {"type": "array", "prefixItems": [ref("count"), ref("count")],
                                          "minItems": 2, "maxItems": 2},
                       "seed": ref("seed"), "builds": BUILDS, "rows": ref("count"),
                       "negate_output": {"type": "boolean"}}, ["seed"]),
           "oneOf": [{"required": ["class", "batch"], "not": {"anyOf": [{"required": ["builds"]},
                                                                        {"required": ["rows"]}]}},
                     {"required": ["builds", "rows"], "not": {"anyOf": [{"required": ["class"]},
                                                                        {"required": ["batch"]}]}}]}
# ``chain`` is a list of steps, or ``{hidden: relu}``: Linear layers with that activation after
# each but the last, as many as the reference's model has (the depth follows each model's layout).
DEPTH_RULE = {"type": "object", "additionalProperties": False, "required": ["hidden"],
              "properties": {"hidden": {"enum": sorted(ACTIVATIONS)}}}
CHECK = settings({"chain": {"anyOf": [ref("chain"), DEPTH_RULE]}, "rtol": ref("tolerance"),
                  "atol": ref("tolerance"), "mistakes": ref("mistakes")}, ["chain", "rtol", "atol"])


@kind("forward_equivalence", observe=OBSERVE, check=CHECK)
@judged
def judge_forward_equivalence(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Output shape (N, out) and values equal to the asked chain computed from the model's own
    weights; with several builds, each build's share."""
    if isinstance(expected, dict) and "models" in expected:
        got_all, reference_all = both(ForwardModels, observed, expected)
        given = answers(got_all.models, len(reference_all.models), "answers for the models asked")
        outcomes = [one_model(g, r, params) for g, r in zip(given, reference_all.models, strict=True)]
        calls = ", ".join(r.call.text for r in reference_all.models)
        return combined(outcomes, f"{calls}: each forward returns the asked shape, with the values of "
                                  f"{network_words(params)}, recomputed from the reported weights (also with "
                                  "the last layer made negative)." if reference_all.models[0].negated_output
                                  is not None else f"{calls}: each forward returns the asked shape, with the "
                                  f"values of {network_words(params)}, recomputed from the reported weights.")
    got, reference = both(ForwardFacts, observed, expected)
    return one_model(got, reference, params)


def combined(outcomes: list[Outcome], ok_message: str) -> Outcome:
    """Several builds' outcomes as one: each earns an equal share; the feedback lists the ones
    that did not pass. An error only when every build raised (nothing else to judge)."""
    if all(o.status == "passed" for o in outcomes):
        return Outcome.passed(ok_message)
    feedback = " ".join(o.feedback for o in outcomes if o.status != "passed")
    if all(o.errored for o in outcomes):
        return Outcome.error(feedback)
    return Outcome.partial(sum(o.fraction for o in outcomes if not o.errored) / len(outcomes), feedback)


def not_defined(asked: CallQuestion, error: str) -> Outcome | None:
    """A failed build (not an error) when its class is not defined: one of several builds of
    an item whose other classes exist (see ``observe.each_build``); None for any other error."""
    if error != f"MissingName: {asked.name}":
        return None
    return Outcome.failed(f"{asked.text}: `{asked.name}` is not defined. Define it with exactly this name at the "
                          "top level of your file or notebook.")


def network_words(params: dict[str, Any]) -> str:
    """The network the settings ask for, in words (the chain, or the rule ``hidden`` states)."""
    if isinstance(params["chain"], list):
        return describe(params["chain"])
    return f"its own Linear layers with {NAMES[params['chain']['hidden']]} between them and nothing after the last"


def asked_chain(reference: ForwardFacts, layers: list[Layer] | str, params: dict[str, Any]) -> list[str]:
    """The YAML's chain, or its ``hidden`` rule applied to as many layers as the model has (how
    many it should have is a shapes item's question: one mistake costs one item)."""
    if isinstance(params["chain"], list):
        return list(params["chain"])
    if not reference.layers:
        raise ReferenceProblem(f"the reference's {reference.call.text} reported no nn.Linear layers")
    depth = len(layers) if not isinstance(layers, str) and layers else len(reference.layers)
    return ["linear"] + [params["chain"]["hidden"], "linear"] * (depth - 1)


def one_model(got: ForwardFacts, reference: ForwardFacts, params: dict[str, Any]) -> Outcome:
    """One model's output against the asked chain of its own weights (and, when asked, again
    with its output layer negated)."""
    rows, features = reference.batch
    model = reference.call.text
    call = f"{model} on a batch of shape ({rows}, {features})"
    if got.error is not None:
        return not_defined(reference.call, got.error) or raised(got.error, call)
    if not isinstance(reference.output, np.ndarray) or reference.output.ndim != 2:
        raise ReferenceProblem(f"the reference's output is {reference.output_type}, not an (N, out) tensor")
    want_shape = tuple(reference.output.shape)
    output = got.output
    if output is None:
        return Outcome.failed(f"{call} returned a {short(got.output_type, 80)}, expected a tensor of "
                              f"shape {want_shape}.")
    if not (isinstance(output, np.ndarray) and output.dtype.kind in "biuf"):
        raise Malformed("the output is not a numeric array")
    layers = layers_of(got.layers)
    if isinstance(params["chain"], dict) and not isinstance(layers, str) and got.layers_called \
            and got.registered > len(layers):
        return Outcome.failed(f"{call}: forward calls {len(layers)} of the model's {got.registered} nn.Linear "
                              "layers; use every layer once, in the order they were created.")
    chain = asked_chain(reference, layers, params)
    why = layers if isinstance(layers, str) else chain_problem(chain, layers, features)
    if why is not None:
        return Outcome.failed(f"{model}: {why}, so its forward pass cannot be checked against "
                              f"{describe(chain)} of its own weights.{not_called(got)}")
    assert not isinstance(layers, str)
    x = data.standard_batch(reference.seed, rows, features)
    computed = run_chain(chain, layers, x)
    shape_ok = tuple(output.shape) == want_shape
    shape_msg = "" if shape_ok else (f"{call} returned shape {tuple(output.shape)}, expected {want_shape}: "
                                     f"{shape_hint(output, want_shape)}")
    if same_values(output, computed, params):
        negated = negated_problem(got, reference, chain, layers, x, params)
        if negated is not None:
            return Outcome.failed(f"{call}: {negated}" + (f" Also, {shape_msg}" if shape_msg else ""))
        if shape_ok:
            return Outcome.passed(f"{call} returns shape {want_shape}, equal to {describe(chain)} computed "
                                  f"from its own weights (largest difference "
                                  f"{fmt_num(max_abs_diff(output.ravel(), computed.ravel()))}).")
        if isinstance(params["chain"], dict) and output.size != int(np.prod(want_shape)):
            # The depth follows the model's own layers, so the output width is all that ties it to
            # the network asked: another width is another network, not a reshaping slip.
            return Outcome.failed(shape_msg)
        return Outcome.partial(0.5, f"The values are right, but {shape_msg}")
    message = f"{call}: {wrong_values(output, computed, chain, layers, x, params)}"
    return Outcome.failed(message + (f" Also, {shape_msg}" if shape_msg else ""))


def same_values(output: np.ndarray, computed: np.ndarray, params: dict[str, Any]) -> bool:
    """Equal within the YAML's tolerances, compared value by value (the shape is judged apart)."""
    if output.size != computed.size:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(output.astype(np.float64).ravel(), computed.ravel(),
                                rtol=float(params["rtol"]), atol=float(params["atol"])))


def shape_hint(output: np.ndarray, want: tuple[int, ...]) -> str:
    if output.size == int(np.prod(want)):
        return "keep one row per input and one column per output (do not squeeze, flatten or transpose it)."
    return "the last layer's output size must be the number of outputs, applied to every row of the batch."


def wrong_values(output: np.ndarray, computed: np.ndarray, chain: list[str], layers: list[Layer],
                 x: np.ndarray, params: dict[str, Any]) -> str:
    """Name the look-alike network the outputs match, or show the worst value."""
    if output.size != computed.size:
        return (f"it returned {output.size} values where {describe(chain)} of its layers gives "
                f"{computed.size}; forward must compute it for every row of its input.")
    for variant in variants(chain, params.get("mistakes", ())):
        if computed.shape[1] == 1 and variant.chain[-1] in ("softmax", "log_softmax"):
            continue  # over one output these are constants (1, 0): they would explain any constant output
        if chain_problem(variant.chain, layers, x.shape[1]) is None and \
                same_values(output, run_chain(variant.chain, layers, x), params):
            return variant.says + ("" if variant.says.endswith(".") else ".")
    flat, want = output.astype(np.float64).ravel(), computed.ravel()
    with np.errstate(invalid="ignore"):
        diff = np.abs(flat - want)
    i = int(np.nanargmax(diff)) if not np.all(np.isnan(diff)) else 0
    row = i // max(1, computed.shape[1])
    return (f"the outputs are not {describe(chain)} computed from the model's own weights: in row {row} it "
            f"returned {shown(flat[i])}, but its layers give {fmt_num(want[i])}. forward must return the "
            f"layers' values ({describe(chain)}), not values computed another way.")


def shown(value: float) -> str:
    """A returned value: an exact 0 (a constant typed in) reads 0, anything else as ``fmt_num``."""
    return "0" if value == 0.0 else fmt_num(value)


def not_called(got: ForwardFacts) -> str:
    if got.layers_called or not got.layers:
        return ""
    return " (forward did not call any of its nn.Linear layers: call them in forward.)"


def negated_layers(got: ForwardFacts, layers: list[Layer]) -> list[Layer]:
    """The layers as the observer's second pass has them: the last one's weight -|W| and bias
    -|b| - 1 (a layer without bias keeps none). Derived from the first pass's weights, so the
    record's second-pass weights are never needed."""
    last = layers[-1]
    bias = np.zeros_like(last.bias) if got.layers[-1].bias is None else -np.abs(last.bias) - 1.0
    return [*layers[:-1], Layer(-np.abs(last.weight), bias)]


def negated_problem(got: ForwardFacts, reference: ForwardFacts, chain: list[str], layers: list[Layer],
                    x: np.ndarray, params: dict[str, Any]) -> str | None:
    """None when no second pass was asked or it equals the chain of the negated layers."""
    if reference.negated_output is None:
        return None
    where = "with its last Linear layer's weights made negative by the grader"
    if got.negated_error is not None:
        return f"{where}, it raised {short(got.negated_error)}."
    output = got.negated_output
    if output is None:
        return f"{where}, forward returned no tensor."
    if not (isinstance(output, np.ndarray) and output.dtype.kind in "biuf"):
        raise Malformed("the second pass's output is not a numeric array")
    changed = negated_layers(got, layers)
    computed = run_chain(chain, changed, x)
    if same_values(output, computed, params):
        return None
    first = got.output
    for variant in variants(chain, params.get("mistakes", ())):  # the look-alike both passes agree with
        if chain_problem(variant.chain, layers, x.shape[1]) is None and \
                same_values(output, run_chain(variant.chain, changed, x), params) and \
                same_values(first, run_chain(variant.chain, layers, x), params):
            return f"{where}: {variant.says}" + ("" if variant.says.endswith(".") else ".")
    return f"{where}: {wrong_values(output, computed, chain, changed, x, params)}"
