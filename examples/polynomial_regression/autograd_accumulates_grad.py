"""Mistake: ``fit_poly_autograd`` never resets the gradients.

``backward()`` adds to ``.grad``, so each step subtracts the sum of all
gradients so far and the fit oscillates instead of converging. Only
``poly.fit_autograd`` should lose points.
"""

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 3


def poly_grad(x, y, coeffs):
    g = 2.0 * (poly_predict(x, coeffs) - y)
    return np.array([np.sum(g * x ** k) for k in range(4)])


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    coeffs = np.random.randn(4)
    for _ in range(steps):
        coeffs -= lr * poly_grad(x, y, coeffs)
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    a = torch.randn((), requires_grad=True)
    b = torch.randn((), requires_grad=True)
    c = torch.randn((), requires_grad=True)
    d = torch.randn((), requires_grad=True)
    for _ in range(steps):
        loss = (poly_predict(x, (a, b, c, d)) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
    return a.item(), b.item(), c.item(), d.item()
