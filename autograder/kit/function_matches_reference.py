"""Kind ``function_matches_reference``: a function returns the reference's values on the grader's inputs.

Settings::

    observe: {function: mse, seed: 0,
              cases: [{inputs: {t1: {normal: [15, 2], as: torch, requires_grad: true},
                                t2: {normal: [15, 2], as: torch}},
                       part: torch tensors,          # optional: credit is shared between parts
                       label: "on two (15, 2) tensors"},   # optional: how feedback names the call
                      ...],
              variants: [{name: no_bias, replace: {b: zeros}}]}   # optional (see below)
    # or, for a method: class: Name, args: [...], kwargs: {...}, method: forward (instead of function)
    check: {rtol: 1.0e-4, atol: 1.0e-6, shape: exact, describe: "the mean of (t1 - t2)**2",
            hint: "Divide by the number of elements.",   # optional: advice after a wrong value
            gradients: {rtol: 1.0e-4, atol: 1.0e-6},   # optional: gradients must flow, and be right
            same_type: true,                          # optional: the reference's return type
            atol_scaled: true,                        # optional: atol times max(1, largest |value|)
            mistakes: [{scale: 1, times: [{input: t1}], says: "..."}, ...],   # optional
            errors: [{match: "mat1 and mat2", part: "...", says: "..."}]}   # optional

**Inputs.** Each case calls the function once, positionally, with its
``inputs`` in the order written. An input is a plain JSON ``{value: ...}`` or
numbers drawn by the observer from one ``numpy.random.default_rng(seed)``, in
the order of the cases and their inputs: ``{normal: SHAPE}``,
``{uniform: {low, high, shape}}`` or ``{values: [[...], ...]}`` (literal
numbers), passed ``as`` a ``torch`` tensor (dtype float32 unless ``dtype``
says float64), a ``numpy`` array (float64 unless ``dtype`` says float32), a
tuple of Python ``floats`` or a tuple of 0-d ``tensors`` (1-D inputs only);
``requires_grad: true`` makes the tensor(s) leaves whose gradient is recorded.
Every call gets fresh copies. Helpers listed under the item's ``supply:`` are
the reference's while the function runs (``observers.common.supplied_helpers``).

**Facts.** Per case: the inputs as the grader made them (echoed, with their
text), and the call's result: error, type, shape, values (float64), and when
an input requires grad, the gradients ``sum(output).backward()`` leaves in
each such input. The same call is then repeated for each of ``variants``,
with one input replaced (``zeros``, ``ones``, ``negate``, ``reverse`` along the
first axis): on the reference, these are the values of a common mistake
(a forgotten bias is the reference with ``b`` zeroed).

**Judging.** The judge reads the inputs and the reference's results from the
reference's facts; the submission only answers. Each case must not raise,
return numbers of the reference's shape (``shape: exact``; a reference
number accepts any one-element result) or as many numbers (``shape: size``),
of the reference's type when ``same_type``, and values within ``rtol``/``atol``
of the reference's (``numpy.allclose``). A wrong value is compared with the
check's ``mistakes`` in order: ``{variant: NAME}`` (the reference's values
for that variant), ``{scale: c, times: [...], divide: [...]}`` (the
reference's values times ``c``, times/divided by the sizes of inputs:
``{input: t1}`` its number of elements, ``{input: t1, axis: 1}`` one
dimension), ``{power: p}`` (a scalar reference raised to ``p``) and
``{reverse: true}`` (the values in reverse order); the first that fits names
the mistake (``says``). With ``gradients``, every input that requires grad
must receive, through ``backward``, the gradient of the value the function
returned: the reference's, or the recognised mistake's (the reference's
gradient transformed alike, or the variant's own), within its tolerances.
``errors`` add a sentence to the feedback of a call that raised, when the
error contains ``match`` and/or the case is in ``part``. Feedback never shows
the reference's values (they go to the instructor's ``diagnostics``): it
names the call, what came back, where it is furthest off, the mistake it
matches, and ``describe``/``hint`` in the course's words.

**Credit.** Shared equally between the ``part`` groups of cases (a part
passes when all its cases do) and, with ``gradients``, one more share for the
gradients. A function that raises in every case is an ``error``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, answers, short
from autograder.checks.common import fmt_num, fmt_shapes
from autograder.kit import kind
from autograder.kit.judging import ReferenceProblem, both, judged
from autograder.kit.records import Array, CallQuestion
from autograder.kit.settings import BUILD, ref, settings
from autograder.results import Outcome

MAX_VALUES = 100_000  # a longer result is reported by its shape only
MAX_INPUT_VALUES = 1_000_000  # what one generated input may hold
SOURCES = ("normal", "uniform", "values")
AS = ("torch", "numpy", "floats", "tensors")
REPLACEMENTS = ("zeros", "ones", "negate", "reverse")


# --- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFacts:
    """One argument as the grader made it: its name, its text for feedback, its values."""

    name: str
    text: str  # e.g. "a float32 tensor of shape (15,3) requiring grad"
    shape: list[int]
    values: Array | None  # float64; None for a plain JSON value
    requires_grad: bool


@dataclass(frozen=True)
class GradFacts:
    """The gradient ``backward`` left in one input that requires grad (None: none reached it)."""

    name: str
    values: Array | None


@dataclass(frozen=True)
class CallResult:
    """What one call returned, read as numbers where it can be."""

    error: str | None
    type: str
    shape: list[int] | None  # None: not read as numbers
    values: Array | None  # float64; None when not numbers or longer than MAX_VALUES
    is_tensor: bool
    requires_grad: bool
    backward_error: str | None
    grads: list[GradFacts]  # one per input that requires grad, in input order


@dataclass(frozen=True)
class VariantResult:
    name: str
    result: CallResult


@dataclass(frozen=True)
class FunctionCase:
    label: str  # how feedback names this call, e.g. "with x of shape (15,3)"
    part: str
    inputs: list[InputFacts]
    result: CallResult
    variants: list[VariantResult]


@dataclass(frozen=True)
class FunctionFacts:
    call: CallQuestion  # the function (or Class.method) and its call text, e.g. "mse(t1, t2)"
    seed: int
    cases: list[FunctionCase]


# --- settings -----------------------------------------------------------------------------

_SHAPE = {"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": 8}
_NUMBERS = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"$ref": "#/$defs/numbers"}}]}
_GENERATED = {
    "type": "object", "additionalProperties": False, "required": ["as"],
    "properties": {
        "normal": _SHAPE,
        "uniform": {"type": "object", "additionalProperties": False, "required": ["low", "high", "shape"],
                    "properties": {"low": {"type": "number"}, "high": {"type": "number"}, "shape": _SHAPE}},
        "values": {"type": "array", "minItems": 1, "items": ref("numbers")},
        "as": {"enum": list(AS)},
        "dtype": {"enum": ["float32", "float64"]},
        "requires_grad": {"type": "boolean"},
    },
    # exactly one source of numbers
    "anyOf": [{"required": [s]} for s in SOURCES],
    "dependentSchemas": {s: {"properties": {o: False for o in SOURCES if o != s}} for s in SOURCES},
}
# (anyOf rather than oneOf throughout: the spec loader words a oneOf error as its own.)
_INPUT = {"anyOf": [
    {"type": "object", "additionalProperties": False, "required": ["value"], "properties": {"value": ref("value")}},
    _GENERATED,
]}
_CASE = {
    "type": "object", "additionalProperties": False, "required": ["inputs"],
    "properties": {
        "inputs": {"type": "object", "minProperties": 1, "propertyNames": ref("name"),
                   "additionalProperties": ref("input")},
        "part": {"type": "string", "minLength": 1, "maxLength": 80},
        "label": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}
_VARIANT = {
    "type": "object", "additionalProperties": False, "required": ["name", "replace"],
    "properties": {"name": ref("name"),
                   "replace": {"type": "object", "minProperties": 1, "maxProperties": 1,
                               "propertyNames": ref("name"), "additionalProperties": {"enum": list(REPLACEMENTS)}}},
}
OBSERVE = settings({"function": ref("name"), **BUILD, "method": ref("name"), "seed": ref("seed"),
                    "cases": {"type": "array", "minItems": 1, "maxItems": 50, "items": _CASE},
                    "variants": {"type": "array", "maxItems": 10, "items": _VARIANT}},
                   ["seed", "cases"])
OBSERVE["$defs"] = {**OBSERVE["$defs"], "numbers": _NUMBERS, "input": _INPUT}
# A function, or a class and one of its methods: never both, never neither.
OBSERVE["anyOf"] = [{"required": ["function"]}, {"required": ["class"]}]
OBSERVE["dependentRequired"] = {"class": ["method"], "method": ["class"], "args": ["class"], "kwargs": ["class"]}
OBSERVE["dependentSchemas"] = {"function": {"properties": {"class": False}}}

_SIZE = {"type": "object", "additionalProperties": False, "required": ["input"],
         "properties": {"input": ref("name"), "axis": {"type": "integer", "minimum": 0, "maximum": 7}}}
_SAYS = {"type": "string", "minLength": 1}
_MISTAKE = {"anyOf": [
    {"type": "object", "additionalProperties": False, "required": ["variant", "says"],
     "properties": {"variant": ref("name"), "says": _SAYS}},
    {"type": "object", "additionalProperties": False, "required": ["scale", "says"],
     "properties": {"scale": {"type": "number"}, "times": {"type": "array", "items": _SIZE},
                    "divide": {"type": "array", "items": _SIZE}, "says": _SAYS}},
    {"type": "object", "additionalProperties": False, "required": ["power", "says"],
     "properties": {"power": {"type": "number"}, "says": _SAYS}},
    {"type": "object", "additionalProperties": False, "required": ["reverse", "says"],
     "properties": {"reverse": {"const": True}, "says": _SAYS}},
]}
_ERROR_HINT = {"type": "object", "additionalProperties": False, "required": ["says"],
               "anyOf": [{"required": ["match"]}, {"required": ["part"]}],
               "properties": {"match": {"type": "string", "minLength": 1}, "part": {"type": "string"},
                              "says": _SAYS}}
CHECK = settings({"rtol": ref("tolerance"), "atol": ref("tolerance"), "shape": {"enum": ["exact", "size"]},
                  "describe": {"type": "string", "minLength": 1, "maxLength": 200},
                  "hint": {"type": "string", "minLength": 1, "maxLength": 400},
                  "gradients": {"type": "object", "additionalProperties": False, "required": ["rtol", "atol"],
                                "properties": {"rtol": ref("tolerance"), "atol": ref("tolerance")}},
                  "same_type": {"type": "boolean"}, "atol_scaled": {"type": "boolean"},
                  "mistakes": {"type": "array", "items": _MISTAKE},
                  "errors": {"type": "array", "items": _ERROR_HINT}},
                 ["rtol", "atol", "shape", "describe"])


# --- judging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """How a returned value relates to the reference's: which mistake (None: the right one)."""

    mistake: dict[str, Any] | None


