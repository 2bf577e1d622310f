"""``autograder new``: the files of a new assignment, ready to fill in.

Writes, in the course folder, and never over an existing file:

* ``assignments/<name>/assignment.yaml``: the spec (with one item of the kit
  when the engine has item kinds, else commented guidance);
* ``reference/<name>.py``: a reference solution with solution markers;
* ``student_template/<name>.sheet.yaml``: the template's cells (markdown, and
  code taken from the reference), for ``autograder assign``;
* ``examples/<name>/README.md`` and ``outcomes.yaml``: where example
  submissions and the outcomes they must get go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autograder import course as course_mod
from autograder.authoring.sheet import SHEET_SUFFIX, AuthoringError

NAME = re.compile(r"^[a-z][a-z0-9_]*$")

SPEC_HEAD = """\
# The spec of {name}: its rubric, graded against the reference solution.
# The fields are described in the README ("Assignment specs"); check the whole
# assignment with `autograder validate {name}` before you release it.
name: {name}
title: {title}
reference: ../../reference/{name}.py
# template: ../../student_template/{name}.ipynb   (the default; `autograder assign {name}` writes it)
"""

SPEC_GUIDANCE = """
# Add the rubric items here (the spec does not load without one). Each item's id
# needs an observer and a check registered under it (autograder/observers/ and
# autograder/checks/), for example:
#
# - id: {prefix}.shapes
#   title: Net has the right layer shapes
#   points: 2
#   visibility: visible          # or hidden, after_due_date, after_published
#   observe: {{seed: 0}}           # settings sent to the sandbox (seeds, inputs)
#   check: {{tolerance: 1.0e-6}}   # settings that stay in the grader (thresholds)
items:
"""

SPEC_KIT_ITEM = """
# One item per line of the rubric. `kind:` items need no code of their own: the
# kit's observer and judge do what observe: and check: say (see autograder/kit/).
items:
  - id: {prefix}.shapes
    title: Net has the right layer shapes
    points: 2
    kind: module_shapes       # the parameter shapes of Net(*args), for each args list below
    observe: {{class: Net, calls: [[2, 8, 1], [3, 5, 2]]}}
    check: {{}}
"""

REFERENCE = '''"""Reference solution: {title}.

`autograder assign {name}` writes the student template from this file and
student_template/{name}.sheet.yaml. What students write goes between a
`### BEGIN SOLUTION` and an `### END SOLUTION` comment line: inside a function
it becomes `raise NotImplementedError(...)`, elsewhere (a class docstring, a
helper students do not get) it is left out. A `### TEMPLATE: <line>` comment
is the line students see instead of the next one (say, other defaults).
"""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, n_in=2, n_hidden=8, n_out=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.layers = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.layers(x)
        ### END SOLUTION
'''

SHEET = """\
# The student template {name}.ipynb is written from this sheet and the reference
# solution by `autograder assign {name}`; edit these two, never the notebook.
# Each cell is one of:
#   markdown: the text of a markdown cell
#   code:     a code cell, as written here
#   reference: NAME   the reference's top-level NAME (function, class or assignment),
#                     its ### BEGIN/END SOLUTION regions replaced by stubs
cells:
  - markdown: |-
      # {title}

      Keep the names and signatures below exactly as given: the autograder calls them.
  - code: |-
      import torch
      from torch import nn
  - markdown: |-
      **Exercise 1.** Write `Net(n_in=2, n_hidden=8, n_out=1)`, an `nn.Module`:
      `nn.Linear(n_in, n_hidden)`, `nn.ReLU()`, `nn.Linear(n_hidden, n_out)`.
  - reference: Net
  - markdown: |-
      ## Check your work

      Save the notebook, then run the cell below. It runs the visible checks of the
      autograder on your notebook.
  - code: |-
      !autograder check {name}.ipynb --assignment {name}
"""

EXAMPLES_README = """\
# Example submissions of {name}

Put example submissions here: a correct one, and one for each mistake you
expect students to make (each a `.py` or `.ipynb` file, or a folder holding
one). `outcomes.yaml` declares what each must get: its total score and the
status of every rubric item (passed, partial, failed or error):

```yaml
correct.py:
  score: 2
  items:
    {prefix}.shapes: passed
```

`autograder validate {name}` grades every example and fails when one gets
anything else, or is not declared; `autograder demo` grades them all.
"""

OUTCOMES = """\
# What each example submission in this folder must get: its total score and the
# status (passed, partial, failed or error) of every rubric item. `autograder
# validate {name}` grades every example and checks each gets exactly this; an
# example file not listed here fails the validation. For example:
#
# correct.py:
#   score: 2
#   items:
#     {prefix}.shapes: passed
"""


@dataclass(frozen=True)
class Scaffold:
    root: Path
    files: tuple[Path, ...]
    new_course: bool
    kit_item: bool


def item_prefix(name: str) -> str:
    """The rubric ids' prefix: ids are ``<letters>.<letters and _>``."""
    return re.sub(r"[^a-z]", "", name) or "item"


def has_kit() -> bool:
    """True when the engine has item kinds with a ``module_shapes`` kind."""
    try:
        from autograder import kit  # type: ignore[attr-defined]

        kit.load_all()
        return "module_shapes" in kit.KINDS
    except Exception:  # noqa: BLE001 -- no kit, or one still being written: use guidance
        return False


def create(name: str, course: str | Path | None = None) -> Scaffold:
    """Write the new assignment's files (all or none); raises :class:`AuthoringError`."""
    if not NAME.match(name):
        raise AuthoringError(f"{name!r} cannot name an assignment: use lower-case letters, digits "
                             "and _, starting with a letter (it names files and rubric ids), e.g. "
                             "neural_net")
    new_course = False
    try:
        root = course_mod.find_root(course)
    except course_mod.CourseError as exc:
        if course is None:  # found none: start one only where the instructor says so
            raise AuthoringError(f"{exc}; or give --course DIR to start a new course there") from None
        given = Path(course).expanduser()
        if given.exists() and not given.is_dir():
            raise AuthoringError(f"--course {course}: is a file; give the course folder") from None
        root, new_course = given.resolve(), True
    title = name.replace("_", " ").capitalize()
    prefix = item_prefix(name)
    kit_item = has_kit()
    spec = SPEC_HEAD.format(name=name, title=title) + (SPEC_KIT_ITEM if kit_item else SPEC_GUIDANCE).format(
        prefix=prefix)
    files = {
        root / course_mod.ASSIGNMENTS / name / "assignment.yaml": spec,
        root / "reference" / f"{name}.py": REFERENCE.format(name=name, title=title),
        root / "student_template" / f"{name}{SHEET_SUFFIX}": SHEET.format(name=name, title=title),
        root / "examples" / name / "README.md": EXAMPLES_README.format(name=name, prefix=prefix),
        root / "examples" / name / "outcomes.yaml": OUTCOMES.format(name=name, prefix=prefix),
    }
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        shown = ", ".join(str(p.relative_to(root)) for p in existing)
        raise AuthoringError(f"{shown} already exist{'s' if len(existing) == 1 else ''} in the course "
                             f"{root}; nothing was written: choose another name, or remove "
                             f"{'it' if len(existing) == 1 else 'them'} first")
    written = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as fh:  # "x": never over a file made meanwhile
                fh.write(text)
            written.append(path)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise AuthoringError(f"cannot write {getattr(exc, 'filename', None) or root} "
                             f"({exc.strerror or exc}); check the course folder's permissions") from None
    return Scaffold(root, tuple(files), new_course, kit_item)
