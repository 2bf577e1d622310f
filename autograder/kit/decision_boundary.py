"""Kind ``decision_boundary``: the student's model, trained by the student's function, classifies.

Settings::

    observe: {class: Net, args: [], function: train, arguments: [model, inputs, targets],
              train_kwargs: {},                                   # optional
              data: {inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [0, 1, 1, 0]},
              seeds: [0, 1, 2, 3, 4], grid: {points_per_axis: 21, pad: 0.0}}
    check: {chain: [linear, sigmoid, linear], threshold: 0.5, margin: 0.05, radius: 0.1,
            full_credit_seeds: 4, rtol: 1.0e-4, atol: 1.0e-5, loss: squared_error,
            reductions: [mean, sum], first_loss_rtol: 1.0e-3, last_loss_tol: 0.1, max_width: 4096,
            mistakes: [...], task: "...", advice: {...}, related: {...}}   # the last four optional

Any two-class problem on 2-D points: per seed, the observer seeds everything,
builds the model with the class's defaults, trains it with the function's
defaults on the declared points, and reports the layers before and after, the
returned losses, and the raw outputs at the points and on a regular grid over
their bounding box (widened by ``pad``).

The judge takes the points, targets, grid and seeds from the reference's facts.
The reported outputs only pick which network of the trained weights the
model's forward is (``chain`` or a look-alike of
:func:`autograder.kit.numeric.variants`, within ``rtol``/``atol``); the
predictions are the grader's, computed from the weights. A seed is solved
when every point is on its target's side of ``threshold`` by at least
``margin``, every grid point within ``radius`` of a point is on that point's
side, the weights moved, and a returned curve is the loss of the weights at
both ends (as :mod:`autograder.kit.training_reduces_loss` checks). Credit is
seeds solved over ``full_credit_seeds``. A layer wider than ``max_width`` is refused by
its shape before any arithmetic (the grid makes each unit cost hundreds of values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, short
from autograder.checks.common import fmt_num
from autograder.kit import kind, kind_plot
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.numeric import Layer, chain_problem, describe, run_chain, variants
from autograder.kit.records import Array, CallQuestion, LayerWeights
from autograder.kit.settings import BUILD, ref, settings
from autograder.kit.training_reduces_loss import (
    REDUCTIONS, TRAINING_DEFS, Problem, call_text, curve_matches, curve_of, mismatch_message, network_loss,
    same_weights, trained_layers,
)
from autograder.results import Outcome

# --- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundaryRun:
    """One seed: the trained model's layers, its curve and its raw outputs at the grader's points."""

    seed: int
    error: str | None  # building or training raised
    returned_type: str
    losses: Array | None
    losses_length: int | None
    convert_error: str | None
    initial: list[LayerWeights | None]  # before training, for each layer of ``final``
    final: list[LayerWeights]
    point_outputs: Array | None  # one value per declared point
    grid_outputs: Array | None  # one value per grid point
    output_shape: list[int] | None  # the shape the model returned for the declared points
    predict_error: str | None


@dataclass(frozen=True)
class BoundaryFacts:
    call: CallQuestion  # the training function and its call
    model: str  # the grader's text of the model, e.g. "Net()"
    arguments: list[str]
    seeds: list[int]
    inputs: Array  # (N, 2) the declared points
    targets: Array  # (N,) their targets
    grid: Array  # (G, 2)
    runs: list[BoundaryRun]


# --- settings -----------------------------------------------------------------------------

GRID = {"type": "object", "additionalProperties": False, "required": ["points_per_axis", "pad"],
        "properties": {"points_per_axis": {"type": "integer", "minimum": 2, "maximum": 201},
                       "pad": {"type": "number", "minimum": 0}}}
POINTS_2D = {"type": "array", "minItems": 2, "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                        "items": {"type": "number"}}}
DATA_2D = {"type": "object", "additionalProperties": False, "required": ["inputs", "targets"],
           "properties": {"inputs": POINTS_2D,
                          "targets": {"type": "array", "minItems": 2, "items": {"type": "number"}}}}
TEXT = {"type": "string", "minLength": 1}
ADVICE = {"type": "object", "additionalProperties": False,
          "properties": {"stuck": TEXT, "too_little": TEXT}}
RELATED = {"type": "object", "additionalProperties": False,
           "properties": {"training": TEXT, "forward": TEXT}}
OBSERVE = {**settings({**BUILD, "function": ref("name"), "arguments": ref("arguments"),
                       "train_kwargs": ref("kwargs"), "data": DATA_2D, "grid": GRID,
                       "seeds": {"type": "array", "minItems": 1, "items": ref("seed")}},
                      ["class", "function", "arguments", "data", "grid", "seeds"]), "$defs": TRAINING_DEFS}
CHECK = {**settings({"chain": ref("chain"), "threshold": {"type": "number"}, "margin": ref("tolerance"),
                     "radius": ref("tolerance"), "full_credit_seeds": ref("count"), "rtol": ref("tolerance"),
                     "atol": ref("tolerance"), "loss": {"enum": ["squared_error"]},
                     "reductions": ref("reductions"), "first_loss_rtol": ref("tolerance"),
                     "last_loss_tol": ref("tolerance"), "max_width": ref("count"), "mistakes": ref("mistakes"),
                     "task": TEXT, "advice": ADVICE, "related": RELATED},
                    ["chain", "threshold", "margin", "radius", "full_credit_seeds", "rtol", "atol", "loss",
                     "reductions", "first_loss_rtol", "last_loss_tol", "max_width"]), "$defs": TRAINING_DEFS}


def grid_points(inputs: np.ndarray, points_per_axis: int, pad: float) -> np.ndarray:
    """A regular grid over the points' bounding box widened by ``pad``; the first coordinate
    varies slowest (as ``torch.cartesian_prod`` orders it)."""
    low, high = inputs.min(axis=0) - pad, inputs.max(axis=0) + pad
    axes = [np.linspace(low[k], high[k], points_per_axis) for k in range(2)]
    first, second = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([first.ravel(), second.ravel()]).astype(np.float32)


# --- the grader's setting -----------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """The grader's points (from the reference's facts) and the item's numbers."""

    function: str
    call: str  # the training call on the student's model, e.g. "train(Net(), X, y)"
    model: str
    points: np.ndarray  # (N, 2) float64
    targets: np.ndarray  # (N,)
    grid: np.ndarray  # (G, 2)
    near: np.ndarray  # (G, N): within ``radius`` of that point
    chain: tuple[str, ...]
    look_alikes: tuple[tuple[str, ...], ...]  # the chain first
    radius: float
    threshold: float
    margin: float
    rtol: float
    atol: float
    max_width: int
    problem: Problem
    params: dict[str, Any]

    @classmethod
    def of(cls, reference: BoundaryFacts, params: dict[str, Any]) -> Setting:
        points = np.asarray(reference.inputs, dtype=np.float64)
        targets = np.asarray(reference.targets, dtype=np.float64).reshape(-1)
        grid = np.asarray(reference.grid, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or grid.ndim != 2 or grid.shape[1] != 2 \
                or len(targets) != len(points):
            raise ReferenceProblem("the reference's points, targets or grid are not 2-D points with one target each")
        radius = float(params["radius"])
        distance = np.sqrt(((grid[:, None, :] - points[None, :, :]) ** 2).sum(-1))
        chain = tuple(params["chain"])
        return cls(
            function=reference.call.name, call=call_text(reference.call.name, reference.arguments, reference.model),
            model=reference.model, points=points, targets=targets, grid=grid, near=distance <= radius + 1e-9,
            chain=chain, look_alikes=(chain, *(v.chain for v in variants(chain, params.get("mistakes", ())))),
            radius=radius, threshold=float(params["threshold"]), margin=float(params["margin"]),
            rtol=float(params["rtol"]), atol=float(params["atol"]), max_width=int(params["max_width"]),
            problem=Problem(points, targets.reshape(-1, 1), tuple(params["reductions"]),
                            float(params["first_loss_rtol"]), float(params["last_loss_tol"])),
            params=params)


# --- one seed -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What training did to one seed's model, recomputed from its weights under the chain its
    outputs showed: whether the weights moved and the loss (first reduction) before and after."""

    chain: tuple[str, ...]
    changed: bool
    loss_before: float
    loss_after: float


@dataclass(frozen=True)
class SeedResult:
    seed: int
    why: str | None  # None: solved
    point_values: np.ndarray | None = None
    progress: Progress | None = None
    unrecognised: bool = False  # the outputs are no network of the reported weights


def reported_outputs(run: BoundaryRun, s: Setting) -> np.ndarray:
    """The raw outputs at the grader's points then grid points, checked by size before reading."""
    n_points, n_grid = len(s.points), len(s.grid)
    if not (_numeric_size(run.point_outputs) == n_points and _numeric_size(run.grid_outputs) == n_grid):
        raise Malformed(f"the outputs are not one value at each of the {n_points} points and "
                        f"{n_grid} grid points asked")
    return np.concatenate([run.point_outputs.astype(np.float64).ravel(), run.grid_outputs.astype(np.float64).ravel()])


def _numeric_size(value: Any) -> int | None:
    return value.size if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" else None


def network_of(layers: list[Layer], s: Setting) -> str | None:
    """Why the trained layers are not the chain's network on 2-D points with one output, or None."""
    why = chain_problem(s.chain, layers, 2)
    if why is None and layers[-1].shape[0] != 1:
        why = f"its last nn.Linear layer has {layers[-1].shape[0]} outputs, where one is asked"
    return why


def trained_outputs(reported: np.ndarray, layers: list[Layer], s: Setting
                    ) -> tuple[tuple[str, ...] | None, np.ndarray]:
    """Which network of the trained weights the model's forward is, and its values (the grader's)."""
    points = np.concatenate([s.points, s.grid])
    for chain in s.look_alikes:
        computed = run_chain(chain, layers, points)
        with np.errstate(invalid="ignore"):
            if computed.shape[1] == 1 and np.allclose(reported, computed[:, 0], rtol=s.rtol, atol=s.atol):
                return chain, computed[:, 0]
    return None, reported


def seed_verdict(run: BoundaryRun, seed: int, s: Setting) -> SeedResult:
    """Whether this seed's trained model classifies the points, from the grader's predictions."""
    if run.error:
        return SeedResult(seed, f"{s.function} raised {short(run.error)}")
    if run.predict_error:
        return SeedResult(seed, f"predicting raised {short(run.predict_error)}")
    reported = reported_outputs(run, s)
    after = trained_layers(run.final, s.max_width)
    why = after if isinstance(after, str) else network_of(after, s)
    if why is not None:
        return SeedResult(seed, f"{s.model} cannot be recomputed from its weights: {why}")
    assert not isinstance(after, str)
    chain, values = trained_outputs(reported, after, s)
    if chain is None:
        return SeedResult(seed, f"{s.model}'s outputs are not {describe(s.chain)} (nor a look-alike) computed from "
                                "its own weights, so the grader cannot compute its predictions: forward must return "
                                f"{describe(s.chain)} of its own layers", unrecognised=True)
    n = len(s.points)
    problem = prediction_problem(values[:n], values[n:], s) or training_problem(run, after, chain, s)
    return SeedResult(seed, problem, values[:n], progress_of(run, after, chain, s))


def progress_of(run: BoundaryRun, after: list[Layer], chain: tuple[str, ...], s: Setting) -> Progress | None:
    before = trained_layers(run.initial, s.max_width)
    if isinstance(before, str) or [x.shape for x in before] != [x.shape for x in after]:
        return None
    reduction = s.problem.reductions[0]
    return Progress(chain, not same_weights(before, after), network_loss(chain, before, s.problem, reduction),
                    network_loss(chain, after, s.problem, reduction))


def fmt_point(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:g}" for v in point) + ")"


