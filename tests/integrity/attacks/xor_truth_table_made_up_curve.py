"""Attack: forward returns the XOR truth table, and train_xor returns a made-up falling curve.

Nothing is trained: train_xor nudges every parameter (so the model "changed")
and invents the curve; the layers run only so that the model has parameters.
Before the checks computed predictions from the trained weights and tied the
curve to them, this earned 7 of 10 (xor.shapes, xor.loss_decrease and
xor.boundary). Expected: only xor.shapes, whose answer (the layers) is really
there; no credit for xor.forward, xor.loss_decrease or xor.boundary.
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
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01)
    return [0.3 * 0.96 ** epoch for epoch in range(epochs)]
