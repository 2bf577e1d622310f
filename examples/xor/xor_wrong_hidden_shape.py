"""Mistake: the hidden width is hard-coded to 4, ignoring the n_hidden argument.

XOR(2) therefore has parameter shapes (4,2) (4,) (1,4) (1,). The network is
otherwise right and learns XOR.
Should lose: xor.shapes only.
"""

import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=2):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(torch.sigmoid(self.fc1(x)))


def train_xor(model, X, y, epochs=400, lr=0.05):
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
