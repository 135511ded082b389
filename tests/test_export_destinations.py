"""Exports to fsspec URLs (``memory://``) and ``--dry-run`` plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from unit_helpers import stop_after_first_unit, tree

from seqstudio.cli import main
from seqstudio.core.export import ExportError, ExportOptions, export_dataset, parse_splits
from seqstudio.core.export.destinations import open_destination
from seqstudio.core.export.merge import merge_export
from seqstudio.core.export.unit_export import export_in_units
from seqstudio.core.export.units import ShardSpec
from seqstudio.core.spec import GenerationSpec

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("pyarrow")

SPEC = GenerationSpec(digits="90210", width=200, seed=4)
SPLITS = parse_splits("train=0.75,test=0.25")


def remote_tree(url: str) -> dict[str, bytes]:
    fs, root = fsspec.core.url_to_fs(url)
    files = {}
    for path in sorted(fs.find(root)):
        rel = path[len(root) :].lstrip("/")
        data = fs.cat_file(path)
        if rel == "dataset.json":
            doc = json.loads(data)
            doc.pop("created")
            doc.pop("files", None)  # local folders only (see export.merge)
            data = json.dumps(doc).encode()
        files[rel] = data
    return files


def local_tree(folder: Path) -> dict[str, bytes]:
    files = tree(folder)
    doc = json.loads(files["dataset.json"])
    doc.pop("files", None)
    files["dataset.json"] = json.dumps(doc).encode()
    return files


@pytest.mark.parametrize("fmt", ["webdataset", "parquet"])
def test_memory_url_equals_a_local_export_and_resumes(fmt, tmp_path):
    options = ExportOptions(splits=SPLITS, format=fmt, images_per_file=40, masks=True, workers=1)
    export_dataset(SPEC, 200, tmp_path / "local", options)
    url = f"memory://seqstudio-test/{fmt}"
    try:
        cut = export_in_units(SPEC, 200, url, options, **stop_after_first_unit())
        assert cut.cancelled and not cut.merged
        fs, root = fsspec.core.url_to_fs(url)
        assert not any(p.endswith(".tmp") for p in fs.find(root))
        resumed = ExportOptions(**{**options.__dict__, "resume": True})
        done = export_in_units(SPEC, 200, url, resumed)
        assert done.merged and done.already_done > 0
        assert remote_tree(url) == local_tree(tmp_path / "local")
        with pytest.raises(ExportError, match="other settings"):
            export_in_units(SPEC, 201, url, resumed)
    finally:
        fsspec.filesystem("memory").rm(f"/seqstudio-test/{fmt}", recursive=True)


def test_memory_url_shards_and_merge(tmp_path):
    options = ExportOptions(format="parquet", images_per_file=30, workers=1)
    export_dataset(SPEC, 100, tmp_path / "local", options)
    url = "memory://seqstudio-test/shards"
    try:
        for i in range(3):
            export_in_units(SPEC, 100, url, options, shard=ShardSpec(i, 3))
        assert merge_export(url).units == 4
        assert remote_tree(url) == local_tree(tmp_path / "local")
    finally:
        fsspec.filesystem("memory").rm("/seqstudio-test/shards", recursive=True)


def test_cli_refuses_per_image_files_on_a_url(capsys):
    code = main(["export", "-o", "memory://seqstudio-test/png", "--count", "5", "--workers", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--format" in err and "folder" in err


def test_unknown_url_scheme_is_one_line(capsys):
    code = main(["export", "-o", "nosuchfs://x/y", "--count", "5", "--format", "parquet"])
    assert code == 2
    assert "nosuchfs://x/y" in capsys.readouterr().err


def test_a_failed_write_leaves_nothing(tmp_path):
    fs = fsspec.filesystem("memory")
    memory = open_destination("memory://seqstudio-test/atomic")
    assert not memory.atomic_objects  # memory files are visible while written: tmp + mv
    for dest, listing in (
        (memory, lambda: fs.find("/seqstudio-test/atomic")),
        (open_destination(tmp_path), lambda: list((tmp_path / "a").iterdir())),
    ):
        with pytest.raises(RuntimeError), dest.open_atomic("a/b.bin") as handle:
            handle.write(b"half")
            raise RuntimeError("killed")
        assert not dest.exists("a/b.bin") and not listing()
        dest.write_bytes("a/b.bin", b"whole")
        assert dest.read_bytes("a/b.bin") == b"whole"
        assert len(listing()) == 1
    fs.rm("/seqstudio-test/atomic", recursive=True)


@pytest.mark.parametrize(
    ("fmt", "expect"),
    [("webdataset", "1,000 shard files of 10,000 images"), ("png", "units of up to 1,024")],
)
def test_dry_run_of_ten_million_images_writes_nothing(fmt, expect, tmp_path, capsys):
    out = tmp_path / "big"
    code = main(["export", "-o", str(out), "--count", "10000000", "--random-length", "1", "5",
                 "--width", "200", "--format", fmt, "--dry-run"])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "images: 10,000,000" in text and expect in text and "GB" in text
    assert "   1 worker :" in text
    for workers in (2, 16, 128):
        assert f"{workers:>4} workers:" in text
    assert not out.exists()
