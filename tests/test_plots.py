"""Pictures of a self-check (report/plots.py, report/student_html.py), from hand-built records.

The records stand for what a sandbox sends: claims. These tests pin that the
decision boundary and the regression fit are computed from the reported
weights on the grader's points, that a record which cannot be drawn becomes a
sentence, that hidden items are never drawn, and that the HTML page needs
nothing outside itself.
"""

from __future__ import annotations

import base64
import itertools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder import kit, spec as spec_mod
from autograder.report import plots, student_html
from autograder.results import ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
XOR = spec_mod.load("xor")
BOUNDARY_PARAMS = XOR.item("xor.boundary").check
kit.load_all()


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def grid(points_per_axis: int = 21) -> np.ndarray:
    """The observer's grid layout: first coordinate slowest (torch.cartesian_prod)."""
    axis = np.linspace(0.0, 1.0, points_per_axis)
    return np.array([[a, b] for a in axis for b in axis])


# OR and NAND in the hidden layer, their sum minus one out: XOR, by hand.
XOR_LAYERS = [
    {"weight": np.array([[20.0, 20.0], [-20.0, -20.0]]), "bias": np.array([-10.0, 30.0])},
    {"weight": np.array([[1.0, 1.0]]), "bias": np.array([-1.0])},
]


def forward(points: np.ndarray, layers: list[dict], hidden=sigmoid) -> np.ndarray:
    h = hidden(points @ layers[0]["weight"].T + layers[0]["bias"])
    return (h @ layers[1]["weight"].T + layers[1]["bias"])[:, 0]


def xor_expected(seeds: list[int]) -> dict:
    """The reference's facts of kind decision_boundary, as xor.boundary's settings make them."""
    return {"call": {"name": "train_xor", "text": "train_xor(model, X, y)"}, "model": "XOR()",
            "arguments": ["model", "inputs", "targets"], "seeds": seeds, "inputs": CORNERS, "targets": TARGETS,
            "grid": grid(), "runs": []}


def xor_run(seed: int, layers: list[dict], hidden=sigmoid) -> dict:
    """An honest run record: outputs are those of ``layers`` on the grader's points."""
    return {"seed": seed, "error": None, "returned_type": "builtins.NoneType", "losses": None,
            "losses_length": None, "convert_error": None, "initial": layers, "final": layers,
            "point_outputs": forward(CORNERS, layers, hidden), "grid_outputs": forward(grid(), layers, hidden),
            "output_shape": [4, 1], "predict_error": None}


def failed_run(seed: int, error: str) -> dict:
    return {**xor_run(seed, XOR_LAYERS), "error": error, "initial": [], "final": [], "point_outputs": None,
            "grid_outputs": None, "output_shape": None}


def ok(facts: dict) -> dict:
    return {"status": "ok", "facts": facts}


def boundary(runs: list[dict], seeds: list[int]) -> plots.Section:
    return kit.KIND_PLOTS["decision_boundary"]({**xor_expected(seeds), "runs": runs}, xor_expected(seeds),
                                               BOUNDARY_PARAMS)


# --- xor.boundary (kind decision_boundary) ---------------------------------------------------


def test_boundary_is_computed_from_the_weights_and_classifies_the_corners() -> None:
    section = boundary([xor_run(0, XOR_LAYERS)], [0])
    (panel,) = section.panels
    values = panel.data["values"]
    xx, yy = panel.data["xx"], panel.data["yy"]
    assert values.shape == (plots.GRID_POINTS, plots.GRID_POINTS)
    for row, col in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        target = TARGETS[[tuple(c) for c in CORNERS.tolist()].index((xx[row, col], yy[row, col]))]
        assert (values[row, col] > 0.5) == (target > 0.5), (xx[row, col], yy[row, col])
    assert panel.title == "seed 0"
    assert section.heading == "Decision boundary of XOR() after train_xor, one panel per seed"


def test_boundary_ignores_a_painted_grid_and_follows_the_weights() -> None:
    """Outputs that are the truth table, not the weights' network, are not drawn."""
    run = xor_run(0, XOR_LAYERS)
    run["final"] = [{"weight": np.zeros((2, 2)), "bias": np.zeros(2)},
                    {"weight": np.zeros((1, 2)), "bias": np.zeros(1)}]
    section = boundary([run], [0])
    assert section.panels == []
    assert "not drawn" in section.notes[0] and "own weights" in section.notes[0]


