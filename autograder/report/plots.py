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

from autograder import course_code
from autograder.course_code import mark_plot

MAX_CURVE = 100_000  # a longer "loss curve" is not drawn (bounds the grader's work)
GRID_POINTS = 101  # per axis, for the decision boundary


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


# --- building blocks ---------------------------------------------------------------------


def curve_panel(title: str, yours: Any, reference: Any) -> Panel | str:
    """Your loss curve against the reference's on the same run; or why it is not drawn."""
    mine = curve(yours)
    if mine is None:
        return f"{title}: no curve drawn, your function did not return a list of finite losses"
    return Panel("curve", title, {"yours": mine, "reference": curve(reference)})


# --- what to draw --------------------------------------------------------------------------

Builder = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Section]
plot = mark_plot  # ``@plot("item.id")`` marks a picture builder in an assignment folder's checks.py


def builders_for(spec: Any) -> dict[str, Builder]:
    """Each item's picture builder: its kind's (``autograder.kit.KIND_PLOTS``), else one its
    assignment folder's ``checks.py`` marks with :func:`plot`; items without one are not drawn."""
    from autograder import kit

    kit.load_all()
    local = course_code.local_checks(spec.directory).plots
    found: dict[str, Builder] = {}
    for item in spec.items:
        builder = kit.KIND_PLOTS.get(item.kind) if item.kind is not None else local.get(item.id)
        if builder is not None:
            found[item.id] = builder
    return found


def sections(observations: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]],
             visible: dict[str, str], params: dict[str, dict[str, Any]] | None = None,
             builders: dict[str, Builder] | None = None) -> list[Section]:
    """The pictures of the visible items (``visible``: id -> title), in rubric order, drawn by
    ``builders`` (see :func:`builders_for`).

    An item not in ``visible`` is never drawn, whatever the observations hold.
    """
    params = params or {}
    builders = builders or {}
    found = []
    for item_id, title in visible.items():
        builder = builders.get(item_id)
        ref = facts_of(expected.get(item_id))
        if builder is None or ref is None:
            continue
        facts = facts_of(observations.get(item_id))
        if facts is None:
            note = "Nothing to draw: your code did not finish this item (see its feedback)."
            found.append(Section(item_id, title, notes=[note]))
            continue
        section = builder(facts, ref, params.get(item_id, {}))
        section.item = item_id  # a kind's builder draws any item of its kind: the id is ours to set
        found.append(section)
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
    ax.plot(d["xs"], d["goal"], "--", color="black", label=d.get("goal_label", "target function"))
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
