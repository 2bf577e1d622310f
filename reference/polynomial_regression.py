"""Reference solution: fitting y = sin(x) with a cubic (lecture slides, "Learning PyTorch with Examples").

The model is ``y = a + b x + c x^2 + d x^3`` and the loss the sum of squared
errors over the data, ``L = sum((y_pred - y)^2)``. First with NumPy and a
gradient derived by hand, then with torch tensors and autograd, exactly as the
slides do it: random initial coefficients, learning rate 1e-6, 2000 steps.

Only definitions live at top level; nothing is trained here.
"""

# `autograder assign polynomial_regression` writes the student template from this file and
# student_template/polynomial_regression.sheet.yaml: each BEGIN/END SOLUTION region becomes a
# `raise NotImplementedError`, or is left out outside a function.

import math

import numpy as np
import torch


def poly_predict(x, coeffs):
    ### BEGIN SOLUTION
    """``a + b x + c x^2 + d x^3``; works for NumPy arrays and torch tensors alike."""
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 3
    ### END SOLUTION


def poly_grad(x, y, coeffs):
    ### BEGIN SOLUTION
    """Gradient of ``sum((y_pred - y)^2)`` with respect to (a, b, c, d), by hand."""
    y_pred = poly_predict(x, coeffs)
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    return np.array([grad_a, grad_b, grad_c, grad_d])
    ### END SOLUTION


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    ### BEGIN SOLUTION
    """Gradient descent with the hand-written gradient; returns (a, b, c, d)."""
    a = np.random.randn()
    b = np.random.randn()
    c = np.random.randn()
    d = np.random.randn()
    for t in range(steps):
        grad_a, grad_b, grad_c, grad_d = poly_grad(x, y, (a, b, c, d))
        a -= lr * grad_a
        b -= lr * grad_b
        c -= lr * grad_c
        d -= lr * grad_d
    return np.array([a, b, c, d])
    ### END SOLUTION


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    ### BEGIN SOLUTION
    """The same fit with autograd: tensors that require grad, updates under no_grad."""
    x = torch.as_tensor(x)
    y = torch.as_tensor(y)
    a = torch.randn((), dtype=x.dtype, requires_grad=True)
    b = torch.randn((), dtype=x.dtype, requires_grad=True)
    c = torch.randn((), dtype=x.dtype, requires_grad=True)
    d = torch.randn((), dtype=x.dtype, requires_grad=True)
    for t in range(steps):
        y_pred = poly_predict(x, (a, b, c, d))
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return np.array([a.item(), b.item(), c.item(), d.item()])
    ### END SOLUTION


if __name__ == "__main__":
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    print("numpy:   ", fit_poly_numpy(x, y))
    xt = torch.linspace(-math.pi, math.pi, 2000)
    print("autograd:", fit_poly_autograd(xt, torch.sin(xt)))
