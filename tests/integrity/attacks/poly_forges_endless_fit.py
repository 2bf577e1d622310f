"""Attack: a forged ``poly.fit_autograd`` record asking the grader to replay 10^12 steps.

The check replays gradient descent between the probe step counts. It once took
those step counts from the record, so this record made the grader's replay
loop run (practically) forever, and a ``--jobs 2`` batch never finished.
Nothing else is implemented. Expected: the record is not an answer to the
grader's calls (its step counts are not the grader's), no credit on any item,
and grading returns.
"""
import json
import os

FOREVER = 10 ** 12


def forge(item, facts):
    record = {"status": "ok", "facts": facts, "seconds": 0.01}
    line = "\n" + json.dumps({"kind": "observation", "item": item, "record": record}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


def run(steps, coeffs):
    return {"steps": steps, "coeffs": coeffs, "error": None, "bad_return": None, "loss": 1.0}


def poly_predict(x, coeffs):
    raise NotImplementedError("`poly_predict` is not implemented yet")


def poly_grad(x, y, coeffs):
    raise NotImplementedError("`poly_grad` is not implemented yet")


def fit_poly_numpy(x, y, lr=1e-6, steps=2000):
    raise NotImplementedError("`fit_poly_numpy` is not implemented yet")


def fit_poly_autograd(x, y, lr=1e-6, steps=2000):
    start = [1.0, -1.0, 1.0, -1.0]
    data = {"n": 2000, "gram": [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]],
            "xty": [0.0] * 4, "yty": 0.0, "lr": lr}
    forge("poly.fit_autograd", {
        "data": data, "variant_data": {**data, "scale": -1.0, "offset": 0.5}, "input_kind": "torch",
        "final": run(FOREVER, [0.0, 0.85, 0.0, -0.09]), "variant": run(FOREVER, [0.5, -0.85, 0.0, 0.09]),
        "probes": [run(0, start), *(run(FOREVER + k, [0.9, -0.9, 0.9, -0.9]) for k in range(4))],
        "repeat": run(0, start), "supplied": [],
    })
