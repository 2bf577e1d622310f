"""Golden results: masked JSON compared with files under tests/golden/.

Ids, statuses, scores and the words of every message are compared exactly.
Numbers *inside* messages (a loss, a largest difference) are compared with a
tolerance: they come from float arithmetic whose last digits differ between
CPUs and thread counts, and a golden file pins behaviour, not one machine's
rounding. Integers in messages (counts, shapes, seeds) are still exact.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from autograder.results import SubmissionResult

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
VOLATILE_TOP = ("seconds", "cache_key", "harness_version", "isolation", "output")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
REL_TOL, ABS_TOL = 1e-2, 1e-6


def masked(result: SubmissionResult) -> dict[str, Any]:
    """The result without timing, paths, hashes and captured output."""
    data = result.to_json()
    for key in VOLATILE_TOP:
        data.pop(key, None)
    for item in data["rubric"]:
        item.pop("seconds", None)
    return data


def _same_number(a: str, b: str) -> bool:
    if a == b:
        return True
    if not any(c in a + b for c in ".eE"):
        return False  # integers: counts, shapes, seeds are exact
    x, y = float(a), float(b)
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def same_text(got: str, want: str) -> bool:
    """Equal words, and numbers equal within the tolerance."""
    if NUMBER.sub("#", got) != NUMBER.sub("#", want):
        return False
    return all(_same_number(a, b) for a, b in zip(NUMBER.findall(got), NUMBER.findall(want)))


def differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Where two masked results differ beyond float noise (empty when they agree)."""
    if isinstance(got, dict) and isinstance(want, dict):
        if got.keys() != want.keys():
            return [f"{where}: keys {sorted(got)} != {sorted(want)}"]
        return [d for k in got for d in differences(got[k], want[k], f"{where}.{k}")]
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} entries != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in differences(g, w, f"{where}[{i}]")]
    if isinstance(got, str) and isinstance(want, str):
        return [] if same_text(got, want) else [f"{where}:\n  got:  {got}\n  want: {want}"]
    return [] if got == want and type(got) is type(want) else [f"{where}: {got!r} != {want!r}"]


def compare(result: SubmissionResult, golden: Path, regen: bool) -> None:
    got = masked(result)
    if regen or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2) + "\n")
        if not regen:
            raise AssertionError(f"{golden} did not exist: written now, review and commit it")
        return
    expected = json.loads(golden.read_text())
    diff = differences(got, expected)
    assert not diff, f"results differ from {golden} (run pytest --regen-golden to accept):\n" + "\n".join(diff)
