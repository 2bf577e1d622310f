"""The one error a command reports as the user's to fix: one line, exit 2.

Modules that check what the user asked for (a release folder, a zip to build,
a path to read or write) raise a subclass of :class:`UsageError` with a
message that says what to do; ``autograder.cli.main`` prints it as
``autograder: error: <message>`` and exits 2, so no command needs a handler
of its own.
"""

from __future__ import annotations


class UsageError(ValueError):
    """A problem with what the user asked for; the message says what to do instead."""
