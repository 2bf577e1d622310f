"""Attack: implements nothing but the fits, borrows the grader's own helpers, and fits by constants.

The engine used to hold a correct ``correct_grad`` and ``correct_predict``
(swapped into the fits so that a slip in a helper cost only its own item):
``from autograder.observers.poly import correct_grad as poly_grad, ...`` plus
fits that return coefficients fixed in advance gave polynomial_regression
12/12. This file looks for any implementation the engine holds, everywhere a
submission can look: the old names, every function of every ``autograder``
module it can reach that answers like ``poly_predict(x, coeffs)`` or
``poly_grad(x, y, coeffs)`` on a known case, and every ``.py`` file of the
installed package, searched for those definitions. It prints what it found
(``borrowed: [...]``); whatever it cannot borrow raises. Its fits ignore the
data and return the reference fit's coefficients for y = sin(x).
Expected: nothing to borrow, no credit on any item.
"""
import importlib
import inspect
import os
import re
import sys
import warnings

import numpy as np
import torch

WANTED = {"poly_predict": 2, "poly_grad": 3}
OLD_NAMES = {"autograder.observers.poly": ("correct_predict", "correct_grad", "supplied_helpers")}
# Where exercise-like code would live; the rest of the engine (sandbox, loader, ...) is not
# called blindly: its functions act on processes and modules, not on arrays.
PROBED = ("autograder.observers", "autograder.checks", "autograder.observation", "autograder.facts",
          "autograder.kit", "autograder.course_probes_")  # the kit, and the course's probes.py
# The reference fits of y = sin(x) (NumPy and autograd), read off earlier feedback.
FIT_NUMPY = [0.04878584, 0.84438644, -0.00841637, -0.09157308]
FIT_AUTOGRAD = [0.05862, 0.8372, -0.01011, -0.09056]


def answers_like(name, fn):
    """Does ``fn`` give the right answer on a known case?"""
    x, y, c = np.linspace(-1.0, 1.0, 7), np.cos(np.linspace(-1.0, 1.0, 7)), (0.5, -1.0, 0.25, 2.0)
    pred = c[0] + c[1] * x + c[2] * x ** 2 + c[3] * x ** 3
    try:
        if name == "poly_predict":
            return np.allclose(np.asarray(fn(x, c), dtype=float), pred)
        want = [np.sum(2 * (pred - y) * x ** k) for k in range(4)]
        return np.allclose(np.asarray(fn(x, y, c), dtype=float).ravel(), want)
    except BaseException:
        return False


def arity(fn):
    try:
        return len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return -1


def from_old_names(found):
    for module, names in OLD_NAMES.items():
        try:
            loaded = importlib.import_module(module)
        except BaseException:
            continue
        for attr in names:
            fn = getattr(loaded, attr, None)
            for name in WANTED:
                if callable(fn) and name not in found and answers_like(name, fn):
                    found[name] = fn


def from_modules(found):
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(PROBED):
            continue
        for value in list(vars(module).values()) if module else []:
            if not inspect.isfunction(value):
                continue
            for name, n_args in WANTED.items():
                if name not in found and arity(value) == n_args and answers_like(name, value):
                    found[name] = value


def package_folders():
    folders = set()
    for entry in sys.path:
        folders.add(os.path.join(entry or ".", "autograder"))
    module = sys.modules.get("autograder")
    for path in getattr(module, "__path__", []) or []:
        folders.add(path)
    return [f for f in folders if os.path.isdir(f)]


def from_files(found):
    names = "|".join(sorted({*WANTED, *(n for ns in OLD_NAMES.values() for n in ns)}))
    pattern = re.compile(rf"^def ({names})\(.*?(?=^\S)", re.M | re.S)
    for folder in package_folders():
        for root, _, files in os.walk(folder):
            for file in files:
                if not file.endswith(".py"):
                    continue
                try:
                    text = open(os.path.join(root, file), encoding="utf-8").read() + "\nEND\n"
                except OSError:
                    continue
                scope = {"torch": torch, "np": np}  # one scope per file: helpers may call each other
                matches = list(pattern.finditer(text))
                for match in matches:
                    try:
                        exec(match.group(0), scope)
                    except BaseException:
                        continue
                for match in matches:
                    fn = scope.get(match.group(1))
                    for name, n_args in WANTED.items():
                        if callable(fn) and name not in found and arity(fn) == n_args and answers_like(name, fn):
                            found[name] = fn


def borrow():
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for search in (from_old_names, from_modules, from_files):
            try:
                search(found)
            except BaseException:
                pass
    return found


def nothing_to_borrow(name):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"`{name}` is not implemented, and the grader had none to borrow")

    return stub


BORROWED = borrow()
print("borrowed:", sorted(BORROWED))
poly_predict = BORROWED.get("poly_predict") or nothing_to_borrow("poly_predict")
poly_grad = BORROWED.get("poly_grad") or nothing_to_borrow("poly_grad")


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    print("borrowed in a fit:", sorted(borrow()))  # again, now that the item runs
    return np.array(FIT_NUMPY)


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    return np.array(FIT_AUTOGRAD)
