"""Observer of kind ``function_matches_reference``: call the function on the grader's inputs.

Runs in the sandbox. The inputs are drawn from ``numpy.random.default_rng(seed)``
in the order the settings list them (or written out in the settings), so the
submission and the reference are called with the same numbers; each call gets
fresh tensors, so a function that changes its arguments in place changes
nothing for the next call. Helpers the item is ``supply:``-ed are the
reference's while the function runs. See the judge's module
(``autograder.kit.function_matches_reference``) for the settings and the facts.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from autograder.kit import calls, kind_observer
from autograder.kit.function_matches_reference import (
    MAX_INPUT_VALUES, MAX_VALUES, CallResult, FunctionCase, FunctionFacts, GradFacts, InputFacts, VariantResult,
)
from autograder.kit.observe import build
from autograder.kit.records import CallQuestion, as_record
from autograder.namespace import SubmissionNamespace
from autograder.observers.common import attempt, seed_everything, supplied_helpers, type_name

_TENSOR = torch.Tensor
_AS_TENSOR = torch.as_tensor
_DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}
_DEFAULT_DTYPE = {"torch": "float32", "tensors": "float32", "numpy": "float64", "floats": "float64"}
_REPLACE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "zeros": np.zeros_like, "ones": np.ones_like, "negate": np.negative,
    "reverse": lambda a: a[::-1].copy() if a.ndim else a,
}


class Input:
    """One argument: the grader's numbers and how they are handed to the function."""

    def __init__(self, name: str, setting: dict[str, Any], rng: np.random.Generator) -> None:
        self.name, self.setting = name, setting
        self.plain = "value" in setting
        self.values = None if self.plain else _generate(setting, rng)
        self.made: Any = None  # the tensor(s) of the last call, to read their gradients

    @property
    def requires_grad(self) -> bool:
        return bool(self.setting.get("requires_grad")) and self.setting.get("as") in ("torch", "tensors")

    def dtype(self) -> str:
        return self.setting.get("dtype", _DEFAULT_DTYPE.get(self.setting.get("as", ""), "float64"))

    def make(self, values: np.ndarray | None = None) -> Any:
        """A fresh argument (from ``values`` when a variant replaces this input's numbers)."""
        if self.plain:
            return calls.resolve(self.setting["value"], torch)
        array = np.array(self.values if values is None else values, dtype=_DTYPES[self.dtype()][0], copy=True)
        form = self.setting["as"]
        if form == "numpy":
            self.made = None
            return array
        if form == "floats":
            self.made = None
            return tuple(float(v) for v in array.reshape(-1))
        if form == "tensors":
            self.made = tuple(_AS_TENSOR(float(v), dtype=_DTYPES[self.dtype()][1]).requires_grad_(self.requires_grad)
                              for v in array.reshape(-1))
            return self.made
        self.made = _AS_TENSOR(array).requires_grad_(self.requires_grad)
        return self.made

    def grad(self) -> np.ndarray | None:
        made = self.made
        if isinstance(made, _TENSOR):
            return None if made.grad is None else made.grad.detach().double().numpy().copy()
        if isinstance(made, tuple):
            grads = [t.grad for t in made]
            if any(g is None for g in grads):
                return None
            return np.array([float(g.detach().double()) for g in grads])
        return None

    def facts(self) -> InputFacts:
        if self.plain:
            return InputFacts(name=self.name, text=calls.value_text(self.setting["value"]), shape=[],
                              values=None, requires_grad=False)
        shape = list(np.shape(self.values))
        return InputFacts(name=self.name, text=_text(self.setting, shape, self.dtype()), shape=shape,
                          values=np.asarray(self.values, dtype=np.float64), requires_grad=self.requires_grad)


