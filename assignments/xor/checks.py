"""Checks of the ``xor`` assignment: judge the facts sent by ``autograder.observers.xor``.

Everything the sandbox sends is a claim. So every input a check uses (the
points, corners, grid, seeds, the grader-built network's starting weights)
comes from the reference's facts (``expected``) or from the item's ``check:``
settings, never from the observed record; every answer is checked against the
size the reference's answer has before any arithmetic; and predictions and
losses are recomputed here from the reported weights. Thresholds come from each
item's ``check:`` block in ``assignments/xor/assignment.yaml``, with the
measurements behind them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from autograder.checks import check
from autograder.checks.claims import Malformed, answers, array_of, field, guarded, has_shape, short
from autograder.checks.common import compare_shapes, fmt_num, fmt_shapes, max_abs_diff
from autograder.report.plots import GRID_POINTS, Panel, Section, curve_panel, plot
from autograder.results import Outcome

ARCHITECTURE = "Linear(2, n_hidden), Sigmoid, Linear(n_hidden, 1)"


def raised(error: str) -> Outcome:
    """The same wording the framework uses when student code raises."""
    return Outcome.error(f"Your code raised {error}. Fix it and run the check again.")


# --- reading untrusted records ------------------------------------------------------------


def size_of(value: Any) -> int | None:
    """Number of values of a reported array, read without converting it; None if not an array."""
    return value.size if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" else None


def curve_of(value: Any, what: str) -> np.ndarray | None:
    """A reported loss curve as a 1-D float64 array (None stays None)."""
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "biuf":
        return value.astype(np.float64)
    raise Malformed(f"{what} is not a list of numbers")


# --- two-layer networks, computed from reported weights -----------------------------------


@dataclass(frozen=True)
class TwoLayer:
    """Weights of Linear(2, h) then Linear(h, k), as float64 arrays (biases zero when absent)."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def same_weights(self, other: TwoLayer) -> bool:
        return all(np.array_equal(a, b) for a, b in zip(self.arrays(), other.arrays(), strict=True))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.w1, self.b1, self.w2, self.b2


def two_layer(layers: Any, max_hidden: int, max_outputs: int = 16) -> TwoLayer | str:
    """The reported layers as a :class:`TwoLayer`, or why they are not one (student-readable).

    Sizes are checked before any value is read, so a record with an enormous
    "layer" costs no more than a small one.
    """
    if not isinstance(layers, list):
        raise Malformed("the layers are not a list")
    if len(layers) != 2:
        return f"it has {len(layers)} nn.Linear layers, expected 2 ({ARCHITECTURE})"
    if any(layer is None for layer in layers):
        return "a layer was created during training, so the model's starting weights are unknown"
    first, second = (field(layer, "weight") for layer in layers)
    h, k = _rows(first), _rows(second)
    if h is None or k is None or not (1 <= h <= max_hidden and 1 <= k <= max_outputs):
        return f"its nn.Linear layers have weights of shapes {_shape_text(first)} and {_shape_text(second)}"
    if not (has_shape(first, (h, 2)) and has_shape(second, (k, h))):
        shapes = f"{_shape_text(first)} and {_shape_text(second)}"
        return f"its nn.Linear weights have shapes {shapes}, which do not chain into {ARCHITECTURE}"
    return TwoLayer(
        w1=array_of(first, (h, 2), "a weight"), b1=_bias(layers[0], h),
        w2=array_of(second, (k, h), "a weight"), b2=_bias(layers[1], k),
    )


def _rows(weight: Any) -> int | None:
    if isinstance(weight, np.ndarray):
        return int(weight.shape[0]) if weight.ndim == 2 else None
    return len(weight) if isinstance(weight, list) and weight else None


def _shape_text(weight: Any) -> str:
    if isinstance(weight, np.ndarray):
        return fmt_shapes([weight.shape])
    return "(not an array)" if not isinstance(weight, list) else f"({len(weight)}, ...)"


def _bias(layer: dict[str, Any], n: int) -> np.ndarray:
    bias = field(layer, "bias")
    return np.zeros(n) if bias is None else array_of(bias, (n,), "a bias")


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0))),
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
# The contract's network first, then the look-alikes: what a trained XOR() may compute.
NETWORKS: tuple[tuple[str, str], ...] = (("sigmoid", "none"),) + tuple((h, o) for h, o, _ in MISTAKES)


def network(inputs: np.ndarray, net: TwoLayer, hidden: str, output: str) -> np.ndarray:
    """Two Linear layers with the named activations, computed in float64: shape (N, k)."""
    with np.errstate(over="ignore", invalid="ignore"):
        hidden_values = ACTIVATIONS[hidden](inputs @ net.w1.T + net.b1)
        return ACTIVATIONS[output](hidden_values @ net.w2.T + net.b2)


def same_values(output: np.ndarray, computed: np.ndarray, rtol: float, atol: float) -> bool:
    return output.size == computed.size and bool(
        np.allclose(output.ravel(), computed.ravel(), rtol=rtol, atol=atol)
    )


