"""The grader's data: seeded, made with NumPy, the same in the sandbox and in the judge.

An observer turns these arrays into tensors for the submission; the judge calls
the very same function with the seed it reads from the reference's facts and
gets the very same numbers back, so it never needs (or believes) the inputs a
record reports. NumPy's ``default_rng`` streams for ``standard_normal``,
``integers`` and ``permutation`` do not depend on the CPU, and labels come from
integer operations only, so regenerated labels are exact.

Inputs are float32 (what a torch model takes), labels int64 (what
``CrossEntropyLoss`` takes); a judge computes in float64 from the float32 values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


def standard_batch(seed: int, rows: int, features: int) -> np.ndarray:
    """``rows`` standard-normal points of ``features`` values, float32."""
    return np.random.default_rng(seed).standard_normal((rows, features)).astype(np.float32)


def classification_batch(seed: int, size: int, features: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """A standard-normal batch (float32) and integer class labels in ``[0, classes)`` (int64)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((size, features)).astype(np.float32)
    y = rng.integers(0, classes, size=size).astype(np.int64)
    return x, y


@dataclass(frozen=True)
class ClassData:
    """A training set and a development set of a classification problem."""

    train_x: np.ndarray  # (train, features) float32
    train_y: np.ndarray  # (train,) int64
    dev_x: np.ndarray  # (dev, features) float32
    dev_y: np.ndarray  # (dev,) int64


def gaussian_classes(*, classes: int, features: int, train: int, dev: int, seed: int,
                     separation: float) -> ClassData:
    """Gaussian clusters of unit variance, one per class, whose means are ``separation`` apart.

    The means lie along ``classes`` random orthonormal directions (so no single
    feature gives the answer away), scaled so that every two means are exactly
    ``separation`` apart; the best possible accuracy on two classes is then
    Phi(separation / 2). Classes are balanced (labels are a seeded permutation
    of 0, 1, ..., classes - 1 repeated).
    """
    if not 2 <= classes <= features:
        raise ValueError(f"gaussian_classes needs 2 <= classes <= features, got {classes} and {features}")
    rng = np.random.default_rng(seed)
    directions = _orthonormal(rng.standard_normal((classes, features)))
    means = directions * (float(separation) / np.sqrt(2.0))

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.permutation(np.arange(n, dtype=np.int64) % classes)
        points = means[labels] + rng.standard_normal((n, features))
        return points.astype(np.float32), labels

    train_x, train_y = sample(train)
    dev_x, dev_y = sample(dev)
    return ClassData(train_x, train_y, dev_x, dev_y)


def _orthonormal(rows: np.ndarray) -> np.ndarray:
    """Gram-Schmidt on the rows: plain arithmetic, so it does not depend on a LAPACK build."""
    out = np.zeros_like(rows, dtype=np.float64)
    for i, row in enumerate(rows.astype(np.float64)):
        for previous in out[:i]:
            row = row - (row @ previous) * previous
        out[i] = row / np.linalg.norm(row)
    return out


GENERATORS: dict[str, Callable[..., ClassData]] = {"gaussian_classes": gaussian_classes}


def generate(settings: dict[str, Any]) -> ClassData:
    """The data set an item's ``data:`` settings describe (``generator:`` names the function)."""
    options = {k: v for k, v in settings.items() if k != "generator"}
    return GENERATORS[settings["generator"]](**options)
