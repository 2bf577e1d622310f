"""Tier-1 test helper: observe and score a file *in this process*, without the sandbox.

Fast and convenient for unit tests of observers and checks. Only for trusted
files (references, fixtures written by us); the real pipeline is ``autograder.grade``.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

from autograder import facts, spec as spec_mod
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from autograder.scoring import outcome_for


def namespace_of(path: str | Path, spec: spec_mod.AssignmentSpec) -> SubmissionNamespace:
    return SubmissionNamespace(runpy.run_path(str(path), run_name="submission"), spec.aliases)


def observe_file(path: str | Path, assignment: str, item_id: str) -> dict[str, Any]:
    """The observation record for one item, round-tripped through the facts encoding."""
    spec = spec_mod.load(assignment)
    record = observe(item_id, namespace_of(path, spec), spec.item(item_id).observe)
    return facts.decode(facts.encode(record))


def outcome_of(path: str | Path, assignment: str, item_id: str) -> Outcome:
    """Observe ``path`` and the reference, then judge: the whole pipeline minus the sandbox."""
    spec = spec_mod.load(assignment)
    item = spec.item(item_id)
    return outcome_for(item, observe_file(path, assignment, item_id),
                       observe_file(spec.reference, assignment, item_id))
