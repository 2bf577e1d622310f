"""Walking and mangling observation records, for tests that feed checks forged answers."""

from __future__ import annotations

from typing import Any


def record_paths(value: Any, list_entries: int | None = None, path: tuple = ()) -> list[tuple]:
    """Every place in a record: each leaf, and each dict and list as a whole.

    ``list_entries`` keeps only the first entries of each list (a Hypothesis
    search over a few places per list stays small); None walks them all.
    """
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += record_paths(inner, list_entries, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:list_entries]):
            found += record_paths(inner, list_entries, (*path, index))
    return found


def replaced(value: Any, path: tuple, new: Any) -> Any:
    """A copy of ``value`` with the place at ``path`` set to ``new`` (the original untouched)."""
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy
