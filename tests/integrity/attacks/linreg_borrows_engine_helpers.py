"""Attack: implements nothing, and borrows the grader's own implementations instead.

The engine used to hold a correct ``_mse`` and ``_linear_model`` (swapped into
``gd_step`` so that a slip in a helper cost only its own item); importing them
gave linear_regression two free items. This file looks for any implementation
the engine holds, everywhere a submission can look: the old names, every
function of every ``autograder`` module it can reach that answers like
``linear_model(x, w, b)`` or ``mse(t1, t2)`` on a known case, and every ``.py``
file of the installed package, searched for those definitions. It prints what
it found (``borrowed: [...]``) and uses it; whatever it cannot borrow raises.
Expected: nothing to borrow, no credit on any item.
"""
import importlib
import inspect
import os
import re
import sys
import warnings

import torch

WANTED = {"linear_model": 3, "mse": 2}
OLD_NAMES = {"autograder.observers.linreg": ("_linear_model", "_mse", "grader_helpers")}
# Where exercise-like code would live; the rest of the engine (sandbox, loader, ...) is not
# called blindly: its functions act on processes and modules, not on tensors.
PROBED = ("autograder.observers", "autograder.checks", "autograder.observation", "autograder.facts",
          "autograder.kit", "autograder.course_probes_")  # the kit, and the course's probes.py


def answers_like(name, fn):
    """Does ``fn`` give the right answer on a known case?"""
    x, w, b = torch.ones(4, 3), torch.arange(6.0).reshape(2, 3), torch.tensor([1.0, -1.0])
    try:
        if name == "linear_model":
            return torch.allclose(torch.as_tensor(fn(x, w, b)).float(), x @ w.t() + b)
        t1, t2 = torch.arange(6.0).reshape(2, 3), torch.zeros(2, 3)
        return abs(float(fn(t1, t2)) - float((t1 ** 2).mean())) < 1e-6
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
                scope = {"torch": torch, "np": __import__("numpy")}  # one scope per file: helpers may call each other
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
linear_model = BORROWED.get("linear_model") or nothing_to_borrow("linear_model")
mse = BORROWED.get("mse") or nothing_to_borrow("mse")


def gd_step(w, b, inputs, targets, lr):
    found = borrow()  # again, now that the item runs (the engine is back in place)
    print("borrowed in gd_step:", sorted(found))
    return nothing_to_borrow("gd_step")()


def fit(num_epochs, model, loss_fn, opt, train_dl):
    return nothing_to_borrow("fit")()


def SimpleNet():
    return nothing_to_borrow("SimpleNet")()
