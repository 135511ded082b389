"""COCO ``_annotations.coco.json`` of a split, built from its finished manifest.

The mapping, written once here and in the dataset card:

- **categories**: class index ``k`` (``0``–``9`` for digits) has category id ``k + 1``
  and the class label as its name (``"0"``–``"9"``), supercategory ``"digit"``; id 0 is
  left for the background, as tools that treat 0 as background expect.
- **images**: the image id is the global image index (the manifest's ``index``), unique
  over every split file of the export.
- **annotations**: one per glyph; the id is ``index * max_glyphs + k + 1`` for the
  ``k``-th glyph of image ``index`` (unique over every split file), ``bbox`` is the
  glyph's ink box ``[x, y, w, h]``; with masks, ``segmentation`` is the glyph's pixels in
  the instance mask as compressed RLE (pycocotools' encoding), and ``area`` its pixel count.
- **info** holds the seqstudio version, the creation date and the full spec;
  **licenses** names the glyphs' licence (MNIST: CC BY-SA 3.0).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from seqstudio._version import __version__
from seqstudio.core.errors import SpecError
from seqstudio.core.export.writers import COCO_NAME, TMP_SUFFIX

MNIST_LICENSE = {
    "id": 1,
    "name": "Creative Commons Attribution-Share Alike 3.0 (CC BY-SA 3.0)",
    "url": "https://creativecommons.org/licenses/by-sa/3.0/",
}


def glyph_license(source: str) -> dict[str, Any]:
    """The licence entry of the glyphs of ``source`` (MNIST's for bundled and IDX files)."""
    if source == "bundled" or source.startswith("idx:"):
        return dict(MNIST_LICENSE)
    return {"id": 1, "name": f"the licence of the glyph folder ({source})", "url": ""}


def category_id(class_index: int) -> int:
    """COCO category id of class ``class_index`` (ids start at 1; 0 is background)."""
    return class_index + 1


def annotation_id(image_index: int, glyph: int, max_glyphs: int) -> int:
    """Annotation id of the ``glyph``-th glyph of image ``image_index`` (unique per export)."""
    return image_index * max(max_glyphs, 1) + glyph + 1


def check_segmentation_support() -> None:
    """Raise :class:`SpecError` (field ``annotations``) when pycocotools is missing."""
    try:
        import pycocotools.mask  # noqa: F401
    except ImportError:
        raise SpecError(
            "annotations",
            "coco with masks writes RLE segmentation with pycocotools, which is not installed "
            "(pip install 'seqstudio[coco]')",
        ) from None


def instance_rles(mask: np.ndarray, count: int) -> list[dict]:
    """Compressed RLE (``{"size", "counts"}``) of instances ``1 … count`` of ``mask``."""
    from pycocotools import mask as mask_utils

    ids = np.arange(1, count + 1, dtype=mask.dtype)
    stack = np.asfortranarray((mask[:, :, None] == ids[None, None, :]).astype(np.uint8))
    rles = mask_utils.encode(stack)
    return [{"size": list(r["size"]), "counts": r["counts"].decode("ascii")} for r in rles]


def rle_area(rle: dict) -> int:
    """Pixels covered by one compressed RLE."""
    from pycocotools import mask as mask_utils

    return int(mask_utils.area({"size": rle["size"], "counts": rle["counts"].encode("ascii")}))


def coco_header(
    *, settings: dict, split: str, created: str, classes: tuple[str, ...], license: dict
) -> dict:
    """The ``info``, ``licenses`` and ``categories`` of a split's COCO file."""
    date = datetime.fromisoformat(created)
    return {
        "info": {
            "description": f"seqstudio synthetic handwritten digit sequences, split {split}",
            "version": __version__,
            "year": date.year,
            "contributor": "seqstudio",
            "url": "",
            "date_created": created,
            "spec": settings["spec"],
            "seed": settings["seed"],
            "category_ids": "category id = class index + 1; the name is the class label",
        },
        "licenses": [license],
        "categories": [
            {"id": category_id(k), "name": c, "supercategory": "digit"}
            for k, c in enumerate(classes)
        ],
    }


def write_coco(
    split_dir: Path,
    records,
    *,
    header: dict,
    width: int,
    height: int,
    max_glyphs: int,
    masks: bool,
) -> None:
    """Write ``_annotations.coco.json`` for a split from its records (streaming).

    Parameters
    ----------
    split_dir : Path
        The split folder (mask PNGs are read from it when ``masks``).
    records : iterable of dict
        The split's manifest records, in order.
    header : dict
        From :func:`coco_header`.
    width, height : int
        Image size.
    max_glyphs : int
        The most glyphs an image of the export can have (for annotation ids).
    masks : bool
        Add RLE ``segmentation`` from each record's ``mask_file_name``.
    """
    from seqstudio.core.cv import cv2

    class_id = {c["name"]: c["id"] for c in header["categories"]}
    license_id = header["licenses"][0]["id"]
    target = split_dir / COCO_NAME
    tmp = split_dir / f".{COCO_NAME}{TMP_SUFFIX}"
    annotations = split_dir / f".{COCO_NAME}.annotations{TMP_SUFFIX}"
    first_ann = True
    with open(tmp, "w", encoding="utf-8") as out, open(annotations, "w+", encoding="utf-8") as ann:
        out.write("{")
        for key in ("info", "licenses", "categories"):
            out.write(f'"{key}": {json.dumps(header[key], ensure_ascii=False)},\n')
        out.write('"images": [')
        first = True
        for record in records:
            index = record["index"]
            image = {
                "id": index,
                "file_name": record["file_name"],
                "width": width,
                "height": height,
                "license": license_id,
            }
            out.write(("\n" if first else ",\n") + json.dumps(image))
            first = False
            rles: list[dict | None] = [None] * len(record["boxes"])
            if masks:
                mask = cv2.imread(str(split_dir / record["mask_file_name"]), cv2.IMREAD_UNCHANGED)
                if mask is None:
                    raise OSError(f"cannot read the mask {split_dir / record['mask_file_name']}")
                rles = list(instance_rles(mask, len(record["boxes"])))
            for k, (box, label, rle) in enumerate(zip(record["boxes"], record["digits"], rles)):
                entry: dict[str, Any] = {
                    "id": annotation_id(index, k, max_glyphs),
                    "image_id": index,
                    "category_id": class_id[label],
                    "bbox": box,
                    "area": box[2] * box[3] if rle is None else rle_area(rle),
                    "iscrowd": 0,
                }
                if rle is not None:
                    entry["segmentation"] = rle
                ann.write(("\n" if first_ann else ",\n") + json.dumps(entry))
                first_ann = False
        out.write('],\n"annotations": [')
        ann.seek(0)
        while chunk := ann.read(1 << 20):
            out.write(chunk)
        out.write("]}\n")
    os.unlink(annotations)
    os.replace(tmp, target)
