"""Stage 4: score observations against the reference's, outside the sandbox.

Turns each item's observation into an :class:`Outcome` with the registered
check its assignment folder's ``checks.py`` marks (or, for an item with a
``kind``, that kind's judge, see ``autograder.kit``),
then into an :class:`ItemResult` with points. Framework-level cases
(missing name, exception, timeout, crash, a check that itself fails) are
handled here once, so each check only deals with observations that ran.
"""

from __future__ import annotations

from typing import Any

from autograder import course_code, kit
from autograder.judge import Budget, judge
from autograder.results import ItemResult, Outcome
from autograder.spec import AssignmentSpec, RubricItem


def outcome_for(item: RubricItem, observed: dict[str, Any] | None, expected: dict[str, Any],
                budget: Budget = Budget()) -> Outcome:
    """Judge one item; any failure of the machinery becomes an ``error`` outcome.

    The check runs under ``budget`` (see ``autograder.judge``): its input is a
    claim from the submission's process, and must not be able to stall or
    exhaust the grader.
    """
    kit.load_all()
    if observed is None:
        return Outcome.error("This item was not run: grading stopped before it (see the notes above).")
    status = observed.get("status")
    if status == "missing":
        tried = observed.get("tried") or [observed.get("name")]
        also = f" (also looked for: {', '.join(tried[1:])})" if len(tried) > 1 else ""
        return Outcome.failed(
            f"`{observed.get('name')}` is not defined{also}. Define it with exactly this "
            "name at the top level of your file or notebook, then run the check again."
        )
    if status == "raised":
        return Outcome.error(f"Your code raised {observed.get('error')}. Fix it and run the check again.")
    if status == "timeout":
        return Outcome.error(
            f"Stopped after {observed.get('seconds', '?')} s without finishing: is there an "
            "endless loop, or far more training than the exercise asks for?"
        )
    if status == "crashed":
        return Outcome.error(f"The grading process for this item died: {observed.get('detail')}.")
    if status != "ok":
        return Outcome.error("The grader received no usable observation for this item.")
    if expected.get("status") != "ok":
        return Outcome.error(
            "The grader could not compute the expected result for this item; tell your instructor.",
            diagnostics=f"reference observation: {expected!r}"[:2000],
        )
    facts = observed.get("facts")
    if not isinstance(facts, dict):
        return Outcome.error("The grader received no usable observation for this item.")
    check = kit.KINDS[item.kind].judge if item.kind is not None else local_check(item)
    return judge(lambda: check(facts, expected["facts"], item.check), budget)


def local_check(item: RubricItem) -> Any:
    """The check its assignment folder's ``checks.py`` marks for ``item`` (the spec made sure
    there is one when it loaded)."""
    return course_code.local_checks(item.folder).checks[item.id]


def score(
    spec: AssignmentSpec,
    observations: dict[str, dict[str, Any]],
    expected: dict[str, dict[str, Any]],
    item_ids: list[str] | None = None,
) -> tuple[ItemResult, ...]:
    """Score every item (or ``item_ids``), in rubric order."""
    results = []
    for item in spec.items:
        if item_ids is not None and item.id not in item_ids:
            continue
        observed = observations.get(item.id)
        outcome = outcome_for(item, observed, expected.get(item.id, {}))
        seconds = float(observed.get("seconds", 0.0)) if observed else 0.0
        results.append(
            ItemResult(
                id=item.id,
                title=item.title,
                score=round(item.points * outcome.fraction, 6),
                max_score=item.points,
                status=outcome.status,
                feedback=outcome.feedback,
                visibility=item.visibility,
                diagnostics=outcome.diagnostics,
                seconds=round(seconds, 3),
            )
        )
    return tuple(results)
