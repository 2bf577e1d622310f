"""Observer of kind ``dataset_protocol``: build the Dataset class on the grader's data, read it back.

Every instance is built before any is read, so data kept on the class (shared
by all instances) shows as one instance serving another's points; the data are
drawn by :func:`autograder.kit.dataset_protocol.generate`, unlike anything a
notebook holds, so a ``__getitem__`` reading global variables shows too. The
DataLoader is plain torch, built here on the student's dataset, and read at
most one batch beyond the count the settings imply, so a wrong ``__len__``
cannot make it run for ever. Reports facts only; the judge decides.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from autograder.kit import kind_observer
from autograder.kit.dataset_protocol import (
    DatasetInstance, DatasetItem, DatasetProtocolFacts, ItemPart, LoaderFacts, call_of, generate,
)
from autograder.kit.records import as_record
from autograder.namespace import SubmissionNamespace
from autograder.observers.common import attempt, type_name

_TENSOR = torch.Tensor
_FROM_NUMPY = torch.from_numpy
MAX_PARTS = 16  # an item with more elements is reported by its first ones


@kind_observer("dataset_protocol")
def observe_dataset_protocol(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Instances on fresh data (float32 tensors per size; NumPy float64 for the hint), then their
    lengths, every item, and the first one's DataLoader batches."""
    cls = ns.get(params["class"])
    sets = generate(params)
    sizes = [int(n) for n in params["sizes"]]
    tensors = [True] * len(sizes) + [False] * (len(sets) - len(sizes))
    built = []
    for columns, as_tensors in zip(sets, tensors, strict=True):
        inputs = [_FROM_NUMPY(np.array(c, copy=True)) if as_tensors else np.array(c, copy=True) for c in columns]
        built.append(attempt(lambda inputs=inputs: cls(*inputs)))
    instances = [_read(d, error, len(columns[0]), as_tensors, int(params["batch_size"]) if k == 0 else None)
                 for k, ((d, error), columns, as_tensors) in enumerate(zip(built, sets, tensors, strict=True))]
    return as_record(DatasetProtocolFacts(call=call_of(params), settings=dict(params), instances=instances))


def _read(d: Any, error: str | None, n: int, as_tensors: bool, batch_size: int | None) -> DatasetInstance:
    if error is not None:
        return DatasetInstance(size=n, tensors=as_tensors, error=error, is_dataset=False, type="", length=None,
                               length_error=None, items=[], loader=None)
    length, length_error = attempt(lambda: len(d))
    return DatasetInstance(size=n, tensors=as_tensors, error=None, is_dataset=isinstance(d, Dataset),
                           type=type_name(d), length=length, length_error=length_error,
                           items=[_item(d, i) for i in range(n)],
                           loader=None if batch_size is None else _loader(d, n, batch_size))


def _item(d: Any, i: int) -> DatasetItem:
    """What ``d[i]`` returns: its container, and per element type, dtype, shape and single value."""
    item, error = attempt(lambda: d[i])
    if error is not None:
        return DatasetItem(error=error, type="", parts=None)
    parts = [_part(p) for p in list(item)[:MAX_PARTS]] if isinstance(item, (tuple, list)) else None
    return DatasetItem(error=None, type=type_name(item), parts=parts)


def _part(value: Any) -> ItemPart:
    if isinstance(value, _TENSOR):
        number = None
        if value.numel() == 1:
            number, _ = attempt(lambda: float(value.detach().reshape(-1)[0]))
        return ItemPart(type=type_name(value), is_tensor=True, dtype=str(value.dtype).replace("torch.", ""),
                        shape=[int(s) for s in value.shape], value=_finite(number))
    number = float(value) if isinstance(value, (int, float, np.generic)) and not isinstance(value, bool) else None
    return ItemPart(type=type_name(value), is_tensor=False, dtype="", shape=[], value=_finite(number))


def _finite(number: float | None) -> float | None:
    return number if number is not None and math.isfinite(number) else None


def _loader(d: Any, n: int, batch_size: int) -> LoaderFacts:
    """The shapes of each batch of ``DataLoader(d, batch_size)``, read up to one batch too many."""
    limit = math.ceil(n / batch_size) + 1

    def batches() -> list[list[list[int]]]:
        shapes = []
        for batch in DataLoader(d, batch_size=batch_size):
            parts = batch if isinstance(batch, (list, tuple)) else [batch]
            shapes.append([[int(s) for s in getattr(part, "shape", [])] for part in list(parts)[:MAX_PARTS]])
            if len(shapes) >= limit:
                break
        return shapes

    shapes, error = attempt(batches)
    return LoaderFacts(batch_size=batch_size, error=error, batch_shapes=shapes or [])
