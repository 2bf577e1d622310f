"""The kit: generic rubric item *kinds*, configured entirely by an item's YAML settings.

An item that says ``kind: <name>`` needs no observer or check of its own: the
kind's observer runs in the sandbox with the item's ``observe:`` settings (the
questions: which class, which arguments, seeds, batch sizes), and the kind's
judge runs in the grader with the item's ``check:`` settings (thresholds,
tolerances, the network the exercise asks for). A new assignment is then
mostly YAML. The engine knows no assignment: nothing in this package names
one, and every number a judge compares against comes from the YAML (no second
default in code) or from the reference's facts.

Two registries, because the two halves run in different processes:

* :data:`KINDS` (grader side, NumPy only, no torch): each kind's JSON Schemas
  for its ``observe:`` and ``check:`` settings, validated when the spec loads,
  and its judge ``(observed, expected, check) -> Outcome``;
* :data:`KIND_OBSERVERS` (sandbox side, torch): each kind's observer
  ``(ns, observe) -> facts``, imported by ``autograder.observers.load_all`` in
  the warm worker before any fork, so the engine snapshot that is restored in
  every item process covers it as it covers the per-item observers.

Each kind's facts are one dataclass in :mod:`autograder.kit.records`, which
the observer builds and the judge reads (see ``records.read``), so a renamed
field fails in the tests rather than at grading time. A judge reads its
*question* (seed, batch shape, call) from the reference's facts, which echo
the settings the reference was observed with: a claim in the submission's
record is never an input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from autograder.results import Outcome

if TYPE_CHECKING:  # the sandbox-side type, without importing the sandbox's modules here
    from autograder.namespace import SubmissionNamespace

Judge = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Outcome]
KindObserver = Callable[["SubmissionNamespace", dict[str, Any]], dict[str, Any]]

# The modules that register a kind's judge and settings (grader side, importable without torch).
JUDGE_MODULES = ("module_shapes", "init_distribution", "forward_equivalence", "gradient_step",
                 "classifier_fit", "training_reduces_loss", "decision_boundary", "function_matches_reference",
                 "dataset_protocol")
# The modules that register a kind's observer (sandbox side, import torch).
OBSERVER_MODULES = ("observe", "observe_training_reduces_loss", "observe_decision_boundary",
                    "observe_function_matches_reference",
                    "observe_dataset_protocol")


@dataclass(frozen=True)
class Kind:
    """One item kind as the grader knows it: what its settings may say, and how it judges.

    ``observe_schema`` and ``check_schema`` are JSON Schemas (Draft 2020-12)
    of the item's ``observe:`` and ``check:`` blocks; ``required`` in the check
    schema is how a threshold without a value becomes a spec error at load time.
    """

    name: str
    observe_schema: dict[str, Any]
    check_schema: dict[str, Any]
    judge: Judge


KINDS: dict[str, Kind] = {}
KIND_OBSERVERS: dict[str, KindObserver] = {}
# Picture builders ``(facts, expected, check_settings) -> autograder.report.plots.Section``,
# drawn for visible items of the kind by ``autograder check --plot/--html``.
KIND_PLOTS: dict[str, Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], Any]] = {}


def kind(name: str, *, observe: dict[str, Any], check: dict[str, Any]) -> Callable[[Judge], Judge]:
    """Register ``fn`` as the judge of kind ``name``, with its settings' schemas."""

    def register(fn: Judge) -> Judge:
        if name in KINDS:
            raise ValueError(f"two judges registered for kind {name}")
        KINDS[name] = Kind(name, observe, check, fn)
        return fn

    return register


def kind_observer(name: str) -> Callable[[KindObserver], KindObserver]:
    """Register ``fn`` as the sandbox-side observer of kind ``name``."""

    def register(fn: KindObserver) -> KindObserver:
        if name in KIND_OBSERVERS:
            raise ValueError(f"two observers registered for kind {name}")
        KIND_OBSERVERS[name] = fn
        return fn

    return register


def kind_plot(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the picture builder of kind ``name`` (grader side, no torch)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in KIND_PLOTS:
            raise ValueError(f"two picture builders registered for kind {name}")
        KIND_PLOTS[name] = fn
        return fn

    return register


def load_all() -> None:
    """Import every kind's judge module (grader side) so that :data:`KINDS` is complete."""
    import importlib

    for module in JUDGE_MODULES:
        importlib.import_module(f"autograder.kit.{module}")


def load_observers() -> None:
    """Import the kinds' observers (sandbox side, imports torch) so :data:`KIND_OBSERVERS` is complete."""
    import importlib

    for module in OBSERVER_MODULES:
        importlib.import_module(f"autograder.kit.{module}")


__all__ = ["KINDS", "KIND_OBSERVERS", "KIND_PLOTS", "Judge", "Kind", "KindObserver", "kind",
           "kind_observer", "kind_plot", "load_all", "load_observers"]
