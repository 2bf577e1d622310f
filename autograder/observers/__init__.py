"""Observers: code that runs *inside the sandbox* and measures a submission.

An observer is ``(ns: SubmissionNamespace, params: dict) -> dict``. It
exercises the names an item is about on grader-chosen inputs and returns facts
(JSON data and NumPy arrays, see ``autograder.facts``): shapes, outputs, loss
curves, predictions. It never decides pass or fail and never sees thresholds,
points or reference values: those stay in the parent. The same observers run
on the reference solution to produce the expected facts.

The kit's kinds bring their own observers (``autograder.kit``). An item the kit
cannot express has its observer in its assignment folder's ``probes.py``,
marked with :func:`observer` (see ``autograder.course_code``); this package
holds the helpers such probes share (``common``).

Where an item needs objects other than the ones it is about (a model to train,
a data loader), the observer builds them from plain torch, so a broken Dataset
does not also fail the training item.
"""

from __future__ import annotations

from typing import Any, Callable

from autograder.course_code import mark_observer as observer
from autograder.namespace import MissingName, SubmissionNamespace

Observer = Callable[[SubmissionNamespace, dict[str, Any]], dict[str, Any]]


def load_all() -> None:
    """Import the kit's observers (``autograder.kit.KIND_OBSERVERS``): the warm worker calls
    this before any fork, so the engine snapshot restored in every item process covers them."""
    from autograder import kit

    kit.load_observers()


__all__ = ["MissingName", "Observer", "SubmissionNamespace", "load_all", "observer"]
