"""Shared fixtures: one pool of warm workers for the whole test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
# The course the tests grade is this repository's, wherever pytest runs from
# (a test that wants another course, or none, sets or removes the variable itself).
os.environ.setdefault("AUTOGRADER_COURSE", str(ROOT))
ASSIGNMENTS = ("mlp_regression", "xor", "linear_regression", "polynomial_regression", "neuralnet")


# Tests that start processes (sandboxes, workers, the CLI) form the slow tier:
# `pytest -m "not slow"` is the inner loop, the full suite runs in CI.
SANDBOX_FIXTURES = frozenset({"pool", "graders"})
SLOW_FILES = frozenset({"test_cli.py", "test_cli_errors.py", "test_wheel.py", "test_student_ci.py",
                        "test_batch.py", "test_hostile.py", "test_examples.py", "test_notebooks.py",
                        "test_release.py", "test_gradescope_bundle.py"})
# In-process tests that train whole submissions (each well over a second: a fit run
# many times, or every item of every shipped example) or wait out a time limit by
# design. They stay in the full suite; the fast tier keeps each assignment's other
# tests (reference, correct example, feedback of single mistakes). Listed by
# (file, test function); a parametrized test is listed once.
SLOW_TESTS = frozenset({
    ("test_poly.py", "test_example_loses_only_its_item"),
    ("test_poly.py", "test_fit_numpy_any_reasonable_start_passes"),
    ("test_poly.py", "test_fit_autograd_that_ignores_steps_is_partial"),
    ("test_poly.py", "test_fit_numpy_that_ignores_steps_still_passes"),
    ("test_poly.py", "test_fit_numpy_reversed_return"),
    ("test_poly.py", "test_fit_numpy_wrong_return_count"),
    ("test_poly.py", "test_fit_numpy_ascends"),
    ("test_poly.py", "test_fit_numpy_no_update_feedback"),
    ("test_poly.py", "test_fit_autograd_one_missing_reset_is_partial"),
    ("test_mlp.py", "test_each_mistake_costs_only_its_items"),
    ("test_xor.py", "test_wrong_hidden_shape_costs_only_shapes"),
    ("test_xor.py", "test_boundary_gives_partial_credit_for_unreliable_defaults"),
    ("test_xor.py", "test_failing_items_agree_on_the_cause"),
    ("test_xor.py", "test_hardcoded_truth_table_loses_forward_and_boundary"),
    ("test_neuralnet.py", "test_each_example_gets_its_declared_statuses"),
    ("test_judge.py", "test_a_check_that_never_ends_is_an_error_not_a_hang"),
})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts processes or grades through the real sandbox")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath))
        function = getattr(item, "originalname", item.name)
        if (SANDBOX_FIXTURES & set(getattr(item, "fixturenames", ())) or path.name in SLOW_FILES
                or (path.name, function) in SLOW_TESTS or "integrity" in path.parts):
            item.add_marker(pytest.mark.slow)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true",
                     help="rewrite tests/golden/*.json from the current results (review the diff!)")


@pytest.fixture(scope="session")
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory):
    """Warm workers shared by every test that grades through the real sandbox."""
    os.environ.setdefault("AUTOGRADER_CACHE", str(tmp_path_factory.mktemp("cache")))
    from autograder.worker import WorkerPool

    with WorkerPool(2) as workers:
        yield workers


@pytest.fixture(scope="session")
def graders(pool):
    """A Grader per shipped assignment, all sharing the session's worker pool."""
    from autograder import spec
    from autograder.grade import Grader

    class Graders(dict):
        def __missing__(self, name: str) -> Grader:
            self[name] = Grader(spec.load(name), pool=pool)
            return self[name]

    return Graders()
