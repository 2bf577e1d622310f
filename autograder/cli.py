"""Command line: parse arguments, call the library, render, exit with a code.

Exit codes live in :class:`ExitCode`. ``grade`` exits 0 whenever it graded,
whatever the score; ``check`` exits 0 only when every visible item passes.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from autograder import __version__
from autograder.errors import UsageError


class ExitCode(enum.IntEnum):
    GRADED = 0
    CHECK_FAILED = 1
    USAGE = 2
    INTERNAL = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder", description="Grade PyTorch course exercises in a sandbox.")
    parser.add_argument("--version", action="version", version=f"autograder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course", metavar="DIR",
                        help="the course folder (holding assignments/); default: $AUTOGRADER_COURSE, "
                        "else the nearest parent of the working directory that holds assignments/")

    grade = sub.add_parser("grade", parents=[course], help="grade a submission file or a folder of submissions",
                           description="Grade one submission (FILE) into a JSON file, or every "
                           "submission in DIR into OUTDIR/<student>.json plus summary.csv/json.")
    grade.add_argument("path", type=Path, metavar="FILE|DIR")
    grade.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    grade.add_argument("--output", "-o", type=Path, required=True,
                       help="results file (for FILE) or folder (for DIR)")
    grade.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                       help="parallel workers for a folder (default: number of cores)")
    grade.add_argument("--resume", action="store_true",
                       help="skip submissions whose results are already current")
    grade.add_argument("--gradescope", action="store_true",
                       help="also write Gradescope results (<name>.gradescope.json)")
    grade.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    grade.add_argument("--cluster", metavar="ADDRESS",
                       help="grade a folder on a Dask cluster: tcp://HOST:8786 (a running scheduler) "
                       "or local:N (N local worker processes); --jobs is then unused. "
                       "Needs pip install 'autograder[cluster]'")

    check = sub.add_parser("check", parents=[course], help="self-check a submission: visible items, readable output",
                           description="Run the visible rubric items on your file and explain "
                           "each result. Exit code 0 when all pass, 1 otherwise.")
    check.add_argument("path", type=Path, metavar="FILE")
    check.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    check.add_argument("--show-output", action="store_true", help="also show what your code printed")
    check.add_argument("--plot", type=Path, metavar="PNG",
                       help="save a picture of your results (e.g. a decision boundary, loss curves)")
    check.add_argument("--html", type=Path, metavar="REPORT.html",
                       help="save your results and their pictures as one self-contained web page")

    demo = sub.add_parser("demo", parents=[course], help="grade the shipped example submissions of every assignment",
                          description="Grade examples/<assignment>/ for every assignment and print "
                          "one summary table each.")
    demo.add_argument("--output", "-o", type=Path, default=Path("demo-results"),
                      help="where to write results (default: ./demo-results)")
    demo.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)

    release = sub.add_parser("release", parents=[course], help="write what students get to self-check "
                             "(no reference solution in it)",
                             description="Write a student release of an assignment into DIR: its "
                             "visible items, the reference's facts for them precomputed, and the "
                             "student template. Students run: autograder check FILE --assignment DIR")
    release.add_argument("assignment", metavar="NAME", help="assignment name or folder")
    release.add_argument("--output", "-o", type=Path, required=True, metavar="DIR",
                         help="the release folder to write (new or empty)")
    release.add_argument("--force", action="store_true", help="replace DIR if it is not empty")

    gs = sub.add_parser("gradescope", parents=[course],
                        help="build a Gradescope autograder zip, or run as its run_autograder",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="build NAME: write the Gradescope autograder zip of an assignment\n"
                        "  (upload it as the assignment's autograder). run (the default): grade\n"
                        "  ROOT/submission and write ROOT/results/results.json, as the zip's\n"
                        "  run_autograder does. prepare: cache the reference's facts (the zip's setup.sh).",
                        epilog="examples:\n"
                        "  autograder gradescope build hw3 --output hw3-autograder.zip\n"
                        "  autograder gradescope --assignment hw3 --root /autograder")
    gs.add_argument("action", nargs="?", choices=("run", "build", "prepare"), default="run",
                    help="what to do (default: run)")
    gs.add_argument("name", nargs="?", metavar="NAME",
                    help="the assignment (name or folder); the same as --assignment")
    gs.add_argument("--assignment", "-a", help="the assignment (name or folder)")
    gs.add_argument("--root", type=Path, default=None,
                    help="run: the autograder root (default: $AUTOGRADER_ROOT, else /autograder)")
    gs.add_argument("--output", "-o", type=Path, metavar="ZIP",
                    help="build: the zip to write (default: NAME-autograder.zip)")
    gs.add_argument("--wheel", type=Path, metavar="PATH",
                    help="build: the harness wheel to ship (default: built from this source checkout)")

    new = sub.add_parser("new", parents=[course], help="start an assignment: spec, reference, sheet, examples",
                         description="Write the files of a new assignment NAME in the course (never over "
                         "an existing file) and print the next steps. With --course DIR, DIR may be a new "
                         "course folder.")
    new.add_argument("name", metavar="NAME", help="the assignment's name (lower-case letters, digits, _)")

    assign = sub.add_parser("assign", parents=[course], help="write the student template from the reference",
                            description="Write the student template of an assignment: the cells of "
                            "student_template/NAME.sheet.yaml, with code taken from the reference, whose "
                            "### BEGIN SOLUTION ... ### END SOLUTION regions become raise NotImplementedError.")
    assign.add_argument("assignment", metavar="NAME|PATH", help="assignment name or folder")

    validate = sub.add_parser("validate", parents=[course], help="self-test an assignment before release",
                              description="Check that the spec loads, the reference gets full marks, the "
                              "student template earns nothing and every example gets the outcome "
                              "examples/NAME/outcomes.yaml declares. Exit code 0 when all hold, 1 otherwise.")
    validate.add_argument("assignment", metavar="NAME|PATH", help="assignment name or folder")
    validate.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                          help="parallel workers (default: number of cores)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from autograder.reference import ReferenceError
    from autograder.spec import SpecError
    from autograder.submission import SubmissionError
    from autograder.worker import WorkerError

    try:
        if args.command == "grade":
            return _grade(args)
        if args.command == "check":
            return _check(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "release":
            return _release(args)
        if args.command in ("new", "assign", "validate"):
            return _authoring(args)
        return _gradescope(args)
    except (SpecError, SubmissionError, UsageError) as exc:
        print(f"autograder: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except (ReferenceError, WorkerError) as exc:
        print(f"autograder: internal error: {exc}", file=sys.stderr)
        return ExitCode.INTERNAL
    except KeyboardInterrupt:
        print("autograder: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of the harness: one line for the user, the traceback in a log
        log = _crash_log(argv)
        print(f"autograder: internal error: {type(exc).__name__}: {_one_line(exc)}. This is a bug "
              f"in the harness, not in the submission; details in {log}", file=sys.stderr)
        return ExitCode.INTERNAL


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _crash_log(argv: Sequence[str] | None) -> str:
    """Write the current exception's traceback to a log file and return its path.

    The user sees one line; whoever fixes the harness needs the whole story. The
    log goes next to the reference cache (private to the user), else to the
    temporary folder; if neither can be written, the traceback goes to stderr.
    """
    import tempfile
    import traceback

    text = (f"autograder {__version__}\nargv: {list(sys.argv[:1]) + list(argv or sys.argv[1:])}\n"
            f"python: {sys.version.split()[0]}\n\n{traceback.format_exc()}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    from autograder.reference import cache_root

    for folder in (cache_root() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"autograder-crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    sys.stderr.write(text)
    return "the traceback above"


def _readable(path: Path) -> None:
    """Fail early, with the reason, on a submission file the harness cannot read."""
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc}); check the path and "
                         "its permissions") from None


def _writable(path: Path, folder: bool) -> None:
    """Fail before grading, not after, when the results cannot be written where asked."""
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"--output {path}: is a file; give a folder for the results of a batch")
    if not folder and path.is_dir():
        raise UsageError(f"--output {path}: is a folder; give a file name such as alice.json")
    target = path if folder else path.parent
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--output {path}: cannot create {target} ({exc.strerror or exc})") from None
    if not os.access(target, os.W_OK | os.X_OK):
        raise UsageError(f"--output {path}: {target} is not writable; choose another place")


def _grader(args: argparse.Namespace, jobs: int = 1, visible_only: bool = False):  # type: ignore[no-untyped-def]
    from autograder import spec
    from autograder.grade import Grader

    return Grader(spec.load(args.assignment, args.course), jobs=max(1, jobs), visible_only=visible_only)


def _grade(args: argparse.Namespace) -> int:
    from autograder.report import gradescope, json_report

    if not os.path.lexists(args.path):  # a link is graded (and refused), not reported as missing
        raise UsageError(f"{args.path}: no such file or folder")
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give at least 1")
    if args.path.is_dir():  # the instructor's batch folder (it may be a link the instructor made)
        _writable(args.output, folder=True)
        return _grade_batch(args)
    if not os.path.islink(args.path) and args.path.is_file():
        _readable(args.path)
    _writable(args.output, folder=False)
    if getattr(args, "cluster", None):
        print("note: --cluster is for a folder of submissions; this one file is graded here",
              file=sys.stderr)
    with _grader(args) as grader:
        result = grader.grade(args.path)
    json_report.write(result, args.output)
    if args.gradescope:
        gradescope.write(result, args.output.with_suffix(".gradescope.json"))
    if not args.quiet:
        print(f"{result.submission}: {result.score:g} / {result.max_score:g} -> {args.output}")
    return ExitCode.GRADED


def _grade_batch(args: argparse.Namespace) -> int:
    from autograder import batch
    from autograder.report import gradescope, terminal

    started = time.monotonic()
    writers = [lambda r, out: gradescope.write(r, out.with_suffix(".gradescope.json"))] \
        if args.gradescope else []
    with _grader(args, args.jobs) as grader:
        total = len(batch.plan(args.path, args.output))
        interactive = sys.stderr.isatty() and not args.quiet
        if interactive:
            report = _with_progress(grader, args, total, writers)
        else:
            counter = iter(range(1, total + 1))
            on_done = None if args.quiet else (
                lambda entry, result: batch.log_line(entry, result, next(counter), total))
            report = batch.run(grader, args.path, args.output, args.resume, on_done, writers,
                               cluster=args.cluster)
    if not args.quiet:
        from autograder.report import json_report

        rows = [json_report.read(p) for p in report.result_files[:50] if p.is_file()]
        if sys.stdout.isatty() or len(rows) <= 50:
            terminal.print_batch_table(rows)
        print(f"graded {report.graded}, skipped {report.skipped} (current), "
              f"{report.with_errors} with errors, in {time.monotonic() - started:.1f} s; "
              f"gradebook: {args.output / 'summary.csv'}")
    return ExitCode.GRADED


def _with_progress(grader, args, total, writers):  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from autograder import batch

    errors = 0
    columns = [TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[magenta]{task.fields[errors]} with errors"), TimeRemainingColumn()]
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("grading", total=total, errors=0)

        def on_done(entry, result):  # type: ignore[no-untyped-def]
            nonlocal errors
            if result is not None and any(i.status == "error" for i in result.rubric):
                errors += 1
            progress.update(task, advance=1, errors=errors)

        return batch.run(grader, args.path, args.output, args.resume, on_done, writers,
                         cluster=args.cluster)


def _check(args: argparse.Namespace) -> int:
    from autograder.report import terminal

    if not os.path.lexists(args.path) or args.path.is_dir():
        raise UsageError(f"{args.path}: no such file")
    if not os.path.islink(args.path) and args.path.is_file():
        _readable(args.path)
    for picture in (args.plot, args.html):
        if picture is not None:
            _writable(picture, folder=False)
    with _grader(args, visible_only=True) as grader:
        from autograder import release  # a student release: say first if another harness made it

        for warning in release.notices(grader.spec):
            print(warning, file=sys.stderr, flush=True)
        full, observations = grader.grade_with_observations(args.path)
        result = full.only_visible()
        if args.plot or args.html:
            _pictures(args, grader, result, observations)
    terminal.print_result(result, show_output=args.show_output)
    note = release.own_helpers_note(grader.spec, result)  # release items run with the student's helpers
    if note:
        print(note)
    ok = all(item.status == "passed" for item in result.rubric)
    return ExitCode.GRADED if ok else ExitCode.CHECK_FAILED


def _release(args: argparse.Namespace) -> int:
    """Write a student release (see autograder/release.py); the reference stays here."""
    from autograder import release, spec

    try:
        course_spec = spec.load(args.assignment, args.course)
        made = release.build(course_spec, args.output, force=args.force)
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write the release "
                         f"({exc.strerror or exc}); choose another place") from None
    print(f"release of {course_spec.name} written to {made.folder}: "
          f"{len(made.items)} visible items ({', '.join(made.items)}); {made.withheld} not visible "
          "to students left out; expected facts in expected.json; no reference source")
    if made.template is not None:
        print(f"student template: {made.template.name}")
    else:
        print(f"no student template: {made.template_wanted} does not exist (set template: in the "
              "spec to ship one)")
    if made.course_only:
        print(f"not released: {', '.join(made.course_only)}, judged by the assignment folder's own "
              "checks.py, which recomputes the answers; give them a kind: to let students self-check them")
    if made.own_helpers:
        print("note: in this release " + ", ".join(made.own_helpers) + " run with the student's own "
              "helpers (supply: ships reference source, so it is dropped): a wrong helper can fail "
              "them too in a self-check, never in your grading")
    print(f"students run: autograder check FILE --assignment {made.folder}")
    return ExitCode.GRADED


def _pictures(args: argparse.Namespace, grader, result, observations) -> None:  # type: ignore[no-untyped-def]
    """Draw the visible items' pictures into ``--plot`` and/or ``--html``; hidden items never reach them."""
    from autograder.report import plots, student_html

    visible = {i.id: i.title for i in result.rubric}
    params = {i.id: i.check for i in grader.spec.items if i.id in visible}
    found = plots.sections(observations, grader.expected, visible, params, plots.builders_for(grader.spec))
    if args.plot:
        if plots.save(found, args.plot, title=result.submission):
            print(f"picture saved to {args.plot}")
        else:
            print("no picture: none of the visible items has a curve, a fit or a boundary to draw")
    if args.html:
        student_html.write(result, found, args.html)
        print(f"report saved to {args.html}")


