"""The user's MNIST copies: the download folder, a remembered imported IDX folder, and a
summary of every glyph source that is available (for ``seqstudio data info``).

Folders follow platformdirs conventions (``$XDG_DATA_HOME/seqstudio`` and
``$XDG_CONFIG_HOME/seqstudio`` on Linux). The config is one small JSON file,
``data.json``, written atomically::

    {"imported_idx": "/home/me/mnist", "mnist_mirrors": ["https://.../"]}
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from seqstudio.core.errors import DataError
from seqstudio.core.fileio import MAX_TEXT_BYTES, parse_json, read_bounded

APP_NAME = "seqstudio"
CONFIG_NAME = "data.json"


def user_data_dir() -> Path:
    """seqstudio's folder for the user's data (not created)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    """seqstudio's folder for the user's configuration (not created)."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def mnist_download_dir() -> Path:
    """Where :func:`~seqstudio.core.datasets.download.download_mnist` puts the full MNIST."""
    return user_data_dir() / "mnist"


def config_path() -> Path:
    """The data config file."""
    return user_config_dir() / CONFIG_NAME


def read_config() -> dict:
    """The data config (``{}`` when there is none).

    Raises
    ------
    DataError
        If the file exists but is not a JSON object (it is left untouched).
    """
    path = config_path()
    try:
        data = parse_json(read_bounded(path, MAX_TEXT_BYTES))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the data config ({exc}); fix or delete it") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: the data config must be a JSON object; fix or delete it")
    return data


def write_config(config: dict) -> Path:
    """Write the data config atomically (a temporary file renamed over the old one).

    Raises
    ------
    DataError
        If the config folder cannot be created or written.
    """
    path = config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".data-", suffix=".json.tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(config, fh, indent=2)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DataError(f"{path}: cannot write the data config ({exc.strerror or exc})") from None
    return path


def imported_idx_folder() -> Path | None:
    """The IDX folder remembered by :func:`import_idx_folder`, if any."""
    value = read_config().get("imported_idx")
    return Path(value) if isinstance(value, str) and value else None


def import_idx_folder(folder: str | Path) -> SourceInfo:
    """Validate a folder holding the four MNIST IDX files and remember it.

    Nothing is copied: the folder is loaded once (every file checked by
    :func:`seqstudio.core.glyphs.load_idx_pools`) and its path saved in the config.

    Parameters
    ----------
    folder : str or Path
        The folder (``train-images-idx3-ubyte[.gz]`` and the three others).

    Returns
    -------
    SourceInfo
        What the folder holds.

    Raises
    ------
    DataError
        If the folder is missing, a file is missing (each one named) or invalid; the
        config is then left as it was.
    """
    from seqstudio.core.glyphs import load_idx_pools

    path = Path(folder).expanduser()
    if not path.is_dir():
        raise DataError(f"{path}: not a folder" if path.exists() else f"{path}: folder not found")
    path = path.resolve()
    pools = load_idx_pools(path)
    config = read_config()
    config["imported_idx"] = str(path)
    write_config(config)
    return _info("imported", f"idx:{path}", path, pools)


def forget_imported_folder() -> bool:
    """Forget the remembered IDX folder (the files are not touched); True if one was set."""
    config = read_config()
    if "imported_idx" not in config:
        return False
    del config["imported_idx"]
    write_config(config)
    return True


def full_mnist_source() -> str | None:
    """The source string of a full MNIST copy (imported first, then downloaded), if any.

    Only checks that the four files are present; opening the source validates them.
    """
    from seqstudio.core.glyphs import find_idx_files

    candidates = [imported_idx_folder(), mnist_download_dir()]
    for folder in candidates:
        if folder is None or not folder.is_dir():
            continue
        try:
            find_idx_files(folder)
        except DataError:
            continue
        return f"idx:{folder}"
    return None


@dataclass(frozen=True)
class SourceInfo:
    """One glyph source the user has, for ``data info`` and the GUI's source chooser.

    Attributes
    ----------
    kind : str
        ``"bundled"``, ``"downloaded"`` or ``"imported"``.
    source : str
        The source string to put in a spec (``"bundled"`` or ``"idx:DIR"``).
    location : Path or None
        The folder (``None`` for the bundled subset when it is not on disk).
    available : bool
        Whether it loaded.
    problem : str or None
        Why not, when it did not.
    counts : dict
        ``{pool: {label: count}}``.
    disk_bytes : int
        Bytes of its IDX files on disk.
    """

    kind: str
    source: str
    location: Path | None
    available: bool
    problem: str | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    disk_bytes: int = 0

    def pool_size(self, pool: str) -> int:
        """Glyphs in ``pool``."""
        return sum(self.counts.get(pool, {}).values())


def _info(kind: str, source: str, location: Path | None, pools: dict) -> SourceInfo:
    counts = {name: {lab: pool.count(lab) for lab in pool.classes} for name, pool in pools.items()}
    disk = 0
    if location is not None and location.is_dir():
        from seqstudio.core.glyphs import find_idx_files

        try:
            disk = sum(p.stat().st_size for pair in find_idx_files(location).values() for p in pair)
        except (DataError, OSError):
            disk = 0
    return SourceInfo(kind, source, location, True, None, counts, disk)


def available_sources() -> list[SourceInfo]:
    """Every source the user has: bundled, downloaded (if present), imported (if set).

    Loading each one checks it, so a folder deleted or corrupted since it was imported is
    listed with ``available=False`` and the reason.
    """
    from seqstudio.core.glyphs import open_source
    from seqstudio.core.resources import resource_path

    result = []
    bundled_dir = resource_path("mnist")
    location = Path(str(bundled_dir)) if Path(str(bundled_dir)).is_dir() else None
    result.append(_load("bundled", "bundled", location, open_source))
    downloaded = mnist_download_dir()
    if downloaded.is_dir() and any(downloaded.iterdir()):
        result.append(_load("downloaded", f"idx:{downloaded}", downloaded, open_source))
    try:
        imported = imported_idx_folder()
    except DataError as exc:
        result.append(SourceInfo("imported", "", None, False, str(exc)))
    else:
        if imported is not None:
            result.append(_load("imported", f"idx:{imported}", imported, open_source))
    return result


def _load(kind: str, source: str, location: Path | None, open_source) -> SourceInfo:
    try:
        opened = open_source(source)
    except DataError as exc:
        return SourceInfo(kind, source, location, False, str(exc))
    return _info(kind, source, location, opened.pools)
