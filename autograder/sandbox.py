"""Stage 3: run a program in a contained child process and collect observations.

Process tree, per submission (forked from a warm worker that holds torch)::

    worker ──fork──> setup (unshares namespaces, ──fork──> runner (PID 1 of the
                     joins the slot's cgroups)             new namespace: limits,
                                                           mounts, uid drop, loads
                                                           the submission)
                                                               └─fork─> item (one
                                                                  per rubric item)

Observations come back on a dedicated pipe, one JSON line per message, capped
in size; stdout and stderr go to another pipe of which we keep the head and
tail. The child never scores anything and never learns thresholds, points or
reference values. When the runner ends, is killed, or the wall-clock limit
passes, the whole namespace dies with it.

Everything written on the facts pipe is a claim: the submission shares the
runner's process and can write any line there. So the parent renders the
student-facing notes itself from structured facts, caps every text and every
item's data, and accepts an item's facts only while that item runs. While the
submission loads, the grader's own package is out of its reach, and afterwards
it is restored (``loader.restore_engine``), once in the runner and again at the
start of each item process, where no thread of the submission survives.
Items are timed on what they got (CPU time of the slot's cgroup, or time not
spent waiting for a CPU), so a busy neighbour cannot make them time out.
"""

from __future__ import annotations

import json
import math
import os
import select
import selectors
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from autograder import facts as facts_mod
from autograder import course_code, isolation, loader
from autograder.loader import run_program
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe

MAX_FACTS_BYTES = 32 * 1024 * 1024
MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_ITEM_BYTES = 4 * 1024 * 1024  # one item's facts: far more than any answer needs
MAX_DROPPED_BYTES = 256 * 1024 * 1024  # read and dropped while flooded items ran
MAX_SHORT_LINE = 64 * 1024  # the runner's own messages (item_end, item_start) are far shorter
MAX_TEXT = 300  # characters of a sandbox-reported error shown in the notes
WALL_BACKSTOP = 3.0  # an item that sleeps is stopped after this many times its budget
TOO_MUCH_DATA = "it sent far more data than any answer needs"
SUPPLIED = facts_mod.SUPPLIED_KEY


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
    """One message per line; the leading newline ends any partial line someone else left."""
    data = ("\n" + facts_mod.encode(message) + "\n").encode()
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


def run(job: dict[str, Any], supplies_later: Callable[[], Any] | None = None) -> SandboxRun:
    """Run ``job`` (program, plan, limits, isolation settings) and gather its observations.

    ``job`` keys: ``program`` (from ``Submission.program()``), ``plan`` (from
    ``AssignmentSpec.sandbox_plan()``), ``isolate`` (bool), ``hide`` (paths),
    ``slot`` (worker index, picks the sandbox uid).

    Items marked ``"supply": True`` are given reference helpers. The warm
    worker reads them only after the sandbox is forked (``supplies_later``
    returns a ``worker.SupplyBuffer``), each item gets its own once it starts
    (see :class:`_Inbox`), and the buffer is wiped afterwards. A job that
    still carries helpers in its plan has them taken out here, before the
    fork; then a copy may linger in the sandbox's freed memory.
    """
    from autograder.worker import SupplyBuffer, encode_supplies, split_supplies

    started = time.monotonic()
    job, inline = split_supplies(job)
    job = _with_probes_installed(job)
    limits = job["plan"]["limits"]
    facts_r, facts_w = os.pipe()
    out_r, out_w = os.pipe()
    supply_r, supply_w = os.pipe()
    setup_pid = os.fork()
    if setup_pid == 0:  # pragma: no cover - runs in the child
        inline.clear()
        _setup_process(job, facts_w, out_w, supply_r)
    for fd in (facts_w, out_w, supply_r):
        os.close(fd)
    supplies = SupplyBuffer(bytearray(encode_supplies(inline)))
    if supplies_later is not None:
        supplies = supplies_later()
    os.set_blocking(supply_w, False)
    try:
        release = lambda item: supplies.release(supply_w, item)  # noqa: E731
        result = _collect(job, setup_pid, facts_r, out_r, limits, release)
    finally:
        os.close(supply_w)
        supplies.wipe()
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _with_probes_installed(job: dict[str, Any]) -> dict[str, Any]:
    """Install the plan's course probes in this process before it forks, and drop their text
    from the plan the sandbox gets (``autograder.course_code``).

    Installed here, in the warm worker, they are part of the engine snapshot
    (taken again when they are new) that is restored after the submission loads.
    """
    plan = job["plan"]
    if "probes" not in plan:
        return job
    if course_code.install_probes(plan["probes"]) and loader.has_warm_snapshot():
        loader.keep_engine_snapshot()
    return {**job, "plan": {k: v for k, v in plan.items() if k != "probes"}}


