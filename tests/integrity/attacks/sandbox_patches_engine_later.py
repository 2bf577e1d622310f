"""Attack: implements nothing, and patches the grader after it has restored itself.

The contract's names ``XOR`` and ``train_xor`` are never defined; a correct
XOR is kept under other names. At import the file registers fork handlers
(``os.register_at_fork``) and an audit hook (``sys.addaudithook``) that patch
the grader's registry of observers, sets a trace function, and starts a thread
that keeps patching the registry (found through the garbage collector) for
as long as grading lasts (bounded to a minute). Each patch would make the
records genuine observations of a correct solution (10/10).
It prints ``PATCHER-RAN`` each time its thread patched; a forger prints
``FORGED-OBSERVE-RAN`` and a fork handler ``AT-FORK-RAN`` when they run.
Expected: the fork and audit hooks are never kept, the item processes start
from the grader's own code (the thread does not exist there), no forger runs,
and the file earns what its control earns: nothing.
"""
import torch
from torch import nn

# --- hostile part
import gc
import os
import sys
import threading
import time
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


def find_registry():
    """The grader's registry of observers, reached from the call stack (the sandbox called us)."""
    frame = sys._getframe()
    while frame is not None:
        observe = frame.f_globals.get("observe")
        if isinstance(observe, types.FunctionType) and "OBSERVERS" in observe.__globals__:
            return observe.__globals__["OBSERVERS"]
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, types.ModuleType) and obj.__name__ == "autograder.observers":
            return obj.OBSERVERS
    return {}


REGISTRY = find_registry()


def registry():
    return REGISTRY


REAL = dict(registry())


def forged_observer(item_id):
    def run(ns, params):
        print("FORGED-OBSERVE-RAN", item_id, flush=True)
        return REAL[item_id](_Names(), params)
    return run


FORGED = {key: forged_observer(key) for key in REAL}


def patch(*_args):
    observers = registry()
    for key in list(observers):
        if observers[key] is not FORGED.get(key):
            observers[key] = FORGED[key]


def at_fork():
    print("AT-FORK-RAN", flush=True)
    patch()


def audit(event, args):
    if event in ("os.system", "open", "exec", "compile", "import"):
        patch()


def keep_patching():
    stop = time.time() + 60  # bounded
    announced = False
    while time.time() < stop:
        patch()
        if not announced:
            print("PATCHER-RAN", flush=True)
            announced = True
        time.sleep(0.0005)


def tracer(frame, event, arg):
    patch()
    return None


os.register_at_fork(before=patch, after_in_child=at_fork, after_in_parent=patch)
sys.addaudithook(audit)
sys.settrace(tracer)
threading.settrace(tracer)
threading.Thread(target=keep_patching, daemon=True).start()
time.sleep(0.2)  # let the thread patch once before loading ends
# --- end of hostile part
