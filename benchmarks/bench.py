"""Benchmark: per-submission cost of grading, against the floors that bound it.

Prints, per assignment and per submission kind (.py, .ipynb):

* ``checks alone`` — the observers run in-process on the reference, no sandbox,
  no process start: the compute the rubric itself needs (the floor);
* ``warm`` — mean wall time per submission through the full sandbox with a
  warm worker (what a batch pays per submission), and its overhead over the floor;
* ``batch`` — throughput of a batch of N copies with ``--jobs`` workers;
* ``cold`` — one ``autograder grade FILE`` command from a fresh process
  (reference facts cached), what a student's self-check costs.

Plus the machine floors: Python start and ``import torch``.
Usage: ``python benchmarks/bench.py [--copies 20] [--jobs 2] [--assignments xor ...]``.
Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(cmd: list[str], repeat: int = 3) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def notebook_of(py_file: Path, target: Path) -> Path:
    """The same code as a notebook, one cell per top-level statement."""
    from autograder.submission import split_statements

    cells = [nbformat.v4.new_code_cell(c["source"].lstrip("\n"))
             for c in split_statements(py_file.read_text())]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, target)
    return target


def checks_alone(assignment: str) -> float:
    """Observers on the reference, in a fresh process that has already imported torch."""
    code = f"""
import time, runpy, torch
torch.set_num_threads(1)
from autograder import spec
from autograder.namespace import SubmissionNamespace
from autograder.observation import observe
from autograder.observers import load_all
load_all()
s = spec.load({assignment!r})
ns = SubmissionNamespace(runpy.run_path(str(s.reference), run_name="submission"), s.aliases)
for item in s.items: observe(item.id, ns, item.observe, item.kind)   # warm-up
start = time.perf_counter()
for item in s.items: observe(item.id, ns, item.observe, item.kind)
print(time.perf_counter() - start)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def warm_per_submission(grader, files: list[Path]) -> float:  # type: ignore[no-untyped-def]
    grader.grade(files[0])  # warm the worker and the reference cache
    start = time.perf_counter()
    for f in files:
        grader.grade(f)
    return (time.perf_counter() - start) / len(files)


def batch_throughput(grader, folder: Path, outdir: Path) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from autograder import batch

    start = time.perf_counter()
    report = batch.run(grader, folder, outdir)
    return time.perf_counter() - start, report.graded


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignments", nargs="*",
                        default=["xor", "mlp_regression", "linear_regression", "polynomial_regression",
                                 "neuralnet"])
    args = parser.parse_args()

    # No torch in this process: it only grades; the workers import torch in theirs. (A grader
    # with torch loaded pays ~10 ms more for every fork that judges an item.)
    from autograder import spec
    from autograder.grade import Grader
    from autograder.worker import WorkerPool

    tmp = Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    os.environ.setdefault("AUTOGRADER_CACHE", str(tmp / "cache"))
    print(f"machine: {os.cpu_count()} cores; copies per case: {args.copies}; jobs: {args.jobs}")
    print(f"floor  python start          {timed([sys.executable, '-c', 'pass']):7.3f} s")
    print(f"floor  python + import torch {timed([sys.executable, '-c', 'import torch']):7.3f} s")
    header = f"{'assignment':22} {'kind':6} {'checks':>8} {'warm':>8} {'overhead':>9} " \
             f"{'batch/sub':>10} {'subs/min':>9} {'cold CLI':>9}"
    print(header)
    with WorkerPool(args.jobs) as pool:
        for name in args.assignments:
            s = spec.load(name)
            grader = Grader(s, pool=pool)
            floor = checks_alone(name)
            for kind in ("py", "ipynb"):
                folder = tmp / f"{name}-{kind}"
                folder.mkdir()
                source = folder / f"s0.{kind}"
                if kind == "py":
                    shutil.copy(s.reference, source)
                else:
                    notebook_of(s.reference, source)
                for i in range(1, args.copies):
                    shutil.copy(source, folder / f"s{i}.{kind}")
                files = sorted(folder.iterdir())
                warm = warm_per_submission(grader, files[: max(3, args.copies // 4)])
                seconds, graded = batch_throughput(grader, folder, tmp / f"out-{name}-{kind}")
                cold = timed(["autograder", "grade", str(source), "--assignment", name,
                              "--output", str(tmp / "cold.json")], repeat=1)
                print(f"{name:22} {kind:6} {floor:8.3f} {warm:8.3f} {warm - floor:9.3f} "
                      f"{seconds / graded:10.3f} {60 * graded / seconds:9.1f} {cold:9.2f}")
        peaks = [_peak_rss_mb(w.proc.pid) for w in pool.workers if w.proc]
        print(f"peak memory per worker (VmHWM): {', '.join(f'{p:.0f} MB' for p in peaks)}")
    shutil.rmtree(tmp, ignore_errors=True)
    print("checks = observers on the reference in-process (the floor); warm = per submission "
          "through the sandbox, serial; overhead = warm - checks; batch = N copies with --jobs; "
          "cold = a fresh `autograder grade` process")


if __name__ == "__main__":
    main()