RIGHT = Match(None)


@kind("function_matches_reference", observe=OBSERVE, check=CHECK)
@judged
def judge_function_matches_reference(observed: dict[str, Any], expected: dict[str, Any],
                                     params: dict[str, Any]) -> Outcome:
    """Every case's value is the reference's, and (``gradients``) so is the gradient it sends back."""
    got, reference = both(FunctionFacts, observed, expected)
    given = answers(got.cases, len(reference.cases), "answers to the grader's calls")
    name = reference.call.name
    for want in reference.cases:
        if want.result.error is not None or want.result.values is None:
            raise ReferenceProblem(f"the reference's {reference.call.text} {want.label}: "
                                   f"{want.result.error or 'returned ' + want.result.type}")
    errors = [g.result.error for g in given]
    if all(errors):
        first = reference.cases[0]
        return Outcome.error(f"{call_of(reference, first)} raised {short(errors[0])}."
                             f"{error_hint(errors[0], first, params)} Fix it and run the check again.")
    parts: dict[str, list[str]] = {}
    matches: list[Match | None] = []
    for answer, want in zip(given, reference.cases, strict=True):
        problem, match = value_problem(answer, want, reference, params)
        matches.append(match)
        parts.setdefault(want.part, [])
        if problem is not None:
            parts[want.part].append(problem)
    checks = [(not problems, same_holds(problems, part, parts)) for part, problems in parts.items()]
    if "gradients" in params:
        problem = gradient_problem(given, reference, matches, params)
        checks.append((problem is None, problem or ""))
    outcome = Outcome.from_checks(checks, passed_message(name, reference, params))
    wrong = next((want for want, match, answer in zip(reference.cases, matches, given, strict=True)
                  if match is not RIGHT and answer.result.error is None), None)
    if wrong is None or outcome.status == "passed":
        return outcome
    return dataclasses.replace(outcome, diagnostics=f"{wrong.label}: the reference returned "
                                                    f"{shown(np.asarray(wrong.result.values))}"[:2000])


