"""Pictures for students' self-checks: what the trained model does, next to the reference.

Drawn for the visible items only, from their records, which are claims the
submission wrote: every array is size-checked against what the grader asked
(the reference's facts, ``expected``) before it is read, and a picture that
cannot be drawn from a record becomes a sentence instead. The decision
boundary and the regression fit are recomputed here in NumPy from the weights
the record reports, with the same helpers the checks use, so the picture shows
what those weights compute, never a grid the submission painted. Reads facts;
scores nothing; shows no threshold beyond those the feedback and contract state.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks.claims import Malformed

MAX_CURVE = 100_000  # a longer "loss curve" is not drawn (bounds the grader's work)
GRID_POINTS = 101  # per axis, for the decision boundary
XOR_ARCHITECTURE = "Linear-Sigmoid-Linear"
ARCH_NAMES = {
    ("sigmoid", "none"): "Linear-Sigmoid-Linear",
    ("none", "none"): "Linear-Linear",
    ("relu", "none"): "Linear-ReLU-Linear",
    ("tanh", "none"): "Linear-Tanh-Linear",
    ("sigmoid", "sigmoid"): "Linear-Sigmoid-Linear-Sigmoid",
    ("none", "sigmoid"): "Linear-Linear-Sigmoid",
}


@dataclass
class Panel:
    """One small picture: ``kind`` is "boundary", "curve", "fit" or "histogram"."""

    kind: str
    title: str
    data: dict[str, Any]


@dataclass
class Section:
    """The pictures of one rubric item, with sentences for what could not be drawn."""

    item: str
    heading: str
    panels: list[Panel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- reading records -----------------------------------------------------------------------


def curve(value: Any) -> np.ndarray | None:
    """A reported loss curve as finite float64 values, or None when it is not one.

    Size is read before values, so an enormous claim costs nothing.
    """
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "biuf" or not 2 <= value.size <= MAX_CURVE:
            return None
        array = value.astype(np.float64)
    elif isinstance(value, list) and 2 <= len(value) <= MAX_CURVE and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        array = np.asarray(value, dtype=np.float64)
    else:
        return None
    return array if np.all(np.isfinite(array)) else None


def facts_of(record: Any) -> dict[str, Any] | None:
    """The facts of a record that ran to the end, or None."""
    if isinstance(record, dict) and record.get("status") == "ok" and isinstance(record.get("facts"), dict):
        return record["facts"]
    return None


def log_scale(*curves: np.ndarray | None) -> bool:
    """Log y when every value is positive and they span more than two decades."""
    values = [c for c in curves if c is not None and c.size]
    if not values:
        return False
    low = min(float(c.min()) for c in values)
    high = max(float(c.max()) for c in values)
    return low > 0 and high / low > 100


# --- xor -----------------------------------------------------------------------------------


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
    from autograder.checks import xor as xc

    seed = run.get("seed") if isinstance(run, dict) else None
    label = f"seed {seed}" if isinstance(seed, int) and not isinstance(seed, bool) else "a seed"
    if not isinstance(run, dict):
        return f"{label}: nothing to draw (no record)"
    if run.get("error"):
        return f"{label}: not drawn, train_xor raised {xc.short(run['error'], 120)}"
    if run.get("predict_error"):
        return f"{label}: not drawn, XOR() raised {xc.short(run['predict_error'], 120)} when predicting"
    try:
        setting = xc.BoundarySetting.of(expected, params)
        net = xc.two_layer(run.get("final"), setting.max_hidden)
        if isinstance(net, str):
            return f"{label}: not drawn, {net}"
        arch, _ = xc.trained_outputs(xc.reported_outputs(run, setting), net, setting)
    except Malformed as problem:
        return f"{label}: not drawn, the record is not usable ({problem})"
    if arch is None:
        return (f"{label}: not drawn, XOR()'s outputs are not {XOR_ARCHITECTURE} (nor a look-alike) of its "
                "own weights, so the grader cannot compute them")
    xx, yy, points = xor_grid()
    values = xc.network(points, net, *arch)[:, 0].reshape(xx.shape)
    title = label if arch == ("sigmoid", "none") else f"{label} ({ARCH_NAMES.get(arch, 'look-alike')})"
    return Panel("boundary", title, {
        "xx": xx, "yy": yy, "values": values,
        "corners": np.asarray(expected["corners"], dtype=np.float64),
        "targets": np.asarray(expected["targets"], dtype=np.float64),
    })


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


def curve_panel(title: str, yours: Any, reference: Any) -> Panel | str:
    """Your loss curve against the reference's on the same run; or why it is not drawn."""
    mine = curve(yours)
    if mine is None:
        return f"{title}: no curve drawn, your function did not return a list of finite losses"
    return Panel("curve", title, {"yours": mine, "reference": curve(reference)})


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


