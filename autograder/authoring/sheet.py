"""``autograder assign``: write the student template from the reference and a sheet.

The template students start from is generated, never edited by hand. Its code
comes from the reference solution (``reference:`` in the spec), with the
solution regions stubbed out (see :mod:`autograder.authoring.markers`); its
prose and its layout come from a *sheet* beside the template,
``<template stem>.sheet.yaml`` (``student_template/hw3.sheet.yaml`` for
``student_template/hw3.ipynb``)::

    cells:
      - markdown: |-
          ## The model
          **Exercise 1.** Write the class `Classifier(n_hidden=2)` ...
      - code: |-
          import torch
      - reference: Classifier   # the reference's top-level Classifier, solutions stubbed

A ``code:`` cell is written as given (set-up code, a "try it" cell, the
self-check command); a ``reference:`` cell is the top-level definition of that
name in the reference (a function, a class or an assignment), with the comment
lines right above it. ``cell_ids:`` (optional) is the prefix of the cells'
ids, ``<prefix>-00``, ``<prefix>-01``, ... (default: the assignment's name), so
that writing the template again gives the same file.

A template that is a ``.py`` module (``template: ../../student_template/x.py``)
needs no sheet: it is the whole reference with its solutions stubbed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import course as course_mod
from autograder.authoring.markers import MarkerError, definition, student_version, top_level_names

SHEET_SUFFIX = ".sheet.yaml"
KINDS = ("markdown", "code", "reference")

SHEET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["cells"],
    "properties": {
        "cell_ids": {"type": "string", "pattern": r"^[A-Za-z0-9_-]+$"},
        "cells": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "markdown": {"type": "string"},
                    "code": {"type": "string"},
                    "reference": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                },
            },
        },
    },
}


class AuthoringError(ValueError):
    """Something an instructor must fix (a missing file, a bad sheet, bad markers); one line."""


@dataclass(frozen=True)
class Target:
    """Where an assignment's template comes from and goes to (read from its spec, leniently:
    ``assign`` works before the rubric items are written)."""

    name: str
    spec_path: Path
    reference: Path
    template: Path

    @property
    def sheet(self) -> Path:
        return sheet_path(self.template)

    def rel(self, path: Path) -> str:
        """``reference/hw3.py``: a path inside the assignment's course, else as it is."""
        root = course_mod.root_of(self.spec_path.parent)
        try:
            return str(path.relative_to(root)) if root is not None else str(path)
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class Assigned:
    """What ``assign`` wrote."""

    template: Path
    cells: int
    from_reference: int
    stubs: int
    changed: bool


def sheet_path(template: Path) -> Path:
    return template.with_name(template.name.removesuffix(template.suffix) + SHEET_SUFFIX)


def target(assignment: str, course: str | Path | None = None) -> Target:
    """The reference and template paths of an assignment, from its spec's ``reference:`` and
    ``template:`` fields (default template: ``<course>/student_template/<name>.ipynb``)."""
    from autograder import spec as spec_mod

    path = spec_mod.resolve(assignment, course)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AuthoringError(f"{path}: cannot read it ({exc}); fix the spec first") from None
    if not isinstance(raw, dict):
        raise AuthoringError(f"{path}: not a spec (expected name:, title:, reference:, items:)")
    name = raw.get("name") if isinstance(raw.get("name"), str) else path.parent.name
    if not isinstance(raw.get("reference"), str):
        raise AuthoringError(f"{path}: field reference: missing; give the path of the reference "
                             "solution the template is made from")
    reference = (path.parent / raw["reference"]).resolve()
    if not reference.is_file():
        raise AuthoringError(f"{path}: field reference: {reference} does not exist")
    template = raw.get("template") if isinstance(raw.get("template"), str) else \
        f"../../student_template/{name}.ipynb"
    return Target(name, path, reference, (path.parent / template).resolve())


