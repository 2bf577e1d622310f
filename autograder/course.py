"""Where the course lives: a folder of assignments, found the way git finds ``.git``.

The engine is an installed package and knows no course. A course is a folder
holding ``assignments/<name>/assignment.yaml`` (and, beside it, the
``reference/``, ``student_template/`` and ``examples/`` those specs name). The
folder comes from, in order: ``--course DIR``; the ``AUTOGRADER_COURSE``
environment variable; the nearest parent of the working directory (itself
included) that holds ``assignments/``. Never from where the package is
installed: an installed engine must grade whichever course it is pointed at.
"""

from __future__ import annotations

import os
from pathlib import Path

ASSIGNMENTS = "assignments"
ENV_VAR = "AUTOGRADER_COURSE"


class CourseError(ValueError):
    """No course folder could be found; the message says how to point at one."""


def find_root(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """The course folder: ``explicit``, else ``$AUTOGRADER_COURSE``, else the nearest parent
    of ``cwd`` (default: the working directory) holding ``assignments/``."""
    for given, source in ((explicit, "--course"), (os.environ.get(ENV_VAR) or None, ENV_VAR)):
        if given is not None:
            root = Path(given).expanduser()
            if not (root / ASSIGNMENTS).is_dir():
                raise CourseError(f"{source} {given}: not a course folder (it holds no "
                                  f"{ASSIGNMENTS}/ folder); give the folder that holds "
                                  f"{ASSIGNMENTS}/<name>/assignment.yaml")
            return root.resolve()
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / ASSIGNMENTS).is_dir():
            return folder
    raise CourseError(f"no course folder found: {start} and its parents hold no {ASSIGNMENTS}/ "
                      f"folder. Run inside your course folder, pass --course DIR, set "
                      f"{ENV_VAR}=DIR, or give --assignment as a path to an assignment folder")


def root_of(assignment_dir: Path) -> Path | None:
    """The course an assignment folder belongs to, when it sits in ``<course>/assignments/``."""
    parent = assignment_dir.resolve().parent
    return parent.parent if parent.name == ASSIGNMENTS else None


def known_assignments(root: Path) -> list[str]:
    from autograder.spec import SPEC_FILE

    folder = root / ASSIGNMENTS
    return sorted(p.name for p in folder.iterdir() if (p / SPEC_FILE).is_file())
