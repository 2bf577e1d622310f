"""Run one observer and wrap what happened as a plain *observation* record.

Runs in the sandbox. An observation is one of::

    {"status": "ok", "facts": {...}}
    {"status": "missing", "name": "goal_fun", "tried": ["goal_fun", "goalFun"]}
    {"status": "raised", "error": "ValueError: ... (line 12: ...)"}

and, added by the sandbox when the observer never reported back,
``{"status": "timeout", "seconds": 30}`` or ``{"status": "crashed", "detail": ...}``.
Judging happens later, in ``autograder.scoring``.

An item with a ``kind`` (see ``autograder.kit``) runs that kind's observer,
configured by its ``observe:`` settings; any other item runs the probe its
assignment folder's ``probes.py`` marks for its id (``autograder.course_code``,
installed by the worker before the sandbox was forked).
"""

from __future__ import annotations

from typing import Any

from autograder import course_code, facts as facts_mod
from autograder.kit import KIND_OBSERVERS
from autograder.namespace import MissingName, SubmissionNamespace
from autograder.observers import load_all
from autograder.observers.common import describe_exception, seed_everything


def observe(item_id: str, ns: SubmissionNamespace, params: dict[str, Any],
            kind: str | None = None, probes: str | None = None) -> dict[str, Any]:
    """Run the observer of ``kind`` (or, without one, the probe of ``item_id`` in the probes
    module with content key ``probes``) on the submission's names; never raises."""
    load_all()
    seed_everything(int(params.get("seed", 0)))
    try:
        run = KIND_OBSERVERS[kind] if kind is not None else course_code.probe_of(probes, item_id)
        if run is None:
            return {"status": "raised", "error": f"the grader has no probe for {item_id}; tell your instructor"}
        result = run(ns, params)
        return {"status": "ok", "facts": facts_mod.to_plain(result)}
    except MissingName as missing:
        return {"status": "missing", "name": missing.name, "tried": list(missing.tried)}
    except Exception as exc:  # student code may raise anything; report it, don't die
        return {"status": "raised", "error": describe_exception(exc)}
