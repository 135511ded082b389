"""The export folder: is it usable, what is in it already, and preparing it for writing.

:func:`check_folder` runs before anything is written (empty / resume / overwrite, write
permission, free space); :func:`open_splits` creates the split folders and recovers the
manifests of an interrupted export; :func:`recorded_count` counts the images recorded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
from pathlib import Path

import numpy as np

from seqstudio.core.export import writers
from seqstudio.core.export.checksums import (
    CHECKSUM_DIR,
    CheckReport,
    check_dataset,
    owned_entries,
    recover_file_list,
)
from seqstudio.core.export.errors import ExportError, FolderNotEmptyError
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.lock import LOCK_NAME, ExportLockedError, lock_holder
from seqstudio.core.export.manifest import (
    DATASET_JSON,
    first_difference,
    last_record,
    read_dataset_json,
    recover_manifests,
)
from seqstudio.core.export.settings import ExportSettings

#: Extra bytes required beyond the estimate, and relative margin.
SPACE_MARGIN = (16 << 20, 1.10)
#: Allocation unit assumed for small files.
FILE_BLOCK = 4096


def check_folder(job: ExportJob, check_space: bool = True) -> None:
    """Check that ``job.out_dir`` can take the export; sets ``job.previous`` on resume.

    ``check_space=False`` leaves out the free-space check (a ``--dry-run`` plan states the
    size instead of refusing it).

    Raises
    ------
    ExportError
        Not a folder, unwritable, not empty (without resume/overwrite), settings that
        differ from the dataset being resumed, or too little free space.
    """
    out, opts = job.out_dir, job.options
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    existing = out if out.is_dir() else _existing_parent(out)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ExportError(f"{existing} is not writable")
    holder = lock_holder(out) if out.is_dir() else None
    if holder is not None:
        raise ExportLockedError(out, holder or None)
    entries = [e for e in out.iterdir() if e.name != LOCK_NAME] if out.is_dir() else []
    remaining = job.plan.total
    if entries:
        if opts.resume:
            doc = read_dataset_json(out)
            diff = _settings_difference(job, doc["settings"], out / DATASET_JSON)
            if diff:
                raise ExportError(
                    f"cannot resume {out}: its dataset was made with other settings ({diff})"
                )
            job.previous = doc
            remaining = max(remaining - recorded_count(job), 0)
        elif opts.overwrite:
            owned_for_overwrite(out)
        else:
            raise FolderNotEmptyError(
                out,
                f"{out} is not empty; use resume to finish the export there or overwrite to replace it",
            )
    need = remaining * job.bytes_per_image * SPACE_MARGIN[1] + SPACE_MARGIN[0]
    free = shutil.disk_usage(existing).free
    if opts.overwrite and entries:
        free += _tree_size(out)
    if check_space and need > free:
        raise ExportError(
            f"not enough free space for {out}: about {need / 1e6:,.0f} MB needed, {free / 1e6:,.0f} MB free"
        )


def verify_export(out_dir: str | Path) -> tuple[dict, CheckReport]:
    """Check every file the export in ``out_dir`` records; change nothing.

    Returns
    -------
    (dataset.json, CheckReport)

    Raises
    ------
    ExportError
        No readable seqstudio ``dataset.json``, or another process is writing the folder.
    """
    out = Path(out_dir).expanduser()
    if not out.is_dir():
        raise ExportError(f"{out} is not a folder")
    holder = lock_holder(out)
    if holder is not None:
        raise ExportLockedError(out, holder or None)
    doc = read_dataset_json(out)
    return doc, check_dataset(out, doc)


def recorded_count(job: ExportJob) -> int:
    """Images the folder's manifests record (0 for a new export)."""
    total = 0
    for info in job.plan.splits:
        path = job.out_dir / info.name / writers.METADATA
        with contextlib.suppress(OSError), open(path, "rb") as handle:
            total += sum(
                block.count(b"\n") for block in iter(functools.partial(handle.read, 1 << 20), b"")
            )
    return total


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ExportError(f"{parent} is not a folder, so {path} cannot be created")
            return parent
    return Path("/")


def _tree_size(path: Path) -> int:
    size = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                size += os.lstat(os.path.join(root, name)).st_blocks * 512
    return size


