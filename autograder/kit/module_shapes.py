"""Kind ``module_shapes``: a class builds the reference's parameter shapes for every argument list.

Settings::

    observe: {class: Classifier, calls: [[0.01, {call: torch.nn.CrossEntropyLoss}, 2883, 2], ...]}
    check: {}

Several argument lists, so that the shapes must follow the arguments: a record
that copies the shapes printed in an exercise sheet does not answer a call the
sheet does not list. The shapes are compared in registration order, or as the
same set in another order (the order attributes are assigned in ``__init__`` is
the student's choice).

Two optional check settings::

    check: {partial: true, contains: [Sequential]}

``partial: true``: when the first call (the exercise's own) is right, each
call earns an equal share, so a class that hard-codes its sizes keeps the
first call's share; a wrong first call still fails the item. Without it, every
call must be right. ``contains``: the class names of modules each instance
must hold (e.g. ``Sequential`` for an exercise that asks for one); a call
whose instance lacks one is not right.
"""

from __future__ import annotations

from typing import Any

from autograder.checks.claims import Malformed, answers
from autograder.checks.common import fmt_shapes
from autograder.kit import kind
from autograder.kit.judging import ReferenceProblem, both, judged, raised, shown_name
from autograder.kit.records import ModuleShapesFacts, ModuleTypes, ShapesAnswer, read
from autograder.kit.settings import ref, settings
from autograder.results import Outcome

OBSERVE = settings({"class": ref("name"), "calls": {"type": "array", "minItems": 1, "items": ref("args")},
                    "kwargs": ref("kwargs"), "seed": ref("seed")}, ["class", "calls"])
CHECK = settings({"partial": {"type": "boolean"},
                  "contains": {"type": "array", "minItems": 1, "uniqueItems": True, "items": ref("name")}}, [])


@kind("module_shapes", observe=OBSERVE, check=CHECK)
@judged
def judge_module_shapes(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """Every call has the reference's parameter shapes; feedback names the first that differs."""
    got, reference = both(ModuleShapesFacts, observed, expected)
    asked = reference.answers
    given = answers(got.answers, len(asked), "answers to the constructor calls")
    for answer, want in zip(given, asked, strict=True):
        if answer.error is not None:
            return raised(answer.error, want.call)
    verdicts = [verdict(answer, want) for answer, want in zip(given, asked, strict=True)]
    if params.get("contains"):
        verdicts = [v or missing_module(want.call, held, params["contains"])
                    for v, want, held in zip(verdicts, asked, module_types(observed, len(asked)), strict=True)]
    if all(v is None for v in verdicts):
        calls = ", ".join(want.call for want in asked)
        return Outcome.passed(f"{calls}: the registered parameters have the expected shapes "
                              f"({fmt_shapes(asked[0].shapes)} for the first).")
    if verdicts[0] is not None or len(asked) == 1:
        return Outcome.failed(next(v for v in verdicts if v is not None))
    first = next(v for v in verdicts if v is not None)
    if params.get("partial"):
        wrong = [v for v in verdicts if v is not None]
        return Outcome.partial((len(verdicts) - len(wrong)) / len(verdicts),
                               f"{asked[0].call} is right, but {' '.join(wrong)} Build the layers from the "
                               "constructor's arguments, not from fixed sizes.")
    return Outcome.failed(f"{asked[0].call} is right, but {first} Build the layers from the constructor's "
                          "arguments, not from fixed sizes.")


def verdict(answer: ShapesAnswer, want: ShapesAnswer) -> str | None:
    """None when one call's shapes match the reference's; otherwise what is wrong and what to do."""
    if want.error is not None or not want.is_module:
        raise ReferenceProblem(f"the reference's {want.call}: {want.error or 'not an nn.Module'}")
    call = want.call
    if not answer.is_module:
        return (f"{call} is not a torch.nn.Module: declare the class as a subclass of nn.Module and "
                "call super().__init__() first in __init__.")
    if len(answer.names) != len(answer.shapes):
        raise Malformed("the parameter names and shapes differ in number")
    shapes, expected = [list(s) for s in answer.shapes], [list(s) for s in want.shapes]
    if shapes == expected or sorted(shapes) == sorted(expected):
        return None
    if len(shapes) != len(expected):
        hint = "is a layer missing?" if len(shapes) < len(expected) else "is there an extra layer?"
        return (f"{call} registers {len(shapes)} parameter tensors {fmt_shapes(shapes)}, expected "
                f"{len(expected)}: {fmt_shapes(expected)}; {hint}")
    k = next(i for i, (a, b) in enumerate(zip(shapes, expected, strict=True)) if a != b)
    return (f"{call}: {shown_name(answer.names[k], k + 1)} has shape {fmt_shapes([shapes[k]])}, expected "
            f"{fmt_shapes([expected[k]])} (all shapes: {fmt_shapes(shapes)}; expected: {fmt_shapes(expected)}). "
            "nn.Linear(in, out) stores its weight as (out, in): check the sizes passed to each layer.")


def module_types(observed: dict[str, Any], calls: int) -> list[list[str]]:
    """Per call, the class names of the modules the instance holds (the record's ``modules``)."""
    return answers(read(ModuleTypes, observed, "the record").modules, calls, "module lists (one per call)")


def missing_module(call: str, held: list[str], wanted: list[str]) -> str | None:
    """None when the instance holds a module of every wanted class; otherwise which it lacks."""
    lacking = [name for name in wanted if name not in held]
    if not lacking:
        return None
    names = " and ".join(f"nn.{name}" for name in lacking)
    return (f"{call} holds no {names}: the exercise asks for the layers inside "
            f"{'one' if len(lacking) == 1 else 'each'} {names}(...) registered on the model.")
