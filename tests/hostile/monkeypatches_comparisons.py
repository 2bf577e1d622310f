"""Hostile: wrong answers, plus every comparison function patched to say "equal".

torch.allclose/equal/isclose, numpy.allclose/isclose/array_equal,
numpy.testing.assert_*, math.isclose, builtins.isinstance, Tensor.__eq__.
Expected: comparisons happen in the grader's process, so none of this helps:
the file earns exactly what its control (the same file without the hostile
part) earns, and no item passes.
"""
import builtins
import math

import numpy as np
import numpy.testing
import torch
from torch import nn

# --- hostile part
always = lambda *args, **kwargs: True  # noqa: E731
nothing = lambda *args, **kwargs: None  # noqa: E731
torch.allclose = torch.equal = always
torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(torch.as_tensor(a), dtype=torch.bool)
torch.Tensor.__eq__ = lambda self, other: True
np.allclose = np.array_equal = np.array_equiv = always
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
for name in dir(numpy.testing):
    if name.startswith("assert_"):
        setattr(numpy.testing, name, nothing)
math.isclose = always
builtins.isinstance = always
builtins.issubclass = always
# --- end of hostile part


def linear_model(x, w, b):
    return torch.zeros(len(x), 2)


def mse(t1, t2):
    return torch.tensor(0.0)


def gd_step(w, b, inputs, targets, lr):
    return 0.0


def fit(num_epochs, model, loss_fn, opt, train_dl):
    return None


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(3, 3)
        self.linear2 = nn.Linear(3, 2)

    def forward(self, x):
        return self.linear2(self.linear1(x))  # no ReLU
