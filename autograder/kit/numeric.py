"""Networks, losses and input transforms computed by the grader in NumPy from reported weights.

A *chain* is a list of step names from the YAML, e.g. ``[linear, relu, linear]``:
each ``linear`` takes the next reported ``nn.Linear`` layer (in the order the
model's forward calls them); the other steps are activations. Judges recompute
outputs, losses and predictions with these, in float64, so a claimed output is
only ever compared with what the claimed weights give on the grader's inputs.

Common mistakes are data too: :func:`variants` derives, from the chain the
exercise asks for, the chains students often compute instead (no activation,
another activation, an activation after the output layer), each with the
sentence that names it; a spec may list its own before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from autograder.checks.claims import Malformed, has_shape
from autograder.checks.common import fmt_shapes
from autograder.kit.records import LayerWeights


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),  # torch's default slope
    "softmax": lambda z: np.exp(_log_softmax(z)),
    "log_softmax": _log_softmax,
}
STEPS = ("linear", *ACTIVATIONS)
NAMES = {"linear": "Linear", "relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh",
         "leaky_relu": "LeakyReLU", "softmax": "Softmax", "log_softmax": "LogSoftmax"}
HIDDEN_SWAPS = ("relu", "sigmoid", "tanh")  # what students put between layers instead
OUTPUT_EXTRAS = ("softmax", "log_softmax", "sigmoid", "relu")  # what they add after the last layer


@dataclass(frozen=True)
class Layer:
    """A reported nn.Linear as float64 arrays (a missing bias is zero)."""

    weight: np.ndarray  # (out, in)
    bias: np.ndarray  # (out,)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.weight.shape[0]), int(self.weight.shape[1])


def layers_of(reported: list[LayerWeights]) -> list[Layer] | str:
    """The reported layers as arrays, or why they are not nn.Linear layers (student-readable).

    Each weight must be a 2-D numeric array and its bias a 1-D array of as
    many values (or None); the sizes come from the arrays themselves, which the
    record's size cap bounds.
    """
    layers = []
    for k, layer in enumerate(reported, start=1):
        weight = layer.weight
        if not (isinstance(weight, np.ndarray) and weight.ndim == 2 and weight.dtype.kind in "biuf"):
            raise Malformed(f"the weight of layer {k} is not a 2-D array")
        rows = int(weight.shape[0])
        if layer.bias is None:
            bias = np.zeros(rows)
        elif has_shape(layer.bias, (rows,)):
            bias = np.asarray(layer.bias, dtype=np.float64)
        else:
            return f"the bias of its nn.Linear layer {k} does not have one value per output ({rows})"
        layers.append(Layer(weight.astype(np.float64), bias))
    return layers


def describe(chain: Sequence[str]) -> str:
    """``[linear, relu, linear]`` as ``Linear-ReLU-Linear``."""
    return "-".join(NAMES.get(step, step) for step in chain)


def chain_problem(chain: Sequence[str], layers: list[Layer], in_features: int) -> str | None:
    """Why ``chain`` cannot run on these layers and inputs (student-readable), or None."""
    wanted = sum(step == "linear" for step in chain)
    if len(layers) != wanted:
        found = fmt_shapes([layer.weight.shape for layer in layers])
        return (f"it has {len(layers)} nn.Linear layer(s) (weights {found}), where "
                f"{describe(chain)} has {wanted}")
    width = in_features
    for k, layer in enumerate(layers, start=1):
        if layer.shape[1] != width:
            return (f"its nn.Linear layer {k} has a weight of shape {fmt_shapes([layer.shape])}, "
                    f"which does not take the {width} values that reach it")
        width = layer.shape[0]
    return None


def run_chain(chain: Sequence[str], layers: list[Layer], x: np.ndarray) -> np.ndarray:
    """The chain applied to ``x`` (float64) with the layers in order; call :func:`chain_problem` first."""
    out = np.asarray(x, dtype=np.float64)
    remaining = iter(layers)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in chain:
            if step == "linear":
                layer = next(remaining)
                out = out @ layer.weight.T + layer.bias
            else:
                out = ACTIVATIONS[step](out)
    return out


@dataclass(frozen=True)
class Variant:
    """A chain a student's network may compute instead, and the sentence that says so."""

    chain: tuple[str, ...]
    says: str


def variants(chain: Sequence[str], declared: Sequence[dict[str, Any]] = ()) -> list[Variant]:
    """The look-alikes of ``chain`` to try, the spec's own (``mistakes:``) first.

    Built in: all activations dropped; each activation between layers replaced by
    another; an activation added after the output layer; the output activation
    dropped. Duplicates and the chain itself are left out.
    """
    asked = describe(chain)
    found = [Variant(tuple(m["chain"]), m["says"]) for m in declared]
    bare = tuple(s for s in chain if s == "linear")
    found.append(Variant(bare, f"the outputs equal the Linear layers with nothing between them ({describe(bare)}): "
                               f"the network asked for is {asked}; without its activations it is only linear"))
    for i, step in enumerate(chain):
        if step != "linear" and i < len(chain) - 1:
            for other in HIDDEN_SWAPS:
                swapped = tuple(chain[:i]) + (other,) + tuple(chain[i + 1:])
                found.append(Variant(swapped, f"the outputs equal {describe(swapped)}: the network asked "
                                              f"for is {asked}, with {NAMES[step]} where yours uses {NAMES[other]}"))
    if chain[-1] == "linear":
        for extra in OUTPUT_EXTRAS:
            added = (*chain, extra)
            found.append(Variant(added, f"the outputs equal {describe(added)}: return the last Linear layer's "
                                        f"values as they are, with no {NAMES[extra]} after it ({asked})"))
    else:
        dropped = tuple(chain[:-1])
        found.append(Variant(dropped, f"the outputs equal {describe(dropped)}: apply {NAMES[chain[-1]]} "
                                      f"after the last Linear layer ({asked})"))
    unique: dict[tuple[str, ...], Variant] = {}
    for v in found:
        if v.chain != tuple(chain) and v.chain not in unique:
            unique[v.chain] = v
    return list(unique.values())


# --- losses -------------------------------------------------------------------------------


def cross_entropy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of raw scores (what ``nn.CrossEntropyLoss`` computes)."""
    log_p = _log_softmax(outputs)
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def nll(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-likelihood of log-probabilities (``nn.NLLLoss``)."""
    return float(-np.mean(outputs[np.arange(len(labels)), labels]))


LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"cross_entropy": cross_entropy, "nll": nll}


# --- input transforms a classifier's fit may apply before training ------------------------


def _standardize(x: np.ndarray, mean: np.ndarray | float, std: np.ndarray | float) -> np.ndarray:
    return (x - mean) / np.where(np.asarray(std) > 0, std, 1.0)


# name -> (train inputs, dev inputs) -> the dev inputs the trained network sees.
# Standard deviations use ddof=1, as torch's ``Tensor.std`` does by default.
PREPROCESSING: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "none": lambda train, dev: dev,
    "standardize_features_train": lambda train, dev: _standardize(
        dev, train.mean(axis=0), train.std(axis=0, ddof=1)),
    "standardize_features_own": lambda train, dev: _standardize(
        dev, dev.mean(axis=0), dev.std(axis=0, ddof=1)),
    "standardize_global_train": lambda train, dev: _standardize(dev, train.mean(), train.std(ddof=1)),
    "standardize_global_own": lambda train, dev: _standardize(dev, dev.mean(), dev.std(ddof=1)),
    "standardize_rows": lambda train, dev: _standardize(
        dev, dev.mean(axis=1, keepdims=True), dev.std(axis=1, ddof=1, keepdims=True)),
}

