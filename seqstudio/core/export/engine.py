"""The export engine: validate everything, then generate, write and record in parallel.

:func:`export_dataset` is the one entry point; the CLI and the GUI dialog are thin
layers over it. The stages live in their own modules: :mod:`~seqstudio.core.export.plan`
checks the request (:func:`prepare_export`), :mod:`~seqstudio.core.export.folder`
checks and prepares the folder, :mod:`~seqstudio.core.export.scheduler` runs the chunks
in worker processes. See :mod:`seqstudio.core.export.splits` for how images are numbered
and assigned to splits, and :mod:`seqstudio.core.export.manifest` for ``dataset.json``.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from seqstudio.core.export import writers
from seqstudio.core.export.checksums import check_dataset, record_final_files
from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.folder import check_folder, clear_folder, open_splits
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.lock import export_lock
from seqstudio.core.export.manifest import write_dataset_json
from seqstudio.core.export.options import SHARD_FORMATS, ExportOptions
from seqstudio.core.export.outputs import write_manifest_outputs
from seqstudio.core.export.plan import prepare_export
from seqstudio.core.export.result import ExportResult
from seqstudio.core.export.scheduler import (
    Manifests,
    RepairSink,
    RunOutcome,
    plan_chunks,
    repair_chunks,
    run_chunks,
)
from seqstudio.core.progress import CancelCheck, ProgressCallback, ProgressTracker
from seqstudio.core.spec import GenerationSpec


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
    return run_export(job, progress, cancel)


def run_export(
    job: ExportJob,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> ExportResult:
    """Run a job :func:`~seqstudio.core.export.plan.prepare_export` checked.

    The folder's export lock (:func:`~seqstudio.core.export.lock.export_lock`) is held
    throughout, and the folder is checked again under it. On resume, every recorded
    file is checked first and missing or damaged ones are made again.

    Parameters
    ----------
    job : ExportJob
        The checked export.
    progress, cancel : callable, optional
        As for :func:`export_dataset`.

    Returns
    -------
    ExportResult
    """
    if job.options.format in SHARD_FORMATS:  # written in units, see export.unit_export
        from seqstudio.core.export.unit_export import run_units

        return run_units(job, progress, cancel)
    start_time = time.perf_counter()
    out = job.out_dir
    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(exc) from None
    try:
        with export_lock(out):
            check_folder(job)  # again: the folder may have changed since prepare_export
            return _run_locked(job, progress, cancel, start_time)
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: nothing was written
        raise


def _run_locked(
    job: ExportJob,
    progress: ProgressCallback | None,
    cancel: CancelCheck | None,
    start_time: float,
) -> ExportResult:
    out, opts, plan = job.out_dir, job.options, job.plan
    redo: dict[str, set[int]] = {}
    if job.previous is not None:
        redo = _damage_to_repair(job)
    try:
        if opts.overwrite:
            clear_folder(out)
        created = write_dataset_json(
            out, job.settings, "running", job.previous.get("created") if job.previous else None
        )
        done = open_splits(job)
    except OSError as exc:
        raise _write_error(exc) from None
    already = sum(done.values())
    repairs = repair_chunks(job, redo)
    chunks = plan_chunks(job, done)
    tracker = ProgressTracker(sum(c.count for c in repairs + chunks), progress)
    outcome = RunOutcome()
    sink = RepairSink()
    if repairs:
        run_chunks(job, repairs, sink, tracker, cancel, outcome)
        if outcome.error is None and not outcome.cancelled:
            _check_repaired(job)
    try:
        if outcome.error is None and not outcome.cancelled:
            with Manifests(job, done) as manifests:
                run_chunks(job, chunks, manifests, tracker, cancel, outcome)
    except OSError as exc:
        outcome.error = outcome.error or exc
    tracker.finish()
    written = tracker.done - sink.repaired
    complete = already + written == plan.total
    try:
        repaired_all = sink.repaired == sum(c.count for c in repairs)
        if complete and outcome.error is None and repaired_all:
            _finalize(job, created)
            names = [info.name for info in plan.splits if info.count]
            files = record_final_files(out, names, opts.format)
            write_dataset_json(out, job.settings, "complete", created, files)
        else:
            write_dataset_json(out, job.settings, "incomplete", created)
    except OSError as exc:
        outcome.error = outcome.error or exc
    if outcome.cancelled and isinstance(outcome.error, BrokenProcessPool):
        outcome.error = None  # workers stopped by the same Ctrl+C: a cancel, not a failure
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
        repaired=sink.repaired,
    )


def _damage_to_repair(job: ExportJob) -> dict[str, set[int]]:
    """Check every recorded file of the folder; return the images to make again.

    Damaged packed (npz) arrays make their whole split be made again; damaged COCO or
    YOLO files are rewritten at completion. A damaged manifest cannot be repaired.
    """
    out = job.out_dir
    report = check_dataset(out, job.previous or {})
    redo = report.images_to_redo()
    unrepairable = []
    for problem in report.problems:
        if problem.index is not None:
            continue
        rel = problem.path
        split, _, name = rel.partition("/")
        if job.options.format == "npz" and name in ("images.npy", "masks.npy", "labels.npz"):
            (out / split / writers.METADATA).unlink(missing_ok=True)  # remade from scratch
            continue
        if name == writers.COCO_NAME or rel in (writers.YOLO_YAML, writers.CARD_NAME):
            continue  # rewritten by _finalize
        unrepairable.append(problem)
    if unrepairable:
        raise ExportError(
            f"cannot repair {out}: {'; '.join(str(p) for p in unrepairable[:3])}"
            f"{' …' if len(unrepairable) > 3 else ''} (export again with overwrite)"
        )
    return redo


def _check_repaired(job: ExportJob) -> None:
    report = check_dataset(job.out_dir, job.previous or {})
    left = [p for p in report.problems if p.index is not None]
    if left:
        raise ExportError(
            f"files made again differ from their records in {job.out_dir}: {left[0]} "
            "(was the dataset made by another seqstudio version? export again with overwrite)"
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
            "a worker process stopped unexpectedly (killed, or out of memory); the images "
            "recorded so far are kept: finish with resume"
        )
    return ExportError(str(exc))


def _finalize(job: ExportJob, created: str) -> None:
    """Write what is built from the complete manifests: npz archives, COCO, YOLO yaml, card."""
    out, opts = job.out_dir, job.options
    present = [info for info in job.plan.splits if info.count]
    if opts.format == "npz":
        partial = out / writers.PARTIAL_DIR
        for info in present:
            if (partial / f"{info.name}-images.npy").exists():
                writers.pack_split(partial, info.name, out / info.name, opts.masks)
        with contextlib.suppress(OSError):
            partial.rmdir()
    write_manifest_outputs(job, created)