def prediction_problem(point_out: np.ndarray, grid_out: np.ndarray, s: Setting) -> str | None:
    labels = s.targets > s.threshold
    n = len(s.points)
    wrong = np.flatnonzero((point_out > s.threshold) != labels)
    if wrong.size:
        k = int(wrong[0])
        return (f"wrong at {wrong.size} of {n} points, e.g. {fmt_point(s.points[k])} gave {fmt_num(point_out[k])} "
                f"(target {s.targets[k]:g})")
    undecided = np.flatnonzero(np.abs(point_out - s.threshold) < s.margin)
    if undecided.size:
        k = int(undecided[0])
        return (f"undecided at {undecided.size} of {n} points, e.g. {fmt_point(s.points[k])} gave "
                f"{fmt_num(point_out[k])}, within {s.margin:g} of {s.threshold:g}")
    grid_pred = grid_out > s.threshold
    for k in range(n):
        n_wrong = int(np.count_nonzero(grid_pred[s.near[:, k]] != labels[k]))
        if n_wrong:
            return (f"right at the points but wrong at {n_wrong} grid point(s) within {s.radius:g} of "
                    f"{fmt_point(s.points[k])}")
    return None


def training_problem(run: BoundaryRun, after: list[Layer], chain: tuple[str, ...], s: Setting) -> str | None:
    """Why the solution is not the work of the training function, or None.

    The weights must have moved, and a curve, when the function returns one,
    must be the losses of the weights before and after. Without a curve (a
    forgotten ``return``, which a training item judges) moved weights that
    solve the task are the only evidence there is.
    """
    before = trained_layers(run.initial, s.max_width)
    if isinstance(before, str) or [x.shape for x in before] != [x.shape for x in after]:
        return (f"{s.model}'s layers before training are not the ones it has after: {s.function} must train the "
                "model it is given")
    if same_weights(before, after):
        return f"{s.function} did not change {s.model}'s weights, yet the model must learn"
    losses = curve_of(run)  # size-checked against its stated length, float64
    if losses is None:
        return None
    if not losses.size or not np.all(np.isfinite(losses)):
        return f"{s.function} returned losses that are not finite numbers, one per epoch"
    losses = np.repeat(losses, 2) if losses.size == 1 else losses
    ok, start, end = curve_matches(losses, before, after, (chain,), s.problem)
    return None if ok else mismatch_message(s.function, float(losses[0]), float(losses[-1]), start, end)


