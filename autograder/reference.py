"""Expected facts: the reference solution observed by the same observers, cached.

The reference runs through the same worker and observers as submissions (with
sandbox restrictions off: it is trusted code), so a check always compares like
with like. Its facts are computed once per assignment and cached on disk,
keyed by the spec, the reference source, the harness and torch versions; the
cache folder is private to the grader's user and hidden from the sandbox.

A student release (``facts:`` in the spec, see ``autograder/release.py``) has
no reference: its facts were computed this way when the instructor made the
release, and are only read here, with no cache, no worker and nothing written.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

from importlib.metadata import version

from autograder import __version__, facts as facts_mod
from autograder.spec import AssignmentSpec, SpecError, canonical_json
from autograder.submission import prepare


class ReferenceError(RuntimeError):
    """The reference solution did not produce usable facts: an instructor must fix the spec."""


class ReleaseFactsError(ReferenceError, SpecError):
    """A release's expected facts are missing or unreadable.

    A :class:`ReferenceError` for code that handles a failed reference, and a
    :class:`SpecError` so that the command line reports it as a problem with the
    ``--assignment`` folder (exit 2) telling the student what to do (ask for a
    new release) rather than as a failure of the harness.
    """


def cache_root() -> Path:
    """The cache folder, not created: a release check must leave no trace there, and a
    folder that does not exist needs no hiding from the sandbox."""
    base = os.environ.get("AUTOGRADER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "autograder")
    return Path(base)


def cache_dir() -> Path:
    path = cache_root() / "reference"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@functools.lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Hash of the engine's own source: an observer that now sends other facts must not be
    judged against facts cached by its previous version (the version number lags behind)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(spec: AssignmentSpec) -> str:
    parts = [spec.fingerprint, __version__, engine_fingerprint(), version("torch"),
             platform.machine(), canonical_json(spec.sandbox_plan())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def expected_facts(spec: AssignmentSpec, run_job: Any, use_cache: bool = True) -> dict[str, dict[str, Any]]:
    """Observation records of the reference for every item; computed via ``run_job(job)``,
    or, for a release, read from its facts file."""
    if spec.facts_file is not None:
        return released_facts(spec)
    return _decode(expected_records(spec, run_job, use_cache))


def released_facts(spec: AssignmentSpec) -> dict[str, dict[str, Any]]:
    """A release's precomputed facts, one usable record for every item of its plan.

    A missing or failed record would make its item an ``error`` that blames the
    grader; say instead, before anything runs, that the release is broken.
    """
    assert spec.facts_file is not None
    where = f"the release {spec.directory}"
    try:
        records = facts_mod.decode(spec.facts_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, facts_mod.FactsError, ValueError) as exc:
        raise ReleaseFactsError(f"{where}: cannot read its expected facts {spec.facts_file.name} "
                                f"({exc}); ask your instructor for a new release") from None
    if not isinstance(records, dict):
        records = {}
    missing = [item["id"] for item in spec.sandbox_plan()["items"]
               if not isinstance(records.get(item["id"]), dict) or records[item["id"]].get("status") != "ok"]
    if missing:
        raise ReleaseFactsError(f"{where}: its {spec.facts_file.name} has no expected facts for "
                                f"{', '.join(missing)}; the release is incomplete or was edited: "
                                "ask your instructor for a new release")
    return records


def expected_records(spec: AssignmentSpec, run_job: Any, use_cache: bool = True) -> dict[str, Any]:
    """The reference's records for every item, still encoded as the sandbox sent them (the
    cache's format, and a release's ``expected.json``)."""
    if spec.reference is None:
        raise ReferenceError(f"{spec.path} has no reference: solution to compute facts from")
    path = cache_dir() / f"{spec.name}-{cache_key(spec)}.json"
    if use_cache and path.is_file():
        return json.loads(path.read_text())
    job = {"program": prepare(spec.reference).program(), "plan": spec.sandbox_plan(),
           "isolate": False, "workdir": str(spec.reference.parent)}
    answer = run_job(job)
    records = answer["observations"]
    bad = {k: v for k, v in records.items() if v.get("status") != "ok"}
    if bad:
        item, record = next(iter(bad.items()))
        raise ReferenceError(f"the reference solution {spec.reference} failed item {item}: {record}"
                             f"; notes: {answer.get('notes')}")
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(records))
    os.replace(tmp, path)
    return records


def _decode(records: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return facts_mod.decode(json.dumps(records))
