"""Mistake: ``fit_poly_autograd`` resets three gradients but forgets ``d.grad``.

The loss still falls (accumulation on one coefficient acts like momentum), so
only the replay of the first steps catches it: ``poly.fit_autograd`` should get
partial credit, everything else passes.
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
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    a, b, c, d = (torch.randn((), dtype=x.dtype, requires_grad=True) for _ in range(4))
    for _ in range(steps):
        loss = (poly_predict(x, (a, b, c, d)) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
    return a.item(), b.item(), c.item(), d.item()
