"""Warm workers: processes that import torch once and fork a sandbox per submission.

Process start plus ``import torch`` costs 1.5–2.5 s; forking a process that
already holds torch costs ~12 ms. A worker pays the import once, then serves
jobs over a pipe (one JSON line in, one JSON line out). Workers are started
with a scrubbed environment and never load assignment specs, thresholds or
reference solutions, so a sandbox forked from one finds none of these in its
memory. torch's thread pool is pinned to one thread *before* any fork: a
child forked after torch started a pool hangs on its first training step.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from autograder.isolation import SCRUBBED_ENV

READY = "ready"


def _warm_up() -> None:
    """Import everything a sandbox may need, before any fork."""
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401  (font cache loaded once, not per submission)
    import IPython.core.interactiveshell  # noqa: F401
    import traitlets.config  # noqa: F401
    import torch.utils.data  # noqa: F401

    from autograder import loader, sandbox  # noqa: F401
    from autograder.observers import load_all

    load_all()
    _exercise_torch()


def _exercise_torch() -> None:
    """Run one tiny training step of each kind, so that torch's lazy imports and
    one-time initialisation (optimizers pull in torch._dynamo, ~1 s) happen once
    here instead of in every forked sandbox."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1),
                                torch.nn.Sigmoid())
    data = DataLoader(TensorDataset(torch.zeros(4, 2), torch.zeros(4, 1)), batch_size=2, shuffle=True)
    for opt in (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters())):
        for x, y in data:
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y) + torch.nn.MSELoss()(model(x), y)
            loss.backward()
            opt.step()
    w = torch.randn(2, 3, requires_grad=True)
    (torch.zeros(1, 3) @ w.t()).sum().backward()
    with torch.no_grad():
        w -= w.grad * 0.1
        w.grad.zero_()
    torch.manual_seed(0)


UID_SLOTS = 1000
LOCK_DIR = "/tmp/.autograder-uid-slots"


def claim_slot() -> int:
    """Claim a machine-wide unique sandbox uid slot for this worker's lifetime.

    The sandbox uid doubles as a kill switch (every process of that uid is
    killed after a run), so two graders running at once, e.g. two batches or
    a batch and a student's check, must never share one. A worker holds an
    exclusive ``flock`` on its slot's file until it exits; the kernel releases
    it even if the worker is killed.
    """
    import fcntl

    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    for slot in range(UID_SLOTS):
        fd = os.open(os.path.join(LOCK_DIR, f"{slot}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return slot  # keep fd open: the lock lives as long as this process
    raise WorkerError(f"all {UID_SLOTS} sandbox uid slots are in use")


def serve() -> None:
    """Worker main loop: read a job per line on stdin, answer one line on the protocol fd."""
    from autograder.isolation import die_with_parent

    die_with_parent()  # a killed grader takes its workers (and so their sandboxes) with it
    if os.getppid() == 1:
        return  # the grader died before the line above took effect
    slot = claim_slot()
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by accident goes to stderr, not into the protocol
    _warm_up()
    from autograder import sandbox

    protocol.write(READY + "\n")
    for line in sys.stdin:
        job = json.loads(line)
        job["slot"] = slot
        try:
            answer = sandbox.run(job).to_json()
        except Exception as exc:  # a harness bug: report it for this job, keep serving
            answer = {"internal_error": f"{type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(answer) + "\n")


class WorkerError(RuntimeError):
    """A worker died or answered nonsense; the harness, not the submission, failed."""


class Worker:
    """Parent-side handle on one warm worker process (``slot`` only names it in messages)."""

    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = dict(SCRUBBED_ENV)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env, cwd="/",
        )

    def wait_ready(self) -> None:
        assert self.proc and self.proc.stdout
        line = self.proc.stdout.readline()
        if line.strip() != READY:
            raise WorkerError("a grading worker failed to start (is torch installed?)")

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
            self.wait_ready()
        assert self.proc and self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            answer = json.loads(line)
        except (OSError, ValueError) as exc:
            self.stop()
            raise WorkerError(f"grading worker {self.slot} died: {exc}") from None
        if "internal_error" in answer:
            raise WorkerError(answer["internal_error"])
        return answer

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class WorkerPool:
    """N warm workers; ``with pool.worker() as w`` borrows one for a job."""

    def __init__(self, size: int) -> None:
        self.workers = [Worker(slot) for slot in range(max(1, size))]
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            for w in self.workers:
                w.start()
            for w in self.workers:
                w.wait_ready()
                self._idle.put(w)
            self._started = True

    @contextmanager
    def worker(self) -> Iterator[Worker]:
        self.start()
        w = self._idle.get()
        try:
            yield w
        finally:
            self._idle.put(w)

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        with self.worker() as w:
            return w.run(job)

    def close(self) -> None:
        for w in self.workers:
            w.stop()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


if __name__ == "__main__":
    serve()
