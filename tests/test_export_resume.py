"""Interrupted exports: a real SIGKILL of the CLI at random points, cancel, torn manifests.

Resuming must give the byte-identical dataset of an uninterrupted run, and at every
moment each file under a final name is complete and each record names a complete file.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from export_readers import read_jsonl, read_png
from test_export_formats import tree

from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec

ROOT = Path(__file__).resolve().parents[1]
SPEC = GenerationSpec(digits="14543", width=200, seed=5)
COUNT = 3000
CLI_ARGS = [
    "--digits",
    "14543",
    "--width",
    "200",
    "--seed",
    "5",
    "--count",
    str(COUNT),
    "--split",
    "train=0.8,val=0.1,test=0.1",
    "--annotations",
    "yolo",
    "--quiet",
]
OPTIONS = ExportOptions(splits=parse_splits("train=0.8,val=0.1,test=0.1"), annotations=("yolo",))


def cli(out: Path, *extra: str, options: list[str] = CLI_ARGS, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "seqstudio", "export", "-o", str(out), *options, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **kwargs,
    )


def kill_when(proc: subprocess.Popen, folder: Path, files: int, deadline: float = 60.0) -> bool:
    """SIGKILL the CLI's whole process group once ``folder`` holds ``files`` files."""
    end = time.monotonic() + deadline
    while time.monotonic() < end and proc.poll() is None:
        try:
            if len(os.listdir(folder)) >= files:
                break
        except FileNotFoundError:
            pass
    killed = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed


def assert_consistent(root: Path, complete: bool) -> None:
    """Final names hold complete files; every record names one (and the reverse if complete)."""
    for split in ("train", "val", "test"):
        folder = root / split
        if not folder.exists():
            continue
        text = (folder / "metadata.jsonl").read_text()
        lines = text.splitlines(keepends=True)
        records = [__import__("json").loads(line) for line in lines if line.endswith("\n")]
        pngs = {p.name for p in folder.glob("*.png")}
        for path in folder.glob("*.png"):
            assert read_png(path).shape == (28, 200), path
        assert {r["file_name"] for r in records} <= pngs
        if complete:
            assert {r["file_name"] for r in records} == pngs


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ref") / "data"
    export_dataset(SPEC, COUNT, folder, ExportOptions(**{**OPTIONS.__dict__, "workers": 1}))
    return tree(folder)


def test_resume_after_sigkill_at_random_points_is_byte_identical(tmp_path, reference):
    rng = random.Random(1234)
    out = tmp_path / "data"
    kills = 0
    for attempt in range(2):
        proc = cli(out, "--workers", "2", *(["--resume"] if attempt else []))
        target = rng.randrange(100, 2 * COUNT // 3)
        kills += kill_when(proc, out / "train", target)
        assert_consistent(out, complete=False)
    assert kills >= 1, "the export finished before it could be killed"
    proc = cli(out, "--resume", "--workers", "2", options=["-q"])  # settings from dataset.json
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert_consistent(out, complete=True)
    result = tree(out)
    assert result.keys() == reference.keys()
    assert [k for k in result if result[k] != reference[k]] == []


def test_cancel_leaves_consistent_dataset_and_resume_completes(tmp_path, reference):
    out = tmp_path / "data"
    train = out / "train"

    def cancel() -> bool:
        return train.exists() and len(os.listdir(train)) > 400

    options = ExportOptions(**{**OPTIONS.__dict__, "workers": 2, "chunk_size": 50})
    result = export_dataset(SPEC, COUNT, out, options, cancel=cancel)
    assert result.cancelled and not result.complete
    assert_consistent(out, complete=True)  # cancel removes files that have no record
    records = read_jsonl(train / "metadata.jsonl")
    assert [r["index"] for r in records] == list(range(len(records)))
    finished = export_dataset(
        SPEC, COUNT, out, ExportOptions(**{**OPTIONS.__dict__, "resume": True, "workers": 1})
    )
    assert finished.complete and finished.already_done == result.written
    result_tree = tree(out)
    assert [k for k in reference if result_tree.get(k) != reference[k]] == []


def test_torn_manifest_line_is_cut_on_resume(tmp_path):
    spec = SPEC.replace(seed=9)
    ref = tmp_path / "ref"
    export_dataset(spec, 120, ref, ExportOptions(workers=1))
    out = tmp_path / "data"
    calls = []
    export_dataset(
        spec,
        120,
        out,
        ExportOptions(workers=1, chunk_size=10),
        cancel=lambda: calls.append(1) or len(calls) > 40,
    )
    meta = out / "train" / "metadata.jsonl"
    kept = len(read_jsonl(meta))
    assert 0 < kept < 120
    with open(meta, "a") as handle:  # what a kill in the middle of a write leaves
        handle.write('{"file_name": "0000')
    with open(out / "train" / "labels.csv", "a") as handle:
        handle.write("000")
    export_dataset(spec, 120, out, ExportOptions(workers=1, resume=True))
    assert tree(out) == tree(ref)


def test_resume_refuses_other_settings(tmp_path):
    out = tmp_path / "data"
    export_dataset(SPEC, 20, out, ExportOptions(workers=1))
    before = tree(out)
    from seqstudio.core.export import ExportError

    with pytest.raises(ExportError, match="width: 190 now, 200 in dataset.json"):
        export_dataset(SPEC.replace(width=190), 20, out, ExportOptions(workers=1, resume=True))
    with pytest.raises(ExportError, match="not empty"):
        export_dataset(SPEC, 20, out, ExportOptions(workers=1))
    assert tree(out) == before
    result = export_dataset(SPEC, 20, out, ExportOptions(workers=1, resume=True))
    assert result.written == 0 and result.complete
    assert tree(out) == before
