"""Export output: determinism across worker counts, manifests agree with files, no glyph
leakage between splits, COCO/YOLO/npz agree with the manifest, sources and splits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from export_readers import (
    read_jsonl,
    read_labels_csv,
    read_npy_bytes,
    read_npz,
    read_png,
    read_yolo,
    without_run_details,
)

from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.export.splits import split_counts
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.glyphs import open_source
from seqstudio.core.spec import GenerationSpec, RandomSequences

SPLITS = parse_splits("train=0.8,val=0.1,test=0.1")
SPEC = GenerationSpec(digits="14543", width=200, seed=11)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes), dataset.json without its time."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = without_run_details(root, path.name, path.read_bytes())
            files[str(path.relative_to(root))] = data
    return files


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The same 200-image export (annotations, masks) made with 1 worker and with 2."""
    out = {}
    for workers in (1, 2):
        folder = tmp_path_factory.mktemp(f"w{workers}") / "data"
        options = ExportOptions(
            splits=SPLITS, annotations=("coco", "yolo"), masks=True, workers=workers, chunk_size=23
        )
        result = export_dataset(SPEC, 200, folder, options)
        assert result.complete and result.written == 200
        out[workers] = folder
    return out


def test_same_bytes_for_one_and_two_workers(exported):
    one, two = tree(exported[1]), tree(exported[2])
    assert one.keys() == two.keys()
    assert [k for k in one if one[k] != two[k]] == []


def test_split_counts_and_layout(exported):
    root = exported[1]
    doc = json.loads((root / "dataset.json").read_text())
    assert doc["status"] == "complete"
    assert {k: v["count"] for k, v in doc["settings"]["splits"].items()} == {
        "train": 160,
        "val": 20,
        "test": 20,
    }
    assert GenerationSpec.from_dict(doc["settings"]["spec"]) == SPEC
    names = {
        split: sorted(p.name for p in (root / split).glob("*.png"))
        for split in ("train", "val", "test")
    }
    assert names["train"][0] == "000000.png" and names["val"][0] == "000160.png"
    assert names["test"][-1] == "000199.png"


def test_manifests_agree_with_files_one_to_one_and_pixels(exported):
    root = exported[1]
    source = open_source("bundled")
    for split in ("train", "val", "test"):
        records = read_jsonl(root / split / "metadata.jsonl")
        assert all(list(r)[0] == "file_name" for r in records)
        assert sorted(r["file_name"] for r in records) == sorted(
            p.name for p in (root / split).glob("*.png")
        )
        assert read_labels_csv(root / split / "labels.csv") == [
            (r["file_name"], r["label"]) for r in records
        ]
        pool_name = "train" if split == "train" else "test"
        gen = SequenceGenerator(SPEC.replace(pool=pool_name))
        for r in records[:10]:
            image = read_png(root / split / r["file_name"])
            assert image.dtype == np.uint8 and image.shape == (28, 200)
            assert r["label"] == "14543" and r["digits"] == list("14543")
            assert r["key"] == f"{gen.generate(r['index']).key:016x}"
            # Each glyph's recorded index in the ORIGINAL pool reproduces its pixels.
            pool = source.pools[r["pool"]]
            for (x, _y, _w, _h), g, digit in zip(r["boxes"], r["glyph_indices"], r["digits"]):
                assert pool.classes[pool.label_ids[g]] == digit
                c0 = int(pool.ink_extents[g][0])
                np.testing.assert_array_equal(image[:, x - c0 : x - c0 + 28], pool.images[g])
            mask = read_png(root / split / r["mask_file_name"])
            assert set(np.unique(mask)) <= set(range(6))
            assert np.array_equal(mask > 0, image > 0)


