"""Mistake: ``poly_predict`` uses ``torch.pow``, so it only works on tensors.

``poly.predict`` should get half credit (torch inputs right, NumPy inputs
raise); everything else passes.
"""

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * torch.pow(x, 2) + d * torch.pow(x, 3)


def poly_grad(x, y, coeffs):
    a, b, c, d = coeffs
    r = 2 * (a + b * x + c * x ** 2 + d * x ** 3 - y)
    return np.array([r.sum(), (r * x).sum(), (r * x ** 2).sum(), (r * x ** 3).sum()])


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    coeffs = np.random.randn(4)
    for _ in range(steps):
        coeffs -= lr * poly_grad(x, y, coeffs)
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))
    for _ in range(steps):
        loss = (poly_predict(x, (a, b, c, d)) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for t in (a, b, c, d):
                t -= lr * t.grad
                t.grad = None
    return [a.item(), b.item(), c.item(), d.item()]