def fmt_point(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in point) + ")"


# --- xor.shapes ---------------------------------------------------------------------------


def shape_list(value: Any, what: str, limit: int = 64) -> list[list[int]]:
    """A reported list of parameter shapes, bounded: at most ``limit`` shapes of at most 8 sizes."""
    if not (isinstance(value, list) and len(value) <= limit and all(
            isinstance(s, list) and len(s) <= 8
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in s) for s in value)):
        raise Malformed(f"{what} is not a list of at most {limit} parameter shapes")
    return value


@check("xor.shapes")
@guarded
def check_xor_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """``XOR(n)`` has the reference's parameter shapes for every width the reference was asked.

    The first width is the contract's ``XOR(2)``; the others show that the
    layers follow the argument, as the contract defines them (Linear(2,
    n_hidden), ...). Shapes right at ``XOR(2)`` only are not enough: they are
    printed in the contract, so copying them must not earn the item.
    """
    asked = expected["configs"]
    configs = answers(field(observed, "configs"), len(asked), "XOR(n_hidden) models")
    verdicts = [_shapes_verdict(config, want) for config, want in zip(configs, asked, strict=True)]
    if all(v is None for v in verdicts):
        widths = ", ".join(f"XOR({w['n_hidden']})" for w in asked)
        return Outcome.passed(f"{widths} have the parameter shapes "
                              f"{fmt_shapes(asked[0]['shapes'])} and so on for each width.")
    if verdicts[0] is not None:
        return Outcome.failed(verdicts[0])
    first = next(v for v in verdicts if v is not None)
    return Outcome.failed(f"XOR({asked[0]['n_hidden']}) is right, but {first} Build the layers "
                          "from the n_hidden argument, not a fixed width.")


def _shapes_verdict(config: Any, want: dict[str, Any]) -> str | None:
    """None when one model's shapes match the reference's; otherwise what is wrong."""
    what = f"XOR({want['n_hidden']})"
    if not field(config, "is_module", bool):
        return (f"{what} is not a torch.nn.Module: declare `class XOR(nn.Module)` and call "
                "super().__init__() first in __init__.")
    shapes = shape_list(field(config, "shapes"), "the parameter shapes")
    in_forward_order = shape_list(field(config, "forward_shapes"), "the shapes in forward order")
    if want["shapes"] in (shapes, in_forward_order):
        return None
    return compare_shapes(shapes, want["shapes"], what) or f"{what}: the shapes differ."


# --- xor.forward --------------------------------------------------------------------------


