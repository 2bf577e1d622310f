"""Observer of kind ``decision_boundary`` (sandbox side): per seed, build, train, predict.

Per seed: seed everything, build the submission's class with the settings'
arguments, train it with the student's function on the declared points, and
report the layers before and after, the returned losses and the model's raw
outputs at the points and on the grid. The judge computes the predictions
itself from the trained weights; the raw outputs only tell it which network
the model's forward is. See :mod:`autograder.kit.decision_boundary`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from autograder.kit import kind_observer
from autograder.kit.decision_boundary import BoundaryFacts, BoundaryRun, grid_points
from autograder.kit.observe import build, tensor_of
from autograder.kit.observe_training_reduces_loss import data_arrays, train_and_record
from autograder.kit.records import CallQuestion, as_record
from autograder.kit.training_reduces_loss import call_text, model_text
from autograder.namespace import SubmissionNamespace
from autograder.observers.common import as_numpy, attempt, seed_everything

_NO_GRAD = torch.no_grad


def predictions(model: Any, points: np.ndarray, grid: np.ndarray) -> dict[str, Any]:
    """Raw outputs at the points and on the grid, flattened to one value per input point."""
    shapes: list[list[int] | None] = []

    def flat(inputs: np.ndarray) -> np.ndarray:
        with _NO_GRAD():
            out = as_numpy(model(tensor_of(inputs)))
        shapes.append(None if out is None else list(out.shape))
        if out is None or out.size != len(inputs):
            raise ValueError(f"the model returned shape {shapes[-1]} for {len(inputs)} input points")
        return out.reshape(-1)

    point_out, error = attempt(lambda: flat(points))
    grid_out, grid_error = attempt(lambda: flat(grid))
    return {"point_outputs": point_out, "grid_outputs": grid_out,
            "output_shape": shapes[0] if shapes else None, "predict_error": error or grid_error}


@kind_observer("decision_boundary")
def observe_decision_boundary(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Per seed: the model built with its defaults and trained with the function's defaults."""
    seeds = [int(s) for s in params["seeds"]]
    arguments = [str(a) for a in params["arguments"]]
    inputs, targets = data_arrays(params["data"])
    grid = grid_points(inputs, int(params["grid"]["points_per_axis"]), float(params["grid"]["pad"]))
    function, label = params["function"], model_text(params)
    train = ns.get(function)
    runs = []
    for seed in seeds:
        seed_everything(seed)
        model, error = attempt(lambda: build(ns, params))
        if error is None:
            run = train_and_record(model, label, False, train, arguments, params.get("train_kwargs", {}),
                                   inputs, targets)
            error = run.error
        if error is not None:
            runs.append(BoundaryRun(seed=seed, error=error, returned_type="", losses=None, losses_length=None,
                                    convert_error=None, initial=[], final=[], point_outputs=None, grid_outputs=None,
                                    output_shape=None, predict_error=None))
            continue
        runs.append(BoundaryRun(seed=seed, error=None, returned_type=run.returned_type, losses=run.losses,
                                losses_length=run.losses_length, convert_error=run.convert_error,
                                initial=run.initial, final=run.final, **predictions(model, inputs, grid)))
    return as_record(BoundaryFacts(call=CallQuestion(function, call_text(function, arguments)), model=label,
                                   arguments=arguments, seeds=seeds, inputs=inputs, targets=targets.reshape(-1),
                                   grid=grid, runs=runs))
