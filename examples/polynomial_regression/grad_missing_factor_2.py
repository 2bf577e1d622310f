"""Mistake: ``poly_grad`` drops the factor 2 from d/dr r**2 = 2r.

Only ``poly.grad`` should lose points.
"""

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + b * x + c * x ** 2 + d * x ** 3


def poly_grad(x, y, coeffs):
    err = poly_predict(x, coeffs) - y
    return np.array([err.sum(), (err * x).sum(), (err * x ** 2).sum(), (err * x ** 3).sum()])


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    a, b, c, d = np.random.randn(4)
    for _ in range(steps):
        ga, gb, gc, gd = poly_grad(x, y, (a, b, c, d))
        a, b, c, d = a - lr * ga, b - lr * gb, c - lr * gc, d - lr * gd
    return a, b, c, d


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    a, b, c, d = (torch.randn((), dtype=x.dtype, requires_grad=True) for _ in range(4))
    for _ in range(steps):
        loss = ((a + b * x + c * x ** 2 + d * x ** 3 - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for t in (a, b, c, d):
                t -= lr * t.grad
                t.grad.zero_()
    return a.item(), b.item(), c.item(), d.item()
