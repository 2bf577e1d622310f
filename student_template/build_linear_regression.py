"""Write ``linear_regression.ipynb``, the student template of Tutorial 6, Part A.

Run ``python student_template/build_linear_regression.py`` after editing the
cells below; the notebook is generated, never edited by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    ("md", """# Tutorial 6, Part A: linear regression from scratch

We predict the yield of apples and oranges (*targets*) in a region from its
average temperature, rainfall and humidity (*inputs*) with a linear model:

    yield_apple  = w11 * temp + w12 * rainfall + w13 * humidity + b1
    yield_orange = w21 * temp + w22 * rainfall + w23 * humidity + b2

First we build everything by hand with tensors and autograd, then with PyTorch's
built-ins. Keep the names of the functions and classes below exactly as given:
the autograder calls them."""),
    ("code", """import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader"""),
    ("md", """## The data

Fifteen rows: the same five regions, three times over."""),
    ("code", """# Input (temp, rainfall, humidity)
inputs = np.array([[73, 67, 43], [91, 88, 64], [87, 134, 58],
                   [102, 43, 37], [69, 96, 70], [73, 67, 43],
                   [91, 88, 64], [87, 134, 58], [102, 43, 37],
                   [69, 96, 70], [73, 67, 43], [91, 88, 64],
                   [87, 134, 58], [102, 43, 37], [69, 96, 70]],
                  dtype='float32')

# Targets (apples, oranges)
targets = np.array([[56, 70], [81, 101], [119, 133],
                    [22, 37], [103, 119], [56, 70],
                    [81, 101], [119, 133], [22, 37],
                    [103, 119], [56, 70], [81, 101],
                    [119, 133], [22, 37], [103, 119]],
                   dtype='float32')

inputs = torch.from_numpy(inputs)
targets = torch.from_numpy(targets)"""),
    ("md", """## The model

The weights form a matrix `w` of shape (2, 3), one row per output, and the
biases a vector `b` of shape (2,). For a batch `x` of shape (n, 3) the
predictions are `x @ w.t() + b`, of shape (n, 2).

**Exercise 1.** Write `linear_model(x, w, b)`."""),
    ("code", """def linear_model(x, w, b):
    raise NotImplementedError("`linear_model` is not implemented yet")"""),
    ("md", """## The loss

The mean squared error: subtract the targets from the predictions, square the
differences, and take the mean over all elements. It must stay a tensor, so that
`loss.backward()` can compute the gradients.

**Exercise 2.** Write `mse(t1, t2)`."""),
    ("code", """def mse(t1, t2):
    raise NotImplementedError("`mse` is not implemented yet")"""),
    ("md", """## Gradient descent

Create the parameters with `requires_grad=True`, e.g.
`w = torch.randn(2, 3, requires_grad=True)` and `b = torch.randn(2, requires_grad=True)`.
One step of gradient descent:

1. generate predictions and compute the loss,
2. compute the gradients with `loss.backward()`,
3. inside `with torch.no_grad():` move the weights a small step against the
   gradient, `w -= w.grad * lr` (the same for `b`),
4. reset both gradients to zero (`w.grad.zero_()`), because PyTorch *adds* new
   gradients to the old ones.

**Exercise 3.** Write `gd_step(w, b, inputs, targets, lr)`: one step as above,
updating `w` and `b` in place, and returning the loss computed before the update.
Then call it 100 times with `lr=1e-5` and watch the loss fall."""),
    ("code", """def gd_step(w, b, inputs, targets, lr):
    raise NotImplementedError("`gd_step` is not implemented yet")"""),
    ("md", """## With PyTorch's built-ins

`TensorDataset` and `DataLoader` split the data into batches,
`nn.Linear(3, 2)` holds `w` and `b`, `F.mse_loss` is the loss and
`torch.optim.SGD(model.parameters(), lr=1e-5)` does the update:

```python
train_ds = TensorDataset(inputs, targets)
train_dl = DataLoader(train_ds, batch_size=5, shuffle=True)
model = nn.Linear(3, 2)
opt = torch.optim.SGD(model.parameters(), lr=1e-5)
```

**Exercise 4.** Write `fit(num_epochs, model, loss_fn, opt, train_dl)`: for
every epoch and every batch `xb, yb`, predict, compute the loss, `backward()`,
`opt.step()` and `opt.zero_grad()`. Printing the loss every 10 epochs is
welcome. Then train for 100 epochs and compare the predictions with the targets."""),
    ("code", """def fit(num_epochs, model, loss_fn, opt, train_dl):
    raise NotImplementedError("`fit` is not implemented yet")"""),
    ("md", """## A feed-forward network

**Exercise 5.** Write `SimpleNet`, an `nn.Module` with a hidden layer:
`nn.Linear(3, 3)`, then `nn.ReLU()`, then `nn.Linear(3, 2)`. Train it with `fit`
as above."""),
    ("code", """class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        raise NotImplementedError("`SimpleNet` is not implemented yet")

    def forward(self, x):
        raise NotImplementedError("`SimpleNet.forward` is not implemented yet")"""),
    ("md", """## Check your work

Save the notebook, then run the cell below. It runs the visible checks of the
autograder on your notebook; some further checks are only run after the due date."""),
    ("code", """!autograder check linear_regression.ipynb --assignment linear_regression"""),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    for number, cell in enumerate(nb.cells):
        cell.id = f"linreg-{number:02d}"  # stable ids: rebuilding gives the same file
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    out = Path(__file__).with_name("linear_regression.ipynb")
    nbformat.write(build(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
