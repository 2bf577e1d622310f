"""An assignment folder's own code: ``probes.py`` (sandbox side) and ``checks.py`` (grader side).

Most items are kit kinds configured in YAML (``autograder.kit``). Where the kit
cannot express an item, the instructor writes it next to the YAML, as trusted
course code:

* ``probes.py``: functions marked ``@observer("item.id")`` (``autograder.observers``),
  ``(ns, observe_settings) -> facts``, run in the sandbox on the submission's names;
* ``checks.py``: functions marked ``@check("item.id")`` (``autograder.checks``),
  ``(observed, expected, check_settings) -> Outcome``, run in the grader, and
  optionally picture builders marked ``@plot("item.id")`` (``autograder.report.plots``).

The marks are attributes on the functions, not global registries, so two
assignments (or a course and its release) with the same item ids never meet.

The sandbox never reads the course folder (it is hidden there): the grader sends
``probes.py``'s text inside the job (:func:`probes_payload`), and the warm worker
turns it into a module named under ``autograder.`` (:func:`install_probes`)
before it forks, so the engine snapshot that protects the grader's code from the
submission covers the instructor's probes too, and a cluster worker needs no
shared file system.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

PROBES_FILE = "probes.py"
CHECKS_FILE = "checks.py"
PROBE_MODULE_PREFIX = "autograder.course_probes_"  # an engine name: hidden and restored with it

_OBSERVER_MARK = "_autograder_observer_of"
_CHECK_MARK = "_autograder_check_of"
_PLOT_MARK = "_autograder_plot_of"


class CourseCodeError(ValueError):
    """A folder's ``probes.py`` or ``checks.py`` cannot be used (it is named in the message)."""


def _marker(attribute: str) -> Callable[[str], Callable[[Callable[..., Any]], Callable[..., Any]]]:
    def mark(item_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            setattr(fn, attribute, item_id)
            return fn

        return decorate

    return mark


mark_observer = _marker(_OBSERVER_MARK)
mark_check = _marker(_CHECK_MARK)
mark_plot = _marker(_PLOT_MARK)


def _marked(module: types.ModuleType, attribute: str, where: str) -> dict[str, Callable[..., Any]]:
    """The functions of ``module`` marked with ``attribute``, by item id; one per id."""
    found: dict[str, Callable[..., Any]] = {}
    for value in list(vars(module).values()):
        item_id = getattr(value, attribute, None) if callable(value) else None
        if not isinstance(item_id, str):
            continue
        if item_id in found and found[item_id] is not value:
            raise CourseCodeError(f"{where}: two functions are marked for item {item_id}")
        found[item_id] = value
    return found


# --- grader side: checks.py ----------------------------------------------------------------


@dataclass(frozen=True)
class LocalChecks:
    """What a folder's ``checks.py`` provides: checks and picture builders, by item id."""

    checks: dict[str, Callable[..., Any]]
    plots: dict[str, Callable[..., Any]]


_NO_CHECKS = LocalChecks({}, {})
_loaded_checks: dict[tuple[str, str], LocalChecks] = {}


def local_checks(directory: Path) -> LocalChecks:
    """Import ``directory/checks.py`` (once per content) and collect its marked functions."""
    path = Path(directory) / CHECKS_FILE
    if not path.is_file():
        return _NO_CHECKS
    source = path.read_bytes()
    key = (str(path.resolve()), hashlib.sha256(source).hexdigest())
    if key not in _loaded_checks:
        name = f"autograder_course_checks_{key[1][:16]}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise CourseCodeError(f"{path}: cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look their module up by name
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(name, None)
            raise CourseCodeError(f"{path}: importing it raised {type(exc).__name__}: {exc}") from exc
        _loaded_checks[key] = LocalChecks(_marked(module, _CHECK_MARK, str(path)),
                                          _marked(module, _PLOT_MARK, str(path)))
    return _loaded_checks[key]


def probe_ids(directory: Path) -> set[str]:
    """The item ids ``directory/probes.py`` marks, read from its syntax tree.

    The grader never imports probes (they import torch and belong to the
    sandbox); reading the decorators is enough to tell a spec that names an
    item without a probe, when the spec loads rather than when a student runs it.
    """
    path = Path(directory) / PROBES_FILE
    if not path.is_file():
        return set()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise CourseCodeError(f"{path}: line {exc.lineno}: {exc.msg}") from exc
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and deco.args and isinstance(deco.args[0], ast.Constant)
                        and isinstance(deco.args[0].value, str)
                        and getattr(deco.func, "id", getattr(deco.func, "attr", None)) == "observer"):
                    found.add(deco.args[0].value)
    return found


def probes_payload(directory: Path) -> dict[str, str] | None:
    """What the sandbox plan carries of ``probes.py``: its text, file name and content key."""
    path = Path(directory) / PROBES_FILE
    if not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    return {"key": hashlib.sha256(source.encode()).hexdigest()[:16], "filename": str(path), "source": source}


def fingerprint_parts(directory: Path) -> list[bytes]:
    """The bytes of the folder's course code, for the spec's fingerprint (they change grades)."""
    return [p.read_bytes() for p in (Path(directory) / PROBES_FILE, Path(directory) / CHECKS_FILE)
            if p.is_file()]


# --- sandbox side: probes.py ---------------------------------------------------------------


def install_probes(payload: Any) -> bool:
    """Make the probes of ``payload`` importable as an engine module; True when newly installed.

    Runs in the warm worker, before it forks the sandbox: the caller then takes
    the engine snapshot again, so the probes are restored with the engine after
    the submission loads.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("source"), str):
        return False
    name = PROBE_MODULE_PREFIX + str(payload.get("key"))
    if name in sys.modules:
        return False
    module = types.ModuleType(name)
    module.__file__ = str(payload.get("filename", PROBES_FILE))
    code = compile(payload["source"], module.__file__, "exec")
    sys.modules[name] = module
    try:
        exec(code, vars(module))
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return True


def probe_of(key: Any, item_id: str) -> Callable[..., Any] | None:
    """The installed probe of ``item_id`` from the probes module with content ``key``."""
    module = sys.modules.get(PROBE_MODULE_PREFIX + str(key))
    if module is None:
        return None
    return _marked(module, _OBSERVER_MARK, module.__file__ or PROBES_FILE).get(item_id)