def test_a_look_alike_network_is_drawn_with_its_name() -> None:
    linear = [{"weight": np.array([[1.0, 0.5], [0.3, -0.2]]), "bias": np.array([0.1, 0.0])},
              {"weight": np.array([[0.4, 0.4]]), "bias": np.array([0.2])}]
    section = boundary([xor_run(0, linear, hidden=lambda z: z)], [0])
    (panel,) = section.panels
    assert panel.title == "seed 0 (Linear-Linear)"
    expected = forward(np.array([[0.0, 0.0]]), linear, hidden=lambda z: z)[0]
    assert panel.data["values"][0, 0] == pytest.approx(expected)


def test_boundary_records_that_cannot_be_drawn_become_sentences() -> None:
    wide = xor_run(1, XOR_LAYERS)
    wide["final"] = [{"weight": np.zeros((5000, 3)), "bias": None}, {"weight": np.zeros((1, 5000)), "bias": None}]
    raised = failed_run(2, "RuntimeError: boom")
    short = xor_run(3, XOR_LAYERS)
    short["grid_outputs"] = short["grid_outputs"][:10]
    section = boundary([xor_run(0, XOR_LAYERS), wide, raised, short], [0, 1, 2, 3])
    assert [p.title for p in section.panels] == ["seed 0"]
    assert [n.split(":")[0] for n in section.notes[1:]] == ["seed 1", "seed 2", "seed 3"]
    assert "train_xor raised RuntimeError: boom" in section.notes[2]


def test_boundary_needs_one_run_per_seed_asked() -> None:
    section = boundary([xor_run(0, XOR_LAYERS)], [0, 1])
    assert section.panels == [] and "one run for each of the 2 seeds" in section.notes[0]
    swapped = boundary([xor_run(1, XOR_LAYERS), xor_run(0, XOR_LAYERS)], [0, 1])
    assert swapped.panels == [] and all("another seed" in n for n in swapped.notes)


# --- loss curves and the regression fit ----------------------------------------------------


def loss_run(model: str, grader_built: bool, losses: list[float] | None, error: str | None = None) -> dict:
    """One run of kind training_reduces_loss's record (the weights do not matter to the picture)."""
    array = None if losses is None else np.asarray(losses)
    return {"model": model, "grader_built": grader_built, "error": error, "stage": "train" if error else "",
            "returned_type": "builtins.list", "losses": array, "losses_length": None if losses is None else len(losses),
            "convert_error": None, "initial": [], "final": [], "steps": None, "zero_grads": None}


def loss_facts(*runs: dict) -> dict:
    return {"call": {"name": "train_xor", "text": "train_xor(model, X, y)"}, "arguments": ["model", "inputs", "targets"],
            "seed": 0, "batches": 1, "truth": "", "inputs": CORNERS, "targets": TARGETS, "runs": list(runs)}


def test_loss_curves_have_human_titles_and_log_scale_over_decades() -> None:
    mine = loss_run("XOR()", False, list(np.geomspace(1.0, 1e-6, 50)))
    ref = list(np.geomspace(1.0, 1e-7, 40))
    grader = "Linear(2, 16)-Sigmoid-Linear(16, 1)"
    section = kit.KIND_PLOTS["training_reduces_loss"](
        loss_facts(mine, loss_run(grader, True, None, error="boom")),
        loss_facts(loss_run("XOR()", False, ref), loss_run(grader, True, ref)), XOR.item("xor.loss_decrease").check)
    (panel,) = section.panels
    assert section.heading == "Loss per epoch of train_xor, yours against the reference's"
    assert panel.title == "Your train_xor on XOR(), seed 0"
    assert panel.data["reference"].size == 40
    assert plots.log_scale(panel.data["yours"], panel.data["reference"])
    assert not plots.log_scale(np.array([3.0, 2.0, 1.5]))
    assert section.notes == [f"Your train_xor on the grader's {grader}, seed 0: no curve, the run raised an error"]


def test_a_curve_must_be_finite_numbers_of_bounded_length() -> None:
    assert plots.curve([1.0, float("nan")]) is None
    assert plots.curve(["1", "2"]) is None
    assert plots.curve(np.zeros(plots.MAX_CURVE + 1)) is None
    assert plots.curve(np.array([2.0, 1.0])) is not None


def mlp_layers(rng: np.random.Generator) -> list[dict]:
    sizes = [1, 10, 10, 10, 1]
    return [{"weight": rng.normal(size=(o, i)), "bias": rng.normal(size=o)} for i, o in itertools.pairwise(sizes)]


