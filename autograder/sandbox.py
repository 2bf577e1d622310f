"""Stage 3: run a program in a contained child process and collect observations.

Process tree, per submission (forked from a warm worker that holds torch)::

    worker ──fork──> setup (unshares namespaces) ──fork──> runner (PID 1 of the
                                                           new namespace: limits,
                                                           mounts, uid drop, loads
                                                           the submission)
                                                               └─fork─> item (one
                                                                  per rubric item)

Observations come back on a dedicated pipe, one JSON line per message, capped
in size; stdout and stderr go to another pipe of which we keep the head and
tail. The child never scores anything and never learns thresholds, points or
reference values. When the runner ends, is killed, or the wall-clock limit
passes, the whole namespace dies with it.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import select
import selectors
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from autograder import facts as facts_mod
from autograder import isolation
from autograder.loader import run_program
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe

MAX_FACTS_BYTES = 32 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024


@dataclass
class SandboxRun:
    """What came back from one sandboxed run: facts only, no judgement."""

    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    output: str = ""
    isolation: dict[str, Any] = field(default_factory=dict)
    loaded: bool = False
    fatal: str = ""  # student-safe reason the run stopped early, if it did
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"observations": self.observations, "notes": self.notes, "output": self.output,
                "isolation": self.isolation, "loaded": self.loaded, "fatal": self.fatal,
                "seconds": self.seconds}


def _write_line(fd: int, message: dict[str, Any]) -> None:
    data = (facts_mod.encode(message) + "\n").encode()
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class _OutputTail:
    """Keeps the first and last ``limit/2`` bytes of a stream (nbclient-style head and tail)."""

    def __init__(self, limit: int) -> None:
        self.half = max(1, limit // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        if len(self.tail) > self.half:
            cut = len(self.tail) - self.half
            self.dropped += cut
            del self.tail[:cut]

    def text(self) -> str:
        middle = f"\n... [{self.dropped} bytes of output omitted] ...\n" if self.dropped else ""
        return (bytes(self.head).decode("utf-8", "replace") + middle
                + bytes(self.tail).decode("utf-8", "replace"))


def run(job: dict[str, Any]) -> SandboxRun:
    """Run ``job`` (program, plan, limits, isolation settings) and gather its observations.

    ``job`` keys: ``program`` (from ``Submission.program()``), ``plan`` (from
    ``AssignmentSpec.sandbox_plan()``), ``isolate`` (bool), ``hide`` (paths),
    ``slot`` (worker index, picks the sandbox uid).
    """
    started = time.monotonic()
    limits = job["plan"]["limits"]
    facts_r, facts_w = os.pipe()
    out_r, out_w = os.pipe()
    setup_pid = os.fork()
    if setup_pid == 0:  # pragma: no cover - runs in the child
        _setup_process(job, facts_w, out_w)
    os.close(facts_w)
    os.close(out_w)
    result = _collect(job, setup_pid, facts_r, out_r, limits)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _setup_process(job: dict[str, Any], facts_w: int, out_w: int) -> None:
    """First child: unshare namespaces, then fork the runner and wait for it."""
    code = 70
    try:
        _close_inherited_fds(keep=(facts_w, out_w))
        isolation.die_with_parent()
        layers = isolation.enter_namespaces(job.get("isolate", True) and job.get("namespaces", True))
        if job.get("isolate", True):
            layers["memory_cgroup"] = isolation.join_memory_cgroup(
                f"slot-{job.get('slot', 0)}", job["plan"]["limits"]["memory_mb"])
        lifeline_r, lifeline_w = os.pipe()  # written once, then held open until we exit
        runner = os.fork()
        if runner == 0:
            os.close(lifeline_w)
            _runner_process(job, layers, facts_w, out_w, lifeline_r)
        _write_line(facts_w, {"kind": "runner", "pid": runner})
        os.write(lifeline_w, b"g")
        os.close(lifeline_r)
        os.close(facts_w)
        os.close(out_w)
        _, status = os.waitpid(runner, 0)
        code = os.waitstatus_to_exitcode(status) & 0xFF
    finally:
        os._exit(code)


def _close_inherited_fds(keep: tuple[int, ...]) -> None:
    """Leave the sandbox only its two pipes, stdout/stderr and /dev/null as stdin.

    A forked child inherits every descriptor of the worker, among them the
    worker's answer pipe to the grader (a submission writing a forged answer
    line there would have it taken as its result, and shift every later answer
    onto the next submission) and the job pipe on stdin.
    """
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, max(low, os.sysconf("SC_OPEN_MAX")))


def _runner_process(job: dict[str, Any], layers: dict[str, Any], facts_w: int, out_w: int,
                    lifeline: int) -> None:
    """The sandbox proper: contain, load the submission, observe each item.

    ``lifeline`` is a pipe from the setup process: its first byte says our pid
    has been announced (so the submission cannot announce a forged one first);
    end-of-file means the setup process is gone.
    """
    try:
        os.read(lifeline, 1)
        isolation.die_with_parent()
        plan, limits = job["plan"], job["plan"]["limits"]
        isolate = job.get("isolate", True)
        if isolate:
            workdir = isolation.setup_mounts(layers, job.get("hide", []), limits["disk_mb"])
            os.setsid()  # own session: no controlling terminal (TIOCSTI), not in the grader's group
        else:
            workdir = job.get("workdir") or os.getcwd()
        uid = isolation.SANDBOX_UID_BASE + int(job.get("slot", 0))
        layers["uid"] = isolate and isolation.drop_identity(uid, limits, workdir)
        isolation.die_with_parent()  # changing uid cleared the parent-death signal: arm it again
        if select.select([lifeline], [], [], 0)[0]:
            os._exit(0)  # the setup process died before the signal was armed again
        os.close(lifeline)
        if isolate:
            layers.update(isolation.harden(limits))
            isolation.scrub_environment(workdir)
        layers["env"] = isolate
        os.chdir(workdir)
        program = job["program"]
        if isolate:
            _write_copy(workdir, program)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        _write_line(facts_w, {"kind": "isolation", "layers": layers})
        grader_builtins = dict(vars(builtins))
        names, notes = run_program(program, limits, plan.get("stub_modules", []))
        _restore(vars(builtins), grader_builtins)  # e.g. `builtins.isinstance = ...` broke our own code
        _write_line(facts_w, {"kind": "loaded", "notes": notes})
        own_pid_ns = bool(isolate and layers.get("pid_ns") and layers.get("uid"))
        ns = SubmissionNamespace(names, plan.get("aliases", {}))
        for item in plan["items"]:
            if own_pid_ns:
                _stop_strays()  # what loading or the previous item left running
            _observe_in_child(item, ns, facts_w)
        _write_line(facts_w, {"kind": "done"})
    except BaseException as exc:  # report, never propagate out of a forked child
        try:
            _write_line(facts_w, {"kind": "fatal", "detail": f"{type(exc).__name__}: {exc}"[:500]})
        except BaseException:
            pass
    finally:
        os._exit(0)


def _restore(namespace: dict[str, Any], saved: dict[str, Any]) -> None:
    for name in [n for n in namespace if n not in saved]:
        del namespace[name]
    namespace.update(saved)


def _write_copy(workdir: str, program: dict[str, Any]) -> None:
    """The submission's own copy in its workdir (it may open itself, e.g. __file__)."""
    source = "\n".join(cell["source"].lstrip("\n") for cell in program["cells"])
    with open(os.path.join(workdir, program["filename"] + ".txt"), "w", encoding="utf-8") as fh:
        fh.write(source)


