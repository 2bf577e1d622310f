"""Mistake: `gd_step` rebinds `w` and `b` to new tensors instead of updating in place.

The caller's ``w`` and ``b`` never change, so ``linreg.gd_step`` should be partial
(no update, and the loss does not fall over 100 steps).
"""
import torch
from torch import nn


def linear_model(x, w, b):
    return x @ w.t() + b


def mse(t1, t2):
    diff = t1 - t2
    return torch.sum(diff * diff) / diff.numel()


def gd_step(w, b, inputs, targets, lr):
    preds = linear_model(inputs, w, b)
    loss = mse(preds, targets)
    loss.backward()
    with torch.no_grad():
        w = w - w.grad * lr
        b = b - b.grad * lr
    return loss


def fit(num_epochs, model, loss_fn, opt, train_dl):
    for epoch in range(num_epochs):
        for xb, yb in train_dl:
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(3, 3)
        self.act1 = nn.ReLU()
        self.linear2 = nn.Linear(3, 2)

    def forward(self, x):
        return self.linear2(self.act1(self.linear1(x)))
