"""Validated export options: splits, format, annotations, masks, workers, resume."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from seqstudio.core.errors import SpecError

#: Split names, in the order their images are numbered.
SPLIT_NAMES = ("train", "val", "test")
FORMATS = ("png", "jpg", "npz", "webdataset", "parquet")
#: Formats written as shard files of ``images_per_file`` images each (see export.units).
SHARD_FORMATS = ("webdataset", "parquet")
MAX_IMAGES_PER_FILE = 10_000_000
ANNOTATIONS = ("coco", "yolo", "yolo-seg")
MAX_COUNT = 1_000_000_000
MAX_WORKERS = 256


def annotation_names(value: tuple[str, ...] | str) -> tuple[str, ...]:
    """Annotation formats as a tuple: ``"coco,yolo"`` and ``("coco", "yolo")`` alike (unchecked)."""
    if isinstance(value, str):
        return tuple(a.strip() for a in value.split(",") if a.strip())
    return tuple(value)


@dataclass(frozen=True)
class ExportOptions:
    """How to export a dataset (everything but the spec, the count and the folder).

    Attributes
    ----------
    splits : tuple of (str, float), optional
        ``(("train", 0.8), ("val", 0.1), ("test", 0.1))``; names from ``train``, ``val``,
        ``test``, ratios > 0 summing to 1. ``None``: one split named after ``spec.pool``.
    format : str
        ``"png"``, ``"jpg"`` (one file per image), ``"npz"`` (one array file per split),
        ``"webdataset"`` (tar shards of PNG + JSON) or ``"parquet"`` (one Parquet file per
        shard: PNG bytes and typed label columns).
    jpeg_quality : int
        JPEG quality 1–100 for ``format="jpg"``.
    annotations : tuple of str
        Any of ``"coco"``, ``"yolo"`` (boxes) or ``"yolo-seg"`` (a polygon per glyph,
        traced from its mask), image formats only; ``yolo`` and ``yolo-seg`` exclude each
        other (both write ``<image>.txt``).
    masks : bool
        Also write each image's instance mask as a PNG (or a ``masks`` array with npz).
    sequences_file : str or Path, optional
        A text/CSV file of sequences as the user gave it (CLI ``--sequences``, the export
        dialog's file), one per line, each optionally followed by a count (``14543,20``);
        lines without a count get ``count`` images. Read when the export is planned.
    sequence_lines : tuple of (str, int), optional
        The sequence lines themselves as ``(sequence, count)`` pairs, as ``dataset.json``
        records them (resume, :class:`~seqstudio.core.export.settings.ExportSettings`).
        Excludes ``sequences_file``.
    workers : int, optional
        Worker processes; ``None`` uses every core. ``1`` works in the calling process.
    chunk_size : int, optional
        Images per unit of work; ``None`` chooses by the generator's speed.
    images_per_file : int
        Images per tar/Parquet shard file (``webdataset``/``parquet`` only).
    resume : bool
        Finish an interrupted export in the folder (its ``dataset.json`` must match).
    overwrite : bool
        Replace an existing seqstudio dataset in the folder.
    """

    splits: tuple[tuple[str, float], ...] | None = None
    format: str = "png"
    jpeg_quality: int = 95
    annotations: tuple[str, ...] = ()
    masks: bool = False
    sequences_file: str | Path | None = None
    sequence_lines: tuple[tuple[str, int], ...] | None = None
    workers: int | None = None
    chunk_size: int | None = None
    images_per_file: int = 10_000
    resume: bool = False
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.splits is not None:
            object.__setattr__(self, "splits", _check_splits(self.splits))
        if self.format not in FORMATS:
            raise SpecError("format", f"{self.format!r} is not one of: {', '.join(FORMATS)}")
        _check_int("jpeg_quality", self.jpeg_quality, 1, 100)
        annotations = annotation_names(self.annotations)
        for name in annotations:
            if name not in ANNOTATIONS:
                raise SpecError("annotations", f"{name!r} is not one of: {', '.join(ANNOTATIONS)}")
        if len(set(annotations)) != len(annotations):
            raise SpecError("annotations", f"{','.join(annotations)} names a format twice")
        if "yolo" in annotations and "yolo-seg" in annotations:
            raise SpecError(
                "annotations", "yolo and yolo-seg both write <image>.txt: choose one of them"
            )
        if annotations and self.format not in ("png", "jpg"):
            raise SpecError(
                "annotations",
                f"{','.join(annotations)} needs image files; it cannot be used with format "
                f"{self.format}",
            )
        object.__setattr__(self, "annotations", tuple(a for a in ANNOTATIONS if a in annotations))
        if self.sequences_file is not None and not isinstance(self.sequences_file, (str, Path)):
            raise SpecError("sequences", f"{self.sequences_file!r} is not a file path")
        if self.sequence_lines is not None:
            if self.sequences_file is not None:
                raise SpecError(
                    "sequences", "give a sequences file or recorded sequence lines, not both"
                )
            from seqstudio.core.export.sources import lines_from_records

            lines = lines_from_records(self.sequence_lines)
            object.__setattr__(self, "sequence_lines", tuple((ln.text, ln.count) for ln in lines))
        if not isinstance(self.masks, bool):
            raise SpecError("masks", f"{self.masks!r} is not true or false")
        if self.workers is not None:
            _check_int("workers", self.workers, 1, MAX_WORKERS)
        if self.chunk_size is not None:
            _check_int("chunk_size", self.chunk_size, 1, 1_000_000)
        _check_int("images_per_file", self.images_per_file, 1, MAX_IMAGES_PER_FILE)
        if self.resume and self.overwrite:
            raise SpecError("resume", "cannot be combined with overwrite (choose one)")

    @property
    def has_sequences(self) -> bool:
        """Whether the images come from sequence lines (a file, or recorded lines)."""
        return self.sequences_file is not None or self.sequence_lines is not None

    @property
    def worker_count(self) -> int:
        """Worker processes to use (``workers`` or every core)."""
        return self.workers if self.workers is not None else max(1, os.cpu_count() or 1)

    @property
    def suffix(self) -> str:
        """File suffix of the images (``".png"``/``".jpg"``; ``""`` for npz)."""
        return {"png": ".png", "jpg": ".jpg"}.get(self.format, "")


def parse_splits(text: str) -> tuple[tuple[str, float], ...]:
    """Parse ``"train=0.8,val=0.1,test=0.1"`` into validated ``(name, ratio)`` pairs.

    Raises
    ------
    SpecError
        On a malformed item, an unknown or repeated name, a ratio outside (0, 1] or
        ratios that do not sum to 1.
    """
    pairs = []
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SpecError(
                "split", f"{item.strip()!r} is not NAME=RATIO (e.g. train=0.8,val=0.1,test=0.1)"
            )
        try:
            ratio = float(value)
        except ValueError:
            raise SpecError(
                "split", f"{name}={value.strip()!r}: {value.strip()!r} is not a number"
            ) from None
        pairs.append((name, ratio))
    return _check_splits(tuple(pairs))


def _check_splits(splits) -> tuple[tuple[str, float], ...]:
    if isinstance(splits, dict):
        splits = tuple(splits.items())
    pairs = tuple((str(n), r) for n, r in splits)
    if not pairs:
        raise SpecError("split", "is empty (e.g. train=0.8,val=0.1,test=0.1)")
    seen = set()
    for name, ratio in pairs:
        if name not in SPLIT_NAMES:
            raise SpecError(
                "split", f"{name!r} is not a known split (known: {', '.join(SPLIT_NAMES)})"
            )
        if name in seen:
            raise SpecError("split", f"{name!r} is given twice")
        seen.add(name)
        if (
            isinstance(ratio, bool)
            or not isinstance(ratio, (int, float))
            or not math.isfinite(ratio)
        ):
            raise SpecError("split", f"{name}={ratio!r} is not a number")
        if not 0 < ratio <= 1:
            raise SpecError("split", f"{name}={ratio:g} is outside the allowed range (0, 1]")
    total = sum(r for _, r in pairs)
    if abs(total - 1.0) > 1e-6:
        raise SpecError("split", f"ratios sum to {total:g}, not 1")
    order = {name: k for k, name in enumerate(SPLIT_NAMES)}
    return tuple(sorted(((n, float(r)) for n, r in pairs), key=lambda p: order[p[0]]))


def _check_int(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, f"{value!r} is not a whole number (allowed: {low} to {high})")
    if not low <= value <= high:
        raise SpecError(name, f"{value} is outside the allowed range {low} to {high}")
