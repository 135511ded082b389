"""What each file of a folder is, from the folder's own manifests (Qt-free).

A folder *with* a manifest (``dataset.json``, ``metadata.jsonl``, ``labels.csv`` or a COCO
file) gives every file a role:

* ``image``: a file a manifest names as an image (and any other image-type file outside a
  mask folder: it is counted, and the QA checks report it as having no record);
* ``mask``: a file named by a record's ``mask_file_name``, or any image-type file in a
  mask folder (``masks/`` when ``dataset.json`` records ``"masks": true``, the folders of
  named masks, or, in a folder with manifests, a folder named like a mask folder);
* ``annotation``: manifests, COCO/YOLO files, ``data.yaml``, ``dataset.json``, tags;
* ``other``: everything else.

A *foreign* folder (no manifest at all) keeps the old rule: every image-type file is an
image. Folders named like mask folders are listed in :attr:`FolderIndex.mask_like` so the
QA checks can say they may be masks mixed into the statistics.

Without ``mask_file_name`` (exports written before it existed), an image's mask is the
file of the same stem in the export's ``masks/`` folder.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from seqstudio.core.progress import ProgressCallback, ProgressTracker
from seqstudio.core.stats.manifest import iter_manifest
from seqstudio.core.stats.model import ROOT_CATEGORY, FileProblem
from seqstudio.core.stats.records import ParamColumns, SeqRecord, read_records
from seqstudio.core.stats.scan import validate_root, walk

#: Folder names that usually hold masks, not images (matched case-insensitively).
MASK_FOLDER = re.compile(
    r"^(masks?|.*[_-]masks?|segmentations?|seg|instances?|annotations?)$", re.I
)
DATASET_JSON = "dataset.json"
TAGS_FILE = "seqstudio-tags.json"
ANNOTATION_NAMES = frozenset({DATASET_JSON, "data.yaml", "classes.txt", TAGS_FILE})
ROLES = ("image", "mask", "annotation", "other")


@dataclass(slots=True)
class IndexedImage:
    """One image: path relative to the root, category (its folder) and its record."""

    rel: str
    category: str
    label: str | None = None
    boxes: tuple[tuple[int, int, int, int], ...] | None = None
    mask: str | None = None
    row: int = -1  # position in FolderIndex.params (-1: no seqstudio record)

    @property
    def caption(self) -> str:
        """The label from the manifest, else the file name."""
        return self.label if self.label is not None else self.rel.rsplit("/", 1)[-1]

    @property
    def length(self) -> int | None:
        """Characters of the label (``None`` without a label)."""
        return None if self.label is None else len(self.label)


@dataclass
class FolderIndex:
    """Every image-type file of a folder with its role, and what the manifests say.

    Attributes
    ----------
    root : str
        The folder (absolute).
    images : list of IndexedImage
        Files with the role ``image``, in scan order.
    masks : dict of str to str or None
        Mask files found (relative paths) -> the image they belong to, if known.
    expected_masks : dict of str to IndexedImage
        Masks the manifests point to (found or not).
    categories : list of str
        Folders holding images, sorted.
    manifests : list of str
        ``metadata.jsonl`` / ``labels.csv`` files read.
    coco : list of str
        COCO files found.
    role_counts : dict of str to int
        Files per role (``image``, ``mask``, ``annotation``, ``other``).
    has_manifest : bool
        Whether the folder has any manifest (else every image-type file is an image).
    is_seqstudio : bool
        Whether it is a seqstudio export (``dataset.json`` or glyph records).
    mask_like : dict of str to int
        Folders named like mask folders whose files were counted as images -> file count.
    named : dict of str to set of str
        Per manifest, the image paths it names (for file/manifest mismatches).
    glyphs : dict of str to set of tuple
        Per split (manifest folder), the ``(pool, glyph index)`` pairs its records use.
    params : ParamColumns
        Recorded augmentation parameters, one row per seqstudio record.
    non_images : list of str
        Files that are not image types and not ``metadata.jsonl``/``labels.csv``.
    problems : list of FileProblem
        Bad manifest lines and unreadable files met while indexing.
    """

    root: str
    images: list[IndexedImage] = field(default_factory=list)
    masks: dict[str, str | None] = field(default_factory=dict)
    expected_masks: dict[str, IndexedImage] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    coco: list[str] = field(default_factory=list)
    role_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    has_manifest: bool = False
    is_seqstudio: bool = False
    mask_like: dict[str, int] = field(default_factory=dict)
    named: dict[str, set[str]] = field(default_factory=dict)
    glyphs: dict[str, set[tuple[str, int]]] = field(default_factory=dict)
    params: ParamColumns = field(default_factory=ParamColumns)
    non_images: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    def by_rel(self) -> dict[str, IndexedImage]:
        """Images by relative path."""
        return {image.rel: image for image in self.images}


def _is_coco(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith(".json") or name in (DATASET_JSON, TAGS_FILE):
        return False
    if "coco" in name or name in ("instances.json", "annotations.json"):
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return b'"images"' in head and b'"annotations"' in head


def _coco_images(path: Path, base: str) -> list[str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    images = doc.get("images") if isinstance(doc, dict) else None
    names = []
    for image in images if isinstance(images, list) else []:
        name = image.get("file_name") if isinstance(image, dict) else None
        if isinstance(name, str):
            names.append(posixpath.normpath(posixpath.join(base, name)))
    return names


def _read_dataset_json(root: Path) -> dict | None:
    try:
        doc = json.loads((root / DATASET_JSON).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") == "seqstudio.dataset" else None


def _under(rel: str, folders: Iterable[str]) -> bool:
    return any(rel == f or rel.startswith(f + "/") for f in folders if f)


def build_index(
    root: str | os.PathLike[str],
    cancel: Callable[[], bool] | None = None,
    progress: ProgressCallback | None = None,
) -> FolderIndex:
    """Walk ``root`` once, read its manifests and give every file a role.

    Parameters
    ----------
    root : path
        The folder.
    cancel : callable or None
        Polled by the walk and between manifest records; when it returns true the index
        is what was found so far.
    progress : callable or None
        Receives :class:`~seqstudio.core.progress.Progress` while manifests are read
        (``done``: records read, ``total`` 0: unknown), a few times a second, so a
        manifest of millions of rows shows that work is going on.

    Returns
    -------
    FolderIndex
    """
    folder = validate_root(root)
    index = FolderIndex(str(folder))
    image_files: list[tuple[str, str]] = []
    other_files: list[str] = []
    dataset = _read_dataset_json(folder)
    for entry in walk(folder, cancel):
        if entry.kind == "image":
            image_files.append((entry.rel, entry.category))
        elif entry.kind == "manifest":
            index.manifests.append(entry.rel)
        elif entry.kind == "other":
            index.non_images.append(entry.rel)
            if _is_coco(folder / entry.rel):
                index.coco.append(entry.rel)
            else:
                other_files.append(entry.rel)
        elif entry.problem is not None:
            index.problems.append(entry.problem)
    index.has_manifest = bool(index.manifests or index.coco or dataset is not None)
    index.is_seqstudio = dataset is not None

    labels: dict[str, str] = {}
    records: dict[str, SeqRecord] = {}
    mask_folders: set[str] = set()
    settings = dataset.get("settings", {}) if dataset else {}
    if isinstance(settings, dict) and settings.get("masks") and settings.get("format") != "npz":
        mask_folders.add("masks")
    # metadata.jsonl first: it carries boxes, masks and glyphs; labels.csv adds labels.
    reading = ProgressTracker(0, progress, min_interval=0.25)
    for manifest in sorted(index.manifests, key=lambda m: not m.endswith(".jsonl")):
        named = index.named.setdefault(manifest, set())
        if manifest.endswith(".jsonl"):
            split = posixpath.dirname(manifest) or ROOT_CATEGORY
            glyphs = index.glyphs.setdefault(split, set())
            for item in read_records(folder, manifest, index.params):
                reading.advance()
                if cancel is not None and reading.done % 4096 == 0 and cancel():
                    break
                if isinstance(item, FileProblem):
                    index.problems.append(item)
                    continue
                if item.rel is None:
                    continue  # a row of a packed array file (npz)
                named.add(item.rel)
                if item.glyphs:
                    index.is_seqstudio = True
                    glyphs.update(item.glyphs)
                if item.mask is not None:
                    mask_folders.add(posixpath.dirname(item.mask))
                records.setdefault(item.rel, item)
                if item.label is not None:
                    labels.setdefault(item.rel, item.label)
        else:
            for row in iter_manifest(folder, manifest):
                if isinstance(row, FileProblem):
                    index.problems.append(row)
                else:
                    named.add(row[0])
                    labels.setdefault(row[0], row[1])
    coco_named: set[str] = set()
    for coco in index.coco:
        coco_named.update(_coco_images(folder / coco, posixpath.dirname(coco)))
    named_any = set(labels) | set(records) | coco_named

    stem_masks = "masks" in mask_folders and not any(r.mask for r in records.values())
    stemmed: list[IndexedImage] = []
    for rel, category in image_files:
        parent = posixpath.dirname(rel)
        if rel in named_any:
            role = "image"
        elif _under(rel, mask_folders) or (stem_masks and posixpath.basename(parent) == "masks"):
            role = "mask"
        elif index.has_manifest and MASK_FOLDER.match(posixpath.basename(parent) or ""):
            role = "mask"  # an export's unnamed masks, e.g. a stray file in masks/
        else:
            role = "image"
            if not index.has_manifest and _mask_like_folder(parent):
                top = _mask_like_folder(parent) or parent
                index.mask_like[top] = index.mask_like.get(top, 0) + 1
        index.role_counts[role] += 1
        if role == "mask":
            index.masks[rel] = None
            continue
        record = records.get(rel)
        image = IndexedImage(
            rel,
            category,
            labels.get(rel),
            record.boxes if record else None,
            record.mask if record else None,
            record.row if record else -1,
        )
        index.images.append(image)
        if image.mask is None and stem_masks and record is not None:
            stemmed.append(image)
    for image in stemmed:  # masks/<stem>.png at the root, or <split>/masks/<stem>.png
        stem = posixpath.splitext(posixpath.basename(image.rel))[0]
        nested = posixpath.join(posixpath.dirname(image.rel), "masks", f"{stem}.png")
        image.mask = nested if nested in index.masks else f"masks/{stem}.png"
    for image in index.images:
        if image.mask is not None:
            index.expected_masks[image.mask] = image
            if image.mask in index.masks:
                index.masks[image.mask] = image.rel
    n_annotations = len(index.manifests) + len(index.coco)
    for rel in other_files:
        name = posixpath.basename(rel)
        is_annotation = name in ANNOTATION_NAMES or (
            index.has_manifest and name.endswith(".txt") and _has_image_stem(rel, named_any)
        )
        n_annotations += is_annotation
    index.role_counts["annotation"] = n_annotations
    index.role_counts["other"] = len(other_files) + len(index.manifests) + len(index.coco)
    index.role_counts["other"] -= n_annotations
    index.categories = sorted({image.category for image in index.images})
    return index


def _has_image_stem(rel: str, named: set[str]) -> bool:
    stem = posixpath.splitext(rel)[0]
    return any(f"{stem}{ext}" in named for ext in (".png", ".jpg", ".jpeg"))


def _mask_like_folder(parent: str) -> str | None:
    """The first folder on ``parent``'s path named like a mask folder, if any."""
    parts = parent.split("/") if parent else []
    for depth, part in enumerate(parts):
        if MASK_FOLDER.match(part):
            return "/".join(parts[: depth + 1])
    return None
