"""Writing the output: image files, manifest records, labels.csv, COCO, YOLO, npz.

Every file appears under its final name complete or not at all: it is written to a
hidden temporary name (``.NAME.tmp``) in the same folder and renamed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from seqstudio.core.sample import Sample

METADATA = "metadata.jsonl"
LABELS_CSV = "labels.csv"
LABELS_HEADER = "file_name,label\n"
COCO_NAME = "_annotations.coco.json"
YOLO_YAML = "data.yaml"
MASK_DIR = "masks"
PARTIAL_DIR = ".seqstudio-partial"
TMP_SUFFIX = ".tmp"


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file and a rename."""
    path = os.fspath(path)
    head, name = os.path.split(path)
    tmp = os.path.join(head, f".{name}{TMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def image_name(index: int, digits: int) -> str:
    """The stable file stem of global image ``index``: zero-padded, e.g. ``000042``."""
    return f"{index:0{digits}d}"


def name_digits(total: int) -> int:
    """Digits in file names for an export of ``total`` images (at least 6)."""
    return max(6, len(str(max(total - 1, 0))))


def encode_image(image: np.ndarray, fmt: str, jpeg_quality: int) -> bytes:
    """Encode a 2-D uint8 (or uint16 for PNG) image; PNG uses OpenCV's fast default."""
    from seqstudio.core.cv import cv2

    if fmt == "jpg":
        ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    else:
        ok, buffer = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"could not encode an image of shape {image.shape} as {fmt}")
    return buffer.tobytes()


def mask_array(mask: np.ndarray, glyphs: int) -> np.ndarray:
    """The mask as written: uint8 up to 254 glyphs, else uint16."""
    return mask.astype(np.uint8 if glyphs < 255 else np.uint16, copy=False)


def manifest_record(
    sample: Sample, *, file_name: str | None, row: int | None, glyph_indices: np.ndarray, seed: int
) -> dict:
    """The metadata.jsonl record of one image (``file_name`` first, for Hugging Face)."""
    record: dict = {"file_name": file_name} if file_name is not None else {"row": row}
    record.update(
        label=sample.label,
        digits=list(sample.labels),
        boxes=sample.boxes.tolist(),
        gaps=list(sample.gaps),
        params=sample.params,
        pool=sample.pool,
        glyph_indices=glyph_indices.tolist(),
        index=sample.index,
        seed=seed,
        key=f"{sample.key:016x}",
    )
    return record


def record_line(record: dict) -> str:
    """One metadata.jsonl line; equal to ``json.dumps(record, ensure_ascii=False)`` + newline.

    Lists of ints and simple parameter dicts are formatted directly (several times
    faster than :func:`json.dumps`, which remains the fallback for anything else).
    """
    parts = []
    for key, value in record.items():
        if (
            type(value) is int
            or (type(value) is list and all(type(v) is int for v in value))
            or type(value) is list
            and all(type(v) is list and all(type(x) is int for x in v) for v in value)
        ):
            text = str(value)
        elif type(value) is str and value.isalnum() and value.isascii():
            text = f'"{value}"'
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}\n"


def fixed_sequence_records(
    *,
    rows: np.ndarray | None = None,
    file_names: list[str] | None = None,
    labels: tuple[str, ...],
    boxes: np.ndarray,
    gaps: np.ndarray,
    offsets: np.ndarray,
    pool: str,
    glyph_indices: np.ndarray,
    indices: np.ndarray,
    seed: int,
    keys: np.ndarray,
) -> str:
    """Records of many images of one fixed sequence, as manifest text.

    Give ``file_names`` (image files) or ``rows`` (packed output) for the first field.

    Equal, line for line, to :func:`record_line` of :func:`manifest_record` for each
    image (a test checks it), but every record has the same shape, so one ``%`` template
    formats it from integer rows — no per-image dict or JSON encoding.
    """
    count, glyphs = len(indices), len(labels)
    if count == 0:
        return ""

    def ints(k: int) -> str:
        return "[" + ", ".join(["%d"] * k) + "]"

    def const(value) -> str:
        return json.dumps(value, ensure_ascii=False).replace("%", "%%")

    first = '{"file_name": %s' if file_names is not None else '{"row": %d'
    template = (
        first
        + ', "label": '
        + const("".join(labels))
        + ', "digits": '
        + const(list(labels))
        + ', "boxes": ['
        + ", ".join([ints(4)] * glyphs)
        + '], "gaps": '
        + ints(gaps.shape[1])
        + ', "params": {"offset_x": %d, "scale_x": 1.0, "scale_y": 1.0}, "pool": '
        + const(pool)
        + ', "glyph_indices": '
        + ints(glyphs)
        + ', "index": %d, "seed": '
        + str(int(seed))
        + ', "key": "%016x"}\n'
    )
    table = np.concatenate(
        [
            boxes.reshape(count, -1).astype(np.int64),
            gaps.astype(np.int64),
            offsets.reshape(count, 1).astype(np.int64),
            glyph_indices.reshape(count, -1).astype(np.int64),
            indices.reshape(count, 1).astype(np.int64),
        ],
        axis=1,
    ).tolist()
    key_list = keys.tolist()
    heads = [json.dumps(name) for name in file_names] if file_names is not None else rows.tolist()
    return "".join([template % (head, *row, key) for head, row, key in zip(heads, table, key_list)])


def csv_line(file_name: str, label: str) -> str:
    """One ``labels.csv`` row (quoted only when the label needs it)."""
    if any(c in label for c in ',"\r\n') or label != label.strip():
        label = '"' + label.replace('"', '""') + '"'
    return f"{file_name},{label}\n"


