"""``seqstudio --version`` and ``seqstudio doctor``: what a user pastes into a bug report."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import cv2
import numpy
import PySide6

from seqstudio._version import __version__

REPO = Path(__file__).resolve().parents[1]


def _seqstudio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "seqstudio", *args],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip


def test_version_names_python_and_every_library_in_use():
    out = _seqstudio("--version")
    assert out.returncode == 0
    line = out.stdout.strip()
    assert line.startswith(f"seqstudio {__version__} (Python {platform.python_version()}, ")
    assert f"numpy {numpy.__version__}" in line
    assert f"OpenCV {cv2.__version__}" in line  # 4.14.0 in 4.14.0.94
    assert f"Qt {PySide6.__version__}" in line
    assert "imgaug 0.4.0" in line
    # Fast: metadata only, no library imported for it.
    probe = (
        "import sys; from seqstudio.core.environment import version_summary; version_summary(); "
    )
    probe += "print(sorted({'numpy', 'cv2', 'PySide6', 'imgaug'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_doctor_checks_each_part_live():
    out = _seqstudio("doctor", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["seqstudio"] == __version__
    assert report["python"].startswith(platform.python_version())
    assert report["executable"] == sys.executable
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["numpy"]["ok"] and checks["numpy"]["detail"] == numpy.__version__
    assert checks["OpenCV"]["ok"] and checks["OpenCV"]["detail"] == cv2.__version__
    imgaug = checks["imgaug (augmentation)"]
    assert imgaug["ok"] and imgaug["detail"] == f"0.4.0 (imports with numpy {numpy.__version__})"
    assert checks["Qt (desktop app)"]["ok"]
    assert PySide6.__version__ in checks["Qt (desktop app)"]["detail"]
    assert checks["glyphs: bundled"]["ok"]
    text = _seqstudio("doctor")
    assert text.returncode == 0
    for word in ("Python", "numpy", "OpenCV", "Qt", "imgaug", "checks"):
        assert word in text.stdout


def test_doctor_reports_a_broken_imgaug_and_exits_1(tmp_path):
    broken = tmp_path / "imgaug"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('simulated: numpy has no sctypes')\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tmp_path), str(REPO), env.get("PYTHONPATH")])
    )
    out = _seqstudio("doctor", env=env)
    assert out.returncode == 1
    line = next(x for x in out.stdout.splitlines() if "imgaug (augmentation)" in x)
    assert "BROKEN" in line and "ImportError: simulated: numpy has no sctypes" in line
    assert "Traceback" not in out.stderr
