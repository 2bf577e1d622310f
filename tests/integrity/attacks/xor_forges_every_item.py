"""Attack: implements nothing; in every item, writes a made-up record on the facts pipe and exits.

Each record has the layout of the observer's record for a correct solution,
filled with values that cost nothing to make up: the contract's shapes for
XOR(2), truth-table outputs beside weights that do not produce them, hand-picked
weights that solve XOR with falling curves that are not their losses. The item
is found from the grader's own frames. Before the checks recomputed outputs
and losses from the weights, such records earned 7 of 10. Expected: nothing.
xor.shapes asks for XOR(2) and XOR(5): the four shapes the contract prints for
XOR(2), copied for every width asked, do not answer XOR(5).
"""
import base64
import json
import os
import sys

import numpy as np

CORNERS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
TARGETS = [0.0, 1.0, 1.0, 0.0]
AXIS = [i / 20 for i in range(21)]
GRID = [[a, b] for a in AXIS for b in AXIS]
CURVE = [0.3 * 0.9 ** k for k in range(60)]


def array(rows):
    """Numbers as the facts encoding carries arrays, so the record reads like the observer's."""
    values = np.asarray(rows, dtype=np.float64)
    return {"__ndarray__": {"dtype": "float64", "shape": list(values.shape),
                            "data": base64.b64encode(values.tobytes()).decode()}}


def layer(weight, bias):
    return {"weight": array(weight), "bias": array(bias)}


def truth(points):
    return [[float(round(a) + round(b) == 1)] for a, b in points]


def current_item():
    frame = sys._getframe(1)
    while frame is not None:
        item = frame.f_locals.get("item_id")
        if isinstance(item, str):
            return item
        frame = frame.f_back
    return None


def forge(item, facts):
    record = {"status": "ok", "facts": facts, "seconds": 0.01}
    line = "\n" + json.dumps({"kind": "observation", "item": item, "record": record}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


SMALL = [layer([[0.1, -0.2], [0.3, 0.1]], [0.0, 0.1]), layer([[0.2, -0.1]], [0.05])]
SOLVES = [layer([[20.0, 20.0], [20.0, 20.0]], [-10.0, -30.0]), layer([[1.0, -1.0]], [0.0])]
FORWARD_INPUTS = CORNERS + [[0.5, 0.5], [2.0, -1.0]]


def run():
    return {"error": None, "returned_type": "builtins.list", "losses": array(CURVE), "convert_error": None,
            "max_param_change": 0.5, "initial": SMALL, "final": SOLVES}


def boundary_run(seed):
    return {"seed": seed, **run(), "corner_outputs": array([v for [v] in truth(CORNERS)]),
            "grid_outputs": array([v for [v] in truth(GRID)]), "output_shape": [4, 1], "predict_error": None}


RECORDS = {
    "xor.shapes": {"configs": [{"n_hidden": 2, "shapes": [[2, 2], [2], [1, 2], [1]],
                                "forward_shapes": [[2, 2], [2], [1, 2], [1]], "layers_called": True,
                                "is_module": True}] * 2},
    "xor.forward": {"inputs": array(FORWARD_INPUTS), "output": array(truth(FORWARD_INPUTS)),
                    "output_type": "torch.Tensor", "error": None, "layers": SMALL, "layers_called": True},
    "xor.loss_decrease": {"seed": 0, "corners": array(CORNERS), "targets": array(TARGETS), "own_model": run(),
                          "grader_model": run(), "grader_hidden": 16},
    "xor.boundary": {"seeds": [0, 1, 2, 3, 4], "corners": array(CORNERS), "targets": array(TARGETS),
                     "grid": array(GRID), "runs": [boundary_run(s) for s in range(5)]},
}


class XOR:
    def __init__(self, n_hidden=2):
        forge(current_item(), RECORDS[current_item()])


def train_xor(model, X, y, epochs=200, lr=0.05):
    forge(current_item(), RECORDS[current_item()])
