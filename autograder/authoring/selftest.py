"""``autograder validate``: the self-test an instructor runs before releasing an assignment.

Each check is one line, ``✓`` or ``✗``:

* the spec loads (every item resolves to a registered check or kind);
* the student template is what ``autograder assign`` makes of the sheet and the
  reference (when the template is made that way);
* the reference, graded as a submission, gets full marks;
* the untouched student template earns nothing: no item passes or earns part of
  its points, and no item fails because the grader itself failed (an ``error``
  from a ``NotImplementedError`` stub is expected);
* every example submission in ``examples/<name>/`` gets exactly the outcome that
  ``examples/<name>/outcomes.yaml`` declares for it (its total score, within
  1e-6, and the status of every item), and every example is declared there.

Everything is graded through the real sandbox, with one pool of warm workers.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jsonschema
import yaml

from autograder import spec as spec_mod
from autograder.authoring.sheet import AuthoringError, Target, differences
from autograder.results import STATUSES, SubmissionResult

OUTCOMES_FILE = "outcomes.yaml"
SCORE_TOLERANCE = 1e-6
# What the grader says when it, not the submission, failed (see grade.py, scoring.py, judge.py).
HARNESS_FAILURE = ("tell your instructor", "contact your instructor")

OUTCOMES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": ["score", "items"],
        "properties": {
            "score": {"type": "number", "minimum": 0},
            "items": {"type": "object", "minProperties": 1, "additionalProperties": {"enum": list(STATUSES)}},
            "note": {"type": "string"},
        },
    },
}


@dataclass(frozen=True)
class Line:
    """One line of the report: ``ok`` True (✓), False (✗) or None (a note, not a check)."""

    ok: bool | None
    text: str

    def render(self, ascii_only: bool = False) -> str:
        marks = {True: "ok", False: "FAIL", None: "-"} if ascii_only else {True: "✓", False: "✗", None: "·"}
        return f"{marks[self.ok]} {self.text}"


@dataclass
class Report:
    name: str
    lines: list[Line] = field(default_factory=list)

    @property
    def checks(self) -> list[Line]:
        return [line for line in self.lines if line.ok is not None]

    @property
    def failed(self) -> list[Line]:
        return [line for line in self.lines if line.ok is False]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        if self.ok:
            return f"{self.name}: all {len(self.checks)} checks passed"
        return f"{self.name}: {len(self.failed)} of {len(self.checks)} checks failed (✗ above)"


class OutcomesError(ValueError):
    """``outcomes.yaml`` cannot be read or breaks its format; the message says where."""


def load_outcomes(path: Path) -> dict[str, dict[str, Any]]:
    """``{example file: {"score": float, "items": {id: status}}}``; empty when the file is."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise OutcomesError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    except yaml.YAMLError as exc:
        raise OutcomesError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    raw = {} if raw is None else raw
    if isinstance(raw, dict):
        raw = {str(k): v for k, v in raw.items()}
    errors = sorted(jsonschema.Draft202012Validator(OUTCOMES_SCHEMA).iter_errors(raw),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        why = {"enum": f"{err.instance!r} is not a status; use one of {', '.join(STATUSES)}",
               "required": f"{err.message}; each example needs score: and items:",
               "type": f"{err.instance!r} should be of type {err.validator_value}"}.get(err.validator, err.message)
        raise OutcomesError(f"{path}: field {where}: {why} (format: `correct.py: {{score: 10, items: "
                            "{hw.shapes: passed, ...}}`)")
    return raw


def harness_failures(result: SubmissionResult) -> list[str]:
    """Items whose feedback says the grader itself failed (not the submission's code)."""
    found = [f"{i.id}: {_short(i.feedback)}" for i in result.rubric
             if any(sign in i.feedback.lower() for sign in HARNESS_FAILURE)]
    found += [f"note: {_short(n)}" for n in result.notes if n.startswith("internal:")]
    return found


def outcome_text(name: str, result: SubmissionResult) -> str:
    """The declaration of what ``result`` got, ready to paste into outcomes.yaml."""
    items = ", ".join(f"{i.id}: {i.status}" for i in result.rubric)
    return f"{name}: {{score: {_number(result.score)}, items: {{{items}}}}}"


def compare(declared: dict[str, Any], result: SubmissionResult) -> list[str]:
    """How ``result`` differs from its declared outcome (empty: as declared)."""
    problems = []
    if not math.isclose(result.score, float(declared["score"]), rel_tol=0, abs_tol=SCORE_TOLERANCE):
        problems.append(f"score declared {_number(declared['score'])}, got {_number(result.score)}")
    got = {i.id: i for i in result.rubric}
    for item_id, status in declared["items"].items():
        if item_id not in got:
            problems.append(f"{item_id} is declared but the spec has no such item")
        elif got[item_id].status != status:
            problems.append(f"{item_id} declared {status}, got {got[item_id].status} "
                            f"({_short(got[item_id].feedback)})")
    missing = [i for i in got if i not in declared["items"]]
    if missing:
        problems.append(f"no status declared for {', '.join(missing)}")
    return problems


def validate(assignment: str, course: str | Path | None = None, *, jobs: int = 1, pool: Any = None,
             echo: Callable[[Line], None] | None = None) -> Report:
    """Run every check of the assignment; ``echo`` sees each line as it is decided.

    Raises :class:`autograder.spec.SpecError` only when the assignment cannot be
    found (a usage error); everything wrong with what was found is a ✗ line.
    """
    path = spec_mod.resolve(assignment, course)
    report = Report(path.parent.name)

    def add(ok: bool | None, text: str) -> None:
        line = Line(ok, text)
        report.lines.append(line)
        if echo is not None:
            echo(line)

    try:
        loaded = spec_mod.load(path)
    except spec_mod.SpecError as exc:
        add(False, f"the spec does not load: {exc}")
        return report
    report.name = loaded.name
    points = sum(i.points for i in loaded.items)
    add(True, f"the spec loads: {_count(len(loaded.items), 'item')}, {_number(points)} points "
        f"({', '.join(i.id for i in loaded.items)})")
    if loaded.reference is None:
        add(False, f"{loaded.path} has facts: (a student release), not reference:; validate the "
            "course's assignment instead")
        return report
    tgt = Target(loaded.name, loaded.path, loaded.reference, loaded.template or
                 loaded.directory / f"../../student_template/{loaded.name}.ipynb")
    _check_template_source(tgt, add)

    root = loaded.course
    folder = root / "examples" / loaded.name if root is not None else None
    entries, declared = _examples(tgt, folder, add)

    from autograder import batch
    from autograder.grade import Grader
    from autograder.reference import ReferenceError
    from autograder.worker import WorkerError, WorkerPool

    own_pool = pool is None
    pool = WorkerPool(max(1, jobs)) if own_pool else pool
    try:
        grader = Grader(loaded, pool=pool)
        try:
            grader.expected  # once, in a worker of its own, before the pool fans out
        except (ReferenceError, WorkerError) as exc:
            add(False, f"the reference's expected results could not be computed: {_short(str(exc), 400)}")
            return report
        grader.pool.start()
        todo: list[tuple[str, Path]] = [("reference", loaded.reference)]
        if tgt.template.is_file():
            todo.append(("template", tgt.template))
        todo += [(f"example {e.name}", e) for e in entries]
        add(None, f"grading the reference, {'the template, ' if tgt.template.is_file() else ''}"
            f"{_count(len(entries), 'example')} with {_count(grader.jobs, 'worker')}...")
        with ThreadPoolExecutor(max_workers=grader.jobs) as executor:
            results = dict(zip([label for label, _ in todo],
                               executor.map(lambda job: batch.grade_one(grader, job[1]), todo)))
    finally:
        if own_pool:
            pool.close()

    _check_reference(tgt, results["reference"], add)
    _check_template(tgt, results.get("template"), add)
    for entry in entries:
        _check_example(tgt, folder, entry.name, declared.get(entry.name), results[f"example {entry.name}"], add)
    return report


def _check_template_source(tgt: Target, add: Callable[[bool | None, str], None]) -> None:
    made = tgt.template.suffix == ".py" or tgt.sheet.is_file()
    if not tgt.template.is_file():
        how = (f"run `autograder assign {tgt.name}`" if made else
               f"write {tgt.rel(tgt.sheet)} (the template's cells), then run `autograder assign {tgt.name}`")
        add(False, f"no student template at {tgt.rel(tgt.template)}: {how}")
        return
    if not made:
        add(None, f"{tgt.rel(tgt.template)} is not made by `autograder assign` (no "
            f"{tgt.rel(tgt.sheet)}): not compared with the reference")
        return
    try:
        diffs = differences(tgt)
    except AuthoringError as exc:
        add(False, f"the student template cannot be made: {exc}")
        return
    if diffs:
        add(False, f"{tgt.rel(tgt.template)} is not what `autograder assign {tgt.name}` makes of "
            f"{tgt.rel(tgt.reference)}: {diffs[0]}; run `autograder assign {tgt.name}`")
    else:
        add(True, f"{tgt.rel(tgt.template)} is current (what `autograder assign {tgt.name}` makes)")


def _examples(tgt: Target, folder: Path | None, add: Callable[[bool | None, str], None]
              ) -> tuple[list[Path], dict[str, dict[str, Any]]]:
    from autograder.submission import discover

    if folder is None or not folder.is_dir():
        where = folder if folder is not None else "examples/<name>/ of a course"
        add(None, f"no example submissions ({where} does not exist): add some, with their "
            f"outcomes in {OUTCOMES_FILE}")
        return [], {}
    entries = discover(folder)
    declared: dict[str, dict[str, Any]] = {}
    outcomes = folder / OUTCOMES_FILE
    if outcomes.is_file():
        try:
            declared = load_outcomes(outcomes)
        except OutcomesError as exc:
            add(False, str(exc))
            return entries, {}
    elif entries:
        add(False, f"{tgt.rel(outcomes)} does not exist: declare what each example must get, "
            "e.g. `correct.py: {score: 10, items: {...: passed}}`")
    if not entries:
        add(None, f"no example submissions in {tgt.rel(folder)} yet: add some (a correct one, and "
            f"one per mistake you expect), with their outcomes in {OUTCOMES_FILE}")
    names = {e.name for e in entries}
    for name in declared:
        if name not in names:
            add(False, f"{tgt.rel(outcomes)} declares {name}, which is not in {tgt.rel(folder)}: "
                "add the file or remove its entry")
    return entries, declared


def _check_reference(tgt: Target, result: SubmissionResult, add: Callable[[bool | None, str], None]) -> None:
    where = tgt.rel(tgt.reference)
    short = [f"{i.id} {i.status} ({_short(i.feedback)})" for i in result.rubric if i.status != "passed"]
    if not short and result.score == result.max_score:
        add(True, f"the reference gets full marks: {_number(result.score)} / {_number(result.max_score)} "
            f"({where})")
    else:
        add(False, f"the reference {where} gets {_number(result.score)} / {_number(result.max_score)} "
            f"graded as a submission: {'; '.join(short)}")


def _check_template(tgt: Target, result: SubmissionResult | None, add: Callable[[bool | None, str], None]) -> None:
    where = tgt.rel(tgt.template)
    if result is None:  # no template: said by _check_template_source
        return
    harness = harness_failures(result)
    earning = [f"{i.id} {i.status}" for i in result.rubric if i.status in ("passed", "partial")]
    if harness:
        add(False, f"grading the student template {where} failed in the grader itself: "
            f"{'; '.join(harness)}")
    if earning:
        add(False, f"the untouched student template {where} earns points: {', '.join(earning)}; put "
            "that code between ### BEGIN SOLUTION and ### END SOLUTION in the reference, then run "
            f"`autograder assign {tgt.name}`")
    if not harness and not earning:
        counts = {s: sum(1 for i in result.rubric if i.status == s) for s in ("error", "failed")}
        add(True, f"the student template earns nothing: {_number(result.score)} / "
            f"{_number(result.max_score)} ({counts['error']} error, {counts['failed']} failed; {where})")


def _check_example(tgt: Target, folder: Path | None, name: str, declared: dict[str, Any] | None,
                   result: SubmissionResult, add: Callable[[bool | None, str], None]) -> None:
    got = f"{_number(result.score)} / {_number(result.max_score)}"
    harness = harness_failures(result)
    if harness:
        add(False, f"example {name}: grading it failed in the grader itself: {'; '.join(harness)}")
        return
    if declared is None:
        outcomes = tgt.rel(folder / OUTCOMES_FILE) if folder is not None else OUTCOMES_FILE
        add(False, f"example {name} is not declared in {outcomes}; it got {got}, which "
            f"reads `{outcome_text(name, result)}`: add that if it is right")
        return
    problems = compare(declared, result)
    if problems:
        add(False, f"example {name}: {'; '.join(problems)}")
    else:
        add(True, f"example {name}: {got}, as declared")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 6))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
