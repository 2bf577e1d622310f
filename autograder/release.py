"""Student releases: what a student needs to self-check, without the reference solution.

``autograder check`` compares a submission with the reference's facts. In the
course those come from running ``reference/<name>.py``, so a student could only
self-check with the solutions on their machine. ``autograder release NAME
--output DIR`` writes instead:

* ``DIR/assignment.yaml``: the spec with its **visible items only** (hidden,
  ``after_due_date`` and ``after_published`` items are removed with all their
  settings), ``facts: expected.json`` in place of ``reference:``, and a
  ``release:`` block naming the harness that made it (its version, the
  engine's fingerprint, torch's version, the course spec's fingerprint);
* ``DIR/expected.json``: the reference's facts for those items, precomputed, in
  the reference cache's encoded format;
* the student template (``template:`` in the spec, by default
  ``<course>/student_template/<name>.ipynb``), when there is one;
* nothing of the folder's own ``probes.py`` and ``checks.py``
  (``autograder.course_code``). A check written there recomputes what the
  exercise asks (a loss, an update step, the goal function), which is the
  answer. So a visible item without a kind stays out of the release, like a
  hidden one, and the command names it (``Release.course_only``): give it a
  kit kind to let students self-check it. A kind's judge is engine code, which
  every student already has.

No reference source goes into DIR. ``check FILE --assignment DIR`` then works
with no reference and no cache anywhere: it reads the facts and writes nothing.

The facts for the visible items are the reference's answers to the visible
items' questions, and a student can read them. That gives a forger nothing the
checks do not already verify: every check recomputes from what the submission
reports (weights, outputs at the grader's inputs), and a recorded correct run
could be replayed anyway (README, "What a determined student could still do").
The hidden items' questions and answers stay with the instructor.

**Supplied helpers are not released.** In the course, an item may declare
``supply: [names]``: the reference's own source of those helpers is swapped into
the student's code while the item runs, so that a slip in a loss helper costs
only the item about that helper and not also the training step that calls it.
A release must not contain reference source, and the helpers supplied to
visible items are, in the shipped course, themselves the answers of other
visible items. So a release drops ``supply:`` and those items run
with the student's own helpers. The consequence, for the self-check only (never
the official grade, which the instructor computes with the course spec): a
wrong helper can fail the item that depends on it too. ``check`` says so, naming
those items, whenever one of them does not pass; the release records which
items they are under ``release.own_helpers``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from autograder import __version__, course_code, reference, spec as spec_mod
from autograder.errors import UsageError
from autograder.results import SubmissionResult
from autograder.spec import AssignmentSpec

FACTS_FILE = "expected.json"
# Spec fields a release keeps as the course writes them (items are rewritten, the
# reference replaced by the facts, template and release written here).
KEPT_FIELDS = ("name", "title", "aliases", "stub_modules", "limits")


class ReleaseError(UsageError):
    """A release cannot be made as asked; the message says what to do instead."""


@dataclass(frozen=True)
class Release:
    """What :func:`build` wrote, for the command line to report."""

    folder: Path
    items: tuple[str, ...]  # the visible items released
    withheld: int  # items not visible to students, left out
    course_only: tuple[str, ...]  # visible items judged by the folder's own checks.py, left out
    template: Path | None  # the template copied into the release, if any
    template_wanted: Path | None  # where the template was looked for
    own_helpers: dict[str, list[str]]


def build(spec: AssignmentSpec, output: Path, *, force: bool = False,
          run_job: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Release:
    """Write the student release of ``spec`` (a course spec, with its reference) to ``output``.

    The facts are the reference's, from the cache or computed by ``run_job``
    (default: a throwaway worker, as ``Grader`` does). Everything is written
    into a temporary folder next to ``output`` and renamed into place, so an
    interrupted release leaves no half-written folder; the finished folder is
    loaded back as a spec before the rename, so a release that would not load
    is never published.
    """
    if spec.reference is None:
        raise ReleaseError(f"{spec.directory} is itself a release (it has facts:, no reference:); "
                           "make releases from the course's assignment, e.g. autograder release "
                           f"{spec.name} --output DIR")
    shown = [item for item in spec.items if item.visibility == "visible"]
    visible = [item for item in shown if item.kind is not None]
    course_only = tuple(item.id for item in shown if item.kind is None)
    if not visible:
        why = (f"its visible items ({', '.join(course_only)}) are judged by the folder's own "
               f"{course_code.CHECKS_FILE}, which a release cannot ship (it recomputes the answers); "
               "give them a kind: from the kit" if course_only else
               "no item is visible to students; make some items visibility: visible")
        raise ReleaseError(f"{spec.path}: a release would have nothing to check: {why}")
    output = Path(output).expanduser().absolute()
    _refuse_course_files(spec, output)
    _refuse_existing(output, force)

    raw = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
    ids = [item.id for item in visible]
    own_helpers = {i["id"]: list(i["supply"]) for i in raw["items"] if i["id"] in ids and i.get("supply")}
    records = _visible_records(spec, ids, run_job)
    wanted = spec.template
    template = wanted if wanted is not None and wanted.is_file() else None

    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent))
    try:
        released = _spec_text(spec, raw, ids, own_helpers, template)
        _write(staging / spec_mod.SPEC_FILE, released.encode("utf-8"))
        _write(staging / FACTS_FILE, json.dumps(records).encode("utf-8"))  # as the cache writes it
        if template is not None:
            _write(staging / template.name, template.read_bytes())
        os.chmod(staging, 0o755)
        check = spec_mod.load(staging)  # publish only a release that loads, with every fact
        reference.released_facts(check)
        _publish(staging, output, force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Release(folder=output, items=tuple(ids), withheld=len(spec.items) - len(shown),
                   course_only=course_only,
                   template=output / template.name if template else None, template_wanted=wanted,
                   own_helpers=own_helpers)


def _refuse_course_files(spec: AssignmentSpec, output: Path) -> None:
    """``--force`` replaces the output folder: never one that holds the course's own files."""
    assert spec.reference is not None
    target = output.resolve()
    for kept in (spec.directory, spec.reference, spec.course):
        if kept is not None and (kept.resolve() == target or target in kept.resolve().parents):
            raise ReleaseError(f"--output {output}: it holds the course's own files ({kept}); "
                               "write the release to a folder of its own")


