"""Solution markers: the student's version of a reference module.

The reference solution is the one source of the code students start from. Its
comments mark what they do not get::

    def train(model, data, epochs=200):        # the signature students see ...
        ### BEGIN SOLUTION
        ...                                    # ... but not the body
        ### END SOLUTION

* A region from a ``### BEGIN SOLUTION`` line to the next ``### END SOLUTION``
  line is left out of the template. Inside a function body it is replaced by
  ``raise NotImplementedError("`train` is not implemented yet")`` at the
  marker's indentation (``__init__`` of ``C`` says `C`, another method ``m``
  says `C.m`). Outside a function (a class docstring, a helper students are
  not given) nothing takes its place, and the blank lines after it go too when
  it opened a block or followed a blank line.
* ``### TEMPLATE: <line>`` replaces the next line in the template, at that
  line's indentation: a signature whose defaults the students choose
  (``### TEMPLATE: def train(model, data, epochs=1000):``).

Markers are comments (found with ``tokenize``, so a docstring that talks about
them is not one), on lines of their own, so the reference runs and grades
exactly as without them.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TEMPLATE = "### TEMPLATE:"
_BEGIN = re.compile(r"#+\s*BEGIN\s+SOLUTION\s*$")
_END = re.compile(r"#+\s*END\s+SOLUTION\s*$")
_TEMPLATE = re.compile(r"#+\s*TEMPLATE:(.*)$")
_ANY = re.compile(r"\b(BEGIN\s+SOLUTION|END\s+SOLUTION|TEMPLATE:)")


class MarkerError(ValueError):
    """The reference's markers are malformed; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Stubbed:
    """The student's version of a reference module, and what was done to get it."""

    text: str
    stubs: int  # solution regions replaced by ``raise NotImplementedError``
    removed: int  # solution regions outside functions, left out
    replaced: int  # lines replaced by a ``### TEMPLATE:`` line


