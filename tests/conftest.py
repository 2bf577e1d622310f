"""Shared fixtures: one pool of warm workers for the whole test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("mlp_regression", "xor", "linear_regression", "polynomial_regression")


# Tests that start processes (sandboxes, workers, the CLI) form the slow tier:
# `pytest -m "not slow"` is the inner loop, the full suite runs in CI.
SANDBOX_FIXTURES = frozenset({"pool", "graders"})
SLOW_FILES = frozenset({"test_cli.py", "test_batch.py", "test_hostile.py", "test_examples.py",
                        "test_notebooks.py"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts processes or grades through the real sandbox")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath))
        if (SANDBOX_FIXTURES & set(getattr(item, "fixturenames", ())) or path.name in SLOW_FILES
                or "integrity" in path.parts):
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
