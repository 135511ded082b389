"""``seqstudio generate`` through a real subprocess: good runs and a table of bad input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd):
    env_path = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "seqstudio", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_generate_writes_exactly_the_core_image_and_its_labels(tmp_path):
    result = run_cli(
        "generate",
        "--digits",
        "14543",
        "--spacing",
        "5",
        "10",
        "--width",
        "200",
        "--seed",
        "3",
        "-o",
        "out.png",
        "--json",
        "--masks",
        "--save-spec",
        "spec.json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    expected = SequenceGenerator(
        GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200, seed=3)
    )
    sample = expected.generate(0)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out.png")), sample.image)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out_mask.png")), sample.mask)
    record = json.loads((tmp_path / "out.json").read_text())
    assert record["label"] == "14543" and record["boxes"] == sample.boxes.tolist()
    again = run_cli("generate", "--spec", "spec.json", "-o", "again.png", cwd=tmp_path)
    assert again.returncode == 0
    assert (tmp_path / "again.png").read_bytes() == (tmp_path / "out.png").read_bytes()


def test_generate_many_into_a_folder(tmp_path):
    result = run_cli(
        "generate",
        "--random-length",
        "1",
        "3",
        "--width",
        "120",
        "--count",
        "4",
        "-o",
        "imgs",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "imgs").iterdir()) == [
        f"00000{i}.png" for i in range(4)
    ]


BAD = [
    (["--digits", ""], "--digits"),
    (["--digits", "12a4"], "'a'"),
    (["--spacing", "-20", "5"], "--spacing MIN: -20 overlaps too much: the allowed range is -14"),
    (["--spacing", "-1", "5", "--spacing-scope", "edges"], "--spacing MIN: -1 is negative"),
    (["--spacing", "9", "3"], "--spacing MAX: 3"),
    (["--width", "0"], "--width: 0"),
    (["--width", "50"], "needs at least 160"),
    (["--width", "159"], "needs at least 160"),
    (["--random-length", "1", "5", "--spacing", "0", "3", "--width", "120"], "needs at least 140"),
    (["--fit", "strict", "--width", "179"], "needs at least 180"),
    (["--width", "100000"], "--width: 100000"),
    (["--height", "0"], "--height: 0"),
    (["--fit", "exact", "--spacing-mode", "fixed", "--width", "171"], "feasible widths are"),
    (["--source", "idx:/nonexistent/mnist"], "folder not found"),
    (["--spec", "bad.json"], "not valid JSON"),
    (["--spec", "unknown.json"], "unknown field"),
    (["--count", "0", "-o", "dir"], "--count: 0"),
    (["--seed", "-5"], "--seed: -5"),
    (["--width", "abc"], "invalid int value"),
    (["--fit", "zoom"], "invalid choice"),
    (["-o", "missing/x.png"], "does not exist"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_clear_line_exit_2_and_no_file(tmp_path, args, message):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "unknown.json").write_text('{"digits": "12", "colour": "red"}')
    if "-o" not in args:
        args = [*args, "-o", "out.png"]
    result = run_cli("generate", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "dir").exists()


def test_version(tmp_path):
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("seqstudio ")


def test_app_without_a_display_says_so_instead_of_aborting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "seqstudio"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert result.returncode == 2
    assert "no display" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "preset, digits, width",
    [
        ("light", "14543", "200"),
        ("scan-like", "14543", "200"),
        ("heavy", "14543", "200"),
        ("heavy", "14543210", "300"),
    ],
)
def test_presets_work_at_the_default_widths(tmp_path, preset, digits, width):
    from seqstudio.cli import main

    out = tmp_path / "out"
    args = ["generate", "--digits", digits, "--width", width, "--augment", preset]
    assert main([*args, "--count", "6", "--json", "-o", str(out)]) == 0
    records = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    assert len(records) == 6 and all(r["label"] == digits for r in records)
    for png in sorted(out.glob("*.png")):
        assert np.asarray(Image.open(png)).shape == (28, int(width))


def test_many_images_take_the_batch_path_with_the_same_bytes(tmp_path):
    """600 images cross a batch chunk (512); with --json each image is made one at a time."""
    common = ["generate", "--digits", "2024", "--width", "160", "--seed", "9", "--start", "3"]
    fast = run_cli(*common, "--count", "600", "-o", "fast", cwd=tmp_path)
    single = run_cli(*common, "--count", "600", "--json", "-o", "single", cwd=tmp_path)
    assert fast.returncode == 0 and single.returncode == 0, fast.stderr + single.stderr
    names = sorted(p.name for p in (tmp_path / "fast").iterdir())
    assert names == [f"{i:06d}.png" for i in range(3, 603)]
    for name in names:
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "single" / name).read_bytes()
    expected = SequenceGenerator(GenerationSpec(digits="2024", width=160, seed=9))
    for i in (3, 514, 515, 602):
        image = np.asarray(Image.open(tmp_path / "fast" / f"{i:06d}.png"))
        assert np.array_equal(image, expected.generate(i).image)
