"""Hostile submissions: each one attacks the harness, and each attack must be contained.

The fixtures live in ``tests/hostile/``; each file's docstring says what it does
and what is expected. Most are built from ``examples/linear_regression/correct.py``
plus a hostile part (the line ``#<correct.py>`` is replaced by the correct
solution), so the expected statuses show they earn exactly what their correct
part earns; the rest are wrong on purpose and must earn nothing. Files that need
a path, a port or a delay from the test have a ``PARAMS = {}  #<params>`` line.

They are graded against a copy of the course's linear_regression assignment
folder with the tight limits of ``tests/hostile/limits.yaml``. Cases that are about the grading process itself
(exit code, results files, the grader's environment and terminal, killing it)
go through the command line; the others through one shared :class:`Grader`.

For every case: grading returns within its limits, the statuses are exactly
the expected ones, every isolation layer was active, no process of the
sandbox uids survives, the secret in the grader's environment is absent from
every output, and no connection reached the test's listeners.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import nbformat
import pytest

from autograder import spec as spec_mod
from autograder.isolation import SANDBOX_UID_BASE
from autograder.worker import LOCK_DIR, UID_SLOTS

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
CORRECT = ROOT / "examples" / "linear_regression" / "correct.py"
REFERENCE = ROOT / "reference" / "linear_regression.py"



def _hostile_spec_dir() -> Path:
    """The linear_regression folder (YAML, probes.py, checks.py) with the tight limits, in a
    temporary folder: the rubric stays the course's, whatever kinds its items use."""
    import atexit
    import shutil
    import tempfile

    import yaml

    source = ROOT / "assignments" / "linear_regression"
    folder = Path(tempfile.mkdtemp(prefix="hostile-course-")) / "linear_regression"
    atexit.register(shutil.rmtree, folder.parent, True)
    shutil.copytree(source, folder)
    raw = yaml.safe_load((source / "assignment.yaml").read_text(encoding="utf-8"))
    raw["limits"] = yaml.safe_load((HOSTILE / "limits.yaml").read_text(encoding="utf-8"))
    raw["reference"] = str(REFERENCE)
    for item in raw["items"]:
        item["seconds"] = raw["limits"]["item_seconds"]
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return folder


SPEC_DIR = _hostile_spec_dir()
SPEC = spec_mod.load(SPEC_DIR)
ITEMS = tuple(item.id for item in SPEC.items)
POINTS = {item.id: item.points for item in SPEC.items}
SUBMISSION_SECONDS = SPEC.limits["submission_seconds"]
CELL_SECONDS = SPEC.limits["cell_seconds"]
OUTPUT_KB = SPEC.limits["output_kb"]
MEMORY_MB = SPEC.limits["memory_mb"]
SANDBOX_UIDS = range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + UID_SLOTS)  # one uid per worker slot
SECRET_NAME = "AUTOGRADER_TEST_SECRET"
SECRET = f"hostile-secret-{uuid.uuid4().hex}"


@functools.lru_cache(maxsize=1)
def private_lines() -> frozenset[str]:
    """Lines that only the course's private files hold (the reference, the specs' thresholds)."""
    lines = {line.strip() for line in REFERENCE.read_text().splitlines() if len(line.strip()) >= 30}
    for spec_file in (ROOT / "assignments" / "linear_regression" / "assignment.yaml",
                      SPEC_DIR / "assignment.yaml"):
        lines |= {line.strip() for line in spec_file.read_text().splitlines()
                  if line.strip().startswith("check:") and len(line.strip()) >= 20}
    public = CORRECT.read_text() + "".join(p.read_text(errors="replace") for p in HOSTILE.glob("*.py"))
    return frozenset(line for line in lines if line not in public
                     and not line.startswith(("import ", "from ")) and sum(c.isalpha() for c in line) >= 15)


def assert_nothing_private(text: str) -> None:
    leaked = [line for line in private_lines() if line in text]
    assert not leaked, f"private course text came back: {leaked[:3]}"


def statuses(default: str = "passed", **overrides: str) -> dict[str, str]:
    return {i: overrides.get(i.split(".")[1], default) for i in ITEMS}


ALL_PASS = statuses()
ALL_ERROR = statuses("error")
ALL_FAILED = statuses("failed")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the hostile suite needs the full sandbox (root: namespaces, uid drop)")


# --- building submissions -------------------------------------------------------------------


