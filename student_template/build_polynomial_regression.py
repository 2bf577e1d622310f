"""Write ``polynomial_regression.ipynb``, the student template for fitting sin(x) with a cubic.

Run ``python student_template/build_polynomial_regression.py`` after editing the
cells below; the notebook is generated, never edited by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    ("md", """# Fitting sin(x) with a cubic: by hand, then with autograd

We fit y = sin(x) on 2000 points in [-pi, pi] with a third-order polynomial

    y_pred = a + b x + c x^2 + d x^3

by gradient descent on the **sum** of squared errors

    L = sum_i (y_pred_i - y_i)^2

first with NumPy and a gradient we derive by hand, then with torch tensors and
autograd, as in the slides. The coefficients start at random values, the
learning rate is 1e-6 and we take 2000 steps.

Keep the names and signatures of the functions below exactly as given: the
autograder calls them."""),
    ("code", """import math

import numpy as np
import torch

x = np.linspace(-math.pi, math.pi, 2000)
y = np.sin(x)"""),
    ("md", """## The model

**Exercise 1.** Write `poly_predict(x, coeffs)`, which returns
`a + b*x + c*x**2 + d*x**3` for `coeffs = (a, b, c, d)`. It must work both when
`x` is a NumPy array and when it is a torch tensor (with `a, b, c, d` plain
numbers or scalar tensors): the operators `+`, `*` and `**` work for both."""),
    ("code", """def poly_predict(x, coeffs):
    raise NotImplementedError("`poly_predict` is not implemented yet")"""),
    ("md", """## The gradient, by hand

With the residual `r_i = y_pred_i - y_i`, the chain rule gives

    dL/da = sum_i 2 r_i
    dL/db = sum_i 2 r_i x_i
    dL/dc = sum_i 2 r_i x_i^2
    dL/dd = sum_i 2 r_i x_i^3

**Exercise 2.** Write `poly_grad(x, y, coeffs)` with NumPy: return these four
numbers as an array, in the order (a, b, c, d)."""),
    ("code", """def poly_grad(x, y, coeffs):
    raise NotImplementedError("`poly_grad` is not implemented yet")"""),
    ("md", """## Gradient descent with NumPy

Start from random coefficients, `a = np.random.randn()` and so on, then repeat
`steps` times: compute the gradient with `poly_grad` and move every coefficient
a small step against it, `a -= lr * grad_a`.

**Exercise 3.** Write `fit_poly_numpy(x, y, lr=1e-6, steps=2000)`, returning
the four fitted coefficients (a, b, c, d). Printing the loss every few hundred
steps is welcome; it should fall from a very large number to about 10."""),
    ("code", """def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    raise NotImplementedError("`fit_poly_numpy` is not implemented yet")"""),
    ("code", """# Try it (uncomment):
# coeffs = fit_poly_numpy(x, y)
# print(coeffs)"""),
    ("md", """## The same with autograd

Now let PyTorch compute the gradient. Make `x` and `y` tensors
(`torch.as_tensor(x)`), create the coefficients as tensors that require a
gradient, `a = torch.randn((), requires_grad=True)`, and in every step:

1. compute `y_pred` and the loss `(y_pred - y).pow(2).sum()`,
2. call `loss.backward()`, which stores dL/da in `a.grad` (and so on),
3. inside `with torch.no_grad():` update every coefficient, `a -= lr * a.grad`,
4. reset every gradient (`a.grad = None`, or `a.grad.zero_()`): `backward()`
   *adds* to `.grad`, so gradients left over from earlier steps would pile up.

**Exercise 4.** Write `fit_poly_autograd(x, y, lr=1e-6, steps=2000)`, returning
the four fitted coefficients (a, b, c, d), e.g. as `a.item()`, ..."""),
    ("code", """def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    raise NotImplementedError("`fit_poly_autograd` is not implemented yet")"""),
    ("code", """# Try it (uncomment):
# xt = torch.linspace(-math.pi, math.pi, 2000)
# print(fit_poly_autograd(xt, torch.sin(xt)))"""),
    ("md", """## Check your work

Save the notebook, then run the cell below. It runs the visible checks of the
autograder on your notebook; some further checks are only run after the due date."""),
    ("code", """!autograder check polynomial_regression.ipynb --assignment polynomial_regression"""),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    for number, cell in enumerate(nb.cells):
        cell.id = f"poly-{number:02d}"  # stable ids: rebuilding gives the same file
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    out = Path(__file__).with_name("polynomial_regression.ipynb")
    nbformat.write(build(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
