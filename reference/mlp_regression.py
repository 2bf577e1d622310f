"""Reference solution: Sheet 2.3, non-linear regression with a multi-layer perceptron.

Written the way the sheet teaches it: the goal function, a custom ``Dataset``,
the MLP three ways (explicit, condensed, from a layout) and the training loop
with Adam and the MSE loss. Only cheap definitions at top level.
"""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


def goal_fun(x):
    """The true function: x^3 - x^2 + 25 sin(2x), for a NumPy array or a torch tensor."""
    if isinstance(x, torch.Tensor):
        return x**3 - x**2 + 25 * torch.sin(2 * x)
    return x**3 - x**2 + 25 * np.sin(2 * x)


# the training data: 100 noisy observations of the goal function on [-5, 5]
n_obs = 100
torch.manual_seed(1234)
x_obs = 10 * torch.rand(n_obs) - 5
y_obs = goal_fun(x_obs) + torch.distributions.Normal(0.0, 10.0).sample([n_obs])


class NonLinearRegressionData(Dataset):
    """The observations as a ``Dataset``: item ``i`` is ``(x_i, y_i)``, each of shape (1,)."""

    def __init__(self, x_obs, y_obs):
        x = torch.as_tensor(x_obs, dtype=torch.float32)
        y = torch.as_tensor(y_obs, dtype=torch.float32)
        self.x_obs = torch.reshape(x, (len(x), 1))
        self.y_obs = torch.reshape(y, (len(y), 1))

    def __len__(self):
        return len(self.x_obs)

    def __getitem__(self, idx):
        return self.x_obs[idx], self.y_obs[idx]


class MLPexplicit(nn.Module):
    """Multi-layer perceptron for non-linear regression, written out layer by layer."""

    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        self.n_input = n_input
        self.n_hidden = n_hidden
        self.n_output = n_output
        self.linear1 = nn.Linear(n_input, n_hidden)
        self.linear2 = nn.Linear(n_hidden, n_hidden)
        self.linear3 = nn.Linear(n_hidden, n_hidden)
        self.linear4 = nn.Linear(n_hidden, n_output)
        self.relu = nn.ReLU()

    def forward(self, x):
        h1 = self.relu(self.linear1(x))
        h2 = self.relu(self.linear2(h1))
        h3 = self.relu(self.linear3(h2))
        output = self.linear4(h3)
        return output


class MLPcondensed(nn.Module):
    """The same network, condensed into one ``nn.Sequential``."""

    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(n_input, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_output),
        )

    def forward(self, x):
        return self.layers(x)


class MLP(nn.Module):
    """An MLP of any layout ``[n_in, h1, ..., hk, n_out]``: ReLU after every hidden layer."""

    def __init__(self, layout):
        super().__init__()
        layers = []
        for i in range(len(layout) - 1):
            layers.append(nn.Linear(layout[i], layout[i + 1]))
            if i < len(layout) - 2:
                layers.append(nn.ReLU())
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def train(model, dataloader, n_epochs, lr=1e-4):
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
