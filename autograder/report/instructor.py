"""The instructor's batch report: one self-contained ``report.html`` an instructor can scan.

Read from the per-submission results files after a batch (streamed, like the
gradebook): the score distribution, each item's pass rate, the most common
failure messages with how many students got each, and the submissions that need
a human first: those where the harness itself failed, then those with errors.
Messages that differ only in their numbers (a loss, a seed count) are grouped,
so "the loss went from 0.81 to 0.79" and "from 0.84 to 0.80" count as one
mistake. Pictures are PNGs embedded as base64: the file can be mailed or
uploaded on its own.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from autograder.report.files import write_atomic
from autograder.results import SubmissionResult
from autograder.spec import AssignmentSpec

TOP_MESSAGES = 5
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
HARNESS_FAILURE = "tell your instructor"


def message_pattern(feedback: str) -> str:
    """The message with its numbers replaced by ``…``: one mistake, whatever the values."""
    return NUMBER.sub("…", feedback)


@dataclass
class _Row:
    """What the report keeps of one submission (not its whole result)."""

    name: str
    score: float
    max_score: float
    errors: list[str]
    harness_failed: bool


@dataclass
class BatchStats:
    """Everything the report shows, gathered in one pass over the results files."""

    assignment: str
    item_ids: list[str]
    titles: dict[str, str]
    points: dict[str, float]
    scores: list[float] = field(default_factory=list)
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    messages: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, str] = field(default_factory=dict)
    attention: list[_Row] = field(default_factory=list)

    def add(self, result: SubmissionResult) -> None:
        self.scores.append(result.score)
        errors = []
        for item in result.rubric:
            self.statuses[item.id][item.status] += 1
            if item.status != "passed":
                pattern = message_pattern(item.feedback)
                self.messages[item.id][pattern] += 1
                self.examples.setdefault(pattern, item.feedback)
            if item.status == "error":
                errors.append(item.id)
        harness = any(HARNESS_FAILURE in i.feedback for i in result.rubric if i.status == "error")
        if errors:
            self.attention.append(_Row(result.submission, result.score, result.max_score, errors, harness))


def gather(spec: AssignmentSpec, results: Iterable[SubmissionResult]) -> BatchStats:
    stats = BatchStats(spec.name, [i.id for i in spec.items], {i.id: i.title for i in spec.items},
                       {i.id: i.points for i in spec.items})
    for result in results:
        stats.add(result)
    return stats


def _histogram_png(scores: list[float], max_score: float) -> str:
    """The score distribution as a base64 PNG (matplotlib, headless)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6.4, 2.8), dpi=100)
    bins = max(1, min(20, int(max_score * 2) or 1))
    ax.hist(scores, bins=bins, range=(0, max_score or 1), color="#4c72b0", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"Score distribution ({len(scores)} submissions)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def render(stats: BatchStats) -> str:
    """The whole report as one HTML string."""
    max_total = sum(stats.points.values())
    n = len(stats.scores)
    mean = sum(stats.scores) / n if n else 0.0
    parts = [f"<h1>{_esc(stats.assignment)}: batch report</h1>",
             f"<p>{n} submissions; mean score {mean:.2f} of {max_total:g}; "
             f"{len(stats.attention)} with errors.</p>"]
    if n:
        parts.append(f'<img alt="score distribution" src="data:image/png;base64,'
                     f'{_histogram_png(stats.scores, max_total)}">')
    parts.append(_attention_table(stats))
    parts.append(_items_table(stats, n))
    parts.append(_messages_section(stats))
    return PAGE.format(title=_esc(f"{stats.assignment}: batch report"), body="\n".join(parts))


def _attention_table(stats: BatchStats) -> str:
    if not stats.attention:
        return "<h2>Submissions with errors</h2><p>None.</p>"
    rows = sorted(stats.attention, key=lambda r: (not r.harness_failed, r.name))
    body = "".join(
        f"<tr class=\"{'harness' if r.harness_failed else ''}\"><td>{_esc(r.name)}</td>"
        f"<td>{'harness failed: look first' if r.harness_failed else 'the code raised or timed out'}</td>"
        f"<td>{_esc(', '.join(r.errors))}</td><td>{r.score:g}/{r.max_score:g}</td></tr>"
        for r in rows)
    return ("<h2>Submissions with errors</h2><table><tr><th>submission</th><th>kind</th>"
            f"<th>items with errors</th><th>score</th></tr>{body}</table>")


def _items_table(stats: BatchStats, n: int) -> str:
    rows = []
    for item_id in stats.item_ids:
        counts = stats.statuses[item_id]
        seen = sum(counts.values()) or 1
        rate = counts["passed"] / seen
        rows.append(
            f"<tr><td><b>{_esc(item_id)}</b><br><small>{_esc(stats.titles[item_id])}</small></td>"
            f"<td>{stats.points[item_id]:g}</td>"
            f'<td><div class="bar"><div style="width:{rate * 100:.0f}%"></div></div>{rate:.0%}</td>'
            + "".join(f"<td>{counts[s]}</td>" for s in ("passed", "partial", "failed", "error"))
            + "</tr>")
    return ("<h2>Items</h2><table><tr><th>item</th><th>points</th><th>pass rate</th><th>passed</th>"
            f"<th>partial</th><th>failed</th><th>error</th></tr>{''.join(rows)}</table>")


def _messages_section(stats: BatchStats) -> str:
    parts = ["<h2>Most common failure messages</h2>"]
    for item_id in stats.item_ids:
        common = stats.messages[item_id].most_common(TOP_MESSAGES)
        if not common:
            continue
        rows = "".join(f"<tr><td>{count}</td><td>{_esc(stats.examples[pattern])}</td></tr>"
                       for pattern, count in common)
        parts.append(f"<h3>{_esc(item_id)}</h3><table><tr><th>students</th><th>message "
                     f"(one example; numbers vary)</th></tr>{rows}</table>")
    return "\n".join(parts)


def write(spec: AssignmentSpec, result_files: list[Path], outdir: Path) -> Path:
    """Write ``outdir/report.html`` from the batch's results files; returns its path."""
    def stream() -> Iterable[SubmissionResult]:
        for path in result_files:
            if path.is_file():
                yield SubmissionResult.from_json(json.loads(path.read_text(encoding="utf-8")))

    target = outdir / "report.html"
    write_atomic(target, render(gather(spec, stream())))
    return target


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }}
table {{ border-collapse: collapse; margin: .5em 0 1.5em; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
tr.harness td {{ background: #fde8e8; }}
.bar {{ display: inline-block; width: 8em; height: .8em; background: #eee; margin-right: .5em; }}
.bar div {{ height: 100%; background: #55a868; }}
small {{ color: #666; }}
</style></head><body>
{body}
</body></html>
"""
