"""Attack: while it loads, looks for the reference helpers the grader supplies to some items.

``poly.grad`` is supplied the reference's ``poly_predict``, and the fits its
``poly_grad`` (``supply:`` in the YAML), so that one mistake costs one item.
Their source travels in the sandbox plan. This file searches, at import time,
every frame above it and every dict the garbage collector tracks for a plan
(as a dict or as JSON text) carrying ``supplied`` sources, and defines
``poly_predict`` and ``poly_grad`` from what it finds. It prints
``supplied found: [...]``. Expected: nothing found, no credit on any item.
"""
import gc
import json
import sys


def plans_in(value, depth=0):
    """Every ``supplied`` mapping inside ``value`` (a dict, a list or JSON text)."""
    if depth > 6:
        return
    if isinstance(value, str) and '"supplied"' in value and len(value) < 10_000_000:
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, dict):
        if isinstance(value.get("supplied"), dict):
            yield value["supplied"]
        for inner in list(value.values()):
            yield from plans_in(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value[:100]:
            yield from plans_in(inner, depth + 1)


def find_sources():
    found = {}
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            for supplied in plans_in(value):
                found.update({k: v for k, v in supplied.items() if isinstance(v, str)})
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "supplied" in obj:
            for supplied in plans_in(obj):
                found.update({k: v for k, v in supplied.items() if isinstance(v, str)})
    return found


SOURCES = find_sources()
print("supplied found:", sorted(SOURCES))
_scope = {}
for _source in SOURCES.values():
    try:
        exec(_source, _scope)
    except BaseException:
        pass


def _missing(name):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"`{name}` is not implemented, and no supplied source was found")

    return stub


poly_predict = _scope.get("poly_predict") or _missing("poly_predict")
poly_grad = _scope.get("poly_grad") or _missing("poly_grad")


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    raise NotImplementedError("`fit_poly_numpy` is not implemented yet")


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    raise NotImplementedError("`fit_poly_autograd` is not implemented yet")
