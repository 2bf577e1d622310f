"""Write ``xor.ipynb``, the student template for the XOR problem (layout tutorial, last exercise).

Run ``python student_template/build_xor.py`` after editing the cells below; the
notebook is generated, never edited by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    ("md", """# The XOR problem

XOR ("exclusive or") is 1 when exactly one of its two inputs is 1:

| x1 | x2 | XOR |
|----|----|-----|
| 0  | 0  | 0   |
| 0  | 1  | 1   |
| 1  | 0  | 1   |
| 1  | 1  | 0   |

No straight line separates the 1s from the 0s, so a linear model cannot learn
it: its best mean squared error is 0.25, predicting 0.5 everywhere. One hidden
layer with a non-linear activation is enough. We train a small network on the
four points with the mean squared error and read its output, thresholded at
0.5, as the prediction.

Keep the names and signatures below exactly as given: the autograder calls them."""),
    ("code", """import torch
from torch import nn

X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])"""),
    ("md", """## The model

**Exercise 1.** Write the class `XOR(n_hidden=2)`, an `nn.Module` with three
layers, in this order:

1. `nn.Linear(2, n_hidden)`: the hidden layer,
2. `nn.Sigmoid()`: the non-linearity (without it the model stays linear),
3. `nn.Linear(n_hidden, 1)`: the output layer, with **no** activation after it.

`forward(x)` takes a batch of shape `(N, 2)` and returns shape `(N, 1)`, computed
by these layers from their own weights. For `XOR(2)` the parameter shapes are
`(2, 2) (2,) (1, 2) (1,)`.

The default width is your choice: two hidden units can represent XOR, but they
get stuck in a bad solution from about one random start in five. A few more
(8 or 16) make training reliable."""),
    ("code", """class XOR(nn.Module):
    def __init__(self, n_hidden=2):
        super().__init__()
        raise NotImplementedError("`XOR` is not implemented yet")

    def forward(self, x):
        raise NotImplementedError("`XOR.forward` is not implemented yet")"""),
    ("md", """## Training

**Exercise 2.** Write `train_xor(model, X, y, epochs=1000, lr=0.03)`. Create an
optimizer over `model.parameters()` (`torch.optim.Adam` or `torch.optim.SGD`)
and the loss `nn.MSELoss()`. Then, in every epoch, on all four points at once:

1. `optimizer.zero_grad()`: `backward()` *adds* to the gradients, so reset them,
2. compute the loss of `model(X)` against `y`,
3. `loss.backward()` and `optimizer.step()`,
4. append `loss.item()` to a list.

Return the list of per-epoch losses.

The defaults `epochs` and `lr` are yours to choose. The autograder calls
`train_xor(XOR(), X, y)` with your defaults from several fixed random seeds and
checks that the loss falls well (the last loss below 10% of the first) and that
the trained model gets XOR right at the four corners and near them; full credit
needs 4 seeds of 5. Keep one training run short (well under a second on a
laptop: a few hundred epochs with Adam, lr around 0.05, are plenty)."""),
    ("code", """def train_xor(model, X, y, epochs=1000, lr=0.03):
    raise NotImplementedError("`train_xor` is not implemented yet")"""),
    ("md", """## Try it

Train a model and look at its predictions: after training, the outputs at the
four corners should be close to 0, 1, 1, 0."""),
    ("code", """torch.manual_seed(0)
model = XOR()
losses = train_xor(model, X, y)
print(f"loss: {losses[0]:.4f} -> {losses[-1]:.6f} after {len(losses)} epochs")
with torch.no_grad():
    print("outputs:", model(X).view(-1))
    print("predictions:", (model(X) > 0.5).int().view(-1), "expected: [0, 1, 1, 0]")"""),
    ("md", """## Check your work

Save the notebook, then run the cell below. It runs the visible checks of the
autograder on your notebook; some further checks are only run after the due date."""),
    ("code", """!autograder check xor.ipynb --assignment xor"""),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    for number, cell in enumerate(nb.cells):
        cell.id = f"xor-{number:02d}"  # stable ids: rebuilding gives the same file
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    out = Path(__file__).with_name("xor.ipynb")
    nbformat.write(build(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
