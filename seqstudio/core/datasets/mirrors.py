"""Where the full MNIST files come from, and what they must be.

The four files and their digests are the ones torchvision's ``MNIST`` class (and most
MNIST loaders) publish. The mirror list is tried in order; it can be replaced by an
explicit list (``seqstudio data download --mirror URL``), the ``SEQSTUDIO_MNIST_MIRRORS``
environment variable (URLs separated by spaces or commas) or the ``"mnist_mirrors"`` list
in the user's ``data.json`` config (see :mod:`seqstudio.core.datasets.store`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from seqstudio.core.errors import DataError
from seqstudio.core.fileio import MAX_TEXT_BYTES, parse_json, read_bounded

#: Environment variable holding a mirror list that replaces the defaults.
MIRRORS_ENV = "SEQSTUDIO_MNIST_MIRRORS"

#: Well-known MNIST mirrors, tried in order (the original yann.lecun.com site now refuses
#: most downloads, so it is not listed).
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


@dataclass(frozen=True)
class RemoteFile:
    """One file to download and the digest it must match.

    Attributes
    ----------
    name : str
        File name, appended to each mirror's base URL and used as the local name.
    md5 : str
        Expected MD5 digest (lower-case hex) of the downloaded bytes.
    size : int or None
        Expected size in bytes, when published (lets a truncated or oversized transfer be
        caught before hashing, and gives progress a total).
    """

    name: str
    md5: str
    size: int | None = None

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise DataError(f"manifest: file name {self.name!r} must be a plain file name")
        if not re.fullmatch(r"[0-9a-f]{32}", self.md5):
            raise DataError(f"manifest: md5 {self.md5!r} of {self.name} is not 32 hex digits")
        if self.size is not None and self.size <= 0:
            raise DataError(f"manifest: size {self.size} of {self.name} must be positive")


@dataclass(frozen=True)
class Manifest:
    """The files a download fetches, in order.

    Attributes
    ----------
    files : tuple of RemoteFile
    """

    files: tuple[RemoteFile, ...]

    @property
    def total_size(self) -> int:
        """Sum of the published sizes (0 if any size is unknown)."""
        sizes = [f.size for f in self.files if f.size is not None]
        return sum(sizes) if len(sizes) == len(self.files) else 0

    @classmethod
    def from_dict(cls, data: Mapping) -> Manifest:
        """Build from ``{"files": {name: {"md5": ..., "size": ...}}}``.

        Raises
        ------
        DataError
            If the mapping does not have that shape.
        """
        files = data.get("files") if isinstance(data, Mapping) else None
        if not isinstance(files, Mapping) or not files:
            raise DataError('manifest: expected {"files": {NAME: {"md5": HEX, "size": BYTES}}}')
        entries = []
        for name, entry in files.items():
            if not isinstance(entry, Mapping) or "md5" not in entry:
                raise DataError(f"manifest: entry {name!r} needs an 'md5' field")
            size = entry.get("size")
            if size is not None and not isinstance(size, int):
                raise DataError(f"manifest: size of {name!r} must be an integer, got {size!r}")
            entries.append(RemoteFile(str(name), str(entry["md5"]).lower(), size))
        return cls(tuple(entries))

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        """Read a manifest from a JSON file (see :meth:`from_dict`)."""
        path = Path(path)
        try:
            data = parse_json(read_bounded(path, MAX_TEXT_BYTES))
        except FileNotFoundError:
            raise DataError(f"{path}: manifest file not found") from None
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: cannot read the manifest ({exc})") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        """The JSON-ready form read by :meth:`from_dict`."""
        return {"files": {f.name: {"md5": f.md5, "size": f.size} for f in self.files}}


#: The four standard MNIST files (gzip-compressed IDX), with their published digests.
MNIST_MANIFEST = Manifest(
    (
        RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
        RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881),
        RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877),
        RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542),
    )
)


def normalize_mirror(url: str, field: str = "mirror") -> str:
    """Check a mirror base URL and give it a trailing slash.

    Raises
    ------
    DataError
        If it is not an ``http://`` or ``https://`` URL with a host.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DataError(f"{field}: {url!r} is not an http:// or https:// URL")
    return url if url.endswith("/") else url + "/"


def parse_mirror_list(text: str, field: str = MIRRORS_ENV) -> tuple[str, ...]:
    """Split a mirror list separated by spaces or commas, checking each URL."""
    return tuple(normalize_mirror(u, field) for u in re.split(r"[\s,]+", text) if u)


def resolve_mirrors(
    mirrors: Iterable[str] | None = None, config: Mapping | None = None
) -> tuple[str, ...]:
    """The mirror list to use, from the first place that sets one.

    Parameters
    ----------
    mirrors : iterable of str, optional
        An explicit list (e.g. from ``--mirror``); wins over everything.
    config : mapping, optional
        The user's data config; read from disk when ``None``.

    Returns
    -------
    tuple of str
        Base URLs ending in ``/``: the explicit list, else ``$SEQSTUDIO_MNIST_MIRRORS``, else
        the config's ``"mnist_mirrors"``, else :data:`DEFAULT_MIRRORS`.

    Raises
    ------
    DataError
        If a URL is malformed or a list is empty.
    """
    if mirrors is not None:
        result = tuple(normalize_mirror(u, "--mirror") for u in mirrors)
        if not result:
            raise DataError("--mirror: the mirror list is empty")
        return result
    env = os.environ.get(MIRRORS_ENV, "").strip()
    if env:
        return parse_mirror_list(env)
    if config is None:
        from seqstudio.core.datasets.store import read_config

        config = read_config()
    configured = config.get("mnist_mirrors")
    if configured:
        if not isinstance(configured, list) or not all(isinstance(u, str) for u in configured):
            raise DataError("data.json: 'mnist_mirrors' must be a list of URL strings")
        return tuple(normalize_mirror(u, "data.json mnist_mirrors") for u in configured)
    return DEFAULT_MIRRORS
