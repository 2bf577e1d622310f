"""Batches on a Dask cluster (``--cluster``): the same results as a local batch, and the faults.

The heavy tests share one ``LocalCluster`` of two worker processes (one thread
each) and compare with one local ``--jobs 2`` batch of the shipped xor examples
(all eleven). Functions sent to the Dask workers are defined inside the tests,
so that cloudpickle ships them by value and the workers never import this module.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import __version__, batch, cli, spec
from autograder.grade import Grader
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "xor"
MARKER = "KILL-MY-WARM-WORKER"  # the warm-worker-death test kills the warm worker running this one


BASELINE_ENGINE: list[str] = []  # the engine fingerprint the baseline's results are keyed on


def _engine_unchanged() -> bool:
    """Whether the engine's source is still what the baseline keyed its results on.

    ``cache_key`` hashes the engine's source: in a checkout edited while the
    tests run (never in CI), a later run has other keys, and nothing else differs."""
    from autograder import reference

    return reference.engine_fingerprint.__wrapped__() in BASELINE_ENGINE


def _fresh_engine(client) -> None:  # type: ignore[no-untyped-def]
    """Forget the engine fingerprint here and on the workers, so both hash the source as it is
    now (the harness computes it once per process; the test process outlives many edits)."""
    from autograder import reference

    def rehash() -> str:
        from autograder import reference

        reference.engine_fingerprint.cache_clear()
        return reference.engine_fingerprint()

    client.wait_for_workers(2, timeout=300)  # a worker killed by an earlier test is back
    reference.engine_fingerprint.cache_clear()
    reference.engine_fingerprint()
    client.run(rehash)


def _strip_timing(data: dict) -> dict:
    data.pop("seconds", None)
    for item in data["rubric"]:
        item.pop("seconds", None)
    if not _engine_unchanged():
        data.pop("cache_key", None)
    return data


def outputs(outdir: Path, names: set[str] | None = None) -> dict[str, bytes]:
    """Every file a batch wrote, as bytes; results files without their timing fields.

    ``names``: only these results files (and no gradebook files)."""
    files = {}
    for path in sorted(outdir.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix == ".json" and not path.name.startswith("summary"):
            if names is not None and path.stem not in names:
                continue
            files[path.name] = json.dumps(_strip_timing(json.loads(path.read_text())), indent=2).encode()
        elif names is None:
            files[path.name] = path.read_bytes()
    return files


def assert_same(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    """``outputs`` of two runs are equal; else say which files differ, and where."""
    assert sorted(got) == sorted(want)
    for name in want:
        if got[name] != want[name] and name.endswith(".json"):
            a, b = json.loads(got[name]), json.loads(want[name])
            fields = [k for k in sorted({*a, *b}) if a.get(k) != b.get(k)]
            pytest.fail(f"{name} differs in {fields}: {[(a.get(k), b.get(k)) for k in fields]}")
        assert got[name] == want[name], name


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    os.environ.setdefault("AUTOGRADER_CACHE", str(tmp_path_factory.mktemp("cache")))
    return os.environ["AUTOGRADER_CACHE"]


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("xor-class")
    for path in sorted(EXAMPLES.glob("*.py")):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def baseline(cache: str, class_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local batch every cluster run must match: ``--jobs 2``, all of the class."""
    out = tmp_path_factory.mktemp("local") / "out"
    from autograder import reference

    reference.engine_fingerprint.cache_clear()
    BASELINE_ENGINE.append(reference.engine_fingerprint())
    assert cli.main(["grade", str(class_folder), "--assignment", "xor", "--output", str(out),
                     "--jobs", "2", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def dask_cluster(cache: str):
    """Two Dask worker processes with one thread each, and a client of them."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        with distributed.Client(local) as client:
            _fresh_engine(client)
            yield local.scheduler_address, client


def _grade(folder: Path, out: Path, address: str, **kwargs) -> batch.BatchReport:  # type: ignore[no-untyped-def]
    with Grader(spec.load("xor")) as grader:
        return batch.run(grader, folder, out, cluster=address, **kwargs)


@pytest.mark.slow
def test_local_cluster_writes_what_a_local_batch_writes(baseline, class_folder, tmp_path, cache):
    """``--cluster local:2`` through the command line: every file byte-identical to ``--jobs 2``
    but the timing fields, the gradebook, statistics and report included."""
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(class_folder), "--assignment",
                          "xor", "--output", str(out), "--cluster", "local:2"],
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "AUTOGRADER_CACHE": cache})
    assert run.returncode == 0, run.stderr
    assert "graded 11, skipped 0 (current), 0 with errors" in run.stdout
    assert sum(line.startswith("graded\t") for line in run.stderr.splitlines()) == 11  # progress
    got, want = outputs(out), outputs(baseline)
    assert len(got) == 11 + 3
    assert_same(got, want)


@pytest.mark.slow
def test_a_dask_worker_killed_mid_batch_changes_nothing(dask_cluster, baseline, class_folder, tmp_path):
    address, client = dask_cluster
    _fresh_engine(client)
    killed: list[tuple[str, int, int]] = []

    def kill_a_busy_worker(entry, result):  # type: ignore[no-untyped-def]
        if killed or result is None:
            return
        pids = client.run(os.getpid)
        busy = {worker: tasks for worker, tasks in client.processing().items() if tasks}
        worker = sorted(busy)[0]
        os.kill(pids[worker], signal.SIGKILL)
        killed.append((worker, pids[worker], len(busy[worker])))

    report = _grade(class_folder, tmp_path / "out", address, on_done=kill_a_busy_worker)
    assert killed and killed[0][2] >= 1, "the kill should land on a worker that was grading"
    assert (report.graded, report.with_errors) == (11, 0)
    assert_same(outputs(tmp_path / "out"), outputs(baseline))
    client.wait_for_workers(2, timeout=300)  # the nanny restarts it; the other tests want two
    assert killed[0][1] not in client.run(os.getpid).values()


@pytest.mark.slow
def test_a_warm_worker_that_dies_costs_its_submission_only_after_bounded_retries(
        dask_cluster, baseline, class_folder, tmp_path):
    """The warm worker running one submission is SIGKILLed every time (as if the submission
    took it down): that submission is an ``error`` after ``cluster.ATTEMPTS`` runs, the
    others are graded as usual."""
    from autograder import cluster

    address, client = dask_cluster
    _fresh_engine(client)
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct.py", "xor_no_sigmoid.py"):
        shutil.copy(class_folder / name, folder / name)
    (folder / "doomed.py").write_text(f"import time\ntime.sleep(2)  # {MARKER}\n"
                                      + (class_folder / "correct.py").read_text())

    def install(marker: str) -> None:
        import json as json_
        import os as os_
        import signal as signal_
        import threading

        from autograder import worker

        original = worker.Worker.run
        worker.Worker._original_run = original
        worker.Worker.kills = 0

        def run(self, job):  # type: ignore[no-untyped-def]
            if marker in json_.dumps(job["program"]):
                if self.proc is None or self.proc.poll() is not None:  # killed by the last attempt
                    self.start()
                    self.wait_ready()
                worker.Worker.kills += 1
                threading.Timer(0.5, os_.kill, (self.proc.pid, signal_.SIGKILL)).start()
            return original(self, job)

        worker.Worker.run = run

    def uninstall() -> int:
        from autograder import worker

        kills = getattr(worker.Worker, "kills", 0)
        worker.Worker.run = getattr(worker.Worker, "_original_run", worker.Worker.run)
        return kills

    client.run(install, MARKER)
    try:
        report = _grade(folder, tmp_path / "out", address)
    finally:
        kills = sum(client.run(uninstall).values())
    assert kills == cluster.ATTEMPTS
    assert (report.graded, report.with_errors) == (3, 1)
    doomed = json.loads((tmp_path / "out" / "doomed.json").read_text())
    assert {i["status"] for i in doomed["rubric"]} == {"error"} and doomed["score"] == 0
    assert all("The grader failed while running your code" in i["feedback"] for i in doomed["rubric"])
    assert len(doomed["notes"]) == 1 and doomed["notes"][0].startswith("internal: ")
    assert f"on each of {cluster.ATTEMPTS} attempts" in doomed["notes"][0]
    assert "died" in doomed["notes"][0]
    others = {"correct", "xor_no_sigmoid"}
    assert_same(outputs(tmp_path / "out", others), outputs(baseline, others))


@pytest.mark.slow
def test_a_worker_with_another_harness_version_is_refused(dask_cluster, class_folder, tmp_path, capsys):
    address, client = dask_cluster
    _fresh_engine(client)
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(class_folder / "correct.py", folder / "correct.py")
    worker = sorted(client.scheduler_info()["workers"])[0]

    def set_version(value: str) -> str:
        import autograder

        old, autograder.__version__ = autograder.__version__, value
        return old

    client.run(set_version, "0.0.1-other", workers=[worker])
    try:
        code = cli.main(["grade", str(folder), "--assignment", "xor", "--output", str(tmp_path / "out"),
                         "--cluster", address, "--quiet"])
    finally:
        client.run(set_version, __version__, workers=[worker])
    err = capsys.readouterr().err
    assert code == 2
    assert f"Dask worker {worker} runs autograder 0.0.1-other" in err
    assert f"this machine runs autograder {__version__}" in err and "torch " in err
    assert not (tmp_path / "out" / "correct.json").exists()


def test_a_task_on_a_worker_with_other_versions_runs_nothing():
    """Workers that join after the check at connect time: each task checks again."""
    pytest.importorskip("distributed")
    from autograder import cluster_worker

    client_versions = {**cluster_worker.versions(), "torch": "0.0.0"}
    answer = cluster_worker.run_job({"program": "never run"}, client_versions)
    refused = answer[cluster_worker.REFUSED]
    assert refused["versions"] == cluster_worker.versions()


@pytest.mark.slow
def test_a_killed_client_resumes_on_the_cluster(dask_cluster, baseline, class_folder, tmp_path, cache):
    """The grading command is SIGKILLed mid-batch; ``--resume`` with ``--cluster`` skips the
    results already written, untouched, and grades the rest."""
    address, client = dask_cluster
    _fresh_engine(client)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", str(class_folder), "--assignment", "xor",
           "--output", str(out), "--cluster", address, "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "AUTOGRADER_CACHE": cache})
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 2 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    written = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    assert 2 <= len(written) < 11, "the kill should land mid-batch"
    report = _grade(class_folder, out, address, resume=True)
    assert (report.skipped, report.graded) == (len(written), 11 - len(written))
    assert {name: (out / name).stat().st_mtime_ns for name in written} == written
    assert not list(out.glob(".*.tmp"))
    assert_same(outputs(out), outputs(baseline))


@pytest.mark.slow
def test_a_local_batch_imports_no_dask(baseline, tmp_path, cache):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "broken.ipynb").write_text("{ this is not json")
    code = ("import sys; from autograder import cli; "
            f"code = cli.main(['grade', {str(folder)!r}, '--assignment', 'xor', '--output', "
            f"{str(tmp_path / 'out')!r}, '--jobs', '1', '--quiet']); "
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "AUTOGRADER_CACHE": cache})
    assert run.stdout.split("\n")[-2] == "0 []", run.stdout + run.stderr


def test_missing_dask_is_a_usage_error_saying_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails
    (tmp_path / "class").mkdir()
    shutil.copy(EXAMPLES / "correct.py", tmp_path / "class" / "correct.py")
    code = cli.main(["grade", str(tmp_path / "class"), "--assignment", "xor", "--output",
                     str(tmp_path / "out"), "--cluster", "local:2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--cluster needs Dask" in err and "pip install 'autograder[cluster]'" in err


@pytest.mark.parametrize("address", ["local:0", "local:two", "local:", "nowhere"])
def test_a_malformed_cluster_address_is_a_usage_error(address, tmp_path, capsys):
    (tmp_path / "class").mkdir()
    shutil.copy(EXAMPLES / "correct.py", tmp_path / "class" / "correct.py")
    code = cli.main(["grade", str(tmp_path / "class"), "--assignment", "xor", "--output",
                     str(tmp_path / "out"), "--cluster", address])
    assert code == 2
    assert f"--cluster {address}:" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    from autograder import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)
    (tmp_path / "class").mkdir()
    shutil.copy(EXAMPLES / "correct.py", tmp_path / "class" / "correct.py")
    code = cli.main(["grade", str(tmp_path / "class"), "--assignment", "xor", "--output",
                     str(tmp_path / "out"), "--cluster", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach a Dask scheduler there" in capsys.readouterr().err
