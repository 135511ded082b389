"""Every command and code block in README.md runs as written.

The blocks are extracted from README.md itself, so an example that stops working fails
here. What the test does beyond running each line, said explicitly:

* The two set-up commands (fresh venv + install; they take minutes) are not re-run here:
  CI runs the test command verbatim (checked below), which installs the same way.
* ``--count N`` is lowered to at most :data:`MAX_COUNT` (the only rewrite of a command).
* Files a command reads are made first: ``my-preset.json`` (a spec the app could have
  saved), ``any/folder/of/images`` (three PNGs) and ``~/mnist`` (four IDX files); HOME
  and the XDG folders point into the test's own folder. An ``export -o DIR`` that starts
  a new dataset gets an empty ``DIR`` (README shows alternatives, not a script), and
  the ``seqstudio stats data…`` lines read :data:`STATS_DATASET`, a PNG dataset with
  splits and masks, as the statistics section assumes (the export lines end with a
  packed ``npz`` one).
* ``seqstudio data download`` needs the internet: offline it must fail with one clear
  line and exit code 2.
* A ``$ command`` line followed by output lines must print exactly that output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from download_server import closed_port_url, make_idx_files

from seqstudio.core.spec import GenerationSpec

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent
#: Largest ``--count`` a README command runs with here.
MAX_COUNT = 40
#: The dataset the README's ``seqstudio stats data…`` lines read.
STATS_DATASET = (
    "seqstudio export -o data --count 40 --digits 14543 --split train=0.8,val=0.1,test=0.1 "
    "--annotations coco,yolo --masks"
)


def _blocks() -> list[tuple[str, str]]:
    """``(language, text)`` of every fenced block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.S | re.M)


def _commands():
    return re.findall(r"```sh\n(python3 -m venv .+?)\n```", README)


def test_readme_has_the_two_setup_commands():
    commands = _commands()
    assert len(commands) == 2
    run_app, run_tests = commands
    assert run_app.rstrip().endswith("seqstudio") and "pytest" in run_tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci.splitlines()


def _shell_steps() -> list[tuple[str, list[str] | None]]:
    """Each shell command of README (set-up excluded), with its expected output if shown."""
    steps: list[tuple[str, list[str] | None]] = []
    for language, text in _blocks():
        if language not in ("sh", "") or text.startswith("python3 -m venv"):
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        if lines and lines[0].startswith("$ "):  # a transcript: command, then its output
            k = 0
            while k < len(lines):
                command, output = lines[k][2:], []
                k += 1
                while k < len(lines) and not lines[k].startswith("$ "):
                    output.append(lines[k])
                    k += 1
                steps.append((command, output))
        else:
            steps.extend((line, None) for line in lines)
    return steps


def _python_blocks() -> list[str]:
    return [text for language, text in _blocks() if language == "python"]


def _lower_counts(command: str) -> str:
    return re.sub(r"--count (\d+)", lambda m: f"--count {min(int(m.group(1)), MAX_COUNT)}", command)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder with what README's commands read, and an environment pointing into it."""
    root = tmp_path_factory.mktemp("readme")
    home = root / "home"
    home.mkdir()
    make_idx_files(home / "mnist")
    GenerationSpec(digits="2024", width=160, seed=3).save(root / "my-preset.json")
    images = root / "any" / "folder" / "of" / "images"
    images.mkdir(parents=True)
    from seqstudio.core.cv import encode_png
    from seqstudio.core.generator import SequenceGenerator

    generator = SequenceGenerator(GenerationSpec(seed=1))
    for k in range(3):
        (images / f"{k}.png").write_bytes(encode_png(generator.generate(k).image))
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "SEQSTUDIO_MNIST_MIRRORS": closed_port_url(),
        "QT_QPA_PLATFORM": "offscreen",
    }
    return root, env


def test_readme_lists_the_commands_this_test_runs():
    commands = [command for command, _ in _shell_steps()]
    assert any(c.startswith("seqstudio generate") for c in commands)
    assert any(c.startswith("seqstudio export") for c in commands)
    assert any(c.startswith("seqstudio stats") for c in commands)
    assert _python_blocks()


def test_every_readme_shell_command_runs_as_written(workspace):
    root, env = workspace
    steps = _shell_steps()
    failures = []
    stats_data_ready = False
    for command, expected in steps:
        run = _lower_counts(command)
        new_export = re.match(r"seqstudio export -o (\S+)", run)
        if new_export and "--resume" not in run:
            shutil.rmtree(root / new_export.group(1), ignore_errors=True)
        if run.startswith("seqstudio export"):
            stats_data_ready = False
        if run.startswith("seqstudio stats data") and not stats_data_ready:
            shutil.rmtree(root / "data", ignore_errors=True)
            _run(STATS_DATASET, root, env).check_returncode()
            stats_data_ready = True
        result = _run(run, root, env)
        if command.startswith("seqstudio data download"):
            lines = result.stderr.strip().splitlines()
            if result.returncode != 2 or len(lines) != 1:
                failures.append(f"{command}: offline it should fail in one line: {result}")
            continue
        if expected:  # a transcript: exactly the output shown
            shown = (result.stdout + result.stderr).strip().splitlines()
            if shown != expected:
                failures.append(f"{command}: printed {shown}, README shows {expected}")
            continue
        if result.returncode != 0:
            failures.append(f"{run} -> exit {result.returncode}: {result.stderr.strip()[-500:]}")
    assert not failures, "\n".join(failures)


def _run(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("code", _python_blocks())
def test_every_readme_python_block_runs_as_written(code, workspace):
    root, env = workspace
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
