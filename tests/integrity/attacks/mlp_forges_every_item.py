"""Attack: implements nothing; in every item, writes a made-up record on the facts pipe and exits.

Each record has the layout of the observer's record for a correct solution,
filled with what the public contract tells and values that cost nothing to make
up: goal_fun's values at points of its own, a dataset's items on data of its
own, the contract's shapes for the models it names (and only those), weights
drawn like PyTorch's default for the contract's three models, outputs beside
weights that do not produce them, a falling loss curve beside made-up weights.
The item is found from the grader's own frames. Before the checks took their
inputs from the reference's facts, required every answer and recomputed from
the weights, such records earned 10.25 of 13. Expected: no credit on any item.
"""
import base64
import json
import math
import os
import random
import sys

import numpy as np

random.seed(0)
X = [-5 + 10 * i / 49 for i in range(50)]
CONTRACT_SHAPES = [[10, 1], [10], [10, 10], [10], [10, 10], [10], [1, 10], [1]]


def array(rows):
    """Numbers as the facts encoding carries arrays, so the record reads like the observer's."""
    values = np.asarray(rows, dtype=np.float64)
    return {"__ndarray__": {"dtype": "float64", "shape": list(values.shape),
                            "data": base64.b64encode(values.tobytes()).decode()}}


def goal(x):
    return x ** 3 - x ** 2 + 25 * math.sin(2 * x)


def layers(sizes):
    out = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        bound = 1 / math.sqrt(n_in)
        out.append({"name": f"fc{len(out) + 1}",
                    "weight": array([[random.uniform(-bound, bound) for _ in range(n_in)] for _ in range(n_out)]),
                    "bias": array([random.uniform(-bound, bound) for _ in range(n_out)])})
    return out


def item(x, y):
    part = lambda v: {"type": "torch.Tensor", "is_tensor": True, "dtype": "float32",  # noqa: E731
                      "shape": [1], "value": v}
    return {"error": None, "type": "builtins.tuple", "parts": [part(x), part(y)]}


def dataset(n):
    xs = [random.uniform(-4, 4) for _ in range(n)]
    ys = [goal(x) for x in xs]
    return xs, ys, [item(x, y) for x, y in zip(xs, ys)]


def forward_model(label, sizes):
    batch = [[-5 + 10 * i / 15] * sizes[0] for i in range(16)]
    made_up = layers(sizes)
    return {"label": label, "missing": False, "n_out": sizes[-1], "error": None, "passes": [
        {"setting": "as built", "error": None, "inputs": array(batch), "layers": made_up,
         "call_order": list(range(len(made_up))), "output_type": "torch.Tensor",
         "output": array([[goal(row[0])] * sizes[-1] for row in batch])}] * 2}


def records():
    xs, ys, items = dataset(100)
    small_x, small_y, small_items = dataset(37)
    models = [("MLPexplicit(1, 10, 1)", [1, 10, 10, 10, 1]), ("MLPcondensed(1, 10, 1)", [1, 10, 10, 10, 1]),
              ("MLP([1, 10, 10, 10, 1])", [1, 10, 10, 10, 1])]
    return {
        "mlp.goal_fun": {"x": array(X),
                         "numpy": {"error": None, "type": "numpy.ndarray", "values": array([goal(x) for x in X])},
                         "torch": {"error": None, "type": "torch.Tensor", "values": array([goal(x) for x in X])}},
        "mlp.dataset": {"n": 100, "x": array(xs), "y": array(ys), "is_dataset": True, "type": "submission.Data",
                        "len": 100,
                        "len_error": None, "items": items,
                        "loader": {"batch_size": 25, "error": None, "batch_shapes": [[[25, 1], [25, 1]]] * 4},
                        "numpy": {"n": 37, "x": array(small_x), "y": array(small_y), "error": None, "len": 37,
                                  "items": small_items}},
        "mlp.explicit_shapes": {"configs": [{"args": [1, 10, 1], "error": None, "shapes": CONTRACT_SHAPES,
                                             "has_sequential": False}]},
        "mlp.condensed_shapes": {"configs": [{"args": [1, 10, 1], "error": None, "shapes": CONTRACT_SHAPES,
                                              "has_sequential": True}]},
        "mlp.layout_shapes": {"configs": [
            {"args": [1, 10, 10, 10, 1], "error": None, "shapes": CONTRACT_SHAPES, "has_sequential": True},
            {"args": [3, 7, 5, 2], "error": None, "shapes": [[7, 3], [7], [5, 7], [5], [2, 5], [2]],
             "has_sequential": True}]},
        "mlp.init_range": {"models": [{"label": label, "missing": False, "error": None,
                                       "seeds": [layers(sizes) for _ in range(3)]} for label, sizes in models]},
        "mlp.forward": {"models": [forward_model(label, sizes) for label, sizes in models]
                        + [forward_model("MLP([3, 7, 5, 2])", [3, 7, 5, 2])]},
        "mlp.loss_decrease": {"n_epochs": 100, "n_batches": 4, "inputs": array([[x] for x in xs]),
                              "targets": array([[y] for y in ys]), "returned_type": "builtins.list",
                              "losses": [14000.0 * 0.98 ** k for k in range(100)],
                              "param_change": 0.5, "mse_before": 3600.0, "mse_after": 400.0,
                              "initial": layers([1, 10, 10, 10, 1]), "final": layers([1, 10, 10, 10, 1])},
    }


def current_item():
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_locals.get("item_id")
        if isinstance(name, str):
            return name
        frame = frame.f_back
    return None


def forge(*args, **kwargs):
    facts = records()[current_item()]
    line = "\n" + json.dumps({"kind": "observation", "item": current_item(),
                              "record": {"status": "ok", "facts": facts, "seconds": 0.01}}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


goal_fun = NonLinearRegressionData = MLPexplicit = MLPcondensed = MLP = train = forge