def _receive_supply(fd: int, item_id: str) -> dict[str, str]:
    """In the item process: wait for this item's helpers (the item's time limit bounds the wait)."""
    buffer = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return {}
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("item") == item_id:
                sources = message.get(SUPPLIED)
                return sources if isinstance(sources, dict) else {}


def _setup_process(job: dict[str, Any], facts_w: int, out_w: int, supply_r: int) -> None:
    """First child: unshare namespaces, then fork the runner and wait for it."""
    code = 70
    try:
        _close_inherited_fds(keep=(facts_w, out_w, supply_r))
        isolation.die_with_parent()
        layers = isolation.enter_namespaces(job.get("isolate", True) and job.get("namespaces", True))
        cpu: isolation.CpuAccount | None = None
        if job.get("isolate", True):
            slot = f"slot-{job.get('slot', 0)}"
            layers["memory_cgroup"] = isolation.join_memory_cgroup(slot, job["plan"]["limits"]["memory_mb"])
            capped, cpu = isolation.join_cpu_cgroup(slot)
            layers["cpu_cgroup"] = capped and cpu is not None
        lifeline_r, lifeline_w = os.pipe()  # written once, then held open until we exit
        runner = os.fork()
        if runner == 0:
            os.close(lifeline_w)
            _runner_process(job, layers, facts_w, out_w, lifeline_r, cpu, supply_r)
        _write_line(facts_w, {"kind": "runner", "pid": runner})
        os.write(lifeline_w, b"g")
        os.close(lifeline_r)
        os.close(facts_w)
        os.close(out_w)
        os.close(supply_r)
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
                    lifeline: int, cpu: isolation.CpuAccount | None, supply_r: int) -> None:
    """The sandbox proper: contain, load the submission, then observe each item.

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
            hide = [*job.get("hide", []), *_engine_folders()]
            workdir = isolation.setup_mounts(layers, hide, limits["disk_mb"])
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
        plan_text = json.dumps(plan)  # a str: the submission can read it, not change it
        engine, graveyard = loader.snapshot_engine(), []
        restore, restore_code = loader.restore_engine, loader.restore_engine.__code__
        loader.hide_engine(engine)
        try:
            names, notes = run_program(program, limits, plan.get("stub_modules", []))
        finally:
            # Only local names until the engine is back: the module's globals may be replaced.
            if restore.__code__ is not restore_code:
                restore.__code__ = restore_code
            restore(engine, graveyard)
        _write_line(facts_w, {"kind": "loaded", "notes": notes})
        plan = json.loads(plan_text)
        own_pid_ns = bool(isolate and layers.get("pid_ns") and layers.get("uid"))
        ns = SubmissionNamespace(names, plan.get("aliases", {}))
        for item in plan["items"]:
            if own_pid_ns:
                _stop_strays()  # what loading or the previous item left running
            _observe_in_child(item, ns, facts_w, cpu, (restore, restore_code, engine), supply_r)
        _write_line(facts_w, {"kind": "done"})
    except BaseException as exc:  # report, never propagate out of a forked child
        try:
            _write_line(facts_w, {"kind": "fatal", "detail": f"{type(exc).__name__}: {exc}"[:MAX_TEXT]})
        except BaseException:
            pass
    finally:
        os._exit(0)


def _engine_folders() -> list[str]:
    """Where the grader's package is installed (e.g. site-packages/autograder on Gradescope).

    Its modules are already in memory; hiding the files keeps a submission
    from importing fresh copies of them (say, to borrow an observer's code).
    """
    return [os.path.dirname(os.path.abspath(loader.__file__))]


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


def _observe_in_child(item: dict[str, Any], ns: SubmissionNamespace, facts_w: int,
                      cpu: isolation.CpuAccount | None, engine: tuple[Any, ...], supply_r: int) -> None:
    """Fork one process per item, so one item's crash, exit or hang costs only that item.

    The item process first restores the grader's own code once more
    (``loader.restore_engine``): threads the submission left running in the
    runner may have changed it again since the load, and in the fork they no
    longer exist. Only then does the observer run, with the reference helpers
    the item is supplied, if any, received now that it has started.
    """
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
            restore, restore_code, state = engine
            if restore.__code__ is not restore_code:
                restore.__code__ = restore_code
            restore(state, [])
            params = dict(item.get("observe", {}))
            if item.get("supply"):
                params[SUPPLIED] = _receive_supply(supply_r, item["id"])
            record = observe(item["id"], ns, params, item.get("kind"), item.get("probes"))
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
    status = _wait_with_timeout(pid, float(item["seconds"]), cpu)
    _write_line(facts_w, {"kind": "item_end", "item": item["id"], "status": status,
                          "seconds": round(time.monotonic() - started, 3)})


class _ItemClock:
    """How much of its budget an item has used, counting only what the item got.

    On a busy machine wall-clock time is not the submission's: in a ``--jobs``
    batch a neighbour, or anything else running, may hold the CPU. So the
    budget is spent when the slot's cgroup has used that much CPU time during
    the item, or when the item's process has been running *or sleeping* that
    long (wall time minus the time it waited for a CPU, from
    ``/proc/PID/schedstat``), and in any case after ``WALL_BACKSTOP`` times
    the budget. Where neither measure is available, wall time is the measure.
    """

    def __init__(self, pid: int, budget: float, cpu: isolation.CpuAccount | None) -> None:
        self.pid, self.budget, self.cpu = pid, budget, cpu
        self.started = time.monotonic()
        self.cpu_start = cpu.seconds() if cpu else None
        self.wait_start = self._run_delay()

    def _run_delay(self) -> float | None:
        try:
            with open(f"/proc/{self.pid}/schedstat", "rb") as fh:
                return int(fh.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return None

    def used(self) -> float:
        """The largest of the measures that apply (seconds of the budget spent)."""
        wall = time.monotonic() - self.started
        measures = []
        if self.cpu_start is not None and (now := self.cpu.seconds()) is not None:  # type: ignore[union-attr]
            measures.append(now - self.cpu_start)
        if self.wait_start is not None and (waited := self._run_delay()) is not None:
            measures.append(wall - (waited - self.wait_start))
        if not measures:
            return wall
        return max(*measures, wall / WALL_BACKSTOP)

    def spent(self) -> bool:
        return self.used() >= self.budget


def _wait_with_timeout(pid: int, seconds: float, cpu: isolation.CpuAccount | None = None) -> str:
    """Wait for an item process; kill it once its budget is spent (see :class:`_ItemClock`).

    Returns 'exited', 'timeout' or 'signal N'.
    """
    clock = _ItemClock(pid, seconds, cpu)
    pidfd = os.pidfd_open(pid)
    try:
        while not select.select([pidfd], [], [], min(0.25, max(0.01, seconds - clock.used())))[0]:
            if clock.spent():
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout"
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return "exited"


def _collect(job: dict[str, Any], setup_pid: int, facts_r: int, out_r: int, limits: dict[str, float],
             supplier: Callable[[str], None]) -> SandboxRun:
    """Parent side: read both pipes until the sandbox ends or its wall-clock limit passes."""
    result = SandboxRun()
    inbox = _Inbox(result, job, supplier)
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
    facts for an item it is not part of. Items start once each, in the plan's
    order, and only then are an item's reference helpers released: a
    submission that forges the starts of the items before it (to get those
    helpers early) has forged away those items' own answers, and a spec
    supplies only helpers that earlier items grade. Within the item the
    observer's own report, written last, wins. Every byte that arrives while an item runs counts
    against that item's cap (:data:`MAX_ITEM_BYTES`): past it the item is
    ``crashed``, and the other items are unaffected.

    Nothing from the pipe becomes text of the grader's: notes are rendered
    from structured facts by :func:`loader.render_notes`, and an error the
    sandbox reports is shown once, cut short and labelled as such.
    """

    def __init__(self, result: SandboxRun, job: dict[str, Any],
                 supplier: Callable[[str], None] | None = None) -> None:
        self.result = result
        self.job = job
        self.supplier = supplier
        self.buffer = bytearray()
        self.received = 0
        self.runner_pid: int | None = None
        self.current: str | None = None
        self.item_ends: dict[str, dict[str, Any]] = {}
        self.item_bytes: dict[str, int] = {}
        self.flooded: set[str] = set()
        self.dropped = 0
        self.fatal_seen = False
        self.order = [str(item["id"]) for item in job["plan"]["items"]]
        self.started = 0  # items start once each, in the plan's order

    def feed(self, chunk: bytes) -> bool:
        """Add bytes; returns False once the size caps are exceeded.

        Bytes that arrive while a flooded item runs are read and dropped: they
        count against a larger cap of their own, not against the stream's, so
        that one item's flood does not end the grading of the items after it.
        """
        flooded = self.current in self.flooded
        if flooded:
            self.dropped += len(chunk)
        else:
            self.received += len(chunk)
        if self.received > MAX_FACTS_BYTES or self.dropped > MAX_DROPPED_BYTES:
            return False
        self.buffer += chunk
        while (newline := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:newline])
            del self.buffer[:newline + 1]
            self._count(newline + 1)
            self._handle(line)
        if self.current in self.flooded:
            if len(self.buffer) > MAX_SHORT_LINE:  # only the runner's short messages matter now
                self.buffer.clear()
        elif self.current is not None and \
                self.item_bytes.get(self.current, 0) + len(self.buffer) > MAX_ITEM_BYTES:
            self._count(len(self.buffer))
            self.buffer.clear()  # the rest of this line is dropped with it: our lines start afresh
        elif len(self.buffer) > MAX_LINE_BYTES:
            self.buffer.clear()
            self._note("A message from the sandbox was too large and was dropped.")
        return True

    def _count(self, size: int) -> None:
        item = self.current
        if item is None:
            return
        self.item_bytes[item] = self.item_bytes.get(item, 0) + size
        if self.item_bytes[item] > MAX_ITEM_BYTES and item not in self.flooded:
            self.flooded.add(item)
            self.result.observations[item] = {"status": "crashed", "detail": TOO_MUCH_DATA}

    def _note(self, text: str) -> None:
        if text not in self.result.notes:
            self.result.notes.append(text)

    def _handle(self, line: bytes) -> None:
        if not line.strip():
            return
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
            layers = message.get("layers", {})
            result.isolation = dict(layers) if isinstance(layers, dict) else {}
        elif kind == "loaded" and not result.loaded:
            result.loaded = True
            result.notes.extend(loader.render_notes(message.get("notes"), self.job["program"],
                                                    self.job["plan"]))
        elif kind == "item_start":
            if self.started < len(self.order) and message.get("item") == self.order[self.started]:
                self.current = self.order[self.started]
                self.started += 1
                if self.supplier is not None:
                    self.supplier(self.current)  # this item's reference helpers, now and once
        elif kind == "observation" and message.get("item") == self.current:
            if self.current not in self.flooded:
                result.observations[self.current] = _well_formed(message.get("record"))
        elif kind == "item_end" and message.get("item") == self.current:
            status = message.get("status")
            self.item_ends[self.current] = {"status": status[:40] if isinstance(status, str) else ""}
            self.current = None
        elif kind == "fatal" and not self.fatal_seen:
            self.fatal_seen = True
            result.fatal = result.fatal or "The grading process failed while setting up your code."
            detail = str(message.get("detail", ""))
            detail = detail if len(detail) <= MAX_TEXT else detail[:MAX_TEXT] + "..."
            self._note(f"internal: the process running your code reported an error: {detail}")


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