def _stop_strays() -> None:
    """Kill every other process in our PID namespace: what loading or an item left running.

    We are its init and run as the sandbox uid, so ``kill(-1)`` reaches exactly
    the submission's own processes (a fork bomb, a daemon) and none outside,
    and each item starts with the process limit free. Threads of this
    process cannot be stopped: they keep their share of the limit.
    """
    deadline = time.monotonic() + 2.0  # threads of ours may keep forking: don't wait forever
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return  # nothing left, zombies included
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.005)


def _observe_in_child(item: dict[str, Any], ns: SubmissionNamespace, facts_w: int) -> None:
    """Fork one process per item, so one item's crash, exit or hang costs only that item."""
    started = time.monotonic()
    _write_line(facts_w, {"kind": "item_start", "item": item["id"]})
    sys.stdout.flush()
    try:
        pid = os.fork()
    except OSError:
        _write_line(facts_w, {"kind": "item_end", "item": item["id"], "status": "no process",
                              "seconds": round(time.monotonic() - started, 3)})
        return
    if pid == 0:
        code = 0
        try:
            record = observe(item["id"], ns, item.get("observe", {}))
            record["seconds"] = round(time.monotonic() - started, 3)
            _write_line(facts_w, {"kind": "observation", "item": item["id"], "record": record})
        except BaseException:
            code = 1
        finally:
            try:
                sys.stdout.flush()
            except BaseException:
                pass
            os._exit(code)
    status = _wait_with_timeout(pid, float(item["seconds"]))
    _write_line(facts_w, {"kind": "item_end", "item": item["id"], "status": status,
                          "seconds": round(time.monotonic() - started, 3)})


