"""Attack: implements nothing, imports the grader's own modules and replaces ``observe``.

At import it tries ``import autograder.sandbox``, ``autograder.observation`` and
the kit's observer registry; with them it replaces ``sandbox.observe``,
``observation.observe`` and every registered observer by a forger that runs the
grader's real observer on a correct XOR kept under other names, so that each
record would be a genuine observation of a correct solution (10/10). The
contract's names ``XOR`` and ``train_xor`` are never defined.
It prints what it managed (``engine import: ...``); the forger prints
``FORGED-OBSERVE-RAN`` whenever it is called.
Expected: the import is refused, the forger never runs, and the file earns what
its control (the same file without the hostile part) earns: nothing.
"""
import torch
from torch import nn

# --- hostile part


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
    """What the grader's observers expect of a namespace, answering with the hidden solution."""

    def get(self, name):
        return HIDDEN[name]

    def has(self, name):
        return name in HIDDEN

    def candidates(self, name):
        return (name,)


try:
    import autograder.observation as observation_module
    import autograder.sandbox as sandbox_module
    from autograder import facts as facts_module
    from autograder.kit import KIND_OBSERVERS

    REAL = dict(KIND_OBSERVERS)

    def forged_observe(item_id, ns, params, kind=None, probes=None):
        print("FORGED-OBSERVE-RAN", item_id, flush=True)
        return {"status": "ok", "facts": facts_module.to_plain(REAL[kind](_Names(), params))}

    def forged_observer(key):
        def run(ns, params):
            print("FORGED-OBSERVE-RAN", key, flush=True)
            return REAL[key](_Names(), params)
        return run

    sandbox_module.observe = forged_observe
    observation_module.observe = forged_observe
    for key in list(KIND_OBSERVERS):
        KIND_OBSERVERS[key] = forged_observer(key)
    print("engine import: succeeded, observe replaced", flush=True)
except ImportError as exc:
    print(f"engine import: refused ({exc})", flush=True)
# --- end of hostile part
