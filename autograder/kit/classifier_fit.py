"""Kind ``classifier_fit``: a training function fits a classifier on grader data.

Settings::

    observe: {function: fit, n_iter: 50, kwargs: {batch_size: 100},
              data: {generator: gaussian_classes, classes: 2, features: 2883, train: 750, dev: 250,
                     seed: 0, separation: 4.0}}
    check: {chain: [linear, relu, linear], preprocessing: [none, standardize_features_train],
            min_accuracy: 0.9, max_loss_ratio: 0.5, loss_window: 0.1, min_agreement: 0.99}

The observer makes the data (``autograder.kit.data``) and calls
``losses, yhats, net = fit(train_set, train_labels, dev_set, n_iter, **kwargs)``.
The judge regenerates the same data, so the dev labels are its own, and gives
a fifth of the points for each of:

* ``losses``: ``n_iter`` Python floats, all finite;
* the loss falls: the mean of the last ``loss_window`` share of the losses over
  the mean of the first share is at most ``max_loss_ratio``;
* ``yhats``: an (M,) array of integer labels;
* ``yhats`` are the returned net's predictions: ``chain`` computed from its
  reported weights on ``dev_set`` (after one of the input transforms listed in
  ``preprocessing``, see ``autograder.kit.numeric.PREPROCESSING``), argmax,
  agrees with ``yhats`` on at least ``min_agreement`` of the points (so
  predictions typed in, or made by another model, fail);
* their accuracy on the dev labels is at least ``min_accuracy`` (only credited
  when the previous point holds).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.claims import short
from autograder.checks.common import fmt_num
from autograder.kit import data, kind
from autograder.kit.judging import both, judged, raised
from autograder.kit.numeric import PREPROCESSING, chain_problem, describe, layers_of, run_chain, variants
from autograder.kit.records import FitFacts
from autograder.kit.settings import ref, settings
from autograder.results import Outcome

DATA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["generator", "classes", "features", "train", "dev", "seed", "separation"],
    "properties": {
        "generator": {"enum": sorted(data.GENERATORS)},
        "classes": {"type": "integer", "minimum": 2},
        "features": ref("count"), "train": ref("count"), "dev": ref("count"), "seed": ref("seed"),
        "separation": {"type": "number", "exclusiveMinimum": 0},
    },
}
OBSERVE = settings({"function": ref("name"), "data": DATA, "n_iter": ref("count"), "kwargs": ref("kwargs"),
                    "seed": ref("seed")}, ["function", "data", "n_iter"])
CHECK = settings({"chain": ref("chain"), "preprocessing": ref("preprocessing"), "min_accuracy": ref("fraction"),
                  "max_loss_ratio": ref("tolerance"),
                  "loss_window": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
                  "min_agreement": ref("fraction")},
                 ["chain", "preprocessing", "min_accuracy", "max_loss_ratio", "loss_window", "min_agreement"])
FLOAT = "builtins.float"


@kind("classifier_fit", observe=OBSERVE, check=CHECK)
@judged
def judge_classifier_fit(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Losses one float per iteration and falling; yhats the net's own integer predictions, accurate."""
    got, reference = both(FitFacts, observed, expected)
    call = reference.call.text
    if got.error is not None:
        return raised(got.error, call)
    if got.returned_length != 3:
        length = "" if got.returned_length is None else f" of length {got.returned_length}"
        return Outcome.failed(f"{call} returned a {short(got.returned_type, 80)}{length}; return the tuple "
                              "(losses, yhats, net).")
    generated = data.generate(reference.data)
    n_iter, dev = reference.n_iter, len(generated.dev_y)
    labels = yhats_of(got, dev)
    agreement = agreement_part(got, labels, generated, params)
    parts = [losses_part(got, n_iter, reference.call.name), falls_part(got, n_iter, params), labels_part(got, labels, dev),
             agreement, accuracy_part(labels, generated.dev_y, agreement[0], params)]
    return Outcome.from_checks(parts, f"{call}: {n_iter} float losses that fall, and yhats that are the "
                                      "returned net's integer predictions on dev_set, accurate enough.")


def losses_part(got: FitFacts, n_iter: int, name: str) -> tuple[bool, str]:
    if got.losses_length != n_iter:
        count = "no list of" if got.losses_length is None else f"{got.losses_length}"
        return False, f"{name} returned {count} losses for n_iter={n_iter}: return one loss per iteration."
    if got.loss_types != [FLOAT]:
        kinds = ", ".join(short(t, 60) for t in got.loss_types[:3])
        return False, f"The losses are {kinds}, not Python floats: append loss.item() (step's return value)."
    if not (isinstance(got.losses, np.ndarray) and got.losses.shape == (n_iter,)
            and bool(np.all(np.isfinite(got.losses)))):
        return False, "The losses are not all finite numbers: is the learning rate far too large?"
    return True, "one float loss per iteration."


