"""Reference solution: Sheet 2.3, non-linear regression with a multi-layer perceptron.

Written the way the sheet teaches it: the goal function, a custom ``Dataset``,
the MLP three ways (explicit, condensed, from a layout) and the training loop
with Adam and the MSE loss. Only cheap definitions at top level.
"""

# `autograder assign mlp_regression` writes the student template from this file and
# student_template/mlp_regression.sheet.yaml: each BEGIN/END SOLUTION region becomes a
# `raise NotImplementedError`, or is left out outside a function.

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


def goal_fun(x):
    ### BEGIN SOLUTION
    """The true function: x^3 - x^2 + 25 sin(2x), for a NumPy array or a torch tensor."""
    if isinstance(x, torch.Tensor):
        return x**3 - x**2 + 25 * torch.sin(2 * x)
    return x**3 - x**2 + 25 * np.sin(2 * x)
    ### END SOLUTION


# the training data: 100 noisy observations of the goal function on [-5, 5]
n_obs = 100
torch.manual_seed(1234)
x_obs = 10 * torch.rand(n_obs) - 5
y_obs = goal_fun(x_obs) + torch.distributions.Normal(0.0, 10.0).sample([n_obs])


class NonLinearRegressionData(Dataset):
    ### BEGIN SOLUTION
    """The observations as a ``Dataset``: item ``i`` is ``(x_i, y_i)``, each of shape (1,)."""
    ### END SOLUTION

    def __init__(self, x_obs, y_obs):
        ### BEGIN SOLUTION
        x = torch.as_tensor(x_obs, dtype=torch.float32)
        y = torch.as_tensor(y_obs, dtype=torch.float32)
        self.x_obs = torch.reshape(x, (len(x), 1))
        self.y_obs = torch.reshape(y, (len(y), 1))
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.x_obs)
        ### END SOLUTION

    def __getitem__(self, idx):
        ### BEGIN SOLUTION
        return self.x_obs[idx], self.y_obs[idx]
        ### END SOLUTION


class MLPexplicit(nn.Module):
    ### BEGIN SOLUTION
    """Multi-layer perceptron for non-linear regression, written out layer by layer."""
    ### END SOLUTION

    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        ### BEGIN SOLUTION
        self.n_input = n_input
        self.n_hidden = n_hidden
        self.n_output = n_output
        self.linear1 = nn.Linear(n_input, n_hidden)
        self.linear2 = nn.Linear(n_hidden, n_hidden)
        self.linear3 = nn.Linear(n_hidden, n_hidden)
        self.linear4 = nn.Linear(n_hidden, n_output)
        self.relu = nn.ReLU()
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        h1 = self.relu(self.linear1(x))
        h2 = self.relu(self.linear2(h1))
        h3 = self.relu(self.linear3(h2))
        output = self.linear4(h3)
        return output
        ### END SOLUTION


class MLPcondensed(nn.Module):
    ### BEGIN SOLUTION
    """The same network, condensed into one ``nn.Sequential``."""
    ### END SOLUTION

    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        ### BEGIN SOLUTION
        self.layers = nn.Sequential(
            nn.Linear(n_input, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_output),
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.layers(x)
        ### END SOLUTION


class MLP(nn.Module):
    ### BEGIN SOLUTION
    """An MLP of any layout ``[n_in, h1, ..., hk, n_out]``: ReLU after every hidden layer."""
    ### END SOLUTION

    def __init__(self, layout):
        super().__init__()
        ### BEGIN SOLUTION
        layers = []
        for i in range(len(layout) - 1):
            layers.append(nn.Linear(layout[i], layout[i + 1]))
            if i < len(layout) - 2:
                layers.append(nn.ReLU())
        self.layers = nn.Sequential(*layers)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.layers(x)
        ### END SOLUTION


def train(model, dataloader, n_epochs, lr=1e-4):
    ### BEGIN SOLUTION
    """Adam + MSE over the batches; returns each epoch's summed batch loss."""
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(n_epochs):
        current_loss = 0.0
        for inputs, targets in dataloader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_function(outputs, targets)
            loss.backward()
            optimizer.step()
            current_loss += loss.item()
        losses.append(current_loss)
    return losses
    ### END SOLUTION
