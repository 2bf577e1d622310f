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
run. Shell escapes (``!pip install``) are not executed; the template's own
self-check cell (``!autograder check ...``) is skipped without a note. Missing optional
display packages (seaborn, ...) are replaced by inert stubs so that an
``import seaborn as sns`` cell does not lose the imports after it.

What happened while loading comes back as *structured notes* (``{"cell": 3,
"kind": "raised", "detail": ...}``), never as sentences: the submission shares
this process and can write any message it likes on the facts pipe, so the
grader renders the sentences itself (:func:`render_notes`), from its own copy
of the program, and a forged note can at most fill a ``detail`` slot that is
shown as the code's own error. While the submission loads, the grader's own
package is out of its reach, and what the submission changed in it is undone
afterwards (:func:`snapshot_engine`, :func:`hide_engine`, :func:`restore_engine`).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import posix
import re
import signal
import sys
import threading
import time
import types
from typing import Any, Callable

from autograder.observers.common import describe_exception


MAX_NOTES = 20  # notes rendered per submission; the rest are counted
MAX_DETAIL = 300  # characters of one note's detail (an error message) that are shown
ENGINE = "autograder"


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

    def __init__(self, names: list[str], notes: "_Notes") -> None:
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
        self.notes.add("stub", detail=module.__name__.split(".")[0], cell=-1)  # one note per package


QUOTE_CHARS = 60  # a cell's first line, as quoted in a note: enough to recognise it
SHELL_DETAIL = 60  # characters of a shell command kept in its note

# The student templates end with a cell running the self-check (``!autograder check ...``).
# Grading that cell again is pointless, and a note about it on every check is noise.
_SELF_CHECK = re.compile(r"\s*(?:\S*python[0-9.]*\s+-m\s+)?autograder\s+check(?:\s|$)")


_SHELL_CHAINING = frozenset(";&|`$<>\n")


def is_self_check(command: str) -> bool:
    """Whether a shell escape runs the student's own self-check, which needs no note.

    Only the plain command: one that chains another (``autograder check x; pip
    install y``) keeps its note, since the other part was not run either.
    """
    return bool(_SELF_CHECK.match(command)) and not _SHELL_CHAINING & set(command)


def _first_line(source: str) -> str:
    """The cell's first non-empty line, shortened: what the student sees at the top of it."""
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= QUOTE_CHARS else line[:QUOTE_CHARS - 3].rstrip() + "..."
    return ""


def _cell_label(program: dict[str, Any], position: int) -> str:
    """Name a cell the way the student finds it: code cell N in Jupyter, line N in a module.

    A notebook's program holds its code cells only, in order, so the position
    among them is the count a student makes by hand (markdown cells are not
    counted). The quoted line comes from the grader's own copy of the program.
    """
    cell = program["cells"][position]
    quote = _first_line(cell["source"])
    if program.get("kind") == "ipynb":
        return f'Code cell {position + 1} ("{quote}")'
    return f"The statement at line {cell.get('line', cell['index'])} (`{quote}`)"


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


def _make_shell(notes: "_Notes"):  # type: ignore[no-untyped-def]
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        """IPython without a GUI loop, history file or shell escapes."""

        def enable_gui(self, gui: Any = None) -> None:
            return None

        def system(self, cmd: str) -> None:
            if not is_self_check(str(cmd)):
                notes.add("shell", detail=str(cmd)[:SHELL_DETAIL])

        def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> list[str]:
            self.system(cmd)
            return []

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    return GradingShell.instance(config=config)


class _Notes:
    """What happened while loading, as structured facts: at most MAX_NOTES kept, the rest counted."""

    def __init__(self) -> None:
        self.kept: list[dict[str, Any]] = []
        self.dropped = 0
        self.cell: int | None = None  # position of the cell running now, in program["cells"]

    def add(self, kind: str, detail: str = "", cell: int | None = None) -> None:
        note: dict[str, Any] = {"kind": kind, "cell": self.cell if cell is None else cell}
        if detail:
            note["detail"] = detail[:MAX_DETAIL + 3]
        if kind in ("stub", "shell") and note in self.kept:
            return  # one note per stubbed package / shell command is enough
        if len(self.kept) < MAX_NOTES:
            self.kept.append(note)
        else:
            self.dropped += 1

    def facts(self) -> list[dict[str, Any]]:
        return self.kept + ([{"kind": "more", "count": self.dropped}] if self.dropped else [])