def _demo(args: argparse.Namespace) -> int:
    """Grade every shipped example folder with one shared pool of warm workers."""
    from autograder import batch, course, spec
    from autograder.grade import Grader
    from autograder.report import json_report, terminal
    from autograder.worker import WorkerPool

    try:
        root = course.find_root(args.course)
    except course.CourseError as exc:
        raise spec.SpecError(str(exc)) from None
    examples = root / "examples"
    if not examples.is_dir():
        raise spec.SpecError(f"the course {root} has no examples/ folder to grade")
    started = time.monotonic()
    count = 0
    with WorkerPool(max(1, args.jobs)) as pool:
        for name in course.known_assignments(root):
            folder = examples / name
            if not folder.is_dir():
                continue
            grader = Grader(spec.load(name, root), pool=pool)
            report = batch.run(grader, folder, args.output / folder.name)
            terminal.print_batch_table([json_report.read(p) for p in report.result_files])
            count += report.graded
    print(f"graded {count} example submissions in {time.monotonic() - started:.1f} s; "
          f"results in {args.output}/<assignment>/ (summary.csv, summary.json, one JSON each)")
    return ExitCode.GRADED


def _authoring(args: argparse.Namespace) -> int:
    """``autograder new|assign|validate`` (see autograder/authoring/); an instructor's mistake
    there (a bad sheet, bad markers, an existing file) is one line and exit 2."""
    from autograder.authoring.sheet import AuthoringError

    try:
        return {"new": _new, "assign": _assign, "validate": _validate}[args.command](args)
    except AuthoringError as exc:
        raise UsageError(f"{args.command}: {exc}") from None


