"""Checks of the ``xor`` assignment: judge the facts sent by ``autograder.observers.xor``.

Thresholds come from each item's ``check:`` block in ``assignments/xor/assignment.yaml``;
the numbers behind the defaults below are recorded there.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograder.checks import check
from autograder.checks.common import compare_shapes, fmt_shapes, max_abs_diff
from autograder.results import Outcome

ARCHITECTURE = "Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1)"


def raised(error: str) -> Outcome:
    """The same wording the framework uses when student code raises."""
    return Outcome.error(f"Your code raised {error}. Fix it and run the check again.")


# --- xor.shapes ---------------------------------------------------------------------------


@check("xor.shapes")
def check_xor_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """``XOR(2)`` has the reference's parameter shapes, in registration or forward order."""
    what = f"XOR({observed['n_hidden']})"
    if not observed["is_module"]:
        return Outcome.failed(
            f"{what} is not a torch.nn.Module: declare `class XOR(nn.Module)` and call "
            "super().__init__() first in __init__."
        )
    want = expected["shapes"]
    if want in (observed["shapes"], observed["forward_shapes"]):
        return Outcome.passed(f"{what} has the parameter shapes {fmt_shapes(want)}.")
    return Outcome.failed(compare_shapes(observed["shapes"], want, what) or "shapes differ")


# --- xor.forward --------------------------------------------------------------------------

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "none": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
}

# Other networks a forward pass often computes instead, and what to tell the student.
MISTAKES: tuple[tuple[str, str, str], ...] = (
    ("none", "none", "the outputs equal the two Linear layers with nothing between them: apply "
     "Sigmoid to the hidden layer (without it the model is linear and cannot learn XOR)."),
    ("relu", "none", "the outputs equal Linear-ReLU-Linear: the sheet asks for Sigmoid between "
     "the layers (nn.Sigmoid() or torch.sigmoid)."),
    ("tanh", "none", "the outputs equal Linear-Tanh-Linear: the sheet asks for Sigmoid between "
     "the layers (nn.Sigmoid() or torch.sigmoid)."),
    ("sigmoid", "sigmoid", "the outputs equal Linear-Sigmoid-Linear followed by another Sigmoid: "
     "return the output layer's values directly, with no activation after it."),
    ("none", "sigmoid", "the outputs equal Linear-Linear-Sigmoid: the Sigmoid belongs between the "
     "two Linear layers, not after the output layer."),
)


def network(inputs: np.ndarray, layers: list[dict[str, Any]], hidden: str, output: str) -> np.ndarray:
    """Two Linear layers with the named activations, computed in float64 from sent weights."""
    def linear(x: np.ndarray, layer: dict[str, Any]) -> np.ndarray:
        bias = layer["bias"] if layer["bias"] is not None else 0.0
        return x @ np.asarray(layer["weight"]).T + bias

    first, second = layers
    return ACTIVATIONS[output](linear(ACTIVATIONS[hidden](linear(inputs, first)), second))


def same_values(output: np.ndarray, computed: np.ndarray, rtol: float, atol: float) -> bool:
    return output.size == computed.size and bool(
        np.allclose(output.ravel(), computed.ravel(), rtol=rtol, atol=atol)
    )


def fmt_point(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in point) + ")"


