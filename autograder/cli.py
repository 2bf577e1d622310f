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

    check = sub.add_parser("check", parents=[course], help="self-check a submission: visible items, readable output",
                           description="Run the visible rubric items on your file and explain "
                           "each result. Exit code 0 when all pass, 1 otherwise.")
    check.add_argument("path", type=Path, metavar="FILE")
    check.add_argument("--assignment", "-a", required=True, help="assignment name or folder")
    check.add_argument("--show-output", action="store_true", help="also show what your code printed")
    check.add_argument("--plot", type=Path, metavar="PNG",
                       help="save a picture of your results (e.g. the XOR decision boundary)")
    check.add_argument("--html", type=Path, metavar="REPORT.html",
                       help="save your results and their pictures as one self-contained web page")

    demo = sub.add_parser("demo", parents=[course], help="grade the shipped example submissions of every assignment",
                          description="Grade examples/<assignment>/ for every assignment and print "
                          "one summary table each.")
    demo.add_argument("--output", "-o", type=Path, default=Path("demo-results"),
                      help="where to write results (default: ./demo-results)")
    demo.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)

    gs = sub.add_parser("gradescope", parents=[course], help="run as Gradescope's run_autograder",
                        description="Grade /autograder/submission and write "
                        "/autograder/results/results.json (Gradescope's layout).")
    gs.add_argument("--assignment", "-a", required=True)
    gs.add_argument("--root", type=Path, default=Path("/autograder"),
                    help="the autograder root (default /autograder)")
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
        return _gradescope(args)
    except (SpecError, SubmissionError) as exc:
        print(f"autograder: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except (ReferenceError, WorkerError) as exc:
        print(f"autograder: internal error: {exc}", file=sys.stderr)
        return ExitCode.INTERNAL


def _grader(args: argparse.Namespace, jobs: int = 1, visible_only: bool = False):  # type: ignore[no-untyped-def]
    from autograder import spec
    from autograder.grade import Grader

    return Grader(spec.load(args.assignment, args.course), jobs=max(1, jobs), visible_only=visible_only)


def _grade(args: argparse.Namespace) -> int:
    from autograder.report import gradescope, json_report

    if not os.path.lexists(args.path):  # a link is graded (and refused), not reported as missing
        print(f"autograder: error: {args.path}: no such file or folder", file=sys.stderr)
        return ExitCode.USAGE
    if args.path.is_dir():  # the instructor's batch folder (it may be a link the instructor made)
        return _grade_batch(args)
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
            report = batch.run(grader, args.path, args.output, args.resume, on_done, writers)
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

        return batch.run(grader, args.path, args.output, args.resume, on_done, writers)


def _check(args: argparse.Namespace) -> int:
    from autograder.report import terminal

    if not os.path.lexists(args.path) or args.path.is_dir():
        print(f"autograder: error: {args.path}: no such file", file=sys.stderr)
        return ExitCode.USAGE
    with _grader(args, visible_only=True) as grader:
        full, observations = grader.grade_with_observations(args.path)
        result = full.only_visible()
        if args.plot or args.html:
            _pictures(args, grader, result, observations)
    terminal.print_result(result, show_output=args.show_output)
    ok = all(item.status == "passed" for item in result.rubric)
    return ExitCode.GRADED if ok else ExitCode.CHECK_FAILED


def _pictures(args: argparse.Namespace, grader, result, observations) -> None:  # type: ignore[no-untyped-def]
    """Draw the visible items' pictures into ``--plot`` and/or ``--html``; hidden items never reach them."""
    from autograder.report import plots, student_html

    visible = {i.id: i.title for i in result.rubric}
    params = {i.id: i.check for i in grader.spec.items if i.id in visible}
    found = plots.sections(observations, grader.expected, visible, params)
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


def _gradescope(args: argparse.Namespace) -> int:
    """Gradescope layout: /autograder/submission/ in, /autograder/results/results.json out."""
    from autograder.report import gradescope, json_report

    results_dir = args.root / "results"
    with _grader(args) as grader:
        result = _gradescope_result(grader, args.root / "submission")
    gradescope.write(result, results_dir / "results.json")
    json_report.write(result, results_dir / "autograder.json")
    print(f"{result.score:g} / {result.max_score:g}")
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
