"""The pipeline for one submission: spec -> submission -> sandbox -> scoring -> result.

``Grader`` holds what is shared across a batch (the spec, the warm worker
pool, the reference's facts) so that each submission costs only its own run.
It returns a :class:`SubmissionResult`; writing files is the reporters' job.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder import __version__, facts as facts_mod, reference, scoring
from autograder.results import ItemResult, SubmissionResult
from autograder.spec import AssignmentSpec
from autograder.submission import Submission, prepare
from autograder.worker import Worker, WorkerError, WorkerPool

ISOLATION_LAYERS = ("pid_ns", "net_ns", "mount_ns", "uid", "rlimits", "memory_cgroup", "cpu_cgroup",
                    "no_new_privs", "env")


def _run_in_throwaway_worker(job: dict[str, Any]) -> dict[str, Any]:
    """Run the (trusted) reference in a worker of its own, stopped afterwards.

    Never in a pool worker: the reference's source and facts would stay in that
    worker's freed memory, which every sandbox forked from it later inherits.
    """
    worker = Worker(slot=-1)
    try:
        return worker.run(job)
    finally:
        worker.stop()


def submission_cache_key(sha256: str, spec: AssignmentSpec) -> str:
    """Results are current when the submission, the spec/reference and the harness are unchanged."""
    text = "\n".join([sha256, spec.fingerprint, __version__, reference.engine_fingerprint()])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PreparedJob:
    """A submission read and ready to run: ``job`` for a sandbox, and what scoring its answer
    needs besides. ``result`` is set instead of ``job`` when nothing can run (the file could
    not be loaded): that result is final."""

    name: str
    cache_key: str
    notes: tuple[str, ...] = ()
    job: dict[str, Any] | None = None
    result: SubmissionResult | None = None


@dataclass
class Grader:
    """Grades submissions of one assignment. Use as a context manager to stop workers."""

    spec: AssignmentSpec
    jobs: int = 1
    visible_only: bool = False
    hide: list[str] = field(default_factory=list)
    pool: WorkerPool | None = None
    namespaces: bool = True  # False: test or debug the fallback used where unshare is refused
    _expected: dict[str, dict[str, Any]] | None = field(default=None, init=False)
    _owns_pool: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.pool is None:
            self.pool = WorkerPool(self.jobs)
            self._owns_pool = True
        self.jobs = len(self.pool.workers)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._owns_pool:
            self.pool.close()

    @property
    def _pool(self) -> WorkerPool:
        assert self.pool is not None
        return self.pool

    @property
    def expected(self) -> dict[str, dict[str, Any]]:
        if self._expected is None:
            self._expected = reference.expected_facts(self.spec, _run_in_throwaway_worker)
        return self._expected

    def item_ids(self) -> list[str]:
        return [i.id for i in self.spec.items if i.visibility == "visible" or not self.visible_only]

    def grade(self, path: Path, name: str | None = None) -> SubmissionResult:
        """Grade one submission file or folder; never raises for problems in the submission."""
        return self.grade_with_observations(path, name)[0]

    def grade_with_observations(
        self, path: Path, name: str | None = None
    ) -> tuple[SubmissionResult, dict[str, dict[str, Any]]]:
        """Like :meth:`grade`, also returning the raw observations (for pictures and debugging)."""
        prepared = self.prepare_job(path, name)
        if prepared.result is not None:
            return prepared.result, {}
        self.expected  # a reference that fails stops the run before any submission runs
        assert prepared.job is not None
        try:
            answer = self._pool.run(prepared.job)
        except WorkerError as exc:
            return self.harness_failed(prepared, str(exc)), {}
        return self.score_answer(prepared, answer)

    def prepare_job(self, path: Path, name: str | None = None) -> PreparedJob:
        """Read a submission and build its job: plain JSON data holding the prepared program
        (never a path to it), all a sandbox needs, on this machine or on a cluster's worker.
        Raises ``SubmissionError`` for a path that names no submission."""
        sub = prepare(Path(path), name)
        prepared = PreparedJob(name=sub.name, cache_key=submission_cache_key(sub.sha256, self.spec),
                               notes=sub.notes)
        if sub.load_error:
            return replace(prepared, result=SubmissionResult(
                rubric=self._all_error(sub.load_error), notes=sub.notes, **self._base(prepared)))
        return replace(prepared, job=self._job(sub))

    def score_answer(self, prepared: PreparedJob, answer: dict[str, Any]
                     ) -> tuple[SubmissionResult, dict[str, dict[str, Any]]]:
        """Score the sandbox's answer to ``prepared.job`` (here, never in the sandbox)."""
        observations = self._decode_observations(answer["observations"])
        notes = [*prepared.notes, *answer["notes"]]
        if answer.get("fatal"):
            notes.append(answer["fatal"])
        isolation = self._isolation_report(answer.get("isolation", {}))
        rubric = scoring.score(self.spec, observations, self.expected, self.item_ids())
        result = SubmissionResult(rubric=rubric, isolation=isolation, notes=tuple(notes),
                                  output=answer.get("output", ""), seconds=answer.get("seconds", 0.0),
                                  **self._base(prepared))
        return result, observations

    def harness_failed(self, prepared: PreparedJob, detail: str) -> SubmissionResult:
        """The result when the grader itself failed running ``prepared`` (a worker died)."""
        message = "The grader failed while running your code; tell your instructor."
        return SubmissionResult(rubric=self._all_error(message), notes=(f"internal: {detail[:300]}",),
                                **self._base(prepared))

    def _base(self, prepared: PreparedJob) -> dict[str, Any]:
        return dict(assignment=self.spec.name, submission=prepared.name, harness_version=__version__,
                    cache_key=prepared.cache_key)

    def unreadable(self, name: str, message: str) -> SubmissionResult:
        """The result for a submission with nothing gradable in it (every item ``error``)."""
        return SubmissionResult(assignment=self.spec.name, submission=name,
                                rubric=self._all_error(message), harness_version=__version__)

    def _job(self, sub: Submission) -> dict[str, Any]:
        course = [str(self.spec.course)] if self.spec.course else []
        # A release has no reference; its folder (the facts) is the spec's directory, hidden.
        solution = [str(self.spec.reference.parent)] if self.spec.reference is not None else []
        hide = {*course, str(self.spec.directory), *solution, str(reference.cache_root()),
                str(sub.path.parent.resolve()), *self.hide}
        return {"program": sub.program(), "plan": self.spec.sandbox_plan(self.visible_only),
                "isolate": True, "namespaces": self.namespaces, "hide": sorted(hide)}

    @staticmethod
    def _decode_observations(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Validate the sandbox's records; a malformed one becomes an error record."""
        observations = {}
        for item_id, record in raw.items():
            try:
                decoded = facts_mod.decode(json.dumps(record))
                if not isinstance(decoded, dict):
                    raise facts_mod.FactsError("record is not an object")
            except facts_mod.FactsError as exc:
                decoded = {"status": "crashed", "detail": f"its result could not be read ({exc})"}
            observations[item_id] = decoded
        return observations

    def _all_error(self, message: str) -> tuple[ItemResult, ...]:
        records = {i: {"status": "crashed", "detail": message} for i in self.item_ids()}
        items = scoring.score(self.spec, records, {}, self.item_ids())
        return tuple(
            ItemResult(**{**item.to_json(), "feedback": message}) for item in items
        )

    @staticmethod
    def _isolation_report(layers: dict[str, Any]) -> dict[str, Any]:
        report = {name: bool(layers.get(name)) for name in ISOLATION_LAYERS}
        missing = [name for name in ISOLATION_LAYERS if not report[name]]
        if missing:
            reason = layers.get("unavailable", "")
            report["warning"] = (f"sandbox layers unavailable on this machine: {', '.join(missing)}"
                                 + (f" ({reason})" if reason else ""))
        return report
