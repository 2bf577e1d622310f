"""Attack: implements nothing; in every item, writes a made-up record on the facts pipe and exits.

Each record has the layout the observer's would have, filled with values that
cost nothing to make up: inputs of its own (zeros) with outputs that match
them, gradients "reset" to nothing, parameters that never moved, the
contract's parameter shapes, and claimed counts and losses. Before the checks
took their inputs from the reference's facts and recomputed the losses, such
records earned 4.5 of 7 points. Expected: no credit on any item.
"""
import json
import os


def forge(item, facts):
    record = {"status": "ok", "facts": facts, "seconds": 0.01}
    line = "\n" + json.dumps({"kind": "observation", "item": item, "record": record}) + "\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


def zeros(*shape):
    return [zeros(*shape[1:]) for _ in range(shape[0])] if len(shape) > 1 else [0.0] * shape[0]


def values(tensor):
    return tensor.detach().double().tolist()


def linear_model(x, w, b):
    case = lambda n: {"x": zeros(n, 3), "w": zeros(2, 3), "b": zeros(2), "error": None,  # noqa: E731
                      "type": "torch.Tensor", "shape": [n, 2], "output": zeros(n, 2)}
    forge("linreg.model", {"cases": [case(15), case(4)]})


def mse(t1, t2):
    case = lambda rows, cols: {"t1": zeros(rows, cols), "t2": zeros(rows, cols), "error": None,  # noqa: E731
                               "value": 0.0, "shape": [], "is_tensor": True, "type": "torch.Tensor",
                               "backward_error": None, "grad": [[1e-3] * cols] * rows}
    forge("linreg.mse", {"cases": [case(15, 2), case(4, 3)]})


def gd_step(w, b, inputs, targets, lr):
    start = {"w": values(w), "b": values(b)}
    forge("linreg.gd_step", {
        "inputs": zeros(15, 3), "targets": zeros(15, 2), "w0": start["w"], "b0": start["b"],
        "lr": lr, "steps": 1, "supplied": [],
        "one_step": {"error": None, "returned": 0.0, "returned_type": "torch.Tensor",
                     "w_grad": None, "b_grad": None, **start},
        "second": start, "run": {"error": None, "failed_at": None, **start},
    })


def fit(num_epochs, model, loss_fn, opt, train_dl):
    weights = {"weight": values(model.weight), "bias": values(model.bias)}
    forge("linreg.fit", {
        "error": None, "epochs": num_epochs, "lr": 1e-5, "batches_per_epoch": 3,
        "inputs": zeros(15, 3), "targets": zeros(15, 2), "weight0": zeros(2, 3), "bias0": zeros(2),
        **weights, "step_calls": 300, "zero_grad_calls": 300, "loss_fn_calls": 300,
        "loss_before": 13584.8, "loss_after": 33.5,
    })


def SimpleNet():
    forge("linreg.simplenet", {
        "is_module": True, "type": "SimpleNet", "shapes": [[3, 3], [3], [2, 3], [2]],
        "layer_shapes": [{"weight": [3, 3], "bias": [3]}, {"weight": [2, 3], "bias": [2]}],
        "weights_set": True, "x": zeros(16, 3), "stream": zeros(256), "error": None,
        "shape": [16, 2], "output": zeros(16, 2),
    })