def _refuse_existing(output: Path, force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise ReleaseError(f"--output {output}: is a file; give a folder for the release")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise ReleaseError(f"--output {output}: the folder exists and is not empty; choose a new "
                           "folder, or add --force to replace it")


def _visible_records(spec: AssignmentSpec, ids: list[str],
                     run_job: Callable[[dict[str, Any]], dict[str, Any]] | None) -> dict[str, Any]:
    if run_job is None:
        from autograder.grade import _run_in_throwaway_worker as run_job  # the default, as Grader's
    records = reference.expected_records(spec, run_job)
    return {item_id: records[item_id] for item_id in ids}


def _spec_text(spec: AssignmentSpec, raw: dict[str, Any], ids: list[str],
               own_helpers: dict[str, list[str]], template: Path | None) -> str:
    """The release's YAML: the kept fields, the visible items (observe and check as the
    course writes them, supply: dropped), the facts file and the release block."""
    released: dict[str, Any] = {key: raw[key] for key in KEPT_FIELDS if key in raw}
    released["facts"] = FACTS_FILE
    if template is not None:
        released["template"] = template.name
    released["items"] = [{k: v for k, v in item.items() if k != "supply"}
                         for item in raw["items"] if item["id"] in ids]
    released["release"] = {
        "harness_version": __version__,
        "spec_fingerprint": spec.fingerprint,
        "engine": reference.engine_fingerprint(),
        "torch": version("torch"),
        "assignment": spec.name,
        **({"own_helpers": own_helpers} if own_helpers else {}),
    }
    header = (f"# Student release of {spec.name!r}, made by `autograder release` (autograder "
              f"{__version__}).\n# Check your work: autograder check YOUR_FILE --assignment "
              "THIS_FOLDER\n")
    return header + yaml.safe_dump(released, sort_keys=False, allow_unicode=True, width=100)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.chmod(path, 0o644)  # readable by the student's other tools, whatever the umask


def _publish(staging: Path, output: Path, force: bool) -> None:
    """Rename the finished release into place; with ``force``, the old folder goes only
    once the new one is there."""
    if output.is_dir() and any(output.iterdir()):
        if not force:  # filled while the facts were computed
            _refuse_existing(output, force)
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.rename(output, old)
        os.rename(staging, output)
        shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(staging, output)  # onto nothing, or onto an empty folder


def notices(spec: AssignmentSpec) -> list[str]:
    """One-line warnings for a release made by another harness than the installed one.

    A release made by a *newer* harness never gets here: loading it is a usage
    error (``spec.refuse_newer_release``). An older one still runs, but its
    facts were computed by other observers, so a result may differ from the
    instructor's; the same holds for the same version with other engine source.
    """
    block = spec.release
    if not block:
        return []
    made_by = str(block.get("harness_version", "?"))
    if spec_mod.version_key(made_by) != spec_mod.version_key(__version__):
        return [(f"warning: this release was made for autograder {made_by}; you have {__version__}; "
                 "results may differ from your instructor's: ask for a current release")]
    if block.get("engine") != reference.engine_fingerprint():
        return [(f"warning: this release was made by a different build of autograder {made_by} "
                 f"(engine {str(block.get('engine'))[:12]}, yours {reference.engine_fingerprint()[:12]}); "
                 "results may differ from your instructor's: ask for a current release")]
    made_with = block.get("torch")
    if made_with and made_with != version("torch"):
        return [(f"warning: this release was made with torch {made_with}; you have {version('torch')}; "
                 "results may differ from your instructor's: install that torch or ask for a current release")]
    return []


def own_helpers_note(spec: AssignmentSpec, result: SubmissionResult) -> str | None:
    """Explain, when it matters, that in a release some items run with the student's helpers.

    Only when one of those items did not pass: then its failure may come from
    a helper graded by another item, which the official grade would not count
    twice.
    """
    helpers = (spec.release or {}).get("own_helpers") or {}
    failing = [item.id for item in result.rubric if item.id in helpers and item.status != "passed"]
    if not failing:
        return None
    parts = [f"{item_id} with your own {_names(helpers[item_id])}" for item_id in failing]
    return ("note: this self-check runs " + "; ".join(parts) + " (your instructor's grading uses the "
            "reference's), so a mistake in those helpers costs these items here too: fix the items "
            "that grade the helpers first, then check again")


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
