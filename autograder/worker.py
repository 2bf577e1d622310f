"""Warm workers: processes that import torch once and fork a sandbox per submission.

Process start plus ``import torch`` costs 1.5–2.5 s; forking a process that
already holds torch costs ~12 ms. A worker pays the import once, then serves
jobs over a pipe (two length-prefixed messages in: the job, then the reference
helpers some items are supplied; one JSON line out). Workers are started
with a scrubbed environment and never load assignment specs, thresholds or
reference solutions, so a sandbox forked from one finds none of these in its
memory; the supplied helpers are read only after the fork and wiped after the
job. torch's thread pool is pinned to one thread *before* any fork: a
child forked after torch started a pool hangs on its first training step.
"""

from __future__ import annotations

import gc
import json
import os
import queue
import subprocess
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from autograder import facts as facts_mod
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
    loader.keep_engine_snapshot()  # the grader's own code as it must be in every item
    gc.freeze()  # forked sandboxes never walk (or copy) the warm-up's millions of objects


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


SUPPLIED = facts_mod.SUPPLIED_KEY  # the reference helpers an item is given


def split_supplies(job: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The job without the reference helpers some items are supplied, and those helpers by item.

    Each such item is marked ``"supply": True``. The job is what the sandbox
    is forked with; the helpers travel apart (see :func:`serve`), so that no
    copy of the reference's code is in the memory the submission loads in.
    """
    plan = dict(job["plan"])
    items, supplies = [], {}
    for item in plan["items"]:
        observe = item.get("observe") or {}
        if SUPPLIED in observe:
            supplies[item["id"]] = observe[SUPPLIED]
            item = {**item, "observe": {k: v for k, v in observe.items() if k != SUPPLIED}, "supply": True}
        items.append(item)
    plan["items"] = items
    return {**job, "plan": plan}, supplies


def encode_supplies(supplies: dict[str, dict[str, str]]) -> bytes:
    """Grader side: each item's helpers as the exact line the sandbox will hand that item.

    Records of ``<item id>\t<length>\n<line>``: the worker never parses them
    (no Python string of the reference's code is made there), it only copies
    byte ranges, and wipes the buffer after the job.
    """
    out = bytearray()
    for item_id, sources in supplies.items():
        line = (json.dumps({"item": item_id, SUPPLIED: sources}) + "\n").encode()
        out += f"{item_id}\t{len(line)}\n".encode() + line
    return bytes(out)


class SupplyBuffer:
    """Worker side: the items' helper lines in one buffer, released by item, wiped at the end."""

    def __init__(self, buffer: bytearray | None = None) -> None:
        self.buffer = buffer if buffer is not None else bytearray()
        self.spans: dict[str, tuple[int, int]] = {}
        position = 0
        while position < len(self.buffer):
            newline = self.buffer.index(b"\n", position)
            item_id, size = bytes(self.buffer[position:newline]).decode().rsplit("\t", 1)
            self.spans[item_id] = (newline + 1, newline + 1 + int(size))
            position = newline + 1 + int(size)

    def release(self, fd: int, item_id: str) -> None:
        """Write ``item_id``'s line on ``fd`` (non-blocking), once; a stalled reader costs its item."""
        span = self.spans.pop(item_id, None)
        if span is None:
            return
        try:
            os.write(fd, memoryview(self.buffer)[span[0]:span[1]])
        except OSError:
            pass

    def wipe(self) -> None:
        """Overwrite the helpers, so that no later sandbox forked from this worker finds them."""
        self.buffer[:] = bytes(len(self.buffer))
        self.spans.clear()


def _frame(data: bytes) -> bytes:
    return f"{len(data)}\n".encode() + data


def _read_frame(fd: int) -> bytearray | None:
    """One length-prefixed message from ``fd``, read exactly: nothing after it is read ahead.

    Unbuffered on purpose: a buffered reader would already hold the next
    message (the supplied helpers) when the sandbox is forked. Read straight
    into one buffer, so that no other copy of the bytes is left in memory.
    """
    header = bytearray()
    while not header.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            return None
        header += byte
        if len(header) > 20:
            raise WorkerError("malformed job header")
    data = bytearray(int(header))
    view, done = memoryview(data), 0
    with open(fd, "rb", buffering=0, closefd=False) as raw:
        while done < len(data):
            count = raw.readinto(view[done:])
            if not count:
                return None
            done += count
    return data


def serve() -> None:
    """Worker main loop: read a job on stdin, answer one line on the protocol fd.

    A job comes as two length-prefixed messages: the job, then the reference
    helpers its items are supplied. The second is read only after the sandbox
    has been forked (``sandbox.run(..., supplies_later=...)``), and the sandbox
    hands each item its helpers only once that item runs.
    """
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
    while (data := _read_frame(0)) is not None:
        job = json.loads(data)
        del data
        job["slot"] = slot
        try:
            answer = sandbox.run(job, supplies_later=lambda: SupplyBuffer(_read_frame(0))).to_json()
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
        job, supplies = split_supplies(job)
        try:
            self.proc.stdin.flush()
            self.proc.stdin.buffer.write(_frame(json.dumps(job).encode()) + _frame(encode_supplies(supplies)))
            self.proc.stdin.buffer.flush()
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
