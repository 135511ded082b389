"""Check an export request completely, without writing anything: :func:`prepare_export`.

Every generator of the export is built once (labels and widths are checked there), a few
real samples are encoded to estimate the disk space, and the folder is checked
(:mod:`seqstudio.core.export.folder`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqstudio.core import memory
from seqstudio.core.augment import output_channels
from seqstudio.core.augment.colour_ops import texture_folders
from seqstudio.core.errors import SpecError
from seqstudio.core.export import writers
from seqstudio.core.export.coco import check_segmentation_support
from seqstudio.core.export.folder import FILE_BLOCK, check_folder
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.options import MAX_COUNT, SHARD_FORMATS, ExportOptions
from seqstudio.core.export.sources import SequenceLine, lines_from_records, read_sequences
from seqstudio.core.export.splits import build_plan, split_source
from seqstudio.core.export.worker import spec_for
from seqstudio.core.sample import Sample
from seqstudio.core.source_fingerprint import folder_fingerprint, source_fingerprint
from seqstudio.core.spec import GenerationSpec


def prepare_export(
    spec: GenerationSpec,
    count: int,
    out_dir: str | Path,
    options: ExportOptions,
    check_space: bool = True,
) -> ExportJob:
    """Check every input and the folder without writing anything; return the job.

    Parameters
    ----------
    spec : GenerationSpec
        What to draw.
    count : int
        Images to make (with a sequences file: per line that gives no count).
    out_dir : str or Path
        The dataset folder.
    options : ExportOptions
        How to write it.
    check_space : bool
        Refuse when the folder's file system has too little free space (default); a
        plan that only states the size (``--dry-run``) passes ``False``.

    Returns
    -------
    ExportJob
        What :func:`~seqstudio.core.export.engine.run_export` runs.

    Raises
    ------
    SpecError
        Bad count, spec, sequences file or options.
    ExportError
        The folder cannot be used.
    """
    job = plan_job(spec, count, out_dir, options)
    check_folder(job, check_space)
    return job


def plan_job(
    spec: GenerationSpec, count: int, out_dir: str | Path, options: ExportOptions
) -> ExportJob:
    """:func:`prepare_export` without the folder checks (for exports to fsspec URLs).

    Raises
    ------
    SpecError
        Bad count, spec, sequences file or options.
    """
    if not isinstance(spec, GenerationSpec):
        raise SpecError("spec", f"{spec!r} is not a GenerationSpec")
    if spec.random is not None and spec.digits:
        spec = spec.replace(digits=())  # unused: dataset.json must not record a fixed sequence
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise SpecError("count", f"{count!r} is not a whole number (allowed: 1 to {MAX_COUNT})")
    if not 1 <= count <= MAX_COUNT:
        raise SpecError("count", f"{count} is outside the allowed range 1 to {MAX_COUNT}")
    if options.has_sequences:
        if spec.random is not None:
            raise SpecError(
                "sequences", "a sequences file cannot be combined with random sequences"
            )
        if options.sequences_file is not None:
            lines = read_sequences(options.sequences_file, int(count))
        else:
            lines = lines_from_records(options.sequence_lines or ())
    else:
        lines = [SequenceLine(None, int(count), 0)]
    plan = build_plan(lines, options.splits, default_split=spec.pool)
    if plan.total > MAX_COUNT:
        raise SpecError("count", f"{plan.total} images in all is more than the maximum {MAX_COUNT}")
    from seqstudio.core.glyphs import open_source

    source = open_source(spec.source)
    job = ExportJob(
        spec=spec,
        options=options,
        plan=plan,
        out_dir=Path(out_dir).expanduser(),
        settings={},
        classes=source.classes,
        max_glyphs=0,
        max_chars=0,
    )
    if options.masks and "coco" in options.annotations:
        check_segmentation_support()
    _fit_memory(job, source)  # before any glyph pool is scaled to the spec's height
    _check_generators(job, source)
    job.settings = _settings(job)
    return job


def _check_generators(job: ExportJob, source) -> None:
    """Build every (split, sequence) generator once: labels and widths are checked here."""
    from seqstudio.core.generator import SequenceGenerator

    spec, plan = job.spec, job.plan
    used = {(seg.split, seg.line) for seg in plan.segments}
    built: dict = {}
    samples: list[Sample] = []
    for info in plan.splits:
        if not info.count:
            continue
        split_src, _ = split_source(source, info)
        for line_no in sorted({line for split, line in used if split == info.name}):
            line = plan.lines[line_no]
            key = (info.name, line.labels)
            if key not in built:
                try:
                    gen = SequenceGenerator(spec_for(spec, info, line.labels), split_src)
                except SpecError as exc:
                    raise _in_context(exc, job, info, line) from None
                built[key] = gen
                if len(samples) < 8:
                    samples.append(gen.generate(info.first_index, masks=job.options.masks))
            job.vectorised[(info.name, line_no)] = bool(built[key].vectorised)
    if spec.random is not None:
        labels = spec.random.labels or source.classes
        job.max_glyphs = spec.random.max_length
        job.max_chars = spec.random.max_length * max(len(label) for label in labels)
    else:
        seqs = [line.labels or spec.digits for line in plan.lines]
        job.max_glyphs = max(len(s) for s in seqs)
        job.max_chars = max(sum(len(label) for label in s) for s in seqs)
    job.bytes_per_image = _bytes_per_image(job, samples)


def _fit_memory(job: ExportJob, source) -> None:
    """Choose workers and the largest chunk so the export's peak memory fits the budget.

    Each worker holds its glyph pools scaled to the spec's height (and their column
    tables), one image's working memory and one chunk of finished images.
    """
    from seqstudio.core.generator import SequenceGenerator

    spec, opts = job.spec, job.options
    pools = [source.pool(name) for name in {info.pool for info in job.plan.splits if info.count}]
    scaled = sum(SequenceGenerator.memory_estimate(spec, pool, 0, False) for pool in pools)
    fixed = memory.PROCESS_BASE + sum(
        SequenceGenerator.memory_estimate(spec, pool, 1, False) for pool in pools
    )
    channels = output_channels(spec.augment)
    per_image = 2 * memory.image_bytes(spec.height, spec.width, opts.masks, channels)
    limit = memory.memory_limit()
    parent = memory.PROCESS_BASE + scaled  # the checks below scale the pools here too
    workers = opts.worker_count
    if opts.workers is None and workers > 1:
        workers = max(1, min(workers, int((limit - parent) // (fixed + per_image))))
    if workers == 1:
        parent = 0  # the work runs in this process
    peak = parent + workers * (fixed + per_image)
    if peak > limit:
        memory.check(
            "workers" if workers > 1 else "height",
            f"this export ({workers} worker{'s' * (workers > 1)}, {spec.width}×{spec.height}"
            f"{' with masks' if opts.masks else ''})",
            peak,
            "use fewer --workers" if workers > 1 else "choose a smaller height or width",
        )
    job.workers = workers
    fits = int((limit - parent) // workers - fixed) // per_image
    job.max_chunk = max(1, min(fits, memory.CHUNK_BYTES // per_image))
    job.peak_memory = parent + workers * (fixed + min(job.max_chunk, 4096) * per_image)


def _in_context(exc: SpecError, job: ExportJob, info, line: SequenceLine) -> SpecError:
    message = exc.message
    if line.line:
        message += f" (sequences file line {line.line}: {line.text!r})"
    if job.options.splits is not None and not (info.pool == job.spec.pool and info.part == "all"):
        part = "" if info.part == "all" else f"{info.part} of the "
        message += f" (split {info.name} draws from the {part}{info.pool} pool)"
    return SpecError(exc.field, message)


def _bytes_per_image(job: ExportJob, samples) -> float:
    opts, spec = job.options, job.spec
    record = 400 + 60 * job.max_glyphs
    if opts.format == "npz":
        raw = spec.height * spec.width * (output_channels(spec.augment) + (1 if opts.masks else 0))
        return raw + record + 40 * job.max_glyphs  # arrays are renamed into place, not copied
    sizes = [len(writers.encode_image(s.image, opts.format, opts.jpeg_quality)) for s in samples]
    per = _blocks(max(sizes)) + record
    if opts.masks:
        per += max(
            _blocks(len(writers.encode_image(writers.mask_array(s.mask, len(s.labels)), "png", 0)))
            for s in samples
        )
    if "yolo" in opts.annotations or "yolo-seg" in opts.annotations:
        per += FILE_BLOCK
    if "coco" in opts.annotations:
        per += 150 * job.max_glyphs + 100
    return float(per)


def _blocks(size: int) -> int:
    return -(-size // FILE_BLOCK) * FILE_BLOCK


def _settings(job: ExportJob) -> dict:
    """What makes the dataset what it is; compared on resume."""
    opts = job.options
    lines = None
    if opts.has_sequences:
        lines = [[line.text, line.count] for line in job.plan.lines]
    settings = {
        "spec": job.spec.to_dict(),
        "seed": job.spec.seed,
        "count": job.plan.total,
        "sequences": lines,
        "splits": {info.name: info.to_dict() for info in job.plan.splits},
        "format": opts.format,
        "jpeg_quality": opts.jpeg_quality if opts.format == "jpg" else None,
        "annotations": list(opts.annotations),
        "masks": opts.masks,
        "classes": list(job.classes),
        # The glyphs themselves: a changed folder or font under the same path is refused on resume.
        "source_fingerprint": source_fingerprint(job.spec.source),
        **({"images_per_file": opts.images_per_file} if opts.format in SHARD_FORMATS else {}),
    }
    folders = texture_folders(job.spec.augment)
    if folders:  # background photos: a changed folder is refused on resume too
        settings["texture_fingerprint"] = folder_fingerprint(folders)
    return settings
