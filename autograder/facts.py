"""Facts: the plain data an observation sends from the sandbox to the grader.

A fact is JSON (``None``, bools, numbers, strings, lists, string-keyed dicts)
or a NumPy array of a numeric dtype. Arrays travel as ``{"__ndarray__": ...}``
with the raw bytes base64-encoded. Nothing here can execute code on decode:
there is no pickle, and :func:`decode` rejects anything outside this grammar,
so a forged or corrupted message is an error rather than an exploit.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

Facts = dict[str, Any]

_ARRAY_TAG = "__ndarray__"
_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64"}
)
MAX_DEPTH = 32
# The observe setting that carries the reference helpers an item is supplied (see
# ``AssignmentSpec.sandbox_plan``); it travels apart from the plan (``autograder.worker``).
SUPPLIED_KEY = "supplied"


class FactsError(ValueError):
    """A message from the sandbox that is not well-formed facts."""


def to_plain(value: Any, depth: int = 0) -> Any:
    """Convert observation output (tensors, arrays, tuples, numpy scalars) to encodable data."""
    if depth > MAX_DEPTH:
        raise FactsError("facts nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, depth + 1) for v in value]
    raise FactsError(f"cannot send a {type(value).__name__} as a fact")


def _encode_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        dtype = str(obj.dtype)
        if dtype not in _DTYPES:
            obj = obj.astype(np.float64)
            dtype = "float64"
        data = np.ascontiguousarray(obj).tobytes()
        return {_ARRAY_TAG: {"dtype": dtype, "shape": list(obj.shape),
                             "data": base64.b64encode(data).decode("ascii")}}
    raise TypeError(f"not a fact: {type(obj).__name__}")


def encode(facts: Any) -> str:
    """Serialise facts to one JSON line (non-finite floats as strings)."""
    return json.dumps(_finite(to_plain(facts)), default=_encode_default, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def decode(text: str | bytes) -> Any:
    """Parse and validate one facts message; raise :class:`FactsError` if malformed."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FactsError(f"facts are not valid JSON: {exc}") from None
    return _revive(raw, 0)


def _revive(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise FactsError("facts nested too deeply")
    if isinstance(value, list):
        return [_revive(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {_ARRAY_TAG}:
        return _revive_array(value[_ARRAY_TAG])
    if set(value) == {"__float__"}:
        if value["__float__"] not in ("nan", "inf", "-inf"):
            raise FactsError("bad non-finite float")
        return float(value["__float__"])
    return {k: _revive(v, depth + 1) for k, v in value.items()}


def _revive_array(spec: Any) -> np.ndarray:
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"}:
        raise FactsError("malformed array")
    dtype, shape, data = spec["dtype"], spec["shape"], spec["data"]
    if dtype not in _DTYPES or not isinstance(shape, list) or not isinstance(data, str):
        raise FactsError("malformed array")
    if not all(isinstance(n, int) and 0 <= n for n in shape):
        raise FactsError("malformed array shape")
    try:
        buf = base64.b64decode(data, validate=True)
    except ValueError:
        raise FactsError("malformed array data") from None
    count = math.prod(shape)
    if len(buf) != count * np.dtype(dtype).itemsize:
        raise FactsError("array data does not match its shape")
    return np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
