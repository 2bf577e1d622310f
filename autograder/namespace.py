"""The names a submission defined, looked up with the assignment's aliases.

Runs in the sandbox. Sheets change between terms, so a spec may say that
``goal_fun`` can also be spelled ``goalFun``; the first alias the submission
defines wins.
"""

from __future__ import annotations

from typing import Any, Mapping


class MissingName(LookupError):
    """A name the rubric item needs is not defined by the submission."""

    def __init__(self, name: str, tried: tuple[str, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.tried = tried


class SubmissionNamespace:
    """Read-only view of a submission's globals with alias lookup."""

    def __init__(self, names: Mapping[str, Any], aliases: Mapping[str, list[str]] | None = None):
        self._names = names
        self._aliases = dict(aliases or {})

    def candidates(self, name: str) -> tuple[str, ...]:
        return (name, *self._aliases.get(name, ()))

    def get(self, name: str) -> Any:
        """Return the object bound to ``name`` or its first defined alias.

        Raises :class:`MissingName` when none is defined; the sandbox turns that
        into a ``failed`` item naming the missing definition.
        """
        tried = self.candidates(name)
        for candidate in tried:
            if candidate in self._names:
                return self._names[candidate]
        raise MissingName(name, tried)

    def has(self, name: str) -> bool:
        return any(c in self._names for c in self.candidates(name))