@check("xor.forward")
def check_xor_forward(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Output shape (N, 1) and values equal to Linear-Sigmoid-Linear of the model's own weights."""
    inputs, output, layers = observed["inputs"], observed["output"], observed["layers"]
    n = len(inputs)
    call = f"XOR(2) on a batch of shape ({n}, 2)"
    if observed["error"]:
        return raised(f"{observed['error']} in {call}")
    if output is None:
        return Outcome.failed(
            f"{call} returned a {observed['output_type']}, expected a tensor of shape ({n}, 1)."
        )
    if len(layers) != 2:
        return Outcome.failed(
            f"XOR(2) has {len(layers)} nn.Linear layers, expected 2 ({ARCHITECTURE}), so its "
            "forward pass cannot be checked against its own weights."
        )
    try:
        computed = network(inputs, layers, "sigmoid", "none")
    except ValueError:
        shapes = fmt_shapes([np.shape(layer["weight"]) for layer in layers])
        return Outcome.failed(
            f"XOR(2)'s Linear weights have shapes {shapes}, which do not chain into {ARCHITECTURE}."
        )
    rtol, atol = float(params.get("rtol", 1e-4)), float(params.get("atol", 1e-5))
    shape_ok = tuple(output.shape) == (n, 1)
    shape_msg = "" if shape_ok else (
        f"{call} returned shape {tuple(output.shape)}, expected ({n}, 1): {shape_hint(output, n)}"
    )
    if same_values(output, computed, rtol, atol):
        if shape_ok:
            return Outcome.passed(
                f"{call} returns shape ({n}, 1), equal to {ARCHITECTURE} computed from its own "
                f"weights (largest difference {max_abs_diff(output.ravel(), computed.ravel()):.1e})."
            )
        return Outcome.partial(0.5, f"The values are right, but {shape_msg}")
    message = f"{call}: {wrong_values_message(inputs, output, layers, computed, rtol, atol)}"
    return Outcome.failed(message + (f" Also, {shape_msg}" if shape_msg else ""))


def shape_hint(output: np.ndarray, n: int) -> str:
    if output.size == n:
        return "keep the output layer's last dimension (do not squeeze or flatten it)."
    return "the output layer should be nn.Linear(n_hidden, 1), applied to every row of the batch."


def wrong_values_message(
    inputs: np.ndarray, output: np.ndarray, layers: list[dict[str, Any]],
    computed: np.ndarray, rtol: float, atol: float,
) -> str:
    """Name the network the outputs do match, or show the worst point."""
    for hidden, out, message in MISTAKES:
        if same_values(output, network(inputs, layers, hidden, out), rtol, atol):
            return message
    if output.size != computed.size:
        return (
            f"it returned {output.size} values for {len(inputs)} input points; forward must "
            f"compute {ARCHITECTURE} for every row of its input."
        )
    diff = np.abs(output.ravel() - computed.ravel())
    i = int(np.argmax(diff))
    return (
        f"the outputs are not {ARCHITECTURE} computed from the model's own weights: at input "
        f"{fmt_point(inputs[i])} it returned {output.ravel()[i]:.4g}, but its layers give "
        f"{computed.ravel()[i]:.4g}. forward must return linear2(sigmoid(linear1(x))) of its own "
        "layers, not values computed another way (such as the XOR truth table)."
    )


# --- xor.loss_decrease --------------------------------------------------------------------


def run_verdict(run: dict[str, Any], max_ratio: float) -> Outcome:
    """Judge one ``train_xor`` run that did not raise."""
    losses = run["losses"]
    if losses is None:
        kind = run["returned_type"].rsplit(".", 1)[-1]
        if kind == "NoneType":
            return Outcome.failed(
                "train_xor returned None: append loss.item() to a list every epoch and return the list."
            )
        why = f" ({run['convert_error']})" if run["convert_error"] else ""
        return Outcome.failed(
            f"train_xor returned a {kind}{why}, expected a list of per-epoch losses (floats)."
        )
    if len(losses) < 2:
        return Outcome.failed(
            f"train_xor returned {len(losses)} loss value(s); it should return one per epoch."
        )
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        return Outcome.failed(
            f"the loss became {losses[bad[0]]} at epoch {bad[0] + 1} of {len(losses)}: the "
            "default learning rate is probably too large."
        )
    first, last = float(losses[0]), float(losses[-1])
    curve = f"the loss went from {first:.4g} to {last:.4g} over {len(losses)} epochs"
    if first <= 0.0:
        return Outcome.failed(
            f"{curve}: it was already 0 at the first epoch, so there was nothing to learn. Does "
            "the model's output depend on its weights?"
        )
    if last > max_ratio * first:
        return Outcome.failed(
            f"{curve}; expected the last loss below {max_ratio:.0%} of the first. {slow_hint(first, last)}"
        )
    change = run["max_param_change"]
    if change is not None and change == 0.0:
        return Outcome.partial(
            0.5,
            f"{curve}, but the model passed to train_xor did not change: train the `model` "
            "argument (an optimizer over model.parameters(), optimizer.step() every epoch), not a new one.",
        )
    return Outcome.passed(f"{curve} (below {max_ratio:.0%} of the first).")


def slow_hint(first: float, last: float) -> str:
    if last >= first:
        return (
            "It did not fall at all: is the learning rate too large, or are the gradients never "
            "reset (optimizer.zero_grad() every epoch)?"
        )
    return (
        "It fell too little: raise the default learning rate or train for more epochs "
        "(Adam with lr around 0.01 to 0.1 for a few hundred epochs works well)."
    )


GRADER_NET = "a grader-built Linear(2, {w})-Sigmoid-Linear({w}, 1) network"


@check("xor.loss_decrease")
def check_xor_loss_decrease(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """The last loss is below ``max_ratio`` of the first, on ``XOR()`` or else on the grader's network.

    The grader's network run means a correct ``train_xor`` keeps this item when
    the student's ``XOR`` is what fails (graded by xor.forward and xor.boundary).
    """
    max_ratio = float(params.get("max_ratio", 0.1))
    own, theirs = observed["own_model"], observed["grader_model"]
    net = GRADER_NET.format(w=observed["grader_hidden"])
    own_verdict = run_verdict(own, max_ratio) if own["error"] is None else None
    if own_verdict is not None and own_verdict.status == "passed":
        return Outcome.passed(f"train_xor(XOR(), X, y): {own_verdict.feedback}")
    if theirs["error"] is not None:
        return raised(f"{theirs['error']} in train_xor(model, X, y)")
    grader_verdict = run_verdict(theirs, max_ratio)
    own_summary = own_run_summary(own, own_verdict)
    if grader_verdict.status == "passed":
        return Outcome.passed(
            f"train_xor works: on {net}, {grader_verdict.feedback} On your XOR() it did not "
            f"({own_summary}), so the model is what needs fixing: see xor.forward and xor.boundary.",
            diagnostics=f"own-model verdict: {own_verdict.feedback if own_verdict else own['error']}",
        )
    if own_verdict is None:
        return prefixed(grader_verdict, f"train_xor on {net} ({own_summary}): ")
    return prefixed(own_verdict, "train_xor(XOR(), X, y): ")


def own_run_summary(own: dict[str, Any], verdict: Outcome | None) -> str:
    """The facts of the run on the student's XOR(), without advice meant for train_xor."""
    if verdict is None:
        where = "XOR()" if own["stage"] == "model" else "train_xor(XOR(), X, y)"
        return f"{where} raised {own['error']}"
    losses = own["losses"]
    if losses is None or len(losses) < 2 or not np.all(np.isfinite(losses)):
        return verdict.feedback.rstrip(".")
    return f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g} over {len(losses)} epochs"


def prefixed(outcome: Outcome, prefix: str) -> Outcome:
    return Outcome(outcome.fraction, prefix + outcome.feedback, outcome.errored, outcome.diagnostics)


# --- xor.boundary -------------------------------------------------------------------------


def fmt_corner(corner: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:g}" for v in corner) + ")"


def seed_verdict(
    run: dict[str, Any], facts: dict[str, Any], radius: float, threshold: float, margin: float
) -> str | None:
    """None when this seed's trained model solves XOR; otherwise what went wrong, briefly.

    Solving means: every corner on the right side of ``threshold`` by at least
    ``margin`` (an output of 0.5003 is a coin toss, not a decision), and every
    grid point within ``radius`` of a corner on that corner's side.
    """
    if run["error"]:
        return f"train_xor raised {run['error']}"
    if run["predict_error"]:
        return f"predicting raised {run['predict_error']}"
    corners, targets, grid = facts["corners"], facts["targets"], facts["grid"]
    labels = targets > 0.5
    corner_out = run["corner_outputs"]
    wrong = np.flatnonzero((corner_out > threshold) != labels)
    if wrong.size:
        k = int(wrong[0])
        return (
            f"wrong at {wrong.size} of 4 corners, e.g. {fmt_corner(corners[k])} gave "
            f"{corner_out[k]:.4g} (target {targets[k]:g})"
        )
    undecided = np.flatnonzero(np.abs(corner_out - threshold) < margin)
    if undecided.size:
        k = int(undecided[0])
        return (
            f"undecided at {undecided.size} of 4 corners, e.g. {fmt_corner(corners[k])} gave "
            f"{corner_out[k]:.4g}, within {margin:g} of {threshold:g}"
        )
    distance = np.sqrt(((grid[:, None, :] - corners[None, :, :]) ** 2).sum(-1))
    grid_pred = run["grid_outputs"] > threshold
    for k in range(len(corners)):
        near = distance[:, k] <= radius + 1e-9
        n_wrong = int(np.count_nonzero(grid_pred[near] != labels[k]))
        if n_wrong:
            return (
                f"right at the corners but wrong at {n_wrong} grid point(s) within {radius:g} "
                f"of {fmt_corner(corners[k])}"
            )
    return None


