"""Mistake: ``fit_poly_numpy`` computes the update but never assigns it back.

``coeffs - lr * grad`` is thrown away, so the starting coefficients come back
unchanged. Only ``poly.fit_numpy`` should lose points.
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
        grad = poly_grad(x, y, coeffs)
        coeffs - lr * grad
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    w = torch.randn(4, dtype=x.dtype, requires_grad=True)
    for _ in range(steps):
        loss = (poly_predict(x, w) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad = None
    return w.detach().numpy()
