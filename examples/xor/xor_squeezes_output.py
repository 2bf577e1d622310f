"""Mistake: forward squeezes the output to shape (N,) instead of (N, 1).

MSELoss then broadcasts the (4,) predictions against y of shape (4, 1) into a
4x4 table, so training fits the mean (0.5) and never learns XOR.
Should lose: xor.forward (half: values right, shape wrong) and xor.boundary
(0 of 5 seeds). xor.loss_decrease passes through the grader-built network.
"""

import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=16):
        super().__init__()
        self.linear1 = nn.Linear(2, n_hidden)
        self.sigmoid = nn.Sigmoid()
        self.linear2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.linear2(self.sigmoid(self.linear1(x))).squeeze()


def train_xor(model, X, y, epochs=200, lr=0.05):
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
