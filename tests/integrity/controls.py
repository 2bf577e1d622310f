"""An attack's control: the same file without its hostile part, to compare scores with."""

from __future__ import annotations

from pathlib import Path


def control_source(attack: Path) -> str:
    """The attack's text without the lines between ``# --- hostile part`` and its end marker."""
    kept, skipping = [], False
    for line in attack.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip() == "# --- hostile part":
            skipping = True
        elif line.strip() == "# --- end of hostile part":
            skipping = False
        elif not skipping:
            kept.append(line)
    return "".join(kept)


def control_of(attack: Path, folder: Path) -> Path:
    """Write the control as ``folder/<attack>_control.py`` and return its path."""
    path = folder / f"{attack.stem}_control.py"
    path.write_text(control_source(attack), encoding="utf-8")
    return path
