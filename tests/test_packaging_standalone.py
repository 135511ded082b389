"""The PyInstaller build files are well-formed; the (slow) build itself runs on request.

``SEQSTUDIO_TEST_STANDALONE=1 pytest tests/test_packaging_standalone.py`` runs
``packaging/build_standalone.sh`` (a few minutes, downloads PyInstaller and the
dependencies from PyPI) and starts the built executable.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"


def test_spec_is_python_with_a_one_folder_build():
    tree = ast.parse((PACKAGING / "seqstudio.spec").read_text())
    calls = {
        node.func.id: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= set(calls)  # COLLECT = one folder
    exe_kwargs = {k.arg: k.value for k in calls["EXE"].keywords}
    assert ast.literal_eval(exe_kwargs["exclude_binaries"]) is True
    script = ast.literal_eval(calls["Analysis"].args[0])[0]
    assert (PACKAGING / script).is_file()


def test_build_script_is_valid_bash():
    script = PACKAGING / "build_standalone.sh"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.skipif(
    os.environ.get("SEQSTUDIO_TEST_STANDALONE") != "1", reason="set SEQSTUDIO_TEST_STANDALONE=1"
)
def test_standalone_build_runs(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "seqstudio", "resources", "packaging"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        ["bash", str(src / "packaging/build_standalone.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (src / "dist/seqstudio/seqstudio").is_file()
    assert "seqstudio " in result.stdout
