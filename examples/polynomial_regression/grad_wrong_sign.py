"""Mistake: ``poly_grad`` differentiates (y - y_pred)**2 but forgets the inner minus sign.

The gradient comes out negated. Only ``poly.grad`` should lose points: the
fitting items run with the grader's own gradient.
"""

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 3


def poly_grad(x, y, coeffs):
    r = y - poly_predict(x, coeffs)
    return np.array([np.sum(2 * r * x ** k) for k in range(4)])


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    coeffs = np.random.randn(4)
    for _ in range(steps):
        coeffs -= lr * poly_grad(x, y, coeffs)
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    params = [torch.randn((), dtype=x.dtype, requires_grad=True) for _ in range(4)]
    for _ in range(steps):
        loss = (poly_predict(x, params) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return [p.item() for p in params]
