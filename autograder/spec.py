"""Stage 1: load and validate an assignment spec (``assignments/<name>/assignment.yaml``).

The YAML is validated against a JSON Schema on load, so an unknown key, a wrong
type or a missing field is reported with the file, the field and what is
allowed, before any submission runs. Per item, ``observe:`` settings travel to
the sandbox (seeds, epochs, inputs) while ``check:`` settings (thresholds,
tolerances), points and visibility never leave the grader.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from autograder.results import VISIBILITIES, Visibility

COURSE_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS_DIR = COURSE_ROOT / "assignments"
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

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "title", "reference", "items"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "title": {"type": "string"},
        "reference": {"type": "string"},
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
                    "title": {"type": "string"},
                    "points": {"type": "number", "minimum": 0},
                    "visibility": {"enum": list(VISIBILITIES)},
                    "seconds": {"type": "number", "exclusiveMinimum": 0},
                    "observe": {"type": "object"},
                    "check": {"type": "object"},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class RubricItem:
    id: str
    title: str
    points: float
    visibility: Visibility
    seconds: float
    observe: dict[str, Any] = field(default_factory=dict)
    check: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AssignmentSpec:
    """One assignment: its rubric, limits, aliases and reference solution."""

    name: str
    title: str
    path: Path
    reference: Path
    items: tuple[RubricItem, ...]
    aliases: dict[str, list[str]] = field(default_factory=dict)
    stub_modules: tuple[str, ...] = ()
    limits: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    @property
    def directory(self) -> Path:
        return self.path.parent

    def item(self, item_id: str) -> RubricItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def sandbox_plan(self, visible_only: bool = False) -> dict[str, Any]:
        """What the sandbox is told: item ids, observe settings, time limits, aliases.

        Deliberately excludes points, thresholds, visibility and the reference path.
        """
        items = [i for i in self.items if i.visibility == "visible" or not visible_only]
        return {
            "assignment": self.name,
            "aliases": self.aliases,
            "stub_modules": list(self.stub_modules),
            "limits": self.limits,
            "items": [{"id": i.id, "seconds": i.seconds, "observe": i.observe} for i in items],
        }

    @functools.cached_property
    def fingerprint(self) -> str:
        """Hash of everything that can change a grade: the YAML and the reference source.

        Read once per loaded spec, not once per submission: a batch keys every
        result on it, and it must describe the files this run actually used.
        """
        digest = hashlib.sha256()
        digest.update(self.path.read_bytes())
        digest.update(self.reference.read_bytes())
        return digest.hexdigest()


DEFAULT_STUB_MODULES = ("seaborn", "plotly", "tqdm", "ipywidgets", "pandas", "sklearn")


def resolve(assignment: str) -> Path:
    """Map an assignment name or folder path to its YAML file, or say what exists."""
    candidate = Path(assignment)
    for path in (candidate / SPEC_FILE, candidate, ASSIGNMENTS_DIR / assignment / SPEC_FILE):
        if path.is_file() and path.name.endswith((".yaml", ".yml")):
            return path.resolve()
    known = sorted(p.name for p in ASSIGNMENTS_DIR.iterdir() if (p / SPEC_FILE).is_file())
    raise SpecError(
        f"unknown assignment {assignment!r}: give one of {', '.join(known)} "
        f"or a folder holding {SPEC_FILE}"
    )


def load(assignment: str | Path) -> AssignmentSpec:
    """Load, validate and type an assignment spec."""
    path = resolve(str(assignment))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    validate(raw, path)
    return _build(raw, path)


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
    from autograder.checks import CHECKS, load_all as load_checks

    load_checks()
    unknown = [i for i in ids if i not in CHECKS]
    if unknown:
        raise SpecError(
            f"{path}: field items: no check is registered for {unknown[0]}; "
            f"known ids: {', '.join(sorted(CHECKS))}"
        )


def _explain(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        return f"{err.message}; allowed keys: {', '.join(allowed)}"
    if err.validator == "enum":
        return f"{err.instance!r} is not allowed; use one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "type":
        return f"{err.instance!r} should be of type {err.validator_value}"
    return err.message


def _build(raw: dict[str, Any], path: Path) -> AssignmentSpec:
    limits = {**DEFAULT_LIMITS, **raw.get("limits", {})}
    reference = (path.parent / raw["reference"]).resolve()
    if not reference.is_file():
        raise SpecError(f"{path}: field reference: {reference} does not exist")
    items = tuple(
        RubricItem(
            id=i["id"],
            title=i["title"],
            points=float(i["points"]),
            visibility=i.get("visibility", "visible"),
            seconds=float(i.get("seconds", limits["item_seconds"])),
            observe=dict(i.get("observe", {})),
            check=dict(i.get("check", {})),
        )
        for i in raw["items"]
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
    )


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