# --- mlp_regression ------------------------------------------------------------------------


def goal_fun(x: np.ndarray) -> np.ndarray:
    """The contract's goal function, computed by the grader."""
    return x**3 - x**2 + 25 * np.sin(2 * x)


def mlp_fit(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Panel | str:
    """The grader-built ReLU MLP's curve after your ``train``, recomputed from its final weights.

    Data are the reference's (the grader's seeded data set); the weights must
    have the shapes of the network the grader built, else nothing is drawn.
    """
    from autograder.checks import mlp as mc

    try:
        start = mc._layers(expected["initial"], *mc._bounds(params))
        final = mc._layers(facts.get("final"), *mc._bounds(params))
    except Malformed as problem:
        return f"No fitted curve: the record is not usable ({problem})"
    if [layer.weight.shape for layer in final] != [layer.weight.shape for layer in start]:
        return "No fitted curve: the weights after training are not those of the model the grader built"
    x = np.asarray(expected["inputs"], dtype=np.float64).ravel()
    y = np.asarray(expected["targets"], dtype=np.float64).ravel()
    xs = np.linspace(float(x.min()), float(x.max()), 400)
    fitted = mc._network(xs.reshape(-1, 1), final, mc._relu, mc._identity)[:, 0]
    if not np.all(np.isfinite(fitted)):
        return "No fitted curve: the trained weights give values that are not finite numbers"
    return Panel("fit", "The grader's ReLU MLP after your train", {
        "x": x, "y": y, "xs": xs, "goal": goal_fun(xs), "fitted": fitted})


def mlp_loss(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Section:
    """mlp.loss_decrease: the fit after training and the loss curve against the reference's."""
    section = Section("mlp.loss_decrease", "Your train on the grader's 1-10-10-10-1 ReLU MLP")
    for drawn in (mlp_fit(facts, expected, params),
                  curve_panel(f"Your train, {expected.get('n_epochs', '?')} epochs", facts.get("losses"),
                              expected.get("losses"))):
        (section.panels.append(drawn) if isinstance(drawn, Panel) else section.notes.append(drawn))
    return section


def init_histogram(facts: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Section:
    """mlp.init_range: fresh weights times sqrt(fan_in), which PyTorch's default keeps in [-1, 1].

    Only drawn when the item is visible (the spec decides; the grader never
    passes hidden items' records here).
    """
    from autograder.checks import mlp as mc

    section = Section("mlp.init_range", "Weights of freshly built models, scaled by sqrt(fan_in)")
    models = facts.get("models")
    if not isinstance(models, list) or len(models) != len(expected.get("models", [])):
        section.notes.append("No histogram: your record does not hold one entry per model asked")
        return section
    for model in models:
        label = mc._short(model.get("label", "?"), 60) if isinstance(model, dict) else "?"
        seeds = model.get("seeds") if isinstance(model, dict) else None
        if not isinstance(seeds, list) or not seeds or len(seeds) > 16:
            section.notes.append(f"{label}: no histogram, the model could not be built")
            continue
        try:
            layers = [layer for s in seeds for layer in mc._layers(s, *mc._bounds(params))]
        except Malformed as problem:
            section.notes.append(f"{label}: no histogram, the record is not usable ({problem})")
            continue
        scaled = np.concatenate([layer.weight.ravel() * np.sqrt(layer.weight.shape[1]) for layer in layers])
        section.panels.append(Panel("histogram", label, {"values": scaled}))
    return section


# --- what to draw --------------------------------------------------------------------------

Builder = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Section]
PICTURES: dict[str, Builder] = {
    "xor.boundary": xor_boundary,
    "xor.loss_decrease": xor_loss,
    "mlp.loss_decrease": mlp_loss,
    "mlp.init_range": init_histogram,
}


def sections(observations: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]],
             visible: dict[str, str], params: dict[str, dict[str, Any]] | None = None) -> list[Section]:
    """The pictures of the visible items (``visible``: id -> title), in rubric order.

    An item not in ``visible`` is never drawn, whatever the observations hold.
    """
    params = params or {}
    found = []
    for item_id, title in visible.items():
        builder = PICTURES.get(item_id)
        ref = facts_of(expected.get(item_id))
        if builder is None or ref is None:
            continue
        facts = facts_of(observations.get(item_id))
        if facts is None:
            note = "Nothing to draw: your code did not finish this item (see its feedback)."
            found.append(Section(item_id, title, notes=[note]))
            continue
        found.append(builder(facts, ref, params.get(item_id, {})))
    return found


