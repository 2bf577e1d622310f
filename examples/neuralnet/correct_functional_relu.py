"""A correct submission in the style of the MP's starter code.

Two named Linear layers with F.relu in forward, plain SGD with momentum, one
scalar mean and standard deviation of the training set (as the reference), a
DataLoader over the training set that is restarted when it runs out, and
loss.item().
Every item should pass.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class NeuralNet(nn.Module):
    def __init__(self, lrate, loss_fn, in_size, out_size):
        """in_size -> 32 -> out_size, with a ReLU in between."""
        super(NeuralNet, self).__init__()
        self.loss_fn = loss_fn
        self.fc1 = nn.Linear(in_size, 32)
        self.fc2 = nn.Linear(32, out_size)
        self.optimizer = optim.SGD(self.parameters(), lr=lrate, momentum=0.9)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)

    def step(self, x, y):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def fit(train_set, train_labels, dev_set, n_iter, batch_size=100):
    mu, sigma = train_set.mean(), train_set.std()
    train_set = (train_set - mu) / sigma
    dev_set = (dev_set - mu) / sigma

    net = NeuralNet(0.01, nn.CrossEntropyLoss(), train_set.size(1), 2)
    loader = DataLoader(TensorDataset(train_set, train_labels), batch_size=batch_size, shuffle=True)
    losses = []
    batches = iter(loader)
    for _ in range(n_iter):
        try:
            x, y = next(batches)
        except StopIteration:
            batches = iter(loader)
            x, y = next(batches)
        losses.append(net.step(x, y))

    yhats = np.array([torch.argmax(net(x)).item() for x in dev_set])
    return losses, yhats, net
