"""The code works with every OpenCV release the pin allows (>=4.11.0.86,<5) and does not
depend on what 4.14 and 5.0 changed: the top-level ``cv2.setLogLevel`` (gone in 4.14) and
one call over more than four channels (different values in 5.0, 2-D results above 128)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from seqstudio.core.augment.kernels import CHANNELS_PER_CALL, apply_channels
from seqstudio.core.cv import cv2, silence_opencv_log

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ log level (4.14)
def test_silence_opencv_log_uses_whichever_api_exists():
    calls = []
    new_style = SimpleNamespace(
        utils=SimpleNamespace(
            logging=SimpleNamespace(
                LOG_LEVEL_SILENT=0, setLogLevel=lambda v: calls.append(("new", v))
            )
        )
    )
    legacy = SimpleNamespace(setLogLevel=lambda v: calls.append(("legacy", v)))
    assert silence_opencv_log(new_style) and silence_opencv_log(legacy)
    assert calls == [("new", 0), ("legacy", 0)]
    assert silence_opencv_log(SimpleNamespace(utils=SimpleNamespace())) is False
    assert silence_opencv_log(cv2)  # the installed release has one of them


def test_stats_worker_pool_finishes_without_any_log_level_api(tmp_path):
    """A worker whose start-up fails makes multiprocessing.Pool respawn it forever."""
    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            import os
            _env = dict(os.environ)
            import cv2
            os.environ.clear()
            os.environ.update(_env)
            for _owner, _name in ((cv2, "setLogLevel"), (getattr(cv2, "utils", None), "logging")):
                if _owner is not None and hasattr(_owner, _name):
                    delattr(_owner, _name)
            """
        )
    )
    data = tmp_path / "data"
    data.mkdir()
    image = np.arange(8 * 30, dtype=np.uint8).reshape(8, 30)
    for i in range(300):
        cv2.imwrite(str(data / f"{i:03d}.png"), image)
    (data / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(blocker), str(REPO), env.get("PYTHONPATH")])
    )
    probe = subprocess.run(
        [sys.executable, "-c", "import cv2; print(hasattr(cv2, 'setLogLevel'))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"  # the stand-in for a release without the API works
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "seqstudio",
            "stats",
            str(data),
            "--workers",
            "2",
            "--json",
            str(tmp_path / "stats.json"),
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["overall"]["image_count"] == 300 and stats["complete"]
    assert [p["path"] for p in stats["problems"]] == ["corrupt.png"]


# ------------------------------------------------------------------ channels (5.0)
def _like_opencv_5(fn, calls):
    """``fn`` as OpenCV 5.0 behaves: other values above four channels, 2-D above 128."""

    def wrapped(a: np.ndarray) -> np.ndarray:
        n = 1 if a.ndim == 2 else a.shape[2]
        calls.append(n)
        out = fn(a)
        if n > 4:
            out = out + np.float32(0.028)
        if n > 128:
            out = out.reshape(a.shape[0], -1)
        return out

    return wrapped


@pytest.mark.parametrize("channels", [1, 4, 5, 129, 515])
def test_channel_stacks_never_reach_opencv_more_than_four_at_a_time(channels):
    rng = np.random.default_rng(channels)
    stack = rng.random((28, 40, channels)).astype(np.float32)
    matrix = np.array([[0.98, 0.1, 1.5], [-0.05, 1.01, 0.25]])

    def warp(a):
        return cv2.warpAffine(a, matrix, (40, 28), flags=cv2.INTER_LINEAR, borderValue=0)

    calls: list[int] = []
    out = apply_channels(_like_opencv_5(warp, calls), stack)
    assert max(calls) <= CHANNELS_PER_CALL and sum(calls) == channels
    expected = np.dstack([warp(np.ascontiguousarray(stack[:, :, c])) for c in range(channels)])
    assert out.shape == stack.shape
    np.testing.assert_allclose(out, expected, rtol=0, atol=2e-6)


def test_many_glyphs_through_a_moving_op_keep_exact_labels():
    """Twenty glyphs (twenty ownership channels) through blur and perspective."""
    from seqstudio.core.generator import SequenceGenerator
    from seqstudio.core.spec import GenerationSpec

    spec = GenerationSpec.from_dict(
        {
            "digits": "01234567890123456789",
            "width": 800,
            "seed": 3,
            "augment": [
                {"op": "perspective", "params": {"strength": [0.03, 0.05]}},
                {"op": "gaussian_blur", "params": {"sigma": [0.8, 1.0]}},
            ],
        }
    )
    sample = SequenceGenerator(spec).generate(0)
    assert sorted(set(np.unique(sample.mask)) - {0}) == list(range(1, 21))
    assert np.array_equal(sample.mask > 0, sample.image > 0)
    for k, box in enumerate(sample.boxes.tolist(), start=1):
        ys, xs = np.nonzero(sample.mask == k)
        x, y = int(xs.min()), int(ys.min())
        assert box == [x, y, int(xs.max()) + 1 - x, int(ys.max()) + 1 - y]
