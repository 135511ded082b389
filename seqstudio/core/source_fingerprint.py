"""A fingerprint of what a glyph source reads, so a dataset can say what it was made from.

A source string names a folder or files; their content can change while the string
stays the same. :func:`source_fingerprint` hashes the content of every file the source
reads (and a mix's weights), so an export records it in ``dataset.json`` and a resume
from changed glyphs is refused instead of silently mixing two datasets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seqstudio.core.font_glyphs import font_files, parse_mix
from seqstudio.core.glyphs import IMAGE_SUFFIXES, find_idx_files, parse_source
from seqstudio.core.resources import resource_path

__all__ = ["folder_fingerprint", "source_fingerprint"]


def source_fingerprint(source: str) -> str:
    """SHA-256 (hex) over the content of every file the source string reads.

    Covers the bundled MNIST files, the IDX files of ``idx:DIR``, every image under
    ``folder:DIR`` (with its path relative to it), the fonts of ``font:PATH`` and every
    part of a mix with its weight. Equal fingerprints mean equal glyphs.

    Raises
    ------
    SpecError
        If the source string is malformed.
    DataError
        If a file it names is missing.
    """
    digest = hashlib.sha256()
    base, others = parse_mix(source) if "+" in source else (source, [])
    for text, weight in [(base, 1.0 - sum(w for _, w in others)), *others]:
        kind, path = parse_source(text)
        digest.update(f"{kind}\0{weight!r}\0".encode())
        for name, file in _files(kind, path):
            digest.update(f"{name}\0".encode())
            digest.update(_file_sha256(file))
    return digest.hexdigest()


def folder_fingerprint(folders: list[str]) -> str:
    """SHA-256 (hex) over every image under each folder (relative path and content)."""
    digest = hashlib.sha256()
    for folder in folders:
        root = Path(folder).expanduser()
        digest.update(f"{folder}\0".encode())
        for name, file in _files("folder", root):
            digest.update(f"{name}\0".encode())
            digest.update(_file_sha256(file))
    return digest.hexdigest()


def _files(kind: str, path: Path | None) -> Iterator[tuple[str, Any]]:
    if kind == "bundled":
        folder = resource_path("mnist")
        for name in sorted(n.name for n in folder.iterdir() if n.name.endswith(".gz")):
            yield name, folder / name
        return
    assert path is not None  # every kind but "bundled" names a path
    if kind == "idx":
        for pool, pair in find_idx_files(path).items():
            for file in pair:
                yield f"{pool}/{file.name}", file
    elif kind == "font":
        for file in font_files(path):
            yield file.name, file
    else:
        for file in sorted(path.rglob("*")):
            if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file():
                yield file.relative_to(path).as_posix(), file


def _file_sha256(file: Any) -> bytes:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()
