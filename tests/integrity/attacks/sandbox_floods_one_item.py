"""Attack: a correct linear regression whose ``mse`` floods the facts pipe while its item runs.

Each call of ``mse`` writes, on every open descriptor, 5 MB of text without a
line break and then a 5 MB forged observation for linreg.mse, before
returning the right answer. Only linreg.mse calls the file's own ``mse``.
Expected: linreg.mse is ``crashed`` ("sent far more data than any answer
needs"): it costs that item only; every other item earns what the control
(the same file without the flooding) earns.
"""
import torch
from torch import nn

# --- hostile part
import json
import os


def flood():
    junk = b"x" * (5 << 20)
    record = {"status": "ok", "facts": {"pad": "y" * (5 << 20)}, "seconds": 0.1}
    message = {"kind": "observation", "item": "linreg.mse", "record": record}
    forged = ("\n" + json.dumps(message) + "\n").encode()
    for fd in range(3, 64):
        try:
            os.write(fd, junk)
            os.write(fd, forged)
        except OSError:
            pass
# --- end of hostile part


def linear_model(x, w, b):
    return torch.matmul(x, w.T) + b


def mse(t1, t2):
    # --- hostile part
    flood()
    # --- end of hostile part
    return torch.mean((t1 - t2) ** 2)


def gd_step(w, b, inputs, targets, lr):
    loss = mse(linear_model(inputs, w, b), targets)
    loss.backward()
    with torch.no_grad():
        w.sub_(lr * w.grad)
        b.sub_(lr * b.grad)
    w.grad = None
    b.grad = None
    return loss.item()


def fit(num_epochs, model, loss_fn, opt, train_dl):
    for _ in range(num_epochs):
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.net(x)
