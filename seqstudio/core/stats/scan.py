"""Walk a folder for image files: sorted, recursive, safe against symlink loops."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from seqstudio.core.stats.errors import StatsInputError
from seqstudio.core.stats.model import ROOT_CATEGORY, FileProblem

#: File extensions (lower case) counted as images.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
#: File names read as seqstudio manifests.
MANIFEST_NAMES = frozenset({"metadata.jsonl", "labels.csv"})

ALLOWED_TYPES = "png, jpg/jpeg, bmp, tif/tiff, webp"


@dataclass(frozen=True)
class ScanEntry:
    """One file met by the walk.

    Attributes
    ----------
    rel : str
        Path relative to the root, POSIX separators.
    category : str
        The folder holding it, relative to the root (``"."`` for the root).
    kind : str
        ``"image"``, ``"manifest"``, ``"other"`` or ``"problem"``.
    problem : FileProblem or None
        Set when ``kind == "problem"`` (unlistable folder, symlink loop, broken link).
    """

    rel: str
    category: str
    kind: str
    problem: FileProblem | None = None


def validate_root(root: str | os.PathLike[str]) -> Path:
    """Check that ``root`` is a readable folder and return it as an absolute path.

    Raises
    ------
    StatsInputError
        If it does not exist, is not a folder or cannot be listed.
    """
    path = Path(root).expanduser()
    if not path.exists():
        raise StatsInputError(f"folder not found: {str(root)!r}; give an existing folder of images")
    if not path.is_dir():
        raise StatsInputError(
            f"{str(root)!r} is a file, not a folder; give the folder that holds the images"
        )
    try:
        with os.scandir(path):
            pass
    except PermissionError as exc:
        raise StatsInputError(f"cannot read folder {str(root)!r}: permission denied") from exc
    except OSError as exc:
        raise StatsInputError(f"cannot read folder {str(root)!r}: {exc.strerror or exc}") from exc
    return path.resolve()


def _classify(name: str) -> str:
    if name in MANIFEST_NAMES:
        return "manifest"
    return "image" if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS else "other"


def walk(root: Path, cancel: Callable[[], bool] | None = None) -> Iterator[ScanEntry]:
    """Yield every file under ``root`` in a stable order (names sorted, depth first).

    Symbolic links are followed, but each real folder is entered once, so link loops
    end the descent (reported as a ``"folder"`` problem). Folders that cannot be listed
    and broken links are reported too; the walk goes on. Memory holds only the folders
    on the current path and the set of folders visited.

    Parameters
    ----------
    root : Path
        An absolute folder (see :func:`validate_root`).
    cancel : callable or None
        Polled every few hundred entries; the walk stops when it returns true.
    """
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    seen = 0
    while stack:
        folder, rel_folder = stack.pop()
        category = rel_folder or ROOT_CATEGORY
        try:
            st = folder.stat()
        except OSError as exc:
            yield _problem(rel_folder or ".", category, "folder", exc)
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            reason = "symbolic link to a folder already scanned (loop or repeat); not entered again"
            yield ScanEntry(
                rel_folder, category, "problem", FileProblem(rel_folder, "folder", reason)
            )
            continue
        visited.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield _problem(rel_folder or ".", category, "folder", exc)
            continue
        subfolders: list[tuple[Path, str]] = []
        for entry in entries:
            seen += 1
            if cancel is not None and seen % 512 == 0 and cancel():
                return
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
            except OSError as exc:
                yield _problem(rel, category, "unreadable", exc)
                continue
            if is_dir:
                subfolders.append((Path(entry.path), rel))
            elif is_file:
                yield ScanEntry(rel, category, _classify(entry.name))
            elif entry.is_symlink():
                reason = "broken symbolic link (its target does not exist)"
                yield ScanEntry(rel, category, "problem", FileProblem(rel, "unreadable", reason))
            # sockets, fifos and devices are neither images nor worth reporting
        stack.extend(reversed(subfolders))


def _problem(rel: str, category: str, kind: str, exc: OSError) -> ScanEntry:
    if exc.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        reason = exc.strerror or str(exc)
    what = "cannot list folder" if kind == "folder" else "cannot read"
    return ScanEntry(rel, category, "problem", FileProblem(rel, kind, f"{what}: {reason}"))


def count_files(root: Path, cancel: Callable[[], bool] | None = None) -> tuple[int, int]:
    """Count ``(image files, all files)`` under ``root`` (a cheap first pass for progress)."""
    images = files = 0
    for entry in walk(root, cancel):
        if entry.kind != "problem":
            files += 1
            images += entry.kind == "image"
    return images, files
