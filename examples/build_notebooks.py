"""Writes examples/mlp_regression/sheet_2_3_faithful.ipynb: a notebook as students hand it in.

It follows Sheet 2.3 of the earlier edition literally: camelCase names, seaborn
and pandas imports, ``%matplotlib inline``, and two training loops of 50,000
epochs at top level (about 200k Adam steps each). The grader must bound those
cells, stub the missing plotting packages, and still give full marks.
Run ``python examples/build_notebooks.py`` after editing.
"""

from pathlib import Path

import nbformat

CELLS = [
    ("markdown", "# Sheet 2.3: Non-linear regression with an MLP\n\nFit a noisy cubic-plus-sine with a small MLP."),
    ("code", """import numpy as np
import matplotlib.pyplot as plt
import seaborn as sns
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
%matplotlib inline
sns.set(style="whitegrid")"""),
    ("markdown", "## The goal function"),
    ("code", """def goalFun(x):
    return x**3 - x**2 + 25 * np.sin(2 * x)

xGrid = np.linspace(-5, 5, 1000)
plt.plot(xGrid, goalFun(xGrid))
plt.show()"""),
    ("code", """nObs = 100
torch.manual_seed(1)
xObs = 10 * torch.rand(nObs) - 5
yObs = goalFun(xObs) + torch.normal(0.0, 10.0, size=(nObs,))
sns.scatterplot(x=xObs.numpy(), y=yObs.numpy())
plt.show()"""),
    ("markdown", "## A Dataset for the observations"),
    ("code", """class nonLinearRegressionData(Dataset):
    '''Custom Data set class for non-linear regression'''
    def __init__(self, xObs, yObs):
        self.xObs = torch.reshape(torch.as_tensor(xObs, dtype=torch.float32), (len(xObs), 1))
        self.yObs = torch.reshape(torch.as_tensor(yObs, dtype=torch.float32), (len(yObs), 1))

    def __len__(self):
        return len(self.xObs)

    def __getitem__(self, idx):
        return (self.xObs[idx], self.yObs[idx])

d = nonLinearRegressionData(xObs, yObs)
train_loader = DataLoader(d, batch_size=25, shuffle=True)"""),
    ("markdown", "## The MLP, layer by layer"),
    ("code", """class MLPexplicit(nn.Module):
    '''Multi-layer perceptron for non-linear regression.'''
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

mlpExplicit = MLPexplicit(1, 10, 1)"""),
    ("code", """loss_function = nn.MSELoss()
optimizer = torch.optim.Adam(mlpExplicit.parameters(), lr=1e-4)
epochs = 50000
for epoch in range(0, epochs):
    current_loss = 0.0
    for i, data in enumerate(train_loader, 0):
        inputs, targets = data
        optimizer.zero_grad()
        outputs = mlpExplicit(inputs)
        loss = loss_function(outputs, targets)
        loss.backward()
        optimizer.step()
        current_loss += loss.item()
    if (epoch + 1) % 2500 == 0:
        print('Loss after epoch %5d: %.3f' % (epoch + 1, current_loss))
print('Training process has finished.')"""),
    ("code", """yPred = mlpExplicit(torch.reshape(torch.as_tensor(xGrid, dtype=torch.float32), (1000, 1))).detach()
plt.plot(xGrid, goalFun(xGrid))
plt.plot(xGrid, yPred.numpy().ravel())
plt.show()"""),
    ("markdown", "## The same network, condensed"),
    ("code", """class MLPcondensed(nn.Module):
    '''Multi-layer perceptron for non-linear regression.'''
    def __init__(self, nInput, nHidden, nOutput):
        super(MLPcondensed, self).__init__()
        self.layers = nn.Sequential(
            nn.Linear(nInput, nHidden),
            nn.ReLU(),
            nn.Linear(nHidden, nHidden),
            nn.ReLU(),
            nn.Linear(nHidden, nHidden),
            nn.ReLU(),
            nn.Linear(nHidden, nOutput)
        )

    def forward(self, x):
        return self.layers(x)"""),
    ("markdown", "## Any layout, and a training function"),
    ("code", """class MLP(nn.Module):
    def __init__(self, layout):
        super().__init__()
        layers = []
        for nIn, nOut in zip(layout[:-2], layout[1:-1]):
            layers += [nn.Linear(nIn, nOut), nn.ReLU()]
        layers.append(nn.Linear(layout[-2], layout[-1]))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def train(model, dataloader, n_epochs, lr=1e-4):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_function = nn.MSELoss()
    losses = []
    for epoch in range(n_epochs):
        current_loss = 0.0
        for inputs, targets in dataloader:
            optimizer.zero_grad()
            loss = loss_function(model(inputs), targets)
            loss.backward()
            optimizer.step()
            current_loss += loss.item()
        losses.append(current_loss)
    return losses"""),
    ("code", """mlp = MLP([1, 10, 10, 10, 1])
losses = train(mlp, train_loader, 50000)"""),
    ("code", """df = pd.DataFrame({"epoch": range(len(losses)), "loss": losses})
sns.lineplot(data=df, x="epoch", y="loss")
plt.yscale("log")
plt.show()"""),
]


def build(target: Path) -> None:
    cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
             for kind, src in CELLS]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, target)


if __name__ == "__main__":
    build(Path(__file__).resolve().parent / "mlp_regression" / "sheet_2_3_faithful.ipynb")
