"""``seqstudio export`` on the command line: bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import json
import os

import pytest
from export_readers import read_jsonl

from seqstudio.cli import main

BASE = ["--digits", "14543", "--width", "200", "--workers", "1", "--quiet"]


def run_cli(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_writes_dataset_and_summary(tmp_path, capsys):
    out = tmp_path / "data"
    code, stdout, err = run_cli(
        [
            "export",
            "-o",
            str(out),
            "--count",
            "30",
            *BASE[:-1],
            "--split",
            "train=0.5,val=0.5",
            "--masks",
        ],
        capsys,
    )
    assert code == 0, err
    assert "exported 30 images (train 15, val 15)" in stdout
    assert len(read_jsonl(out / "val" / "metadata.jsonl")) == 15
    assert len(list(out.glob("*/masks/*.png"))) == 30
    doc = json.loads((out / "dataset.json").read_text())
    assert doc["settings"]["count"] == 30 and doc["seqstudio_version"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--count", "0"], "--count: 0 is outside the allowed range"),
        (["--count", "-5"], "--count: -5 is outside the allowed range"),
        ([], "--count: is required"),
        (["--count", "10", "--split", "train=0.8,val=0.3"], "--split: ratios sum to 1.1, not 1"),
        (["--count", "10", "--split", "train=0.8,dev=0.2"], "--split: 'dev' is not a known split"),
        (["--count", "10", "--split", "train"], "--split: 'train' is not NAME=RATIO"),
        (["--count", "10", "--format", "gif"], "invalid choice: 'gif'"),
        (
            ["--count", "10", "--annotations", "coco,voc"],
            "--annotations: 'voc' is not one of: coco, yolo",
        ),
        (
            ["--count", "10", "--format", "npz", "--annotations", "coco"],
            "cannot be used with format npz",
        ),
        (["--count", "10", "--width", "60"], "--width: 60"),
        (["--count", "10", "--digits", "12x"], "--digits[2]: 'x' has no glyphs"),
        (["--count", "10", "--workers", "0"], "--workers: 0 is outside the allowed range"),
        (["--count", "10", "--resume", "--overwrite"], "not allowed with argument"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, extra, expected):
    out = tmp_path / "data"
    code, stdout, err = run_cli(["export", "-o", str(out), *BASE, *extra], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert expected in err
    assert not out.exists()


def test_bad_sequence_lines_are_reported_by_number(tmp_path, capsys):
    seqs = tmp_path / "seqs.txt"
    seqs.write_text("14543\n12,abc\n\n777,0\n2024,5,9\n")
    out = tmp_path / "data"
    code, _, err = run_cli(["export", "-o", str(out), *BASE, "--sequences", str(seqs)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "line 2: count 'abc' is not a whole number" in err
    assert "line 4: count 0 is outside" in err and "line 5:" in err
    assert not out.exists()
    seqs.write_text("14543\n12a4\n")
    code, _, err = run_cli(["export", "-o", str(out), *BASE, "--sequences", str(seqs)], capsys)
    assert code == 2 and "sequences file line 2: '12a4'" in err and not out.exists()


def test_unwritable_or_occupied_output_and_mismatched_resume(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli(["export", "-o", str(blocker / "data"), *BASE, "--count", "5"], capsys)
    assert code == 2 and "is not a folder" in err
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    for flag in ([], ["--overwrite"], ["--resume"]):
        code, _, err = run_cli(
            ["export", "-o", str(occupied), *BASE, "--count", "5", *flag], capsys
        )
        assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert os.listdir(occupied) == ["keep.txt"]
    out = tmp_path / "data"
    assert run_cli(["export", "-o", str(out), *BASE, "--count", "5"], capsys)[0] == 0
    before = sorted(os.listdir(out / "train"))
    code, _, err = run_cli(["export", "-o", str(out), *BASE, "--count", "6", "--resume"], capsys)
    assert code == 2 and f"--count: 6 given, but {out / 'dataset.json'} records 5" in err
    assert sorted(os.listdir(out / "train")) == before
    code, _, err = run_cli(["export", "-o", str(out), *BASE, "--count", "6", "--overwrite"], capsys)
    assert code == 0 and len(os.listdir(out / "train")) == 6 + 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run_cli(
            ["export", "-o", str(locked / "data"), *BASE, "--count", "5"], capsys
        )
    finally:
        locked.chmod(0o755)
    assert code == 2 and "is not writable" in err