def test_no_glyph_leakage_between_splits(exported):
    root = exported[1]
    used = {}
    for split in ("train", "val", "test"):
        records = read_jsonl(root / split / "metadata.jsonl")
        pools = {r["pool"] for r in records}
        assert pools == ({"train"} if split == "train" else {"test"})
        used[split] = {g for r in records for g in r["glyph_indices"]}
    assert not used["val"] & used["test"]
    # The halves are fixed per class: val takes the first half of each class's members.
    test_pool = open_source("bundled").pools["test"]
    for split, half in (("val", 0), ("test", 1)):
        for g in used[split]:
            members = test_pool.members[test_pool.classes[test_pool.label_ids[g]]]
            position = int(np.flatnonzero(members == g)[0])
            assert (position >= (len(members) + 1) // 2) == bool(half)


def test_coco_and_yolo_match_manifest(exported):
    root = exported[1]
    assert "train: train" in (root / "data.yaml").read_text()
    for split in ("train", "val", "test"):
        records = {r["index"]: r for r in read_jsonl(root / split / "metadata.jsonl")}
        coco = json.loads((root / split / "_annotations.coco.json").read_text())
        assert [(c["id"], c["name"]) for c in coco["categories"]] == [
            (k + 1, str(k)) for k in range(10)
        ]
        assert {i["id"]: i["file_name"] for i in coco["images"]} == {
            k: r["file_name"] for k, r in records.items()
        }
        boxes: dict[int, list] = {}
        for ann in coco["annotations"]:
            boxes.setdefault(ann["image_id"], []).append((ann["category_id"] - 1, ann["bbox"]))
        assert len({a["id"] for a in coco["annotations"]}) == len(coco["annotations"])
        for index, r in records.items():
            assert boxes[index] == [(int(d), b) for d, b in zip(r["digits"], r["boxes"])]
            rows = read_yolo(root / split / (Path(r["file_name"]).stem + ".txt"))
            assert [row[0] for row in rows] == [int(d) for d in r["digits"]]
            for (_cls, xc, yc, w, h), (bx, by, bw, bh) in zip(rows, r["boxes"]):
                assert abs(xc * 200 - (bx + bw / 2)) < 1e-3 and abs(yc * 28 - (by + bh / 2)) < 1e-3
                assert abs(w * 200 - bw) < 1e-3 and abs(h * 28 - bh) < 1e-3


def test_npz_matches_png_export(tmp_path, exported):
    spec = SPEC
    export_dataset(
        spec,
        200,
        tmp_path / "npz",
        ExportOptions(splits=SPLITS, format="npz", masks=True, workers=1),
    )
    for split in ("train", "val", "test"):
        arrays = read_npz(tmp_path / "npz" / split / "labels.npz")
        for name in ("images", "masks"):
            arrays[name] = read_npy_bytes((tmp_path / "npz" / split / f"{name}.npy").read_bytes())
        records = read_jsonl(exported[1] / split / "metadata.jsonl")
        npz_records = read_jsonl(tmp_path / "npz" / split / "metadata.jsonl")
        assert [dict(r, row=0) for r in npz_records] == [
            {"row": 0, **{k: v for k, v in r.items() if not k.endswith("file_name")}}
            for r in records
        ]
        assert arrays["glyph_indices"].tolist() == [r["glyph_indices"] for r in records]
        assert arrays["images"].shape == (len(records), 28, 200)
        assert arrays["labels"].tolist() == [r["label"] for r in records]
        assert arrays["index"].tolist() == [r["index"] for r in records]
        assert arrays["boxes"].tolist() == [r["boxes"] for r in records]
        assert (arrays["classes"] == 1).sum() + (arrays["classes"] == 4).sum() == 3 * len(records)
        for k in (0, len(records) - 1):
            np.testing.assert_array_equal(
                arrays["images"][k], read_png(exported[1] / split / records[k]["file_name"])
            )
            np.testing.assert_array_equal(
                arrays["masks"][k], read_png(exported[1] / split / records[k]["mask_file_name"])
            )
    assert not (tmp_path / "npz" / ".seqstudio-partial").exists()


def test_jpg_random_sequences_with_weights(tmp_path):
    spec = GenerationSpec(
        random=RandomSequences(2, 4, ("1", "7"), (3.0, 1.0)),
        digits="",
        width=180,
        fit="scale",
        seed=2,
    )
    export_dataset(spec, 60, tmp_path / "d", ExportOptions(format="jpg", workers=1))
    records = read_jsonl(tmp_path / "d" / "train" / "metadata.jsonl")
    assert len(records) == 60 and all(2 <= len(r["digits"]) <= 4 for r in records)
    assert {d for r in records for d in r["digits"]} == {"1", "7"}
    gen = SequenceGenerator(spec)
    for r in records[:5]:
        assert r["label"] == gen.generate(r["index"]).label
        assert read_png(tmp_path / "d" / "train" / r["file_name"]).shape == (28, 180)


def test_sequences_file_with_counts_spreads_over_splits(tmp_path):
    seqs = tmp_path / "seqs.csv"
    seqs.write_text("sequence,count\n# a comment\n123,5\n\n4567\n89,3\n")
    options = ExportOptions(
        splits=parse_splits("train=0.5,test=0.5"), sequences_file=seqs, workers=1
    )
    result = export_dataset(SPEC.replace(width=160), 4, tmp_path / "d", options)
    assert result.total == 12 and result.split_counts == {"train": 6, "test": 6}
    labels = []
    for split in ("train", "test"):
        labels += [r["label"] for r in read_jsonl(tmp_path / "d" / split / "metadata.jsonl")]
    assert sorted(labels) == sorted(["123"] * 5 + ["4567"] * 4 + ["89"] * 3)
    test_labels = {r["label"] for r in read_jsonl(tmp_path / "d" / "test" / "metadata.jsonl")}
    assert test_labels == {"123", "4567", "89"}


@pytest.mark.parametrize(
    ("total", "ratios", "expected"),
    [
        (10, [0.8, 0.1, 0.1], [8, 1, 1]),
        (7, [0.5, 0.5], [4, 3]),
        (1, [0.8, 0.2], [1, 0]),
        (3, [1.0], [3]),
    ],
)
def test_split_counts_sum_to_total(total, ratios, expected):
    assert split_counts(total, ratios) == expected


def test_fast_record_lines_equal_json(exported):
    from seqstudio.core.export.records import record_line

    for line in (exported[1] / "val" / "metadata.jsonl").read_text().splitlines()[:20]:
        record = json.loads(line)
        assert record_line(record) == json.dumps(record, ensure_ascii=False) + "\n" == line + "\n"
    odd = {
        "file_name": "a,b.png",
        "label": 'ä"x',
        "params": {"angle": 1.5e-7},
        "flag": True,
        "n": [1, [2]],
    }
    assert record_line(odd) == json.dumps(odd, ensure_ascii=False) + "\n"


def test_template_records_equal_the_generic_records():
    """Template-formatted manifest text is byte-identical to per-sample JSON records."""
    from seqstudio.core import rng
    from seqstudio.core.export import records as writers
    from seqstudio.core.generator import SequenceGenerator
    from seqstudio.core.spec import GenerationSpec

    names = [f"{5 + k:06d}.png" for k in range(30)]
    for spec in (GenerationSpec(), GenerationSpec(digits="7", spacing_scope="edges", seed=2**62)):
        gen = SequenceGenerator(spec)
        batch = gen.batch(5, 30)
        samples = [gen.generate(5 + k) for k in range(30)]
        # Packed output heads each record with its row, image files with their file name.
        for heads in (
            {"rows": np.arange(30)},
            {"file_names": names},
            {"file_names": names, "masks": True},
        ):
            text = writers.fixed_sequence_records(
                **heads,
                labels=spec.digits,
                boxes=np.stack(batch.boxes),
                gaps=np.array(batch.gaps).reshape(30, -1),
                offsets=np.array([p["offset_x"] for p in batch.params]),
                pool=spec.pool,
                glyph_indices=np.stack(batch.glyph_indices),
                indices=np.arange(5, 35),
                seed=spec.seed,
                keys=rng.image_keys(spec.seed, np.arange(5, 35)),
            )
            expected = "".join(
                writers.record_line(
                    writers.manifest_record(
                        sample,
                        file_name=names[k] if "file_names" in heads else None,
                        row=k if "rows" in heads else None,
                        glyph_indices=sample.glyph_indices,
                        seed=spec.seed,
                        mask=heads.get("masks", False),
                    )
                )
                for k, sample in enumerate(samples)
            )
            assert text == expected