# --- the judge ----------------------------------------------------------------------------


@kind("decision_boundary", observe=OBSERVE, check=CHECK)
@judged
def judge_decision_boundary(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Credit = seeds solved / ``full_credit_seeds`` (capped at 1); says how many seeds solved."""
    got, reference = both(BoundaryFacts, observed, expected)
    s = Setting.of(reference, params)
    seeds = [int(seed) for seed in reference.seeds]
    runs = got.runs
    if len(runs) != len(seeds) or [run.seed for run in runs] != seeds:
        raise Malformed(f"the runs do not answer the {len(seeds)} seeds asked, in order")
    need = min(int(params["full_credit_seeds"]), len(runs))
    if all(run.error for run in runs):
        return raised(runs[0].error or "", s.call)
    results = [seed_verdict(run, seed, s) for run, seed in zip(runs, seeds, strict=True)]
    failures = [f"seed {r.seed}: {r.why}" for r in results if r.why is not None]
    solved = len(runs) - len(failures)
    task = params.get("task")
    did = f"solved {task}" if task else "classified the points"
    summary = f"After {s.call} with your defaults, {s.model} {did} on {solved} of {len(runs)} seeds"
    criteria = (f"(outputs thresholded at {s.threshold:g} right at all {len(s.points)} points, each at least "
                f"{s.margin:g} from {s.threshold:g}, and at every grid point within {s.radius:g} of a point)")
    if not failures:
        return Outcome.passed(f"{summary} {criteria}.")
    detail = f"{summary} {criteria}; full credit needs {need}. " + "; ".join(failures) + "."
    if solved >= need:
        return Outcome.passed(detail)
    return Outcome.partial(solved / need, f"{detail} {boundary_hint(runs[0], results, solved, s)}")


def see(s: Setting, which: str, first: bool = False) -> str:
    """``see <item>: `` naming the YAML's related item (``related:``), or nothing."""
    item = s.params.get("related", {}).get(which)
    return f"{'See' if first else 'see'} {item}: " if item else ""


def boundary_hint(first_run: BoundaryRun, results: list[SeedResult], solved: int, s: Setting) -> str:
    """The single most likely cause, judged from all of this item's facts.

    Most specific first: an output of the wrong shape; outputs that are no
    network of the model's weights; a correct network that the training
    function does not train or does not descend (so the architecture is not
    blamed); only then the architecture or the training defaults.
    """
    shape, n = first_run.output_shape, len(s.points)
    if isinstance(shape, list) and len(shape) <= 8 and all(isinstance(k, int) for k in shape) and shape != [n, 1]:
        return (f"{s.model} returns shape {tuple(shape)} for the {n} training points, expected ({n}, 1): the loss "
                f"then broadcasts it against targets of shape ({n}, 1) and fits the wrong targets. Keep the output "
                "layer's last dimension.")
    if any(r.unrecognised for r in results) and all(r.why is None or r.unrecognised for r in results):
        return (f"{see(s, 'forward', first=True)}forward must compute its outputs from the model's own "
                f"layers, {describe(s.chain)}, so that training them changes the predictions.")
    training = training_hint([r for r in results if r.why is not None], solved, s)
    if training is not None:
        return training
    values = [r.point_values for r in results if r.point_values is not None]
    flat = bool(values) and all(np.ptp(v) < 0.2 for v in values)
    if solved == 0 and flat:
        return (f"The outputs stay close together at all {n} points, so the model did not learn: does it compute "
                f"{describe(s.chain)}, and does {s.function} train the model it is given with a large enough "
                "learning rate?")
    if solved == 0:
        training_item = s.params.get("related", {}).get("training")
        on_its_own = f" on its own ({training_item})" if training_item else " on its own"
        return (f"Check {s.function}{on_its_own} and the model's forward pass ({describe(s.chain)}); then make "
                "the defaults train long enough.")
    return "Training gets stuck from some initialisations: " + s.params.get("advice", {}).get(
        "stuck", "a wider default hidden layer or another learning rate may make the model learn from more seeds.")


def training_hint(failed: list[SeedResult], solved: int, s: Setting) -> str | None:
    """A lead at the training function when every failed seed's model computes the chain asked.

    The architecture is then not the cause: a model whose weights never moved
    was not trained; a loss (recomputed from the weights) that did not fall
    means no descent; one that fell too little, when no seed was solved, means
    too small a learning rate or too few epochs.
    """
    progress = [r.progress for r in failed]
    if not failed or any(p is None or p.chain != s.chain for p in progress):
        return None
    if not any(p.changed for p in progress if p is not None):
        return (f"{see(s, 'training', first=True)}{s.function} did not change {s.model}'s weights on any seed, so "
                f"{s.model} was never trained. Train the `model` argument (an optimizer over model.parameters(), "
                "optimizer.step() every epoch), not a new model.")
    first = failed[0]
    p = first.progress
    assert p is not None
    numbers = (f"for seed {first.seed}, recomputed from {s.model}'s weights, the loss went from "
               f"{fmt_num(p.loss_before)} before training to {fmt_num(p.loss_after)} after")
    if all(q.loss_after >= q.loss_before for q in progress if q is not None and q.changed):
        return (f"{s.model} computes the network asked for, but {s.function} does not lower its loss ({numbers}); "
                f"{see(s, 'training')}are the gradients reset every epoch (optimizer.zero_grad()), and is the "
                "learning rate not far too large?")
    if solved:
        return None
    advice = s.params.get("advice", {}).get("too_little", "raise the default learning rate or train for more "
                                                          "epochs.")
    return (f"{s.model} computes the network asked for, but {s.function} lowers its loss too little ({numbers}); "
            f"{see(s, 'training')}{advice}")


# --- pictures -----------------------------------------------------------------------------

DRAWN_PER_AXIS = 101  # the drawn boundary's grid, over the grader's grid's box


def boundary_panel(run: BoundaryRun, seed: int, s: Setting) -> Any:
    """One seed's decision boundary, computed from its trained weights; or why it is not drawn.

    The reported outputs only decide which network of the weights the
    student's forward is (as the judge does); the drawn values are the grader's.
    """
    from autograder.report.plots import Panel

    label = f"seed {seed}"
    if run.error:
        return f"{label}: not drawn, {s.function} raised {short(run.error, 120)}"
    if run.predict_error:
        return f"{label}: not drawn, {s.model} raised {short(run.predict_error, 120)} when predicting"
    try:
        after = trained_layers(run.final, s.max_width)
        why = after if isinstance(after, str) else network_of(after, s)
        if why is not None:
            return f"{label}: not drawn, {why}"
        assert not isinstance(after, str)
        chain, _ = trained_outputs(reported_outputs(run, s), after, s)
    except Malformed as problem:
        return f"{label}: not drawn, the record is not usable ({problem})"
    if chain is None:
        return (f"{label}: not drawn, {s.model}'s outputs are not {describe(s.chain)} (nor a look-alike) of its "
                "own weights, so the grader cannot compute them")
    low, high = s.grid.min(axis=0), s.grid.max(axis=0)
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], DRAWN_PER_AXIS), np.linspace(low[1], high[1], DRAWN_PER_AXIS))
    values = run_chain(chain, after, np.column_stack([xx.ravel(), yy.ravel()]))[:, 0].reshape(xx.shape)
    title = label if chain == s.chain else f"{label} ({describe(chain)})"
    return Panel("boundary", title, {"xx": xx, "yy": yy, "values": values, "corners": s.points,
                                     "targets": s.targets})


