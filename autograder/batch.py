"""Batch grading: many submissions, in parallel, resumable, with a gradebook.

Each submission's JSON is written atomically as soon as it is graded, so a
killed run leaves only complete files; ``resume`` skips submissions whose file
carries the current cache key (submission hash + spec/reference + harness).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder.grade import Grader, PreparedJob, submission_cache_key
from autograder.report import gradebook, instructor, json_report
from autograder.results import SubmissionResult
from autograder.submission import SubmissionError, discover, entry_id, file_digest


@dataclass
class BatchReport:
    """What a batch run did (counts only: results live in the files)."""

    total: int = 0
    graded: int = 0
    skipped: int = 0
    with_errors: int = 0
    result_files: list[Path] = field(default_factory=list)


def plan(directory: Path, outdir: Path) -> list[tuple[Path, Path]]:
    """Pair every submission in ``directory`` with its results file (named by student id)."""
    entries = discover(directory)
    stems = [entry_id(e) for e in entries]
    pairs = []
    for entry, stem in zip(entries, stems):
        sid = stem if stems.count(stem) == 1 else entry.name
        pairs.append((entry, outdir / f"{sid}.json"))
    return pairs


def is_current(grader: Grader, entry: Path, out: Path) -> bool:
    if not out.is_file():
        return False
    try:
        key = json.loads(out.read_text(encoding="utf-8")).get("cache_key")
        return key == submission_cache_key(file_digest(entry), grader.spec)  # hash only, no parsing
    except (ValueError, OSError, SubmissionError):
        return False


def grade_one(grader: Grader, entry: Path) -> SubmissionResult:
    try:
        return grader.grade(entry, name=entry.name)
    except SubmissionError as exc:
        return grader.unreadable(entry.name, _nothing_graded(exc))


def prepare_one(grader: Grader, entry: Path) -> PreparedJob:
    """``entry``'s job, or its final result when nothing can run (as :func:`grade_one` grades it)."""
    try:
        return grader.prepare_job(entry, name=entry.name)
    except SubmissionError as exc:
        result = grader.unreadable(entry.name, _nothing_graded(exc))
        return PreparedJob(name=entry.name, cache_key="", result=result)


def _nothing_graded(exc: SubmissionError) -> str:
    return f"Nothing could be graded: {exc}."


def run(grader: Grader, directory: Path, outdir: Path, resume: bool = False,
        on_done: Callable[[Path, SubmissionResult | None], None] | None = None,
        extra_writers: list[Callable[[SubmissionResult, Path], None]] | None = None,
        cluster: str | None = None) -> BatchReport:
    """Grade every submission of ``directory`` into ``outdir``; returns counts.

    ``cluster`` (``tcp://HOST:PORT`` or ``local:N``) runs the sandboxes on a Dask
    cluster (``autograder.cluster``); everything else, results files included, is
    the same as for a local batch.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in outdir.glob(".*.tmp"):  # left by a run that was killed mid-write
        stale.unlink(missing_ok=True)
    grader.hide.extend([str(directory.resolve()), str(outdir.resolve())])
    pairs = plan(directory, outdir)
    report = BatchReport(total=len(pairs), result_files=[out for _, out in pairs])
    todo = []
    for entry, out in pairs:
        if resume and is_current(grader, entry, out):
            report.skipped += 1
            if on_done:
                on_done(entry, None)
        else:
            todo.append((entry, out))

    def record(entry: Path, out: Path, result: SubmissionResult) -> None:
        json_report.write(result, out)
        for writer in extra_writers or []:
            writer(result, out)
        report.graded += 1
        report.with_errors += any(i.status == "error" for i in result.rubric)
        if on_done:
            on_done(entry, result)

    if cluster is not None:
        from autograder import cluster as dask_cluster  # only here: a local batch imports no Dask

        if todo:
            dask_cluster.grade(grader, todo, cluster, record)
    else:
        _grade_here(grader, todo, record)
    gradebook.write_summary(grader.spec, report.result_files, outdir)
    instructor.write(grader.spec, report.result_files, outdir)
    return report


def _grade_here(grader: Grader, todo: list[tuple[Path, Path]],
                record: Callable[[Path, Path, SubmissionResult], None]) -> None:
    """Grade ``todo`` with this machine's warm workers, ``grader.jobs`` at a time."""
    if todo:
        grader.expected  # compute the reference's facts once, before the workers fan out
        # Start workers from this thread: they die with the thread that started them
        # (PR_SET_PDEATHSIG), and the executor's threads end with the batch.
        grader.pool.start()
    with ThreadPoolExecutor(max_workers=grader.jobs) as executor:
        futures = {executor.submit(grade_one, grader, entry): (entry, out) for entry, out in todo}
        for future in as_completed(futures):
            entry, out = futures.pop(future)  # drop it: a batch never holds every result at once
            record(entry, out, future.result())


def log_line(entry: Path, result: SubmissionResult | None, done: int, total: int) -> None:
    """Machine-readable progress for non-terminals: one tab-separated line per submission."""
    if result is None:
        print(f"skipped\t{done}/{total}\t{entry.name}", file=sys.stderr, flush=True)
    else:
        errors = sum(1 for i in result.rubric if i.status == "error")
        print(f"graded\t{done}/{total}\t{entry.name}\t{result.score:g}\t{result.max_score:g}\t"
              f"errors={errors}", file=sys.stderr, flush=True)