def call_of(reference: FunctionFacts, case: FunctionCase) -> str:
    return f"`{reference.call.text}` {case.label}".rstrip()


def passed_message(name: str, reference: FunctionFacts, params: dict[str, Any]) -> str:
    parts = list(dict.fromkeys(c.part for c in reference.cases if c.part))
    on = f" for {' and '.join(parts)}" if len(parts) > 1 else ""
    grads = ""
    if "gradients" in params:
        names = list(dict.fromkeys(i.name for c in reference.cases for i in c.inputs if i.requires_grad))
        grads = f", and gradients flow back through it to {', '.join(f'`{n}`' for n in names)}"
    return f"`{name}` computes {params['describe']}{on}, on each of the grader's {len(reference.cases)} calls{grads}."


def same_holds(problems: list[str], part: str, parts: dict[str, list[str]]) -> str:
    """The part's first problem; when an earlier part failed the same way, say so briefly."""
    if not problems:
        return ""
    for other, earlier in parts.items():
        if other == part:
            break
        if earlier and tail(earlier[0]) == tail(problems[0]) and part:
            return f"The same holds for {part}."
    return problems[0]


def tail(message: str) -> str:
    """What a problem says after naming the call, to tell two parts' identical slips apart."""
    return message.split(": ", 1)[-1] if "wrong values" not in message else "wrong values"


