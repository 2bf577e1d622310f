"""A correct solution, written differently from the reference.

Horner's rule for the cubic, a design-matrix gradient, the coefficients kept in
one array (NumPy) or one tensor of 4 (autograd), a seeded generator of its own
for the NumPy start, and ``w.grad.zero_()`` instead of ``= None``.
Every item should pass.
"""

import math

import numpy as np
import torch


def poly_predict(x, coeffs):
    a, b, c, d = coeffs
    return a + x * (b + x * (c + x * d))


def poly_grad(x, y, coeffs):
    powers = np.stack([np.ones_like(x), x, x ** 2, x ** 3])  # (4, n)
    residual = poly_predict(x, coeffs) - y
    return 2 * powers @ residual


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    rng = np.random.default_rng(42)
    coeffs = rng.standard_normal(4)
    for step in range(steps):
        coeffs = coeffs - lr * poly_grad(x, y, coeffs)
        if step % 500 == 499:
            print(step, np.sum((poly_predict(x, coeffs) - y) ** 2))
    return coeffs


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.float32)
    w = torch.randn(4, requires_grad=True)
    for step in range(steps):
        loss = ((poly_predict(x, w) - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
    return w.detach().numpy()


x = np.linspace(-math.pi, math.pi, 2000)
y = np.sin(x)
