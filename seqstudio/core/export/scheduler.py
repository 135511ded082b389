"""Run an export's chunks in worker processes (or inline) and record them in index order.

Workers write the image files of a chunk; the parent appends the chunk's manifest
records only once every file of it is complete, strictly in index order, so an
interrupted export always leaves a prefix of complete, recorded images. Files of images
that never got a record are removed when the run stops.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from seqstudio.core.export import writers
from seqstudio.core.export.checksums import file_list
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.worker import Chunk, ChunkResult, WorkerConfig, WorkerState
from seqstudio.core.process_pool import pool_worth_starting
from seqstudio.core.progress import CancelCheck, ProgressTracker

#: Chunks per worker an export is cut into at least (so that no worker is left with a
#: long last chunk while the others are done), unless chunks would get smaller than
#: MIN_SHARED_CHUNK images.
SHARES = 4
MIN_SHARED_CHUNK = 16


@dataclass
class RunOutcome:
    """How a run of chunks ended: cancelled, or the first error met (else neither)."""

    cancelled: bool = False
    error: BaseException | None = None


def plan_chunks(job: ExportJob, done: dict[str, int]) -> list[Chunk]:
    """The chunks still to make, given the images ``done`` per split."""
    return list(_chunks(job, done))


def _chunk_size(job: ExportJob, split: str, line: int) -> int:
    if job.options.chunk_size:
        return min(job.options.chunk_size, job.max_chunk)
    fast = job.vectorised.get((split, line), False)
    if job.options.format == "npz":
        return min(4096 if fast else 256, job.max_chunk)
    size = 512 if fast else 64
    if job.workers > 1:  # at least SHARES chunks per worker: they end together
        size = min(size, max(MIN_SHARED_CHUNK, -(-job.plan.total // (job.workers * SHARES))))
    return min(size, job.max_chunk)


def _chunks(job: ExportJob, done: dict[str, int]) -> Iterator[Chunk]:
    seq = 0
    for seg in job.plan.segments:
        skip = max(0, min(done[seg.split] - seg.row, seg.count))
        size = _chunk_size(job, seg.split, seg.line)
        for offset in range(skip, seg.count, size):
            n = min(size, seg.count - offset)
            yield Chunk(seq, seg.split, seg.line, seg.start + offset, n, seg.row + offset)
            seq += 1


def worker_config(job: ExportJob) -> WorkerConfig:
    """What every worker process needs (sent once when it starts)."""
    offsets: dict[str, dict[str, Any]] = {}
    if job.options.format == "npz":
        for info in job.plan.splits:
            layout = job.npz_layout(info)
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
        mask_dtype=job.mask_dtype.name,
    )


class Manifests:
    """The open manifest files of every split; records are appended in index order.

    A chunk's file records (``checksums/<split>.jsonl``) are written before its manifest
    records, so every image a manifest names has its size and hash recorded. A chunk is
    appended whole or not at all: if a write fails (disk full), every file is cut back
    to where it was before the chunk.
    """

    def __init__(self, job: ExportJob, done: dict[str, int]) -> None:
        self._job = job
        self._fds: dict[str, list[int]] = {}
        self.recorded = dict(done)

    def __enter__(self) -> Manifests:
        out = self._job.out_dir
        with_csv = self._job.options.format != "npz"
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        try:
            for info in self._job.plan.splits:
                if not info.count:
                    continue
                paths = [file_list(out, info.name)] if with_csv else []
                paths.append(out / info.name / writers.METADATA)
                if with_csv:
                    paths.append(out / info.name / writers.LABELS_CSV)
                fds = self._fds.setdefault(info.name, [])
                for path in paths:
                    fds.append(os.open(path, flags, 0o644))
        except BaseException:
            self.__exit__()
            raise
        return self

    def append(self, chunk: Chunk, result: ChunkResult) -> None:
        """Append a chunk's records (the images they name are complete)."""
        fds = self._fds[chunk.split]
        texts = [result.files] if len(fds) == 3 else []
        texts.append(result.records)
        if len(fds) == 3:
            texts.append(result.labels_csv)
        sizes = [os.lseek(fd, 0, os.SEEK_END) for fd in fds]
        try:
            for fd, text in zip(fds, texts):
                view = memoryview(text.encode("utf-8"))
                while view:
                    view = view[os.write(fd, view) :]
        except OSError:
            for fd, size in zip(fds, sizes):
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
            raise
        self.recorded[chunk.split] += result.done

    def __exit__(self, *exc) -> None:
        for fds in self._fds.values():
            for fd in fds:
                os.close(fd)
        self._fds.clear()


class RepairSink:
    """Takes the place of :class:`Manifests` when recorded images are made again.

    Their records are in the manifests already (and identical), so nothing is appended.
    """

    def __init__(self) -> None:
        self.repaired = 0

    def append(self, chunk: Chunk, result: ChunkResult) -> None:
        """Count the images made again."""
        self.repaired += result.done


def repair_chunks(job: ExportJob, redo: dict[str, set[int]]) -> list[Chunk]:
    """Chunks that make the images ``redo`` names (``split -> global indices``) again."""
    chunks: list[Chunk] = []
    for seg in job.plan.segments:
        wanted = sorted(
            i for i in redo.get(seg.split, ()) if seg.start <= i < seg.start + seg.count
        )
        run: list[int] = []
        for index in [*wanted, None]:
            if run and (index is None or index != run[-1] + 1 or len(run) >= 64):
                first = run[0]
                chunks.append(
                    Chunk(
                        len(chunks),
                        seg.split,
                        seg.line,
                        first,
                        len(run),
                        seg.row + first - seg.start,
                    )
                )
                run = []
            if index is not None:
                run.append(index)
    return chunks


def run_chunks(
    job: ExportJob,
    chunks: list[Chunk],
    manifests: Manifests | RepairSink,
    tracker: ProgressTracker,
    cancel: CancelCheck | None,
    outcome: RunOutcome,
) -> None:
    """Run ``chunks`` (in worker processes or inline), appending records in order."""
    config = worker_config(job)
    workers = min(job.workers, max(len(chunks), 1))
    stop = [False]

    def should_stop() -> bool:
        if not stop[0] and cancel is not None and cancel():
            stop[0] = outcome.cancelled = True
        return stop[0]

    state = WorkerState(config)  # this process's: inline chunks, and while workers start
    if workers <= 1:
        _run_inline(job, state, chunks, manifests, tracker, should_stop, outcome)
        return
    # The first chunk runs here, timed in CPU seconds (a busy machine must not make the
    # work look bigger); a pool starts only if it would save more than its start-up.
    state.generator(chunks[0].split, chunks[0].line)  # glyph loading is not per image
    start = time.process_time()
    if not _run_inline(job, state, chunks[:1], manifests, tracker, should_stop, outcome):
        return
    rest = chunks[1:]
    per_image = (time.process_time() - start) / chunks[0].count
    if job.pool == "always" or pool_worth_starting(per_image * sum(c.count for c in rest), workers):
        _run_pool(job, state, config, rest, manifests, tracker, should_stop, outcome, workers)
    else:
        _run_inline(job, state, rest, manifests, tracker, should_stop, outcome)


def _run_inline(
    job: ExportJob,
    state: WorkerState,
    chunks: list[Chunk],
    manifests: Manifests | RepairSink,
    tracker: ProgressTracker,
    should_stop: Callable[[], bool],
    outcome: RunOutcome,
) -> bool:
    """Run ``chunks`` in this process; whether all of them were recorded.

    When one fails or is cut short, only its own unrecorded files are removed: later
    chunks were never started (as in the pool, where only submitted chunks are cleaned),
    so a cancelled 1,000,000-image export does not try 3,000,000 deletions.
    """
    for chunk in chunks:
        if should_stop():
            return False
        try:
            result = state.run(chunk, should_stop)
            manifests.append(chunk, result)
        except OSError as exc:
            outcome.error = exc
            _remove_orphans(job, [chunk], {})
            return False
        tracker.advance(result.done)
        if result.done < chunk.count:
            _remove_orphans(job, [chunk], {chunk.seq: result.done})
            return False
    return True


def _run_pool(
    job, state, config, chunks, manifests, tracker, should_stop, outcome, workers
) -> None:
    from seqstudio.core.export.worker import init_worker, run_chunk
    from seqstudio.core.process_pool import run_tasks

    cut: list[Chunk] = []  # a chunk recorded in part (its result.done images)
    done_in_cut: dict[int, int] = {}

    def record(chunk: Chunk, result: ChunkResult) -> bool:
        manifests.append(chunk, result)  # OSError (disk full): the chunk's files are orphans
        tracker.advance(result.done)
        if result.done < chunk.count:
            cut.append(chunk)
            done_in_cut[chunk.seq] = result.done
            return False
        return True

    run = run_tasks(
        run_chunk,
        chunks,
        record,
        workers=workers,
        initializer=init_worker,
        initargs=(config,),
        should_stop=should_stop,
        local=lambda chunk: state.run(chunk, should_stop),  # while the workers start
    )
    outcome.error = outcome.error or run.error
    _remove_orphans(job, [*cut, *chunks[run.delivered : run.submitted]], done_in_cut)


def _remove_orphans(job: ExportJob, chunks: list[Chunk], recorded: dict[int, int]) -> None:
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
                split_dir / writers.MASK_DIR / f"{stem}.png",
            ):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