def falls_part(got: FitFacts, n_iter: int, params: dict[str, Any]) -> tuple[bool, str]:
    losses = got.losses
    if not (isinstance(losses, np.ndarray) and losses.shape == (n_iter,) and bool(np.all(np.isfinite(losses)))):
        return False, "Without one finite loss per iteration, the grader cannot tell whether the loss falls."
    window = max(1, math.ceil(float(params["loss_window"]) * n_iter))
    first, last = float(np.mean(losses[:window])), float(np.mean(losses[-window:]))
    share = f"{fmt_num(100 * float(params['loss_window']))}%"
    if first > 0 and last / first <= float(params["max_loss_ratio"]):
        return True, "the loss falls."
    ratio = "undefined" if first <= 0 else fmt_num(last / first)
    return False, (f"The loss does not fall enough: the mean of the last {share} of the losses is "
                   f"{fmt_num(last)}, of the first {fmt_num(first)} (ratio {ratio}). Train the net with step "
                   "on each batch of every iteration, cycling through the training set.")


def yhats_of(got: FitFacts, dev: int) -> np.ndarray | None:
    """The predictions when they are an (M,) integer array, else None."""
    y = got.yhats
    if isinstance(y, np.ndarray) and y.shape == (dev,) and y.dtype.kind in "iu":
        return y.astype(np.int64)
    return None


def labels_part(got: FitFacts, labels: np.ndarray | None, dev: int) -> tuple[bool, str]:
    if labels is not None:
        return True, "yhats are integer labels."
    y = got.yhats
    what = (f"an array of shape {tuple(y.shape)} and dtype {y.dtype}" if isinstance(y, np.ndarray)
            else f"a {short(got.yhats_type, 80)}")
    return False, (f"The returned yhats is {what}; expected an array of shape ({dev},) holding one integer label per "
                   "row of dev_set (e.g. net(dev_set).argmax(dim=1).numpy()).")


def predictions(got: FitFacts, generated: data.ClassData, params: dict[str, Any]) -> list[np.ndarray] | str:
    """The returned net's predicted labels on dev_set, for each allowed input transform and each
    network it may compute: the chain asked for or a look-alike (a forward with the wrong
    activation is the forward item's mistake; here yhats must only be the net's own)."""
    chain = list(params["chain"])
    layers = layers_of(got.layers)
    why = layers if isinstance(layers, str) else chain_problem(chain, layers, generated.dev_x.shape[1])
    if not got.layers:
        why = f"net is a {short(got.net_type, 80)} with no nn.Linear layers its forward calls"
    if why is not None:
        return f"{why}, so the grader cannot compute the net's own predictions ({describe(chain)})"
    assert not isinstance(layers, str)
    train_x, dev_x = generated.train_x.astype(np.float64), generated.dev_x.astype(np.float64)
    networks = [chain, *(list(v.chain) for v in variants(chain))]
    found = []
    for name in params["preprocessing"]:
        inputs = PREPROCESSING[name](train_x, dev_x)
        for network in networks:
            if chain_problem(network, layers, dev_x.shape[1]) is None:
                found.append(labels_from(run_chain(network, layers, inputs), network))
    return found


def labels_from(out: np.ndarray, network: list[str]) -> np.ndarray:
    """The class of each row: argmax, or for a single output a threshold (0.5 after a sigmoid, else 0)."""
    if out.shape[1] == 1:
        return (out[:, 0] > (0.5 if network[-1] == "sigmoid" else 0.0)).astype(np.int64)
    return np.argmax(out, axis=1)


def agreement_part(got: FitFacts, labels: np.ndarray | None, generated: data.ClassData,
                   params: dict[str, Any]) -> tuple[bool, str]:
    if labels is None:
        return False, "Without integer yhats, the grader cannot check that they are the net's predictions."
    found = predictions(got, generated, params)
    if isinstance(found, str):
        return False, found[:1].upper() + found[1:] + "."
    best = max(float(np.mean(p == labels)) for p in found)
    if best >= float(params["min_agreement"]):
        return True, "yhats are the returned net's predictions."
    return False, (f"The returned yhats agree with the net's own predictions on dev_set (computed by the grader from "
                   f"its weights) for only {fmt_num(100 * best)}% of the points: return net's predictions "
                   "on dev_set after training, and the net they came from.")


def accuracy_part(labels: np.ndarray | None, truth: np.ndarray, agrees: bool,
                  params: dict[str, Any]) -> tuple[bool, str]:
    if labels is None or not agrees:
        return False, "The dev accuracy is only credited for the net's own predictions."
    accuracy = float(np.mean(labels == truth))
    if accuracy >= float(params["min_accuracy"]):
        return True, f"dev accuracy {fmt_num(100 * accuracy)}%."
    return False, (f"The dev accuracy is {fmt_num(100 * accuracy)}%, below the {fmt_num(100 * float(params['min_accuracy']))}% "
                   "asked for: train longer or with a better learning rate, and check that the labels you "
                   "train on are the rows' own.")
