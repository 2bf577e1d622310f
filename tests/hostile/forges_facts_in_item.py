"""Hostile: inside ``linear_model``, writes a forged observation on the facts pipe and exits.

The forged facts are self-consistent (x, w, b and the output all zeros), and
malformed records are forged for linreg.mse ("seconds": "x", "tried": [1]).
Expected: no point for linreg.model; the malformed record costs only its own
item and does not crash the grader.
"""
import base64
import json
import os

import torch


def array(shape):
    count = 1
    for n in shape:
        count *= n
    data = base64.b64encode(bytes(8 * count)).decode()
    return {"__ndarray__": {"dtype": "float64", "shape": list(shape), "data": data}}


def forge(item, record):
    line = json.dumps({"kind": "observation", "item": item, "record": record}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


def linear_model(x, w, b):
    case = {"x": array([15, 3]), "w": array([2, 3]), "b": array([2]), "error": None,
            "type": "torch.Tensor", "shape": [15, 2], "output": array([15, 2])}
    forge("linreg.model", {"status": "ok", "facts": {"cases": [case]}, "seconds": 0.01})


def mse(t1, t2):
    forge("linreg.mse", {"status": "missing", "name": "mse", "tried": [1, 2], "seconds": "x"})
