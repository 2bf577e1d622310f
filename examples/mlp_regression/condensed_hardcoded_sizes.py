"""Mistake: MLPcondensed ignores its arguments and hard-codes the sheet's sizes 1, 10, 1.

Should get partial credit on mlp.condensed_shapes: MLPcondensed(1, 10, 1) is right, but
MLPcondensed(2, 6, 3) is not.
"""


import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def goal_fun(x):
    sin = torch.sin if torch.is_tensor(x) else np.sin
    return x**3 - x**2 + 25 * sin(2 * x)


torch.manual_seed(0)
x_obs = torch.linspace(-5, 5, 100)
y_obs = goal_fun(x_obs) + 10 * torch.randn(100)


class NonLinearRegressionData(Dataset):
    def __init__(self, x_obs, y_obs):
        self.x = torch.tensor(np.asarray(x_obs), dtype=torch.float32)
        self.y = torch.tensor(np.asarray(y_obs), dtype=torch.float32)

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class MLPexplicit(nn.Module):
    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        self.fc1 = nn.Linear(n_input, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_hidden)
        self.fc3 = nn.Linear(n_hidden, n_hidden)
        self.out = nn.Linear(n_hidden, n_output)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = F.relu(self.fc3(x))
        return self.out(x)


class MLPcondensed(nn.Module):
    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(1, 10), nn.ReLU(),
            nn.Linear(10, 10), nn.ReLU(),
            nn.Linear(10, 10), nn.ReLU(),
            nn.Linear(10, 1),
        )

    def forward(self, x):
        return self.net(x)


class MLP(nn.Module):
    def __init__(self, layout):
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(layout[:-1], layout[1:]))

    def forward(self, x):
        for layer in self.linears[:-1]:
            x = F.relu(layer(x))
        return self.linears[-1](x)


def train(model, dataloader, n_epochs, lr=1e-4):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(n_epochs):
        epoch_loss = 0.0
        for xb, yb in dataloader:
            loss = F.mse_loss(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        history.append(epoch_loss)
    return history


if __name__ == "__main__":
    loader = DataLoader(NonLinearRegressionData(x_obs, y_obs), batch_size=25, shuffle=True)
    print(train(MLP([1, 10, 10, 10, 1]), loader, 5))
