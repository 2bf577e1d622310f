"""A correct submission, written differently from the reference.

The layers in one nn.Sequential, Adam instead of SGD with momentum, per-pixel
standardisation (the training set's statistics, applied to the dev set too), a
fresh permutation of the training set every epoch, float(loss).
Every item should pass.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class NeuralNet(nn.Module):
    def __init__(self, lrate, loss_fn, in_size, out_size):
        super(NeuralNet, self).__init__()
        self.loss_fn = loss_fn
        self.lrate = lrate
        self.model = nn.Sequential(
            nn.Linear(in_size, 32),
            nn.ReLU(),
            nn.Linear(32, out_size),
        )
        self.optimizer = optim.Adam(self.model.parameters(), lr=lrate)

    def forward(self, x):
        return self.model(x)

    def step(self, x, y):
        self.optimizer.zero_grad()
        yhat = self.forward(x)
        loss = self.loss_fn(yhat, y)
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())


def fit(train_set, train_labels, dev_set, n_iter, batch_size=100):
    mean = train_set.mean(dim=0)
    std = train_set.std(dim=0) + 1e-8
    train_set = (train_set - mean) / std
    dev_set = (dev_set - mean) / std

    net = NeuralNet(1e-3, nn.CrossEntropyLoss(), train_set.shape[1], 2)
    losses = []
    n = train_set.shape[0]
    perm = torch.randperm(n)
    pos = 0
    for _ in range(n_iter):
        if pos >= n:
            perm, pos = torch.randperm(n), 0
        idx = perm[pos:pos + batch_size]
        pos += batch_size
        losses.append(net.step(train_set[idx], train_labels[idx]))

    net.eval()
    with torch.no_grad():
        logits = net(dev_set)
    yhats = np.argmax(logits.numpy(), axis=1)
    return losses, yhats, net
