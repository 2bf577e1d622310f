"""Tier-1 test helper: observe and score a file *in this process*, without the sandbox.

Fast and convenient for unit tests of observers and checks. Only for trusted
files (references, fixtures written by us); the real pipeline is ``autograder.grade``.

Observing a file runs its training, which costs seconds, and many tests observe
the same file for the same item (the reference, above all: every ``outcome_of``
needs it). Observations are therefore cached per file *content*, path, item and
assignment, and each caller gets its own deep copy, so a test that tampers with
a record cannot change what the next test sees. Every test still observes what
it names; a file that changes is observed again.
"""

from __future__ import annotations

import copy
import hashlib
import runpy
from pathlib import Path
from typing import Any

from autograder import course_code, facts, spec as spec_mod
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.results import Outcome
from autograder.scoring import outcome_for

_OBSERVED: dict[tuple[str, str, str, str], dict[str, Any]] = {}


def namespace_of(path: str | Path, spec: spec_mod.AssignmentSpec) -> SubmissionNamespace:
    return SubmissionNamespace(runpy.run_path(str(path), run_name="submission"), spec.aliases)


def observe_names(spec: spec_mod.AssignmentSpec, item_id: str, ns: SubmissionNamespace) -> dict[str, Any]:
    """Run ``item_id``'s observer (its kind's, or its folder's probe) on ``ns``, in this process."""
    plan = spec.sandbox_plan()
    course_code.install_probes(plan.get("probes"))  # as the warm worker does before it forks
    planned = next(i for i in plan["items"] if i["id"] == item_id)
    return observe(item_id, ns, planned["observe"], planned.get("kind"), planned.get("probes"))


def observe_file(path: str | Path, assignment: str, item_id: str) -> dict[str, Any]:
    """The observation record for one item, round-tripped through the facts encoding."""
    resolved = Path(path).resolve()
    key = (assignment, item_id, str(resolved), hashlib.sha256(resolved.read_bytes()).hexdigest())
    if key not in _OBSERVED:
        spec = spec_mod.load(assignment)
        record = observe_names(spec, item_id, namespace_of(resolved, spec))
        _OBSERVED[key] = facts.decode(facts.encode(record))
    return copy.deepcopy(_OBSERVED[key])


def outcome_of(path: str | Path, assignment: str, item_id: str) -> Outcome:
    """Observe ``path`` and the reference, then judge: the whole pipeline minus the sandbox."""
    spec = spec_mod.load(assignment)
    item = spec.item(item_id)
    return outcome_for(item, observe_file(path, assignment, item_id),
                       observe_file(spec.reference, assignment, item_id))