@check("xor.forward")
@guarded
def check_xor_forward(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Output shape (N, 1) and values equal to Linear-Sigmoid-Linear of the model's own weights.

    The inputs are the reference's; the reported inputs are never read, so the
    outputs must be those of the reported weights on the grader's points.
    """
    inputs = np.asarray(expected["inputs"], dtype=np.float64)
    n = len(inputs)
    call = f"XOR(2) on a batch of shape ({n}, 2)"
    error = field(observed, "error", (str, type(None)))
    if error:
        return raised(f"{short(error)} in {call}")
    output = field(observed, "output")
    if output is None:
        return Outcome.failed(
            f"{call} returned a {short(field(observed, 'output_type'), 80)}, expected a tensor of shape ({n}, 1)."
        )
    if size_of(output) is None:
        raise Malformed("the output is not an array")
    net = two_layer(field(observed, "layers", list), int(params.get("max_hidden", 4096)))
    if isinstance(net, str):
        return Outcome.failed(f"XOR(2): {net}, so its forward pass cannot be checked against its own weights.")
    computed = network(inputs, net, "sigmoid", "none")
    rtol, atol = float(params.get("rtol", 1e-4)), float(params.get("atol", 1e-5))
    shape_ok = tuple(output.shape) == (n, 1)
    shape_msg = "" if shape_ok else (
        f"{call} returned shape {tuple(output.shape)}, expected ({n}, 1): {shape_hint(output, n)}"
    )
    output = output.astype(np.float64) if output.size == computed.size else output
    if same_values(output, computed, rtol, atol):
        if shape_ok:
            return Outcome.passed(
                f"{call} returns shape ({n}, 1), equal to {ARCHITECTURE} computed from its own "
                f"weights (largest difference {fmt_num(max_abs_diff(output.ravel(), computed.ravel()))})."
            )
        return Outcome.partial(0.5, f"The values are right, but {shape_msg}")
    message = f"{call}: {wrong_values_message(inputs, output, net, computed, rtol, atol)}"
    return Outcome.failed(message + (f" Also, {shape_msg}" if shape_msg else ""))


def shape_hint(output: np.ndarray, n: int) -> str:
    if output.size == n:
        return "keep the output layer's last dimension (do not squeeze or flatten it)."
    return "the output layer should be nn.Linear(n_hidden, 1), applied to every row of the batch."


def wrong_values_message(
    inputs: np.ndarray, output: np.ndarray, net: TwoLayer, computed: np.ndarray, rtol: float, atol: float,
) -> str:
    """Name the network the outputs do match, or show the worst point."""
    if output.size != computed.size:
        return (
            f"it returned {output.size} values for {len(inputs)} input points; forward must "
            f"compute {ARCHITECTURE} for every row of its input."
        )
    for hidden, out, message in MISTAKES:
        if same_values(output, network(inputs, net, hidden, out), rtol, atol):
            return message
    diff = np.abs(output.ravel() - computed.ravel())
    i = int(np.nanargmax(diff)) if not np.all(np.isnan(diff)) else 0
    row = i // computed.shape[1]
    return (
        f"the outputs are not {ARCHITECTURE} computed from the model's own weights: at input "
        f"{fmt_point(inputs[row])} it returned {fmt_num(output.ravel()[i])}, but its layers give "
        f"{fmt_num(computed.ravel()[i])}. forward must return linear2(sigmoid(linear1(x))) of its own "
        "layers, not values computed another way (such as the XOR truth table)."
    )


# --- losses recomputed from weights (xor.loss_decrease and xor.boundary) -------------------

# What train_xor may report as "the loss": the mean squared error (nn.MSELoss, the sheet's
# loss) or its sum (reduction="sum"), over the four points.
REDUCTIONS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": lambda sq: float(np.mean(sq)),
    "sum": lambda sq: float(np.sum(sq)),
}


def model_loss(net: TwoLayer, corners: np.ndarray, targets: np.ndarray, arch: tuple[str, str],
               reduction: str) -> float:
    """The squared-error loss of ``net`` on the four points, as the grader computes it."""
    out = network(corners, net, *arch)
    if out.shape[1] != 1:
        return math.inf
    return REDUCTIONS[reduction]((out[:, 0] - targets) ** 2)


@dataclass(frozen=True)
class Tolerances:
    """How far a returned curve's ends may be from the losses of the weights (see the YAML)."""

    first_rtol: float
    last_of_first: float

    @classmethod
    def of(cls, params: dict[str, Any]) -> Tolerances:
        return cls(float(params.get("first_loss_rtol", 1e-3)), float(params.get("last_loss_tol", 0.1)))


def curve_matches_weights(
    losses: np.ndarray, before: TwoLayer, after: TwoLayer, corners: np.ndarray, targets: np.ndarray,
    archs: Sequence[tuple[str, str]], tol: Tolerances,
) -> tuple[bool, float, float]:
    """Whether the curve's first loss is the loss of the starting weights and its last one
    agrees with the final weights (it was computed one step before them), for one of
    ``archs`` and one reduction. Also returns the grader's losses to quote (contract network)."""
    first, last = float(losses[0]), float(losses[-1])
    for arch in archs:
        for reduction in REDUCTIONS:
            start = model_loss(before, corners, targets, arch, reduction)
            end = model_loss(after, corners, targets, arch, reduction)
            if (abs(first - start) <= tol.first_rtol * abs(start)
                    and abs(last - end) <= tol.last_of_first * abs(first)):
                return True, start, end
    arch = archs[0]
    return (False, model_loss(before, corners, targets, arch, "mean"),
            model_loss(after, corners, targets, arch, "mean"))


def mismatch_message(first: float, last: float, start: float, end: float) -> str:
    return (
        f"the losses train_xor returned are not the losses of the model it trained: the first is "
        f"{fmt_num(first)} and the last {fmt_num(last)}, but the model's mean squared error on the four points "
        f"is {fmt_num(start)} before training and {fmt_num(end)} after. Append loss.item() of the loss you "
        "call backward() on, once per epoch, and train the model passed in."
    )


# --- xor.loss_decrease --------------------------------------------------------------------


@dataclass(frozen=True)
class LossSetting:
    """What judging one run needs: thresholds, the four points, and which networks may be meant."""

    max_ratio: float
    tol: Tolerances
    corners: np.ndarray
    targets: np.ndarray
    max_hidden: int


def curve_verdict(run: dict[str, Any], max_ratio: float) -> tuple[Outcome | None, np.ndarray | None]:
    """Judge the returned curve alone; (failure, None) or (None, the curve)."""
    losses = curve_of(field(run, "losses"), "the returned losses")
    if losses is None:
        kind = short(field(run, "returned_type", str), 80).rsplit(".", 1)[-1]
        if kind == "NoneType":
            return Outcome.failed(
                "train_xor returned None: append loss.item() to a list every epoch and return the list."
            ), None
        convert_error = field(run, "convert_error", (str, type(None)))
        why = f" ({short(convert_error)})" if convert_error else ""
        return Outcome.failed(
            f"train_xor returned a {kind}{why}, expected a list of per-epoch losses (floats)."
        ), None
    if len(losses) < 2:
        return Outcome.failed(
            f"train_xor returned {len(losses)} loss value(s); it should return one per epoch."
        ), None
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        return Outcome.failed(
            f"the loss became {losses[bad[0]]} at epoch {bad[0] + 1} of {len(losses)}: the "
            "default learning rate is probably too large."
        ), None
    first, last = float(losses[0]), float(losses[-1])
    curve = f"the loss went from {fmt_num(first)} to {fmt_num(last)} over {len(losses)} epochs"
    if first <= 0.0:
        return Outcome.failed(
            f"{curve}: it was already 0 at the first epoch, so there was nothing to learn. Does "
            "the model's output depend on its weights?"
        ), None
    if last > max_ratio * first:
        return Outcome.failed(
            f"{curve}; expected the last loss below {max_ratio:.0%} of the first. {slow_hint(first, last)}"
        ), None
    return None, losses


def run_verdict(run: dict[str, Any], setting: LossSetting, archs: Sequence[tuple[str, str]],
                start: TwoLayer | None = None) -> Outcome:
    """Judge one ``train_xor`` run that did not raise.

    The curve must fall, the model passed in must have changed, and the curve's
    ends must be the losses of the reported weights before and after training
    (for the grader's network, the weights before must be the ones the grader built).
    """
    failure, losses = curve_verdict(run, setting.max_ratio)
    if failure is not None or losses is None:
        return failure or Outcome.failed("train_xor returned no losses.")
    before = two_layer(field(run, "initial", list), setting.max_hidden)
    after = two_layer(field(run, "final", list), setting.max_hidden)
    if isinstance(before, str) or isinstance(after, str) or before.w1.shape != after.w1.shape:
        why = after if isinstance(after, str) else before if isinstance(before, str) else "its layers changed size"
        return Outcome.failed(
            f"the model trained by train_xor is not {ARCHITECTURE} ({why}), so its losses cannot be "
            "recomputed from its weights."
        )
    if start is not None and not (before.w1.shape == start.w1.shape and before.same_weights(start)):
        return Outcome.failed(
            "the weights reported before training are not those of the network the grader built, "
            "so the losses cannot be checked against them."
        )
    first, last = float(losses[0]), float(losses[-1])
    curve = f"the loss went from {fmt_num(first)} to {fmt_num(last)} over {len(losses)} epochs"
    if before.same_weights(after):
        return Outcome.failed(
            f"{curve}, but the model passed to train_xor did not change: train the `model` "
            "argument (an optimizer over model.parameters(), optimizer.step() every epoch), not a new one."
        )
    ok, loss_start, loss_end = curve_matches_weights(
        losses, before, after, setting.corners, setting.targets, archs, setting.tol)
    if not ok:
        return Outcome.failed(mismatch_message(first, last, loss_start, loss_end))
    return Outcome.passed(f"{curve} (below {setting.max_ratio:.0%} of the first).")


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


def loss_setting(expected: dict[str, Any], params: dict[str, Any]) -> LossSetting:
    """Thresholds from ``params``; the four points as the reference's facts hold them."""
    corners = np.asarray(expected["corners"], dtype=np.float64)
    targets = np.asarray(expected["targets"], dtype=np.float64)
    return LossSetting(float(params.get("max_ratio", 0.1)), Tolerances.of(params), corners, targets,
                       int(params.get("max_hidden", 4096)))


@check("xor.loss_decrease")
@guarded
def check_xor_loss_decrease(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """The last loss is below ``max_ratio`` of the first, on ``XOR()`` or else on the grader's network.

    The grader's network run means a correct ``train_xor`` keeps this item when
    the student's ``XOR`` is what fails (graded by xor.forward and xor.boundary).
    Its starting weights are the reference run's (same seed, same network).
    """
    setting = loss_setting(expected, params)
    own, theirs = field(observed, "own_model", dict), field(observed, "grader_model", dict)
    net = GRADER_NET.format(w=expected["grader_hidden"])
    own_error = field(own, "error", (str, type(None)))
    own_verdict = run_verdict(own, setting, NETWORKS) if own_error is None else None
    if own_verdict is not None and own_verdict.status == "passed":
        return Outcome.passed(f"train_xor(XOR(), X, y): {own_verdict.feedback}")
    their_error = field(theirs, "error", (str, type(None)))
    if their_error is not None:
        return raised(f"{short(their_error)} in train_xor(model, X, y)")
    start = two_layer(expected["grader_model"]["initial"], setting.max_hidden)
    assert isinstance(start, TwoLayer), "the reference's grader-built network is Linear-Sigmoid-Linear"
    grader_verdict = run_verdict(theirs, setting, NETWORKS[:1], start=start)
    own_summary = own_run_summary(own, own_verdict, setting.max_ratio)
    if grader_verdict.status == "passed":
        return Outcome.passed(
            f"train_xor works: on {net}, {grader_verdict.feedback} On your XOR() it did not "
            f"({own_summary}), so the model is what needs fixing: check XOR's layers and its forward "
            "pass (Linear, Sigmoid, Linear).",
            diagnostics=f"own-model verdict: {own_verdict.feedback if own_verdict else short(own_error)}",
        )
    if own_verdict is None:
        return prefixed(grader_verdict, f"train_xor on {net} ({own_summary}): ")
    return prefixed(own_verdict, "train_xor(XOR(), X, y): ")


def own_run_summary(own: dict[str, Any], verdict: Outcome | None, max_ratio: float) -> str:
    """The facts of the run on the student's XOR(), without advice meant for train_xor.

    A curve that did not fall enough is told as numbers; any other reason
    (a curve that is not the model's losses, a model that did not change) as is.
    """
    if verdict is None:
        where = "XOR()" if own.get("stage") == "model" else "train_xor(XOR(), X, y)"
        return f"{where} raised {short(own.get('error'))}"
    losses = curve_of(own.get("losses"), "the returned losses")
    if (losses is None or len(losses) < 2 or not np.all(np.isfinite(losses))
            or curve_verdict(own, max_ratio)[0] is None):
        return verdict.feedback.rstrip(".")
    return f"the loss went from {fmt_num(losses[0])} to {fmt_num(losses[-1])} over {len(losses)} epochs"


def prefixed(outcome: Outcome, prefix: str) -> Outcome:
    return Outcome(outcome.fraction, prefix + outcome.feedback, outcome.errored, outcome.diagnostics)


# --- xor.boundary -------------------------------------------------------------------------


def fmt_corner(corner: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:g}" for v in corner) + ")"


@dataclass(frozen=True)
class BoundarySetting:
    """The grader's points (from the reference's facts) and the item's thresholds."""

    corners: np.ndarray
    targets: np.ndarray
    grid: np.ndarray
    near: np.ndarray  # (grid points, corners): within ``radius`` of that corner
    radius: float
    threshold: float
    margin: float
    rtol: float
    atol: float
    tol: Tolerances
    max_hidden: int

    @classmethod
    def of(cls, expected: dict[str, Any], params: dict[str, Any]) -> BoundarySetting:
        corners = np.asarray(expected["corners"], dtype=np.float64)
        grid = np.asarray(expected["grid"], dtype=np.float64)
        radius = float(params.get("radius", 0.1))
        distance = np.sqrt(((grid[:, None, :] - corners[None, :, :]) ** 2).sum(-1))
        return cls(
            corners=corners, targets=np.asarray(expected["targets"], dtype=np.float64), grid=grid,
            near=distance <= radius + 1e-9, radius=radius, threshold=float(params.get("threshold", 0.5)),
            margin=float(params.get("corner_margin", 0.05)), rtol=float(params.get("rtol", 1e-4)),
            atol=float(params.get("atol", 1e-5)), tol=Tolerances.of(params),
            max_hidden=int(params.get("max_hidden", 4096)),
        )


@dataclass(frozen=True)
class Progress:
    """What training did to one seed's XOR(), recomputed here from its reported weights.

    ``changed``: whether train_xor moved the weights at all; ``loss_before`` and
    ``loss_after``: the mean squared error on the four points of the weights before
    and after, under the network the trained outputs showed (``arch``). Lets the
    hint name the likely cause (training that does not lower the loss, a model
    that is not trained) from this item's own facts, as xor.loss_decrease would.
    """

    arch: tuple[str, str]
    changed: bool
    loss_before: float
    loss_after: float


@dataclass(frozen=True)
class SeedResult:
    """One seed's verdict: ``why`` is None when the trained model solves XOR."""

    seed: int
    why: str | None
    corner_outputs: np.ndarray | None = None
    progress: Progress | None = None
    unrecognised: bool = False  # the outputs are no network of the reported weights


def reported_outputs(run: dict[str, Any], s: BoundarySetting) -> np.ndarray:
    """The model's raw outputs at the grader's corners then grid points: exactly one per point.

    Checked by size before anything is read, so an answer for other points (more,
    fewer, or a grid of its own) costs nothing and earns nothing.
    """
    corner_out, grid_out = field(run, "corner_outputs"), field(run, "grid_outputs")
    n_corners, n_grid = len(s.corners), len(s.grid)
    if size_of(corner_out) != n_corners or size_of(grid_out) != n_grid:
        raise Malformed(f"the outputs are not one value at each of the {n_corners} corners and "
                        f"{n_grid} grid points asked")
    return np.concatenate([corner_out.astype(np.float64).ravel(), grid_out.astype(np.float64).ravel()])


def trained_outputs(
    reported: np.ndarray, net: TwoLayer, s: BoundarySetting,
) -> tuple[tuple[str, str] | None, np.ndarray]:
    """Which Linear-activation-Linear network of the trained weights the model's forward is.

    The reported outputs only pick the activations; the values used for judging
    are the grader's own.
    """
    points = np.concatenate([s.corners, s.grid])
    for arch in NETWORKS:
        computed = network(points, net, *arch)
        if computed.shape[1] == 1 and np.allclose(reported, computed[:, 0], rtol=s.rtol, atol=s.atol):
            return arch, computed[:, 0]
    return None, reported


def seed_verdict(run: dict[str, Any], s: BoundarySetting) -> SeedResult:
    """Whether this seed's trained model solves XOR, from predictions the grader computes.

    Solving means: every corner on the right side of ``threshold`` by at least
    ``margin`` (an output of 0.5003 is a coin toss, not a decision), every grid
    point within ``radius`` of a corner on that corner's side, and evidence of
    training: the weights changed, and a returned loss curve starts at the loss
    of the weights before training and ends at that of the weights after.
    """
    seed = int(field(run, "seed", int))
    error = field(run, "error", (str, type(None)))
    if error:
        return SeedResult(seed, f"train_xor raised {short(error)}")
    predict_error = field(run, "predict_error", (str, type(None)))
    if predict_error:
        return SeedResult(seed, f"predicting raised {short(predict_error)}")
    reported = reported_outputs(run, s)
    after = two_layer(field(run, "final", list), s.max_hidden)
    if isinstance(after, str):
        return SeedResult(seed, f"XOR() cannot be recomputed from its weights: {after}")
    arch, values = trained_outputs(reported, after, s)
    if arch is None:
        return SeedResult(seed, f"XOR()'s outputs are not {ARCHITECTURE} (nor a look-alike) computed from "
                                "its own weights, so the grader cannot compute its predictions: forward must "
                                "return linear2(sigmoid(linear1(x)))", unrecognised=True)
    n = len(s.corners)
    corner_out, grid_out = values[:n], values[n:]
    problem = prediction_problem(corner_out, grid_out, s)
    if problem is None:
        problem = training_problem(run, after, arch, s)
    return SeedResult(seed, problem, corner_out, progress_of(run, after, arch, s))


def progress_of(run: dict[str, Any], after: TwoLayer, arch: tuple[str, str], s: BoundarySetting) -> Progress | None:
    """The seed's :class:`Progress`, or None when its weights before training do not fit ``after``."""
    before = two_layer(field(run, "initial", list), s.max_hidden)
    if isinstance(before, str) or before.w1.shape != after.w1.shape or before.w2.shape != after.w2.shape:
        return None
    return Progress(arch, not before.same_weights(after),
                    model_loss(before, s.corners, s.targets, arch, "mean"),
                    model_loss(after, s.corners, s.targets, arch, "mean"))


def prediction_problem(corner_out: np.ndarray, grid_out: np.ndarray, s: BoundarySetting) -> str | None:
    labels = s.targets > 0.5
    wrong = np.flatnonzero((corner_out > s.threshold) != labels)
    if wrong.size:
        k = int(wrong[0])
        return (
            f"wrong at {wrong.size} of {len(s.corners)} corners, e.g. {fmt_corner(s.corners[k])} gave "
            f"{fmt_num(corner_out[k])} (target {s.targets[k]:g})"
        )
    undecided = np.flatnonzero(np.abs(corner_out - s.threshold) < s.margin)
    if undecided.size:
        k = int(undecided[0])
        return (
            f"undecided at {undecided.size} of {len(s.corners)} corners, e.g. {fmt_corner(s.corners[k])} "
            f"gave {fmt_num(corner_out[k])}, within {s.margin:g} of {s.threshold:g}"
        )
    grid_pred = grid_out > s.threshold
    for k in range(len(s.corners)):
        n_wrong = int(np.count_nonzero(grid_pred[s.near[:, k]] != labels[k]))
        if n_wrong:
            return (
                f"right at the corners but wrong at {n_wrong} grid point(s) within {s.radius:g} "
                f"of {fmt_corner(s.corners[k])}"
            )
    return None


def training_problem(run: dict[str, Any], after: TwoLayer, arch: tuple[str, str], s: BoundarySetting) -> str | None:
    """Why the solution is not the work of ``train_xor``, or None.

    The weights must have moved, and a curve, when ``train_xor`` returns one,
    must be the losses of the weights before and after. Without a curve (a
    forgotten ``return``, which xor.loss_decrease judges) moved weights that
    solve XOR are the only evidence there is.
    """
    before = two_layer(field(run, "initial", list), s.max_hidden)
    if isinstance(before, str) or before.w1.shape != after.w1.shape:
        return ("XOR()'s layers before training are not the ones it has after: train_xor must train "
                "the model it is given")
    if before.same_weights(after):
        return "train_xor did not change XOR()'s weights, yet the model must learn XOR"
    losses = curve_of(field(run, "losses"), "the returned losses")
    if losses is None:
        return None
    if not losses.size or not np.all(np.isfinite(losses)):
        return "train_xor returned losses that are not finite numbers, one per epoch"
    losses = np.repeat(losses, 2) if losses.size == 1 else losses
    ok, start, end = curve_matches_weights(losses, before, after, s.corners, s.targets, (arch,), s.tol)
    return None if ok else mismatch_message(float(losses[0]), float(losses[-1]), start, end)


@check("xor.boundary")
@guarded
def check_xor_boundary(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Credit = seeds solved / ``full_credit_seeds`` (capped at 1); says how many seeds solved.

    Seeds, corners and grid are the reference's; the record must answer every
    seed, in order, with one output per grader point.
    """
    s = BoundarySetting.of(expected, params)
    seeds = [int(seed) for seed in expected["seeds"]]
    runs = field(observed, "runs", list)
    if len(runs) != len(seeds) or [field(run, "seed", int) for run in runs] != seeds:
        raise Malformed(f"the runs do not answer the {len(seeds)} seeds asked, in order")
    need = min(int(params.get("full_credit_seeds", 4)), len(runs))
    if all(field(run, "error", (str, type(None))) for run in runs):
        return raised(f"{short(runs[0]['error'])} in train_xor(XOR(), X, y)")
    results = [seed_verdict(run, s) for run in runs]
    failures = [f"seed {r.seed}: {r.why}" for r in results if r.why is not None]
    solved = len(runs) - len(failures)
    summary = (
        f"After train_xor(XOR(), X, y) with your defaults, XOR() solved XOR on {solved} of "
        f"{len(runs)} seeds"
    )
    criteria = (
        f"(outputs thresholded at {s.threshold:g} right at all 4 corners, each at least {s.margin:g} "
        f"from {s.threshold:g}, and at every grid point within {s.radius:g} of a corner)"
    )
    if not failures:
        return Outcome.passed(f"{summary} {criteria}.")
    detail = f"{summary} {criteria}; full credit needs {need}. " + "; ".join(failures) + "."
    if solved >= need:
        return Outcome.passed(detail)
    return Outcome.partial(solved / need, f"{detail} {boundary_hint(runs[0], results, solved)}")


def boundary_hint(first_run: dict[str, Any], results: list[SeedResult], solved: int) -> str:
    """The single most likely cause, judged from all of this item's facts.

    Most specific first: a squeezed output shape; outputs that are no network
    of the model's weights (xor.forward's mistake); a correct network that
    train_xor does not train or does not descend (xor.loss_decrease's mistake,
    so the architecture is not blamed); only then the architecture or the
    learning rate. The lead must agree with the item that owns the mistake.
    """
    shape = first_run.get("output_shape")
    if (isinstance(shape, list) and len(shape) <= 8 and all(isinstance(n, int) for n in shape)
            and shape != [4, 1]):
        return (
            f"XOR() returns shape {tuple(shape)} for the 4 training points, expected (4, 1): "
            "MSELoss then broadcasts it against y of shape (4, 1) and fits the wrong targets. "
            "Keep the output layer's last dimension."
        )
    if any(r.unrecognised for r in results) and all(r.why is None or r.unrecognised for r in results):
        return ("See xor.forward: forward must compute its outputs from the model's own layers, "
                "linear2(sigmoid(linear1(x))), so that training them changes the predictions.")
    training = training_hint([r for r in results if r.why is not None], solved)
    if training is not None:
        return training
    outputs = [r.corner_outputs for r in results if r.corner_outputs is not None]
    flat = bool(outputs) and all(np.ptp(out) < 0.2 for out in outputs)
    if solved == 0 and flat:
        return (
            "The outputs stay close together at all four corners, so the model did not learn XOR: "
            "is there a Sigmoid between the layers, and does train_xor train the model it is given "
            "with a large enough learning rate?"
        )
    if solved == 0:
        return (
            "Check train_xor on its own (xor.loss_decrease) and XOR's forward pass (Linear, Sigmoid, Linear); "
            "then make the defaults train long enough."
        )
    return (
        "Training gets stuck from some initialisations: a wider default hidden layer (e.g. "
        "XOR(n_hidden=8)) and Adam with lr around 0.05 make XOR() learn from almost every seed."
    )


def training_hint(failed: list[SeedResult], solved: int) -> str | None:
    """A lead at train_xor when every failed seed's XOR() is the contract's network, or None.

    The architecture is then not the cause, so the hint must not blame it: a
    model whose weights never moved was not trained (the model argument is
    ignored); a loss, recomputed from the weights, that did not fall means
    train_xor does not descend (gradients never reset, or a learning rate far too
    large); one that fell too little means too small a learning rate or too few
    epochs, when no seed was solved (otherwise some initialisations get stuck,
    which the caller's hint explains). These are the leads xor.loss_decrease
    gives from its own facts.
    """
    progress = [r.progress for r in failed]
    if not failed or any(p is None or p.arch != NETWORKS[0] for p in progress):
        return None
    if not any(p.changed for p in progress):  # type: ignore[union-attr]
        return ("See xor.loss_decrease: train_xor did not change XOR()'s weights on any seed, so XOR() "
                "was never trained. Train the `model` argument (an optimizer over model.parameters(), "
                "optimizer.step() every epoch), not a new model.")
    first = failed[0]
    p = first.progress
    assert p is not None
    numbers = (f"for seed {first.seed}, recomputed from XOR()'s weights, the mean squared error went from "
               f"{fmt_num(p.loss_before)} before training to {fmt_num(p.loss_after)} after")
    if all(q.loss_after >= q.loss_before for q in progress if q.changed):  # type: ignore[union-attr]
        return (f"XOR() computes the network the sheet asks for, but train_xor does not lower its loss "
                f"({numbers}); see xor.loss_decrease: are the gradients reset every epoch "
                "(optimizer.zero_grad()), and is the learning rate not far too large?")
    if solved:
        return None
    return (f"XOR() computes the network the sheet asks for, but train_xor lowers its loss too little "
            f"({numbers}); see xor.loss_decrease: raise the default learning rate or train for more epochs "
            "(Adam with lr around 0.01 to 0.1 for a few hundred epochs works well).")


XOR_ARCHITECTURE = "Linear-Sigmoid-Linear"
ARCH_NAMES = {
    ("sigmoid", "none"): "Linear-Sigmoid-Linear",
    ("none", "none"): "Linear-Linear",
    ("relu", "none"): "Linear-ReLU-Linear",
    ("tanh", "none"): "Linear-Tanh-Linear",
    ("sigmoid", "sigmoid"): "Linear-Sigmoid-Linear-Sigmoid",
    ("none", "sigmoid"): "Linear-Linear-Sigmoid",
}



# --- pictures (autograder check --plot/--html) -----------------------------------------------------------------------------------


def xor_grid(points_per_axis: int = GRID_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dense grid over [0, 1]^2 the boundary is drawn on: axes and (N, 2) points."""
    axis = np.linspace(0.0, 1.0, points_per_axis)
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def boundary_panel(run: Any, expected: dict[str, Any], params: dict[str, Any]) -> Panel | str:
    """One seed's decision boundary, computed from its trained weights; or why it cannot be drawn.

    The reported outputs at the grader's corners and grid points only decide
    which Linear-activation-Linear network of the weights the student's forward
    is (as xor.boundary does); the drawn values are computed here.
    """
    seed = run.get("seed") if isinstance(run, dict) else None
    label = f"seed {seed}" if isinstance(seed, int) and not isinstance(seed, bool) else "a seed"
    if not isinstance(run, dict):
        return f"{label}: nothing to draw (no record)"
    if run.get("error"):
        return f"{label}: not drawn, train_xor raised {short(run['error'], 120)}"
    if run.get("predict_error"):
        return f"{label}: not drawn, XOR() raised {short(run['predict_error'], 120)} when predicting"
    try:
        setting = BoundarySetting.of(expected, params)
        net = two_layer(run.get("final"), setting.max_hidden)
        if isinstance(net, str):
            return f"{label}: not drawn, {net}"
        arch, _ = trained_outputs(reported_outputs(run, setting), net, setting)
    except Malformed as problem:
        return f"{label}: not drawn, the record is not usable ({problem})"
    if arch is None:
        return (f"{label}: not drawn, XOR()'s outputs are not {XOR_ARCHITECTURE} (nor a look-alike) of its "
                "own weights, so the grader cannot compute them")
    xx, yy, points = xor_grid()
    values = network(points, net, *arch)[:, 0].reshape(xx.shape)
    title = label if arch == ("sigmoid", "none") else f"{label} ({ARCH_NAMES.get(arch, 'look-alike')})"
    return Panel("boundary", title, {
        "xx": xx, "yy": yy, "values": values,
        "corners": np.asarray(expected["corners"], dtype=np.float64),
        "targets": np.asarray(expected["targets"], dtype=np.float64),
    })


@plot("xor.boundary")
def xor_boundary(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Section:
    """One panel per seed the grader asked, in the grader's order."""
    section = Section("xor.boundary", "Decision boundary of XOR() after train_xor, one panel per seed")
    runs = facts.get("runs")
    seeds = [int(s) for s in expected["seeds"]]
    if not isinstance(runs, list) or len(runs) != len(seeds):
        section.notes.append(f"No boundary drawn: your record does not hold one run for each of the "
                             f"{len(seeds)} seeds.")
        return section
    for seed, run in zip(seeds, runs, strict=True):
        if not isinstance(run, dict) or run.get("seed") != seed:
            section.notes.append(f"seed {seed}: not drawn, the record answers another seed")
            continue
        drawn = boundary_panel(run, expected, params)
        (section.panels.append(drawn) if isinstance(drawn, Panel) else section.notes.append(drawn))
    if section.panels:
        section.notes.insert(0, "Shaded: where your trained model's output is above 0.5 (class 1). Dots: the "
                                "four XOR points, coloured by their target.")
    return section


@plot("xor.loss_decrease")
def xor_loss(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Section:
    """The two runs xor.loss_decrease makes: on the student's XOR() and on the grader's network."""
    section = Section("xor.loss_decrease", "Loss per epoch of train_xor, yours against the reference's")
    seed = expected.get("seed", 0)
    width = expected.get("grader_hidden", 16)
    runs = (("own_model", f"Your train_xor on XOR(), seed {seed}"),
            ("grader_model", f"Your train_xor on the grader's Linear(2, {width})-Sigmoid-Linear, seed {seed}"))
    for key, title in runs:
        mine, ref = facts.get(key), expected.get(key)
        if not isinstance(mine, dict) or mine.get("error"):
            section.notes.append(f"{title}: no curve, the run raised an error")
            continue
        drawn = curve_panel(title, mine.get("losses"), ref.get("losses") if isinstance(ref, dict) else None)
        (section.panels.append(drawn) if isinstance(drawn, Panel) else section.notes.append(drawn))
    return section
