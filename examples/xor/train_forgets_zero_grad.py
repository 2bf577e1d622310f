"""Mistake: train_xor never resets the gradients (no optimizer.zero_grad()).

Each step uses the sum of all gradients so far, so training overshoots and the
loss ends higher than it started.
Should lose: xor.loss_decrease and xor.boundary (0 of 5 seeds); both judge
train_xor. xor.shapes and xor.forward pass.
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
        return self.linear2(self.sigmoid(self.linear1(x)))


def train_xor(model, X, y, epochs=200, lr=0.05):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
