"""Stage 1: load and validate an assignment spec (``assignments/<name>/assignment.yaml``).

The YAML is validated against a JSON Schema on load, so an unknown key, a wrong
type or a missing field is reported with the file, the field and what is
allowed, before any submission runs. Per item, ``observe:`` settings travel to
the sandbox (seeds, epochs, inputs) while ``check:`` settings (thresholds,
tolerances), points and visibility never leave the grader. An item's
``supply:`` names functions of the reference whose own source travels with
that item's ``observe:`` settings (and no other item's), for its observer to
swap into the submission while it runs.

An item may name a ``kind:`` (``autograder.kit``): a generic observer and judge
configured by its settings instead of an observer and a check written for its
id. Each kind's ``observe:`` and ``check:`` settings are validated against
that kind's own JSON Schema here, so a misspelt key or a threshold left out is
reported at load time, naming the field, and never falls back to a default.

A spec names where the expected facts come from in exactly one way:
``reference:`` (the instructor's course: the reference solution is run and its
facts cached) or ``facts:`` (a student release made by ``autograder release``:
the facts precomputed into a JSON file next to the YAML, so that no reference
source ever reaches a student's machine). A release also carries a
``release:`` block saying which harness made it; a release made by a newer
harness is refused before validation, since it may use fields this one does
not know.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import symtable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from autograder import __version__, course as course_mod, course_code
from autograder.facts import SUPPLIED_KEY  # the observe key that carries supplied helpers
from autograder.results import VISIBILITIES, Visibility

SPEC_FILE = "assignment.yaml"


class SpecError(ValueError):
    """The assignment spec is missing or invalid; the message says where and how to fix it."""


DEFAULT_LIMITS: dict[str, float] = {
    "submission_seconds": 120.0,  # wall time for one whole submission
    "item_seconds": 30.0,  # wall time per rubric item (overridable per item)
    "load_seconds": 60.0,  # wall time to load the module / execute the notebook
    "cell_seconds": 3.0,  # notebooks: a top-level cell is interrupted after this
    "memory_mb": 3072.0,  # address-space cap of the sandbox (torch alone maps ~1 GB)
    "cpu_seconds": 120.0,  # CPU time cap of the sandbox
    "processes": 64.0,  # processes/threads the sandbox's user may own
    "file_size_mb": 16.0,  # largest file the submission may write
    "disk_mb": 64.0,  # size of its private scratch filesystem
    "open_files": 256.0,  # file descriptors
    "output_kb": 64.0,  # captured stdout/stderr kept (head and tail)
}

_LIMITS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k: {"type": "number", "exclusiveMinimum": 0} for k in DEFAULT_LIMITS},
}

_RELEASE_SCHEMA = {  # written by ``autograder release``; see autograder/release.py
    "type": "object",
    "additionalProperties": False,
    "required": ["harness_version", "spec_fingerprint", "engine", "torch", "assignment"],
    "properties": {
        "harness_version": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)*"},
        "spec_fingerprint": {"type": "string"},
        "engine": {"type": "string"},
        "torch": {"type": "string"},
        "assignment": {"type": "string"},
        # items whose course spec supplies the reference's helpers; in a release they
        # run with the student's own (the release ships no reference source)
        "own_helpers": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "title", "items"],
    # Where the expected facts come from: the reference solution (a course) or a
    # precomputed facts file (a student release). Exactly one; see _explain.
    "oneOf": [{"required": ["reference"]}, {"required": ["facts"]}],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "title": {"type": "string"},
        "reference": {"type": "string"},
        "facts": {"type": "string"},
        "template": {"type": "string"},
        "release": _RELEASE_SCHEMA,
        "aliases": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "stub_modules": {"type": "array", "items": {"type": "string"}},
        "limits": _LIMITS_SCHEMA,
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "points"],
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z]+\.[a-z_]+$"},
                    "kind": {"type": "string", "pattern": r"^[a-z_]+$"},
                    "title": {"type": "string"},
                    "points": {"type": "number", "minimum": 0},
                    "visibility": {"enum": list(VISIBILITIES)},
                    "seconds": {"type": "number", "exclusiveMinimum": 0},
                    "observe": {"type": "object", "not": {"required": [SUPPLIED_KEY]}},
                    "check": {"type": "object"},
                    "supply": {
                        "type": "array",
                        "uniqueItems": True,
                        "items": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class RubricItem:
    """One rubric item.

    ``observe`` is exactly what the item's observer receives: the YAML's
    ``observe:`` settings, plus, when the YAML lists ``supply:`` names, the
    reference's own source of those functions under ``observe["supplied"]``
    (see :func:`supplied_sources`). ``kind`` names the kit kind whose observer
    and judge the item uses (``autograder.kit``); None: those its ``folder``'s
    ``probes.py`` and ``checks.py`` mark for its id (``autograder.course_code``).
    """

    id: str
    title: str
    points: float
    visibility: Visibility
    seconds: float
    observe: dict[str, Any] = field(default_factory=dict)
    check: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    folder: Path = field(default=Path("."), compare=False)  # the assignment folder (its checks.py)


@dataclass(frozen=True)
class AssignmentSpec:
    """One assignment: its rubric, limits, aliases and where its expected facts come from.

    Exactly one of ``reference`` (a course's spec: the reference solution) and
    ``facts_file`` (a student release: the facts precomputed) is set.
    ``release`` is the release's own ``release:`` block (which harness made it),
    ``template`` the student notebook a release ships (it may not exist).
    """

    name: str
    title: str
    path: Path
    reference: Path | None
    items: tuple[RubricItem, ...]
    aliases: dict[str, list[str]] = field(default_factory=dict)
    stub_modules: tuple[str, ...] = ()
    limits: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    facts_file: Path | None = None
    release: dict[str, Any] | None = None
    template: Path | None = None

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def course(self) -> Path | None:
        """The course folder this spec sits in (``<course>/assignments/<name>/``), if any."""
        return course_mod.root_of(self.directory)

    def item(self, item_id: str) -> RubricItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def sandbox_plan(self, visible_only: bool = False) -> dict[str, Any]:
        """What the sandbox is told: item ids (and kinds), observe settings, time limits, aliases.

        Deliberately excludes points, thresholds, visibility and the reference path.
        An item that declares ``supply:`` carries the reference's source of those
        functions in its own observe settings, and no other item does. An item
        with a ``kind`` carries it (its observer is the kind's); any other item
        names the content key of its folder's ``probes.py``, whose text the plan
        carries once (``autograder.course_code``): the sandbox never reads the course.
        """
        items = [i for i in self.items if i.visibility == "visible" or not visible_only]
        probes = course_code.probes_payload(self.directory) if any(i.kind is None for i in items) else None
        return {
            "assignment": self.name,
            "aliases": self.aliases,
            "stub_modules": list(self.stub_modules),
            "limits": self.limits,
            **({"probes": probes} if probes is not None else {}),
            "items": [{"id": i.id, "seconds": i.seconds, "observe": i.observe,
                       **({"kind": i.kind} if i.kind is not None
                          else {"probes": probes["key"] if probes else None})} for i in items],
        }

    @functools.cached_property
    def fingerprint(self) -> str:
        """Hash of everything that can change a grade: the YAML, the folder's own
        ``probes.py``/``checks.py``, and the reference source (or, in a release,
        the precomputed facts that stand in for it).

        Read once per loaded spec, not once per submission: a batch keys every
        result on it, and it must describe the files this run actually used.
        """
        digest = hashlib.sha256()
        digest.update(self.path.read_bytes())
        for part in course_code.fingerprint_parts(self.directory):  # probes.py, checks.py
            digest.update(hashlib.sha256(part).digest())
        source = self.reference if self.reference is not None else self.facts_file
        if source is not None:
            digest.update(source.read_bytes())
        return digest.hexdigest()


DEFAULT_STUB_MODULES = ("seaborn", "plotly", "tqdm", "ipywidgets", "pandas", "sklearn")


def resolve(assignment: str, course: str | Path | None = None) -> Path:
    """Map an assignment to its YAML file, or say what exists.

    ``assignment`` is a path (a folder holding ``assignment.yaml``, or the YAML
    itself) or a name looked up in the course's ``assignments/`` (the course
    found by :func:`autograder.course.find_root` from ``course``).
    """
    candidate = Path(assignment).expanduser()
    for path in (candidate / SPEC_FILE, candidate):
        if path.is_file() and path.name.endswith((".yaml", ".yml")):
            return path.resolve()
    if "/" in assignment or assignment.startswith(("~", ".")):  # a path, not a name
        raise SpecError(f"--assignment {assignment}: no {SPEC_FILE} there; give a folder "
                        f"holding {SPEC_FILE} or an assignment name")
    try:
        root = course_mod.find_root(course)
    except course_mod.CourseError as exc:
        raise SpecError(f"cannot find assignment {assignment!r}: {exc}") from None
    path = root / course_mod.ASSIGNMENTS / assignment / SPEC_FILE
    if path.is_file():
        return path.resolve()
    known = course_mod.known_assignments(root)
    raise SpecError(
        f"unknown assignment {assignment!r} in the course {root}: give one of "
        f"{', '.join(known) or '(none yet)'}, or a path to a folder holding {SPEC_FILE}"
    )


def load(assignment: str | Path, course: str | Path | None = None) -> AssignmentSpec:
    """Load, validate and type an assignment spec (a name in the course, or a path)."""
    path = resolve(str(assignment), course)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc}); "
                        "check its permissions") from None
    refuse_newer_release(raw, path)
    validate(raw, path)
    return _build(raw, path)


def version_key(text: str) -> tuple[int, ...]:
    """``"0.10.2"`` -> ``(0, 10, 2)``, trailing zeros dropped, so versions compare as numbers
    (``"0.10" > "0.9"``, ``"1.0" == "1"``); a part's suffix (``rc1``) is ignored."""
    parts = []
    for part in str(text).split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def refuse_newer_release(raw: Any, path: Path) -> None:
    """A release made by a newer harness than this one is a usage error that says to upgrade.

    Checked before schema validation: a newer release may use fields this
    harness does not know, and "upgrade" is the useful answer, not "unknown key".
    """
    block = raw.get("release") if isinstance(raw, dict) else None
    made_by = block.get("harness_version") if isinstance(block, dict) else None
    if isinstance(made_by, (int, float)) and not isinstance(made_by, bool):
        made_by = str(made_by)  # a hand-edited `harness_version: 1.0` is a YAML number
    if not isinstance(made_by, str) or not version_key(made_by):
        return
    if version_key(made_by) > version_key(__version__):
        raise SpecError(f"{path}: this release was made for autograder {made_by}, newer than yours "
                        f"({__version__}): upgrade with `pip install --upgrade autograder` (or the way "
                        "your course installs it), then run the check again")


def validate(raw: Any, path: Path) -> None:
    """Raise :class:`SpecError` naming the file, the field and what is allowed."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise SpecError(f"{path}: field {where}: {_explain(err)}")
    ids = [item["id"] for item in raw["items"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SpecError(f"{path}: field items: rubric id {dupes[0]} appears twice")
    _validate_kinds(raw["items"], path)
    local = [i["id"] for i in raw["items"] if "kind" not in i]
    if local:
        _validate_local(local, path)


def _validate_local(item_ids: list[str], path: Path) -> None:
    """Items without a ``kind:`` need a probe in the folder's ``probes.py`` and a check in its
    ``checks.py`` (``autograder.course_code``); say which is missing, and the alternative."""
    folder = path.parent
    try:
        checks = course_code.local_checks(folder).checks
        probes = course_code.probe_ids(folder)
    except course_code.CourseCodeError as exc:
        raise SpecError(str(exc)) from None
    for item_id in item_ids:
        missing = [f"function marked @{mark}(\"{item_id}\") in {folder / name}" for name, mark, found in
                   ((course_code.PROBES_FILE, "observer", item_id in probes),
                    (course_code.CHECKS_FILE, "check", item_id in checks)) if not found]
        if missing:
            raise SpecError(
                f"{path}: field items: item {item_id} has no kind:, and there is no {' nor '.join(missing)}; "
                f"give it a kind: ({', '.join(_kind_names())}) or write the missing function"
            )


def _kind_names() -> list[str]:
    from autograder import kit

    kit.load_all()
    return sorted(kit.KINDS)


def _validate_kinds(items: list[dict[str, Any]], path: Path) -> None:
    """Each item with a ``kind:`` names a registered kind, and its ``observe:`` and ``check:``
    settings follow that kind's schemas: an unknown key or a missing threshold is an error
    here, naming the field (a kind's judge has no defaults to fall back on)."""
    from autograder import kit

    kit.load_all()
    for k, item in enumerate(items):
        if "kind" not in item:
            continue
        found = kit.KINDS.get(item["kind"])
        if found is None:
            raise SpecError(f"{path}: field items.{k}.kind: unknown kind {item['kind']!r}; "
                            f"use one of {', '.join(_kind_names())}")
        for block, schema in (("observe", found.observe_schema), ("check", found.check_schema)):
            validator = jsonschema.Draft202012Validator(schema)
            errors = sorted(validator.iter_errors(item.get(block, {})), key=lambda e: list(e.absolute_path))
            if errors:
                err = errors[0]
                where = ".".join(str(p) for p in [f"items.{k}.{block}", *err.absolute_path])
                raise SpecError(f"{path}: field {where}: {_explain(err)} (kind {found.name})")


def _explain(err: jsonschema.ValidationError) -> str:
    if err.validator == "oneOf" and isinstance(err.instance, dict):  # only one: reference vs facts
        if "reference" in err.instance:
            return ("it has both reference: and facts:; keep one: reference: (the reference solution, "
                    "in a course) or facts: (the expected facts, in a release made by autograder release)")
        return ("it has neither reference: nor facts:; add reference: (the path to the reference "
                "solution) or, in a student release, facts: (the expected-facts JSON file)")
    if err.validator == "not":  # the only one: observe must not set the supplied helpers itself
        return (f"the observe key {SUPPLIED_KEY!r} is filled in by the grader from the reference; "
                "list the helper functions under the item's supply: instead")
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        return f"{err.message}; allowed keys: {', '.join(allowed)}"
    if err.validator == "enum":
        return f"{err.instance!r} is not allowed; use one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "type":
        return f"{err.instance!r} should be of type {err.validator_value}"
    if err.validator == "required":
        return f"{err.message}; required here: {', '.join(err.validator_value)}"
    return err.message


def _build(raw: dict[str, Any], path: Path) -> AssignmentSpec:
    limits = {**DEFAULT_LIMITS, **raw.get("limits", {})}
    reference = facts_file = None
    if "reference" in raw:
        reference = (path.parent / raw["reference"]).resolve()
        if not reference.is_file():
            raise SpecError(f"{path}: field reference: {reference} does not exist")
    else:
        facts_file = (path.parent / raw["facts"]).resolve()
        if not facts_file.is_file():
            raise SpecError(f"{path}: field facts: {facts_file} does not exist; this release is "
                            "incomplete: ask your instructor for a new release")
        for k, i in enumerate(raw["items"]):
            if i.get("supply"):  # supply: ships the reference's source; a release has none to ship
                raise SpecError(f"{path}: field items.{k}.supply: supply: needs the reference "
                                "solution, and this spec has facts: instead; remove supply: "
                                "(autograder release drops it)")
    supplied = [supplied_sources(reference, i.get("supply", []), path, f"items.{k}.supply")
                if reference is not None else {} for k, i in enumerate(raw["items"])]
    items = tuple(
        RubricItem(
            id=i["id"],
            title=i["title"],
            points=float(i["points"]),
            visibility=i.get("visibility", "visible"),
            seconds=float(i.get("seconds", limits["item_seconds"])),
            observe={**i.get("observe", {}), **({SUPPLIED_KEY: sources} if sources else {})},
            check=dict(i.get("check", {})),
            kind=i.get("kind"),
            folder=path.parent,
        )
        for i, sources in zip(raw["items"], supplied, strict=True)
    )
    return AssignmentSpec(
        name=raw["name"],
        title=raw["title"],
        path=path,
        reference=reference,
        items=items,
        aliases={k: list(v) for k, v in raw.get("aliases", {}).items()},
        stub_modules=tuple(raw.get("stub_modules", DEFAULT_STUB_MODULES)),
        limits=limits,
        facts_file=facts_file,
        release=dict(raw["release"]) if "release" in raw else None,
        template=(path.parent / raw.get("template", f"../../student_template/{raw['name']}.ipynb")).resolve(),
    )


def supplied_sources(reference: Path, names: list[str], path: Path, where: str) -> dict[str, str]:
    """The reference's own source of each function in ``names``, ready to run on its own.

    An item's ``supply:`` lists helpers that its observer swaps into the
    submission's function while it runs, so that a slip in a helper costs only
    the helper's own item. Each source is the reference's top-level import
    statements followed by the function, cut from the reference file with
    ``ast``: nothing from the engine, and nothing the item did not ask for.
    A function that reads another of the reference's top-level names must have
    that name supplied too, or it would fail (or find the student's) at run time.
    """
    if not names:
        return {}
    tree, text = _parse_reference(reference, path, where)
    imports = [ast.get_source_segment(text, n) or "" for n in tree.body
               if isinstance(n, (ast.Import, ast.ImportFrom))]
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    defined = _top_level_names(tree)
    globals_read = _globals_read(text, str(reference))
    sources = {}
    for name in names:
        if name not in functions:
            known = ", ".join(sorted(functions)) or "none"
            raise SpecError(f"{path}: field {where}: {name!r} is not a function defined at the top "
                            f"level of the reference {reference}; its top-level functions: {known}")
        if functions[name].decorator_list:
            raise SpecError(f"{path}: field {where}: the reference's {name} is decorated; supply "
                            "only plain functions, whose source runs the same on its own")
        needs = sorted(globals_read[name] & defined - set(names))
        if needs:
            raise SpecError(f"{path}: field {where}: the reference's {name} reads "
                            f"{', '.join(needs)}, defined at the top level of {reference}: list "
                            f"{'it' if len(needs) == 1 else 'them'} under supply too")
        sources[name] = "\n".join([*imports, _function_source(text, functions[name])]) + "\n"
    return sources


def _function_source(text: str, function: ast.FunctionDef) -> str:
    """The function's lines as the reference writes them, without its docstring: prose the
    sandbox does not need."""
    lines = text.splitlines()
    start, end = function.lineno - 1, function.end_lineno or function.lineno
    doc = function.body[0] if ast.get_docstring(function, clean=False) is not None else None
    if doc is None or len(function.body) == 1 or doc.lineno == function.lineno:
        return "\n".join(lines[start:end])  # a docstring sharing a line, or the whole body: keep it
    return "\n".join(lines[start:doc.lineno - 1] + lines[doc.end_lineno or doc.lineno:end])


def _parse_reference(reference: Path, path: Path, where: str) -> tuple[ast.Module, str]:
    try:
        text = reference.read_text(encoding="utf-8")
        return ast.parse(text, filename=str(reference)), text
    except (OSError, SyntaxError, ValueError) as exc:
        raise SpecError(f"{path}: field {where}: cannot read the reference {reference}: {exc}") from None


def _top_level_names(tree: ast.Module) -> set[str]:
    """Names the reference binds at top level other than by import (functions, classes, data)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _globals_read(text: str, filename: str) -> dict[str, set[str]]:
    """For each top-level function, the global names it (or a function nested in it) reads."""
    found: dict[str, set[str]] = {}
    for table in symtable.symtable(text, filename, "exec").get_children():
        if table.get_type() == "function":
            found[table.get_name()] = _table_globals(table)
    return found


def _table_globals(table: symtable.SymbolTable) -> set[str]:
    names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    for child in table.get_children():
        names |= _table_globals(child)
    return names


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
