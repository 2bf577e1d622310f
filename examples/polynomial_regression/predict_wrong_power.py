"""Mistake: a copy-paste slip in ``poly_predict``: the cubic term uses x**2.

Only ``poly.predict`` should lose points (the grader supplies its own
``poly_predict`` where the other functions call it).
"""

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 2


def poly_grad(x, y, coeffs):
    g = 2.0 * (poly_predict(x, coeffs) - y)
    return np.array([g.sum(), (g * x).sum(), (g * x ** 2).sum(), (g * x ** 3).sum()])


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    coeffs = np.random.randn(4)
    for _ in range(steps):
        coeffs -= lr * poly_grad(x, y, coeffs)
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    coeffs = [torch.randn((), dtype=x.dtype, requires_grad=True) for _ in range(4)]
    for _ in range(steps):
        loss = (poly_predict(x, coeffs) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for t in coeffs:
                t -= lr * t.grad
                t.grad = None
    return np.array([t.item() for t in coeffs])
