"""Reference solution: linear regression from scratch (Tutorial 6, Part A).

Predicts crop yields (apples, oranges) from the climate of a region
(temperature, rainfall, humidity): first by hand with tensors and autograd,
then with PyTorch's built-ins (``nn.Linear``, ``F.mse_loss``, ``torch.optim.SGD``,
``DataLoader``), and finally with a small feed-forward network.

Only definitions and the (tiny) data live at top level; nothing is trained here.
"""

# `autograder assign linear_regression` writes the student template from this file and
# student_template/linear_regression.sheet.yaml: each BEGIN/END SOLUTION region becomes a
# `raise NotImplementedError`, or is left out outside a function.

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Input (temp, rainfall, humidity)
inputs = np.array([[73, 67, 43], [91, 88, 64], [87, 134, 58],
                   [102, 43, 37], [69, 96, 70], [73, 67, 43],
                   [91, 88, 64], [87, 134, 58], [102, 43, 37],
                   [69, 96, 70], [73, 67, 43], [91, 88, 64],
                   [87, 134, 58], [102, 43, 37], [69, 96, 70]],
                  dtype='float32')

# Targets (apples, oranges)
targets = np.array([[56, 70], [81, 101], [119, 133],
                    [22, 37], [103, 119], [56, 70],
                    [81, 101], [119, 133], [22, 37],
                    [103, 119], [56, 70], [81, 101],
                    [119, 133], [22, 37], [103, 119]],
                   dtype='float32')

inputs = torch.from_numpy(inputs)
targets = torch.from_numpy(targets)


def linear_model(x, w, b):
    ### BEGIN SOLUTION
    """The linear model: one row of predictions per row of ``x``."""
    return x @ w.t() + b
    ### END SOLUTION


def mse(t1, t2):
    ### BEGIN SOLUTION
    """Mean squared error between two tensors, as a differentiable scalar."""
    diff = t1 - t2
    return torch.sum(diff * diff) / diff.numel()
    ### END SOLUTION


def gd_step(w, b, inputs, targets, lr):
    ### BEGIN SOLUTION
    """One step of gradient descent on ``w`` and ``b``; returns the loss before the step."""
    preds = linear_model(inputs, w, b)
    loss = mse(preds, targets)
    loss.backward()
    with torch.no_grad():
        w -= w.grad * lr
        b -= b.grad * lr
        w.grad.zero_()
        b.grad.zero_()
    return loss
    ### END SOLUTION


def fit(num_epochs, model, loss_fn, opt, train_dl):
    ### BEGIN SOLUTION
    """Train ``model`` with ``opt`` for ``num_epochs`` passes over ``train_dl``."""
    for epoch in range(num_epochs):
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_fn(pred, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        if (epoch + 1) % 10 == 0:
            print('Epoch [{}/{}], Loss: {:.4f}'.format(epoch + 1, num_epochs, loss.item()))
    ### END SOLUTION


class SimpleNet(nn.Module):
    ### BEGIN SOLUTION
    """A feed-forward network: Linear(3, 3), ReLU, Linear(3, 2)."""
    ### END SOLUTION

    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.linear1 = nn.Linear(3, 3)
        self.act1 = nn.ReLU()
        self.linear2 = nn.Linear(3, 2)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.linear1(x)
        x = self.act1(x)
        x = self.linear2(x)
        return x
        ### END SOLUTION
