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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, short
from autograder.checks.common import fmt_num, max_abs_diff
from autograder.kit import data, kind
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.numeric import Layer, chain_problem, describe, layers_of, run_chain, variants
from autograder.kit.records import ForwardFacts
from autograder.kit.settings import BUILD, ref, settings
from autograder.results import Outcome

OBSERVE = settings({**BUILD, "batch": {"type": "array", "prefixItems": [ref("count"), ref("count")],
                                       "minItems": 2, "maxItems": 2},
                    "seed": ref("seed")}, ["class", "batch", "seed"])
CHECK = settings({"chain": ref("chain"), "rtol": ref("tolerance"), "atol": ref("tolerance"),
                  "mistakes": ref("mistakes")}, ["chain", "rtol", "atol"])


@kind("forward_equivalence", observe=OBSERVE, check=CHECK)
@judged
def judge_forward_equivalence(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Output shape (N, out) and values equal to ``chain`` computed from the model's own weights."""
    got, reference = both(ForwardFacts, observed, expected)
    rows, features = reference.batch
    model = reference.call.text
    call = f"{model} on a batch of shape ({rows}, {features})"
    if got.error is not None:
        return raised(got.error, call)
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
    chain = list(params["chain"])
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
        if shape_ok:
            return Outcome.passed(f"{call} returns shape {want_shape}, equal to {describe(chain)} computed "
                                  f"from its own weights (largest difference "
                                  f"{fmt_num(max_abs_diff(output.ravel(), computed.ravel()))}).")
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
