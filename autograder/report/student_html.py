"""A student's self-check as one HTML page: each visible item's result, then its pictures.

One self-contained file (inline CSS, images as base64 PNG, no script, no
external resource), so it opens offline and can be mailed to a tutor. Every
piece of text, the feedback included (it may quote the submission's error
messages), is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from autograder.report.plots import Section, section_png
from autograder.results import SubmissionResult

STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 1.5em auto; color: #222; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: .4em; text-align: left; vertical-align: top; }
.passed { color: #1a7f37; font-weight: bold; } .partial { color: #9a6700; font-weight: bold; }
.failed, .error { color: #cf222e; font-weight: bold; }
.note { color: #555; font-style: italic; margin: .2em 0; }
img { max-width: 100%; border: 1px solid #eee; }
"""


def _item_rows(result: SubmissionResult) -> str:
    rows = []
    for item in result.rubric:
        rows.append(
            f"<tr><td>{html.escape(item.title)}<br><small>{html.escape(item.id)}</small></td>"
            f"<td class='{html.escape(item.status)}'>{html.escape(item.status)}</td>"
            f"<td>{item.score:g} / {item.max_score:g}</td><td>{html.escape(item.feedback)}</td></tr>")
    return "\n".join(rows)


def _section_html(section: Section) -> str:
    parts = [f"<h3>{html.escape(section.heading)} <small>({html.escape(section.item)})</small></h3>"]
    parts += [f"<p class='note'>{html.escape(note)}</p>" for note in section.notes]
    png = section_png(section)
    if png is not None:
        encoded = base64.b64encode(png).decode("ascii")
        alt = html.escape(f"pictures for {section.item}", quote=True)
        parts.append(f"<img alt='{alt}' src='data:image/png;base64,{encoded}'>")
    return "\n".join(parts)


def render(result: SubmissionResult, found: list[Section]) -> str:
    """The page as a string."""
    score = sum(i.score for i in result.rubric)
    total = sum(i.max_score for i in result.rubric)
    if found:
        pictures = "\n".join(_section_html(s) for s in found)
    else:
        pictures = ("<p class='note'>No pictures for the visible items of this assignment: "
                    "the feedback above explains each result.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Self-check: {html.escape(result.submission)}</title><style>{STYLE}</style></head>
<body>
<h1>Self-check of {html.escape(result.submission)}</h1>
<p>Assignment <b>{html.escape(result.assignment)}</b>: {score:g} / {total:g} points on the visible items.</p>
<table><tr><th>item</th><th>status</th><th>points</th><th>feedback</th></tr>
{_item_rows(result)}
</table>
<h2>Pictures</h2>
{pictures}
</body></html>
"""


def write(result: SubmissionResult, found: list[Section], path: Path) -> None:
    """Write the page to ``path`` (folders created as needed)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(render(result, found), encoding="utf-8")