@kind_plot("decision_boundary")
def plot_boundary(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Any:
    """One panel per seed the grader asked, in the grader's order."""
    from autograder.report.plots import Panel, Section

    try:
        got, reference = both(BoundaryFacts, facts, expected)
        s = Setting.of(reference, params)
    except (Malformed, ReferenceProblem) as problem:
        return Section("", "Decision boundary", notes=[f"No boundary drawn: the record is not usable ({problem})."])
    section = Section("", f"Decision boundary of {s.model} after {s.function}, one panel per seed")
    seeds = [int(seed) for seed in reference.seeds]
    if len(got.runs) != len(seeds):
        section.notes.append(f"No boundary drawn: your record does not hold one run for each of the {len(seeds)} "
                             "seeds.")
        return section
    for seed, run in zip(seeds, got.runs, strict=True):
        if run.seed != seed:
            section.notes.append(f"seed {seed}: not drawn, the record answers another seed")
            continue
        drawn = boundary_panel(run, seed, s)
        (section.panels.append(drawn) if isinstance(drawn, Panel) else section.notes.append(drawn))
    if section.panels:
        section.notes.insert(0, f"Shaded: where your trained model's output is above {s.threshold:g} (class 1). "
                                "Dots: the training points, coloured by their target.")
    return section


__all__ = ["BoundaryFacts", "BoundaryRun", "REDUCTIONS", "grid_points", "judge_decision_boundary"]
