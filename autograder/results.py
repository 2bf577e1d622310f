"""Result objects: what grading produced, with no rendering code.

Reporters (``autograder.report``) read these; nothing else writes them. The
status vocabulary is closed and the status of an outcome is *derived* from its
credit and whether it errored, so the two can never disagree.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "partial", "failed", "error"]
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
STATUSES: tuple[Status, ...] = ("passed", "partial", "failed", "error")
VISIBILITIES: tuple[Visibility, ...] = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Outcome:
    """What a check concluded about one rubric item.

    ``fraction`` is the share of the item's points earned (0..1). ``feedback`` is
    student-safe text; ``diagnostics`` is for instructors only and never reaches
    student-facing output.
    """

    fraction: float
    feedback: str
    errored: bool = False
    diagnostics: str = ""

    def __post_init__(self) -> None:
        if not (0.0 <= self.fraction <= 1.0) or math.isnan(self.fraction):
            raise ValueError(f"fraction must lie in [0, 1], got {self.fraction!r}")
        if self.errored and self.fraction != 0.0:
            raise ValueError("an errored outcome earns no credit")

    @property
    def status(self) -> Status:
        if self.errored:
            return "error"
        if self.fraction >= 1.0:
            return "passed"
        if self.fraction <= 0.0:
            return "failed"
        return "partial"

    @classmethod
    def passed(cls, feedback: str, diagnostics: str = "") -> Outcome:
        return cls(1.0, feedback, diagnostics=diagnostics)

    @classmethod
    def failed(cls, feedback: str, diagnostics: str = "") -> Outcome:
        return cls(0.0, feedback, diagnostics=diagnostics)

    @classmethod
    def partial(cls, fraction: float, feedback: str, diagnostics: str = "") -> Outcome:
        return cls(max(0.0, min(1.0, fraction)), feedback, diagnostics=diagnostics)

    @classmethod
    def error(cls, feedback: str, diagnostics: str = "") -> Outcome:
        return cls(0.0, feedback, errored=True, diagnostics=diagnostics)

    @classmethod
    def from_checks(cls, parts: list[tuple[bool, str]], ok_message: str) -> Outcome:
        """Combine independent sub-checks: credit by how many pass, feedback lists failures.

        Used where an item has several separable requirements, so one slip does
        not cost the whole item. An empty checklist verified nothing, so it
        earns nothing: a record that answered no question must not pass.
        """
        if not parts:
            return cls.failed("The grader had nothing to verify for this item: your code "
                              "answered none of its questions.")
        failures = [msg for ok, msg in parts if not ok]
        if not failures:
            return cls.passed(ok_message)
        fraction = (len(parts) - len(failures)) / len(parts)
        return cls.partial(fraction, " ".join(failures))


@dataclass(frozen=True)
class ItemResult:
    """One rubric item's score, as written to the results JSON."""

    id: str
    title: str
    score: float
    max_score: float
    status: Status
    feedback: str
    visibility: Visibility
    diagnostics: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemResult:
        return cls(**data)


@dataclass(frozen=True)
class SubmissionResult:
    """A whole submission's results: the contract's JSON plus our extensions.

    Extensions: ``harness_version``, ``cache_key`` (for resumable batches),
    ``isolation`` (which sandbox layers were active), ``notes`` (warnings about
    the run, student-safe), ``output`` (head and tail of what the code printed),
    ``seconds`` (timing; masked when comparing runs).
    """

    assignment: str
    submission: str
    rubric: tuple[ItemResult, ...]
    harness_version: str = ""
    cache_key: str = ""
    isolation: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    output: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(item.score for item in self.rubric), 6)

    @property
    def max_score(self) -> float:
        return round(sum(item.max_score for item in self.rubric), 6)

    def to_json(self) -> dict[str, Any]:
        return {
            "assignment": self.assignment,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "rubric": [item.to_json() for item in self.rubric],
            "harness_version": self.harness_version,
            "cache_key": self.cache_key,
            "isolation": self.isolation,
            "notes": list(self.notes),
            "output": self.output,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        return cls(
            assignment=data["assignment"],
            submission=data["submission"],
            rubric=tuple(ItemResult.from_json(item) for item in data["rubric"]),
            harness_version=data.get("harness_version", ""),
            cache_key=data.get("cache_key", ""),
            isolation=dict(data.get("isolation", {})),
            notes=tuple(data.get("notes", ())),
            output=data.get("output", ""),
            seconds=data.get("seconds", 0.0),
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    def only_visible(self) -> SubmissionResult:
        """The view a student may see before the due date."""
        return dataclasses.replace(
            self, rubric=tuple(i for i in self.rubric if i.visibility == "visible")
        )
