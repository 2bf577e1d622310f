"""Stage 2: prepare a submission — find it, read it, turn it into a runnable *program*.

Runs in the grader, on untrusted bytes, so it only parses (JSON via nbformat,
text decoding) and never executes. A program is plain data the sandbox can run:
a list of *cells* (``{"index", "source", "skip"}``). A ``.py`` module becomes
one cell per top-level statement, so one statement that raises or runs for
minutes costs only itself, exactly like a notebook cell.

It also runs with the grader's rights, before the sandbox hides anything. So
it never follows a link and never opens anything but a regular file: a
submission that is a symbolic link (say, to the reference solution, whose path
is predictable) or that holds one, or a FIFO or device, is refused, with every
item ``error`` and a message saying to submit the file itself.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import stat
import threading
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

SUFFIXES = (".py", ".ipynb")
SKIP_TAGS = frozenset({"skip-execution", "autograder-skip", "skip"})
MAX_SUBMISSION_BYTES = 64 * 1024 * 1024
MAX_FOLDER_ENTRIES = 10_000  # a folder submission is a handful of files, not a file system


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


def _kind(path: Path) -> str:
    """What ``path`` itself is, links not followed: file, dir, link, special or missing."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "missing"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISREG(mode):
        return "file"
    return "dir" if stat.S_ISDIR(mode) else "special"


def refusal(path: Path, kind: str) -> str:
    """The student-facing message for a link or a special file in a submission."""
    if kind == "link":
        return (f"`{path.name}` is a symbolic link (a shortcut to another file), and links are "
                "not followed when grading. Submit the notebook or module file itself, not a "
                "link or shortcut to it.")
    return (f"`{path.name}` is not a regular file (it is a pipe, socket or device). Submit the "
            "notebook or module file itself.")


def scan_folder(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Candidate files in a folder submission, and its links and special files, links not followed.

    Candidates are regular ``.py``/``.ipynb`` files outside ``.ipynb_checkpoints``.
    """
    candidates: list[Path] = []
    refused: list[tuple[Path, str]] = []
    todo, seen = [Path(folder)], 0
    while todo:
        current = todo.pop()
        with os.scandir(current) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                seen += 1
                if seen > MAX_FOLDER_ENTRIES:
                    raise SubmissionError(f"{folder}: holds more than {MAX_FOLDER_ENTRIES} files")
                path = Path(entry.path)
                if entry.is_symlink():
                    refused.append((path, "link"))
                elif entry.is_dir(follow_symlinks=False):
                    todo.append(path)
                elif not entry.is_file(follow_symlinks=False):
                    refused.append((path, "special"))
                elif path.suffix in SUFFIXES and ".ipynb_checkpoints" not in path.parts:
                    candidates.append(path)
    return sorted(candidates), sorted(refused)


def locate(path: Path) -> tuple[Path, str]:
    """The file a submission path names, and a student-facing refusal if it must not be read.

    A submission is a ``.py``/``.ipynb`` file, or a folder holding exactly one
    (``SubmissionError`` otherwise). A link or special file, as the path
    itself or anywhere in the folder, is refused rather than read.
    """
    path = Path(path)
    kind = _kind(path)
    if kind == "missing":
        raise SubmissionError(f"{path}: no such file or folder")
    if kind in ("link", "special"):
        return path, refusal(path, kind)
    if kind == "file":
        if path.suffix not in SUFFIXES:
            raise SubmissionError(f"{path}: not a .py or .ipynb file")
        return path, ""
    found, refused = scan_folder(path)
    if refused:
        bad, what = refused[0]
        return bad, refusal(bad, what)
    if len(found) == 1:
        return found[0], ""
    if not found:
        raise SubmissionError(f"{path}: holds no .py or .ipynb file")
    names = ", ".join(str(p.relative_to(path)) for p in found[:5])
    raise SubmissionError(f"{path}: holds {len(found)} candidate files ({names}); keep one")


def find_file(path: Path) -> Path:
    """A submission is a ``.py``/``.ipynb`` file, or a folder holding exactly one."""
    return locate(path)[0]


class _NotRegular(Exception):
    """The file turned out to be a link or special file when opened (it changed after the scan)."""


def read_regular(path: Path, limit: int) -> tuple[bytes | None, str, int]:
    """Read a regular file without following a link: (bytes or None past ``limit``, sha256, size).

    ``O_NOFOLLOW`` refuses a link in the last component and ``O_NONBLOCK``
    keeps a FIFO from blocking the open; ``fstat`` then checks what was
    opened. The file is hashed whole but kept only up to ``limit`` bytes.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _NotRegular() from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegular()
        digest_, chunks, size = hashlib.sha256(), [], 0
        while chunk := os.read(fd, 1 << 20):
            digest_.update(chunk)
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
        return (b"".join(chunks) if size <= limit else None), digest_.hexdigest(), size
    finally:
        os.close(fd)


def digest(data: bytes) -> str:
    """The submission's identity in cache keys: a hash of its bytes, nothing parsed."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """:func:`digest` of the file a submission path names, without preparing it."""
    file, refused = locate(Path(path))
    if refused:
        return digest(refused.encode())
    try:
        return read_regular(file, 0)[1]
    except _NotRegular:
        return digest(refusal(file, "link").encode())


def prepare(path: Path, name: str | None = None) -> Submission:
    """Read and parse a submission; problems with its content become ``load_error``."""
    path = Path(path)
    file, refused = locate(path)
    name = name or path.name  # a file's name, or the folder's
    kind = file.suffix[1:] if file.suffix in SUFFIXES else "py"
    if not refused:
        try:
            data, sha256, size = read_regular(file, MAX_SUBMISSION_BYTES)
        except _NotRegular:
            refused = refusal(file, "link")
    if refused:
        return Submission(name=name, path=file, kind=kind, sha256=digest(refused.encode()),
                          load_error=refused)
    base = dict(name=name, path=file, sha256=sha256)
    if data is None:
        return Submission(kind=kind, load_error=(
            f"The file is {size / 2**20:.0f} MB, more than the "
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


# CPython 3.11 builds AST objects with interpreter-wide recursion bookkeeping: two
# threads of a batch parsing at once can fail with "AST constructor recursion depth
# mismatch" (a SystemError). Parsing is fast; one at a time costs nothing measurable.
_AST_LOCK = threading.Lock()


def split_statements(text: str) -> list[dict[str, Any]]:
    """One cell per top-level statement, keeping line numbers for tracebacks.

    Each cell is padded with blank lines so that a traceback's line number is
    the line number in the student's file.
    """
    with _AST_LOCK:
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
    """Submissions in a batch folder: each .py/.ipynb file, or each sub-folder holding one.

    Links and special files are listed too (when named like a submission, or
    when a link points to a folder), so that each is refused on its own
    results line instead of being silently skipped or, worse, followed.
    """
    entries = []
    for child in sorted(Path(directory).iterdir()):
        if child.name.startswith(".") or child.name == "__pycache__":
            continue
        kind = _kind(child)
        if kind == "dir" or (kind in ("file", "special") and child.suffix in SUFFIXES):
            entries.append(child)
        elif kind == "link" and (child.suffix in SUFFIXES or child.is_dir()):
            entries.append(child)
    return entries


def entry_id(entry: Path) -> str:
    """The student id of a batch entry: a file's stem, a folder's name (links not followed)."""
    return entry.stem if _kind(entry) != "dir" and entry.suffix in SUFFIXES else entry.name
