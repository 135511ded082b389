"""Every file an export writes, with its size and SHA-256: recorded, checked, repaired.

Per split, ``checksums/<split>.jsonl`` lists each file written for each image (image, mask,
YOLO text) as ``{"index": 12, "path": "train/000012.png", "size": 301, "sha256": ...}``,
appended chunk by chunk *before* the chunk's manifest records, so every recorded image
has its file records. The files written last (manifests, COCO, YAML, npz arrays, the
lists themselves) are recorded in ``dataset.json`` under ``files`` when the export
completes.

:func:`check_dataset` checks every recorded file (and changes nothing);
:func:`owned_entries` says which entries of a folder an export wrote, so that overwrite
removes only those. Paths are checked to lie inside the folder before any file system
access: a path such as ``../../x`` is reported as a problem, never opened or stat'ed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from seqstudio.core.export import writers
from seqstudio.core.fileio import contained_path

CHECKSUM_DIR = "checksums"
#: Names an export may create directly in its folder (besides the split folders).
TOP_LEVEL = (
    "dataset.json",
    writers.YOLO_YAML,
    writers.CARD_NAME,
    writers.MASK_DIR,
    writers.PARTIAL_DIR,
    CHECKSUM_DIR,
)
#: Names an export may create in a split folder (besides image, mask and YOLO files).
SPLIT_LEVEL = (
    writers.METADATA,
    writers.LABELS_CSV,
    writers.COCO_NAME,
    "images.npy",
    "masks.npy",
    "labels.npz",
)
HASH_BLOCK = 1 << 20


def file_list(out: Path, split: str) -> Path:
    """The file list of ``split``: ``checksums/<split>.jsonl``."""
    return out / CHECKSUM_DIR / f"{split}.jsonl"


def file_line(index: int, rel_path: str, data: bytes) -> str:
    """The file-list line of one file written with ``data``."""
    digest = hashlib.sha256(data).hexdigest()
    # Our own names ("train/000042.png") need no JSON escaping: skip json.dumps for them.
    plain = rel_path.isascii() and rel_path.isprintable() and not _ESCAPED.intersection(rel_path)
    path = f'"{rel_path}"' if plain else json.dumps(rel_path)
    return f'{{"index": {index}, "path": {path}, "size": {len(data)}, "sha256": "{digest}"}}\n'


_ESCAPED = frozenset('"\\')


def hash_file(path: str | Path) -> tuple[int, str]:
    """``(size, sha256 hex)`` of a file, read in blocks."""
    with open(path, "rb") as handle:
        return hash_stream(handle)


def hash_stream(handle: BinaryIO) -> tuple[int, str]:
    """``(size, sha256 hex)`` of what is left to read in a binary stream, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    while block := handle.read(HASH_BLOCK):
        digest.update(block)
        size += len(block)
    return size, digest.hexdigest()


def safe_relative(rel_path: object) -> str | None:
    """``rel_path`` normalised if it stays inside the export folder (lexical only)."""
    return contained_path("", rel_path)


