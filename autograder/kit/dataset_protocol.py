"""Kind ``dataset_protocol``: a ``torch.utils.data.Dataset`` class serves the data it was built on.

Settings::

    observe:
      class: PairsData                  # the Dataset class the exercise asks for
      columns: [{name: x, uniform: [-4, 4]}, {name: y, normal: [0, 30]}]
      sizes: [100, 37]                  # one instance per size, all built before any is read
      seed: 2718
      batch_size: 25
      numpy_hint: true                  # optional: also try NumPy float64 input, for a hint only
    check: {item_shapes: [[1], []], dtype: float32, rtol: 1.0e-6, atol: 1.0e-5}

The observer draws each column (one number per row) from its own seeded
generator (:func:`generate`), passes the columns as 1-D float32 tensors to
``class(*columns)`` once per size, and only after every instance is built reads
``len(d)`` and every ``d[i]`` of each; on the first it also iterates
``DataLoader(d, batch_size)``. Data that no notebook holds, and several live
instances, expose the two classic bugs: a ``__getitem__`` that reads global
variables, and data stored on the class (shared by every instance).

The judge regenerates the columns from the reference's echoed settings and
judges, as equal shares: the first instance's ``len`` and Dataset type; its
items' format (a tuple of one tensor per column, of a shape in ``item_shapes``
and of ``dtype``); its batches (``ceil(n / batch_size)`` of them, each part
``(rows, *item_shape)``); and each further instance's length, format and
values. Items of the first instance that are not its data fail the item
outright (every item it serves is wrong). NumPy input, when asked, only adds a
hint to the feedback: it is never graded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.claims import Malformed, answers, short
from autograder.checks.common import fmt_shapes
from autograder.kit import calls, kind
from autograder.kit.judging import ReferenceProblem, both, judged, raised
from autograder.kit.records import CallQuestion
from autograder.kit.settings import ref, settings
from autograder.results import Outcome

MAX_SIZE = 10_000  # items per instance: the observer reads every one

COLUMN = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {
        "name": ref("name"),
        "uniform": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "normal": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number", "minimum": 0}],
                   "minItems": 2, "maxItems": 2},
    },
    "oneOf": [{"required": ["uniform"]}, {"required": ["normal"]}],
}
OBSERVE = settings({"class": ref("name"), "columns": {"type": "array", "minItems": 1, "maxItems": 8, "items": COLUMN},
                    "sizes": {"type": "array", "minItems": 1, "maxItems": 8,
                              "items": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE}},
                    "seed": ref("seed"), "batch_size": ref("count"), "numpy_hint": {"type": "boolean"}},
                   ["class", "columns", "sizes", "seed", "batch_size"])
SHAPE = {"type": "array", "maxItems": 4, "items": {"type": "integer", "minimum": 1}}
CHECK = settings({"item_shapes": {"type": "array", "minItems": 1, "items": SHAPE},
                  "dtype": {"enum": ["float16", "bfloat16", "float32", "float64"]},
                  "rtol": ref("tolerance"), "atol": ref("tolerance")},
                 ["item_shapes", "dtype", "rtol", "atol"])

Part = tuple[bool, str]


# --- the data, made the same way on both sides --------------------------------------------


def generate(settings_: dict[str, Any]) -> list[list[np.ndarray]]:
    """Per instance, one array per column: float32 for each size, then (``numpy_hint``) one
    more set at the last size in float64. Seeded; NumPy only, so the judge gets the same numbers."""
    rng = np.random.default_rng(int(settings_["seed"]))

    def draw(column: dict[str, Any], n: int) -> np.ndarray:
        if "uniform" in column:
            low, high = column["uniform"]
            return rng.uniform(float(low), float(high), n)
        mean, std = column["normal"]
        return rng.normal(float(mean), float(std), n)

    sets = [[draw(c, int(n)).astype(np.float32) for c in settings_["columns"]] for n in settings_["sizes"]]
    if settings_.get("numpy_hint"):
        sets.append([draw(c, int(settings_["sizes"][-1])) for c in settings_["columns"]])
    return sets


def call_of(settings_: dict[str, Any]) -> CallQuestion:
    """``PairsData(x, y)``: the call as the grader makes it, from the settings alone."""
    names = tuple(str(c["name"]) for c in settings_["columns"])
    return CallQuestion(name=settings_["class"], text=calls.call_text(settings_["class"], placeholders=names))


# --- facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemPart:
    """One element of what ``d[i]`` returned."""

    type: str
    is_tensor: bool
    dtype: str  # "" unless a tensor
    shape: list[int]  # [] unless a tensor
    value: float | None  # its number, when it holds exactly one


@dataclass(frozen=True)
class DatasetItem:
    error: str | None
    type: str
    parts: list[ItemPart] | None  # None: not a tuple or list


@dataclass(frozen=True)
class LoaderFacts:
    """``DataLoader(d, batch_size)`` iterated; at most one batch beyond the expected count is read."""

    batch_size: int
    error: str | None
    batch_shapes: list[list[list[int]]]  # per batch, the shape of each of its parts


@dataclass(frozen=True)
class DatasetInstance:
    size: int  # the settings' size (echo)
    tensors: bool  # built on float32 tensors (graded); False: NumPy float64 arrays (a hint only)
    error: str | None  # the constructor raised
    is_dataset: bool
    type: str
    length: int | None
    length_error: str | None
    items: list[DatasetItem]  # d[0] ... d[size - 1]
    loader: LoaderFacts | None  # the first instance only


@dataclass(frozen=True)
class DatasetProtocolFacts:
    call: CallQuestion
    settings: dict[str, Any]  # the observe settings, echoed: the judge regenerates the data from them
    instances: list[DatasetInstance]


# --- the judge ------------------------------------------------------------------------------


@kind("dataset_protocol", observe=OBSERVE, check=CHECK)
@judged
def judge_dataset_protocol(observed: dict[str, Any], expected: dict[str, Any], params: dict[str, Any]) -> Outcome:
    """len, item format, batches and further instances as equal shares; foreign items fail it."""
    got, reference = both(DatasetProtocolFacts, observed, expected)
    asked = reference.settings
    data = generate(asked)
    if len(data) != len(reference.instances):
        raise ReferenceProblem("the reference's instances do not match its settings")
    call = reference.call.text
    instances = answers(got.instances, len(data), "dataset instances")
    first, n = instances[0], int(asked["sizes"][0])
    if first.error is not None:
        return raised(first.error, f"{call} on {n} points")
    items = answers(first.items, n, "items of the first dataset")
    judge = Judging(reference.call, [str(c["name"]) for c in asked["columns"]], params)
    foreign = judge.foreign_items(items, data[0], "the data passed in")
    parts = [judge.length(first, n), judge.formats(items, f"{call} on {n} points"),
             judge.batches(first.loader, n, int(asked["batch_size"]))]
    graded = [(got_k, data_k) for got_k, data_k, ref_k in zip(instances[1:], data[1:], reference.instances[1:],
                                                               strict=True) if ref_k.tensors]
    if foreign is not None:  # every item is wrong: the item fails, the rest only explains
        others = [judge.other(g, d, explain=False) for g, d in graded]
        more = " ".join(msg for ok, msg in parts + others if not ok)
        return Outcome.failed(f"{foreign} {more}".strip())
    parts += [judge.other(g, d) for g, d in graded]
    every_item_raised = bool(items) and all(item.error is not None for item in items)
    if every_item_raised and not any(ok for ok, _ in parts):
        return Outcome.error(" ".join(msg for ok, msg in parts if not ok))
    shapes = " or ".join(fmt_shapes([s]) for s in params["item_shapes"])
    outcome = Outcome.from_checks(parts, f"{call}: len, items ({params['dtype']}, shape {shapes}), each "
                                         f"instance's own data and a DataLoader with batch_size "
                                         f"{asked['batch_size']} all work.")
    hint = judge.numpy_hint(instances, reference.instances, data) if all(ok for ok, _ in parts[3:]) else ""
    return Outcome(outcome.fraction, f"{outcome.feedback} {hint}".strip()) if hint else outcome


@dataclass(frozen=True)
class Judging:
    """The question's words (the class call, the column names) and the check settings."""

    call: CallQuestion
    columns: list[str]
    params: dict[str, Any]

    def length(self, instance: DatasetInstance, n: int) -> Part:
        if instance.length_error is not None:
            return False, f"len(d) for {self.call.text} on {n} points raised {short(instance.length_error)}."
        problems = []
        if instance.length != n:
            problems.append(f"len(d) is {instance.length} for {self.call.text} built on {n} points, expected {n}: "
                            "return the length of the data stored in the instance.")
        if not instance.is_dataset:
            problems.append(f"{self.call.name} is a {short(instance.type, 80)}, not a torch.utils.data.Dataset: "
                            f"write `class {self.call.name}(Dataset):`.")
        return not problems, " ".join(problems)

    def item_problem(self, item: DatasetItem) -> str | None:
        """What is wrong with one item's format, or None."""
        if item.error is not None:
            return f"raised {short(item.error)}"
        names = ", ".join(f"{c}_i" for c in self.columns)
        if item.parts is None or len(item.parts) != len(self.columns):
            got = (short(item.type, 80) if item.parts is None
                   else f"a {short(item.type, 80)} of {len(item.parts)} elements")
            return f"returned {got}, expected a tuple ({names})"
        accepted = [list(s) for s in self.params["item_shapes"]]
        dtype = self.params["dtype"]
        for name, part in zip(self.columns, item.parts, strict=True):
            if not part.is_tensor:
                return f"gave {name}_i as a {short(part.type, 80)}, expected a torch tensor"
            if part.shape not in accepted:
                return (f"gave {name}_i of shape {tuple(part.shape[:8])}, expected "
                        f"{' or '.join(str(tuple(s)) for s in accepted)}")
            if part.dtype != dtype:
                return f"gave {name}_i of dtype {short(part.dtype, 40)}, expected {dtype}"
        return None

    def formats(self, items: list[DatasetItem], what: str) -> Part:
        for i, item in enumerate(items):
            problem = self.item_problem(item)
            if problem:
                return False, f"{what}: d[{i}] {problem}."
        return True, ""

    def foreign_items(self, items: list[DatasetItem], columns: list[np.ndarray], source: str) -> str | None:
        """None when ``d[i]`` holds row ``i`` of every column; otherwise what differs and the likely cause.

        An item whose format is wrong (no single number per part) is left to the format part.
        """
        got = np.array([[_number(item, k) for k in range(len(columns))] for item in items],
                       dtype=np.float64).reshape(len(items), len(columns))
        want = np.stack([c.astype(np.float64) for c in columns], axis=1)
        rtol, atol = float(self.params["rtol"]), float(self.params["atol"])
        ok = np.all(np.isclose(got, want, rtol=rtol, atol=atol), axis=1)
        if ok.all():
            return None
        i = int(np.argmin(ok))
        if np.any(np.isnan(got[i])):
            return None  # a format problem, reported by the format part
        swapped = len(columns) > 1 and np.allclose(got, want[:, ::-1], rtol=rtol, atol=atol)
        names = ", ".join(self.columns)
        hint = (f"the parts come in reverse order: return them in the constructor's order ({names})." if swapped
                else "does __getitem__ read global variables (a notebook's data) instead of what __init__ "
                     "stored on self, or does __init__ store the data on the class, shared by every instance? "
                     "A Dataset must return the data it was built with.")
        shown = ", ".join(f"{v:.5g}" for v in got[i])
        holds = ", ".join(f"{v:.5g}" for v in want[i])
        return (f"Built on {source}, d[{i}] returned ({shown}) but that data holds ({holds}) at index {i} "
                f"({int((~ok).sum())} of {len(ok)} items differ): {hint}")

    def batches(self, loader: LoaderFacts | None, n: int, size: int) -> Part:
        if loader is None:
            raise Malformed("no DataLoader facts for the first dataset")
        what = f"DataLoader(d, batch_size={size}) over {n} points"
        if loader.error is not None:
            return False, f"{what} raised {short(loader.error)}."
        count = math.ceil(n / size)
        if len(loader.batch_shapes) != count:
            found = f"more than {count}" if len(loader.batch_shapes) > count else str(len(loader.batch_shapes))
            return False, f"{what} yielded {found} batches, expected {count}: check __len__."
        accepted = [list(s) for s in self.params["item_shapes"]]
        for k, shapes in enumerate(loader.batch_shapes):
            rows = min(size, n - k * size)
            if len(shapes) != len(self.columns) or any(s[:1] != [rows] or s[1:] not in accepted for s in shapes):
                found = " and ".join(fmt_shapes([s[:8]]) for s in shapes[:8]) if shapes else "nothing"
                wanted = " or ".join(fmt_shapes([[rows, *s]]) for s in accepted)
                return False, (f"{what}: batch {k + 1} holds {found}, expected one tensor of shape {wanted} "
                               f"per column ({', '.join(self.columns)}).")
        return True, ""

    def other(self, instance: DatasetInstance, columns: list[np.ndarray], explain: bool = True) -> Part:
        """A further instance, built on other data while the first was alive: length, items, values."""
        n = len(columns[0])
        what = f"{self.call.text} on another {n} points"
        if instance.error is not None:
            return False, f"{what} raised {short(instance.error)}."
        if instance.length_error is not None or instance.length != n:
            said = f"raised {short(instance.length_error)}" if instance.length_error else f"is {instance.length}"
            return False, f"{what}: len(d) {said}, expected {n}."
        items = answers(instance.items, n, "items of a further dataset")
        ok, problem = self.formats(items, what)
        if not ok:
            return False, problem
        foreign = self.foreign_items(items, columns, f"other data ({n} points)")
        if foreign is not None and not explain:
            foreign = f"The same happens for a dataset built on other data ({n} points)."
        return foreign is None, foreign or ""

    def numpy_hint(self, instances: list[DatasetInstance], reference: list[DatasetInstance],
                   data: list[list[np.ndarray]]) -> str:
        """A pointer, worth no points, when the class does not accept NumPy float64 arrays."""
        hinted = [(g, d) for g, d, r in zip(instances, data, reference, strict=True) if not r.tensors]
        if not hinted:
            return ""
        try:
            ok, message = Judging(CallQuestion(self.call.name, f"{self.call.text} on NumPy float64 arrays"),
                                  self.columns, self.params).other(*hinted[0])
        except Malformed:
            return ""
        if ok:
            return ""
        return (f"Not graded, a hint: {message} The grader passes float32 tensors; "
                f"torch.as_tensor(..., dtype=torch.float32) in __init__ would accept NumPy arrays too.")


def _number(item: DatasetItem, k: int) -> float:
    """Part ``k``'s single number, NaN when the item has no such part or it is not one number."""
    if item.parts is None or len(item.parts) <= k or item.parts[k].value is None:
        return math.nan
    return float(item.parts[k].value)  # type: ignore[arg-type]