MLP = spec_mod.load("mlp_regression")
MLP_TRAINING = MLP.item("mlp.loss_decrease")


def training_facts(final: list[dict], losses: list[float] | None, x: np.ndarray, truth: str) -> dict:
    """A training_reduces_loss record of one grader-built run (the layout of mlp.loss_decrease)."""
    from autograder.kit.records import as_record
    from autograder.kit.training_reduces_loss import TrainingFacts, TrainingRun, function_of_x

    run = {"model": "Linear(1, 10)-ReLU-Linear(10, 10)-ReLU-Linear(10, 10)-ReLU-Linear(10, 1)",
           "grader_built": True, "error": None, "stage": "", "returned_type": "builtins.list",
           "losses": None if losses is None else np.asarray(losses), "losses_length": None if losses is None
           else len(losses), "convert_error": None, "initial": final, "final": final, "steps": None, "zero_grads": None}
    return as_record(TrainingFacts(call={"name": "train", "text": "train(model, dataloader, 3, 0.02)"},
                                   arguments=["model", "loader", "3", "0.02"], seed=0, batches=1, truth=truth,
                                   inputs=x.reshape(-1, 1), targets=function_of_x(truth, x).reshape(-1, 1),
                                   runs=[TrainingRun(**run)]))


def test_regression_fit_is_recomputed_from_the_final_weights() -> None:
    """A grader-built network on one input: its fit, recomputed from the final weights, beside the
    data's generator function (the YAML's, evaluated by the grader) and the loss curves."""
    rng = np.random.default_rng(0)
    start, final = mlp_layers(rng), mlp_layers(rng)
    x = np.linspace(-5, 5, 30)
    truth = MLP_TRAINING.observe["data"]["function"]
    expected = training_facts(start, [3.0, 2.0, 1.0], x, truth)
    mine = training_facts(final, [3.0, 2.5, 1.0], x, truth)
    section = plots.builders_for(MLP)["mlp.loss_decrease"](mine, expected, MLP_TRAINING.check)
    fit, loss = section.panels
    assert fit.kind == "fit" and loss.kind == "curve"
    h = fit.data["xs"].reshape(-1, 1)
    for k, layer in enumerate(final):
        h = h @ layer["weight"].T + layer["bias"]
        h = h if k == len(final) - 1 else np.maximum(h, 0)
    np.testing.assert_allclose(fit.data["fitted"], h[:, 0])
    xs = fit.data["xs"]
    np.testing.assert_allclose(fit.data["goal"], xs**3 - xs**2 + 25 * np.sin(2 * xs))


def test_regression_fit_of_another_network_is_not_drawn() -> None:
    rng = np.random.default_rng(1)
    x = np.linspace(-5, 5, 30)
    expected = training_facts(mlp_layers(rng), None, x, "x")
    mine = training_facts(mlp_layers(rng)[:2], None, x, "x")
    section = plots.builders_for(MLP)["mlp.loss_decrease"](mine, expected, MLP_TRAINING.check)
    assert section.panels == []
    assert "not those of the grader's" in section.notes[0]
    assert "no curve drawn" in section.notes[1]


def test_the_data_function_is_arithmetic_only() -> None:
    """The YAML's function of x is evaluated from a closed list of operations, never exec'd."""
    from autograder.kit.training_reduces_loss import function_of_x

    x = np.array([0.5, 2.0])
    np.testing.assert_array_equal(function_of_x("x**3 - x**2 + 25*sin(2*x)", x), x**3 - x**2 + 25 * np.sin(2 * x))
    for text in ("__import__('os')", "x.real", "open('f')", "[x]", "x if x else 1"):
        with pytest.raises(ValueError):
            function_of_x(text, x)


# --- visibility and the page ---------------------------------------------------------------


def init_record(rng: np.random.Generator) -> dict:
    """An init_distribution record of one build and one seed (mlp.init_range is of that kind)."""
    layers = [{"fan_in": 1, "weight": rng.uniform(-1, 1, (10, 1)), "bias": rng.uniform(-1, 1, 10)}]
    call = {"name": "MLPexplicit", "text": "MLPexplicit(1, 10, 1)"}
    return {"models": [{"call": call, "seeds": [{"seed": 0, "error": None, "is_module": True, "layers": layers}]}]}


BUILDERS = {**plots.builders_for(XOR), **plots.builders_for(spec_mod.load("mlp_regression"))}


