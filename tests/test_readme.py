"""README keeps the two set-up commands, and CI runs exactly the README's test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    return re.findall(r"```sh\n(python3 -m venv .+?)\n```", (ROOT / "README.md").read_text())


def test_readme_has_the_two_setup_commands():
    commands = _commands()
    assert len(commands) == 2
    run_app, run_tests = commands
    assert run_app.rstrip().endswith("seqstudio") and "pytest" in run_tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci.splitlines()
