"""Mistake: ``poly_grad`` is the gradient of the *mean* squared error (habit from other exercises).

The contract's loss is the sum of squared errors, so the gradient is n times
too small. Only ``poly.grad`` should lose points.
"""

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 3


def poly_grad(x, y, coeffs):
    X = np.vander(x, 4, increasing=True)
    return 2 * X.T @ (poly_predict(x, coeffs) - y) / len(x)


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    coeffs = np.random.randn(4)
    for _ in range(steps):
        coeffs = coeffs - lr * poly_grad(x, y, coeffs)
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    w = torch.randn(4, dtype=x.dtype, requires_grad=True)
    for _ in range(steps):
        loss = torch.sum((poly_predict(x, w) - y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad = None
    return w.detach()
