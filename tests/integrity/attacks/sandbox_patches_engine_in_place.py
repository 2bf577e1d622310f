"""Attack: implements nothing, finds the grader's modules without importing them, patches them.

The contract's names ``XOR`` and ``train_xor`` are never defined; a correct
XOR is kept under other names. At import, with no ``import autograder``, the
file finds the engine's modules through the garbage collector and the call
stack, then: rebinds ``observe`` in every module that holds it, swaps the code
of ``observation.observe`` for a forger's, replaces every entry of the
observer registry in place, replaces ``SubmissionNamespace.get`` so that the
real observers see the hidden solution, swaps ``sys.modules`` entries for fake
modules, and changes the class of the grader's ``facts`` module (so that
``facts_mod.to_plain`` would answer with the forger's function). Every route would make each
record a genuine observation of a correct solution (10/10).
It prints the routes it took (``tampered: ...``); a forger prints
``FORGED-OBSERVE-RAN`` whenever it is called.
Expected: the grader restores its own code before any item runs, no forger
ever runs, and the file earns what its control earns: nothing.
"""
import torch
from torch import nn

# --- hostile part
import gc
import sys
import types


class _HiddenXOR(nn.Module):
    def __init__(self, n_hidden=16):
        super().__init__()
        self.linear1 = nn.Linear(2, n_hidden)
        self.sigmoid = nn.Sigmoid()
        self.linear2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.linear2(self.sigmoid(self.linear1(x)))


def _hidden_train(model, X, y, epochs=200, lr=0.05):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


HIDDEN = {"XOR": _HiddenXOR, "train_xor": _hidden_train}


class _Names:
    def get(self, name):
        return HIDDEN[name]

    def has(self, name):
        return name in HIDDEN

    def candidates(self, name):
        return (name,)


def engine_namespaces():
    """The globals of every engine module this process holds, found without importing.

    Starts from the call stack (the grader's loader and sandbox called us) and
    follows modules, functions and classes of the grader's package, and the
    garbage collector's list of objects. Returns {module name: (module or None, its dict)}.
    """
    found, todo = {}, []
    frame = sys._getframe()
    while frame is not None:
        todo.append(frame.f_globals)
        frame = frame.f_back
    todo.extend(obj for obj in gc.get_objects() if isinstance(obj, types.ModuleType))
    while todo:
        item = todo.pop()
        if isinstance(item, types.ModuleType):
            module, namespace = item, vars(item)
        elif isinstance(item, dict):
            module, namespace = None, item
        else:
            continue
        name = namespace.get("__name__", "")
        if not isinstance(name, str) or not name.startswith("autograder"):
            continue
        if name in found and (found[name][0] is not None or module is None):
            continue
        found[name] = (module, namespace)
        for value in list(namespace.values()):
            if isinstance(value, types.ModuleType):
                todo.append(value)
            elif isinstance(value, types.FunctionType):
                todo.append(value.__globals__)
            elif isinstance(value, type) and hasattr(value, "__dict__"):
                todo.extend(v.__globals__ for v in vars(value).values() if isinstance(v, types.FunctionType))
    return found


ENGINE = engine_namespaces()
tampered = []
OBSERVERS = ENGINE.get("autograder.observation", (None, {}))[1].get("OBSERVERS", {})
REAL = dict(OBSERVERS)
TO_PLAIN = ENGINE.get("autograder.facts", (None, {}))[1].get("to_plain", lambda value: value)


def _forge(item_id, params):
    print("FORGED-OBSERVE-RAN", item_id, flush=True)
    return {"status": "ok", "facts": TO_PLAIN(REAL[item_id](_Names(), params))}


def forged_observe(item_id, ns, params):
    return _forge(item_id, params)


def _forged_facts(value):
    print("FORGED-OBSERVE-RAN facts", flush=True)
    return value


def code_for_swap(item_id, ns, params):
    # Runs with the globals of the function whose code it replaces: reach back by name only.
    import sys
    return sys.modules["submission"]._forge(item_id, params)


def forged_observer(item_id):
    def run(ns, params):
        print("FORGED-OBSERVE-RAN", item_id, flush=True)
        return REAL[item_id](_Names(), params)
    return run


for name, (module, namespace) in sorted(ENGINE.items()):
    if isinstance(namespace.get("observe"), types.FunctionType):
        if name == "autograder.observation":
            namespace["observe"].__code__ = code_for_swap.__code__
            tampered.append("observation.observe.__code__")
        else:
            namespace["observe"] = forged_observe
            tampered.append(f"{name}.observe")
for key in list(OBSERVERS):
    OBSERVERS[key] = forged_observer(key)
    tampered.append(f"OBSERVERS[{key}]")
for name, (module, namespace) in ENGINE.items():
    cls = namespace.get("SubmissionNamespace")
    if isinstance(cls, type) and cls.__module__ == name:
        cls.get = lambda self, name: HIDDEN[name]
        cls.has = lambda self, name: name in HIDDEN
        tampered.append("SubmissionNamespace.get")
fake = types.ModuleType("autograder.observation")
fake.observe = forged_observe
sys.modules["autograder.observation"] = fake
sys.modules["autograder.sandbox"] = fake
tampered.append("sys.modules")
facts_module = ENGINE.get("autograder.facts", (None, {}))[0]
if facts_module is not None:
    class _Lying(types.ModuleType):
        """Every ``facts_mod.to_plain(...)`` of the grader would send a forged record."""

        def __getattribute__(self, attr):
            if attr == "to_plain":
                return lambda value: TO_PLAIN(_forged_facts(value))
            return super().__getattribute__(attr)

    facts_module.__class__ = _Lying
    tampered.append("facts.__class__")


print("tampered:", " ".join(sorted(tampered)), flush=True)
# --- end of hostile part
