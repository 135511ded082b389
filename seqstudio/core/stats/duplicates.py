"""Exact duplicate files, found with a cheap content key and confirmed by a full hash.

Workers send one key per file: the SHA-1 of the whole file when it is small, else the
SHA-1 of its size, first 4 KiB and last 4 KiB (hashing 50 KB images in full would cost
about as much as a tenth of their decoding). Files with equal keys are candidates only;
:class:`DuplicateFinder` confirms them by hashing both files in full, so the groups it
reports have identical bytes. The state kept is one key and one path per distinct file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Files up to this size are hashed whole by the workers.
WHOLE_FILE_LIMIT = 3 * 4096
_EDGE = 4096


def content_key(data: bytes) -> bytes:
    """The worker-side key of a file's bytes (``b"F"`` + full SHA-1, or ``b"P"`` + partial)."""
    if len(data) <= WHOLE_FILE_LIMIT:
        return b"F" + hashlib.sha1(data, usedforsecurity=False).digest()
    view = memoryview(data)
    digest = hashlib.sha1(len(data).to_bytes(8, "little"), usedforsecurity=False)
    digest.update(view[:_EDGE])
    digest.update(view[-_EDGE:])
    return b"P" + digest.digest()


def _full_hash(path: Path) -> bytes | None:
    try:
        return hashlib.sha1(path.read_bytes(), usedforsecurity=False).digest()
    except OSError:
        return None  # vanished or unreadable since the scan read it: not a confirmed copy


class DuplicateFinder:
    """Collect content keys in scan order and group files with identical bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._first: dict[bytes, str] = {}
        self._confirmed: dict[bytes, dict[bytes | None, list[str]]] = {}

    def add(self, rel: str, key: bytes) -> None:
        """Record file ``rel`` (relative to root) with its :func:`content_key`."""
        first = self._first.setdefault(key, rel)
        if first == rel:
            return
        groups = self._confirmed.get(key)
        if groups is None:
            whole = key[1:] if key[:1] == b"F" else _full_hash(self.root / first)
            groups = self._confirmed[key] = {whole: [first]}
        whole = key[1:] if key[:1] == b"F" else _full_hash(self.root / rel)
        groups.setdefault(whole, []).append(rel)

    def groups(self) -> list[list[str]]:
        """Groups of two or more identical files, each sorted, sorted by first path."""
        found = [
            sorted(paths)
            for groups in self._confirmed.values()
            for whole, paths in groups.items()
            if whole is not None and len(paths) > 1
        ]
        return sorted(found)
