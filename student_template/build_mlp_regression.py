"""Write ``mlp_regression.ipynb``, the student template of Sheet 2.3.

Run ``python student_template/build_mlp_regression.py`` after editing the
cells below; the notebook is generated, never edited by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    ("md", """# Sheet 2.3: non-linear regression with a multi-layer perceptron

We fit a multi-layer perceptron (MLP) to noisy observations of a non-linear
function, using PyTorch's building blocks: a `Dataset` and a `DataLoader` for
the data, `nn.Linear` and `nn.ReLU` for the network, `nn.MSELoss` and the Adam
optimizer for training. Keep the names of the functions and classes below
exactly as given: the autograder calls them."""),
    ("code", """import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset
import matplotlib.pyplot as plt"""),
    ("md", """## 1. The true model and the training data

The data come from the goal function

$$f(x) = x^3 - x^2 + 25 \\sin(2x)$$

plus Gaussian noise with standard deviation 10, at 100 points drawn uniformly
from $[-5, 5]$.

**Exercise 1.** Write `goal_fun(x)`. It must work for a NumPy array *and* for a
torch tensor, and return the same type it was given (`np.sin` accepts both;
`torch.sin` only tensors)."""),
    ("code", """def goal_fun(x):
    raise NotImplementedError("`goal_fun` is not implemented yet")"""),
    ("code", """n_obs = 100
x_obs = 10 * torch.rand(n_obs) - 5                                  # uniform on [-5, 5]
y_obs = x_obs**3 - x_obs**2 + 25 * torch.sin(2 * x_obs) + 10 * torch.randn(n_obs)

# plt.scatter(x_obs, y_obs, s=8)
# x = np.linspace(-5, 5, 1000); plt.plot(x, goal_fun(x), color="g"); plt.show()"""),
    ("md", """## 2. The data as a `Dataset`

A `torch.utils.data.Dataset` must implement `__init__`, `__len__` and
`__getitem__`. A `DataLoader` then serves it in (shuffled) batches: with
`batch_size=25`, our 100 observations give 4 batches per epoch.

**Exercise 2.** Write `NonLinearRegressionData(x_obs, y_obs)`:

* it accepts two 1-D tensors (or NumPy arrays) of the same length `n`;
* `len(d)` is `n`;
* `d[i]` is the pair `(x_i, y_i)` of float32 tensors of shape `(1,)`, so that a
  batch has shape `(batch_size, 1)`, the shape `nn.Linear(1, ...)` expects.

Store the data on the instance (`self.x_obs = ...`) and read it from there in
`__getitem__`: a Dataset that reads global variables returns the wrong data as
soon as it is built on other observations (a test set, say)."""),
    ("code", """class NonLinearRegressionData(Dataset):
    def __init__(self, x_obs, y_obs):
        raise NotImplementedError("`NonLinearRegressionData` is not implemented yet")

    def __len__(self):
        raise NotImplementedError("`NonLinearRegressionData.__len__` is not implemented yet")

    def __getitem__(self, idx):
        raise NotImplementedError("`NonLinearRegressionData.__getitem__` is not implemented yet")"""),
    ("md", """## 3. The MLP, written out layer by layer

Our network has one input, three hidden layers of `n_hidden` units and one
output:

    Linear(n_input, n_hidden) -> ReLU -> Linear(n_hidden, n_hidden) -> ReLU
      -> Linear(n_hidden, n_hidden) -> ReLU -> Linear(n_hidden, n_output)

There is no activation after the last layer: this is regression, and the output
must be able to take any value. `nn.Linear(n_in, n_out)` creates its weight (of
shape `(n_out, n_in)`) and bias (of shape `(n_out,)`) with PyTorch's default
initialisation, uniform on $\\pm 1/\\sqrt{n_{in}}$; keep it.

**Exercise 3.** Write `MLPexplicit(n_input, n_hidden, n_output)`: create the four
`nn.Linear` layers as attributes in `__init__` (in this order) and apply them, with
ReLUs in between, in `forward`. Print the shapes of `model.parameters()` for
`MLPexplicit(1, 10, 1)`: you should see (10,1) (10,) (10,10) (10,) (10,10) (10,) (1,10) (1,)."""),
    ("code", """class MLPexplicit(nn.Module):
    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        raise NotImplementedError("`MLPexplicit` is not implemented yet")

    def forward(self, x):
        raise NotImplementedError("`MLPexplicit.forward` is not implemented yet")"""),
    ("md", """## 4. The same network, condensed

`nn.Sequential(...)` chains modules: its `forward` applies them one after the other.

**Exercise 4.** Write `MLPcondensed(n_input, n_hidden, n_output)`, the same
network as one `nn.Sequential`."""),
    ("code", """class MLPcondensed(nn.Module):
    def __init__(self, n_input, n_hidden, n_output):
        super().__init__()
        raise NotImplementedError("`MLPcondensed` is not implemented yet")

    def forward(self, x):
        raise NotImplementedError("`MLPcondensed.forward` is not implemented yet")"""),
    ("md", """## 5. Any layout

**Exercise 5.** Write `MLP(layout)` for a list `layout = [n_in, h1, ..., hk, n_out]`:
an `nn.Linear` between each pair of consecutive sizes, a ReLU after every hidden
layer and none after the output. `MLP([1, 10, 10, 10, 1])` is the network above;
`MLP([3, 7, 5, 2])` has three inputs, hidden layers of 7 and 5 units and two
outputs. Build the list of layers in a loop and pass it to `nn.Sequential(*layers)`."""),
    ("code", """class MLP(nn.Module):
    def __init__(self, layout):
        super().__init__()
        raise NotImplementedError("`MLP` is not implemented yet")

    def forward(self, x):
        raise NotImplementedError("`MLP.forward` is not implemented yet")"""),
    ("md", """## 6. Training

One *epoch* goes once through the `DataLoader`. For every batch `inputs, targets`:

1. `optimizer.zero_grad()`: PyTorch *adds* new gradients to the old ones,
2. `outputs = model(inputs)` and `loss = loss_function(outputs, targets)`,
3. `loss.backward()` computes the gradients,
4. `optimizer.step()` updates the weights.

**Exercise 6.** Write `train(model, dataloader, n_epochs, lr=1e-4)`: use
`nn.MSELoss()` and `torch.optim.Adam(model.parameters(), lr=lr)` (created once),
and return a list of `n_epochs` floats, each the **sum** of that epoch's batch
losses (`loss.item()`). Then train `MLPcondensed(1, 10, 1)` on your data for a few
thousand epochs and plot its predictions against the goal function."""),
    ("code", """def train(model, dataloader, n_epochs, lr=1e-4):
    raise NotImplementedError("`train` is not implemented yet")"""),
    ("code", """# d = NonLinearRegressionData(x_obs, y_obs)
# train_dataloader = DataLoader(d, batch_size=25, shuffle=True)
# model = MLPcondensed(1, 10, 1)
# losses = train(model, train_dataloader, 2000, lr=1e-3)
# plt.plot(losses); plt.yscale("log"); plt.show()"""),
    ("md", """## Check your work

Save the notebook, then run the cell below. It runs the visible checks of the
autograder on your notebook; some further checks are only run after the due date."""),
    ("code", """!autograder check mlp_regression.ipynb --assignment mlp_regression"""),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    for number, cell in enumerate(nb.cells):
        cell.id = f"mlp-{number:02d}"  # stable ids: rebuilding gives the same file
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    out = Path(__file__).with_name("mlp_regression.ipynb")
    nbformat.write(build(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
