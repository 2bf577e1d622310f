"""The grader's own code cannot be replaced by a submission (attack: a forged ``observe``).

Each attack file in ``attacks/sandbox_*engine*.py`` implements nothing under
the contract's names and keeps a correct XOR under other names; at import it
tries to make the grader observe that hidden solution instead (by importing
the engine, by patching it in place through the garbage collector and the
call stack, or later, from fork handlers, an audit hook, a trace function and
a thread). Had any route worked, every record would be a genuine observation
of a correct solution: 10/10 whatever the checks. Each is graded through the
real sandbox next to its control (the same file without the hostile part).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.integrity.controls import control_of

ATTACKS = Path(__file__).resolve().parent / "attacks"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the sandbox tests need the full sandbox (root: namespaces, uid drop)")


def graded(grader: Any, attack: Path, tmp_path: Path) -> tuple[Any, Any, dict[str, Any]]:
    """The attack's result, its control's, and whether each of the attack's observation records
    equals the control's (timing aside): a forged observer would have answered differently."""
    copy = tmp_path / attack.name
    copy.write_text(attack.read_text(encoding="utf-8"), encoding="utf-8")
    result, observations = grader.grade_with_observations(copy)
    control, control_observations = grader.grade_with_observations(control_of(attack, tmp_path))
    same = {item: _untimed(record) == _untimed(control_observations.get(item))
            for item, record in observations.items()}
    return result, control, same


def _untimed(record: Any) -> Any:
    return {k: v for k, v in record.items() if k != "seconds"} if isinstance(record, dict) else record


def explain(result: Any) -> str:
    lines = [f"{i.id}: {i.status} {i.score}/{i.max_score} {i.feedback[:200]}" for i in result.rubric]
    return "\n".join(lines + [f"notes: {result.notes}", f"output: {result.output[-1500:]}"])


def assert_earns_what_control_earns(result: Any, control: Any) -> None:
    assert [(i.id, i.status, i.score) for i in result.rubric] == \
        [(i.id, i.status, i.score) for i in control.rubric], explain(result)
    assert result.score == control.score == 0, explain(result)


def test_importing_the_engine_is_refused(graders: Any, tmp_path: Path) -> None:
    result, control, _ = graded(graders["xor"], ATTACKS / "sandbox_imports_engine.py", tmp_path)
    assert "engine import: refused" in result.output, explain(result)
    assert "the grader's own package is not available to submissions" in result.output
    assert "FORGED-OBSERVE-RAN" not in result.output
    assert_earns_what_control_earns(result, control)


@pytest.mark.parametrize("assignment", ["xor", "linear_regression"])  # kinds only; kinds and probes.py
def test_patching_the_engine_in_place_is_undone(graders: Any, tmp_path: Path, assignment: str) -> None:
    result, control, observations = graded(
        graders[assignment], ATTACKS / "sandbox_patches_engine_in_place.py", tmp_path)
    tampered = next((line for line in result.output.splitlines() if line.startswith("tampered:")), "")
    observers = [f"KIND_OBSERVERS[{i.kind}]" if i.kind is not None else f"probes[{i.id}]"
                 for i in graders[assignment].spec.items]  # the observer each item runs, kind or probe
    for route in ("autograder.sandbox.observe", "observation.observe.__code__", *observers,
                  "SubmissionNamespace.get", "sys.modules", "facts.__class__"):
        assert route in tampered, f"the attack did not get to try {route}: {result.output[-800:]}"
    assert "FORGED-OBSERVE-RAN" not in result.output, explain(result)
    assert observations and all(observations.values()), observations  # as the control's, item by item
    assert_earns_what_control_earns(result, control)


def test_patching_after_the_restore_does_not_reach_the_items(graders: Any, tmp_path: Path) -> None:
    result, control, observations = graded(
        graders["xor"], ATTACKS / "sandbox_patches_engine_later.py", tmp_path)
    assert "PATCHER-RAN" in result.output, f"the patching thread never ran: {result.output[-800:]}"
    assert "AT-FORK-RAN" not in result.output, explain(result)
    assert "FORGED-OBSERVE-RAN" not in result.output, explain(result)
    assert observations and all(observations.values()), observations  # as the control's, item by item
    assert_earns_what_control_earns(result, control)


def test_the_engine_stays_whole_for_the_next_submission(graders: Any, tmp_path: Path) -> None:
    """After all of the above, the same warm workers grade a correct file exactly as before."""
    correct = Path(__file__).resolve().parents[2] / "examples" / "xor" / "correct.py"
    before = graders["xor"].grade(correct)
    for attack in sorted(ATTACKS.glob("sandbox_*engine*.py")):
        graded(graders["xor"], attack, tmp_path)
    after = graders["xor"].grade(correct)
    assert [(i.id, i.status, i.score) for i in after.rubric] == \
        [(i.id, i.status, i.score) for i in before.rubric], explain(after)