@check("xor.boundary")
def check_xor_boundary(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Credit = seeds solved / ``full_credit_seeds`` (capped at 1); says how many seeds solved."""
    radius = float(params.get("radius", 0.1))
    threshold = float(params.get("threshold", 0.5))
    margin = float(params.get("corner_margin", 0.05))
    runs = observed["runs"]
    need = min(int(params.get("full_credit_seeds", 4)), len(runs))
    if all(run["error"] for run in runs):
        return raised(f"{runs[0]['error']} in train_xor(XOR(), X, y)")
    verdicts = [(run["seed"], seed_verdict(run, observed, radius, threshold, margin)) for run in runs]
    failures = [f"seed {seed}: {why}" for seed, why in verdicts if why is not None]
    solved = len(runs) - len(failures)
    summary = (
        f"After train_xor(XOR(), X, y) with your defaults, XOR() solved XOR on {solved} of "
        f"{len(runs)} seeds"
    )
    criteria = (
        f"(outputs thresholded at {threshold:g} right at all 4 corners, each at least {margin:g} "
        f"from {threshold:g}, and at every grid point within {radius:g} of a corner)"
    )
    if not failures:
        return Outcome.passed(f"{summary} {criteria}.")
    detail = f"{summary} {criteria}; full credit needs {need}. " + "; ".join(failures) + "."
    if solved >= need:
        return Outcome.passed(detail)
    return Outcome.partial(solved / need, f"{detail} {boundary_hint(runs, solved)}")


def boundary_hint(runs: list[dict[str, Any]], solved: int) -> str:
    shape = runs[0].get("output_shape")
    if shape is not None and shape != [4, 1]:
        return (
            f"XOR() returns shape {tuple(shape)} for the 4 training points, expected (4, 1): "
            "MSELoss then broadcasts it against y of shape (4, 1) and fits the wrong targets. "
            "Keep the output layer's last dimension."
        )
    outputs = [run["corner_outputs"] for run in runs if run["corner_outputs"] is not None]
    flat = bool(outputs) and all(np.ptp(out) < 0.2 for out in outputs)
    if solved == 0 and flat:
        return (
            "The outputs stay close together at all four corners, so the model did not learn XOR: "
            "is there a Sigmoid between the layers, and does train_xor train the model it is given "
            "with a large enough learning rate?"
        )
    if solved == 0:
        return (
            "Check train_xor on its own (xor.loss_decrease) and the forward pass (xor.forward); "
            "then make the defaults train long enough."
        )
    return (
        "Training gets stuck from some initialisations: a wider default hidden layer (e.g. "
        "XOR(n_hidden=8)) and Adam with lr around 0.05 make XOR() learn from almost every seed."
    )
