"""The Dask worker's side of a cluster batch (``autograder.cluster``): run sandboxes, nothing else.

A task is one submission's job, the plain JSON data ``Grader.prepare_job`` built on
the client (the prepared program, the sandbox plan, the isolation settings; no
path to read, so workers need no shared file system). It runs the job exactly as
a local batch does, in a warm worker of the harness's own pool
(``autograder.worker``), and returns the sandbox's raw answer: facts, never
scores. The client scores and writes; the reference's facts never leave it.

Each Dask worker process hosts one :class:`PoolHost`, created on first use (or
when :class:`WarmPoolPlugin` is registered, so that the warm-up overlaps the
client's own start) and kept for the life of the process, across tasks and
batches: a warm worker costs ``import torch`` once, not once per submission.
The host's warm workers are started, restarted and stopped only from the host's
own threads: a warm worker dies with the thread that started it
(``PR_SET_PDEATHSIG``), and those threads live as long as the process, so a
killed Dask worker takes its warm workers (and their sandboxes) with it, and
nothing else does.

This module imports ``distributed``; only a cluster batch and the Dask workers import it.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from distributed import WorkerPlugin, get_worker

import autograder
from autograder.worker import WorkerError, WorkerPool

PLUGIN_NAME = "autograder-warm-pool"
WORKER_ERROR = "autograder_worker_error"  # the warm worker died (or failed) on this job
REFUSED = "autograder_refused"  # this Dask worker runs other versions than the client


def versions() -> dict[str, str]:
    """What must match between the client and every worker: the harness (its version and
    its engine's source fingerprint) and torch. Read at call time, never cached here."""
    from autograder import reference

    try:
        torch = version("torch")
    except PackageNotFoundError:
        torch = "not installed"
    return {"harness": autograder.__version__, "engine": reference.engine_fingerprint(), "torch": torch}


class PoolHost:
    """A :class:`~autograder.worker.WorkerPool` driven by threads of its own (see the module doc)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.pool = WorkerPool(self.size)
        self._jobs: queue.SimpleQueue[tuple[dict[str, Any], Future[dict[str, Any]]] | None] = \
            queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, name=f"autograder-warm-pool-{i}", daemon=True)
                         for i in range(self.size)]
        for thread in self._threads:
            thread.start()

    def _serve(self) -> None:
        try:
            self.pool.start()  # warm up now; a failure here is retried (and reported) by the first job
        except WorkerError:
            pass
        while (item := self._jobs.get()) is not None:
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.pool.run(job))
            except BaseException as exc:  # noqa: BLE001 -- handed to the task that waits for it
                future.set_exception(exc)

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        future: Future[dict[str, Any]] = Future()
        self._jobs.put((job, future))
        return future.result()

    def close(self) -> None:
        while True:  # jobs not started yet: their tasks fail now rather than wait forever
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None and item[1].set_running_or_notify_cancel():
                item[1].set_exception(WorkerError("the Dask worker is closing"))
        for _ in self._threads:
            self._jobs.put(None)
        self.pool.close()


_host: PoolHost | None = None
_host_lock = threading.Lock()


def host(size: int | None = None) -> PoolHost:
    """This process's pool host, created on first use with one warm worker per Dask thread."""
    global _host
    with _host_lock:
        if _host is None:
            if size is None:
                try:
                    size = get_worker().state.nthreads
                except ValueError:  # not in a Dask worker (a test calling run_job directly)
                    size = 1
            _host = PoolHost(size)
        return _host


def close_host() -> None:
    global _host
    with _host_lock:
        if _host is not None:
            _host.close()
            _host = None


def run_job(job: dict[str, Any], client_versions: dict[str, str]) -> dict[str, Any]:
    """The Dask task: run one job in this worker's sandbox and return the raw answer.

    A worker whose versions differ from the client's runs nothing (``REFUSED``),
    e.g. one that joined after the client checked them at connect time. A warm
    worker that dies is reported (``WORKER_ERROR``) for the client to retry,
    a bounded number of times.
    """
    mine = versions()
    if mine != client_versions:
        try:
            address = get_worker().address
        except ValueError:
            address = "?"
        return {REFUSED: {"worker": address, "versions": mine}}
    try:
        return host().run(job)
    except WorkerError as exc:
        return {WORKER_ERROR: str(exc)}


class WarmPoolPlugin(WorkerPlugin):
    """Starts each Dask worker's warm pool as the worker joins, and stops it as the worker closes."""

    name = PLUGIN_NAME

    def setup(self, worker: Any) -> None:
        host(worker.state.nthreads)

    def teardown(self, worker: Any) -> None:
        close_host()
