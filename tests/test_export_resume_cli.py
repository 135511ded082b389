"""``seqstudio export -o DIR --resume`` alone finishes an interrupted export.

The settings come from DIR/dataset.json; options given explicitly must agree with it
(one line, exit 2, nothing changed), except workers, which never change the bytes.
"""

from __future__ import annotations

import json
import os

import pytest
from export_readers import read_jsonl
from test_export_formats import tree

from seqstudio.cli import main
from seqstudio.core.export import (
    ExportOptions,
    ResumeConflict,
    export_dataset,
    parse_splits,
    resume_settings,
)
from seqstudio.core.spec import GenerationSpec, RandomSequences


def run_cli(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def records(out) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in out.glob("*/metadata.jsonl"))


def interrupted(spec, count, out, options, after: int) -> int:
    """Start an export and cancel it once ``after`` records exist; return images written."""
    options = ExportOptions(**{**options.__dict__, "workers": 1, "chunk_size": 7})
    result = export_dataset(spec, count, out, options, cancel=lambda: records(out) >= after)
    assert result.cancelled and 0 < result.written < result.total
    return result.written


CASES = {
    "png-splits-coco-yolo-masks": (
        GenerationSpec(digits="14543", width=200, seed=21, spacing_min=2, spacing_max=6),
        90,
        ExportOptions(
            splits=parse_splits("train=0.6,val=0.2,test=0.2"),
            annotations=("coco", "yolo"),
            masks=True,
        ),
        [
            "--digits", "14543", "--width", "200", "--seed", "21", "--spacing", "2", "6",
            "--count", "90", "--split", "train=0.6,val=0.2,test=0.2",
            "--annotations", "coco,yolo", "--masks",
        ],
    ),
    "jpg-random-test-pool": (
        GenerationSpec(
            random=RandomSequences(2, 5, ("1", "2", "3")), width=180, pool="test", seed=4
        ),
        60,
        ExportOptions(format="jpg", jpeg_quality=70),
        [
            "--random-length", "2", "5", "--labels", "123", "--width", "180", "--pool", "test",
            "--seed", "4", "--count", "60", "--format", "jpg", "--jpeg-quality", "70",
        ],
    ),
    "npz": (
        GenerationSpec(digits="2024", width=160, seed=8, invert=True),
        70,
        ExportOptions(format="npz", masks=True, splits=parse_splits("train=0.5,test=0.5")),
        [
            "--digits", "2024", "--width", "160", "--seed", "8", "--invert", "--count", "70",
            "--format", "npz", "--masks", "--split", "train=0.5,test=0.5",
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_resume_with_only_the_folder_is_byte_identical(tmp_path, capsys, case):
    spec, count, options, argv = CASES[case]
    ref = tmp_path / "ref"
    code, _, err = run_cli(["export", "-o", str(ref), *argv, "--workers", "1", "-q"], capsys)
    assert code == 0, err
    out = tmp_path / "data"
    interrupted(spec, count, out, options, after=20)
    assert tree(out) != tree(ref)
    code, stdout, err = run_cli(["export", "-o", str(out), "--resume", "--workers", "1"], capsys)
    assert code == 0, err
    assert "already there" in stdout
    expected, result = tree(ref), tree(out)
    assert result.keys() == expected.keys()
    assert [k for k in result if result[k] != expected[k]] == []


def test_sequences_file_is_not_needed_to_resume(tmp_path, capsys):
    seqs = tmp_path / "seqs.txt"
    seqs.write_text("# header comment\n14543\n2024,9\n7 1 4,4\n")
    spec = GenerationSpec(digits="1", width=220, seed=3)
    options = ExportOptions(sequences_file=seqs, splits=parse_splits("train=0.5,val=0.5"))
    ref = tmp_path / "ref"
    export_dataset(spec, 6, ref, ExportOptions(**{**options.__dict__, "workers": 1}))
    out = tmp_path / "data"
    interrupted(spec, 6, out, options, after=10)
    moved = seqs.rename(tmp_path / "elsewhere.txt")
    code, _, err = run_cli(["export", "-o", str(out), "--resume", "--workers", "1", "-q"], capsys)
    assert code == 0, err
    assert tree(out) == tree(ref)
    # Giving the file (the same lines, the same default count) is accepted ...
    code, _, err = run_cli(
        ["export", "-o", str(out), "--resume", "--sequences", str(moved), "--count", "6", "-q"],
        capsys,
    )
    assert code == 0, err
    # ... an edited file is a conflict naming the sequence that differs.
    moved.write_text("14543\n2024,8\n7 1 4,4\n")
    code, _, err = run_cli(
        ["export", "-o", str(out), "--resume", "--sequences", str(moved)], capsys
    )
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "--sequences:" in err and "'2024' x8" in err and "'2024' x9" in err
    assert tree(out) == tree(ref)


def test_a_dataset_json_recording_sequences_resumes_with_the_split_option_fields(tmp_path):
    # dataset.json records the lines under "sequences" (as every earlier version wrote
    # it); ExportOptions now names them sequence_lines, and the file path sequences_file.
    seqs = tmp_path / "seqs.txt"
    seqs.write_text("14543\n2024,9\n")
    spec = GenerationSpec(digits="1", width=220, seed=5)
    options = ExportOptions(sequences_file=seqs, workers=1)
    ref = tmp_path / "ref"
    export_dataset(spec, 5, ref, options)
    out = tmp_path / "data"
    interrupted(spec, 5, out, options, after=6)
    record = json.loads((out / "dataset.json").read_text())["settings"]
    assert record["sequences"] == [["14543", 5], ["2024", 9]]
    assert "sequence_lines" not in record and "sequences_file" not in record
    seqs.unlink()  # resume needs only the record
    got_spec, got_count, got_options = resume_settings(out)
    assert got_options.sequence_lines == (("14543", 5), ("2024", 9))
    assert got_options.sequences_file is None and got_count == 14
    result = export_dataset(got_spec, got_count, out, got_options)
    assert not result.cancelled
    assert tree(out) == tree(ref)


def test_workers_may_differ_and_the_recorded_settings_round_trip(tmp_path, capsys):
    spec, count, options, argv = CASES["png-splits-coco-yolo-masks"]
    out = tmp_path / "data"
    interrupted(spec, count, out, options, after=14)
    got_spec, got_count, got_options = resume_settings(out)
    assert got_spec == spec and got_count == count
    assert got_options == ExportOptions(**{**options.__dict__, "resume": True})
    ref = tmp_path / "ref"
    export_dataset(spec, count, ref, ExportOptions(**{**options.__dict__, "workers": 1}))
    code, _, err = run_cli(
        ["export", "-o", str(out), "--resume", *argv, "--workers", "2", "-q"], capsys
    )
    assert code == 0, err
    assert tree(out) == tree(ref)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["--width", "190"], "--width: 190 given, but {json} records 200"),
        (["--count", "91"], "--count: 91 given, but {json} records 90"),
        (["--seed", "22"], "--seed: 22 given, but {json} records 21"),
        (["--spacing", "2", "7"], "--spacing MAX: 7 given, but {json} records 6"),
        (["--digits", "777"], "--digits: 777 given, but {json} records 14543"),
        (["--split", "train=0.8,val=0.2"], "--split: train=0.8,val=0.2 given, but {json}"),
        (["--format", "jpg"], "--format: jpg given, but {json} records png"),
        (["--annotations", "coco"], "--annotations: coco given, but {json} records coco,yolo"),
        (["--random-length", "2", "4"], "--random-length: random sequences given"),
    ],
)
def test_conflicting_explicit_option_is_one_line_exit_2(tmp_path, capsys, given, expected):
    spec, count, options, _ = CASES["png-splits-coco-yolo-masks"]
    out = tmp_path / "data"
    interrupted(spec, count, out, options, after=10)
    before = tree(out)
    code, stdout, err = run_cli(["export", "-o", str(out), "--resume", *given], capsys)
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert expected.format(json=out / "dataset.json") in err
    assert tree(out) == before


