"""The shipped course's own code (``assignments/<name>/checks.py`` and ``probes.py``), for tests.

The engine loads these files itself (``autograder.course_code``); tests that
call one check or probe directly get the same functions from here.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

from autograder import course_code

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"


def checks_of(assignment: str) -> dict:
    """The checks ``assignments/<assignment>/checks.py`` marks, by item id."""
    return course_code.local_checks(ASSIGNMENTS / assignment).checks


def plots_of(assignment: str) -> dict:
    """The picture builders ``assignments/<assignment>/checks.py`` marks, by item id."""
    return course_code.local_checks(ASSIGNMENTS / assignment).plots


def checks_module(assignment: str) -> types.ModuleType:
    """The imported ``checks.py`` module itself (for its helper functions)."""
    any_check = next(iter(checks_of(assignment).values()))
    return sys.modules[any_check.__module__]


def probes_module(assignment: str) -> types.ModuleType:
    """``assignments/<assignment>/probes.py`` imported in this process (it imports torch)."""
    name = f"course_probes_{assignment}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ASSIGNMENTS / assignment / course_code.PROBES_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


CHECKS: dict = {}
for _name in ("xor", "mlp_regression", "linear_regression", "polynomial_regression"):
    if (ASSIGNMENTS / _name / course_code.CHECKS_FILE).is_file():
        CHECKS.update(checks_of(_name))


def copy_code(assignment: str, folder: Path) -> None:
    """Copy the assignment folder's own code (``probes.py``, ``checks.py``, when it has them) into
    ``folder``: a copy of its YAML elsewhere loads only with them beside it."""
    for code in (ASSIGNMENTS / assignment).glob("*.py"):
        (folder / code.name).write_bytes(code.read_bytes())