def recover_file_list(out: Path, split: str, end_index: int) -> None:
    """Cut a split's file list to the records of images below ``end_index`` (after a kill).

    Records are in index order, so only the tail is read: a torn last line and the
    records of images that have no manifest record are dropped.
    """
    path = file_list(out, split)
    if not path.exists():
        return
    with open(path, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        keep = 0
        for k, (offset, line) in enumerate(_lines_backwards(handle, size)):
            if k == 0:
                continue  # after the last newline: empty, or a torn line
            try:
                index = json.loads(line)["index"]
            except (ValueError, KeyError, TypeError):
                continue
            if isinstance(index, int) and index < end_index:
                keep = offset + len(line) + 1
                break
        if keep != size:
            handle.truncate(keep)


def _lines_backwards(handle, size: int) -> Iterator[tuple[int, bytes]]:
    """``(offset, line without newline)`` from the end; first the piece after the last newline."""
    pos, head = size, b""
    while pos > 0:
        start = max(0, pos - (1 << 16))
        handle.seek(start)
        parts = (handle.read(pos - start) + head).split(b"\n")
        head = parts[0]
        offset = start + len(head) + 1
        found = []
        for part in parts[1:]:
            found.append((offset, part))
            offset += len(part) + 1
        yield from reversed(found)
        pos = start
    yield 0, head


@dataclass
class Problem:
    """One damaged, missing or unsafe recorded file."""

    path: str
    reason: str
    split: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class CheckReport:
    """What :func:`check_dataset` found.

    Attributes
    ----------
    checked : int
        Recorded files checked.
    problems : list of Problem
        Every recorded file that is missing, has another size or content, or whose
        recorded path leaves the folder.
    """

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every recorded file is intact."""
        return not self.problems

    def images_to_redo(self) -> dict[str, set[int]]:
        """``split -> indices`` of images with a missing or damaged file."""
        redo: dict[str, set[int]] = {}
        for problem in self.problems:
            if problem.index is not None and problem.split is not None:
                redo.setdefault(problem.split, set()).add(problem.index)
        return redo

    def final_files(self) -> list[str]:
        """Damaged files that are recorded in ``dataset.json`` (written at completion)."""
        return [p.path for p in self.problems if p.index is None and p.split is None]

    def summary(self, limit: int = 3) -> str:
        """One line: how many problems, and the first few."""
        shown = "; ".join(str(p) for p in self.problems[:limit])
        more = len(self.problems) - limit
        return shown + (f"; and {more:,} more" if more > 0 else "")


def _check_one(out: Path, rel: str, size: object, sha: object) -> str | None:
    path = out / rel
    try:
        actual = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not os.path.isfile(path) or os.path.islink(path):
        return "is not a regular file"
    if actual.st_size != size:
        return f"{actual.st_size:,} bytes, recorded {size:,}"
    try:
        _, digest = hash_file(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if digest != sha:
        return "content differs from its recorded SHA-256"
    return None


def iter_file_records(out: Path, split: str) -> Iterator[tuple[int | None, object, object, object]]:
    """``(index, path, size, sha256)`` of each line of a split's file list."""
    path = file_list(out, split)
    if not path.is_file():
        return
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return  # torn by a kill: cut off by the next resume, never recorded
            try:
                record = json.loads(line)
                yield record["index"], record["path"], record["size"], record["sha256"]
            except (ValueError, KeyError, TypeError, RecursionError):
                yield None, None, None, None


def check_dataset(out: Path, doc: dict, workers: int = 4) -> CheckReport:
    """Check every file an export folder records (nothing is changed).

    Parameters
    ----------
    out : Path
        The export folder.
    doc : dict
        Its ``dataset.json``.
    workers : int
        Threads reading and hashing files.

    Returns
    -------
    CheckReport
    """
    report = CheckReport()
    tasks: list[tuple[str, object, object, str | None, int | None]] = []
    for name, info in (doc.get("settings", {}).get("splits") or {}).items():
        if name not in ("train", "val", "test") or not isinstance(info, dict):
            continue
        for index, rel, size, sha in iter_file_records(out, name):
            if index is None:
                rel_list = f"{CHECKSUM_DIR}/{name}.jsonl"
                report.problems.append(Problem(rel_list, "has a damaged line"))
                continue
            safe = safe_relative(rel)
            if safe is None:
                report.problems.append(
                    Problem(str(rel), "recorded path leaves the dataset folder", name, None)
                )
                continue
            tasks.append((safe, size, sha, name, index))
    for rel, entry in (doc.get("files") or {}).items():
        safe = safe_relative(rel)
        if safe is None:
            report.problems.append(Problem(str(rel), "recorded path leaves the dataset folder"))
            continue
        size, sha = (entry + [None, None])[:2] if isinstance(entry, list) else (None, None)
        tasks.append((safe, size, sha, None, None))
    with ThreadPoolExecutor(max(1, workers)) as pool:
        verdicts = pool.map(lambda t: _check_one(out, t[0], t[1], t[2]), tasks, chunksize=64)
        for task, verdict in zip(tasks, verdicts):
            report.checked += 1
            if verdict is not None:
                report.problems.append(Problem(task[0], verdict, task[3], task[4]))
    return report


def record_final_files(out: Path, split_names: list[str], fmt: str) -> dict[str, list]:
    """``{relative path: [size, sha256]}`` of the files an export writes at completion."""
    names = [writers.METADATA]
    if fmt == "npz":
        names += ["labels.npz", "images.npy", "masks.npy"]
    else:
        names += [writers.LABELS_CSV, writers.COCO_NAME]
    found: dict[str, list] = {}
    for split in split_names:
        for name in names:
            path = out / split / name
            if path.is_file():
                found[f"{split}/{name}"] = list(hash_file(path))
    for rel in [writers.YOLO_YAML, writers.CARD_NAME] + [
        f"{CHECKSUM_DIR}/{split}.jsonl" for split in split_names
    ]:
        if (out / rel).is_file():
            found[rel] = list(hash_file(out / rel))
    return found


def owned_entries(out: Path, doc: dict) -> tuple[list[Path], list[Path]]:
    """Which entries of ``out`` a seqstudio export wrote, and which it did not.

    An export's own files are: the names it always uses (``dataset.json``, manifests,
    file lists, COCO/YOLO files, npz arrays, its hidden temporary files and lock), the
    files its file lists name, and image/mask/YOLO files named by its
    numbering (those of images cut short before they were recorded). Nothing else.

    Returns
    -------
    (owned, foreign) : lists of Path
        Files and folders; a folder is owned only if everything in it is.
    """
    splits = [
        n for n in (doc.get("settings", {}).get("splits") or {}) if n in ("train", "val", "test")
    ]
    listed: set[str] = set()
    for split in splits:
        for _, rel, _, _ in iter_file_records(out, split):
            safe = safe_relative(rel)
            if safe is not None:
                listed.add(safe)
    count = doc.get("settings", {}).get("count")
    digits = writers.name_digits(count) if isinstance(count, int) and count > 0 else 6

    def ours(rel: str, name: str, folder: str | None) -> bool:
        if rel in listed or (name.startswith(".") and name.endswith(writers.TMP_SUFFIX)):
            return True
        stem, _, ext = name.partition(".")
        numbered = stem.isdigit() and len(stem) == digits
        if folder in splits:
            return name in SPLIT_LEVEL or (numbered and ext in ("png", "jpg", "txt"))
        if folder == writers.MASK_DIR:
            return numbered and ext == "png"
        if folder == writers.PARTIAL_DIR:
            return name.endswith(".npy")
        if folder == CHECKSUM_DIR:
            return name in {f"{split}.jsonl" for split in splits}
        return False

    owned: list[Path] = []
    foreign: list[Path] = []
    for entry in sorted(out.iterdir()):
        name = entry.name
        if name == ".seqstudio.lock":
            continue
        if name in splits or name in (writers.MASK_DIR, writers.PARTIAL_DIR, CHECKSUM_DIR):
            if entry.is_symlink() or not entry.is_dir():
                foreign.append(entry)
                continue
            inside_foreign = []
            for child in sorted(entry.iterdir()):
                rel = f"{name}/{child.name}"
                if name in splits and child.name == writers.MASK_DIR and child.is_dir():
                    # <split>/masks/: the instance masks of the split's images
                    inside_foreign += [
                        mask
                        for mask in sorted(child.iterdir())
                        if mask.is_symlink()
                        or not mask.is_file()
                        or not ours(f"{rel}/{mask.name}", mask.name, writers.MASK_DIR)
                    ]
                elif child.is_symlink() or not child.is_file() or not ours(rel, child.name, name):
                    inside_foreign.append(child)
            if inside_foreign:
                foreign.extend(inside_foreign)
            else:
                owned.append(entry)
        elif entry.is_file() and not entry.is_symlink() and _own_top_level(name):
            owned.append(entry)
        else:
            foreign.append(entry)
    return owned, foreign


def _own_top_level(name: str) -> bool:
    if name in TOP_LEVEL and name not in (writers.MASK_DIR, writers.PARTIAL_DIR, CHECKSUM_DIR):
        return True
    return name.startswith(".") and name.endswith(writers.TMP_SUFFIX)