def _new(args: argparse.Namespace) -> int:
    from autograder.authoring import scaffold

    made = scaffold.create(args.name, args.course)
    course = f" --course {args.course}" if args.course else ""
    where = f"a new course, {made.root}" if made.new_course else f"the course {made.root}"
    print(f"assignment {args.name} written in {where}:")
    for path in made.files:
        print(f"  {path.relative_to(made.root)}")
    rubric = ("the kit item there is an example; add yours" if made.kit_item
              else "add its rubric items (the comments there show how)")
    print("next:")
    print(f"  1. write the solution in reference/{args.name}.py; put what students write between "
          "### BEGIN SOLUTION and ### END SOLUTION")
    print(f"  2. assignments/{args.name}/assignment.yaml: {rubric}")
    print(f"  3. student_template/{args.name}.sheet.yaml: the markdown and cells students see; then")
    print(f"     autograder assign {args.name}{course}      writes student_template/{args.name}.ipynb")
    print(f"  4. put example submissions in examples/{args.name}/ and declare what each must get in "
          f"examples/{args.name}/outcomes.yaml")
    print(f"  5. autograder validate {args.name}{course}    before you release it")
    return ExitCode.GRADED


def _assign(args: argparse.Namespace) -> int:
    from autograder.authoring import sheet

    tgt = sheet.target(args.assignment, args.course)
    try:
        made = sheet.assign(tgt)
    except OSError as exc:
        raise UsageError(f"cannot write {tgt.template} ({exc.strerror or exc}); check the folder's "
                         "permissions") from None
    state = "wrote" if made.changed else "unchanged (already current):"
    print(f"{state} {tgt.rel(made.template)}: {made.cells} cells, {made.from_reference} of them from "
          f"{tgt.rel(tgt.reference)}, whose {made.stubs} solution regions are stubbed out")
    return ExitCode.GRADED


