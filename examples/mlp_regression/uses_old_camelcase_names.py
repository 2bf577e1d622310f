"""The earlier edition of Sheet 2.3: `goalFun` and `nonLinearRegressionData`, camelCase arguments.

The spec declares these spellings as aliases, so every item should pass.
This is the old sheet's code with its Dataset bug fixed (items read from self).
"""

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def goalFun(x):
    return x**3 - x**2 + 25 * np.sin(2 * x)


torch.manual_seed(0)
nObs = 100
yNormal = torch.distributions.Normal(loc=0.0, scale=10)
yNoise = yNormal.sample([nObs])
xObs = 10 * torch.rand([nObs]) - 5
yObs = xObs**3 - xObs**2 + 25 * torch.sin(2 * xObs) + yNoise

nInput, nHidden, nOutput = 1, 10, 1


class MLPexplicit(nn.Module):
    def __init__(self, nInput, nHidden, nOutput):
        super(MLPexplicit, self).__init__()
        self.nInput = nInput
        self.nHidden = nHidden
        self.nOutput = nOutput
        self.linear1 = nn.Linear(self.nInput, self.nHidden)
        self.linear2 = nn.Linear(self.nHidden, self.nHidden)
        self.linear3 = nn.Linear(self.nHidden, self.nHidden)
        self.linear4 = nn.Linear(self.nHidden, self.nOutput)
        self.ReLU = nn.ReLU()

    def forward(self, x):
        h1 = self.ReLU(self.linear1(x))
        h2 = self.ReLU(self.linear2(h1))
        h3 = self.ReLU(self.linear3(h2))
        output = self.linear4(h3)
        return output


class MLPcondensed(nn.Module):
    def __init__(self, nInput, nHidden, nOutput):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(nInput, nHidden),
            nn.ReLU(),
            nn.Linear(nHidden, nHidden),
            nn.ReLU(),
            nn.Linear(nHidden, nHidden),
            nn.ReLU(),
            nn.Linear(nHidden, nOutput),
        )

    def forward(self, x):
        return self.layers(x)


class MLP(nn.Module):
    def __init__(self, layout):
        super().__init__()
        modules = []
        for nIn, nOut in zip(layout[:-2], layout[1:-1]):
            modules += [nn.Linear(nIn, nOut), nn.ReLU()]
        modules.append(nn.Linear(layout[-2], layout[-1]))
        self.layers = nn.Sequential(*modules)

    def forward(self, x):
        return self.layers(x)


class nonLinearRegressionData(Dataset):
    def __init__(self, xObs, yObs):
        xObs = torch.as_tensor(xObs, dtype=torch.float32)
        yObs = torch.as_tensor(yObs, dtype=torch.float32)
        self.xObs = torch.reshape(xObs, (len(xObs), 1))
        self.yObs = torch.reshape(yObs, (len(yObs), 1))

    def __len__(self):
        return len(self.xObs)

    def __getitem__(self, idx):
        return (self.xObs[idx], self.yObs[idx])


d = nonLinearRegressionData(xObs, yObs)
train_dataloader = DataLoader(d, batch_size=25, shuffle=True)


def train(model, dataloader, n_epochs, lr=1e-4):
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(0, n_epochs):
        current_loss = 0.0
        model.train()
        for i, data in enumerate(dataloader, 0):
            inputs, targets = data
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_function(outputs, targets)
            loss.backward()
            optimizer.step()
            current_loss += loss.item()
        losses.append(current_loss)
    return losses
