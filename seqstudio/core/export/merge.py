"""Assemble an export written in units: manifests in index order, COCO/YOLO, ``dataset.json``.

:func:`merge_units` runs at the end of an export in units (Dask, a local pool) and
:func:`merge_export` is ``seqstudio merge DIR`` after a Slurm array of ``--shard I/N``
tasks. Both refuse to assemble anything while a unit is missing; the part manifests
are concatenated unit by unit (streamed), so the split's ``metadata.jsonl`` and
``labels.csv`` equal, byte for byte, those of a single-machine export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from seqstudio.core.export import writers
from seqstudio.core.export.checksums import CHECKSUM_DIR, record_final_files
from seqstudio.core.export.destinations import Destination, open_destination
from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.manifest import (
    DATASET_JSON,
    dataset_document,
    first_difference,
    parse_dataset_json,
    utc_now,
)
from seqstudio.core.export.options import SHARD_FORMATS
from seqstudio.core.export.outputs import write_manifest_outputs
from seqstudio.core.export.plan import plan_job
from seqstudio.core.export.resume import settings_from_document
from seqstudio.core.export.unit_runner import is_complete, part_path
from seqstudio.core.export.units import (
    PARTS_DIR,
    SHARDING_JSON,
    Unit,
    plan_units,
    shards_of,
)

COPY_BLOCK = 1 << 22


@dataclass(frozen=True)
class MergeResult:
    """What :func:`merge_export` did.

    Attributes
    ----------
    out : str
        The export folder or URL.
    total : int
        Images in the dataset.
    units : int
        Units assembled.
    already_complete : bool
        The export was complete before (nothing was done).
    """

    out: str
    total: int
    units: int
    already_complete: bool


def missing_units(job: ExportJob, dest: Destination) -> list[Unit]:
    """The units of ``job`` whose output is not complete in ``dest``."""
    return [u for u in plan_units(job.plan, job.options) if not is_complete(dest, u)]


def merge_units(job: ExportJob, dest: Destination, created: str | None) -> bool:
    """Assemble the export if every unit is complete; return whether it did."""
    units = plan_units(job.plan, job.options)
    if any(not is_complete(dest, u) for u in units):
        return False
    _assemble(job, dest, units, created)
    return True


def _assemble(job: ExportJob, dest: Destination, units: list[Unit], created: str | None) -> None:
    """Manifests, annotations, ``dataset.json`` (complete); then drop the part manifests."""
    created = created or utc_now()  # one time for COCO and dataset.json when none is recorded
    with_csv = job.options.format not in SHARD_FORMATS
    for info in job.plan.splits:
        if not info.count:
            continue
        mine = [u for u in units if u.split == info.name]
        _concatenate(
            dest, f"{CHECKSUM_DIR}/{info.name}.jsonl", [part_path(u, ".files") for u in mine]
        )
        _concatenate(
            dest, f"{info.name}/{writers.METADATA}", [part_path(u, ".jsonl") for u in mine]
        )
        if with_csv:
            _concatenate(
                dest,
                f"{info.name}/{writers.LABELS_CSV}",
                [part_path(u, ".csv") for u in mine],
                head=writers.LABELS_HEADER.encode(),
            )
        dest.remove_temporaries(info.name)
        if job.options.masks and with_csv:
            dest.remove_temporaries(f"{info.name}/{writers.MASK_DIR}")
    if dest.local_path is not None:  # COCO, YOLO (local folders only) and the dataset card
        write_manifest_outputs(job, created)
    else:
        _write_card(job, dest)
    files = None
    if dest.local_path is not None:
        names = [info.name for info in job.plan.splits if info.count]
        files = record_final_files(dest.local_path, names, job.options.format)
    doc = dataset_document(job.settings, "complete", created, files)
    dest.write_bytes(DATASET_JSON, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    dest.remove_tree(PARTS_DIR)


def _write_card(job: ExportJob, dest: Destination) -> None:
    """The dataset card (``README.md``) of an export to a URL, read and written through fsspec."""
    from seqstudio.core.export.card import ParamsSchema, card_text
    from seqstudio.core.export.writers import CARD_NAME

    counts = {info.name: info.count for info in job.plan.splits if info.count}
    params = ParamsSchema()
    for split in counts:
        with dest.open_read(f"{split}/{writers.METADATA}") as handle:
            for line in handle:
                params.add_line(line)
    text = card_text(job.settings, counts, job.max_glyphs, params)
    dest.write_bytes(CARD_NAME, text.encode())


def _concatenate(dest: Destination, target: str, parts: list[str], head: bytes = b"") -> None:
    with dest.open_atomic(target) as out:
        out.write(head)
        for part in parts:
            with dest.open_read(part) as src:
                while block := src.read(COPY_BLOCK):
                    out.write(block)


def merge_export(out: str | Path) -> MergeResult:
    """``seqstudio merge``: finish an export whose shards (``--shard I/N``) are all written.

    Raises
    ------
    ExportError
        No ``dataset.json``; or some units are missing: the message lists the missing
        shards (``1/4, 3/4``) and how to write them.
    """
    dest = open_destination(out)
    if not dest.exists(DATASET_JSON):
        raise ExportError(f"{dest} holds no {DATASET_JSON}: it is not a seqstudio export")
    doc = parse_dataset_json(dest.read_bytes(DATASET_JSON), f"{dest}/{DATASET_JSON}")
    spec, count, options = settings_from_document(doc, Path(str(dest)) / DATASET_JSON)
    job = plan_job(spec, count, dest.local_path or Path(str(dest)), options)
    diff = first_difference(job.settings, doc["settings"])
    if diff:
        raise ExportError(f"{dest}/{DATASET_JSON} cannot be used by this version ({diff})")
    units = plan_units(job.plan, job.options)
    if doc.get("status") == "complete" and not dest.names(PARTS_DIR):
        return MergeResult(str(dest), job.plan.total, len(units), True)
    missing = [u for u in units if not is_complete(dest, u)]
    if missing:
        raise ExportError(_missing_message(dest, units, missing))
    if dest.local_path is None:
        _assemble(job, dest, units, doc.get("created"))
    else:
        from seqstudio.core.export.lock import export_lock

        with export_lock(dest.local_path):
            _assemble(job, dest, units, doc.get("created"))
    return MergeResult(str(dest), job.plan.total, len(units), False)


def _missing_message(dest: Destination, units: list[Unit], missing: list[Unit]) -> str:
    images = sum(u.count for u in missing)
    what = f"{images:,} images in {len(missing)} of {len(units)} units"
    sharding = f"{PARTS_DIR}/{SHARDING_JSON}"
    if dest.exists(sharding):
        n = json.loads(dest.read_bytes(sharding))["shards"]
        shards = shards_of(units, n, {u.seq for u in missing})
        listed = ", ".join(f"{k}/{n}" for k in shards[:20]) + (" ..." if len(shards) > 20 else "")
        return (
            f"cannot merge {dest}: missing shards {listed} ({what}); write each with "
            f"`seqstudio export -o {dest} --shard I/{n}` and merge again"
        )
    first = missing[0]
    return (
        f"cannot merge {dest}: {what} are missing, the first at image {first.start:,} of split {first.split}; "
        f"finish it with `seqstudio export -o {dest} --resume`"
    )
