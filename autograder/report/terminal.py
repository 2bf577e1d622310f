"""Readable terminal output: the student's self-check table and the batch summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from autograder.results import SubmissionResult

STYLE = {"passed": "green", "partial": "yellow", "failed": "red", "error": "magenta"}
MARK = {"passed": "PASS", "partial": "PART", "failed": "FAIL", "error": "ERROR"}


def print_result(result: SubmissionResult, console: Console | None = None, show_output: bool = False) -> None:
    """One block per item: status, score, title, then the feedback; notes underneath.

    A list rather than a table, so feedback stays readable in a narrow terminal.
    Not on a terminal (a CI log, a pipe), lines are not broken at 80 columns:
    the log viewer wraps them to its own width.
    """
    if console is None:
        console = Console()
        console.soft_wrap = not console.is_terminal
    console.print(f"[bold]{result.assignment}[/bold]: {result.submission}", highlight=False)
    for item in result.rubric:
        style = STYLE[item.status]
        console.print(f"[{style}]{MARK[item.status]:5}[/{style}] {item.score:g}/{item.max_score:g}  "
                      f"[bold]{item.id}[/bold] — {item.title}", highlight=False)
        console.print(f"      {item.feedback}", markup=False, highlight=False)
    console.print(f"[bold]Score: {result.score:g} / {result.max_score:g}[/bold]")
    for note in result.notes:
        if not note.startswith("internal:"):
            console.print(f"note: {note}", markup=False, highlight=False)
    if show_output and result.output.strip():
        console.print("--- output of your code (head and tail) ---", markup=False)
        console.print(result.output, markup=False, highlight=False)


def print_batch_table(rows: list[SubmissionResult], console: Console | None = None) -> None:
    """A compact one-line-per-submission table (the demo's summary).

    On a terminal, a rich table as wide as the terminal; otherwise (a pipe, a
    CI log) plain tab-separated lines, never cut to an assumed 80 columns.
    """
    console = console or Console()
    if not rows:
        return
    ids = [item.id for item in rows[0].rubric]
    if not console.is_terminal:
        _print_tsv(rows, ids, console)
        return
    table = Table(title=f"{rows[0].assignment}", expand=False)
    table.add_column("submission")
    for item_id in ids:
        table.add_column(item_id.split(".", 1)[1], justify="center")
    table.add_column("total", justify="right")
    for result in rows:
        by_id = {item.id: item for item in result.rubric}
        cells = []
        for item_id in ids:
            item = by_id.get(item_id)
            cells.append(f"[{STYLE[item.status]}]{item.score:g}[/]" if item else "-")
        table.add_row(result.submission, *cells, f"{result.score:g}/{result.max_score:g}")
    console.print(table)


def _print_tsv(rows: list[SubmissionResult], ids: list[str], console: Console) -> None:
    lines = ["\t".join(["submission", *ids, "total"])]
    for result in rows:
        by_id = {item.id: item for item in result.rubric}
        cells = [f"{by_id[i].score:g}" if i in by_id else "-" for i in ids]
        lines.append("\t".join([result.submission, *cells, f"{result.score:g}/{result.max_score:g}"]))
    console.file.write(f"# {rows[0].assignment}\n" + "\n".join(lines) + "\n")
