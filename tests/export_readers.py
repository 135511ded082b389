"""Plain readers for the export formats, written from each format's specification.

They use no seqstudio code, so the tests check the files as a trainer would see them.
"""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image


def read_png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        image.load()
        return np.asarray(image)


def read_jsonl(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path} ends with a torn line"
    return [json.loads(line) for line in text.splitlines()]


def read_labels_csv(path: Path) -> list[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file_name,label"
    rows = []
    for line in lines[1:]:
        name, _, label = line.partition(",")
        if label.startswith('"'):
            label = label[1:-1].replace('""', '"')
        rows.append((name, label))
    return rows


def read_yolo(path: Path) -> list[tuple[int, float, float, float, float]]:
    rows = []
    for line in path.read_text().splitlines():
        cls, xc, yc, w, h = line.split()
        rows.append((int(cls), float(xc), float(yc), float(w), float(h)))
    return rows


def read_npy_bytes(data: bytes) -> np.ndarray:
    """A .npy file (format 1.0/2.0) from its bytes: magic, version, header dict, data."""
    assert data[:6] == b"\x93NUMPY"
    major = data[6]
    if major == 1:
        header_len, start = int.from_bytes(data[8:10], "little"), 10
    else:
        header_len, start = int.from_bytes(data[8:12], "little"), 12
    header = ast.literal_eval(data[start : start + header_len].decode("latin1"))
    assert header["fortran_order"] is False
    body = data[start + header_len :]
    return np.frombuffer(body, dtype=np.dtype(header["descr"])).reshape(header["shape"])


def read_npz(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        return {
            name[: -len(".npy")]: read_npy_bytes(archive.read(name)) for name in archive.namelist()
        }


def without_run_details(root: Path, name: str, data: bytes) -> bytes:
    """A file's bytes less what differs between two runs of one export in two folders:
    ``dataset.json``'s and COCO's creation time, ``data.yaml``'s absolute ``path`` (and the
    checksums of those two files in ``dataset.json``)."""
    base = Path(name).name
    if base == "dataset.json":
        doc = json.loads(data)
        doc.pop("created")
        for rel in list(doc.get("files") or {}):  # checksums of the files below
            if rel == "data.yaml" or rel.endswith(".coco.json"):
                del doc["files"][rel]
        return json.dumps(doc).encode()
    if base.endswith(".coco.json"):
        doc = json.loads(data)
        doc["info"].pop("date_created")
        return json.dumps(doc).encode()
    if base == "data.yaml":
        return data.replace(json.dumps(str(root.absolute())).encode(), b'"ROOT"')
    return data
