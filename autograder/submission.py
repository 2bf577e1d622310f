"""Stage 2: prepare a submission — find it, read it, turn it into a runnable *program*.

Runs in the grader, on untrusted bytes, so it only parses (JSON via nbformat,
text decoding) and never executes. A program is plain data the sandbox can run:
a list of *cells* (``{"index", "source", "skip"}``). A ``.py`` module becomes
one cell per top-level statement, so one statement that raises or runs for
minutes costs only itself, exactly like a notebook cell.
"""

from __future__ import annotations

import ast
import hashlib
import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

SUFFIXES = (".py", ".ipynb")
SKIP_TAGS = frozenset({"skip-execution", "autograder-skip", "skip"})
MAX_SUBMISSION_BYTES = 64 * 1024 * 1024


class SubmissionError(ValueError):
    """The path does not name a gradable submission (a usage error, not a student error)."""


@dataclass(frozen=True)
class Submission:
    """A prepared submission: its identity, its program, and what went wrong reading it.

    ``load_error`` is student-facing: when set, nothing runs and every item is
    ``error`` with that message.
    """

    name: str
    path: Path
    kind: str  # "py" | "ipynb"
    sha256: str
    cells: tuple[dict[str, Any], ...] = ()
    load_error: str = ""
    notes: tuple[str, ...] = ()
    filename: str = field(default="submission.py")

    def program(self) -> dict[str, Any]:
        """What the sandbox is given to run: plain JSON data."""
        return {"kind": self.kind, "filename": self.filename, "cells": list(self.cells)}


def find_file(path: Path) -> Path:
    """A submission is a ``.py``/``.ipynb`` file, or a folder holding exactly one."""
    if path.is_file():
        if path.suffix not in SUFFIXES:
            raise SubmissionError(f"{path}: not a .py or .ipynb file")
        return path
    if path.is_dir():
        found = sorted(
            p for p in path.rglob("*")
            if p.suffix in SUFFIXES and p.is_file() and ".ipynb_checkpoints" not in p.parts
        )
        if len(found) == 1:
            return found[0]
        if not found:
            raise SubmissionError(f"{path}: holds no .py or .ipynb file")
        names = ", ".join(str(p.relative_to(path)) for p in found[:5])
        raise SubmissionError(f"{path}: holds {len(found)} candidate files ({names}); keep one")
    raise SubmissionError(f"{path}: no such file or folder")


def digest(data: bytes) -> str:
    """The submission's identity in cache keys: a hash of its bytes, nothing parsed."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """:func:`digest` of the file a submission path names, without preparing it."""
    return digest(find_file(Path(path)).read_bytes())


def prepare(path: Path, name: str | None = None) -> Submission:
    """Read and parse a submission; problems with its content become ``load_error``."""
    file = find_file(Path(path))
    data = file.read_bytes()
    base = dict(name=name or (path.name if Path(path).is_dir() else file.name), path=file,
                sha256=digest(data))
    if len(data) > MAX_SUBMISSION_BYTES:
        return Submission(kind=file.suffix[1:], load_error=(
            f"The file is {len(data) / 2**20:.0f} MB, more than the "
            f"{MAX_SUBMISSION_BYTES // 2**20} MB allowed: clear the notebook's outputs "
            "(Kernel > Restart & Clear Output) and submit again."), **base)
    if file.suffix == ".py":
        return _prepare_module(data, base)
    return _prepare_notebook(data, base)


def _prepare_module(data: bytes, base: dict[str, Any]) -> Submission:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return Submission(kind="py", load_error=(
            f"The file could not be read as text ({exc}). Save it as UTF-8 and submit again."),
            **base)
    text = text.lstrip("\ufeff")
    try:
        cells = split_statements(text)
    except SyntaxError as exc:
        return Submission(kind="py", load_error=(
            f"Python could not parse the file: {exc.msg} at line {exc.lineno}. "
            "Run it yourself to see the error, fix it and submit again."), **base)
    return Submission(kind="py", cells=tuple(cells), filename="submission.py", **base)


def split_statements(text: str) -> list[dict[str, Any]]:
    """One cell per top-level statement, keeping line numbers for tracebacks.

    Each cell is padded with blank lines so that a traceback's line number is
    the line number in the student's file.
    """
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    cells = []
    for index, node in enumerate(tree.body):
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno or node.lineno
        source = "\n" * (start - 1) + "".join(lines[start - 1:end])
        cells.append({"index": index, "source": source, "skip": False, "line": start})
    return cells


def _prepare_notebook(data: bytes, base: dict[str, Any]) -> Submission:
    notes: list[str] = []
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises many types for broken JSON
        return Submission(kind="ipynb", load_error=(
            f"The notebook could not be read: {type(exc).__name__}: {str(exc)[:200]}. "
            "Open it in Jupyter, save it again and resubmit."), **base)
    version = nb.get("nbformat", 4)
    if version != 4:
        try:
            nb = nbformat.convert(nb, 4)
        except Exception as exc:
            return Submission(kind="ipynb", load_error=(
                f"The notebook uses nbformat {version}, which could not be converted "
                f"({type(exc).__name__}). Open and save it in a current Jupyter."), **base)
        notes.append(f"The notebook was in nbformat {version} and was converted to nbformat 4.")
    cells = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cells.append({"index": number, "source": str(source), "skip": bool(tags & SKIP_TAGS)})
    return Submission(kind="ipynb", cells=tuple(cells), notes=tuple(notes),
                      filename="submission.ipynb", **base)


def discover(directory: Path) -> list[Path]:
    """Submissions in a batch folder: each .py/.ipynb file, or each sub-folder holding one."""
    entries = []
    for child in sorted(Path(directory).iterdir()):
        if child.name.startswith(".") or child.name == "__pycache__":
            continue
        if (child.is_file() and child.suffix in SUFFIXES) or child.is_dir():
            entries.append(child)
    return entries
