"""``seqstudio stats`` end to end, in subprocesses: output, files and bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "seqstudio", "stats", *args],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli_data")
    rng = np.random.default_rng(0)
    for cat, shape in (("a", (8, 30)), ("b", (12, 12, 3))):
        (root / cat).mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(
                root / cat / f"{i}.png"
            )
    (root / "b" / "bad.png").write_bytes(b"")
    (root / "readme.txt").write_text("hi")
    (root / "empty").mkdir()
    (root / "only_text").mkdir()
    (root / "only_text" / "x.txt").write_text("x")
    return root


def test_table_json_csv_and_grid(data, tmp_path):
    out_json, out_csv, out_grid = tmp_path / "s.json", tmp_path / "s.csv", tmp_path / "g.png"
    proc = _start(
        [
            str(data),
            "--by-folder",
            "--json",
            str(out_json),
            "--csv",
            str(out_csv),
            "--grid",
            str(out_grid),
            "--grid-size",
            "2x3",
            "--seed",
            "1",
            "--workers",
            "2",
        ]
    )
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stderr == ""  # not a terminal and no --progress: no bar
    rows = {
        line.split()[0]: line.split() for line in stdout.splitlines() if line and line[0] in "ab("
    }
    assert rows["a"][1:3] == ["3", "L"] and rows["b"][1:3] == ["3", "RGB"]
    assert "b/bad.png: empty file (0 bytes)" in stdout
    assert "skipped 2 non-image files" in stdout  # readme.txt, only_text/x.txt
    from seqstudio.core.stats import compute_dataset_stats

    expected = compute_dataset_stats(data, workers=1)
    saved = json.loads(out_json.read_text())
    assert saved["categories"]["b"]["mean"] == list(expected.categories["b"].mean)
    assert saved["overall"]["std"] == list(expected.overall.std)
    table = list(csv.DictReader(out_csv.open()))
    assert [r["category"] for r in table] == ["a", "b", "(all)"]
    assert float(table[0]["mean_L"]) == expected.categories["a"].mean[0]
    assert f"{expected.categories['a'].mean[0]:.4f}" in " ".join(rows["a"])
    assert Image.open(out_grid).size[0] > 0 and "grid: " in stdout


def test_progress_flag_and_quiet(data):
    loud = _start([str(data), "--progress", "--workers", "1"])
    quiet = _start([str(data), "--quiet", "--workers", "1"])
    _, loud_err = loud.communicate(timeout=60)
    _, quiet_err = quiet.communicate(timeout=60)
    assert loud.returncode == quiet.returncode == 0
    assert "files/s" in loud_err and "7/7 100%" in loud_err
    assert quiet_err == ""


def test_bad_input_gives_one_line_and_exit_2(data, tmp_path):
    png = data / "a" / "0.png"
    cases = [
        ([str(tmp_path / "missing")], ["folder not found", "missing"]),
        ([str(png)], ["is a file, not a folder", "0.png"]),
        ([str(data / "empty")], ["is empty", "empty"]),
        ([str(data / "only_text")], ["no image files", "png, jpg/jpeg"]),
        ([str(data), "--grid", "g.png", "--grid-size", "0x8"], ["--grid-size", "'0x8'", "1..64"]),
        ([str(data), "--grid", "g.png", "--grid-size", "8x65"], ["--grid-size", "'8x65'", "1..64"]),
        ([str(data), "--grid", "g.png", "--grid-size", "big"], ["--grid-size", "'big'", "8x8"]),
        ([str(data), "--workers", "0"], ["--workers", "0", ">= 1"]),
        ([str(data), "--workers", "two"], ["--workers", "'two'", ">= 1"]),
        ([str(data), "--grid", "g.png", "--seed", "-1"], ["--seed", "-1", ">= 0"]),
        ([str(data), "--seed", "3"], ["--seed", "needs --grid"]),
        ([str(data), "--thumb-height", "2"], ["--thumb-height", "2", "8..1024"]),
        (
            [str(data), "--json", str(tmp_path / "no" / "dir" / "s.json")],
            ["cannot write", "s.json"],
        ),
        ([str(data), "--progress", "--quiet"], ["--quiet", "not allowed with"]),
    ]
    if os.geteuid() != 0:  # root reads any folder
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0)
        cases.append(([str(locked)], ["permission denied", "locked"]))
    procs = [(_start([*args, "--quiet"]), words) for args, words in cases]
    for proc, words in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (words, stderr)
        assert "Traceback" not in stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        assert "error:" in lines[0]
        for word in words:
            assert word in lines[0], (word, lines[0])
