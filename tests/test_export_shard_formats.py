"""webdataset and parquet exports, read back with their real readers, equal the PNG export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from export_readers import read_jsonl, read_png
from unit_helpers import stop_after_first_unit, tree

from seqstudio.cli import main
from seqstudio.core.augment.presets import load_preset
from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec, RandomSequences

wds = pytest.importorskip("webdataset")
pq = pytest.importorskip("pyarrow.parquet")

SPLITS = parse_splits("train=0.8,val=0.2")
#: random sequences take the per-image (not vectorised) path; fixed digits the batch path
SPECS = {
    "random": GenerationSpec(
        random=RandomSequences(2, 5), width=220, seed=3, augment=load_preset("light")
    ),
    "fixed": GenerationSpec(digits="14543", width=200, seed=11),
}
COUNT = 230
PER_FILE = 64


@pytest.fixture(scope="module", params=sorted(SPECS))
def exports(request, tmp_path_factory):
    spec = SPECS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    png = ExportOptions(splits=SPLITS, masks=True, workers=1)
    export_dataset(spec, COUNT, root / "png", png)
    for fmt, workers in (("webdataset", 2), ("parquet", 1)):
        options = ExportOptions(
            splits=SPLITS, masks=True, format=fmt, images_per_file=PER_FILE, workers=workers
        )
        result = export_dataset(spec, COUNT, root / fmt, options)
        assert result.complete and result.written == COUNT
    return root


def _png_records(root: Path, split: str) -> list[dict]:
    return read_jsonl(root / "png" / split / "metadata.jsonl")


def _same_record(shard_record: dict, png_record: dict, row: int) -> None:
    png_record = dict(png_record)
    png_record.pop("file_name")
    png_record.pop("mask_file_name")
    assert shard_record == {"row": row, **png_record}


def test_webdataset_package_reads_the_png_export_pixel_for_pixel(exports):
    for split, count in (("train", 184), ("val", 46)):
        urls = sorted(str(p) for p in (exports / "webdataset" / split).glob("*.tar"))
        assert len(urls) == -(-count // PER_FILE)
        samples = list(wds.WebDataset(urls, shardshuffle=False).decode("l8"))
        records = _png_records(exports, split)
        assert [s["__key__"] for s in samples] == [r["file_name"][:-4] for r in records]
        for row, (sample, record) in enumerate(zip(samples, records)):
            png = read_png(exports / "png" / split / record["file_name"])
            assert sample["png"].dtype == np.uint8 and np.array_equal(sample["png"], png)
            mask = read_png(exports / "png" / split / record["mask_file_name"])
            assert np.array_equal(sample["mask.png"], mask)
            _same_record(sample["json"], record, row)


def test_tar_shards_hold_a_fixed_number_of_images_with_fixed_headers(exports):
    import tarfile

    first = exports / "webdataset" / "train" / "train-000000.tar"
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    assert len(members) == 3 * PER_FILE
    assert {(m.mtime, m.uid, m.gid, m.mode, m.uname) for m in members} == {(0, 0, 0, 0o644, "")}
    assert [m.name for m in members[:3]] == ["000000.png", "000000.json", "000000.mask.png"]


def test_pyarrow_reads_typed_columns_and_the_png_bytes(exports):
    files = sorted((exports / "parquet" / "train").glob("*.parquet"))
    table = pq.read_table(files[0])
    import pyarrow as pa

    types = {f.name: f.type for f in table.schema}
    assert types["index"] == pa.int64() and types["label"] == pa.string()
    boxes = types["boxes"]
    assert pa.types.is_list(boxes) and pa.types.is_fixed_size_list(boxes.value_type)
    assert boxes.value_type.list_size == 4 and boxes.value_type.value_type == pa.int32()
    assert types["image"] == pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    records = _png_records(exports, "train")
    assert len(rows) == len(records) == 184
    for row, (got, record) in enumerate(zip(rows, records)):
        assert got["image"]["path"] == record["file_name"]
        assert (
            got["image"]["bytes"] == (exports / "png" / "train" / record["file_name"]).read_bytes()
        )
        assert (
            got["mask"]["bytes"]
            == (exports / "png" / "train" / record["mask_file_name"]).read_bytes()
        )
        assert (got["row"], got["index"], got["label"]) == (row, record["index"], record["label"])
        assert got["boxes"] == record["boxes"] and got["digits"] == record["digits"]
        assert got["glyph_indices"] == record["glyph_indices"] and got["key"] == record["key"]
        assert json.loads(got["params"]) == record["params"]


def test_hugging_face_datasets_loads_both_formats(exports, tmp_path):
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    records = _png_records(exports, "val")
    pngs = [read_png(exports / "png" / "val" / r["file_name"]) for r in records]
    root = exports / "webdataset"
    web = datasets.load_dataset(
        "webdataset", data_files={"val": str(root / "val" / "*.tar")}, cache_dir=str(tmp_path)
    )["val"]
    assert [np.asarray(img) for img in web["png"]] and len(web) == 46
    for image, json_record, png, record in zip(web["png"], web["json"], pngs, records):
        assert np.array_equal(np.asarray(image), png)
        assert json_record["index"] == record["index"] and json_record["label"] == record["label"]
    root = exports / "parquet"
    table = datasets.load_dataset(
        "parquet", data_files={"val": str(root / "val" / "*.parquet")}, cache_dir=str(tmp_path)
    )["val"]
    assert len(table) == 46
    for fmt in ("webdataset", "parquet"):  # the folder alone: its card names the shard files
        whole = datasets.load_dataset(str(exports / fmt), cache_dir=str(tmp_path))
        assert {name: len(part) for name, part in whole.items()} == {"train": 184, "val": 46}
    for row, png, record in zip(table, pngs, records):
        assert np.array_equal(np.asarray(row["image"]), png)  # decoded by the Image feature
        assert row["label"] == record["label"] and row["boxes"] == record["boxes"]


def test_same_bytes_for_any_worker_count_and_after_a_cancel(exports, tmp_path):
    spec = SPECS["fixed"] if "fixed" in str(exports) else SPECS["random"]
    for fmt in ("webdataset", "parquet"):
        options = ExportOptions(
            splits=SPLITS, masks=True, format=fmt, images_per_file=PER_FILE, workers=1
        )
        cut = export_dataset(spec, COUNT, tmp_path / fmt, options, **stop_after_first_unit())
        assert cut.cancelled and not cut.complete
        assert not list((tmp_path / fmt).rglob(".*.tmp"))  # no partial shard file is left
        resumed = export_dataset(
            spec, COUNT, tmp_path / fmt, ExportOptions(**{**options.__dict__, "resume": True})
        )
        assert resumed.complete and resumed.already_done > 0
        assert tree(tmp_path / fmt) == tree(exports / fmt)


def test_cli_formats_resume_and_bad_input(tmp_path, capsys):
    out = str(tmp_path / "d")
    base = ["export", "-o", out, "--count", "40", "--format", "parquet", "--workers", "1"]
    assert main([*base, "--images-per-file", "0"]) == 2
    assert "--images-per-file: 0 is outside the allowed range 1 to" in capsys.readouterr().err
    assert main([*base, "--annotations", "coco"]) == 2
    assert "--annotations: coco needs image files" in capsys.readouterr().err
    assert main([*base, "--images-per-file", "16", "-q"]) == 0
    assert len(list(Path(out, "train").glob("*.parquet"))) == 3
    assert json.loads(Path(out, "dataset.json").read_text())["settings"]["images_per_file"] == 16
    assert main(["export", "-o", out, "--resume", "--images-per-file", "8"]) == 2
    err = capsys.readouterr().err
    assert "--images-per-file: 8 given" in err and "16" in err
    assert main(["export", "-o", out, "--resume", "-q"]) == 0