def error_hint(error: str, case: FunctionCase, params: dict[str, Any]) -> str:
    """The check's sentences for an error like this one, in this part."""
    said = [h["says"] for h in params.get("errors", ())
            if ("match" not in h or h["match"] in error) and ("part" not in h or h["part"] == case.part)]
    return "".join(f" {s}" for s in said)


def value_problem(answer: FunctionCase, want: FunctionCase, reference: FunctionFacts,
                  params: dict[str, Any]) -> tuple[str | None, Match | None]:
    """What is wrong with one call's value (None: nothing), and which value it computed."""
    call = call_of(reference, want)
    result, target = answer.result, want.result
    if result.error is not None:
        return f"{call} raised {short(result.error)}.{error_hint(result.error, want, params)}", None
    expected_what = returns_text(target)
    if result.values is None or result.shape is None:
        why = (f"shape {shape_text(result.shape)}, too many values" if result.shape is not None
               else f"a {type_text(result.type)}")
        return f"{call} returned {why}; expected {expected_what}: {params['describe']}.{hint(params)}", None
    if params.get("same_type") and result.type != target.type:
        return (f"{call} returned a {type_text(result.type)}, expected a {type_text(target.type)}: return the same kind "
                f"of object as the reference does for these inputs."), None
    values = readable(result, target, params["shape"])
    if values is None and not result.shape and target.shape:
        return (f"{call} returned a single {type_text(result.type)}; expected {expected_what}: "
                f"{params['describe']}.{hint(params)}"), None
    if values is None:
        return (f"{call} returned shape {shape_text(result.shape)}; expected {expected_what}: "
                f"{params['describe']}.{hint(params)}"), None
    want_values = np.asarray(target.values, dtype=np.float64).reshape(values.shape)
    if close(values, want_values, params):
        return None, RIGHT
    for mistake in params.get("mistakes", ()):
        candidate = mistaken(mistake, want, values.shape)
        if candidate is not None and close(values, candidate, params):
            return f"{call} returned {shown(values)}; {mistake['says']}", Match(mistake)
    return (f"{call} returned wrong values: {worst(values, want_values, want, params)} It should compute "
            f"{params['describe']}.{hint(params)}"), None


def hint(params: dict[str, Any]) -> str:
    """The check's advice for a wrong value, in the course's words (``hint:``), if any."""
    return f" {params['hint']}" if "hint" in params else ""


def shape_text(shape: list[int] | None) -> str:
    """A claimed shape for feedback, short whatever the record claims."""
    if shape is None or len(shape) > 8:
        return "of no usable shape"
    return fmt_shapes([shape])


def type_text(name: str) -> str:
    """A reported type name as feedback writes it: ``builtins.float`` reads ``float``."""
    return short(name, 80).removeprefix("builtins.")


def returns_text(result: CallResult) -> str:
    shape = tuple(result.shape or ())
    if not shape:
        return "a single number"
    return f"a {type_text(result.type)} of shape {fmt_shapes([shape])}"


def readable(result: CallResult, target: CallResult, mode: str) -> np.ndarray | None:
    """The returned values in the reference's shape, or None when they do not fit it.

    Sizes are compared before any value is read: a record's array is only
    converted once it holds exactly as many numbers as the reference's.
    """
    values, want = result.values, np.asarray(target.values)
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "biuf":
        raise Malformed("the returned values are not a numeric array")
    if values.size != want.size:
        return None
    exact = tuple(values.shape) == tuple(want.shape) or (want.ndim == 0 and values.size == 1)
    if mode == "exact" and not exact:
        return None
    return values.astype(np.float64).reshape(want.shape)