# --- drawing -------------------------------------------------------------------------------


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw(ax: Any, panel: Panel) -> None:
    """Draw one panel on a matplotlib axis."""
    {"boundary": _draw_boundary, "curve": _draw_curve, "fit": _draw_fit,
     "histogram": _draw_histogram}[panel.kind](ax, panel.data)
    ax.set_title(textwrap.fill(panel.title, 40), fontsize=9)


def _draw_boundary(ax: Any, d: dict[str, Any]) -> None:
    above = (d["values"] > 0.5).astype(float)
    ax.contourf(d["xx"], d["yy"], above, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"])
    colours = ["#08519c" if t < 0.5 else "#a50f15" for t in d["targets"]]
    ax.scatter(d["corners"][:, 0], d["corners"][:, 1], c=colours, s=90, edgecolors="black", zorder=3,
               clip_on=False)  # the points sit on the square's corners: draw them whole
    ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.set_aspect("equal")
    ax.set_xticks([0, 1]), ax.set_yticks([0, 1])


def _draw_curve(ax: Any, d: dict[str, Any]) -> None:
    ax.plot(np.arange(1, d["yours"].size + 1), d["yours"], label="yours")
    if d["reference"] is not None:
        ax.plot(np.arange(1, d["reference"].size + 1), d["reference"], "--", label="reference")
    if log_scale(d["yours"], d["reference"]):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)


def _draw_fit(ax: Any, d: dict[str, Any]) -> None:
    ax.scatter(d["x"], d["y"], s=8, color="grey", alpha=0.6, label="training data")
    ax.plot(d["xs"], d["goal"], "--", color="black", label="goal_fun")
    ax.plot(d["xs"], d["fitted"], color="tab:red", label="model after training")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)


def _draw_histogram(ax: Any, d: dict[str, Any]) -> None:
    ax.hist(d["values"], bins=40, color="tab:blue")
    ax.axvspan(-1, 1, color="tab:green", alpha=0.12, label="±1/sqrt(fan_in) (times sqrt(fan_in))")
    ax.set_xlabel("weight × sqrt(fan_in)")
    ax.legend(fontsize=7)


def section_png(section: Section, dpi: int = 80) -> bytes | None:
    """One section's panels side by side, as PNG bytes; None when it has no panel."""
    if not section.panels:
        return None
    plt = _pyplot()
    n = len(section.panels)
    small = all(p.kind == "boundary" for p in section.panels)
    fig, axes = plt.subplots(1, n, figsize=((2.6 if small else 5.5) * n, 2.8 if small else 3.8), squeeze=False)
    for ax, panel in zip(axes[0], section.panels, strict=True):
        draw(ax, panel)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def save(found: list[Section], path: Path, title: str = "") -> bool:
    """Write one PNG, a row per section; returns False when there is nothing to draw."""
    rows = [s for s in found if s.panels]
    if not rows:
        return False
    plt = _pyplot()
    cols = max(len(s.panels) for s in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(3.2 * cols, 3.2 * len(rows)), squeeze=False)
    for row, section in zip(axes, rows, strict=True):
        for ax, panel in zip(row, section.panels + [None] * (cols - len(section.panels))):
            if panel is None:
                ax.axis("off")
            else:
                draw(ax, panel)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True
