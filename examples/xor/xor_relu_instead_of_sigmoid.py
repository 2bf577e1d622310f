"""Mistake: ReLU between the layers where the sheet asks for Sigmoid.

The network still learns XOR, so only the architecture item notices.
Should lose: xor.forward (outputs equal Linear-ReLU-Linear). Everything else passes.
"""

import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=16):
        super().__init__()
        self.linear1 = nn.Linear(2, n_hidden)
        self.relu = nn.ReLU()
        self.linear2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.linear2(self.relu(self.linear1(x)))


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