def tolerances(want: np.ndarray, params: dict[str, Any]) -> tuple[float, float]:
    """``rtol`` and ``atol`` for these reference values (``atol_scaled``: times the largest magnitude,
    for results that come from cancelling large terms, where a small entry carries the large ones' error)."""
    atol = float(params["atol"])
    finite = np.abs(want[np.isfinite(want)])
    if params.get("atol_scaled") and finite.size:
        atol *= max(1.0, float(finite.max()))
    return float(params["rtol"]), atol


def close(values: np.ndarray, want: np.ndarray, params: dict[str, Any]) -> bool:
    rtol, atol = tolerances(want, params)
    with np.errstate(invalid="ignore"):
        return bool(values.shape == want.shape and np.allclose(values, want, rtol=rtol, atol=atol))


def size_of(mistake_size: dict[str, Any], case: FunctionCase) -> float | None:
    """An input's number of elements, or one of its dimensions, from the reference's facts."""
    found = next((i for i in case.inputs if i.name == mistake_size["input"]), None)
    if found is None:
        return None
    if "axis" not in mistake_size:
        return float(np.prod(found.shape)) if found.shape else 1.0
    axis = int(mistake_size["axis"])
    return float(found.shape[axis]) if axis < len(found.shape) else None


def factor_of(mistake: dict[str, Any], case: FunctionCase) -> float | None:
    factor = float(mistake["scale"])
    for size in mistake.get("times", ()):
        n = size_of(size, case)
        if n is None:
            return None
        factor *= n
    for size in mistake.get("divide", ()):
        n = size_of(size, case)
        if not n:
            return None
        factor /= n
    return factor


def variant_result(name: str, case: FunctionCase) -> CallResult | None:
    return next((v.result for v in case.variants if v.name == name), None)


def mistaken(mistake: dict[str, Any], want: FunctionCase, shape: tuple[int, ...]) -> np.ndarray | None:
    """The values the reference would return with this mistake (None: not computable here)."""
    base = np.asarray(want.result.values, dtype=np.float64).reshape(shape)
    with np.errstate(all="ignore"):
        if "variant" in mistake:
            found = variant_result(mistake["variant"], want)
            if found is None or found.error is not None or not isinstance(found.values, np.ndarray) \
                    or found.values.size != base.size:
                return None
            return np.asarray(found.values, dtype=np.float64).reshape(shape)
        if "scale" in mistake:
            factor = factor_of(mistake, want)
            return None if factor is None else base * factor
        if "power" in mistake:
            return np.power(base, float(mistake["power"])) if base.size == 1 else None
        return base.reshape(-1)[::-1].reshape(shape)


def shown(values: np.ndarray) -> str:
    flat = values.ravel()
    if flat.size == 1:
        return fmt_num(flat[0])
    head = ", ".join(fmt_num(v) for v in flat[:4])
    return f"({head}{', ...' if flat.size > 4 else ''})"


def worst(values: np.ndarray, want: np.ndarray, case: FunctionCase, params: dict[str, Any]) -> str:
    """Where the values differ, without showing the reference's: which entries of a short
    result, or the furthest one of a long result (with the 1-D inputs at that row)."""
    with np.errstate(invalid="ignore"):
        diff = np.abs(values - want).ravel()
    if values.size == 1:
        return f"it returned {fmt_num(values.ravel()[0])}, which is not the expected value."
    rtol, atol = tolerances(want, params)
    with np.errstate(invalid="ignore"):
        bad = ~np.isclose(values.ravel(), want.ravel(), rtol=rtol, atol=atol) if values.size <= 8 else None
    i = int(np.nanargmax(diff)) if not np.all(np.isnan(diff)) else 0
    largest = fmt_num(diff[i]) if np.isfinite(diff[i]) else "not a number"
    if bad is not None:
        wrong = ", ".join(str(int(k)) for k in np.flatnonzero(bad))
        return (f"it returned {shown(values)}; the entries at index {wrong} differ from the expected ones "
                f"(largest difference {largest}).")
    where = np.unravel_index(i, values.shape)
    at = ", ".join(str(int(k)) for k in where)
    row = int(where[0]) if where else 0
    inputs = [f"{x.name} = {fmt_num(np.asarray(x.values).ravel()[row])}" for x in case.inputs
              if isinstance(x.values, np.ndarray) and x.values.ndim == 1 and len(x.shape) == 1
              and x.shape[0] == values.shape[0] and values.ndim >= 1]
    where_text = f"at {', '.join(inputs)}" if inputs else f"at index [{at}]"
    return f"{where_text} it returned {fmt_num(values.ravel()[i])}, off by {largest} (the largest difference)."


