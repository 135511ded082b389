"""imgaug is imported only when an op that uses it runs, in the parent and in every export
worker, and works on numpy 2 once the numpy names it still uses are restored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]

#: Ops that never touch imgaug (OpenCV and numpy only).
OPENCV_OPS = [
    {"op": "rotate", "params": {"angle": [-8.0, 8.0]}},
    {"op": "elastic", "params": {"alpha": [1.0, 2.0], "sigma": 4.0}},
    {"op": "gaussian_blur", "params": {"sigma": [0.5, 1.0]}},
    {"op": "jpeg", "params": {"quality": [40, 80]}},
]
#: Ops implemented with imgaug's functional API.
IMGAUG_OPS = ["gaussian_noise", "salt_pepper", "brightness_contrast"]


def _run(code: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_imgaug_is_imported_by_the_first_op_that_uses_it_only():
    code = f"""
import sys
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec
spec = GenerationSpec.from_dict({{"digits": "2024", "seed": 1, "augment": {OPENCV_OPS!r}}})
gen = SequenceGenerator(spec)
[gen.generate(i) for i in range(20)]
print("imgaug" in sys.modules)
noisy = GenerationSpec.from_dict({{"digits": "2024", "seed": 1, "augment":
    [{{"op": "gaussian_noise", "probability": 0.0, "params": {{"sigma": [2.0, 4.0]}}}}]}})
[SequenceGenerator(noisy).generate(i) for i in range(20)]
print("imgaug" in sys.modules)
noisy = GenerationSpec.from_dict({{"digits": "2024", "seed": 1, "augment":
    [{{"op": "gaussian_noise", "params": {{"sigma": [2.0, 4.0]}}}}]}})
SequenceGenerator(noisy).generate(0)
print("imgaug" in sys.modules)
"""
    # Without ops, then an imgaug op that never fires (probability 0), then one that does.
    assert _run(code).split() == ["False", "False", "True"]


def _blocking_env(tmp_path: Path) -> dict[str, str]:
    """Environment in which ``import imgaug`` fails in every process, workers included."""
    block = tmp_path / "block"
    (block / "imgaug").mkdir(parents=True)
    (block / "imgaug" / "__init__.py").write_text(
        "raise ImportError('imgaug was imported although no op needs it')\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(block), str(REPO), env.get("PYTHONPATH")])
    )
    return env


def _export(tmp_path: Path, name: str, ops: list[dict], env: dict[str, str]):
    pipeline = tmp_path / f"{name}.json"
    pipeline.write_text(json.dumps({"augment": ops}))
    return subprocess.run(
        [sys.executable, "-m", "seqstudio", "export", "-o", str(tmp_path / name),
         "--digits", "14543", "--width", "320", "--count", "200", "--workers", "2", "--seed", "5",
         "--augment", str(pipeline), "--quiet"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )  # fmt: skip


def test_export_workers_without_imgaug_ops_never_import_it(tmp_path):
    env = _blocking_env(tmp_path)
    done = _export(tmp_path, "plain", OPENCV_OPS, env)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "plain").rglob("*.png"))) == 200
    # The block is real: an export whose op needs imgaug fails under it.
    noisy = _export(
        tmp_path, "noisy", [{"op": "gaussian_noise", "params": {"sigma": [3.0, 6.0]}}], env
    )
    assert noisy.returncode != 0 and "imgaug was imported" in noisy.stderr


@pytest.mark.parametrize("op", IMGAUG_OPS)
def test_imgaug_ops_run_on_the_installed_numpy(op):
    from seqstudio.core.generator import SequenceGenerator
    from seqstudio.core.spec import GenerationSpec

    params = {
        "gaussian_noise": {"sigma": [20.0, 20.0]},
        "salt_pepper": {"amount": [0.2, 0.2]},
        "brightness_contrast": {"brightness": [1.8, 1.8], "contrast": [1.0, 1.0]},
    }[op]
    base = {"digits": "2024", "seed": 4}
    plain = SequenceGenerator(GenerationSpec.from_dict(base)).generate(0).image
    spec = GenerationSpec.from_dict({**base, "augment": [{"op": op, "params": params}]})
    image = SequenceGenerator(spec).generate(0).image
    assert image.dtype == np.uint8 and image.shape == plain.shape
    assert not np.array_equal(image, plain)
    if op == "brightness_contrast":  # saturates at 255, never wraps around
        bright = plain.astype(np.int32) * 1.8
        assert np.all(image[bright >= 255] == 255)
        assert np.all(np.abs(image.astype(np.int32) - np.rint(bright).clip(0, 255)) <= 1)
    assert "sctypes" in np.__dict__  # restored before imgaug was imported
