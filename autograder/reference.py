"""Expected facts: the reference solution observed by the same observers, cached.

The reference runs through the same worker and observers as submissions (with
sandbox restrictions off: it is trusted code), so a check always compares like
with like. Its facts are computed once per assignment and cached on disk,
keyed by the spec, the reference source, the harness and torch versions; the
cache folder is private to the grader's user and hidden from the sandbox.
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
from autograder.spec import AssignmentSpec, canonical_json
from autograder.submission import prepare


class ReferenceError(RuntimeError):
    """The reference solution did not produce usable facts: an instructor must fix the spec."""


def cache_dir() -> Path:
    base = os.environ.get("AUTOGRADER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "autograder")
    path = Path(base) / "reference"
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
    """Observation records of the reference for every item; computed via ``run_job(job)``."""
    path = cache_dir() / f"{spec.name}-{cache_key(spec)}.json"
    if use_cache and path.is_file():
        return _decode(json.loads(path.read_text()))
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
    return _decode(records)


def _decode(records: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return facts_mod.decode(json.dumps(records))
