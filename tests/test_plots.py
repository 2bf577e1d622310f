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

from autograder import spec as spec_mod
from autograder.report import plots, student_html
from tests.coursecode import checks_module, plots_of
from autograder.results import ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
BOUNDARY_PARAMS = {"radius": 0.1, "threshold": 0.5, "corner_margin": 0.05, "rtol": 1e-4, "atol": 1e-5}


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
    return {"seeds": seeds, "corners": CORNERS, "targets": TARGETS, "grid": grid()}


def xor_run(seed: int, layers: list[dict], hidden=sigmoid) -> dict:
    """An honest run record: outputs are those of ``layers`` on the grader's points."""
    return {"seed": seed, "error": None, "predict_error": None, "initial": layers, "final": layers,
            "losses": None, "corner_outputs": forward(CORNERS, layers, hidden),
            "grid_outputs": forward(grid(), layers, hidden)}


def ok(facts: dict) -> dict:
    return {"status": "ok", "facts": facts}


def boundary(runs: list[dict], seeds: list[int]) -> plots.Section:
    return plots_of("xor")["xor.boundary"]({"runs": runs}, xor_expected(seeds), BOUNDARY_PARAMS)


# --- xor.boundary --------------------------------------------------------------------------


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
    wide["final"] = [{"weight": np.zeros((5000, 2)), "bias": None}, {"weight": np.zeros((1, 5000)), "bias": None}]
    raised = {"seed": 2, "error": "RuntimeError: boom", "predict_error": None}
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


def test_loss_curves_have_human_titles_and_log_scale_over_decades() -> None:
    mine = {"losses": list(np.geomspace(1.0, 1e-6, 50)), "error": None}
    ref = {"losses": list(np.geomspace(1.0, 1e-7, 40)), "error": None}
    section = plots_of("xor")["xor.loss_decrease"]({"own_model": mine, "grader_model": {"error": "boom"}},
                             {"seed": 0, "grader_hidden": 16, "own_model": ref, "grader_model": ref}, {})
    (panel,) = section.panels
    assert panel.title == "Your train_xor on XOR(), seed 0"
    assert panel.data["reference"].size == 40
    assert plots.log_scale(panel.data["yours"], panel.data["reference"])
    assert not plots.log_scale(np.array([3.0, 2.0, 1.5]))
    assert "no curve" in section.notes[0]


def test_a_curve_must_be_finite_numbers_of_bounded_length() -> None:
    assert plots.curve([1.0, float("nan")]) is None
    assert plots.curve(["1", "2"]) is None
    assert plots.curve(np.zeros(plots.MAX_CURVE + 1)) is None
    assert plots.curve(np.array([2.0, 1.0])) is not None


def mlp_layers(rng: np.random.Generator) -> list[dict]:
    sizes = [1, 10, 10, 10, 1]
    return [{"weight": rng.normal(size=(o, i)), "bias": rng.normal(size=o)} for i, o in itertools.pairwise(sizes)]


def test_regression_fit_is_recomputed_from_the_final_weights() -> None:
    rng = np.random.default_rng(0)
    start, final = mlp_layers(rng), mlp_layers(rng)
    x = np.linspace(-5, 5, 30)
    expected = {"initial": start, "inputs": x.reshape(-1, 1), "targets": checks_module("mlp_regression").goal_fun(x).reshape(-1, 1),
                "n_epochs": 3, "losses": [3.0, 2.0, 1.0]}
    section = plots_of("mlp_regression")["mlp.loss_decrease"]({"final": final, "losses": [3.0, 2.5, 1.0]}, expected, {})
    fit, loss = section.panels
    assert fit.kind == "fit" and loss.kind == "curve"
    h = fit.data["xs"].reshape(-1, 1)
    for k, layer in enumerate(final):
        h = h @ layer["weight"].T + layer["bias"]
        h = h if k == len(final) - 1 else np.maximum(h, 0)
    np.testing.assert_allclose(fit.data["fitted"], h[:, 0])
    np.testing.assert_allclose(fit.data["goal"], checks_module("mlp_regression").goal_fun(fit.data["xs"]))


def test_regression_fit_of_another_network_is_not_drawn() -> None:
    rng = np.random.default_rng(1)
    x = np.linspace(-5, 5, 30)
    expected = {"initial": mlp_layers(rng), "inputs": x, "targets": x, "n_epochs": 3, "losses": None}
    section = plots_of("mlp_regression")["mlp.loss_decrease"]({"final": mlp_layers(rng)[:2], "losses": None}, expected, {})
    assert section.panels == []
    assert "not those of the model the grader built" in section.notes[0]
    assert "no curve drawn" in section.notes[1]


# --- visibility and the page ---------------------------------------------------------------


def init_record(rng: np.random.Generator) -> dict:
    layers = [{"name": "l", "weight": rng.uniform(-1, 1, (10, 1)), "bias": rng.uniform(-1, 1, 10)}]
    return {"models": [{"label": "MLPexplicit(1, 10, 1)", "missing": False, "error": None, "seeds": [layers]}]}


BUILDERS = {**plots_of("xor"), **plots_of("mlp_regression")}


def test_each_item_is_drawn_by_its_kinds_or_its_folders_builder() -> None:
    found = plots.builders_for(spec_mod.load("xor"))
    assert found == {"xor.boundary": plots_of("xor")["xor.boundary"],
                     "xor.loss_decrease": plots_of("xor")["xor.loss_decrease"]}


def test_hidden_items_are_never_drawn() -> None:
    rng = np.random.default_rng(2)
    observations = {"mlp.init_range": ok(init_record(rng)),
                    "xor.boundary": ok({"runs": [xor_run(0, XOR_LAYERS)]})}
    expected = {"mlp.init_range": ok(init_record(rng)), "xor.boundary": ok(xor_expected([0]))}
    assert plots.sections(observations, expected, {"xor.boundary": "t"}, {}, BUILDERS)[0].item == "xor.boundary"
    assert len(plots.sections(observations, expected, {"xor.boundary": "t"}, {}, BUILDERS)) == 1
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
