"""The plan of an export before it runs (``--dry-run``): files, shards, bytes and time.

Nothing is written. The time is measured, not guessed: a sample of real images of the
export is generated and encoded in this process, giving the images per second one core
makes; the estimate for ``w`` workers assumes linear scaling of that CPU work (the
shard formats come close, see ``benchmarks/bench_scale.py``). Per-image formats (png,
jpg) also pay one file creation per image, which a file system limits to a few thousand
per second whatever the worker count: the estimate says so rather than hide it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from seqstudio.core.export import writers
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.options import SHARD_FORMATS
from seqstudio.core.export.scheduler import worker_config
from seqstudio.core.export.units import plan_units, unit_chunks
from seqstudio.core.export.worker import WorkerState

SAMPLE_IMAGES = 256
TAR_BLOCK = 512


@dataclass(frozen=True)
class ExportEstimate:
    """What an export will write and how long it should take.

    Attributes
    ----------
    total : int
        Images.
    split_counts : dict
        Images per split.
    format : str
        The export format.
    units : int
        Units of work (shard files for webdataset/parquet).
    images_per_unit : int
        Images per unit (the last of a split may hold fewer).
    files : int
        Files the export creates (images, masks, labels, shards, manifests).
    bytes : int
        Estimated bytes written.
    images_per_second_per_core : float
        Measured generation + encoding rate of one core.
    seconds : dict
        Estimated seconds per worker count (CPU work only).
    """

    total: int
    split_counts: dict[str, int]
    format: str
    units: int
    images_per_unit: int
    files: int
    bytes: int
    images_per_second_per_core: float
    seconds: dict[int, float]


def estimate_export(job: ExportJob, workers: tuple[int, ...]) -> ExportEstimate:
    """Measure a sample of the export and estimate it whole (writes nothing)."""
    opts, plan = job.options, job.plan
    units = plan_units(plan, opts)
    state = WorkerState(worker_config(job))
    chunk = next(unit_chunks(plan, units[0], max_chunk=min(SAMPLE_IMAGES, units[0].count)))
    state.drawn_with_records(dataclasses.replace(chunk, count=1), lambda: False)  # warm-up
    start = time.perf_counter()
    samples, lines = state.drawn_with_records(chunk, lambda: False)
    sizes = [
        len(
            writers.encode_image(
                s.image, "png" if opts.format != "jpg" else "jpg", opts.jpeg_quality
            )
        )
        for s in samples
    ]
    mask_sizes = (
        [
            len(writers.encode_image(writers.mask_array(s.mask, len(s.labels)), "png", 0))
            for s in samples
            if s.mask is not None  # every sample has one: they were drawn with masks
        ]
        if opts.masks
        else [0]
    )
    rate = len(samples) / max(time.perf_counter() - start, 1e-9)
    image, mask = sum(sizes) / len(sizes), sum(mask_sizes) / len(mask_sizes)
    record = sum(len(line) for line in lines) / len(lines)
    total = plan.total
    splits = sum(1 for info in plan.splits if info.count)
    if opts.format == "webdataset":
        members = 3 if opts.masks else 2
        per = (
            members * TAR_BLOCK
            + _padded(image)
            + _padded(record)
            + (_padded(mask) if opts.masks else 0)
        )
        per += record  # metadata.jsonl
        files = len(units) + 2 * splits
    elif opts.format == "parquet":
        per = image + mask + record + 60  # columns are small next to the PNG bytes
        files = len(units) + 2 * splits
    else:
        per = image + mask + 2 * record  # metadata.jsonl and labels.csv
        if "yolo" in opts.annotations:
            per += 40 * job.max_glyphs
        if "coco" in opts.annotations:
            per += 150 * job.max_glyphs + 100
        files = total * (1 + opts.masks + ("yolo" in opts.annotations)) + 3 * splits
    return ExportEstimate(
        total=total,
        split_counts={info.name: info.count for info in plan.splits if info.count},
        format=opts.format,
        units=len(units),
        images_per_unit=units[0].count
        if opts.format in SHARD_FORMATS
        else max(u.count for u in units),
        files=files,
        bytes=int(per * total),
        images_per_second_per_core=rate,
        seconds={w: total / (rate * w) for w in workers},
    )


def _padded(size: float) -> float:
    return -(-size // TAR_BLOCK) * TAR_BLOCK


def format_estimate(estimate: ExportEstimate, out: str) -> str:
    """The estimate as the lines ``--dry-run`` prints."""
    from seqstudio.core.progress import format_duration

    e = estimate
    splits = ", ".join(f"{name} {n:,}" for name, n in e.split_counts.items())
    kind = (
        f"{e.units:,} shard files of {e.images_per_unit:,} images"
        if e.format in SHARD_FORMATS
        else f"{e.units:,} units of up to {e.images_per_unit:,} images (one --shard runs whole units)"
    )
    lines = [
        f"dry run: nothing is written to {out}",
        f"images: {e.total:,} ({splits}), format {e.format}",
        f"work: {kind}",
        f"files: {e.files:,}; about {e.bytes / 1e9:,.2f} GB",
        f"measured: {e.images_per_second_per_core:,.0f} images/s per core (generate + encode)",
        "estimated time (CPU work, linear in workers):",
    ]
    lines += [
        f"  {w:>4} worker{'s' if w > 1 else ' '}: {format_duration(s)}"
        for w, s in e.seconds.items()
    ]
    if e.format not in SHARD_FORMATS:
        lines.append(
            "  plus file-system time: one file per image is bound to a few thousand files/s "
            "per file system; webdataset/parquet avoid it"
        )
    return "\n".join(lines)
