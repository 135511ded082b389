"""What the inspector learns about a folder beyond the statistics engine (no Qt).

* :func:`index_folder`: every image with its category and, from seqstudio manifests, its
  label and boxes (for the gallery and the sample viewer);
* :func:`check_dataset`: for seqstudio exports, manifest/file mismatches and glyphs
  shared across splits (from each record's ``pool`` and ``glyph_indices``);
* :func:`intensity_histogram`: a grey-level histogram of a seeded sample of images;
* :func:`load_display_image`: decode one image for display (RGB or grey, 8 bit).

All of it runs on worker threads.
"""

from __future__ import annotations

import json
import os
import posixpath
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from seqstudio.core.stats.decode import DEFAULT_MAX_PIXELS, open_image
from seqstudio.core.stats.manifest import iter_manifest
from seqstudio.core.stats.model import FileProblem
from seqstudio.core.stats.scan import validate_root, walk

#: Images sampled for the pixel-intensity histogram.
HISTOGRAM_SAMPLE = 1000
#: Problems listed per kind before the rest are only counted.
MAX_LISTED = 200


@dataclass(frozen=True)
class IndexedImage:
    """One image of a folder: path relative to the root, category, label and boxes."""

    rel: str
    category: str
    label: str | None = None
    boxes: tuple[tuple[int, int, int, int], ...] | None = None

    @property
    def caption(self) -> str:
        """The label from the manifest, else the file name."""
        return self.label if self.label is not None else self.rel.rsplit("/", 1)[-1]


@dataclass
class FolderIndex:
    """Every image of a folder, in scan order, with what the manifests say about it."""

    root: str
    images: list[IndexedImage]
    categories: list[str]
    manifests: list[str]
    records: dict[str, list[dict]] = field(default_factory=dict)  # metadata.jsonl -> records

    @property
    def is_seqstudio(self) -> bool:
        """Whether the folder is a seqstudio export (``dataset.json`` or glyph records)."""
        if (Path(self.root) / "dataset.json").is_file():
            return True
        return any("glyph_indices" in r for recs in self.records.values() for r in recs[:1])


@dataclass(frozen=True)
class DatasetChecks:
    """Mismatches between manifests and files, glyphs shared across splits, histogram."""

    mismatches: list[FileProblem]
    shared_glyphs: list[FileProblem]
    intensity: list[int]
    intensity_images: int
    is_seqstudio: bool


def _read_records(path: Path) -> tuple[list[dict], int]:
    records, bad = [], 0
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    bad += 1
                    continue
                if isinstance(record, dict):
                    records.append(record)
                else:
                    bad += 1
    except OSError:
        bad += 1
    return records, bad


def _boxes(value) -> tuple[tuple[int, int, int, int], ...] | None:
    if not isinstance(value, list):
        return None
    try:
        return tuple(tuple(int(v) for v in box[:4]) for box in value if len(box) >= 4)
    except (TypeError, ValueError):
        return None


def index_folder(
    root: str | os.PathLike[str], cancel: Callable[[], bool] | None = None
) -> FolderIndex:
    """List a folder's images (scan order) with labels and boxes from its manifests."""
    folder = validate_root(root)
    rels: list[tuple[str, str]] = []
    manifests: list[str] = []
    for entry in walk(folder, cancel):
        if entry.kind == "image":
            rels.append((entry.rel, entry.category))
        elif entry.kind == "manifest":
            manifests.append(entry.rel)
    labels: dict[str, str] = {}
    boxes: dict[str, tuple] = {}
    records: dict[str, list[dict]] = {}
    for manifest in sorted(manifests, key=lambda m: not m.endswith(".jsonl")):
        if manifest.endswith(".jsonl"):
            recs, _ = _read_records(folder / manifest)
            records[manifest] = recs
            base = posixpath.dirname(manifest)
            for record in recs:
                name = record.get("file_name") or record.get("file")
                if not isinstance(name, str):
                    continue
                rel = posixpath.normpath(posixpath.join(base, name))
                label = record.get("label")
                if isinstance(label, str) and rel not in labels:
                    labels[rel] = label
                    found = _boxes(record.get("boxes"))
                    if found is not None:
                        boxes[rel] = found
        else:
            for item in iter_manifest(folder, manifest):
                if not isinstance(item, FileProblem):
                    labels.setdefault(item[0], item[1])
    images = [IndexedImage(rel, cat, labels.get(rel), boxes.get(rel)) for rel, cat in rels]
    categories = sorted({cat for _, cat in rels})
    return FolderIndex(str(folder), images, categories, manifests, records)


