"""``dataset.json`` and the per-split manifests, including recovery after a kill.

``dataset.json`` holds the full spec, seed, counts, splits, options, the seqstudio
version and the creation time: enough to regenerate the identical dataset. Its
``settings`` part is compared on ``--resume``.

Manifests (``metadata.jsonl``, ``labels.csv``) are appended one complete chunk at a time.
A kill can leave a torn last line; :func:`recover_manifests` cuts both files back to
the records they have in common, so every record names a complete file.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from seqstudio._version import __version__
from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.writers import LABELS_CSV, LABELS_HEADER, METADATA, write_atomic
from seqstudio.core.fileio import MAX_TEXT_BYTES, parse_json, read_bounded

DATASET_JSON = "dataset.json"
SCHEMA = "seqstudio.dataset"
SCHEMA_VERSION = 1


def utc_now() -> str:
    """The current time as ISO 8601 UTC to the second (``created`` of a new dataset)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def dataset_document(
    settings: dict[str, Any],
    status: str,
    created: str | None,
    files: dict[str, list] | None = None,
) -> dict[str, Any]:
    """The ``dataset.json`` content for ``settings`` (see :func:`write_dataset_json`).

    ``files`` (``{relative path: [size, sha256]}``) records the files written at
    completion; per-image files are listed in ``checksums/<split>.jsonl``.
    """
    doc = {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "seqstudio_version": __version__,
        "created": created or utc_now(),
        "status": status,
        "settings": settings,
        "layout": {
            "numbering": "global image index, split-major (train, val, test), zero-padded file names",
            "image_bytes": "image i depends only on (spec, seed, i) and its split's glyph pool",
            "manifest": "<split>/metadata.jsonl, one record per image in index order",
            "files": "checksums/<split>.jsonl: path, size, sha256 of every file of every image",
        },
    }
    if files is not None:
        doc["files"] = files
    return doc


def write_dataset_json(
    out_dir: Path,
    settings: dict[str, Any],
    status: str,
    created: str | None,
    files: dict[str, list] | None = None,
) -> str:
    """Write ``dataset.json`` atomically; return its creation time."""
    doc = dataset_document(settings, status, created, files)
    write_atomic(
        out_dir / DATASET_JSON, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    )
    return doc["created"]


def read_dataset_json(out_dir: Path) -> dict[str, Any]:
    """Read ``dataset.json`` from an export folder.

    Raises
    ------
    ExportError
        If it is missing, unreadable or not a seqstudio dataset description.
    """
    path = out_dir / DATASET_JSON
    try:
        data = read_bounded(path, MAX_TEXT_BYTES)
    except FileNotFoundError:
        raise ExportError(
            f"{out_dir} has no {DATASET_JSON}; it is not a seqstudio export"
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # not a regular file, too large
        raise ExportError(f"cannot read {path}: {exc}") from None
    return parse_dataset_json(data, path)


def parse_dataset_json(data: bytes, path: Any) -> dict[str, Any]:
    """Parse the bytes of a ``dataset.json`` (read from ``path``, named in errors).

    Raises
    ------
    ExportError
        Not UTF-8 JSON, nested too deep, or not a seqstudio dataset description.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise ExportError(f"cannot read {path}: more than {MAX_TEXT_BYTES:,} bytes")
    try:
        doc = parse_json(data)
    except ValueError as exc:  # not UTF-8 or JSON, nested too deep, huge numbers
        raise ExportError(f"cannot read {path}: {exc}") from None
    if (
        not isinstance(doc, dict)
        or doc.get("schema") != SCHEMA
        or not isinstance(doc.get("settings"), dict)
    ):
        raise ExportError(f"{path} is not a seqstudio dataset description")
    return doc


def first_difference(ours: Any, theirs: Any, path: str = "") -> str | None:
    """The first key path where two JSON values differ, with both values, or ``None``.

    A whole-record equality check (shards and merges use it to find version drift);
    resume compares settings with :meth:`seqstudio.core.export.settings.ExportSettings.diff`.
    """
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in list(ours) + [k for k in theirs if k not in ours]:
            found = first_difference(
                ours.get(key), theirs.get(key), f"{path}.{key}" if path else key
            )
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for k, (a, b) in enumerate(zip(ours, theirs)):
            found = first_difference(a, b, f"{path}[{k}]")
            if found:
                return found
        return None
    if ours != theirs:
        return f"{path}: {_short(ours)} now, {_short(theirs)} in dataset.json"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


# ----------------------------------------------------------------------------- manifests
def _line_ends(path: Path) -> list[int]:
    """Byte offsets just after each newline in ``path`` (empty if it does not exist)."""
    ends: list[int] = []
    if not path.exists():
        return ends
    with open(path, "rb") as handle:
        position = 0
        while block := handle.read(1 << 20):
            start = 0
            while (found := block.find(b"\n", start)) >= 0:
                ends.append(position + found + 1)
                start = found + 1
            position += len(block)
    return ends


def recover_manifests(split_dir: Path, with_csv: bool) -> int:
    """Cut a split's manifests back to their common complete records; return how many.

    A torn last line (from a kill mid-write) is dropped; if ``labels.csv`` and
    ``metadata.jsonl`` disagree, both are cut to the shorter. Missing files are created.
    """
    meta_path = split_dir / METADATA
    meta_ends = _line_ends(meta_path)
    keep = len(meta_ends)
    csv_ends: list[int] = []
    csv_path = split_dir / LABELS_CSV
    if with_csv:
        csv_ends = _line_ends(csv_path)
        keep = min(keep, max(len(csv_ends) - 1, 0))
    _truncate(meta_path, meta_ends[keep - 1] if keep else 0)
    if with_csv:
        if not csv_ends:
            with open(csv_path, "wb") as handle:
                handle.write(LABELS_HEADER.encode())
        else:
            _truncate(csv_path, csv_ends[keep])
    return keep


def last_record(split_dir: Path) -> dict | None:
    """The last record of a split's metadata, or ``None`` if it has none."""
    path = split_dir / METADATA
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None
    with open(path, "rb") as handle:
        handle.seek(max(0, size - (1 << 16)))
        tail = handle.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return json.loads(tail)


def _truncate(path: Path, size: int) -> None:
    with open(path, "ab") as handle:
        handle.truncate(size)
    os.utime(path)