def _wait_with_timeout(pid: int, seconds: float) -> str:
    """Wait for an item process; kill it after ``seconds``. Returns 'exited', 'timeout' or 'signal N'."""
    if not _wait_for_exit(pid, seconds):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return "timeout"
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return "exited"


def _collect(job: dict[str, Any], setup_pid: int, facts_r: int, out_r: int, limits: dict[str, float]) -> SandboxRun:
    """Parent side: read both pipes until the sandbox ends or its wall-clock limit passes."""
    result = SandboxRun()
    inbox = _Inbox(result)
    output = _OutputTail(int(limits["output_kb"] * 1024))
    deadline = time.monotonic() + float(limits["submission_seconds"])
    pidfd = os.pidfd_open(setup_pid)
    sel = selectors.DefaultSelector()
    sel.register(facts_r, selectors.EVENT_READ, "facts")
    sel.register(out_r, selectors.EVENT_READ, "out")
    sel.register(pidfd, selectors.EVENT_READ, "exit")
    running, open_streams = True, 2
    while running and open_streams:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            result.fatal = (f"Grading stopped after {limits['submission_seconds']:g} s, the limit for "
                            "one submission; items not finished by then are marked as errors.")
            break
        for key, _ in sel.select(timeout=timeout):
            if key.data == "exit":
                running = False
                continue
            chunk = os.read(key.fd, 65536)
            if not chunk:
                sel.unregister(key.fd)
                open_streams -= 1
            elif key.data == "out":
                output.add(chunk)
            elif not inbox.feed(chunk):
                result.fatal = "Your code sent far more data than any answer needs; grading stopped."
                running = False
                break
    sel.close()
    _terminate(setup_pid, inbox.runner_pid, job)
    _drain(facts_r, inbox, out_r, output)
    for fd in (facts_r, out_r, pidfd):
        os.close(fd)
    result.output = output.text()
    _fill_missing(job, result, inbox.item_ends)
    return result


class _Inbox:
    """Parses the sandbox's messages; accepts an item's facts only while that item runs.

    The runner announces ``item_start`` before forking an item's process, so
    code left running from another item, or from import time, cannot file
    facts for an item it is not part of. Within the item the observer's own
    report, written last, wins.
    """

    def __init__(self, result: SandboxRun) -> None:
        self.result = result
        self.buffer = bytearray()
        self.received = 0
        self.runner_pid: int | None = None
        self.current: str | None = None
        self.item_ends: dict[str, dict[str, Any]] = {}

    def feed(self, chunk: bytes) -> bool:
        """Add bytes; returns False once the size cap is exceeded."""
        self.received += len(chunk)
        if self.received > MAX_FACTS_BYTES:
            return False
        self.buffer += chunk
        while (newline := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:newline])
            del self.buffer[:newline + 1]
            self._handle(line)
        if len(self.buffer) > MAX_LINE_BYTES:
            self.buffer.clear()
            self.result.notes.append("A message from the sandbox was too large and was dropped.")
        return True

    def _handle(self, line: bytes) -> None:
        try:
            message = _clean(json.loads(line))
            if isinstance(message, dict):
                self._accept(message)
        except (ValueError, KeyError, TypeError, RecursionError):
            pass  # not ours (the submission can write on this pipe too): ignore rather than trust

    def _accept(self, message: dict[str, Any]) -> None:
        kind = message["kind"]
        result = self.result
        if kind == "runner" and self.runner_pid is None:
            self.runner_pid = int(message["pid"])
        elif kind == "isolation" and not result.isolation:
            result.isolation = dict(message.get("layers", {}))
        elif kind == "loaded" and not result.loaded:
            result.loaded = True
            result.notes.extend(str(n) for n in message.get("notes", []))
        elif kind == "item_start":
            self.current = str(message.get("item"))
        elif kind == "observation" and message.get("item") == self.current:
            result.observations[self.current] = _well_formed(message.get("record"))
        elif kind == "item_end" and message.get("item") == self.current:
            self.item_ends[self.current] = message
            self.current = None
        elif kind == "fatal":
            result.fatal = result.fatal or "The grading process failed while setting up your code."
            result.notes.append("internal: " + str(message.get("detail", ""))[:300])


