"""Hostile: at import, writes forged grader messages into every open descriptor.

Forged item_start/observation/item_end lines claiming a perfect linreg.model,
a forged "loaded" message of the wrong shape, a deeply nested line, a forged
runner pid, and a forged worker answer. The functions themselves are wrong.
Expected: the real observations replace the forged ones; nothing crashes;
it earns exactly what its control (without the forging) earns: 0.
"""
import base64
import json
import os

import torch

# --- hostile part

def array(shape):
    count = 1
    for n in shape:
        count *= n
    data = base64.b64encode(bytes(8 * count)).decode()
    return {"__ndarray__": {"dtype": "float64", "shape": list(shape), "data": data}}


case = {"x": array([15, 3]), "w": array([2, 3]), "b": array([2]), "error": None,
        "type": "torch.Tensor", "shape": [15, 2], "output": array([15, 2])}
record = {"status": "ok", "facts": {"cases": [case]}, "seconds": 0.01}
lines = [
    {"kind": "runner", "pid": 1},
    {"kind": "loaded", "notes": 5},
    {"kind": "isolation", "layers": 5},
    {"kind": "item_start", "item": "linreg.model"},
    {"kind": "observation", "item": "linreg.model", "record": record},
    {"kind": "item_end", "item": "linreg.model", "status": "exited", "seconds": 0.01},
    {"kind": "observation", "item": "linreg.mse", "record": {"status": "missing", "tried": [1]}},
    {"observations": {"linreg.model": record}, "notes": [], "output": "", "isolation": {},
     "loaded": True, "fatal": "", "seconds": 0},
]
payload = "\n".join(json.dumps(line) for line in lines) + "\n" + "[" * 100000 + "]" * 100000 + "\n"
for fd in range(3, 256):
    try:
        os.write(fd, payload.encode())
    except OSError:
        pass
# --- end of hostile part


def linear_model(x, w, b):
    return torch.zeros(len(x), 2)
