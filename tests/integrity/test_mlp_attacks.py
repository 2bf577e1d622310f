"""mlp_regression under attack: made-up records earn nothing.

The attack in ``tests/integrity/attacks/mlp_forges_every_item.py`` is graded
through the real sandbox (the session's warm workers).
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

ATTACKS = Path(__file__).resolve().parent / "attacks"
A = "mlp_regression"


def _explain(result) -> str:
    lines = [f"{i.id}: {i.status} {i.score} {i.feedback[:400]}" for i in result.rubric]
    return "\n".join(lines + [f"output: {result.output[-500:]}"])


KIND_ITEMS = ("mlp.goal_fun", "mlp.dataset", "mlp.explicit_shapes", "mlp.condensed_shapes", "mlp.layout_shapes", "mlp.init_range",
              "mlp.forward", "mlp.loss_decrease")


def test_made_up_records_earn_nothing(graders) -> None:
    """Every item's record forged inside the item (once worth 10.25 of 13).

    The forger knows what the contract publishes: the shapes of the models it
    names answer only those configurations, which is not every question asked.
    Its records have the layout of the per-item observers these items had before
    they became kit kinds: the kinds' judges read them as unusable records.
    """
    result = graders[A].grade(ATTACKS / "mlp_forges_every_item.py")
    assert result.score == 0, _explain(result)
    assert {i.status for i in result.rubric} == {"failed"}, _explain(result)
    by_id = {i.id: i.feedback for i in result.rubric}
    for item_id in KIND_ITEMS:
        assert "could not use what your code reported" in by_id[item_id], (item_id, by_id[item_id])


# The same forger, writing records in the kit kinds' own layouts (autograder.kit.records and
# autograder.kit.dataset_protocol): data of its own seed, the contract's calls only, made-up
# weights beside outputs that are not theirs.
KIND_FORGER = '''
import base64, json, math, os, random, sys
import numpy as np

random.seed(0)
CONTRACT = [[10, 1], [10], [10, 10], [10], [10, 10], [10], [1, 10], [1]]


def array(rows):
    values = np.asarray(rows, dtype=np.float64)
    return {"__ndarray__": {"dtype": "float64", "shape": list(values.shape),
                            "data": base64.b64encode(values.tobytes()).decode()}}


def goal(x):
    return x ** 3 - x ** 2 + 25 * math.sin(2 * x)


def layers(sizes):
    out = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        b = 1 / math.sqrt(n_in)
        out.append({"weight": array([[random.uniform(-b, b) for _ in range(n_in)] for _ in range(n_out)]),
                    "bias": array([random.uniform(-b, b) for _ in range(n_out)])})
    return out


def call(name, text):
    return {"name": name, "text": text}


def instance(n, tensors, loader):
    part = lambda v: {"type": "torch.Tensor", "is_tensor": True, "dtype": "float32", "shape": [1], "value": v}
    xs = [random.uniform(-4, 4) for _ in range(n)]
    items = [{"error": None, "type": "builtins.tuple", "parts": [part(x), part(goal(x))]} for x in xs]
    return {"size": n, "tensors": tensors, "error": None, "is_dataset": True, "type": "submission.Data",
            "length": n, "length_error": None, "items": items,
            "loader": {"batch_size": 25, "error": None, "batch_shapes": [[[25, 1], [25, 1]]] * 4} if loader else None}


def forward(text, sizes):
    made_up = layers(sizes)
    out = array([[goal(-5 + 10 * i / 15)] * sizes[-1] for i in range(16)])
    return {"call": call(text.split("(")[0], text), "batch": [16, sizes[0]], "seed": 0, "error": None,
            "output": out, "output_type": "torch.Tensor", "layers": made_up, "layers_called": True,
            "registered": len(made_up), "negated_output": out, "negated_error": None}


def init(text, sizes):
    seeds = [{"seed": s, "error": None, "is_module": True,
              "layers": [dict(layer, fan_in=sizes[0]) for layer in layers(sizes)]} for s in range(3)]
    return {"call": call(text.split("(")[0], text), "seeds": seeds}


MODELS = [("MLPexplicit(1, 10, 1)", [1, 10, 10, 10, 1]), ("MLPcondensed(1, 10, 1)", [1, 10, 10, 10, 1]),
          ("MLP([1, 10, 10, 10, 1])", [1, 10, 10, 10, 1])]


def training():
    """A falling curve beside made-up weights of the network asked: not the grader's start."""
    xs = [random.uniform(-5, 5) for _ in range(100)]
    start, final = layers([1, 10, 10, 10, 1]), layers([1, 10, 10, 10, 1])
    run = {"model": "Linear(1, 10)-ReLU-Linear(10, 10)-ReLU-Linear(10, 10)-ReLU-Linear(10, 1)", "grader_built": True,
           "error": None, "stage": "", "returned_type": "builtins.list",
           "losses": array([14000.0 * 0.97 ** k for k in range(100)]), "losses_length": 100, "convert_error": None,
           "initial": start, "final": final, "steps": None, "zero_grads": None}
    return {"call": call("train", "train(model, dataloader, 100, 0.02)"),
            "arguments": ["model", "loader", "100", "0.02"], "seed": 0, "batches": 4, "truth": "",
            "inputs": array([[x] for x in xs]), "targets": array([[goal(x)] for x in xs]), "runs": [run]}


