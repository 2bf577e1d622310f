"""Attack: implements nothing; in every item, writes a made-up record on the facts pipe and exits.

Each record has the layout the observer's would have, filled with values that
cost nothing to make up: no cases at all where the old checks paired lists
with ``zip``; gradients of zero; and for the fits, sin's Taylor polynomial
x - x^3/6 (within the old tolerance of the reference fit) with a made-up loss,
at every step count, on the grader's own step counts. Before the checks
required an answer to every question and computed the losses themselves,
such records earned 12 of 12 points. Expected: no credit on any item.
"""
import json
import os

TAYLOR = [0.0, 1.0, 0.0, -1.0 / 6.0]


def forge(item, facts):
    record = {"status": "ok", "facts": facts, "seconds": 0.01}
    line = "\n" + json.dumps({"kind": "observation", "item": item, "record": record}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


def run(steps):
    return {"steps": steps, "coeffs": TAYLOR, "error": None, "bad_return": None, "loss": 1.0}


def fit_record(probes):
    data = {"n": 4, "gram": [[float(i == j) for j in range(4)] for i in range(4)],
            "xty": [0.0] * 4, "yty": 0.0, "lr": 1e-6}
    return {"data": data, "variant_data": {**data, "scale": -1.0, "offset": 0.5},
            "input_kind": "numpy", "final": run(2000), "probes": [run(k) for k in probes],
            "repeat": run(probes[0]), "variant": run(2000), "supplied": []}


def poly_predict(x, coeffs):
    forge("poly.predict", {"x": [0.0], "coeffs": [0.0] * 4, "cases": []})


def poly_grad(x, y, coeffs):
    forge("poly.grad", {"cases": [], "supplied": []})


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    forge("poly.fit_numpy", fit_record([0, 1]))


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    forge("poly.fit_autograd", fit_record([0, 1, 2, 3, 10]))
