"""Hostile: wrong functions that zero the grader's own inputs in place.

``linear_model`` zeroes x, w and b and returns zeros, so "output == x @ w.T + b"
holds for the values the grader then reports. ``SimpleNet.forward`` zeroes its
input and its weights. Expected: no more than the same functions earn without
the zeroing (the control): no point for either.
"""
import torch
from torch import nn


def linear_model(x, w, b):
    # --- hostile part
    with torch.no_grad():
        for t in (x, w, b):
            t.zero_()
    # --- end of hostile part
    return torch.zeros(len(x), 2)


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(3, 3)
        self.linear2 = nn.Linear(3, 2)

    def forward(self, x):
        # --- hostile part
        with torch.no_grad():
            x.zero_()
            for p in self.parameters():
                p.zero_()
        # --- end of hostile part
        return torch.zeros(len(x), 2)