def _validate(args: argparse.Namespace) -> int:
    from autograder.authoring import selftest

    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give at least 1")
    ascii_only = not _can_print("✓✗·")
    started = time.monotonic()
    report = selftest.validate(args.assignment, args.course, jobs=args.jobs,
                               echo=lambda line: print(line.render(ascii_only), flush=True))
    summary = report.summary() + f", in {time.monotonic() - started:.1f} s"
    print(summary.replace("✗", "FAIL") if ascii_only else summary)
    return ExitCode.GRADED if report.ok else ExitCode.CHECK_FAILED


def _can_print(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _gradescope(args: argparse.Namespace) -> int:
    """``autograder gradescope [run|build|prepare]``: check the arguments, then dispatch."""
    def usage(message: str) -> UsageError:
        return UsageError(f"gradescope {args.action}: {message}")

    if args.name is not None and args.assignment is not None and args.name != args.assignment:
        raise usage("give the assignment once, as NAME or as --assignment")
    args.assignment = args.assignment or args.name
    if args.assignment is None:
        raise usage("which assignment? give its name or folder, e.g. "
                     + ("`autograder gradescope build NAME`" if args.action == "build"
                        else f"`autograder gradescope {args.action} --assignment NAME`"))
    if args.action != "build" and (args.output is not None or args.wheel is not None):
        raise usage("--output and --wheel are options of `autograder gradescope build`")
    if args.action != "run" and args.root is not None:
        raise usage("--root is an option of the run (`autograder gradescope --assignment A --root R`)")
    if args.action == "build":
        return _gradescope_build(args)
    if args.action == "prepare":
        return _gradescope_prepare(args)
    return _gradescope_run(args)


def _gradescope_run(args: argparse.Namespace) -> int:
    """Gradescope layout: ROOT/submission/ in, ROOT/results/results.json out (ROOT: --root,
    else $AUTOGRADER_ROOT, else /autograder).

    The submission's own problems (a broken notebook, hostile code) are graded:
    its items are ``error``, exit 0. Anything that goes wrong in the harness
    itself (a bad spec, a reference that fails, a dead worker, a bug) still
    ends in a valid results.json: 0 points, a visible test telling the student
    to contact the instructor, the details in a hidden test; exit 3 with one
    line on stderr. A missing results.json shows the student a bare error page
    and the instructor nothing.
    """
    from autograder.report import gradescope, json_report

    root = args.root if args.root is not None else Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder")
    results = root / "results" / "results.json"
    try:
        with _grader(args) as grader:
            result = _gradescope_result(grader, root / "submission")
        gradescope.write(result, results)
    except Exception as exc:  # noqa: BLE001 -- the harness failed, never the submission: see the docstring
        return _gradescope_failed(args, exc, results)
    try:  # our own richer JSON beside it, for the instructor; results.json is what counts
        json_report.write(result, results.with_name("autograder.json"))
    except OSError as exc:
        print(f"autograder: warning: could not write {results.with_name('autograder.json')} "
              f"({exc.strerror or exc}); results.json is written", file=sys.stderr)
    print(f"{result.score:g} / {result.max_score:g}")
    return ExitCode.GRADED


def _gradescope_failed(args: argparse.Namespace, exc: BaseException, results: Path) -> int:
    """Write the harness-failure results.json (see :func:`_gradescope_run`) and return exit 3."""
    import traceback

    from autograder.report import gradescope

    summary = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    details = (f"autograder {__version__} failed grading assignment {args.assignment}\n"
               f"{type(exc).__name__}: {exc}\n\n" + "".join(traceback.format_exception(exc)))
    try:
        gradescope.write_failure(details, results)
    except OSError as err:
        print(f"autograder: internal error: the autograder failed ({summary}), and {results} could "
              f"not be written either ({err.strerror or err}); check the results folder",
              file=sys.stderr)
        return ExitCode.INTERNAL
    print(f"autograder: internal error: the autograder failed ({summary}); {results} says so, "
          "with the details in a hidden test", file=sys.stderr)
    return ExitCode.INTERNAL


def _gradescope_prepare(args: argparse.Namespace) -> int:
    """The zip's setup.sh: compute the reference's facts once, into the image's cache
    ($AUTOGRADER_CACHE), so no submission recomputes them; a failing reference is
    reported at upload time rather than at every submission."""
    from autograder import reference, spec
    from autograder.grade import _run_in_throwaway_worker
    from autograder.worker import WorkerError

    loaded = spec.load(args.assignment, args.course)
    try:
        reference.expected_facts(loaded, _run_in_throwaway_worker)
    except (reference.ReferenceError, WorkerError) as exc:
        print(f"autograder: internal error: computing the reference's facts for {loaded.name} "
              f"failed: {exc}. Fix the reference or the spec, then build the zip again",
              file=sys.stderr)
        return ExitCode.INTERNAL
    print(f"reference facts of {loaded.name} cached in {reference.cache_dir()}")
    return ExitCode.GRADED


def _gradescope_build(args: argparse.Namespace) -> int:
    """Write the Gradescope autograder zip (see autograder/bundle.py)."""
    from autograder import bundle

    try:
        made = bundle.build(args.assignment, args.output, course=args.course, wheel=args.wheel)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise UsageError(f"building the zip failed: {exc.strerror or exc}{where}; check that path, "
                         "or choose another --output") from None
    course_files = [f for f in made.files if f.startswith("course/")]
    print(f"wrote {made.output}: the Gradescope autograder of {made.assignment}, {len(made.files)} files")
    print(f"  setup.sh        installs torch=={made.torch} (CPU build, {bundle.TORCH_CPU_INDEX}), "
          f"then wheel/{made.wheel}, then caches the reference's facts")
    print("  run_autograder  grades /autograder/submission/ into /autograder/results/results.json")
    print(f"  course/         {', '.join(f.removeprefix('course/') for f in course_files)}")
    print("upload it as the assignment's autograder (Configure Autograder, zip file upload), on a "
          "base image with Python 3.11 or newer (e.g. Ubuntu 24.04)")
    print("try it here first: unzip it into R/source, put a submission in R/submission/, run "
          "AUTOGRADER_ROOT=R bash R/source/run_autograder, read R/results/results.json")
    return ExitCode.GRADED


def _gradescope_result(grader, folder: Path):  # type: ignore[no-untyped-def]
    """Grade the one notebook or module in the uploaded folder, read here as root.

    A link (to the reference, say) or a special file anywhere in it is
    refused, never followed: every item is an error that says to submit the file itself.
    """
    from autograder.submission import SubmissionError, scan_folder

    if os.path.islink(folder):
        return grader.grade(folder)
    try:
        found, refused = scan_folder(folder) if folder.is_dir() else ([], [])
    except SubmissionError:
        return grader.unreadable(folder.name, "Your submission holds far too many files; "
                                 "upload exactly one notebook or module.")
    if refused:
        return grader.grade(folder)
    if len(found) == 1:
        return grader.grade(found[0])
    what = "no .py or .ipynb file" if not found else f"{len(found)} .py/.ipynb files"
    return grader.unreadable(folder.name, f"Your submission holds {what}; "
                             "upload exactly one notebook or module.")


if __name__ == "__main__":
    sys.exit(main())
