"""Exports read by the real readers: pycocotools (annToMask, COCOeval segm/bbox), the
Hugging Face dataset card (with ``datasets`` when installed), YOLO yaml, dataset.json."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from export_readers import read_jsonl, read_png

from seqstudio.core.augment.presets import load_preset
from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec, RandomSequences

SPLITS = parse_splits("train=0.6,val=0.2,test=0.2")
RANDOM = GenerationSpec(
    random=RandomSequences(1, 5), digits="", width=200, spacing_min=0, spacing_max=6, seed=5
)


@pytest.fixture(scope="module")
def coco_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("coco") / "data"
    options = ExportOptions(splits=SPLITS, annotations=("coco", "yolo"), masks=True, workers=1)
    export_dataset(RANDOM.replace(augment=load_preset("light")), 90, out, options)
    return out


def _coco(path: Path):
    coco_module = pytest.importorskip("pycocotools.coco")
    with contextlib.redirect_stdout(io.StringIO()):
        return coco_module.COCO(str(path))


# pycocotools' own decode trips numpy 2's __array__(copy=) deprecation; not ours to fix.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_coco_segmentation_round_trips_to_the_mask_pngs(coco_export):
    for split in ("train", "val", "test"):
        coco = _coco(coco_export / split / "_annotations.coco.json")
        records = {r["index"]: r for r in read_jsonl(coco_export / split / "metadata.jsonl")}
        assert sorted(coco.getImgIds()) == sorted(records)
        for index, record in records.items():
            mask = read_png(coco_export / split / record["mask_file_name"])
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[index]))
            assert len(anns) == len(record["digits"])
            for k, ann in enumerate(sorted(anns, key=lambda a: a["id"])):
                np.testing.assert_array_equal(coco.annToMask(ann), (mask == k + 1).astype(np.uint8))
                assert ann["area"] == int((mask == k + 1).sum())
                assert coco.cats[ann["category_id"]]["name"] == record["digits"][k]
                assert ann["bbox"] == record["boxes"][k]


def test_coco_header_ids_and_licence(coco_export):
    ann_ids, image_ids = [], []
    for split in ("train", "val", "test"):
        doc = json.loads((coco_export / split / "_annotations.coco.json").read_text())
        assert doc["categories"] == [
            {"id": k + 1, "name": str(k), "supercategory": "digit"} for k in range(10)
        ]
        info = doc["info"]
        assert info["version"] and info["date_created"][:4] == str(info["year"])
        assert info["spec"]["random"]["max_length"] == 5 and info["seed"] == 5
        assert doc["licenses"][0]["url"] == "https://creativecommons.org/licenses/by-sa/3.0/"
        assert {image["license"] for image in doc["images"]} == {doc["licenses"][0]["id"]}
        ann_ids += [a["id"] for a in doc["annotations"]]
        image_ids += [i["id"] for i in doc["images"]]
    assert len(set(ann_ids)) == len(ann_ids) and len(set(image_ids)) == len(image_ids) == 90


@pytest.mark.parametrize("iou_type", ["segm", "bbox"])
def test_cocoeval_on_ground_truth_gives_ap_one(coco_export, iou_type):
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    coco = _coco(coco_export / "train" / "_annotations.coco.json")
    results = [dict(ann, score=1.0) for ann in coco.loadAnns(coco.getAnnIds())]
    for result in results:
        del result["id"]
        if iou_type == "bbox":
            del result["segmentation"]
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = cocoeval.COCOeval(coco, coco.loadRes(results), iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(1.0)  # AP @ IoU 0.50:0.95
    assert evaluation.stats[1] == pytest.approx(1.0)  # AP @ IoU 0.50


def test_yaml_path_and_dataset_json_of_random_lengths(coco_export):
    text = (coco_export / "data.yaml").read_text()
    assert f"path: {json.dumps(str(coco_export.absolute()))}" in text.splitlines()
    settings = json.loads((coco_export / "dataset.json").read_text())["settings"]
    assert settings["spec"]["digits"] == "" and settings["spec"]["random"]["min_length"] == 1


def _card_yaml(folder: Path) -> dict:
    yaml = pytest.importorskip("yaml")
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_card_header_types_every_column(coco_export):
    header = _card_yaml(coco_export)
    config = header["configs"][0]
    assert config["config_name"] == "default" and header["license"] == "cc-by-sa-3.0"
    assert [f["split"] for f in config["data_files"]] == ["train", "val", "test"]
    features = {f["name"]: f for f in config["features"]}
    assert list(features)[:3] == ["image", "mask", "label"]
    assert features["label"]["dtype"] == "string"
    assert features["boxes"]["sequence"] == {"sequence": "int32", "length": 4}
    names = {f["name"] for f in features["params"]["struct"]}
    assert {"offset_x", "scale_x", "scale_y"} <= names
    record = read_jsonl(coco_export / "train" / "metadata.jsonl")[0]
    assert set(features) == {"image", "mask"} | set(record) - {"file_name", "mask_file_name"}
    text = (coco_export / "README.md").read_text()
    assert "| train | 54 |" in text and "CC BY-SA 3.0" in text


def test_hugging_face_loads_typed_columns(coco_export, tmp_path):
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(coco_export), cache_dir=str(tmp_path))
    assert {name: len(split) for name, split in loaded.items()} == {
        "train": 54,
        "val": 18,
        "test": 18,
    }
    features = loaded["train"].features
    assert features["boxes"] == datasets.List(datasets.List(datasets.Value("int32"), length=4))
    records = read_jsonl(coco_export / "test" / "metadata.jsonl")
    for row, record in zip(loaded["test"], records):
        assert row["label"] == record["label"] and row["boxes"] == record["boxes"]
        np.testing.assert_array_equal(
            np.asarray(row["image"]), read_png(coco_export / "test" / record["file_name"])
        )
        np.testing.assert_array_equal(
            np.asarray(row["mask"]), read_png(coco_export / "test" / record["mask_file_name"])
        )


def test_coco_with_masks_needs_pycocotools_or_says_so(tmp_path, monkeypatch):
    import builtins

    from seqstudio.core.errors import SpecError

    real_import = builtins.__import__

    def no_pycocotools(name, *args, **kwargs):
        if name.startswith("pycocotools"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pycocotools)
    with pytest.raises(SpecError) as info:
        export_dataset(
            GenerationSpec(),
            4,
            tmp_path / "d",
            ExportOptions(annotations=("coco",), masks=True, workers=1),
        )
    assert info.value.field == "annotations" and "seqstudio[coco]" in str(info.value)
    assert not (tmp_path / "d").exists()


def test_yolo_segments_trace_each_glyph_of_the_mask(tmp_path):
    from seqstudio.core.cv import cv2

    out = tmp_path / "d"
    options = ExportOptions(annotations=("yolo-seg",), masks=True, workers=1)
    export_dataset(RANDOM, 30, out, options)
    assert "path:" in (out / "data.yaml").read_text()
    for record in read_jsonl(out / "train" / "metadata.jsonl"):
        mask = read_png(out / "train" / record["mask_file_name"])
        lines = (out / "train" / record["file_name"].replace(".png", ".txt")).read_text()
        rows = [line.split() for line in lines.splitlines()]
        assert [int(row[0]) for row in rows] == [int(d) for d in record["digits"]]
        for k, row in enumerate(rows, 1):
            xy = np.array(row[1:], float).reshape(-1, 2) * (200, 28) - 0.5
            drawn = np.zeros_like(mask, np.uint8)
            cv2.fillPoly(drawn, [np.round(xy).astype(np.int32)], 1)
            glyph = mask == k
            assert (drawn.astype(bool) & glyph).sum() == glyph.sum()  # covers every pixel
            assert drawn.sum() <= 1.2 * glyph.sum() + 4  # and little more (bridges, corners)


def test_yolo_and_yolo_seg_exclude_each_other():
    from seqstudio.core.errors import SpecError

    with pytest.raises(SpecError, match="choose one"):
        ExportOptions(annotations=("yolo", "yolo-seg"))
