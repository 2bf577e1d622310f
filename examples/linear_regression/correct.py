"""A correct submission, written differently from the reference.

Uses ``torch.mean`` for the loss, ``sub_`` and ``grad = None`` in ``gd_step``,
``zero_grad`` before ``backward`` in ``fit`` and an ``nn.Sequential`` inside
``SimpleNet``. Every item should pass.
"""
import numpy as np
import torch
from torch import nn

inputs = torch.tensor([[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]],
                      dtype=torch.float32)
targets = torch.tensor([[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]],
                       dtype=torch.float32)


def linear_model(x, w, b):
    return torch.matmul(x, w.T) + b


def mse(t1, t2):
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
    history = []
    for epoch in range(num_epochs):
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        history.append(loss.item())
    print(f"final loss {history[-1]:.3f}")


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.net(x)


# A quick try-out at top level, as students do: cheap, and harmless to the grader.
w = torch.randn(2, 3, requires_grad=True)
b = torch.randn(2, requires_grad=True)
print(gd_step(w, b, inputs, targets, 1e-5))
