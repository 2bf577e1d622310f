"""Run one check under a time and memory bound, in a forked child of the grader.

A check is pure and usually takes milliseconds, but its input is a record the
submission wrote: a forged record can ask for 10^12 replay steps or a grid of
millions of points. Validating sizes first is each check's job; this module is
the backstop that holds whatever a check does. The child gets an address-space
cap and a CPU-time cap, and is killed after a wall-clock limit; the outcome
travels back as JSON on a pipe. A check that exceeds a bound gives its item
``error`` for this submission only: the batch goes on and writes its gradebook.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from autograder.results import Outcome

MAX_ANSWER_BYTES = 1024 * 1024  # an outcome is a score and a few sentences


@dataclass(frozen=True)
class Budget:
    """What one check may use: CPU seconds, wall seconds, and memory beyond the grader's own."""

    cpu_seconds: int = 20
    wall_seconds: float = 60.0
    memory_mb: int = 2048


def judge(check: Callable[[], Outcome], budget: Budget = Budget()) -> Outcome:
    """``check()`` in a bounded child; an ``error`` outcome when it fails or runs over."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        _child(check, budget, write_fd)
    os.close(write_fd)
    try:
        data, finished = _read_answer(read_fd, budget.wall_seconds)
    finally:
        os.close(read_fd)
    if not finished:
        _kill(pid)
    _, status = os.waitpid(pid, 0)
    if not finished:
        return _over_budget(f"still running after {budget.wall_seconds:g} s")
    return _decode(data, status, budget)


def _child(check: Callable[[], Outcome], budget: Budget, write_fd: int) -> None:
    """Set the limits, run the check, write its outcome, exit without cleanup."""
    code = 0
    try:
        _limit_self(budget)
        try:
            outcome = check()
            if not isinstance(outcome, Outcome):
                raise TypeError(f"a check returned {type(outcome).__name__}, not an Outcome")
            answer = {"fraction": outcome.fraction, "feedback": outcome.feedback,
                      "errored": outcome.errored, "diagnostics": outcome.diagnostics}
        except MemoryError:
            answer = {"over": f"needed more than {budget.memory_mb} MB"}
        except Exception:
            answer = {"crash": traceback.format_exc()[-2000:]}
        data = json.dumps(answer).encode()[:MAX_ANSWER_BYTES]
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _limit_self(budget: Budget) -> None:
    """Cap the address space at what the grader already maps plus the budget, and CPU time."""
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = mapped + budget.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_seconds, budget.cpu_seconds + 1))


def _read_answer(fd: int, seconds: float) -> tuple[bytes, bool]:
    """Everything the child writes until it closes the pipe; False when time ran out first."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return b"", False
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks), True
        size += len(chunk)
        if size <= MAX_ANSWER_BYTES:
            chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _decode(data: bytes, status: int, budget: Budget) -> Outcome:
    """Turn the child's answer (or its death) into an outcome."""
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        return _over_budget(f"used more than {budget.cpu_seconds} s of CPU")
    try:
        answer: dict[str, Any] = json.loads(data)
    except ValueError:
        return _over_budget(f"stopped without an answer (exit status {status})")
    if "over" in answer:
        return _over_budget(str(answer["over"]))
    if "crash" in answer:
        return Outcome.error("The grader failed while judging this item; tell your instructor.",
                             diagnostics=str(answer["crash"]))
    return Outcome(float(answer["fraction"]), str(answer["feedback"]), bool(answer["errored"]),
                   str(answer["diagnostics"]))


def _over_budget(why: str) -> Outcome:
    return Outcome.error(
        "Judging this item went over the grader's limits: the record your code sent for it is "
        "far larger than any answer to the grader's questions, so it was not scored.",
        diagnostics=f"check {why}",
    )