def test_a_value_from_a_spec_file_names_the_spec_file(tmp_path, capsys):
    spec, count, options, _ = CASES["jpg-random-test-pool"]
    out = tmp_path / "data"
    interrupted(spec, count, out, options, after=10)
    spec_file = tmp_path / "spec.json"
    spec.replace(height=30).save(spec_file)
    code, _, err = run_cli(["export", "-o", str(out), "--resume", "--spec", str(spec_file)], capsys)
    assert code == 2 and f"--spec {spec_file} (height): 30 given" in err
    code, _, err = run_cli(
        ["export", "-o", str(out), "--resume", "--jpeg-quality", "95", "--no-invert"], capsys
    )
    assert code == 2 and "--jpeg-quality: 95 given" in err and "records 70" in err
    spec_file.write_text(spec.to_json())
    code, _, err = run_cli(
        ["export", "-o", str(out), "--resume", "--spec", str(spec_file), "--no-invert", "-q"],
        capsys,
    )
    assert code == 0, err
    assert len(read_jsonl(out / "test" / "metadata.jsonl")) == count


def test_core_conflict_names_the_field():
    spec, count, options, _ = CASES["npz"]
    from pathlib import Path

    from seqstudio.core.export.resume import ResumeSettings

    recorded = ResumeSettings(spec, count, ExportOptions(**{**options.__dict__}), Path("x"))
    assert recorded.with_given(workers=3, masks=True).options.workers == 3
    with pytest.raises(ResumeConflict) as info:
        recorded.with_given(masks=False)
    assert (info.value.field, info.value.given, info.value.recorded) == ("masks", "off", "on")
    with pytest.raises(ResumeConflict, match="random.max_length: 6 given"):
        ResumeSettings(
            GenerationSpec(random=RandomSequences(2, 5)), 10, ExportOptions(), Path("x")
        ).with_given(spec=GenerationSpec(random=RandomSequences(2, 6)))


def test_resume_without_dataset_json(tmp_path, capsys):
    out = tmp_path / "new"
    code, _, err = run_cli(["export", "-o", str(out), "--resume"], capsys)
    assert code == 2 and "--count: is required" in err and "no dataset.json" in err
    assert not out.exists()
    code, _, err = run_cli(
        ["export", "-o", str(out), "--resume", "--count", "5", "--workers", "1", "-q"], capsys
    )
    assert code == 0, err  # a missing folder with complete options: a fresh export
    assert len(read_jsonl(out / "train" / "metadata.jsonl")) == 5
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, _, err = run_cli(["export", "-o", str(other), "--resume", "--count", "5"], capsys)
    assert code == 2 and "has no dataset.json" in err
    assert os.listdir(other) == ["notes.txt"]


def test_not_empty_error_names_the_cli_flags(tmp_path, capsys):
    out = tmp_path / "data"
    argv = ["export", "-o", str(out), "--count", "5", "--workers", "1", "-q"]
    assert run_cli(argv, capsys)[0] == 0
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{out} is not empty; use --resume to finish the export there or --overwrite" in err