def _mismatches(index: FolderIndex) -> list[FileProblem]:
    root = Path(index.root)
    problems: list[FileProblem] = []
    images_by_folder: dict[str, set[str]] = defaultdict(set)
    for image in index.images:
        images_by_folder[posixpath.dirname(image.rel)].add(image.rel)
    for manifest, recs in sorted(index.records.items()):
        base = posixpath.dirname(manifest)
        named: set[str] = set()
        missing = 0
        for record in recs:
            name = record.get("file_name")
            if not isinstance(name, str):
                continue  # npz datasets number rows, not files
            rel = posixpath.normpath(posixpath.join(base, name))
            named.add(rel)
            if not (root / rel).is_file():
                missing += 1
                if missing <= MAX_LISTED:
                    problems.append(
                        FileProblem(rel, "missing file", f"named by {manifest} but not on disk")
                    )
        if not named:
            continue
        unlisted = sorted(images_by_folder.get(base, set()) - named)
        for rel in unlisted[:MAX_LISTED]:
            problems.append(FileProblem(rel, "no record", f"an image with no record in {manifest}"))
        if len(unlisted) > MAX_LISTED:
            problems.append(
                FileProblem(
                    base or ".", "no record", f"{len(unlisted) - MAX_LISTED} more not listed"
                )
            )
        if missing > MAX_LISTED:
            problems.append(
                FileProblem(manifest, "missing file", f"{missing - MAX_LISTED} more not listed")
            )
    return problems


def _shared_glyphs(index: FolderIndex) -> list[FileProblem]:
    """Glyphs (pool, index) used by more than one split's manifest."""
    used: dict[str, set[tuple[str, int]]] = {}
    for manifest, recs in index.records.items():
        split = posixpath.dirname(manifest) or "."
        glyphs = used.setdefault(split, set())
        for record in recs:
            pool, indices = record.get("pool"), record.get("glyph_indices")
            if isinstance(pool, str) and isinstance(indices, list):
                glyphs.update((pool, int(i)) for i in indices)
    problems = []
    names = sorted(used)
    for a_pos, a in enumerate(names):
        for b in names[a_pos + 1 :]:
            shared = sorted(used[a] & used[b])
            if shared:
                examples = ", ".join(f"{pool} #{i}" for pool, i in shared[:8])
                more = f" and {len(shared) - 8} more" if len(shared) > 8 else ""
                problems.append(
                    FileProblem(
                        f"{a} ∩ {b}",
                        "shared glyph",
                        f"{len(shared)} glyphs used by both splits: {examples}{more}",
                    )
                )
    return problems


def to_gray8(image: Image.Image) -> np.ndarray:
    """An image's grey levels as uint8 (16-bit scaled by 257, alpha ignored)."""
    if image.mode.startswith("I") or image.mode == "F":
        array = np.asarray(image).astype(np.float64)
        top = 65535.0 if image.mode != "F" else max(float(array.max()), 1e-12)
        return np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.asarray(image.convert("L"))


def intensity_histogram(
    index: FolderIndex, sample: int = HISTOGRAM_SAMPLE, seed: int = 0
) -> tuple[list[int], int]:
    """Grey-level counts (256 bins) over a seeded sample of images; ``(counts, images)``."""
    root = Path(index.root)
    images = index.images
    if len(images) > sample:
        images = random.Random(seed).sample(images, sample)
    counts = np.zeros(256, np.int64)
    used = 0
    for image in images:
        try:
            decoded = open_image((root / image.rel).read_bytes(), DEFAULT_MAX_PIXELS)
        except Exception:  # noqa: BLE001 - bad files are the problems list's business
            continue
        counts += np.bincount(to_gray8(decoded).ravel(), minlength=256)
        used += 1
    return counts.tolist(), used


def check_dataset(index: FolderIndex) -> DatasetChecks:
    """Mismatches and shared glyphs (seqstudio exports) and the intensity histogram."""
    ours = index.is_seqstudio
    mismatches = _mismatches(index) if ours else []
    shared = _shared_glyphs(index) if ours else []
    counts, used = intensity_histogram(index)
    return DatasetChecks(mismatches, shared, counts, used, ours)


def load_display_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode ``path`` for display: ``(H, W)`` grey or ``(H, W, 3)`` RGB uint8.

    Raises
    ------
    Exception
        The file cannot be read or decoded (the caller shows a placeholder).
    """
    image = open_image(Path(path).read_bytes(), DEFAULT_MAX_PIXELS)
    if image.mode in ("L", "1", "P") and image.mode != "P":
        return np.asarray(image.convert("L"))
    if image.mode.startswith("I") or image.mode == "F":
        return to_gray8(image)
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (24, 24, 24, 255))
        return np.asarray(Image.alpha_composite(canvas, rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))