def shapes(text):
    return {"answers": [{"call": text, "error": None, "is_module": True, "shapes": CONTRACT,
                         "names": [f"p{k}" for k in range(8)]}], "modules": [["Sequential", "Linear"]]}


def records():
    return {
        "mlp.dataset": {"call": call("NonLinearRegressionData", "NonLinearRegressionData(x_obs, y_obs)"),
                        "settings": {"seed": 1}, "instances": [instance(100, True, True), instance(37, True, False),
                                                               instance(37, False, False)]},
        "mlp.explicit_shapes": shapes("MLPexplicit(1, 10, 1)"),
        "mlp.condensed_shapes": shapes("MLPcondensed(1, 10, 1)"),
        "mlp.layout_shapes": shapes("MLP([1, 10, 10, 10, 1])"),
        "mlp.init_range": {"models": [init(t, s) for t, s in MODELS]},
        "mlp.forward": {"models": [forward(t, s) for t, s in MODELS] + [forward("MLP([3, 7, 5, 2])", [3, 7, 5, 2])]},
        "mlp.loss_decrease": training(),
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
    item = current_item()
    facts = records().get(item, {})
    line = "\\n" + json.dumps({"kind": "observation", "item": item,
                                 "record": {"status": "ok", "facts": facts, "seconds": 0.01}}) + "\\n"
    for fd in range(3, 256):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
    os._exit(0)


goal_fun = NonLinearRegressionData = MLPexplicit = MLPcondensed = MLP = train = forge
'''


def test_made_up_kind_records_earn_nothing(graders, tmp_path: Path) -> None:
    """Records in the kinds' own layouts: the judges regenerate the data, ask every call and
    recompute the outputs from the weights, so none of them earns a point."""
    attack = tmp_path / "mlp_forges_kind_records.py"
    attack.write_text(KIND_FORGER)
    result = graders[A].grade(attack)
    by_id = {i.id: i for i in result.rubric}
    assert all(by_id[k].score == 0 and by_id[k].status == "failed" for k in KIND_ITEMS), _explain(result)
    assert "100 of 100 items differ" in by_id["mlp.dataset"].feedback
    for item_id, asked in (("mlp.explicit_shapes", 2), ("mlp.condensed_shapes", 2), ("mlp.layout_shapes", 3)):
        assert f"1 answers to the constructor calls where the grader asked for {asked}" in by_id[item_id].feedback
    assert "3 answers for the models asked where the grader asked for 4" in by_id["mlp.init_range"].feedback
    assert "are not Linear-ReLU-Linear-ReLU-Linear-ReLU-Linear computed from the model's own weights" in \
        by_id["mlp.forward"].feedback
    assert "the weights reported before training are not those of the network the grader built" in \
        by_id["mlp.loss_decrease"].feedback


def test_the_correct_example_still_earns_everything(graders) -> None:
    """The control: the same grader, a correct file, full marks."""
    result = graders[A].grade(ROOT / "examples" / A / "correct.py")
    assert result.score == result.max_score, _explain(result)
