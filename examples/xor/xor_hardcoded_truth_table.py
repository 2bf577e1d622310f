"""Mistake (a cheat): forward returns the XOR truth table instead of computing it.

The layers run (so training does not crash) but are multiplied by zero; the
answer comes from rounding the inputs, whatever the weights are. The grader
judges a trained model by its weights, never by outputs it reports: xor.forward
recomputes Linear-Sigmoid-Linear from the model's own weights, and xor.boundary
predicts from the trained weights, which never learn here.
Should lose: xor.forward and xor.boundary. xor.loss_decrease passes through the
grader-built network (the loss on this model is 0 from the first epoch).
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
        out = self.linear2(self.sigmoid(self.linear1(x)))
        truth_table = (x.round().sum(dim=1, keepdim=True) == 1).float()
        return truth_table + 0 * out


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
