"""Golden results: masked JSON compared with files under tests/golden/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.results import SubmissionResult

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
VOLATILE_TOP = ("seconds", "cache_key", "harness_version", "isolation", "output")


def masked(result: SubmissionResult) -> dict[str, Any]:
    """The result without timing, paths, hashes and captured output."""
    data = result.to_json()
    for key in VOLATILE_TOP:
        data.pop(key, None)
    for item in data["rubric"]:
        item.pop("seconds", None)
    return data


def compare(result: SubmissionResult, golden: Path, regen: bool) -> None:
    got = masked(result)
    if regen or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2) + "\n")
        if not regen:
            raise AssertionError(f"{golden} did not exist: written now, review and commit it")
        return
    expected = json.loads(golden.read_text())
    assert got == expected, f"results differ from {golden} (run pytest --regen-golden to accept)"