# --- gradients ----------------------------------------------------------------------------


def gradient_problem(given: list[FunctionCase], reference: FunctionFacts, matches: list[Match | None],
                     params: dict[str, Any]) -> str | None:
    """The first case whose gradients are missing or wrong; None when every checkable case is right."""
    checked = 0
    for answer, want, match in zip(given, reference.cases, matches, strict=True):
        if not want.result.grads or answer.result.error is not None:
            continue
        problem = case_gradient_problem(answer, want, match, reference, params)
        if problem is not None:
            return problem
        checked += 1
    if not checked:
        return f"No call of `{reference.call.name}` returned a result whose gradients could be checked."
    return None


def case_gradient_problem(answer: FunctionCase, want: FunctionCase, match: Match | None,
                          reference: FunctionFacts, params: dict[str, Any]) -> str | None:
    result, name = answer.result, reference.call.name
    call = call_of(reference, want)
    if not result.is_tensor:
        return (f"{call} returned a {type_text(result.type)}, not a tensor, so no gradient can flow through "
                "it: keep the computation in torch (no `.item()`, `float()` or NumPy).")
    if result.backward_error is not None:
        return (f"`backward()` on the result of {call} raised {short(result.backward_error)}: compute it from "
                "the inputs with torch operations, so that autograd can follow it.")
    grads = answers(result.grads, len(want.result.grads), "gradients")
    for grad, target in zip(grads, want.result.grads, strict=True):
        if grad.name != target.name:
            raise Malformed("the gradients are not those of the grader's inputs")
        shape = np.asarray(target.values).shape if target.values is not None else None
        if shape is None:
            raise ReferenceProblem(f"no gradient reached the reference's `{target.name}`")
        values = grad.values
        if values is not None and (not isinstance(values, np.ndarray) or values.dtype.kind not in "biuf"):
            raise Malformed("a gradient is not a numeric array")
        if values is None or values.size != int(np.prod(shape)) or not np.all(np.isfinite(values)) \
                or not np.any(values):
            return (f"After `backward()` on the result of {call}, the gradient of `{target.name}` is missing "
                    f"or zero: compute the result from `{target.name}` with torch operations, without "
                    "`.detach()`, NumPy or `torch.tensor(...)` in between.")
        if match is None:
            return (f"The gradient of `{name}` could not be checked, because its value is not one the grader "
                    "recognises: fix the value first.")
        expected = gradient_for(match, want, target)
        if expected is None:
            return (f"The gradient of `{name}` could not be checked against the value it returns: fix the "
                    "value first.")
        tol = params["gradients"]
        with np.errstate(invalid="ignore"):
            right = np.allclose(values.astype(np.float64).reshape(shape), expected,
                                rtol=float(tol["rtol"]), atol=float(tol["atol"]))
        if not right:
            whose = "its value" if match.mistake is not None else params["describe"]
            return (f"The gradient that `backward()` sends to `{target.name}` from {call} is not the gradient "
                    f"of {whose}: is part of the computation detached from the graph, or done outside torch?")
    return None


def gradient_for(match: Match, want: FunctionCase, target: GradFacts) -> np.ndarray | None:
    """The gradient of sum(value) for the value the function returned (the reference's, or the mistake's)."""
    grad = np.asarray(target.values, dtype=np.float64)
    mistake = match.mistake
    if mistake is None or "reverse" in mistake:  # reversing the values does not change their sum
        return grad
    if "variant" in mistake:
        found = variant_result(mistake["variant"], want)
        other = None if found is None else next((g for g in found.grads if g.name == target.name), None)
        if other is None or not isinstance(other.values, np.ndarray) or other.values.size != grad.size:
            return None
        return np.asarray(other.values, dtype=np.float64).reshape(grad.shape)
    if "scale" in mistake:
        factor = factor_of(mistake, want)
        return None if factor is None else grad * factor
    base = np.asarray(want.result.values, dtype=np.float64)
    if base.size != 1:
        return None
    p = float(mistake["power"])
    with np.errstate(all="ignore"):
        return p * float(base.ravel()[0]) ** (p - 1) * grad