def _markers(text: str, filename: str) -> dict[int, tuple[str, str]]:
    """Line number (1-based) -> (kind, argument) for every marker comment."""
    found: dict[int, tuple[str, str]] = {}
    lines = text.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise MarkerError(f"{filename}: cannot read it as Python ({exc}); fix the reference first") from None
    for tok in tokens:
        if tok.type != tokenize.COMMENT or not _ANY.search(tok.string):
            continue
        row, col = tok.start
        comment = tok.string
        own_line = lines[row - 1][:col].strip() == ""
        for kind, pattern in (("begin", _BEGIN), ("end", _END), ("template", _TEMPLATE)):
            match = pattern.match(comment)
            if match:
                if not own_line:
                    raise MarkerError(f"{filename}, line {row}: put `{comment.strip()}` on a line of "
                                      "its own (a marker after code is not read)")
                found[row] = (kind, match.group(1).strip() if kind == "template" else "")
                break
    return found


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _scopes(tree: ast.Module, lines: list[str]) -> list[tuple[int, int, int, ast.AST, tuple[ast.AST, ...]]]:
    """Every def and class: (first line, last line incl. trailing deeper comments, column, node, parents)."""
    out = []

    def last_line(node: ast.AST) -> int:
        end = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        col = node.col_offset  # type: ignore[attr-defined]
        k = end
        while k < len(lines):  # comments after the last statement, indented into the block
            text = lines[k]
            if text.strip() == "":
                k += 1
                continue
            if text.lstrip().startswith("#") and len(_indent(text)) > col:
                end = k + 1
                k += 1
                continue
            break
        return end

    def walk(node: ast.AST, parents: tuple[ast.AST, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append((child.lineno, last_line(child), child.col_offset, child, parents))
                walk(child, (*parents, child))
            else:
                walk(child, parents)

    walk(tree, ())
    return out


def _enclosing(scopes, line: int, column: int):  # type: ignore[no-untyped-def]
    """The innermost def/class whose body holds a marker at ``line``, indented ``column``."""
    best = None
    for first, last, col, node, parents in scopes:
        if first < line <= last and column > col:
            if best is None or col > best[2]:
                best = (first, last, col, node, parents)
    return best


def _message_name(node: ast.AST, parents: tuple[ast.AST, ...]) -> str:
    """`train`, `Model` (its ``__init__``), `Model.forward`: the exercise a stub belongs to."""
    chain: list[ast.AST] = []
    for scope in (*parents, node):
        chain.append(scope)
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            break
    names = [s.name for s in chain]  # type: ignore[attr-defined]
    if len(names) > 1 and names[-1] == "__init__" and isinstance(chain[-2], ast.ClassDef):
        names.pop()
    return ".".join(names)


def stub_message(name: str) -> str:
    return f"`{name}` is not implemented yet"


def student_version(text: str, filename: str = "the reference") -> Stubbed:
    """The reference ``text`` as students get it: solution regions stubbed or left out,
    ``### TEMPLATE:`` lines applied. Raises :class:`MarkerError` with the line to fix."""
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        raise MarkerError(f"{filename}, line {exc.lineno}: the reference is not valid Python "
                          f"({exc.msg}); fix it first") from None
    lines = text.splitlines()
    markers = _markers(text, filename)
    scopes = _scopes(tree, lines)
    out: list[str] = []
    stubs = removed = replaced = 0
    k = 0
    while k < len(lines):
        row = k + 1
        kind, argument = markers.get(row, ("", ""))
        if kind == "end":
            raise MarkerError(f"{filename}, line {row}: `{END}` without a `{BEGIN}` before it; "
                              "add the BEGIN line or remove this one")
        if kind == "template":
            if not argument:
                raise MarkerError(f"{filename}, line {row}: `{TEMPLATE}` needs the line students "
                                  f"see after it, e.g. `{TEMPLATE} def train(model, epochs=1000):`")
            nxt = lines[k + 1] if k + 1 < len(lines) else ""
            if not nxt.strip() or (k + 2) in markers or nxt.lstrip().startswith("#"):
                raise MarkerError(f"{filename}, line {row}: `{TEMPLATE}` replaces the next line, "
                                  "which must be a line of code; put it right above that line")
            out.append(_indent(nxt) + argument)
            replaced += 1
            k += 2
            continue
        if kind != "begin":
            out.append(lines[k])
            k += 1
            continue
        end = next((r for r in range(row + 1, len(lines) + 1) if r in markers), None)
        if end is None or markers[end][0] != "end":
            what = f"no `{END}` follows" if end is None else (
                f"line {end} has `{_marker_text(markers[end])}` before any `{END}`")
            raise MarkerError(f"{filename}, line {row}: this `{BEGIN}` is not closed ({what}); "
                              f"end each region with `{END}` before the next marker")
        column = len(_indent(lines[k]))
        scope = _enclosing(scopes, row, column)
        if scope is not None and isinstance(scope[3], (ast.FunctionDef, ast.AsyncFunctionDef)):
            message = stub_message(_message_name(scope[3], scope[4]))
            out.append(f'{_indent(lines[k])}raise NotImplementedError("{message}")')
            stubs += 1
            k = end
        else:
            removed += 1
            k = end
            if not out or not out[-1].strip() or out[-1].rstrip().endswith(":"):
                while k < len(lines) and not lines[k].strip():
                    k += 1
    result = "\n".join(out) + ("\n" if text.endswith("\n") else "")
    try:
        ast.parse(result)
    except SyntaxError as exc:
        raise MarkerError(f"{filename}: the student version is not valid Python (its line "
                          f"{exc.lineno}: {exc.msg}); check the markers there: a solution region "
                          "outside a function that left a block empty, or a TEMPLATE: line that does "
                          "not fit") from None
    return Stubbed(result, stubs, removed, replaced)


def _marker_text(marker: tuple[str, str]) -> str:
    return {"begin": BEGIN, "end": END}.get(marker[0], TEMPLATE)


def definition(text: str, name: str, filename: str = "the reference") -> str:
    """The source of the top-level definition of ``name`` in ``text`` (a def, a class or an
    assignment), with the comment lines right above it and the comments ending its block."""
    tree = ast.parse(text)
    lines = text.splitlines()
    found = [node for node in tree.body if name in _binds(node)]
    if not found:
        known = sorted({n for node in tree.body for n in _binds(node)})
        raise MarkerError(f"{filename} defines no {name!r} at the top level; its top-level "
                          f"names: {', '.join(known) or 'none'}")
    if len(found) > 1:
        raise MarkerError(f"{filename} defines {name!r} {len(found)} times at the top level; "
                          "keep one, or put the cell's code in the sheet as code:")
    node = found[0]
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    last = next((s[1] for s in _scopes(tree, lines) if s[3] is node), node.end_lineno or node.lineno)
    return "\n".join(lines[first - 1:last])


def top_level_names(text: str) -> set[str]:
    """The names a module defines at the top level (functions, classes, assignments)."""
    return {name for node in ast.parse(text).body for name in _binds(node)}


def _binds(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []
