"""Where an export in units writes: a local folder or any fsspec URL.

:func:`open_destination` takes a path (``data/mnist-seq``) or a URL with a scheme
(``memory://``, ``s3://bucket/prefix``, ``gs://…``, ``file://…``); URLs need the
``cluster`` extra (fsspec) and, for cloud stores, the matching fsspec backend (s3fs,
gcsfs, …), installed by the user.

Guarantees
    Every file appears complete or not at all:

    - local folders (and ``file://``): written to a hidden temporary name unique to the
      writer (``.NAME.<pid>-<random>.tmp``) in the same folder, then renamed;
    - object stores (``s3://``, ``gs://``, ``az://``, …): an object becomes visible
      only when its upload completes (a failed write is discarded), so a killed writer
      leaves no partial object (at most an incomplete multipart upload the store expires);
    - other fsspec file systems (``memory://``, ``sftp://``, ``ftp://``, ``smb://``, …)
      are written through a temporary name and ``mv``, which these stores do not all
      promise to be atomic: a kill during the rename can leave a partial file; its unit
      has no part manifest (written last), so resume writes it again.

    ``memory://`` lives in one process: use it with ``workers=1`` (tests do).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from seqstudio.core.export.errors import ExportError

#: fsspec protocols whose objects appear only once fully written.
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oci", "oss"})


def is_url(target: str | os.PathLike) -> bool:
    """Whether ``target`` is a URL with a scheme (``memory://x``), not a local path."""
    text = os.fspath(target)
    return "://" in text and not text.startswith("file://")


def _tmp_name(name: str) -> str:
    return f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


class LocalDestination:
    """An export folder on a local (or shared, e.g. NFS/Lustre) file system."""

    def __init__(self, root: str | os.PathLike) -> None:
        text = os.fspath(root)
        if text.startswith("file://"):
            text = text[len("file://") :]
        self.root = Path(text).expanduser()
        self.local_path: Path | None = self.root

    def __str__(self) -> str:
        return str(self.root)

    def _path(self, rel: str) -> Path:
        return self.root / rel

    @contextlib.contextmanager
    def open_atomic(self, rel: str) -> Iterator[BinaryIO]:
        """A binary stream whose file appears under ``rel`` only when the block succeeds."""
        path = self._path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(_tmp_name(path.name))
        try:
            with open(tmp, "wb") as handle:
                yield handle
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write ``data`` to ``rel`` atomically."""
        with self.open_atomic(rel) as handle:
            handle.write(data)

    def read_bytes(self, rel: str) -> bytes:
        """The content of ``rel``."""
        return self._path(rel).read_bytes()

    @contextlib.contextmanager
    def open_read(self, rel: str) -> Iterator[BinaryIO]:
        """A binary stream reading ``rel``."""
        with open(self._path(rel), "rb") as handle:
            yield handle

    def exists(self, rel: str) -> bool:
        """Whether the file ``rel`` exists."""
        return self._path(rel).is_file()

    def names(self, rel: str) -> set[str]:
        """Names of the files in folder ``rel`` (empty if there is no such folder)."""
        try:
            return {e.name for e in os.scandir(self._path(rel)) if e.is_file()}
        except (FileNotFoundError, NotADirectoryError):
            return set()

    def remove_tree(self, rel: str) -> None:
        """Delete folder ``rel`` and everything in it (if present)."""
        shutil.rmtree(self._path(rel), ignore_errors=True)

    def remove_file(self, rel: str) -> None:
        """Delete file ``rel`` (if present)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(rel))

    def remove_temporaries(self, rel: str) -> None:
        """Delete leftover temporary files (from killed writers) in folder ``rel``."""
        for name in self.names(rel):
            if name.startswith(".") and name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._path(rel) / name)


class FsspecDestination:
    """An export location given as an fsspec URL (``memory://``, ``s3://``, …)."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ModuleNotFoundError:
            raise ExportError(
                f"{url}: writing to a URL needs fsspec: pip install 'seqstudio[cluster]'"
            ) from None
        try:
            self.fs, path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise ExportError(f"{url}: {exc}") from None
        self.url = url
        self.root = path.rstrip("/")
        self.local_path: Path | None = None
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.atomic_objects = bool(OBJECT_STORES.intersection(protocols))

    def __str__(self) -> str:
        return self.url

    def _path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    @contextlib.contextmanager
    def open_atomic(self, rel: str) -> Iterator[BinaryIO]:
        """A binary stream whose object appears under ``rel`` only when the block succeeds."""
        path = self._path(rel)
        parent = path.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        if self.atomic_objects:
            handle = self.fs.open(path, "wb")
            try:
                yield handle
            except BaseException:
                with contextlib.suppress(Exception):
                    handle.discard()  # abort the upload: nothing is published
                raise
            handle.close()
            return
        tmp = f"{parent}/{_tmp_name(path.rsplit('/', 1)[1])}"
        try:
            with self.fs.open(tmp, "wb") as handle:
                yield handle
            self.fs.mv(tmp, path)
        except BaseException:
            with contextlib.suppress(Exception):
                self.fs.rm(tmp)
            raise

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write ``data`` to ``rel`` (atomically where the store allows, see module notes)."""
        with self.open_atomic(rel) as handle:
            handle.write(data)

    def read_bytes(self, rel: str) -> bytes:
        """The content of ``rel``."""
        return self.fs.cat_file(self._path(rel))

    @contextlib.contextmanager
    def open_read(self, rel: str) -> Iterator[BinaryIO]:
        """A binary stream reading ``rel``."""
        with self.fs.open(self._path(rel), "rb") as handle:
            yield handle

    def exists(self, rel: str) -> bool:
        """Whether the file ``rel`` exists."""
        return self.fs.isfile(self._path(rel))

    def names(self, rel: str) -> set[str]:
        """Names of the files in folder ``rel`` (empty if there is no such folder)."""
        try:
            entries = self.fs.ls(self._path(rel), detail=True)
        except FileNotFoundError:
            return set()
        return {e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e["type"] == "file"}

    def remove_tree(self, rel: str) -> None:
        """Delete folder ``rel`` and everything in it (if present)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self._path(rel), recursive=True)

    def remove_file(self, rel: str) -> None:
        """Delete file ``rel`` (if present)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._path(rel))

    def remove_temporaries(self, rel: str) -> None:
        """Delete leftover temporary files (from killed writers) in folder ``rel``."""
        for name in self.names(rel):
            if name.startswith(".") and name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    self.fs.rm(self._path(f"{rel}/{name}"))


Destination = LocalDestination | FsspecDestination


def open_destination(target: str | os.PathLike) -> Destination:
    """The destination for a local path or an fsspec URL."""
    if is_url(target):
        return FsspecDestination(os.fspath(target))
    return LocalDestination(target)