def build(name: str, folder: Path, params: dict[str, Any] | None = None, as_name: str | None = None) -> Path:
    """Copy fixture ``name`` into ``folder``, splicing in the correct solution and the params."""
    text = (HOSTILE / name).read_text(encoding="utf-8")
    text = text.replace("#<correct.py>", CORRECT.read_text(encoding="utf-8"))
    text = text.replace("PARAMS = {}  #<params>", f"PARAMS = {params or {}!r}")
    path = folder / (as_name or name)
    path.write_text(text, encoding="utf-8")
    return path


def build_control(hostile: Path) -> Path:
    """The same submission without its hostile part (the lines between the two markers)."""
    kept, skipping = [], False
    for line in hostile.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip() == "# --- hostile part":
            skipping = True
        elif line.strip() == "# --- end of hostile part":
            skipping = False
        elif not skipping:
            kept.append(line)
    path = hostile.with_name(hostile.stem + "_control.py")
    path.write_text("".join(kept), encoding="utf-8")
    return path


def generate_not_utf8(folder: Path) -> Path:
    path = folder / "not_utf8.py"
    path.write_bytes(b"# caf\xe9 au lait, in Latin-1\n" + CORRECT.read_bytes())
    return path


def generate_notes_flood(folder: Path) -> Path:
    """5,000 top-level statements that each raise, then the correct solution."""
    path = folder / "floods_notes.py"
    path.write_text("1 / 0\n" * 5000 + CORRECT.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def generate_huge_notebook(folder: Path) -> Path:
    """The correct solution as a notebook carrying a 50 MB image output."""
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell(CORRECT.read_text(encoding="utf-8"))
    blob = "iVBORw0KGgo" + "A" * (50 * 1024 * 1024)
    code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": blob})]
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook that was never cleared"), code]
    path = folder / "huge_notebook.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    assert path.stat().st_size > 50 * 1024 * 1024
    return path


# --- observing the machine ------------------------------------------------------------------


def _status_fields(pid: str) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def processes_of(uids: set[int]) -> list[str]:
    """Processes whose real uid is one of ``uids`` (a /proc scan, no psutil)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _status_fields(pid)  # zombies too: they count against the uid's process limit
        if fields and int(fields["Uid"].split()[0]) in uids:
            found.append(f"pid {pid} ({fields['Name'].strip()}, uid {fields['Uid'].split()[0]}, "
                         f"{fields['State'].strip()}, parent {fields['PPid'].strip()})")
    return found


def assert_none_survive(uids: set[int], within: float = 3.0) -> None:
    """No process of the sandbox uids is left (the kernel may take a moment to reap them)."""
    deadline = time.monotonic() + within
    while (left := processes_of(uids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes of the sandbox survived grading: {left}"


def worker_uids(pids: list[int]) -> set[int]:
    """The sandbox uids of these workers: each holds a lock on its slot's file."""
    uids = set()
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(LOCK_DIR + "/") and target.endswith(".lock"):
                uids.add(SANDBOX_UID_BASE + int(Path(target).stem))
    return uids


def printed_uids(text: str) -> set[int]:
    return {int(w) for line in text.splitlines() if line.startswith("sandbox-uid ")
            for w in line.split()[1:2] if w.isdigit()}


class Listeners:
    """A TCP listener on all addresses, a UDP socket and an abstract Unix socket; counts contacts."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("0.0.0.0", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", 0))
        self.abstract = f"autograder-hostile-{uuid.uuid4().hex}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.abstract)
        self.unix.listen()
        self.contacts: list[str] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.tcp, self.udp, self.unix], [], [], 0.1)
            for sock in ready:
                if sock is self.udp:
                    self.contacts.append(f"udp {sock.recvfrom(1024)}")
                else:
                    conn, addr = sock.accept()
                    self.contacts.append(f"{'tcp' if sock is self.tcp else 'unix'} {addr}")
                    conn.close()

    def params(self) -> dict[str, Any]:
        try:  # the machine's own addresses, as a submission might guess them
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        except OSError:
            infos = []
        hosts = sorted({info[4][0] for info in infos} - {"127.0.0.1"})
        return {"port": self.tcp.getsockname()[1], "udp_port": self.udp.getsockname()[1],
                "abstract": self.abstract, "hosts": hosts}

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()


@pytest.fixture(scope="module")
def listeners() -> Iterator[Listeners]:
    found = Listeners()
    yield found
    found.close()
    assert not found.contacts, f"a submission reached the test's listeners: {found.contacts}"


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The grader's environment for this module: a secret, and a private reference cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv(SECRET_NAME, SECRET)
    patch.setenv("AUTOGRADER_CACHE", str(tmp_path_factory.mktemp("reference-cache")))
    yield dict(os.environ)
    patch.undo()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text, "the secret from the grader's environment leaked"


# --- the library cases ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile submission graded through the library, and what must come of it."""

    name: str
    expect: dict[str, str]  # every item's status
    notes: str = ""  # text one of the notes must contain
    feedback: str = ""  # text one item's feedback must contain
    params: str = ""  # which PARAMS the fixture gets
    control: bool = False  # also graded without its hostile part: both must earn the same

    def __repr__(self) -> str:
        return self.name


CASES = [
    Case("import_infinite_loop.py", ALL_PASS, notes=f"was stopped after {CELL_SECONDS:g} s"),
    Case("import_loop_ignores_interrupts.py", ALL_ERROR,
         notes=f"Grading stopped after {SUBMISSION_SECONDS:g} s"),
    Case("rubric_function_sleeps.py", statuses(fit="error"),
         feedback=f"Stopped after {SPEC.item('linreg.fit').seconds} s"),
    Case("memory_bomb.py", ALL_PASS),
    Case("fork_bomb.py", ALL_PASS),
    Case("memory_across_processes.py", ALL_FAILED),
    Case("disk_filler.py", ALL_PASS),
    Case("stdout_flood.py", ALL_PASS),
    Case("exits_at_import.py", ALL_PASS, notes="called exit(); this was ignored"),
    Case("os_exit_at_import.py", ALL_ERROR, feedback="os._exit"),
    Case("kills_everything.py", statuses(model="error"), feedback="SIGKILL"),
    Case("monkeypatches_comparisons.py", statuses("failed", simplenet="partial"), control=True),
    Case("forges_facts_at_import.py", statuses("failed"), control=True),
    Case("forges_facts_in_item.py", statuses("failed", mse="error")),
    Case("mutates_grader_inputs.py", statuses("failed"), control=True),
    Case("reads_reference.py", statuses("failed", mse="error"), params="reference"),
    Case("setsid_daemon.py", ALL_PASS, params="daemon"),
    Case("connects_to_listener.py", ALL_PASS, params="network"),
    Case("busy_threads.py", ALL_ERROR, feedback="too many threads or processes"),
    Case("atexit_loops.py", ALL_PASS),
    Case("writes_unprintable_text.py", statuses("failed", mse="error"), feedback="surrogate"),
    Case("broken_json.ipynb", ALL_ERROR, feedback="The notebook could not be read"),
    Case("empty.py", ALL_FAILED, feedback="is not defined"),
    Case("nbformat3.ipynb", ALL_PASS, notes="nbformat 3 and was converted"),
    Case("not_utf8.py", ALL_ERROR, feedback="Save it as UTF-8"),
    Case("floods_notes.py", ALL_PASS, notes="more notes like these"),
    Case("huge_notebook.ipynb", ALL_PASS),
]
GENERATED = {"not_utf8.py": generate_not_utf8, "floods_notes.py": generate_notes_flood,
             "huge_notebook.ipynb": generate_huge_notebook}
DAEMON_DELAY = 3.0


class Graded:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.uids: set[int] = set()
        self.started = 0.0
        self.daemon_file: Path | None = None
        self.canary: Any = None


@pytest.fixture(scope="module")
def graded(environment: dict[str, str], listeners: Listeners,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graded]:
    """Every library case, graded two at a time by one Grader (two warm workers)."""
    from autograder.grade import Grader

    folder = tmp_path_factory.mktemp("hostile")
    out = Graded()
    out.daemon_file = folder / "daemon-was-here.txt"
    params = {
        "reference": {"paths": [str(REFERENCE), str(SPEC_DIR / "assignment.yaml"),
                                str(ROOT / "assignments" / "linear_regression" / "assignment.yaml")],
                      "roots": [str(ROOT), str(ROOT / "reference"), str(SPEC_DIR)]},
        "daemon": {"path": str(out.daemon_file), "delay": DAEMON_DELAY},
        "network": listeners.params(),
    }
    paths = {}
    for case in CASES:
        if case.name in GENERATED:
            paths[case.name] = GENERATED[case.name](folder)
        else:
            paths[case.name] = build(case.name, folder, params.get(case.params))
        if case.control:
            paths[case.name + " (control)"] = build_control(paths[case.name])
    with Grader(SPEC, jobs=2) as grader:
        grader.pool.start()
        out.uids = worker_uids([w.proc.pid for w in grader.pool.workers])
        assert len(out.uids) == 2
        grader.expected  # the reference's facts, once, before the cases fan out
        out.started = time.time()
        slow_first = sorted(paths, key=lambda name: name != "import_loop_ignores_interrupts.py")
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {name: pool.submit(grader.grade, paths[name]) for name in slow_first}
            out.results = {name: future.result(timeout=20 * SUBMISSION_SECONDS)
                           for name, future in futures.items()}
        assert_none_survive(out.uids)
        out.canary = grader.grade(CORRECT)  # the harness is unharmed by all of the above
        yield out
    assert_none_survive(out.uids)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_hostile_case_earns_only_what_it_earned(graded: Graded, case: Case) -> None:
    result = graded.results[case.name]
    got = {item.id: item.status for item in result.rubric}
    if case.control:
        control = graded.results[case.name + " (control)"]
        assert [(i.id, i.status, i.score) for i in result.rubric] == \
            [(i.id, i.status, i.score) for i in control.rubric], _explain(result)
    assert got == case.expect, _explain(result)
    earned = sum(POINTS[i] for i, s in case.expect.items() if s == "passed")
    assert result.score <= earned + sum(POINTS[i] for i, s in case.expect.items() if s == "partial")
    assert result.score >= earned


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_hostile_case_is_contained(graded: Graded, case: Case, tmp_path: Path) -> None:
    """Layers on, bounded time and output, the right message, no secret, nothing private,
    and its reports can be written."""
    from autograder.report import gradescope, json_report

    result = graded.results[case.name]
    json_report.write(result, tmp_path / "result.json")
    gradescope.write(result, tmp_path / "gradescope.json")
    data = result.to_json()
    text = json.dumps(data)
    if result.isolation:  # absent only when nothing ran (a file that could not be read)
        layers = ("pid_ns", "net_ns", "mount_ns", "uid", "rlimits", "no_new_privs", "env")
        assert all(result.isolation[layer] for layer in layers), result.isolation
    assert result.seconds <= SUBMISSION_SECONDS + 10
    assert len(result.output) <= OUTPUT_KB * 1024 + 200
    assert len(text) < 200_000, "the results of one submission should stay small"
    assert_no_secret(text)
    assert_nothing_private("\n".join([result.output, *result.notes, *(
        f"{item.feedback}\n{item.diagnostics}" for item in result.rubric)]))
    if case.notes:
        assert case.notes in " ".join(result.notes), result.notes
    if case.feedback:
        assert any(case.feedback in item.feedback for item in result.rubric), _explain(result)


def test_memory_is_capped_across_processes(graded: Graded) -> None:
    """The memory cgroup caps the sandbox's total, not just each process's address space."""
    result = graded.results["memory_across_processes.py"]
    if not result.isolation.get("memory_cgroup"):
        pytest.skip("no writable memory cgroup on this machine: only per-process limits apply")
    output = result.output
    held = [int(line.split()[1]) for line in output.splitlines() if line.startswith("held ")]
    assert held, output
    assert max(held) <= MEMORY_MB, f"the sandbox held {max(held)} MB at once"


def test_daemon_never_writes_its_file(graded: Graded) -> None:
    remaining = graded.started + DAEMON_DELAY + 2 - time.time()
    if remaining > 0:
        time.sleep(remaining)
    assert graded.daemon_file is not None and not graded.daemon_file.exists()
    for leftover in ("/run/lock/autograder-hostile-daemon", "/var/tmp/autograder-hostile-daemon"):
        assert not os.path.exists(leftover)
    assert_none_survive(graded.uids)


def test_grader_unharmed_and_network_unreached(graded: Graded, listeners: Listeners) -> None:
    """After every hostile case, the same workers still grade a correct file in full,
    and not one connection or datagram reached the test's listeners."""
    assert graded.canary.score == 7.0, _explain(graded.canary)
    assert not listeners.contacts, f"a submission reached the test's listeners: {listeners.contacts}"
    assert "no connection to 127.0.0.1" in graded.results["connects_to_listener.py"].output


def test_disk_filler_leaves_nothing_behind(graded: Graded) -> None:
    left = []
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/", "/root", str(ROOT)):
        for path in Path(folder).glob("autograder-hostile-*"):
            left.append(str(path))
            path.unlink()
    assert not left, f"a submission left files outside its sandbox: {left}"


def test_private_folders_untouched(graded: Graded) -> None:
    """Nothing was written into the course's folders (the forgers tried)."""
    for folder in (ROOT / "reference", ROOT / "assignments", SPEC_DIR, ROOT):
        assert not list(folder.glob("forged-by-hostile*")) and not list(folder.glob("results.json"))
        assert not list(folder.glob("autograder-hostile-*"))


def _explain(result: Any) -> str:
    lines = [f"{i.id}: {i.status} {i.score}/{i.max_score} {i.feedback[:300]}" for i in result.rubric]
    return "\n".join(lines + [f"notes: {result.notes}", f"output: {result.output[-600:]}"])


# --- through the command line ---------------------------------------------------------------


def run_cli(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def all_text(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


def test_cli_forged_results_files(environment: dict[str, str], tmp_path: Path) -> None:
    """Fake results in every plausible place and on stdout: the real file says 0."""
    out_dir = tmp_path / "results"
    output = out_dir / "forges_results.json"
    params = {"name": "forges_results.py", "output": str(output),
              "folders": [str(out_dir), str(tmp_path), str(SPEC_DIR), str(ROOT / "reference"),
                          str(ROOT / "assignments" / "linear_regression"), str(ROOT)]}
    submission = build("forges_results.py", tmp_path, params)
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "reference").iterdir()}
    done = run_cli(["grade", str(submission), "--assignment", str(SPEC_DIR), "--output", str(output)],
                   environment, timeout=3 * SUBMISSION_SECONDS)
    assert done.returncode == 0, done.stderr
    data = json.loads(output.read_text())
    assert data["score"] == 0.0 and data["max_score"] == 7.0
    assert {i["id"]: i["status"] for i in data["rubric"]} == statuses("failed")
    assert "FORGED-RESULT" in data["output"]  # printed: kept as output, never taken as a result
    assert not any("FORGED-RESULT" in i["feedback"] for i in data["rubric"])
    assert sorted(p.name for p in out_dir.iterdir()) == ["forges_results.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forges_results.py", "results"]
    for folder in (SPEC_DIR, ROOT / "reference", ROOT / "assignments" / "linear_regression", ROOT,
                   Path("/tmp"), Path("/"), Path.home()):
        for name in ("results.json", "forges_results.json", "forges_results.py.json", "summary.csv",
                     "forged-by-hostile.json"):
            path = folder / name
            assert not (path.is_file() and "FORGED-RESULT" in path.read_text(errors="replace")), path
    assert before == {p: p.stat().st_mtime_ns for p in (ROOT / "reference").iterdir()}
    assert_no_secret(done.stdout, done.stderr, output.read_text())
    assert_none_survive(printed_uids(data["output"]))


def test_cli_batch_tampering_and_environment(environment: dict[str, str], tmp_path: Path) -> None:
    """A batch: the attacker sits between two correct submissions, on the same single worker."""
    batch, out_dir = tmp_path / "batch", tmp_path / "results"
    batch.mkdir()
    victims = [batch / "a_victim.py", batch / "c_victim.py"]
    for victim in victims:
        victim.write_bytes(CORRECT.read_bytes())
    params = {"victims": [str(v) for v in victims],
              "results": [str(out_dir / "a_victim.json"), str(out_dir / "c_victim.json"),
                          str(out_dir / "summary.csv")]}
    build("tampers_with_others.py", batch, params, as_name="b_tampers_with_others.py")
    build("prints_environment.py", batch, as_name="d_prints_environment.py")
    digests = {v: hashlib.sha256(v.read_bytes()).hexdigest() for v in victims}
    done = run_cli(["grade", str(batch), "--assignment", str(SPEC_DIR), "--output", str(out_dir),
                    "--jobs", "1"], environment, timeout=8 * SUBMISSION_SECONDS)
    assert done.returncode == 0, done.stderr
    results = {p.stem: json.loads(p.read_text()) for p in out_dir.glob("*.json") if p.stem != "summary"}
    assert sorted(results) == ["a_victim", "b_tampers_with_others", "c_victim", "d_prints_environment"]
    for name in ("a_victim", "c_victim"):
        assert results[name]["score"] == 7.0, results[name]
        assert results[name]["submission"] == f"{name}.py"
        assert "final loss" in results[name]["output"]  # its own output, not the attacker's
        assert "FORGED-ANSWER" not in json.dumps(results[name])
    attacker = results["b_tampers_with_others"]
    assert attacker["score"] == 0.0
    assert "FORGED-ANSWER" not in json.dumps(attacker["notes"])
    assert {i["id"]: i["status"] for i in results["d_prints_environment"]["rubric"]} == \
        statuses("failed", mse="error")
    assert digests == {v: hashlib.sha256(v.read_bytes()).hexdigest() for v in victims}
    summary = (out_dir / "summary.csv").read_text()
    assert "TAMPERED" not in all_text(out_dir) and "a_victim" in summary and "c_victim" in summary
    assert_no_secret(done.stdout, done.stderr, all_text(out_dir))
    uids = set().union(*(printed_uids(r["output"]) for r in results.values()))
    assert uids, "the hostile submissions should have reported their uid"
    assert_none_survive(uids)


def test_cli_in_a_terminal(environment: dict[str, str], tmp_path: Path) -> None:
    """Graded from a terminal: the submission can neither write to it nor type into it."""
    submission = build("types_into_terminal.py", tmp_path)
    output = tmp_path / "out.json"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", str(submission), "--assignment", str(SPEC_DIR),
         "--output", str(output)],
        cwd=ROOT, env=environment, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        preexec_fn=lambda: __import__("fcntl").ioctl(0, __import__("termios").TIOCSCTTY, 0))
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 3 * SUBMISSION_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal has exited
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None and not ready:
            break
    os.close(master)
    assert proc.wait(timeout=10) == 0, seen
    text = seen.decode(errors="replace")
    assert "HOSTILE-TTY" not in text, text
    data = json.loads(output.read_text())
    assert data["score"] == 7.0
    assert "cannot open /dev/tty" in data["output"], data["output"]
    assert_no_secret(text)
    assert_none_survive(printed_uids(data["output"]))


