"""Observer of ``mlp_regression`` (Sheet 2.3) that no kit kind covers yet: goal_fun.

The Dataset, the three MLPs' shapes, their initialisation, their forward pass and
train (kind ``training_reduces_loss``) are kind items (``kind:`` in assignment.yaml), observed by the kit. These
observers measure the submission, never judge it: they exercise the names their
item is about on inputs built here from the YAML ``observe:`` settings, and
return facts.

Every fact is a claim: the check takes the inputs from the reference's facts,
not from these records.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from autograder.namespace import SubmissionNamespace
from autograder.observers import observer
from autograder.observers.common import attempt, type_name


def _formula(x: np.ndarray) -> np.ndarray:
    """The goal function, computed by the grader (never by the student's ``goal_fun``)."""
    return x**3 - x**2 + 25 * np.sin(2 * x)


# ---------------------------------------------------------------------------- goal_fun


@observer("mlp.goal_fun")
def observe_goal_fun(ns: SubmissionNamespace, params: dict[str, Any]) -> dict[str, Any]:
    """Call ``goal_fun`` on a NumPy array and on a torch tensor; record type and values."""
    goal_fun = ns.get("goal_fun")
    rng = np.random.default_rng(params.get("seed", 0))
    x = np.concatenate([np.linspace(-5, 5, 21), rng.uniform(-5, 5, params.get("n", 29))])
    facts: dict[str, Any] = {"x": x.copy()}
    for kind, make in (("numpy", lambda: x.copy()), ("torch", lambda: torch.tensor(x, dtype=torch.float32))):
        value, error = attempt(lambda: goal_fun(make()))
        facts[kind] = {"error": error, "type": type_name(value), "values": _numeric(value)}
    return facts


def _numeric(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array when it is a tensor or an array, else None."""
    try:
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().double().numpy()
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            return value.astype(np.float64)
    except Exception:  # an exotic tensor subclass must not break the observation
        return None
    return None
