"""Mistake: the layers are re-initialised with N(0, 0.01) weights and zero biases
(an initialisation copied from a tutorial) instead of PyTorch's default
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

Should lose: neuralnet.init_range (the hidden layer's weights reach beyond
1/sqrt(2883) = 0.0186, the output layer's are spread far too little, and the
biases are all zero). The network trains as well from this start, so the other
items pass.
"""

import numpy as np
import torch
from torch import nn, optim


class NeuralNet(nn.Module):
    def __init__(self, lrate, loss_fn, in_size, out_size):
        super().__init__()
        self.loss_fn = loss_fn
        self.hidden = nn.Linear(in_size, 32)
        self.relu = nn.ReLU()
        self.output = nn.Linear(32, out_size)
        for layer in (self.hidden, self.output):  # "small random weights", as in a tutorial
            nn.init.normal_(layer.weight, mean=0.0, std=0.01)
            nn.init.zeros_(layer.bias)
        # Built after the layers: the optimiser holds the parameters that exist now.
        self.optimizer = optim.SGD(self.parameters(), lr=lrate, momentum=0.9)

    def forward(self, x):
        """(N, in_size) -> (N, out_size) logits: no activation after the output layer."""
        return self.output(self.relu(self.hidden(x)))

    def step(self, x, y):
        """One optimiser step on the batch ``(x, y)``; returns the loss before the step."""
        self.optimizer.zero_grad()  # backward() adds to .grad: reset it every step
        loss = self.loss_fn(self.forward(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()  # a Python float, detached from the graph


def fit(train_set, train_labels, dev_set, n_iter, batch_size=100):
    """Train a NeuralNet for ``n_iter`` steps; return ``(losses, yhats, net)``.

    ``losses`` holds one float per step, ``yhats`` the predicted class of every
    dev row as an ``(M,)`` NumPy array of integers.
    """
    mean, std = train_set.mean(), train_set.std()  # the training set's statistics, for both sets
    train_set = (train_set - mean) / std
    dev_set = (dev_set - mean) / std

    net = NeuralNet(0.01, nn.CrossEntropyLoss(), train_set.shape[1], 2)
    order = torch.randperm(len(train_set))
    losses = []
    for i in range(n_iter):
        start = (i * batch_size) % len(train_set)  # walk through the shuffled set, wrapping round
        rows = order[start:start + batch_size]
        losses.append(net.step(train_set[rows], train_labels[rows]))

    with torch.no_grad():
        yhats = net(dev_set).argmax(dim=1).numpy()
    return losses, yhats, net