def _clean(value: Any) -> Any:
    """Replace lone surrogates (JSON lets ``"\\ud800"`` through) in every string: such text
    cannot be written as UTF-8, and would crash whatever prints or saves it later."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


_RECORD_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "ok": {"facts": dict}, "missing": {"name": str, "tried": list}, "raised": {"error": str},
}


def _well_formed(record: Any) -> dict[str, Any]:
    """An observation record of the shape scoring expects, or a ``crashed`` record saying why not.

    Observers run in the submission's process, so what arrives is untrusted:
    a record with, say, ``"seconds": "x"`` must cost this item, not crash the grader.
    """
    fields = _RECORD_FIELDS.get(record.get("status")) if isinstance(record, dict) else None
    seconds = record.get("seconds", 0.0) if isinstance(record, dict) else None
    if (fields is None
            or not all(isinstance(record.get(key), kind) for key, kind in fields.items())
            or not all(isinstance(t, str) for t in record.get("tried", []))
            or not isinstance(seconds, (int, float)) or not math.isfinite(seconds)):
        return {"status": "crashed", "detail": "its result was not in the form the grader sends"}
    return record


def _terminate(setup_pid: int, runner_pid: int | None, job: dict[str, Any]) -> None:
    """Kill the runner (init of the PID namespace: everything in it dies) and reap.

    The runner is only signalled while the setup process is alive: until then
    it is that process's unreaped child, so its pid cannot have been reused.
    The setup process is left to reap it: the runner's exit completes only once
    every process of its namespace is gone, and killing the setup process
    first would leave the runner a zombie of the machine's init, counted
    against the sandbox uid's process limit for as long as that init takes
    to reap it (forever, under some container inits).
    """
    done, _ = os.waitpid(setup_pid, os.WNOHANG)
    if not done:
        if runner_pid:
            for kill in (os.kill, os.killpg):
                try:
                    kill(runner_pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            done = _wait_for_exit(setup_pid, 10.0)
        if not done:
            os.kill(setup_pid, signal.SIGKILL)
        os.waitpid(setup_pid, 0)
    if job.get("isolate", True):
        isolation.sweep_uid(isolation.SANDBOX_UID_BASE + int(job.get("slot", 0)))


def _wait_for_exit(pid: int, seconds: float) -> bool:
    """True once our child ``pid`` has exited (not reaped yet), False after ``seconds``."""
    pidfd = os.pidfd_open(pid)
    try:
        return bool(select.select([pidfd], [], [], seconds)[0])
    finally:
        os.close(pidfd)


def _drain(facts_r: int, inbox: _Inbox, out_r: int, output: _OutputTail) -> None:
    """Read what is already in the pipes without blocking (the writers are dead now)."""
    for fd in (facts_r, out_r):
        os.set_blocking(fd, False)
        while True:
            try:
                chunk = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            if fd == out_r:
                output.add(chunk)
            elif not inbox.feed(chunk):
                break


def _fill_missing(job: dict[str, Any], result: SandboxRun, item_ends: dict[str, dict[str, Any]]) -> None:
    """Give every planned item a record: timeouts and crashes are observations too."""
    for item in job["plan"]["items"]:
        item_id = item["id"]
        if item_id in result.observations:
            continue
        end = item_ends.get(item_id)
        if end and end.get("status") == "timeout":
            record = {"status": "timeout", "seconds": item["seconds"]}
        elif end:
            record = {"status": "crashed", "detail": _crash_detail(end.get("status", ""))}
        elif not result.loaded:
            record = {"status": "crashed", "detail": result.fatal or (
                "your code stopped the grader while it was being loaded (did it call os._exit, "
                "kill a process, or use too much memory?)")}
        else:
            record = {"status": "crashed", "detail": result.fatal or "grading stopped before this item ran"}
        result.observations[item_id] = record


def _crash_detail(status: str) -> str:
    if status == "no process":
        return ("it could not be started: your code left too many threads or processes running "
                "(the limit is per submission)")
    if status.startswith("signal"):
        name = status.split()[-1]
        if name in ("SIGKILL", "SIGSEGV", "SIGBUS"):
            return f"it was killed ({name}); usually this means it used too much memory or crashed Python"
        if name == "SIGXCPU":
            return "it used more CPU time than allowed"
        return f"it was stopped by {name}"
    return "it exited before reporting (does your code call exit() or os._exit()?)"