def run_program(program: dict[str, Any], limits: dict[str, float],
                stub_modules: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Execute the program's cells; return the submission's globals and structured notes.

    The notes are facts for :func:`render_notes` (run by the grader), not sentences.
    """
    notes = _Notes()
    is_a = isinstance  # taken before any cell runs: a cell may replace builtins.isinstance
    sys.meta_path.append(StubFinder(stub_modules, notes))
    cell_seconds = float(limits.get("cell_seconds", 5.0))
    deadline = time.monotonic() + float(limits.get("load_seconds", 60.0))
    if program["kind"] == "ipynb":
        shell = _make_shell(notes)
        names: dict[str, Any] = shell.user_ns
        run = _ipython_runner(shell)
    else:
        module = types.ModuleType("submission")
        module.__file__ = program["filename"]
        sys.modules["submission"] = module
        names = module.__dict__
        run = _exec_runner(names, program["filename"])
    for position, cell in enumerate(program["cells"]):
        if cell.get("skip"):
            continue
        notes.cell = position
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            notes.add("load_timeout")
            break
        error = run(cell["source"], min(cell_seconds, remaining))
        if is_a(error, CellBudgetExceeded):
            notes.add("timeout")
        elif is_a(error, SystemExit):
            notes.add("exit")
        elif error is not None:
            notes.add("raised", detail=describe_exception(error))
    return names, notes.facts()


# --- rendering notes: runs in the grader, on whatever the sandbox sent -------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
_CELL_KINDS = frozenset({"raised", "timeout", "exit", "load_timeout", "shell"})


def render_notes(raw: Any, program: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """The student-facing sentences for the loader's structured notes.

    ``raw`` is untrusted (the submission can send a ``loaded`` message of its
    own): anything malformed is dropped, at most :data:`MAX_NOTES` notes are
    shown, each detail is cut to :data:`MAX_DETAIL` characters, and every
    sentence is the grader's own wording around the cell it names (looked up
    in the grader's copy of the program) and a detail that reads as the code's
    error. A stubbed package must be one the spec stubs; a shell command must
    appear in the cell it names.
    """
    if not isinstance(raw, list):
        return []
    rendered: list[str] = []
    more = 0
    for note in raw[:MAX_NOTES + 1]:
        if isinstance(note, dict) and note.get("kind") == "more":
            count = note.get("count")
            # at most a note per cell and per stubbed package
            possible = len(program.get("cells", [])) + len(plan.get("stub_modules", []))
            valid = isinstance(count, int) and not isinstance(count, bool) and 0 < count <= possible
            more = count if valid else 0
            continue
        sentence = _render_note(note, program, plan)
        if sentence and sentence not in rendered and len(rendered) < MAX_NOTES:
            rendered.append(sentence)
    if more:
        rendered.append(f"... and {more} more notes like these.")
    return rendered


def _render_note(note: Any, program: dict[str, Any], plan: dict[str, Any]) -> str | None:
    if not isinstance(note, dict) or not isinstance(note.get("kind"), str):
        return None
    kind, detail = note["kind"], note.get("detail", "")
    if not isinstance(detail, str):
        return None
    detail = detail if len(detail) <= MAX_DETAIL else detail[:MAX_DETAIL] + "..."
    limits = plan.get("limits", {})
    if kind == "stub":
        if not _NAME.fullmatch(detail) or detail not in plan.get("stub_modules", []):
            return None
        return (f"`{detail}` is not installed where your code is graded; calls to it were "
                "ignored. Only use it for plots and tables.")
    if kind not in _CELL_KINDS:
        return None
    cells = program.get("cells", [])
    position = note.get("cell")
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < len(cells):
        return None
    cell = cells[position]
    if kind == "shell":
        if len(detail) < SHELL_DETAIL and is_self_check(detail):
            return None  # the template's own self-check cell (a cut command may chain another)
        command = f" `!{detail}`" if detail and detail in cell["source"] else ""
        return f"Shell command{command} was not run: shell commands are disabled while grading."
    where = _cell_label(program, position)
    if kind == "timeout":
        return (f"{where} was stopped after {float(limits.get('cell_seconds', 5.0)):g} s (long "
                "training at top level is not needed for grading); names it defined before that "
                "are kept.")
    if kind == "exit":
        return f"{where} called exit(); this was ignored and the next cells ran."
    if kind == "load_timeout":
        return (f"{where} and the ones after it were not run: the whole file took longer "
                f"than {limits.get('load_seconds')} s to run.")
    return f"{where} raised {detail or 'an error'}; the other cells still ran."


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
# --- keeping the grader's own package out of the submission's reach --------------------------
#
# Everything in the sandbox process is the submission's to change: it can rebind
# ``autograder.sandbox.observe``, swap a function's ``__code__``, replace
# ``sys.modules`` entries, add entries to the observer registry, install import
# hooks or a trace function. The sandbox takes a snapshot before the submission
# loads (:func:`snapshot_engine`), hides the package while it loads
# (:func:`hide_engine`) and puts everything back afterwards (:func:`restore_engine`).
# The snapshot is one tuple of tuples, held in a local variable of the runner: the
# submission can find it (through the garbage collector) but not change it.


def _is_engine(name: str) -> bool:
    return name == ENGINE or name.startswith(ENGINE + ".")


class _EngineBlocker(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path`` while a submission loads: no ``import autograder...``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):  # type: ignore[no-untyped-def]
        if _is_engine(fullname):
            raise ImportError("the grader's own package is not available to submissions",
                              name=fullname)
        return None


def _refused_hook(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``os.register_at_fork`` and ``sys.addaudithook`` in the sandbox, for good.

    Both register code that can never be unregistered and that would run in
    the item processes before the observer, before the engine is restored
    there. Libraries that register fork handlers still import; their handlers
    are not kept. (The grader's own code needs neither.)
    """
    return None


_GUARDED_HOOKS = ((os, "register_at_fork"), (posix, "register_at_fork"), (sys, "addaudithook"))
_CONTAINERS = (dict, list, set)
_EMPTY = object()

EngineState = tuple  # see snapshot_engine


_warm_snapshot: EngineState | None = None


def keep_engine_snapshot() -> None:
    """Take the snapshot once, in the warm worker, so that each sandbox only reuses it.

    Taking it walks the engine's objects: in a freshly forked sandbox that
    costs page copies (and, without ``gc.freeze``, a full garbage collection).
    """
    global _warm_snapshot
    _warm_snapshot = None
    _warm_snapshot = snapshot_engine()


def has_warm_snapshot() -> bool:
    """Whether :func:`keep_engine_snapshot` ran in this process (a warm worker)."""
    return _warm_snapshot is not None


def snapshot_engine() -> EngineState:
    """Everything :func:`restore_engine` puts back, as one immutable tuple.

    Recorded: the builtins; each ``autograder`` module (its class and dict);
    the module-level dicts, lists and sets (and those inside them, a few
    levels deep: the observer registry, tables of limits); each engine
    function's code, defaults, closure and attributes; each engine class's
    attributes and bases; the interpreter hooks the observers depend on.
    The snapshot kept by :func:`keep_engine_snapshot` is reused while the same
    engine modules are loaded; the interpreter's streams and paths are always
    taken afresh (the sandbox has just set its own stdout and stderr).
    """
    import builtins

    interpreter = (tuple(sys.meta_path), tuple(sys.path_hooks), tuple(sys.path), sys.stdout, sys.stderr)
    names = tuple(name for name, mod in sorted(sys.modules.items())
                  if _is_engine(name) and isinstance(mod, types.ModuleType))
    warm = _warm_snapshot
    if warm is not None and tuple(name for name, *_ in warm[2]) == names:
        return warm[:7] + (interpreter,) + warm[8:]
    modules = tuple((name, mod, type(mod), tuple(vars(mod).items()))
                    for name, mod in sorted(sys.modules.items())
                    if _is_engine(name) and isinstance(mod, types.ModuleType))
    found: dict[str, list[Any]] = {"containers": [], "functions": [], "classes": []}
    seen: set[int] = {id(vars(builtins))}  # restored on its own, first
    for name, _, _, items in modules:
        for _, value in items:
            _record(value, name, seen, 0, found)
    hooks = tuple((owner, attr) for owner, attr in _GUARDED_HOOKS if hasattr(owner, attr))
    return (vars(builtins), tuple(vars(builtins).items()), modules, tuple(found["functions"]),
            tuple(found["containers"]), tuple(found["classes"]), hooks, interpreter,
            (sys.settrace, sys.setprofile))


def _record(value: Any, module: str, seen: set[int], depth: int, found: dict[str, list[Any]]) -> None:
    """Add ``value`` to ``found`` if it is engine state that can change in place."""
    if id(value) in seen or depth > 3:
        return
    if type(value) in _CONTAINERS:
        seen.add(id(value))
        copy = tuple(value.items()) if isinstance(value, dict) else tuple(value)
        found["containers"].append((value, copy))
        for inner in (value.values() if isinstance(value, dict) else value):
            _record(inner, module, seen, depth + 1, found)
    elif isinstance(value, (staticmethod, classmethod)):
        _record(value.__func__, module, seen, depth, found)
    elif isinstance(value, property):
        for accessor in (value.fget, value.fset, value.fdel):
            _record(accessor, module, seen, depth, found)
    elif isinstance(value, types.FunctionType) and _is_engine(str(value.__module__)):
        seen.add(id(value))
        cells = tuple(_cell_contents(cell) for cell in value.__closure__ or ())
        found["functions"].append((value, value.__code__, value.__defaults__, value.__kwdefaults__,
                                   cells, tuple(value.__dict__.items())))
    elif isinstance(value, type) and value.__module__ == module:
        seen.add(id(value))
        attributes = tuple(vars(value).items())
        found["classes"].append((value, attributes, value.__bases__))
        for _, inner in attributes:
            _record(inner, module, seen, depth + 1, found)


def _cell_contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _EMPTY


def hide_engine(state: EngineState) -> None:
    """While the submission loads: no ``autograder`` in ``sys.modules``, no way to import it,
    and no fork or audit hooks. :func:`restore_engine` undoes all of this but the last.

    The grader's code that is running (this loader) keeps its references; the
    submission finds no engine module by name. It can still reach the engine's
    objects by walking frames or the garbage collector: what it changes there
    is undone by :func:`restore_engine`.
    """
    for name, *_ in state[2]:
        sys.modules.pop(name, None)
    for owner, attr in state[6]:
        setattr(owner, attr, _refused_hook)
    sys.meta_path.insert(0, _EngineBlocker())


def restore_engine(state: EngineState, graveyard: list[Any]) -> None:
    """Put every recorded piece of engine state back as it was; never raises.

    Written so that it does not depend on what it is restoring: it starts with
    the builtins and the module dicts (this function's own globals among them),
    using only its arguments and C-level operations, then the functions' code,
    and only then calls helpers. What the submission had put in place is kept
    alive in ``graveyard`` rather than released: releasing it could run the
    submission's ``__del__`` halfway through the restore.
    """
    settrace, setprofile = state[8]
    settrace(None)  # a trace function of the submission would run between the lines below
    setprofile(None)
    builtins_dict, builtins_items, modules, functions, containers, classes, hooks, interpreter, _ = state
    graveyard.append(builtins_dict.copy())
    builtins_dict.clear()
    builtins_dict.update(builtins_items)
    for name, mod, module_type, items in modules:
        try:
            if type(mod) is not module_type:
                object.__setattr__(mod, "__class__", module_type)  # a subclass could lie on lookups
            namespace = object.__getattribute__(mod, "__dict__")
            graveyard.append(namespace.copy())
            namespace.clear()  # never compares or hashes keys the submission may have added
            namespace.update(items)
        except Exception:
            pass
    for function, code, defaults, kwdefaults, cells, attributes in functions:
        try:
            graveyard.append((function.__code__, function.__defaults__, function.__dict__))
            function.__code__ = code
            function.__defaults__ = defaults
            function.__kwdefaults__ = kwdefaults
            function.__dict__ = dict(attributes)
            for cell, value in zip(function.__closure__ or (), cells):
                if value is not _EMPTY:
                    graveyard.append(cell)
                    cell.cell_contents = value
        except Exception:  # e.g. a __code__ swapped for one with other free variables
            pass
    _restore_rest(modules, containers, classes, hooks, interpreter, graveyard)


def _restore_rest(modules: tuple[Any, ...], containers: tuple[Any, ...], classes: tuple[Any, ...],
                  hooks: tuple[Any, ...], interpreter: tuple[Any, ...], graveyard: list[Any]) -> None:
    """The second half of :func:`restore_engine`, once builtins, globals and code are pristine."""
    for name, mod, _, _ in modules:
        graveyard.append(sys.modules.get(name))
        sys.modules[name] = mod
    known = {name for name, *_ in modules}
    for name in [n for n in list(sys.modules) if isinstance(n, str) and _is_engine(n) and n not in known]:
        graveyard.append(sys.modules.pop(name, None))
    for container, saved in containers:
        _quietly(_restore_container, container, saved, graveyard)
    for cls, attributes, bases in classes:
        _quietly(_restore_class, cls, attributes, bases, graveyard)
    for owner, attr in hooks:
        graveyard.append(getattr(owner, attr, None))
        _quietly(setattr, owner, attr, _refused_hook)  # never put back: see _refused_hook
    meta_path, path_hooks, path, stdout, stderr = interpreter
    graveyard.append((list(sys.meta_path), list(sys.path_hooks), list(sys.path),
                      dict(sys.path_importer_cache), sys.stdout, sys.stderr))
    stubs = [f for f in sys.meta_path if type(f) is StubFinder and not any(f is m for m in meta_path)]
    sys.meta_path = list(meta_path) + stubs[:1]  # fresh lists: the old ones may be of the submission's type
    sys.path_hooks = list(path_hooks)
    sys.path = list(path)
    sys.path_importer_cache.clear()
    sys.stdout, sys.stderr = stdout, stderr
    sys.settrace(None)
    sys.setprofile(None)
    threading.settrace(None)  # type: ignore[arg-type]
    threading.setprofile(None)  # type: ignore[arg-type]


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # odd state left by the submission: keep restoring the rest
        pass


def _restore_container(container: Any, saved: tuple[Any, ...], graveyard: list[Any]) -> None:
    is_list = isinstance(container, list)
    if is_list and len(container) == len(saved) and all(a is b for a, b in zip(container, saved)):
        return
    graveyard.append(container.copy())
    container.clear()  # never compares what the submission put in
    if is_list:
        container.extend(saved)
    else:
        container.update(saved)


def _restore_class(cls: type, attributes: tuple[tuple[str, Any], ...], bases: tuple[type, ...],
                   graveyard: list[Any]) -> None:
    if len(cls.__bases__) != len(bases) or any(a is not b for a, b in zip(cls.__bases__, bases)):
        graveyard.append(cls.__bases__)
        cls.__bases__ = bases
    saved = dict(attributes)
    current = vars(cls)
    graveyard.append(dict(current))
    for name in [n for n in current if type(n) is not str or n not in saved]:
        delattr(cls, name)
    for name, value in attributes:
        if name not in ("__dict__", "__weakref__") and current.get(name, _EMPTY) is not value:
            setattr(cls, name, value)
