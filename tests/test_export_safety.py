"""Export folders are safe: overwrite removes only an export's own files, one writer at a
time (OS lock), every file recorded with size and SHA-256, checked by --verify and
repaired byte-identically by --resume, and a disk that fills mid-export loses nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_export_formats import tree
from test_export_resume_cli import run_cli

from seqstudio.core.export import (
    ExportError,
    ExportLockedError,
    ExportOptions,
    export_dataset,
    export_lock,
    lock_holder,
    verify_export,
)
from seqstudio.core.export.lock import LOCK_NAME
from seqstudio.core.spec import GenerationSpec

ROOT = Path(__file__).resolve().parents[1]
SPEC = GenerationSpec(digits="12", width=80, seed=3)
BASE = ["--digits", "12", "--width", "80", "--seed", "3", "--workers", "1", "--quiet"]


def made(out: Path, count: int = 30, **options) -> Path:
    export_dataset(SPEC, count, out, ExportOptions(workers=1, **options))
    return out


# ----------------------------------------------------------------------------- overwrite
def test_overwrite_refuses_a_folder_of_another_tool_and_names_what_it_would_delete(
    tmp_path, capsys
):
    other = tmp_path / "d"
    other.mkdir()
    (other / "dataset.json").write_text('{"name": "x"}')
    (other / "t.tex").write_text("keep")
    code, _, err = run_cli(
        ["export", "-o", str(other), *BASE, "--count", "3", "--overwrite"], capsys
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "refusing to overwrite" in err and "t.tex" in err and "dataset.json" in err
    assert sorted(os.listdir(other)) == ["dataset.json", "t.tex"]
    assert (other / "t.tex").read_text() == "keep"


@pytest.mark.parametrize(
    "where", ["notes.txt", "train/notes.txt", "train/masks/x.png", "train/00001.png"]
)
def test_overwrite_refuses_files_the_export_did_not_write(tmp_path, capsys, where):
    out = made(tmp_path / "data", masks=True)
    before = tree(out)
    (out / where).write_text("mine")
    code, _, err = run_cli(["export", "-o", str(out), *BASE, "--count", "5", "--overwrite"], capsys)
    assert code == 2 and where in err and "refusing to overwrite" in err
    assert (out / where).read_text() == "mine"
    (out / where).unlink()
    assert tree(out) == before  # nothing was deleted
    code, _, err = run_cli(["export", "-o", str(out), *BASE, "--count", "5", "--overwrite"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in (out / "train").glob("*.png")) == [
        f"{i:06d}.png" for i in range(5)
    ]


def test_overwrite_removes_unrecorded_images_of_an_interrupted_export(tmp_path):
    out = made(tmp_path / "data", count=10)
    # An image written but never recorded (the export was killed before its record).
    shutil.copy(out / "train" / "000009.png", out / "train" / "000011.png")
    (out / "train" / ".000012.png.tmp").write_bytes(b"torn")
    result = export_dataset(SPEC, 4, out, ExportOptions(workers=1, overwrite=True))
    assert result.complete
    assert sorted(os.listdir(out / "train")) == [
        "000000.png",
        "000001.png",
        "000002.png",
        "000003.png",
        "labels.csv",
        "metadata.jsonl",
    ]


# ----------------------------------------------------------------------- verify / repair
def test_resume_repairs_missing_empty_and_altered_files_byte_identically(tmp_path, capsys):
    out = tmp_path / "data"
    code, _, err = run_cli(
        ["export", "-o", str(out), *BASE, "--count", "40", "--masks", "--annotations", "coco,yolo"],
        capsys,
    )
    assert code == 0, err
    pristine = tree(out)
    (out / "train" / "000003.png").unlink()
    (out / "train" / "000007.png").write_bytes(b"")
    mask = out / "train" / "masks" / "000011.png"
    data = bytearray(mask.read_bytes())
    data[-20] ^= 0xFF  # same size, other content
    mask.write_bytes(bytes(data))
    (out / "train" / "000012.txt").unlink()
    (out / "train" / "_annotations.coco.json").write_text("{}")

    code, _, err = run_cli(["export", "--verify", str(out)], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "5 of" in err and "000003.png: missing" in err and "--resume" in err
    assert not (out / "train" / "000003.png").exists()  # verify changes nothing

    code, printed, err = run_cli(["export", "-o", str(out), "--resume"], capsys)
    assert code == 0, err
    assert "4 missing or damaged repaired" in printed
    assert tree(out) == pristine
    code, printed, _ = run_cli(["export", "--verify", str(out)], capsys)
    assert code == 0 and "intact" in printed and "complete" in printed


def test_npz_split_with_damaged_arrays_is_made_again(tmp_path):
    out = made(tmp_path / "data", count=20, format="npz")
    pristine = tree(out)
    images = out / "train" / "images.npy"
    with open(images, "r+b") as handle:
        handle.truncate(images.stat().st_size - 100)
    doc, report = verify_export(out)
    assert [p.path for p in report.problems] == ["train/images.npy"]
    result = export_dataset(SPEC, 20, out, ExportOptions(workers=1, format="npz", resume=True))
    assert result.complete and tree(out) == pristine


def test_a_manifest_path_outside_the_folder_is_reported_without_being_opened(tmp_path, monkeypatch):
    out = made(tmp_path / "data", count=3)
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"x")
    listing = out / "checksums" / "train.jsonl"
    lines = listing.read_text().splitlines()
    record = json.loads(lines[0])
    record["path"] = "../secret.png"
    listing.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    doc = json.loads((out / "dataset.json").read_text())
    doc["files"]["/etc/passwd"] = [1, "0" * 64]
    (out / "dataset.json").write_text(json.dumps(doc))
    touched = []
    real_stat = os.stat

    def spy(path, *args, **kwargs):
        touched.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", spy)
    _, report = verify_export(out)
    problems = {p.path: p.reason for p in report.problems}
    assert problems["../secret.png"] == "recorded path leaves the dataset folder"
    assert problems["/etc/passwd"] == "recorded path leaves the dataset folder"
    assert not any("secret" in p or "passwd" in p for p in touched)


# ------------------------------------------------------------------------------- locking
HOLDER = textwrap.dedent(
    """
    import sys, time
    from seqstudio.core.export import export_lock
    with export_lock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.readline()
    """
)


@contextlib.contextmanager
def held_by_other_process(folder: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_second_writer_is_refused_naming_the_holders_pid(tmp_path, capsys):
    out = made(tmp_path / "data", count=10)
    before = tree(out)
    with held_by_other_process(out) as holder:
        assert lock_holder(out) == holder.pid
        for argv in (
            ["export", "-o", str(out), "--resume"],
            ["export", "-o", str(out), *BASE, "--count", "3", "--overwrite"],
            ["export", "--verify", str(out)],
        ):
            code, _, err = run_cli(argv, capsys)
            assert code == 2 and len(err.strip().splitlines()) == 1
            assert f"being written by process {holder.pid}" in err
        with pytest.raises(ExportLockedError) as info:
            export_dataset(SPEC, 10, out, ExportOptions(workers=1, resume=True))
        assert info.value.pid == holder.pid
    assert tree(out) == before
    assert lock_holder(out) is None and not (out / LOCK_NAME).exists()


def test_a_stale_lock_of_a_killed_process_is_reclaimed(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / LOCK_NAME).write_text("999999999\n")  # no process holds it any more
    assert lock_holder(out) is None
    result = export_dataset(SPEC, 5, out, ExportOptions(workers=1))
    assert result.complete and not (out / LOCK_NAME).exists()


def test_the_lock_is_reentrant_for_a_runner_that_holds_it(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    with export_lock(out) as path:
        assert path.read_text().strip() == str(os.getpid())
        result = export_dataset(SPEC, 5, out, ExportOptions(workers=1))
        assert result.complete and path.exists()
    assert not path.exists()


def test_two_concurrent_resumes_leave_one_complete_dataset(tmp_path):
    reference = made(tmp_path / "reference", count=600)
    out = tmp_path / "data"
    export_dataset(SPEC, 600, out, ExportOptions(workers=1, chunk_size=8), cancel=lambda: True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "seqstudio", "export", "-o", str(out), "--resume", "--quiet"]
    procs = [
        subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert any(code == 0 for code, _ in outcomes), outcomes
    for code, err in outcomes:
        assert code == 0 or (code == 2 and "being written by process" in err), outcomes
    if not all(code == 0 for code, _ in outcomes):
        pass  # one was refused at once
    assert tree(out) == tree(reference)


# ------------------------------------------------------------------------- disk full
@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_disk_that_fills_during_the_export_loses_nothing(tmp_path, small_disk):
    spec = GenerationSpec(digits="14543", width=200, seed=9)
    options = ExportOptions(workers=2, chunk_size=16, masks=True, annotations=("yolo",))
    reference = tmp_path / "reference"
    export_dataset(spec, 400, reference, options)
    out = small_disk / "data"
    filler = small_disk / "filler"
    filled = []

    def fill_the_disk(progress) -> None:
        if progress.done and not filled:
            filled.append(True)
            with open(filler, "wb") as handle, contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()

    with pytest.raises(ExportError, match="No space left on device"):
        export_dataset(spec, 400, out, options, progress=fill_the_disk)
    assert filled
    # Every recorded file is complete; no temporary file is left under a final name.
    _, report = verify_export(out)
    assert report.ok, report.summary()
    recorded = len((out / "train" / "metadata.jsonl").read_bytes().splitlines())
    assert 0 < recorded < 400
    pngs = sorted(p.name for p in (out / "train").glob("*.png"))
    assert pngs == [f"{i:06d}.png" for i in range(recorded)]
    filler.unlink()
    result = export_dataset(
        spec, 400, out, ExportOptions(workers=2, resume=True, masks=True, annotations=("yolo",))
    )
    assert result.complete and result.already_done == recorded
    assert tree(out) == tree(reference)


# ------------------------------------------------------------------------ Ctrl+C
@pytest.mark.parametrize("delay", [0.2, 0.8, 2.0])
def test_ctrl_c_at_any_moment_of_start_up_is_one_line(tmp_path, delay):
    import signal

    out = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seqstudio", "export", "-o", str(out), "--digits", "14543",
         "--width", "200", "--count", "200000", "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=delay)  # the moment of start-up to interrupt (unless it ended)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _, err = proc.communicate(timeout=120)
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("export ")]  # progress bar
    # 130, or killed by the SIGINT itself (-2) when it lands before Python's own handler is
    # in place or while the interpreter exits: both are what a shell reports as 130.
    assert proc.returncode in (130, -signal.SIGINT), err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "interrupted" in lines[0] or "cancelled" in lines[0]
    if out.exists() and (out / "dataset.json").exists():
        _, report = verify_export(out)
        assert report.ok
