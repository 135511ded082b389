"""Bad input is one clear line, fast, never a traceback, a hang or unbounded memory:
special files, deep JSON, huge numbers, long strings, hostile IDX/gzip/image headers,
over-long manifest lines and manifest paths that leave the dataset folder.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_export_resume_cli import run_cli

from seqstudio.core.api import generate_numbers_sequence
from seqstudio.core.errors import DataError, SpecError
from seqstudio.core.export import export_dataset
from seqstudio.core.fileio import contained_path, parse_json, read_bounded
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.idx import read_idx
from seqstudio.core.spec import GenerationSpec, RandomSequences

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], (word, lines[0])


# ----------------------------------------------------------------- special files
@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("option", ["--spec", "--sequences"])
@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "folder"])
def test_special_files_are_refused_without_reading(tmp_path, capsys, fifo, option, target):
    path = {"/dev/zero": "/dev/zero", "fifo": str(fifo), "folder": str(tmp_path)}[target]
    start = time.perf_counter()
    argv = ["export", "-o", str(tmp_path / "out"), "--count", "2", option, path]
    code, _, err = run_cli(argv, capsys)
    assert time.perf_counter() - start < 10
    one_line_error(code, err, option, "not a regular file")


def test_user_files_over_the_size_cap_are_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2000)
    with pytest.raises(ValueError, match="more than the limit 1,000"):
        read_bounded(big, 1000)
    assert read_bounded(big, 2000) == b" " * 2000


# --------------------------------------------------------------------- JSON
@pytest.mark.parametrize(
    "text, words",
    [
        ("[" * 100_000 + "]" * 100_000, ["nested more than 64"]),
        ('{"digits": "12", "seed": ' + "9" * 5000 + "}", ["5,000 digits"]),
        ('{"digits": "12", "version": true}', ["version", "True"]),
        ('{"digits": "12", "seed": ' + "9" * 30 + "}", ["--seed", "outside the allowed range"]),
    ],
)
def test_hostile_spec_files_are_one_line(tmp_path, capsys, text, words):
    spec = tmp_path / "spec.json"
    spec.write_text(text)
    code, _, err = run_cli(["generate", "--spec", str(spec), "-o", str(tmp_path / "x.png")], capsys)
    one_line_error(code, err, *words)


def test_deep_or_huge_dataset_json_is_refused(tmp_path, capsys):
    out = tmp_path / "data"
    out.mkdir()
    (out / "dataset.json").write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run_cli(["export", "-o", str(out), "--resume"], capsys)
    one_line_error(code, err, "dataset.json", "nested")


def test_parse_json_limits():
    assert parse_json('{"a": [1, 2, {"b": 3}]}') == {"a": [1, 2, {"b": 3}]}
    with pytest.raises(ValueError, match="nested"):
        parse_json("[" * 65 + "]" * 65)
    assert parse_json("[" * 64 + "]" * 64)


# ----------------------------------------------------------- values in the API
def test_long_digit_strings_are_refused_before_being_split():
    text = "1" * 20_000_000
    start = time.perf_counter()
    with pytest.raises(SpecError, match="more than the maximum 256"):
        GenerationSpec(digits=text)
    assert time.perf_counter() - start < 1


def test_huge_seed_and_index_are_refused_with_a_short_message():
    with pytest.raises(SpecError) as info:
        GenerationSpec(digits="12", seed=10**5000)
    assert len(str(info.value)) < 200 and "digits" in str(info.value)
    gen = SequenceGenerator(GenerationSpec(digits="12", width=100))
    for index in (2**80, 2**63):
        with pytest.raises(SpecError, match="index"):
            gen.generate(index)
        with pytest.raises(SpecError, match="index"):
            generate_numbers_sequence("12", (0, 2), 100, seed=1, index=index)
    with pytest.raises(SpecError, match="start"):
        gen.batch(2**63 - 1, 2)
    assert gen.generate(2**63 - 1).image.shape == (28, 100)


def test_overflowing_weights_draw_every_label():
    spec = GenerationSpec(
        digits="",
        width=200,
        random=RandomSequences(2, 4, labels=("1", "2"), weights=(1e308, 1e308)),
    )
    gen = SequenceGenerator(spec)
    drawn = {label for k in range(60) for label in gen.generate(k).labels}
    assert drawn == {"1", "2"}
    with pytest.raises(SpecError, match=r"random.weights\[0\]"):
        RandomSequences(1, 2, labels=("1", "2"), weights=(10**400, 1))


def test_cli_errors_name_options_not_fields(tmp_path, capsys):
    for argv, option in (
        (["--random-length", "0", "3"], "--random-length MIN"),
        (["--random-length", "5", "2"], "--random-length MAX"),
        (["--labels", "1,2", "--weights", "1", "--random-length", "1", "2"], "--weights"),
    ):
        code, _, err = run_cli(["generate", "-o", str(tmp_path / "x.png"), *argv], capsys)
        one_line_error(code, err, option)
        assert "random." not in err
    code, _, err = run_cli(
        ["generate", "-o", str(tmp_path / "x.png"), "--seed", "9" * 5000], capsys
    )
    one_line_error(code, err, "--seed", "5,000 characters")


# ------------------------------------------------------------------------ IDX
def _header(*dims: int) -> bytes:
    return struct.pack(">HBB", 0, 8, len(dims)) + struct.pack(f">{len(dims)}I", *dims)


@pytest.mark.parametrize(
    "dims, words",
    [
        ((2**31, 28, 28), "more than the limit"),
        ((2**32 - 1, 2**32 - 1, 2**32 - 1), "more than the limit"),
        ((10, 28, 0), "dimension of 0"),
        ((10, 28, 28), "truncated"),
    ],
)
def test_idx_headers_are_checked_before_allocating(tmp_path, dims, words):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(_header(*dims) + b"\0" * 100)
    with pytest.raises(DataError, match=words):
        read_idx(path, 3)


def test_a_gzip_bomb_is_not_inflated(tmp_path):
    path = tmp_path / "bomb-idx3-ubyte.gz"
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as handle:
        handle.write(squeeze.compress(_header(400_000, 28, 28)))
        block = b"\0" * (1 << 20)
        for _ in range(300):
            handle.write(squeeze.compress(block))
        handle.write(squeeze.flush())
    assert path.stat().st_size < 1 << 20
    start = time.perf_counter()
    with pytest.raises(DataError, match="gzip bomb|truncated|trailing"):
        read_idx(path, 3)
    assert time.perf_counter() - start < 2
    small = tmp_path / "ok-idx3-ubyte.gz"
    small.write_bytes(gzip.compress(_header(2, 2, 2) + bytes(range(8))))
    assert read_idx(small, 3).tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


def test_folder_source_images_are_checked_from_their_header(tmp_path, capsys):
    for label, array in (
        ("1", np.full((1, 60000), 255, np.uint8)),
        ("2", np.zeros((28, 28), np.uint8)),
    ):
        (tmp_path / "glyphs" / label).mkdir(parents=True)
        Image.fromarray(array).save(tmp_path / "glyphs" / label / "a.png")
    start = time.perf_counter()
    code, _, err = run_cli(
        ["generate", "--source", f"folder:{tmp_path / 'glyphs'}", "--digits", "12",
         "--height", "1024", "--width", "4000", "-o", str(tmp_path / "x.png")],
        capsys,
    )  # fmt: skip
    one_line_error(code, err, "--source", "60000×1")
    assert time.perf_counter() - start < 10


# ------------------------------------------------------------------ manifests
def test_contained_path_is_lexical():
    assert contained_path("train", "000001.png") == "train/000001.png"
    assert contained_path("train", "../masks/1.png") == "masks/1.png"
    for bad in ("../../x", "/etc/passwd", "..", "a/../../../b", "", None, 5, "a\x00b", "C:/x"):
        assert contained_path("train", bad) is None


def test_stats_reports_long_fields_deep_lines_and_outside_paths(tmp_path):
    out = tmp_path / "data"
    export_dataset(GenerationSpec(digits="12", width=80, seed=1), 5, out)
    with open(out / "train" / "labels.csv", "a") as handle:
        handle.write("000001.png," + "1" * 200_000 + "\n")
    with open(out / "train" / "metadata.jsonl", "a") as handle:
        handle.write("[" * 100_000 + "]" * 100_000 + "\n")
        handle.write(json.dumps({"file_name": "../../outside.png", "label": "12"}) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "seqstudio", "stats", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert time.perf_counter() - start < 60
    assert "Traceback" not in proc.stderr, proc.stderr
    report = proc.stdout + proc.stderr
    assert "not valid CSV" in report or "longer than" in report
    assert "nested more than 64" in report
    assert "'../../outside.png' leaves the dataset folder" in report
