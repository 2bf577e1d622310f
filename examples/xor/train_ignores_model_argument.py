"""Mistake: train_xor builds and trains a new XOR() instead of the model it is given.

The returned losses fall, but the caller's model is never trained.
Should lose: xor.loss_decrease (the returned losses are not the losses of the model
it was given, which did not change) and xor.boundary (0 of 5 seeds: the model
stays untrained).
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
    net = XOR()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