def yolo_text(boxes: np.ndarray, class_ids: list[int], width: int, height: int) -> bytes:
    """YOLO label file: ``class x_center y_center width height`` per box, normalised."""
    lines = []
    for (x, y, w, h), cls in zip(boxes.tolist(), class_ids):
        lines.append(
            f"{cls} {(x + w / 2) / width:.6f} {(y + h / 2) / height:.6f} {w / width:.6f} {h / height:.6f}\n"
        )
    return "".join(lines).encode()


def yolo_yaml(split_names: list[str], classes: tuple[str, ...]) -> str:
    """An Ultralytics-style dataset YAML (paths relative to the file's folder)."""
    lines = [f"{name}: {name}" for name in split_names]
    lines.append(f"nc: {len(classes)}")
    lines.append("names:")
    lines += [f"  {k}: {json.dumps(c)}" for k, c in enumerate(classes)]
    return "\n".join(lines) + "\n"


def read_records(path: Path) -> Iterator[dict]:
    """Parse a metadata.jsonl file record by record (streaming)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def write_coco(split_dir: Path, width: int, height: int, classes: tuple[str, ...]) -> None:
    """Write ``_annotations.coco.json`` for a split from its metadata (streaming).

    Image ids are the global image indices; category ids are class indices (``0``–``9``
    for digits); ``bbox`` is ``[x, y, w, h]`` of each glyph's ink.
    """
    class_id = {c: k for k, c in enumerate(classes)}
    target = split_dir / COCO_NAME
    tmp = split_dir / f".{COCO_NAME}{TMP_SUFFIX}"
    annotations = split_dir / f".{COCO_NAME}.annotations{TMP_SUFFIX}"
    ann_id = 0
    with open(tmp, "w", encoding="utf-8") as out, open(annotations, "w+", encoding="utf-8") as ann:
        out.write('{"info": {"description": "seqstudio export"}, "licenses": [],\n"categories": ')
        out.write(
            json.dumps(
                [{"id": k, "name": c, "supercategory": "digit"} for k, c in enumerate(classes)]
            )
        )
        out.write(',\n"images": [')
        first = True
        for record in read_records(split_dir / METADATA):
            image = {
                "id": record["index"],
                "file_name": record["file_name"],
                "width": width,
                "height": height,
            }
            out.write(("\n" if first else ",\n") + json.dumps(image))
            for box, label in zip(record["boxes"], record["digits"]):
                ann_id += 1
                entry = {
                    "id": ann_id,
                    "image_id": record["index"],
                    "category_id": class_id[label],
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                }
                ann.write(("\n" if ann_id == 1 else ",\n") + json.dumps(entry))
            first = False
        out.write('],\n"annotations": [')
        ann.seek(0)
        while chunk := ann.read(1 << 20):
            out.write(chunk)
        out.write("]}\n")
    os.unlink(annotations)
    os.replace(tmp, target)


# ------------------------------------------------------------------------------ npz
def npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """The ``.npy`` header for an array of ``dtype`` and ``shape`` (C order)."""
    buffer = io.BytesIO()
    header = {
        "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
        "fortran_order": False,
        "shape": shape,
    }
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def create_npy(path: Path, dtype: np.dtype, shape: tuple[int, ...]) -> int:
    """Create (sparse) ``.npy`` file of the full size; return the data offset."""
    header = npy_header(dtype, shape)
    with open(path, "wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return len(header)


#: Arrays of a split's npz export: (name, dtype or None for the per-export choice, per-row shape).
NPY_ARRAYS = ("images", "masks", "labels", "lengths", "classes", "boxes", "glyph_indices", "index")
SMALL_ARRAYS = ("labels", "lengths", "classes", "boxes", "glyph_indices", "index")


def npz_layout(
    count: int, height: int, width: int, max_glyphs: int, max_chars: int, mask_dtype
) -> dict:
    """dtype and shape of each array of a split's packed export."""
    L = max(max_glyphs, 1)
    return {
        "images": (np.dtype(np.uint8), (count, height, width)),
        "masks": (np.dtype(mask_dtype), (count, height, width)),
        "labels": (np.dtype(f"<U{max(max_chars, 1)}"), (count,)),
        "lengths": (np.dtype("<i4"), (count,)),
        "classes": (np.dtype("<i4"), (count, L)),
        "boxes": (np.dtype("<i4"), (count, L, 4)),
        "glyph_indices": (np.dtype("<i8"), (count, L)),
        "index": (np.dtype("<i8"), (count,)),
    }


def pack_split(partial: Path, split: str, split_dir: Path, masks: bool) -> None:
    """Move a split's finished arrays to their final names.

    ``images.npy`` (and ``masks.npy``) are renamed into ``split_dir`` (no copy; load them
    with ``numpy.load(..., mmap_mode="r")``); the per-image arrays go into
    ``labels.npz``: ``labels`` (N,) str, ``lengths`` (N,), ``classes`` (N, L) and
    ``glyph_indices`` (N, L) with −1 beyond each image's length, ``boxes`` (N, L, 4)
    ``[x, y, w, h]``, ``index`` (N,) global image indices.
    """
    target = split_dir / "labels.npz"
    tmp = split_dir / f".labels.npz{TMP_SUFFIX}"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name in SMALL_ARRAYS:
            path = partial / f"{split}-{name}.npy"
            with open(path, "rb") as src, archive.open(f"{name}.npy", "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 22):
                    dst.write(chunk)
    os.replace(tmp, target)
    for name in ("images", "masks") if masks else ("images",):
        os.replace(partial / f"{split}-{name}.npy", split_dir / f"{name}.npy")
    for name in SMALL_ARRAYS:
        (partial / f"{split}-{name}.npy").unlink()
