"""Pictures for students' self-checks: loss curves and decision boundaries.

Drawn from the observations (facts) of the visible items next to the
reference's, so a student sees *how* their training differs, e.g. a curve
that stalls or a boundary that misses a corner. Reads facts; scores nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np


def _curves(facts: Any, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
    """Every 1-D numeric sequence of 5+ values under a key mentioning 'loss'."""
    if isinstance(facts, dict):
        for key, value in facts.items():
            name = f"{prefix}{key}"
            if "loss" in key.lower() and _is_curve(value):
                yield name, np.asarray(value, dtype=float)
            elif isinstance(value, dict):
                yield from _curves(value, name + ".")


def _is_curve(value: Any) -> bool:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return array.ndim == 1 and array.size >= 5


def _grids(facts: Any) -> Iterator[tuple[str, np.ndarray]]:
    """2-D prediction grids (e.g. the XOR boundary) under a key mentioning 'grid'."""
    if isinstance(facts, dict):
        for key, value in facts.items():
            if "grid" in key.lower() and isinstance(value, np.ndarray) and value.ndim == 2 and min(value.shape) > 2:
                yield key, value
            elif isinstance(value, list) and value and "grid" in key.lower():
                first = np.asarray(value[0]) if not isinstance(value[0], dict) else None
                if first is not None and first.ndim == 2:
                    yield key, first
            elif isinstance(value, dict):
                yield from _grids(value)


def panels(observations: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """What to draw: one panel per loss curve or grid found in the observations."""
    found = []
    for item_id, record in observations.items():
        if record.get("status") != "ok":
            continue
        ref_facts = expected.get(item_id, {}).get("facts", {})
        ref_curves = dict(_curves(ref_facts))
        for name, curve in _curves(record["facts"]):
            found.append({"kind": "curve", "item": item_id, "name": name, "yours": curve,
                          "reference": ref_curves.get(name)})
        for name, grid in _grids(record["facts"]):
            found.append({"kind": "grid", "item": item_id, "name": name, "yours": grid})
    return found


def save(observations: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]], path: Path,
         title: str = "") -> bool:
    """Write a PNG with one panel per curve/grid; returns False when there is nothing to draw."""
    todo = panels(observations, expected)
    if not todo:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(todo), figsize=(5 * len(todo), 4), squeeze=False)
    for ax, panel in zip(axes[0], todo):
        if panel["kind"] == "curve":
            ax.plot(panel["yours"], label="your code")
            if panel["reference"] is not None:
                ax.plot(panel["reference"], "--", label="reference")
            if np.all(panel["yours"] > 0):
                ax.set_yscale("log")
            ax.set_xlabel("step / epoch")
            ax.legend()
        else:
            image = ax.imshow(panel["yours"], origin="lower", extent=(0, 1, 0, 1), cmap="coolwarm",
                              vmin=0, vmax=1)
            ax.contour(np.linspace(0, 1, panel["yours"].shape[1]), np.linspace(0, 1, panel["yours"].shape[0]),
                       panel["yours"], levels=[0.5], colors="black")
            fig.colorbar(image, ax=ax)
        ax.set_title(f"{panel['item']}: {panel['name']}", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True
