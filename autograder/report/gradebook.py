"""The batch gradebook: ``summary.csv`` for an LMS and ``summary.json`` for the instructor.

Both are built by streaming the per-submission JSON files, one at a time, so a
batch of thousands never sits in memory. Column order is the rubric order of
the spec, fixed and stable across runs.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

from autograder.report.files import write_atomic
from autograder.results import STATUSES, SubmissionResult
from autograder.spec import AssignmentSpec

TOP_MESSAGES = 5


def student_id(result_path: Path) -> str:
    return result_path.stem


def write_csv(spec: AssignmentSpec, results: Iterable[tuple[str, SubmissionResult]], path: Path) -> None:
    ids = [item.id for item in spec.items]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "submission", *ids, "total", "max_total", "errors"])
    for sid, result in results:
        scores = {item.id: item.score for item in result.rubric}
        errors = sum(1 for item in result.rubric if item.status == "error")
        writer.writerow([sid, result.submission, *(_num(scores.get(i, "")) for i in ids),
                         _num(result.score), _num(result.max_score), errors])
    write_atomic(path, buffer.getvalue())


def _num(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else value


def statistics(spec: AssignmentSpec, results: Iterable[tuple[str, SubmissionResult]]) -> dict[str, Any]:
    """Per-item mean, pass rate, status counts and the most common failure messages."""
    count = 0
    totals: list[float] = []
    sums: dict[str, float] = defaultdict(float)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    messages: dict[str, Counter[str]] = defaultdict(Counter)
    for _, result in results:
        count += 1
        totals.append(result.score)
        for item in result.rubric:
            sums[item.id] += item.score
            statuses[item.id][item.status] += 1
            if item.status != "passed":
                messages[item.id][item.feedback] += 1
    items = []
    for rubric_item in spec.items:
        seen = sum(statuses[rubric_item.id].values())
        items.append({
            "id": rubric_item.id,
            "title": rubric_item.title,
            "max_score": rubric_item.points,
            "mean_score": round(sums[rubric_item.id] / seen, 4) if seen else None,
            "pass_rate": round(statuses[rubric_item.id]["passed"] / seen, 4) if seen else None,
            "statuses": {s: statuses[rubric_item.id][s] for s in STATUSES},
            "common_failures": [{"feedback": msg, "count": n}
                                for msg, n in messages[rubric_item.id].most_common(TOP_MESSAGES)],
        })
    return {
        "assignment": spec.name,
        "submissions": count,
        "mean_score": round(sum(totals) / count, 4) if count else None,
        "max_score": sum(i.points for i in spec.items),
        "items": items,
    }


def write_summary(spec: AssignmentSpec, result_files: list[Path], outdir: Path) -> None:
    def stream() -> Iterable[tuple[str, SubmissionResult]]:
        for path in result_files:
            data = json.loads(path.read_text(encoding="utf-8"))
            yield student_id(path), SubmissionResult.from_json(data)

    write_csv(spec, stream(), outdir / "summary.csv")
    write_atomic(outdir / "summary.json", json.dumps(statistics(spec, stream()), indent=2) + "\n")
