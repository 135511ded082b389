"""Writing the output: image files, labels.csv, YOLO, npz (records: ``records``, COCO: ``coco``).

Every file appears under its final name complete or not at all: it is written to a
hidden temporary name (``.NAME.tmp``) in the same folder and renamed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from seqstudio.core.export.records import MASK_SUBDIR

METADATA = "metadata.jsonl"
LABELS_CSV = "labels.csv"
LABELS_HEADER = "file_name,label\n"
COCO_NAME = "_annotations.coco.json"
CARD_NAME = "README.md"
YOLO_YAML = "data.yaml"
MASK_DIR = MASK_SUBDIR  # inside each split folder
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
    """Encode a 2-D grey or 3-D RGB uint8 (or uint16 for PNG) image; PNG uses OpenCV's fast default."""
    from seqstudio.core.cv import cv2

    if image.ndim == 3:  # RGB -> the BGR order OpenCV's encoders take
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
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


def csv_line(file_name: str, label: str) -> str:
    """One ``labels.csv`` row (quoted only when the label needs it).

    pandas and Hugging Face ``csv`` infer numbers from digit strings (``"007"`` becomes 7)
    whether quoted or not: read the label as text (``dtype={"label": str}``), or load the
    card's ``labels`` configuration, which declares it a string.
    """
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


def yolo_yaml(root: Path, split_names: list[str], classes: tuple[str, ...]) -> str:
    """An Ultralytics/YOLOv5-style dataset YAML.

    ``path`` is the export folder's absolute path (those tools resolve a relative one
    against their own datasets folder, not this file's); each split is relative to it.
    """
    lines = [
        "# dataset root; edit it after moving the folder (split paths are relative to it)",
        f"path: {json.dumps(str(Path(root).absolute()), ensure_ascii=False)}",
    ]
    lines += [f"{name}: {name}" for name in split_names]
    lines.append(f"nc: {len(classes)}")
    lines.append("names:")
    lines += [f"  {k}: {json.dumps(c)}" for k, c in enumerate(classes)]
    return "\n".join(lines) + "\n"


#: Records parsed between two chances for other threads to take the GIL.
YIELD_EVERY = 256


def read_records(path: Path) -> Iterator[dict]:
    """Parse a metadata.jsonl file record by record (streaming).

    Every :data:`YIELD_EVERY` records the reading thread lets other threads of the
    process run (:func:`let_others_run`).
    """
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if number % YIELD_EVERY == 0:
                let_others_run()
            yield json.loads(line)


def let_others_run() -> None:
    """Release the GIL for a moment, if another thread of this process may want it.

    Parsing a large manifest on an export thread of the app otherwise kept the GUI
    thread waiting for the GIL for over 100 ms (measured: 120-170 ms for 20,000 records
    on CPython 3.11). ``time.sleep(0)`` is also a point where a busy machine's scheduler
    takes the CPU away (~4 ms each, measured under load 5), so a process with a single
    thread (the CLI) skips it.
    """
    if threading.active_count() > 1:
        time.sleep(0)


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
    count: int,
    height: int,
    width: int,
    max_glyphs: int,
    max_chars: int,
    mask_dtype,
    channels: int = 1,
) -> dict:
    """dtype and shape of each array of a split's packed export (RGB images: channels 3)."""
    L = max(max_glyphs, 1)
    image_shape = (count, height, width) if channels == 1 else (count, height, width, channels)
    return {
        "images": (np.dtype(np.uint8), image_shape),
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