def load_sheet(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthoringError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    except yaml.YAMLError as exc:
        raise AuthoringError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    errors = sorted(jsonschema.Draft202012Validator(SHEET_SCHEMA).iter_errors(raw),
                    key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        if len(err.absolute_path) == 2 and err.absolute_path[0] == "cells":
            why = "give each cell exactly one of markdown: (text), code: (as written), reference: NAME"
            if err.validator == "pattern":
                why = f"{err.instance!r} is not a Python name; reference: takes a top-level name"
            elif err.validator == "type":
                why = f"{err.instance!r} should be text"
        elif err.validator == "additionalProperties":
            why = f"{err.message}; a sheet has cells: and, optionally, cell_ids:"
        else:
            why = err.message
        raise AuthoringError(f"{path}: field {where}: {why}")
    return raw


def cells(tgt: Target) -> tuple[list[tuple[str, str]], int, int]:
    """The template's cells as (kind, source), how many came from the reference, and how many
    solution regions were stubbed."""
    stubbed = _student_reference(tgt)
    if not tgt.sheet.is_file():
        raise AuthoringError(f"no sheet for {tgt.template.name}: write {tgt.sheet} (the template's "
                             "markdown and code cells; `reference: NAME` takes NAME from the "
                             "reference, solutions stubbed; see `autograder new` for a start)")
    sheet = load_sheet(tgt.sheet)
    out: list[tuple[str, str]] = []
    taken = 0
    for cell in sheet["cells"]:
        (kind, value), = cell.items()
        if kind == "reference":
            try:
                out.append(("code", definition(stubbed.text, value, tgt.rel(tgt.reference))))
            except MarkerError as exc:
                if value in top_level_names(tgt.reference.read_text(encoding="utf-8")):
                    exc = MarkerError(f"{tgt.rel(tgt.reference)} defines {value} inside a solution region, "
                                      "which students do not get; move it out of the region, or drop the cell")
                raise AuthoringError(f"{tgt.rel(tgt.sheet)}: reference: {value}: {exc}") from None
            taken += 1
        else:
            out.append((kind, value.strip("\n")))
    return out, taken, stubbed.stubs


def _student_reference(tgt: Target):  # type: ignore[no-untyped-def]
    try:
        text = tgt.reference.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthoringError(f"{tgt.reference}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return student_version(text, tgt.rel(tgt.reference))
    except MarkerError as exc:
        raise AuthoringError(str(exc)) from None


def notebook(tgt: Target, found: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """The notebook of ``found`` cells, with ids ``<cell_ids>-NN`` and a Python 3 kernel."""
    prefix = load_sheet(tgt.sheet).get("cell_ids", tgt.name)
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "markdown" else new_code_cell(src) for kind, src in found]
    for number, cell in enumerate(nb.cells):
        cell.id = f"{prefix}-{number:02d}"  # stable ids: writing it again gives the same file
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def render(tgt: Target) -> tuple[str, int, int, int]:
    """The template's text, its number of cells, cells from the reference, and stubs."""
    if tgt.template.suffix == ".py":
        stubbed = _student_reference(tgt)
        return stubbed.text, 1, 1, stubbed.stubs
    if tgt.template.suffix != ".ipynb":
        raise AuthoringError(f"{tgt.spec_path}: field template: {tgt.template.name} is neither "
                             "a notebook (.ipynb) nor a module (.py)")
    found, taken, stubs = cells(tgt)
    text = nbformat.writes(notebook(tgt, found))
    return text if text.endswith("\n") else text + "\n", len(found), taken, stubs


def assign(tgt: Target) -> Assigned:
    """Write the assignment's student template (see :func:`target`); returns what was written."""
    text, count, taken, stubs = render(tgt)
    old = tgt.template.read_text(encoding="utf-8") if tgt.template.is_file() else None
    if old != text:
        _write_atomically(tgt.template, text)
    return Assigned(tgt.template, count, taken, stubs, changed=old != text)


def differences(tgt: Target) -> list[str]:
    """How the committed template differs from a fresh one (cell kinds and sources only;
    ids and metadata are not compared). Empty when it is current."""
    if not tgt.template.is_file():
        return [f"{tgt.rel(tgt.template)} does not exist"]
    text, *_ = render(tgt)
    if tgt.template.suffix == ".py":
        return [] if tgt.template.read_text(encoding="utf-8") == text else \
            [f"{tgt.rel(tgt.template)} differs from the reference's student version"]
    want = [(c.cell_type, c.source) for c in nbformat.reads(text, as_version=4).cells]
    try:
        have = [(c.cell_type, c.source) for c in nbformat.read(tgt.template, as_version=4).cells]
    except Exception as exc:  # noqa: BLE001 -- any unreadable notebook is simply out of date
        return [f"{tgt.rel(tgt.template)} cannot be read as a notebook ({type(exc).__name__})"]
    if len(want) != len(have):
        return [f"{tgt.rel(tgt.template)} has {len(have)} cells, the sheet makes {len(want)}"]
    return [f"cell {k} ({w[0]}) is not what the sheet makes (the notebook's starts "
            f"{(h[1].splitlines() or [''])[0][:60]!r})" for k, (w, h) in enumerate(zip(want, have)) if w != h]


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
