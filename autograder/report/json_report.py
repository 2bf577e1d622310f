"""Our own results JSON (see CONTRACT.md), validated against the schema in the repo."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from autograder.report.files import write_atomic
from autograder.results import SubmissionResult


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("autograder").joinpath("schema/results.schema.json").read_text()
    return json.loads(text)


def validate(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``data`` is not a valid results document."""
    jsonschema.validate(data, schema())


def write(result: SubmissionResult, path: Path) -> None:
    data = result.to_json()
    validate(data)
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def read(path: Path) -> SubmissionResult:
    return SubmissionResult.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