def test_cli_reference_not_in_worker_memory(environment: dict[str, str], tmp_path: Path) -> None:
    """With a cold reference cache the reference runs first, in the same worker as the submission."""
    submission = build("reads_worker_memory.py", tmp_path)
    output = tmp_path / "out.json"
    env = {**environment, "AUTOGRADER_CACHE": str(tmp_path / "cold-cache")}
    done = run_cli(["grade", str(submission), "--assignment", str(SPEC_DIR), "--output", str(output)],
                   env, timeout=3 * SUBMISSION_SECONDS)
    assert done.returncode == 0, done.stderr
    data = json.loads(output.read_text())
    assert_none_survive(printed_uids(data["output"]))
    assert "regions left unsearched: 0" in data["output"], data["output"][-500:]  # a full search
    assert_nothing_private(data["output"])


def test_cli_check_prints_hostile_text(environment: dict[str, str], tmp_path: Path) -> None:
    """A student's self-check on a file full of unprintable text: a report, not a traceback."""
    submission = build("writes_unprintable_text.py", tmp_path)
    done = run_cli(["check", str(submission), "--assignment", str(SPEC_DIR), "--show-output"],
                   {**environment, "PYTHONIOENCODING": "utf-8"}, timeout=3 * SUBMISSION_SECONDS)
    assert done.returncode == 1, done.stderr  # graded: not every visible item passes
    assert "Traceback" not in done.stderr, done.stderr
    assert "surrogate" in done.stdout
    assert_no_secret(done.stdout, done.stderr)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _status_fields(pid)
        if fields:
            children.setdefault(int(fields["PPid"]), []).append(int(pid))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def test_killing_the_grader_kills_the_sandbox(environment: dict[str, str], tmp_path: Path) -> None:
    """The grading command is killed (SIGKILL to its process group) while a submission runs:
    nothing of the submission may outlive it, not even the daemon it started."""
    submission = build("sleeps_forever.py", tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", str(submission), "--assignment", str(SPEC_DIR),
         "--output", str(tmp_path / "out.json")],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    uids: set[int] = set()
    deadline = time.monotonic() + 2 * SUBMISSION_SECONDS
    while time.monotonic() < deadline and len(processes_in_tree := [
            p for p in _descendants(proc.pid) if int(_status_fields(str(p)).get("Uid", "0").split()[0])
            in SANDBOX_UIDS]) < 2:
        time.sleep(0.2)
    for pid in processes_in_tree:
        uids.add(int(_status_fields(str(pid)).get("Uid", "0 ").split()[0]))
    uids &= set(SANDBOX_UIDS)
    assert uids, "the submission never started"
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert_none_survive(uids, within=5.0)