def _generate(setting: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    if "values" in setting:
        values = np.asarray(setting["values"], dtype=np.float64)
    elif "normal" in setting:
        values = rng.normal(size=_checked(setting["normal"]))
    else:
        u = setting["uniform"]
        values = rng.uniform(float(u["low"]), float(u["high"]), size=_checked(u["shape"]))
    if setting["as"] in ("floats", "tensors") and values.ndim != 1:
        raise ValueError(f"inputs passed as {setting['as']} must be 1-D")
    return values


def _checked(shape: list[int]) -> tuple[int, ...]:
    if int(np.prod(shape)) > MAX_INPUT_VALUES:
        raise ValueError(f"an input of shape {tuple(shape)} is larger than the grader allows")
    return tuple(int(n) for n in shape)


def _text(setting: dict[str, Any], shape: list[int], dtype: str) -> str:
    shape_text = "(" + ",".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    grad = " requiring grad" if setting.get("requires_grad") else ""
    form = setting["as"]
    if form == "torch":
        return f"a {dtype} tensor of shape {shape_text}{grad}"
    if form == "numpy":
        return f"a {dtype} NumPy array of shape {shape_text}"
    if form == "floats":
        return f"a tuple of {shape[0]} floats"
    return f"a tuple of {shape[0]} scalar tensors{grad}"


def _label(case: dict[str, Any], inputs: list[Input]) -> str:
    if "label" in case:
        return case["label"]
    return "with " + ", ".join(f"{i.name} {i.facts().text}" for i in inputs)


def _numbers(value: Any) -> tuple[list[int] | None, np.ndarray | None]:
    """A result's shape and its values as float64: a tensor, an array, a number, or a flat
    tuple/list of numbers. (None, None): not numbers; (shape, None): more than MAX_VALUES of them,
    which are never copied."""
    if isinstance(value, (_TENSOR, np.ndarray)):
        shape = [int(n) for n in value.shape]
        if isinstance(value, np.ndarray) and value.dtype.kind not in "biuf":
            return None, None
        if int(np.prod(shape)) > MAX_VALUES:
            return shape, None
        if isinstance(value, _TENSOR):
            return shape, value.detach().cpu().double().numpy()
        return shape, value.astype(np.float64)
    if isinstance(value, bool):
        return None, None
    if isinstance(value, (int, float, np.generic)):
        return [], np.asarray(float(value))
    if isinstance(value, (list, tuple)) and len(value) <= MAX_VALUES:
        out = []
        for v in value:
            if isinstance(v, _TENSOR) and v.numel() == 1:
                out.append(float(v.detach().double().item()))
            elif isinstance(v, (int, float, np.generic)) and not isinstance(v, bool):
                out.append(float(v))
            else:
                return None, None
        return [len(out)], np.asarray(out, dtype=np.float64)
    return None, None


def _call(fn: Callable[..., Any], inputs: list[Input], params: dict[str, Any],
          replaced: dict[str, np.ndarray] | None = None) -> CallResult:
    """One call with fresh arguments; then ``sum(result).backward()`` when an input requires grad."""
    replaced = replaced or {}
    args, error = attempt(lambda: [i.make(replaced.get(i.name)) for i in inputs])
    if error is not None:
        raise RuntimeError(f"the grader could not build the inputs: {error}")
    with supplied_helpers(fn, params):
        value, error = attempt(lambda: fn(*args))
    if error is not None:
        return CallResult(error=error, type="", shape=None, values=None, is_tensor=False, requires_grad=False,
                          backward_error=None, grads=[])
    read, _ = attempt(lambda: _numbers(value))
    shape, numbers = read if read is not None else (None, None)
    is_tensor = isinstance(value, _TENSOR)
    wants_grad = [i for i in inputs if i.requires_grad]
    backward_error, grads = None, []
    if wants_grad and is_tensor:
        _, backward_error = attempt(lambda: value.sum().backward())
        grads = [GradFacts(name=i.name, values=i.grad()) for i in wants_grad]
    elif wants_grad:
        grads = [GradFacts(name=i.name, values=None) for i in wants_grad]
    return CallResult(error=None, type=type_name(value), shape=shape, values=numbers, is_tensor=is_tensor,
                      requires_grad=bool(is_tensor and value.requires_grad), backward_error=backward_error,
                      grads=grads)


@kind_observer("function_matches_reference")
def observe_function_matches_reference(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Each case's call (and each variant of it) on the grader's inputs: values and gradients."""
    seed = int(params["seed"])
    rng = np.random.default_rng(seed)
    planned = [(case, [Input(name, setting, rng) for name, setting in case["inputs"].items()])
               for case in params["cases"]]
    names = list(planned[0][0]["inputs"])
    if "function" in params:
        fn, question = ns.get(params["function"]), CallQuestion(params["function"], calls.call_text(
            params["function"], placeholders=tuple(names)))
    else:
        seed_everything(seed)
        instance = build(ns, params)
        fn = getattr(instance, params["method"])
        text = calls.call_text(params["class"], params.get("args"), params.get("kwargs"))
        question = CallQuestion(f"{params['class']}.{params['method']}",
                                f"{text}.{calls.call_text(params['method'], placeholders=tuple(names))}")
    cases = []
    for case, inputs in planned:
        result = _call(fn, inputs, params)
        variants = []
        for variant in params.get("variants", ()):
            [(target, how)] = variant["replace"].items()
            changed = {i.name: _REPLACE[how](np.asarray(i.values)) for i in inputs
                       if i.name == target and not i.plain}
            if changed:
                variants.append(VariantResult(name=variant["name"], result=_call(fn, inputs, params, changed)))
        cases.append(FunctionCase(label=_label(case, inputs), part=case.get("part", ""),
                                  inputs=[i.facts() for i in inputs], result=result, variants=variants))
    return as_record(FunctionFacts(call=question, seed=seed, cases=cases))