def test_init_histograms_are_the_kind_s_one_panel_per_build() -> None:
    rng = np.random.default_rng(3)
    expected = init_record(rng)
    assert plots.builders_for(spec_mod.load("mlp_regression"))["mlp.init_range"] is kit.KIND_PLOTS["init_distribution"]
    section = kit.KIND_PLOTS["init_distribution"](init_record(rng), expected, {})
    (panel,) = section.panels
    assert panel.title == "MLPexplicit(1, 10, 1)" and panel.data["values"].size == 20
    broken = {"models": []}
    assert kit.KIND_PLOTS["init_distribution"](broken, expected, {}).notes[0].startswith("No histogram")


def test_each_item_is_drawn_by_its_kinds_or_its_folders_builder() -> None:
    found = plots.builders_for(XOR)
    assert found == {"xor.boundary": kit.KIND_PLOTS["decision_boundary"],
                     "xor.loss_decrease": kit.KIND_PLOTS["training_reduces_loss"]}


def test_hidden_items_are_never_drawn() -> None:
    rng = np.random.default_rng(2)
    observations = {"mlp.init_range": ok(init_record(rng)),
                    "xor.boundary": ok({**xor_expected([0]), "runs": [xor_run(0, XOR_LAYERS)]})}
    expected = {"mlp.init_range": ok(init_record(rng)), "xor.boundary": ok(xor_expected([0]))}
    params = {"xor.boundary": BOUNDARY_PARAMS}
    (drawn,) = plots.sections(observations, expected, {"xor.boundary": "t"}, params, BUILDERS)
    assert drawn.heading.startswith("Decision boundary of XOR()") and len(drawn.panels) == 1
    assert plots.sections(observations, expected, {}, {}, BUILDERS) == []
    shown = plots.sections(observations, expected, {"mlp.init_range": "t"}, {}, BUILDERS)
    (panel,) = shown[0].panels
    assert panel.kind == "histogram" and np.all(np.abs(panel.data["values"]) <= 1.0)


def test_an_item_that_did_not_finish_gets_a_sentence() -> None:
    found = plots.sections({"xor.boundary": {"status": "timeout", "facts": {}}},
                           {"xor.boundary": ok(xor_expected([0]))}, {"xor.boundary": "Boundary"}, {}, BUILDERS)
    assert found[0].panels == [] and "did not finish" in found[0].notes[0]


def result_with(feedback: str) -> SubmissionResult:
    item = ItemResult(id="xor.boundary", title="Boundary", score=0.0, max_score=3.0, status="failed",
                      feedback=feedback, visibility="visible")
    return SubmissionResult(assignment="xor", submission="alice.py", rubric=(item,))


def test_html_is_self_contained_and_escapes_text(tmp_path: Path) -> None:
    found = [boundary([xor_run(0, XOR_LAYERS)], [0])]
    out = tmp_path / "report.html"
    student_html.write(result_with("<script>alert(1)</script> raised"), found, out)
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)\s*=\s*['\"](?!data:)", page)
    assert "http://" not in page and "https://" not in page and "@import" not in page
    (encoded,) = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert base64.b64decode(encoded).startswith(b"\x89PNG")


def test_html_without_pictures_says_so() -> None:
    page = student_html.render(result_with("fine"), [])
    assert "No pictures" in page and "data:image" not in page


def test_png_has_a_row_per_section_with_panels(tmp_path: Path) -> None:
    found = [boundary([xor_run(0, XOR_LAYERS), xor_run(1, XOR_LAYERS)], [0, 1]),
             plots.Section("x", "nothing", notes=["n"])]
    assert plots.save(found, tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    assert not plots.save([found[1]], tmp_path / "q.png")


# --- the command line ----------------------------------------------------------------------


@pytest.mark.slow
def test_check_writes_html_and_png(tmp_path: Path) -> None:
    html_out, png_out = tmp_path / "out.html", tmp_path / "out.png"
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(ROOT / "examples/xor/correct.py"), "--assignment",
         "xor", "--html", str(html_out), "--plot", str(png_out)],
        check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    page = html_out.read_text(encoding="utf-8")
    assert "Decision boundary of XOR() after train_xor" in page and "Loss per epoch of train_xor" in page
    assert len(re.findall(r"data:image/png;base64,", page)) == 2  # the curves, the boundaries
    assert "xor.forward" not in page  # not visible before the due date
    assert png_out.read_bytes().startswith(b"\x89PNG")
