"""The grader stays bounded: checks run under a time and memory budget (autograder.judge)."""

from __future__ import annotations

import threading

import numpy as np

from autograder.judge import Budget, judge
from autograder.results import Outcome

SMALL = Budget(cpu_seconds=2, wall_seconds=10.0, memory_mb=256)


def test_an_outcome_comes_back_unchanged() -> None:
    outcome = Outcome.partial(0.25, "one of four seeds", diagnostics="for the instructor")
    assert judge(lambda: outcome, SMALL) == outcome


def test_a_check_that_never_ends_is_an_error_not_a_hang() -> None:
    def forever() -> Outcome:
        while True:
            pass

    outcome = judge(forever, SMALL)
    assert outcome.status == "error"
    assert "over the grader's limits" in outcome.feedback
    assert "CPU" in outcome.diagnostics


def test_a_check_that_sleeps_is_stopped_on_wall_clock() -> None:
    import time

    outcome = judge(lambda: time.sleep(60) or Outcome.passed("late"),
                    Budget(cpu_seconds=2, wall_seconds=1.0, memory_mb=256))
    assert outcome.status == "error"
    assert "still running after 1 s" in outcome.diagnostics


def test_a_check_that_allocates_gigabytes_is_an_error() -> None:
    def huge() -> Outcome:
        grid = np.zeros((125_000, 1_000, 4))  # the quadratic distance matrix of a forged record
        return Outcome.passed(f"{grid.sum()}")

    outcome = judge(huge, SMALL)
    assert outcome.status == "error"
    assert "256 MB" in outcome.diagnostics


def test_a_check_that_raises_is_the_graders_failure() -> None:
    def broken() -> Outcome:
        raise KeyError("grid")

    outcome = judge(broken, SMALL)
    assert outcome.status == "error"
    assert "tell your instructor" in outcome.feedback
    assert "KeyError" in outcome.diagnostics


def test_a_check_must_return_an_outcome() -> None:
    assert judge(lambda: "passed", SMALL).status == "error"  # type: ignore[arg-type, return-value]


def test_judging_works_from_several_threads_at_once() -> None:
    """Batches judge from a thread per worker: forking beside other threads must be safe."""
    results: list[Outcome] = []

    def work(k: int) -> None:
        for _ in range(5):
            results.append(judge(lambda: Outcome.partial(
                float(np.linalg.norm(np.eye(50) @ np.ones(50))) / 100, f"t{k}"), SMALL))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 15
    assert all(abs(r.fraction - np.sqrt(50) / 100) < 1e-12 for r in results)


def test_an_empty_checklist_never_passes() -> None:
    outcome = Outcome.from_checks([], "everything is right")
    assert outcome.status == "failed"
    assert outcome.fraction == 0.0
