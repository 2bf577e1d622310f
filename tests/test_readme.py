"""The README's commands are real: each `autograder ...` line in a shell block parses.

The sections for each user (instructor batch, student self-check from a
release, Gradescope, CI) show commands that other tests run end to end
(test_cli, test_release, test_gradescope_bundle, test_student_ci, test_wheel);
this test keeps the README's spelling of them in step with the parser, so a
renamed option cannot leave a stale command in the documentation.
"""

from __future__ import annotations

import re
import shlex

import pytest

from autograder import cli
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", ROOT / "docs" / "contract.md", ROOT / "examples" / "ci" / "README.md"]
BLOCK = re.compile(r"```(?:bash|sh|console)\n(.*?)```", re.S)


def commands() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for block in BLOCK.findall(doc.read_text()):
            for line in block.replace("\\\n", " ").splitlines():
                for part in line.split("&&"):
                    words = shlex.split(part, comments=True)
                    if words and words[0] == "autograder":
                        found.append((doc.name, shlex.join(words[1:])))
    return found


def test_the_readme_shows_a_command_for_every_user():
    shown = {c.split()[0] for _, c in commands() if c}
    assert {"grade", "check", "demo", "release", "gradescope"} <= shown, shown


@pytest.mark.parametrize("doc, command", commands())
def test_each_documented_command_parses(doc, command):
    try:
        cli._parser().parse_args(shlex.split(command))
    except SystemExit as exc:  # argparse's way of refusing (or of printing --help/--version)
        assert exc.code == 0, f"{doc}: `autograder {command}` is refused by the parser"
