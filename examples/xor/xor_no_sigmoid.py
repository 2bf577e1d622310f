"""Mistake: the Sigmoid is created but never applied, so the network is linear.

A linear model cannot separate XOR: its best mean squared error is 0.25.
Should lose: xor.forward (outputs equal Linear-Linear) and xor.boundary (0 of 5
seeds). xor.shapes passes, and so does xor.loss_decrease: train_xor is fine and
is credited through the grader-built network.
"""

import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=16):
        super().__init__()
        self.hidden = nn.Linear(2, n_hidden)
        self.activation = nn.Sigmoid()
        self.output = nn.Linear(n_hidden, 1)

    def forward(self, x):
        x = self.hidden(x)
        return self.output(x)


def train_xor(model, X, y, epochs=200, lr=0.05):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
