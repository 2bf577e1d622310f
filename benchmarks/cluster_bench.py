"""Benchmark: a batch on a Dask cluster (``--cluster local:N``) against a local one (``--jobs N``).

Grades N copies of the shipped ``examples/xor`` submissions (cycling through
them) twice, each time with the real command line in a fresh process, and prints
both wall times and their ratio. The wall times are end to end, as a user
sees them: the cluster run includes starting the ``LocalCluster`` and its
workers' warm pools; both include starting the grader. The reference's facts are
computed once beforehand, into a cache both runs share.

Usage: ``python benchmarks/cluster_bench.py [--copies 32] [--workers 2] [--repeat 1]``.
Needs ``pip install 'autograder[cluster]'``. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "xor"


def grade(folder: Path, out: Path, extra: list[str], env: dict[str, str]) -> float:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "autograder", "grade", str(folder), "--assignment", "xor",
           "--output", str(out), "--quiet", *extra]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=32, help="submissions in the batch (default 32)")
    parser.add_argument("--workers", type=int, default=2,
                        help="--jobs N locally, --cluster local:N on Dask (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the median is printed")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="autograder-cluster-bench-"))
    env = {**os.environ, "AUTOGRADER_CACHE": str(tmp / "cache")}
    sources = sorted(EXAMPLES.glob("*.py"))
    folder = tmp / "class"
    folder.mkdir()
    for i in range(args.copies):
        source = sources[i % len(sources)]
        shutil.copy(source, folder / f"s{i:02d}_{source.name}")
    # the reference's facts, once, into the shared cache (neither timed run computes them)
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(EXAMPLES / "correct.py"), "--assignment",
                    "xor", "--output", str(tmp / "warm.json"), "--quiet"], check=True, env=env, cwd=ROOT)

    local, cluster = [], []
    for _ in range(args.repeat):
        local.append(grade(folder, tmp / "local", ["--jobs", str(args.workers)], env))
        cluster.append(grade(folder, tmp / "cluster", ["--cluster", f"local:{args.workers}"], env))
    here, there = statistics.median(local), statistics.median(cluster)
    print(f"machine: {os.cpu_count()} cores; {args.copies} xor submissions; {args.workers} workers; "
          f"median of {args.repeat}")
    print(f"--jobs {args.workers}            {here:7.1f} s   {60 * args.copies / here:6.1f} submissions/min")
    print(f"--cluster local:{args.workers}   {there:7.1f} s   {60 * args.copies / there:6.1f} submissions/min")
    print(f"ratio cluster / local  {there / here:7.2f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
