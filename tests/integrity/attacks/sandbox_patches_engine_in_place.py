"""Attack: implements nothing, finds the grader's modules without importing them, patches them.

The contract's names ``XOR`` and ``train_xor`` are never defined; a correct
XOR is kept under other names. At import, with no ``import autograder``, the
file finds the engine's modules through the garbage collector and the call
stack, then: rebinds ``observe`` in every module that holds it, swaps the code
of ``observation.observe`` for a forger's, replaces every entry of the kit's
observer registry and every probe of the course's ``probes.py`` module in place, replaces ``SubmissionNamespace.get`` so that the
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
KIND_OBSERVERS = next((namespace["KIND_OBSERVERS"] for _, namespace in ENGINE.values()
                       if isinstance(namespace.get("KIND_OBSERVERS"), dict)), {})  # e.g. observation's
REAL_KINDS = dict(KIND_OBSERVERS)
MARK = "_autograder_observer_of"  # how the course's probes.py marks a probe for an item
PROBES = {name: namespace for name, (module, namespace) in ENGINE.items()
          if name.startswith("autograder.course_probes_")}
REAL_PROBES = {value.__dict__[MARK]: value for namespace in PROBES.values() for value in list(namespace.values())
               if isinstance(value, types.FunctionType) and MARK in value.__dict__}
TO_PLAIN = ENGINE.get("autograder.facts", (None, {}))[1].get("to_plain", lambda value: value)


def _real(item_id, kind):
    return REAL_KINDS[kind] if kind is not None else REAL_PROBES[item_id]


def _forge(item_id, params, kind=None):
    print("FORGED-OBSERVE-RAN", item_id, flush=True)
    return {"status": "ok", "facts": TO_PLAIN(_real(item_id, kind)(_Names(), params))}


def forged_observe(item_id, ns, params, kind=None, probes=None):
    return _forge(item_id, params, kind)


def _forged_facts(value):
    print("FORGED-OBSERVE-RAN facts", flush=True)
    return value


def code_for_swap(item_id, ns, params, kind=None, probes=None):
    # Runs with the globals of the function whose code it replaces: reach back by name only.
    import sys
    return sys.modules["submission"]._forge(item_id, params, kind)


def forged_observer(real, label):
    def run(ns, params):
        print("FORGED-OBSERVE-RAN", label, flush=True)
        return real(_Names(), params)
    return run


for name, (module, namespace) in sorted(ENGINE.items()):
    if isinstance(namespace.get("observe"), types.FunctionType):
        if name == "autograder.observation":
            namespace["observe"].__code__ = code_for_swap.__code__
            tampered.append("observation.observe.__code__")
        else:
            namespace["observe"] = forged_observe
            tampered.append(f"{name}.observe")
for key in list(KIND_OBSERVERS):
    KIND_OBSERVERS[key] = forged_observer(REAL_KINDS[key], key)
    tampered.append(f"KIND_OBSERVERS[{key}]")
for namespace in PROBES.values():
    for attr, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and MARK in value.__dict__:
            forged = forged_observer(value, value.__dict__[MARK])
            forged.__dict__[MARK] = value.__dict__[MARK]
            namespace[attr] = forged
            tampered.append(f"probes[{value.__dict__[MARK]}]")
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
