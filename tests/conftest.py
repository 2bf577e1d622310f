"""Shared fixtures: one pool of warm workers for the whole test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("mlp_regression", "xor", "linear_regression", "polynomial_regression")


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
