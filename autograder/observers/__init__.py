"""Observers: code that runs *inside the sandbox* and measures a submission.

An observer is ``(ns: SubmissionNamespace, params: dict) -> dict`` registered
under a rubric id. It exercises the names the item is about on grader-chosen
inputs and returns facts (JSON data and NumPy arrays, see ``autograder.facts``):
shapes, outputs, loss curves, predictions. It never decides pass or fail and
never sees thresholds, points or reference values: those stay in the parent
(``autograder.checks``). The same observers run on the reference solution to
produce the expected facts.

Where an item needs objects other than the ones it is about (a model to train,
a data loader), the observer builds them from plain torch, so a broken Dataset
does not also fail the training item.
"""

from __future__ import annotations

from typing import Any, Callable

from autograder.namespace import MissingName, SubmissionNamespace

Observer = Callable[[SubmissionNamespace, dict[str, Any]], dict[str, Any]]
OBSERVERS: dict[str, Observer] = {}


def observer(item_id: str) -> Callable[[Observer], Observer]:
    """Register ``fn`` as the observer of rubric item ``item_id``."""

    def register(fn: Observer) -> Observer:
        if item_id in OBSERVERS:
            raise ValueError(f"two observers registered for {item_id}")
        OBSERVERS[item_id] = fn
        return fn

    return register


def load_all() -> None:
    """Import every observer module so that the registry is complete, the kit's kinds included
    (``autograder.kit.KIND_OBSERVERS``): the warm worker calls this before any fork, so the
    engine snapshot restored in every item process covers them all."""
    from autograder import kit
    from autograder.observers import linreg, mlp, poly, xor  # noqa: F401

    kit.load_observers()


__all__ = ["OBSERVERS", "MissingName", "Observer", "SubmissionNamespace", "load_all", "observer"]