def _settings_difference(job: ExportJob, record: dict, path: Path) -> str | None:
    """The first way ``job`` differs from the settings ``record``ed, as text, or ``None``."""
    recorded = ExportSettings.from_record(record, path)
    options = job.options
    if options.has_sequences:
        lines = tuple((line.text, line.count) for line in job.plan.lines)
        options = dataclasses.replace(options, sequences_file=None, sequence_lines=lines)
    ours = ExportSettings(job.spec, job.plan.total, options)
    for found in ours.diff(recorded):
        return f"{found.field}: {found.ours} now, {found.theirs} in {DATASET_JSON}"
    # Same settings: what else the record holds (the glyph source's classes and
    # fingerprint, split sizes) must match too, or the images would differ.
    return first_difference(job.settings, record)


def owned_for_overwrite(out: Path) -> list[Path]:
    """The entries of ``out`` that overwrite removes: all of them, and all a seqstudio export's.

    Raises
    ------
    ExportError
        ``out`` holds no seqstudio ``dataset.json`` or holds anything its export did not
        write; the message names what overwrite would have deleted.
    """
    entries = sorted(e for e in out.iterdir() if e.name != LOCK_NAME)
    if not (out / DATASET_JSON).is_file():
        raise ExportError(
            f"refusing to overwrite {out}: it holds no {DATASET_JSON} of a seqstudio export, "
            f"so overwrite would delete files it did not write: {_names(out, entries)}"
        )
    try:
        doc = read_dataset_json(out)
    except ExportError as exc:
        raise ExportError(
            f"refusing to overwrite {out}: {exc}; overwrite would delete files seqstudio did "
            f"not write: {_names(out, entries)}"
        ) from None
    owned, foreign = owned_entries(out, doc)
    if foreign:
        raise ExportError(
            f"refusing to overwrite {out}: it holds files its seqstudio export did not write, "
            f"which overwrite would delete: {_names(out, foreign)} (move them away first)"
        )
    return owned


def _names(out: Path, paths: list[Path], limit: int = 5) -> str:
    shown = ", ".join(str(p.relative_to(out)) + ("/" if p.is_dir() else "") for p in paths[:limit])
    return shown + (f" and {len(paths) - limit:,} more" if len(paths) > limit else "")


def clear_folder(out: Path) -> None:
    """Remove the seqstudio dataset in ``out`` (``overwrite``): only what its export wrote."""
    for entry in owned_for_overwrite(out):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def open_splits(job: ExportJob) -> dict[str, int]:
    """Create the split folders; recover manifests after a kill; return images done per split."""
    out, opts = job.out_dir, job.options
    done: dict[str, int] = {}
    npz = opts.format == "npz"
    if not npz:
        (out / CHECKSUM_DIR).mkdir(exist_ok=True)
        _remove_tmp(out / CHECKSUM_DIR)
    for info in job.plan.splits:
        if not info.count:
            done[info.name] = 0
            continue
        split_dir = out / info.name
        split_dir.mkdir(exist_ok=True)
        _remove_tmp(split_dir)
        if opts.masks and not npz:
            (split_dir / writers.MASK_DIR).mkdir(exist_ok=True)
            _remove_tmp(split_dir / writers.MASK_DIR)
        count = recover_manifests(split_dir, with_csv=not npz)
        if not npz:
            recover_file_list(out, info.name, info.first_index + count)
        if count:
            last = last_record(split_dir)
            if (
                count > info.count
                or last is None
                or last.get("index") != info.first_index + count - 1
            ):
                raise ExportError(
                    f"{split_dir / writers.METADATA} does not match this export; use overwrite"
                )
        if npz:
            count = _open_npz_partial(job, info, count)
        done[info.name] = count
    return done


def _open_npz_partial(job: ExportJob, info, count: int) -> int:
    partial = job.out_dir / writers.PARTIAL_DIR
    partial.mkdir(exist_ok=True)
    _remove_tmp(partial)
    split_dir = job.out_dir / info.name
    layout = job.npz_layout(info)
    files = {name: partial / f"{info.name}-{name}.npy" for name in layout}
    if count == info.count and (split_dir / "labels.npz").exists() and not files["images"].exists():
        return count  # already packed
    intact = all(
        path.exists()
        and path.stat().st_size
        == len(writers.npy_header(*layout[name]))
        + int(np.prod(layout[name][1])) * layout[name][0].itemsize
        for name, path in files.items()
    )
    if count == 0 or not intact:
        if count:
            _truncate_file(split_dir / writers.METADATA)
            count = 0
        for name, (dtype, shape) in layout.items():
            writers.create_npy(files[name], dtype, shape)
    return count


def _truncate_file(path: Path) -> None:
    with open(path, "wb"):
        pass


def _remove_tmp(folder: Path) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(writers.TMP_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
