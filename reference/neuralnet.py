"""Reference solution: a binary image classifier (machine-problem style, CS440).

``NeuralNet`` is one hidden layer of 32 units, Linear(in_size, 32) - ReLU -
Linear(32, out_size), which outputs one score (logit) per class. It keeps the
loss function it is given (``nn.CrossEntropyLoss()`` in the MP, which takes
the logits and the class indices) and an optimiser over its own parameters:
here SGD with momentum 0.9, the usual choice for this MP (any optimiser passes).

``fit`` standardises the images with the training set's statistics (the dev
set is unseen data: it gets the same transform, never statistics of its own),
trains for ``n_iter`` steps on batches of ``batch_size`` rows taken in turn
from a shuffled training set, and labels the dev set with the class of the
largest logit.
"""

# `autograder assign neuralnet` writes the student template from this file and
# student_template/neuralnet.sheet.yaml: each BEGIN/END SOLUTION region becomes a
# `raise NotImplementedError`.

import torch
from torch import nn, optim


class NeuralNet(nn.Module):
    def __init__(self, lrate, loss_fn, in_size, out_size):
        super().__init__()
        ### BEGIN SOLUTION
        self.loss_fn = loss_fn
        self.hidden = nn.Linear(in_size, 32)
        self.relu = nn.ReLU()
        self.output = nn.Linear(32, out_size)
        # Built after the layers: the optimiser holds the parameters that exist now.
        self.optimizer = optim.SGD(self.parameters(), lr=lrate, momentum=0.9)
        ### END SOLUTION

    def forward(self, x):
        """(N, in_size) -> (N, out_size) logits: no activation after the output layer."""
        ### BEGIN SOLUTION
        return self.output(self.relu(self.hidden(x)))
        ### END SOLUTION

    def step(self, x, y):
        """One optimiser step on the batch ``(x, y)``; returns the loss before the step."""
        ### BEGIN SOLUTION
        self.optimizer.zero_grad()  # backward() adds to .grad: reset it every step
        loss = self.loss_fn(self.forward(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()  # a Python float, detached from the graph
        ### END SOLUTION


def fit(train_set, train_labels, dev_set, n_iter, batch_size=100):
    """Train a NeuralNet for ``n_iter`` steps; return ``(losses, yhats, net)``.

    ``losses`` holds one float per step, ``yhats`` the predicted class of every
    dev row as an ``(M,)`` NumPy array of integers.
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION
