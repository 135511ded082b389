"""The export engine: validate everything, then generate, write and record in parallel.

:func:`export_dataset` is the one entry point; the CLI and the GUI dialog are thin
layers over it. See :mod:`seqstudio.core.export.splits` for how images are numbered
and assigned to splits, and :mod:`seqstudio.core.export.manifest` for ``dataset.json``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seqstudio.core.errors import SpecError
from seqstudio.core.export import writers
from seqstudio.core.export.errors import ExportError, FolderNotEmptyError
from seqstudio.core.export.manifest import (
    DATASET_JSON,
    first_difference,
    last_record,
    read_dataset_json,
    recover_manifests,
    write_dataset_json,
)
from seqstudio.core.export.options import MAX_COUNT, ExportOptions
from seqstudio.core.export.sources import SequenceLine, lines_from_records, read_sequences
from seqstudio.core.export.splits import ExportPlan, build_plan, split_source
from seqstudio.core.export.worker import Chunk, ChunkResult, WorkerConfig, WorkerState, spec_for
from seqstudio.core.progress import CancelCheck, ProgressCallback, ProgressTracker
from seqstudio.core.spec import GenerationSpec

#: Seconds between two cancel checks while waiting for workers.
POLL_INTERVAL = 0.05
#: Extra bytes required beyond the estimate, and relative margin.
SPACE_MARGIN = (16 << 20, 1.10)
FILE_BLOCK = 4096


@dataclass(frozen=True)
class ExportResult:
    """What an export did.

    Attributes
    ----------
    out_dir : Path
        The dataset folder.
    total : int
        Images in the whole dataset.
    written : int
        Images made by this call.
    already_done : int
        Images found complete before this call (``resume``).
    split_counts : dict
        Images per split in the whole dataset.
    cancelled : bool
        The cancel check asked to stop; run again with ``resume`` to finish.
    elapsed : float
        Seconds this call took.
    """

    out_dir: Path
    total: int
    written: int
    already_done: int
    split_counts: dict[str, int]
    cancelled: bool
    elapsed: float

    @property
    def complete(self) -> bool:
        """Whether every image of the dataset is written and recorded."""
        return self.already_done + self.written == self.total

    @property
    def rate(self) -> float:
        """Images per second made by this call."""
        return self.written / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class _Job:
    spec: GenerationSpec
    options: ExportOptions
    plan: ExportPlan
    out_dir: Path
    settings: dict
    classes: tuple[str, ...]
    max_glyphs: int
    max_chars: int
    vectorised: dict = field(default_factory=dict)  # (split, line) -> bool
    previous: dict | None = None  # dataset.json found when resuming
    bytes_per_image: float = 0.0


# ============================================================================ public API
def export_dataset(
    spec: GenerationSpec,
    count: int,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> ExportResult:
    """Export a labelled dataset of ``count`` images of ``spec`` to ``out_dir``.

    Parameters
    ----------
    spec : GenerationSpec
        What to draw. With splits, each split's glyph pool replaces ``spec.pool``.
    count : int
        Images to make (≥ 1); with a sequences file, the images of each line that
        gives no count.
    out_dir : str or Path
        The dataset folder: must be missing or empty, unless ``options.resume`` or
        ``options.overwrite``.
    options : ExportOptions, optional
        Splits, format, annotations, masks, workers, resume/overwrite.
    progress : callable, optional
        Receives :class:`~seqstudio.core.progress.Progress` snapshots (images made by
        this call, of those left to make) a few times per second.
    cancel : callable, optional
        Polled several times a second; returning true stops the export within a
        second, leaving a consistent dataset that ``resume`` can finish.

    Returns
    -------
    ExportResult

    Raises
    ------
    SpecError
        Bad count, spec, sequences file or options (nothing is written).
    ExportError
        The folder cannot be used (not empty, unwritable, too little space, settings
        that differ from the dataset being resumed), or writing failed (records written
        before stay valid).
    """
    options = options if options is not None else ExportOptions()
    job = prepare_export(spec, count, out_dir, options)
    return _run(job, progress, cancel)


def prepare_export(
    spec: GenerationSpec, count: int, out_dir: str | Path, options: ExportOptions
) -> _Job:
    """Check every input and the folder without writing anything; return the job."""
    if not isinstance(spec, GenerationSpec):
        raise SpecError("spec", f"{spec!r} is not a GenerationSpec")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise SpecError("count", f"{count!r} is not a whole number (allowed: 1 to {MAX_COUNT})")
    if not 1 <= count <= MAX_COUNT:
        raise SpecError("count", f"{count} is outside the allowed range 1 to {MAX_COUNT}")
    if options.sequences is not None:
        if spec.random is not None:
            raise SpecError(
                "sequences", "a sequences file cannot be combined with random sequences"
            )
        if isinstance(options.sequences, (str, Path)):
            lines = read_sequences(options.sequences, int(count))
        else:
            lines = lines_from_records(options.sequences)
    else:
        lines = [SequenceLine(None, int(count), 0)]
    plan = build_plan(lines, options.splits, default_split=spec.pool)
    if plan.total > MAX_COUNT:
        raise SpecError("count", f"{plan.total} images in all is more than the maximum {MAX_COUNT}")
    from seqstudio.core.glyphs import open_source

    source = open_source(spec.source)
    job = _Job(
        spec=spec,
        options=options,
        plan=plan,
        out_dir=Path(out_dir).expanduser(),
        settings={},
        classes=source.classes,
        max_glyphs=0,
        max_chars=0,
    )
    _check_generators(job, source)
    job.settings = _settings(job)
    _check_folder(job)
    return job


# ============================================================================ validation
def _check_generators(job: _Job, source) -> None:
    """Build every (split, sequence) generator once: labels and widths are checked here."""
    from seqstudio.core.generator import SequenceGenerator

    spec, plan = job.spec, job.plan
    used = {(seg.split, seg.line) for seg in plan.segments}
    built: dict = {}
    samples = []
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


def _in_context(exc: SpecError, job: _Job, info, line: SequenceLine) -> SpecError:
    message = exc.message
    if line.line:
        message += f" (sequences file line {line.line}: {line.text!r})"
    if job.options.splits is not None and not (info.pool == job.spec.pool and info.part == "all"):
        part = "" if info.part == "all" else f"{info.part} of the "
        message += f" (split {info.name} draws from the {part}{info.pool} pool)"
    return SpecError(exc.field, message)


def _bytes_per_image(job: _Job, samples) -> float:
    opts, spec = job.options, job.spec
    record = 400 + 60 * job.max_glyphs
    if opts.format == "npz":
        raw = spec.height * spec.width * (2 if opts.masks else 1)
        return raw + record + 40 * job.max_glyphs  # arrays are renamed into place, not copied
    sizes = [len(writers.encode_image(s.image, opts.format, opts.jpeg_quality)) for s in samples]
    per = _blocks(max(sizes)) + record
    if opts.masks:
        per += max(
            _blocks(len(writers.encode_image(writers.mask_array(s.mask, len(s.labels)), "png", 0)))
            for s in samples
        )
    if "yolo" in opts.annotations:
        per += FILE_BLOCK
    if "coco" in opts.annotations:
        per += 150 * job.max_glyphs + 100
    return float(per)


def _blocks(size: int) -> int:
    return -(-size // FILE_BLOCK) * FILE_BLOCK


def _settings(job: _Job) -> dict:
    """What makes the dataset what it is; compared on resume."""
    opts = job.options
    lines = None
    if opts.sequences is not None:
        lines = [[line.text, line.count] for line in job.plan.lines]
    return {
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
    }


def _check_folder(job: _Job) -> None:
    out, opts = job.out_dir, job.options
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    existing = out if out.is_dir() else _existing_parent(out)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ExportError(f"{existing} is not writable")
    entries = list(out.iterdir()) if out.is_dir() else []
    remaining = job.plan.total
    if entries:
        if opts.resume:
            doc = read_dataset_json(out)
            diff = first_difference(job.settings, doc["settings"])
            if diff:
                raise ExportError(
                    f"cannot resume {out}: its dataset was made with other settings ({diff})"
                )
            job.previous = doc
            remaining = max(remaining - _recorded(job), 0)
        elif opts.overwrite:
            if not (out / DATASET_JSON).is_file():
                raise ExportError(
                    f"{out} is not empty and holds no {DATASET_JSON}; refusing to overwrite it"
                )
        else:
            raise FolderNotEmptyError(
                out,
                f"{out} is not empty; use resume to finish the export there or overwrite to replace it",
            )
    need = remaining * job.bytes_per_image * SPACE_MARGIN[1] + SPACE_MARGIN[0]
    free = shutil.disk_usage(existing).free
    if opts.overwrite and entries:
        free += _tree_size(out)
    if need > free:
        raise ExportError(
            f"not enough free space for {out}: about {need / 1e6:,.0f} MB needed, {free / 1e6:,.0f} MB free"
        )


def _recorded(job: _Job) -> int:
    total = 0
    for info in job.plan.splits:
        path = job.out_dir / info.name / writers.METADATA
        with contextlib.suppress(OSError), open(path, "rb") as handle:
            total += sum(
                block.count(b"\n") for block in iter(lambda h=handle: h.read(1 << 20), b"")
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


# ============================================================================ running
def _run(job: _Job, progress: ProgressCallback | None, cancel: CancelCheck | None) -> ExportResult:
    start_time = time.perf_counter()
    out, opts, plan = job.out_dir, job.options, job.plan
    try:
        if opts.overwrite and out.is_dir():
            _clear(out)
        out.mkdir(parents=True, exist_ok=True)
        created = write_dataset_json(
            out, job.settings, "running", job.previous.get("created") if job.previous else None
        )
        done = _open_splits(job)
    except OSError as exc:
        raise _write_error(exc) from None
    already = sum(done.values())
    chunks = list(_chunks(job, done))
    tracker = ProgressTracker(sum(c.count for c in chunks), progress)
    config = _worker_config(job)
    outcome = _Outcome()
    try:
        with _Manifests(job, done) as manifests:
            _execute(job, config, chunks, manifests, tracker, cancel, outcome)
    except OSError as exc:
        outcome.error = outcome.error or exc
    tracker.finish()
    written = tracker.done
    complete = already + written == plan.total
    try:
        if complete and outcome.error is None:
            _finalize(job)
            write_dataset_json(out, job.settings, "complete", created)
        else:
            write_dataset_json(out, job.settings, "incomplete", created)
    except OSError as exc:
        outcome.error = outcome.error or exc
    if outcome.error is not None:
        raise _write_error(outcome.error) from None
    return ExportResult(
        out_dir=out,
        total=plan.total,
        written=written,
        already_done=already,
        split_counts={info.name: info.count for info in plan.splits},
        cancelled=outcome.cancelled,
        elapsed=time.perf_counter() - start_time,
    )


def _write_error(exc: BaseException) -> ExportError:
    if isinstance(exc, ExportError):
        return exc
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return ExportError(
            f"cannot write{where}: {exc.strerror or exc} (records written so far are kept)"
        )
    if isinstance(exc, BrokenProcessPool):
        return ExportError(
            "a worker process stopped unexpectedly (out of memory?); finish with resume"
        )
    return ExportError(str(exc))


def _clear(out: Path) -> None:
    for entry in out.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _open_splits(job: _Job) -> dict[str, int]:
    """Create the split folders; recover manifests after a kill; return images done per split."""
    out, opts = job.out_dir, job.options
    done: dict[str, int] = {}
    npz = opts.format == "npz"
    if opts.masks and not npz:
        (out / writers.MASK_DIR).mkdir(exist_ok=True)
        _remove_tmp(out / writers.MASK_DIR)
    for info in job.plan.splits:
        if not info.count:
            done[info.name] = 0
            continue
        split_dir = out / info.name
        split_dir.mkdir(exist_ok=True)
        _remove_tmp(split_dir)
        count = recover_manifests(split_dir, with_csv=not npz)
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


def _npz_layout(job: _Job, info) -> dict:
    spec = job.spec
    layout = writers.npz_layout(
        info.count, spec.height, spec.width, job.max_glyphs, job.max_chars, _mask_dtype(job)
    )
    if not job.options.masks:
        del layout["masks"]
    return layout


def _open_npz_partial(job: _Job, info, count: int) -> int:
    partial = job.out_dir / writers.PARTIAL_DIR
    partial.mkdir(exist_ok=True)
    _remove_tmp(partial)
    split_dir = job.out_dir / info.name
    layout = _npz_layout(job, info)
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


def _mask_dtype(job: _Job) -> np.dtype:
    return np.dtype(np.uint8 if job.max_glyphs < 255 else np.uint16)


def _remove_tmp(folder: Path) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(writers.TMP_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _chunk_size(job: _Job, split: str, line: int) -> int:
    if job.options.chunk_size:
        return job.options.chunk_size
    fast = job.vectorised.get((split, line), False)
    if job.options.format == "npz":
        return 4096 if fast else 256
    return 512 if fast else 64


def _chunks(job: _Job, done: dict[str, int]) -> Iterator[Chunk]:
    seq = 0
    for seg in job.plan.segments:
        skip = max(0, min(done[seg.split] - seg.row, seg.count))
        size = _chunk_size(job, seg.split, seg.line)
        for offset in range(skip, seg.count, size):
            n = min(size, seg.count - offset)
            yield Chunk(seq, seg.split, seg.line, seg.start + offset, n, seg.row + offset)
            seq += 1


def _worker_config(job: _Job) -> WorkerConfig:
    offsets = {}
    if job.options.format == "npz":
        for info in job.plan.splits:
            layout = _npz_layout(job, info)
            offsets[info.name] = {
                name: (
                    len(writers.npy_header(dtype, shape)),
                    int(np.prod(shape[1:])) * dtype.itemsize,
                )
                for name, (dtype, shape) in layout.items()
            }
            offsets[info.name]["max_glyphs"] = max(job.max_glyphs, 1)
            offsets[info.name]["labels_dtype"] = layout["labels"][0].str
    return WorkerConfig(
        spec=job.spec.to_dict(),
        plan=job.plan,
        out_dir=str(job.out_dir),
        format=job.options.format,
        jpeg_quality=job.options.jpeg_quality,
        annotations=job.options.annotations,
        masks=job.options.masks,
        name_digits=writers.name_digits(job.plan.total),
        npy_offsets=offsets,
        mask_dtype=_mask_dtype(job).name,
    )


class _Manifests:
    """The open manifest files of every split; records are appended in index order."""

    def __init__(self, job: _Job, done: dict[str, int]) -> None:
        self._job = job
        self._files: dict[str, tuple] = {}
        self.recorded = dict(done)

    def __enter__(self) -> _Manifests:
        out = self._job.out_dir
        with_csv = self._job.options.format != "npz"
        for info in self._job.plan.splits:
            if info.count:
                meta = open(out / info.name / writers.METADATA, "a", encoding="utf-8", newline="")
                csv = (
                    open(out / info.name / writers.LABELS_CSV, "a", encoding="utf-8", newline="")
                    if with_csv
                    else None
                )
                self._files[info.name] = (meta, csv)
        return self

    def append(self, chunk: Chunk, result: ChunkResult) -> None:
        """Append a chunk's records (the images they name are complete)."""
        meta, csv = self._files[chunk.split]
        meta.write(result.records)
        meta.flush()
        if csv is not None:
            csv.write(result.labels_csv)
            csv.flush()
        self.recorded[chunk.split] += result.done

    def __exit__(self, *exc) -> None:
        for meta, csv in self._files.values():
            meta.close()
            if csv is not None:
                csv.close()


@dataclass
class _Outcome:
    cancelled: bool = False
    error: BaseException | None = None


def _execute(job, config, chunks, manifests, tracker, cancel, outcome) -> None:
    """Run the chunks (in worker processes or inline), appending records in order."""
    workers = min(job.options.worker_count, max(len(chunks), 1))
    stop = [False]

    def should_stop() -> bool:
        if not stop[0] and cancel is not None and cancel():
            stop[0] = outcome.cancelled = True
        return stop[0]

    if workers <= 1:
        state = WorkerState(config)
        for k, chunk in enumerate(chunks):
            if should_stop():
                _remove_orphans(job, chunks[k:], {})
                return
            try:
                result = state.run(chunk, should_stop)
            except OSError as exc:
                outcome.error = exc
                _remove_orphans(job, chunks[k:], {})
                return
            manifests.append(chunk, result)
            tracker.advance(result.done)
            if result.done < chunk.count:
                _remove_orphans(job, chunks[k:], {chunk.seq: result.done})
                return
        return
    _execute_pool(job, config, chunks, manifests, tracker, should_stop, outcome, workers)


def _execute_pool(job, config, chunks, manifests, tracker, should_stop, outcome, workers) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from seqstudio.core.export.worker import init_worker, run_chunk

    context = multiprocessing.get_context("spawn")
    stop_event = context.Event()
    max_inflight = 2 * workers
    results: dict[int, ChunkResult] = {}
    inflight: dict[Future, Chunk] = {}
    next_submit = next_write = 0
    cut: tuple[int, int] | None = None  # (seq, images recorded) of a chunk recorded in part
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=init_worker, initargs=(config, stop_event)
    ) as pool:
        try:
            while True:
                halted = should_stop() or outcome.error is not None or cut is not None
                if halted:
                    stop_event.set()
                while not halted and next_submit < len(chunks) and len(inflight) < max_inflight:
                    chunk = chunks[next_submit]
                    inflight[pool.submit(run_chunk, chunk)] = chunk
                    next_submit += 1
                if not inflight:
                    break
                finished, _ = wait(
                    list(inflight), timeout=POLL_INTERVAL, return_when=FIRST_COMPLETED
                )
                for future in finished:
                    chunk = inflight.pop(future)
                    try:
                        results[chunk.seq] = future.result()
                    except BaseException as exc:  # noqa: BLE001 - reported once workers are drained
                        outcome.error = outcome.error or exc
                while outcome.error is None and cut is None and next_write in results:
                    result = results.pop(next_write)
                    chunk = chunks[next_write]
                    manifests.append(chunk, result)
                    tracker.advance(result.done)
                    next_write += 1
                    if result.done < chunk.count:
                        cut = (chunk.seq, result.done)
        finally:
            stop_event.set()
    orphans = chunks[next_write:next_submit]
    if cut is not None:
        orphans = [chunks[cut[0]], *orphans]
    _remove_orphans(job, orphans, dict([cut]) if cut else {})


def _remove_orphans(job: _Job, chunks: list[Chunk], recorded: dict[int, int]) -> None:
    """Delete files of images that have no record (from chunks cut short or not recorded)."""
    if job.options.format == "npz":
        return
    digits = writers.name_digits(job.plan.total)
    suffix = "." + job.options.format
    for chunk in chunks:
        for index in range(chunk.start + recorded.get(chunk.seq, 0), chunk.start + chunk.count):
            stem = writers.image_name(index, digits)
            split_dir = job.out_dir / chunk.split
            for path in (
                split_dir / (stem + suffix),
                split_dir / f"{stem}.txt",
                job.out_dir / writers.MASK_DIR / f"{stem}.png",
            ):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


def _finalize(job: _Job) -> None:
    """Write what is built from the complete manifests: COCO, YOLO yaml, npz archives."""
    out, opts, spec = job.out_dir, job.options, job.spec
    present = [info for info in job.plan.splits if info.count]
    if "coco" in opts.annotations:
        for info in present:
            writers.write_coco(out / info.name, spec.width, spec.height, job.classes)
    if "yolo" in opts.annotations:
        text = writers.yolo_yaml([info.name for info in present], job.classes)
        writers.write_atomic(out / writers.YOLO_YAML, text.encode())
    if opts.format == "npz":
        partial = out / writers.PARTIAL_DIR
        for info in present:
            if (partial / f"{info.name}-images.npy").exists():
                writers.pack_split(partial, info.name, out / info.name, opts.masks)
        with contextlib.suppress(OSError):
            partial.rmdir()
