"""Grade a batch on a Dask cluster: the sandboxes run on the workers, everything else here.

``autograder grade DIR ... --cluster tcp://HOST:8786`` (a running scheduler) or
``--cluster local:N`` (a ``distributed.LocalCluster`` of N worker processes, one
thread each). ``autograder.batch.run`` does everything it does for a local
batch (plan, ``--resume``, results files, gradebook, progress) and hands the
submissions to be graded to :func:`grade`, which, for each:

1. prepares the submission here and builds its job (``Grader.prepare_job``):
   plain data holding the prepared program and the sandbox plan (course probes
   included), so the workers need no shared file system;
2. runs the job on a Dask worker (``autograder.cluster_worker.run_job``): the
   same warm worker, sandbox, limits and isolation record as a local batch;
   the task returns the sandbox's raw answer, facts only;
3. scores the answer here (``Grader.score_answer``) against the reference's
   facts, computed (or read from the cache) once, here. The facts never leave
   this machine: workers have nothing to judge, so they need no answers.

Faults: a Dask worker that dies mid-submission has its tasks rescheduled by Dask
(bounded by the scheduler's ``distributed.scheduler.allowed-failures``; past
that, the submission is an ``error`` saying the grader failed). A warm worker
that dies on a submission is retried on a fresh one, :data:`ATTEMPTS` times in
all, then that submission alone is an ``error``. The client may be killed at any
time: results files are written atomically, here, and ``--resume`` continues.

At connect time every worker must run the client's harness version, engine
(fingerprint of its source) and torch; a mismatch is refused (exit 2) naming
the worker. Each task checks again, for workers that join later.

Dask is optional: ``pip install 'autograder[cluster]'``. Only this path imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autograder.errors import UsageError
from autograder.grade import Grader, PreparedJob
from autograder.results import SubmissionResult

INSTALL = "pip install 'autograder[cluster]'"
CONNECT_SECONDS = 30.0  # to reach the scheduler
WORKERS_SECONDS = 120.0  # for a scheduler with no worker yet to get one
ATTEMPTS = 3  # runs of a submission whose warm worker dies, before it is an ``error``
LOCAL = re.compile(r"local:(\d+)")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise UsageError(f"--cluster needs Dask, which is not installed ({exc}): {INSTALL}") from None
    return distributed


def local_size(address: str) -> int | None:
    """N for ``local:N`` (None for a scheduler address); a UsageError for ``local:`` without a count."""
    if not address.startswith("local:"):
        return None
    match = LOCAL.fullmatch(address)
    if not match or int(match.group(1)) < 1:
        raise UsageError(f"--cluster {address}: give local:N with N worker processes, at least 1, "
                         "e.g. local:4")
    return int(match.group(1))


@contextmanager
def connect(address: str) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``address``, or of a new local cluster
    (``local:N``) that is closed afterwards; ``address`` errors are UsageErrors."""
    size = local_size(address)
    if size is None and "://" not in address and ":" not in address:
        raise UsageError(f"--cluster {address}: give the scheduler's address, e.g. "
                         "tcp://scheduler:8786, or local:N for N local worker processes")
    distributed = _distributed()
    cluster = None
    try:
        if size is not None:
            cluster = distributed.LocalCluster(n_workers=size, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(address, timeout=CONNECT_SECONDS)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(f"--cluster {address}: cannot reach a Dask scheduler there ({exc}); "
                                 "is `dask scheduler` running, and is the address right?") from None
        try:
            if size is None:
                try:
                    client.wait_for_workers(1, timeout=WORKERS_SECONDS)
                except TimeoutError:
                    raise UsageError(f"--cluster {address}: the scheduler has no workers (waited "
                                     f"{WORKERS_SECONDS:g} s); start some with `dask worker "
                                     f"{address}`") from None
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def check_versions(client: Any) -> dict[str, str]:
    """This machine's versions, once every worker is shown to run the same; else a UsageError
    naming the first worker that differs (or cannot run the grader at all)."""
    from autograder import cluster_worker

    mine = cluster_worker.versions()
    theirs = client.run(cluster_worker.versions, on_error="return")
    for worker, found in sorted(theirs.items()):
        if isinstance(found, BaseException):
            raise UsageError(f"Dask worker {worker} cannot run the grader ({type(found).__name__}: "
                             f"{found}); install autograder {mine['harness']} and torch {mine['torch']} "
                             f"there ({INSTALL})")
        if found != mine:
            raise UsageError(mismatch(worker, found, mine))
    return mine


def mismatch(worker: str, theirs: dict[str, str], mine: dict[str, str]) -> str:
    def describe(v: dict[str, str]) -> str:
        return f"autograder {v['harness']} (engine {v['engine'][:12]}), torch {v['torch']}"

    return (f"Dask worker {worker} runs {describe(theirs)}, but this machine runs {describe(mine)}; "
            "every worker must run the same autograder and torch as the machine that grades: "
            "install the same versions there and restart it")


def grade(grader: Grader, todo: list[tuple[Path, Path]], address: str,
          record: Callable[[Path, Path, SubmissionResult], None]) -> None:
    """Grade ``todo`` (submission, results file) pairs on the cluster at ``address``, calling
    ``record`` here, on each result, as it comes (see the module doc)."""
    from autograder import batch

    with connect(address) as client:
        from distributed.scheduler import KilledWorker

        from autograder import cluster_worker

        versions = check_versions(client)
        plugin = cluster_worker.WarmPoolPlugin()
        plugin.idempotent = True  # a second batch keeps the workers' warm pools
        client.register_plugin(plugin, name=cluster_worker.PLUGIN_NAME)
        grader.expected  # the reference's facts: once, here, before anything runs

        pending = iter(todo)
        running = _distributed().as_completed(loop=client.loop)  # this client's, not the default's
        meta: dict[Any, tuple[Path, Path, PreparedJob, int]] = {}

        def submit(entry: Path, out: Path, prepared: PreparedJob, attempt: int) -> None:
            future = client.submit(cluster_worker.run_job, prepared.job, versions, pure=False)
            meta[future] = (entry, out, prepared, attempt)
            running.add(future)

        def refill() -> None:
            """Keep about two submissions per worker thread in flight: the workers never wait,
            and this machine never holds every program at once."""
            window = 2 * max(1, sum(client.nthreads().values()))
            while len(meta) < window:
                step = next(pending, None)
                if step is None:
                    return
                entry, out = step
                prepared = batch.prepare_one(grader, entry)
                if prepared.result is not None:  # nothing to run: unreadable, or not loadable
                    record(entry, out, prepared.result)
                else:
                    submit(entry, out, prepared, 1)

        refill()
        for future in running:
            entry, out, prepared, attempt = meta.pop(future)
            try:
                answer = future.result()
            except KilledWorker as exc:
                result = grader.harness_failed(
                    prepared, f"every Dask worker that ran it died, and Dask gave up ({exc})")
            else:
                if cluster_worker.REFUSED in answer:
                    refused = answer[cluster_worker.REFUSED]
                    raise UsageError(mismatch(refused["worker"], refused["versions"], versions))
                if cluster_worker.WORKER_ERROR in answer:
                    if attempt < ATTEMPTS:
                        submit(entry, out, prepared, attempt + 1)
                        continue
                    result = grader.harness_failed(
                        prepared, f"the grading worker died on each of {ATTEMPTS} attempts; last: "
                        f"{answer[cluster_worker.WORKER_ERROR]}")
                else:
                    result = grader.score_answer(prepared, answer)[0]
            future.release()
            record(entry, out, result)
            refill()
