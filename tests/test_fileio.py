"""core.fileio.write_atomic: whole files, exact mode, nothing left behind on failure."""

from __future__ import annotations

import os
import stat

import pytest

from seqstudio.core import fileio


def test_write_atomic_replaces_whole_file_with_exact_mode(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    old_umask = os.umask(0o077)
    try:
        fileio.write_atomic(target, b"new" * 100_000)
        fileio.write_atomic(str(tmp_path / "other.bin"), b"x", mode=0o600)
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new" * 100_000
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "other.bin").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.bin", "out.bin"]


def test_write_atomic_skips_a_stale_temporary_name(tmp_path, monkeypatch):
    monkeypatch.setattr(fileio, "_TMP_COUNTER", iter(range(5)))
    stale = tmp_path / f".out.bin.{os.getpid()}-0.tmp"
    stale.write_bytes(b"left by a crash")
    fileio.write_atomic(tmp_path / "out.bin", b"data")
    assert (tmp_path / "out.bin").read_bytes() == b"data"
    assert stale.read_bytes() == b"left by a crash"  # not ours to touch


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        fileio.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
