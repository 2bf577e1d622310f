"""Not wrong code, but unreliable defaults: the sheet's two hidden units.

XOR(n_hidden=2) with Adam solves XOR from about 4 initialisations in 5 (161 of
200 seeds measured); on the grader's fixed seeds 0-4, seeds 1 and 2 get stuck.
Should get: xor.boundary partial (3 of 5 seeds, 3/4 of the points); every other
item passes (xor.loss_decrease on seed 0, which solves).
"""

import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=2):
        super().__init__()
        self.linear1 = nn.Linear(2, n_hidden)
        self.sigmoid = nn.Sigmoid()
        self.linear2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.linear2(self.sigmoid(self.linear1(x)))


def train_xor(model, X, y, epochs=500, lr=0.05):
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
