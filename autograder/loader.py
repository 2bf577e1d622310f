"""Sandbox side: run a prepared program cell by cell and collect the names it defines.

Notebooks run in an IPython shell, the same interpreter class a Jupyter kernel
uses, so magics, ``display`` and ``%matplotlib inline`` behave as in Jupyter.
It runs in-process (no kernel process, no ZeroMQ) because the sandbox is
forked from a worker that has already imported torch: that is what makes a
notebook cost milliseconds instead of a 3-second kernel start. A ``.py``
module runs statement by statement with plain ``exec``.

Every cell is bounded: after ``cell_seconds`` it is interrupted and the next
cell runs, so a sheet's 50,000-epoch training loop at top level costs a few
seconds, not minutes, and the names defined before and after it survive.
Cells tagged ``skip-execution`` (nbclient's tag) or ``autograder-skip`` are not
run. Shell escapes (``!pip install``) are not executed. Missing optional
display packages (seaborn, ...) are replaced by inert stubs so that an
``import seaborn as sns`` cell does not lose the imports after it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import signal
import sys
import time
import types
from typing import Any, Callable

from autograder.observers.common import describe_exception


MAX_NOTES = 20


class CellBudgetExceeded(KeyboardInterrupt):
    """Raised by the per-cell timer; a KeyboardInterrupt so IPython treats it as an interrupt."""


class _Inert:
    """Stands in for anything from a stubbed module: callable, indexable, iterable, falsy."""

    def __call__(self, *args: Any, **kwargs: Any) -> "_Inert":
        return self

    def __getattr__(self, name: str) -> "_Inert":
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> "_Inert":
        return self

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<not available while grading>"


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Inert()


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last-resort finder: provides an inert module for listed packages that are not installed."""

    def __init__(self, names: list[str], notes: list[str]) -> None:
        self.names = set(names)
        self.notes = notes

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] not in self.names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        top = module.__name__.split(".")[0]
        note = (f"`{top}` is not installed where your code is graded; calls to it were "
                "ignored. Only use it for plots and tables.")
        if note not in self.notes:
            self.notes.append(note)


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


class _CellTimer:
    """SIGALRM-based budget for one cell."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def _fire(self, signum: int, frame: Any) -> None:
        raise CellBudgetExceeded()

    def __enter__(self) -> "_CellTimer":
        signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: Any) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _make_shell(notes: list[str]):  # type: ignore[no-untyped-def]
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        """IPython without a GUI loop, history file or shell escapes."""

        def enable_gui(self, gui: Any = None) -> None:
            return None

        def system(self, cmd: str) -> None:
            message = f"Shell command `!{cmd[:60]}` was not run: shell commands are disabled while grading."
            if message not in notes:
                notes.append(message)

        def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> list[str]:
            self.system(cmd)
            return []

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    return GradingShell.instance(config=config)


def run_program(program: dict[str, Any], limits: dict[str, float], stub_modules: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Execute the program's cells; return the submission's globals and student-facing notes."""
    notes: list[str] = []
    sys.meta_path.append(StubFinder(stub_modules, notes))
    cell_seconds = float(limits.get("cell_seconds", 5.0))
    deadline = time.monotonic() + float(limits.get("load_seconds", 60.0))
    if program["kind"] == "ipynb":
        shell = _make_shell(notes)
        names: dict[str, Any] = shell.user_ns
        run = _ipython_runner(shell)
        label = "Cell"
    else:
        module = types.ModuleType("submission")
        module.__file__ = program["filename"]
        sys.modules["submission"] = module
        names = module.__dict__
        run = _exec_runner(names, program["filename"])
        label = "The statement at line"
    for cell in program["cells"]:
        where = f"{label} {cell.get('line', cell['index'])} (`{_first_line(cell['source'])}`)"
        if cell.get("skip"):
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            notes.append(f"{where} and the ones after it were not run: the whole file took longer "
                         f"than {limits.get('load_seconds')} s to run.")
            break
        error = run(cell["source"], min(cell_seconds, remaining))
        if isinstance(error, CellBudgetExceeded):
            notes.append(f"{where} was stopped after {cell_seconds:g} s (long training at top level "
                         "is not needed for grading); names it defined before that are kept.")
        elif isinstance(error, SystemExit):
            notes.append(f"{where} called exit(); this was ignored and the next cells ran.")
        elif error is not None:
            notes.append(f"{where} raised {describe_exception(error)}; the other cells still ran.")
    if len(notes) > MAX_NOTES:  # e.g. 100,000 statements that each raise: keep the report readable
        notes[MAX_NOTES:] = [f"... and {len(notes) - MAX_NOTES} more notes like these."]
    return names, notes


def _ipython_runner(shell: Any) -> Callable[[str, float], BaseException | None]:
    def run(source: str, seconds: float) -> BaseException | None:
        with _CellTimer(seconds):
            result = shell.run_cell(source, store_history=False, silent=False)
        return result.error_before_exec or result.error_in_exec

    return run


def _exec_runner(names: dict[str, Any], filename: str) -> Callable[[str, float], BaseException | None]:
    def run(source: str, seconds: float) -> BaseException | None:
        try:
            code = compile(source, filename, "exec")
            with _CellTimer(seconds):
                exec(code, names)
        except BaseException as exc:  # the submission may raise anything, even SystemExit
            return exc
        return None

    return run
