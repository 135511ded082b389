"""Exports run in units: shard formats, ``--shard I/N`` (Slurm arrays) and Dask clusters.

:func:`export_in_units` checks the request like every export, records ``dataset.json``,
runs the units not yet complete (see :mod:`seqstudio.core.export.units`) on an executor
— inline, a local process pool, or Dask (:mod:`seqstudio.core.export.cluster`) — and,
once every unit of the export is complete, assembles the manifests in index order
(:func:`seqstudio.core.export.merge.merge_units`). The result is byte-identical to a
single-machine export with the same settings, however the units were run.

A shard (``shard=ShardSpec(I, N)``) runs only its units and never merges: many shards
may run at once against one shared folder; ``seqstudio merge DIR`` finishes the export.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from seqstudio.core.errors import SpecError
from seqstudio.core.export import writers
from seqstudio.core.export.destinations import Destination, open_destination
from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.manifest import (
    DATASET_JSON,
    dataset_document,
    first_difference,
    parse_dataset_json,
)
from seqstudio.core.export.merge import merge_units
from seqstudio.core.export.options import SHARD_FORMATS, ExportOptions
from seqstudio.core.export.plan import plan_job, prepare_export
from seqstudio.core.export.result import ExportResult
from seqstudio.core.export.scheduler import worker_config
from seqstudio.core.export.unit_runner import UnitConfig, is_complete
from seqstudio.core.export.units import (
    PARTS_DIR,
    SHARDING_JSON,
    ShardSpec,
    Unit,
    plan_units,
    shard_file_name,
    shard_units,
)
from seqstudio.core.progress import CancelCheck, ProgressCallback, ProgressTracker
from seqstudio.core.spec import GenerationSpec

#: Seconds a shard waits for another shard's dataset.json in a folder it finds non-empty.
JOIN_WAIT = 10.0


class UnitExecutor(Protocol):
    """Runs units somewhere; calls ``on_done(unit, images)`` in this process as each ends."""

    def run(
        self,
        config: UnitConfig,
        units: list[Unit],
        on_done: Callable[[Unit, int], None],
        should_stop: Callable[[], bool],
    ) -> None:
        """Run ``units`` (in any order); return when all ended or after a stop was asked."""


@dataclass(frozen=True)
class UnitExportResult(ExportResult):
    """An :class:`ExportResult` of an export run in units.

    ``total`` counts the images of the units this call was responsible for (a shard's
    images with ``shard``); ``merged`` tells whether the dataset was finished.
    """

    merged: bool = False
    units: int = 0
    shard: ShardSpec | None = None


def export_in_units(
    spec: GenerationSpec,
    count: int,
    out: str | Path,
    options: ExportOptions,
    *,
    shard: ShardSpec | None = None,
    executor: UnitExecutor | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> UnitExportResult:
    """Export in units to a folder or fsspec URL; see the module notes.

    Parameters
    ----------
    spec, count, options
        As for :func:`~seqstudio.core.export.engine.export_dataset` (not ``npz``).
    out : str or Path
        A local folder or an fsspec URL (``memory://…``, ``s3://…``).
    shard : ShardSpec, optional
        Run only this shard's units (joining a folder other shards write to).
    executor : UnitExecutor, optional
        Where units run; default: a local process pool of ``options.workers``.
    progress, cancel : callable, optional
        As for :func:`~seqstudio.core.export.engine.export_dataset`.

    Raises
    ------
    SpecError
        Bad settings (``shard`` names the shard option).
    ExportError
        The destination cannot take the export, or writing failed.
    """
    job, dest = prepare_units(spec, count, out, options, shard=shard)
    return run_units(job, progress, cancel, shard=shard, executor=executor, destination=dest)


def prepare_units(
    spec: GenerationSpec,
    count: int,
    out: str | Path,
    options: ExportOptions,
    shard: ShardSpec | None = None,
    check_space: bool = True,
) -> tuple[ExportJob, Destination]:
    """Check an export in units without writing anything; return the job and destination.

    ``check_space=False``: no free-space refusal (a ``--dry-run`` plan states the size).
    """
    dest = open_destination(out)
    if shard is not None and options.overwrite:
        raise SpecError(
            "overwrite", "cannot be used with shard (clear the folder before starting the shards)"
        )
    if dest.local_path is None:
        if options.format not in SHARD_FORMATS:
            raise SpecError(
                "format",
                f"{options.format} writes one file per image and needs a local folder; "
                f"{dest} takes webdataset or parquet",
            )
        job = plan_job(spec, count, Path(str(dest)), options)
        _check_remote(job, dest)
    else:
        if shard is not None and not options.resume:
            options = dataclasses.replace(options, resume=_wait_for_dataset_json(dest.local_path))
        job = prepare_export(spec, count, dest.local_path, options, check_space)
    plan_units(job.plan, job.options)  # refuses npz
    if shard is not None:
        _check_sharding(dest, shard)
    return job, dest


def _wait_for_dataset_json(folder: Path) -> bool:
    """Whether a shard joins an export another shard started (waiting briefly for it)."""
    deadline = time.monotonic() + JOIN_WAIT
    while True:
        if (folder / DATASET_JSON).is_file():
            return True
        busy = folder.is_dir() and any(True for _ in folder.iterdir())
        if not busy or time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def _check_remote(job: ExportJob, dest: Destination) -> None:
    """Empty / resume / overwrite checks for a URL destination."""
    names = dest.names("")
    if DATASET_JSON in names:
        doc = parse_dataset_json(dest.read_bytes(DATASET_JSON), f"{dest}/{DATASET_JSON}")
        if job.options.overwrite:
            return
        diff = first_difference(job.settings, doc.get("settings", {}))
        if diff:
            raise ExportError(
                f"cannot resume {dest}: its dataset was made with other settings ({diff})"
            )
        job.previous = doc
    elif names or dest.names(PARTS_DIR):
        raise ExportError(f"{dest} is not empty and holds no {DATASET_JSON}")


def run_units(
    job: ExportJob,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    *,
    shard: ShardSpec | None = None,
    executor: UnitExecutor | None = None,
    destination: Destination | None = None,
) -> UnitExportResult:
    """Run a checked job in units (see :func:`export_in_units`).

    A local folder is locked (:func:`~seqstudio.core.export.lock.export_lock`) for the
    run, except by shards, which share it by design; a shard refuses to start while
    another export or a merge holds the lock.
    """
    dest = destination if destination is not None else open_destination(job.out_dir)
    folder = dest.local_path
    if folder is None:
        return _run_units(job, progress, cancel, shard, executor, dest)
    from seqstudio.core.export.lock import export_lock, lock_holder

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {folder}: {exc.strerror or exc}") from None
    if shard is not None:
        holder = lock_holder(folder)
        if holder is not None:
            raise ExportError(
                f"{folder} is locked by another export or merge (pid {holder or 'unknown'}); "
                "run the shard once it has finished"
            )
        return _run_units(job, progress, cancel, shard, executor, dest)
    with export_lock(folder):
        return _run_units(job, progress, cancel, shard, executor, dest)


def _run_units(job, progress, cancel, shard, executor, dest) -> UnitExportResult:
    start = time.perf_counter()
    opts = job.options
    units = plan_units(job.plan, opts)
    mine = shard_units(units, shard) if shard is not None else units
    try:
        if opts.overwrite and not job.previous:
            _clear(dest, job)
        created = _start(job, dest, shard)
        if shard is not None:
            _record_sharding(dest, shard)
        pending = [u for u in mine if not is_complete(dest, u)]
    except OSError as exc:
        raise ExportError(f"cannot write to {dest}: {exc}") from None
    already = sum(u.count for u in mine) - sum(u.count for u in pending)
    tracker = ProgressTracker(sum(u.count for u in pending), progress)
    stopped = [False]

    def should_stop() -> bool:
        if not stopped[0] and cancel is not None and cancel():
            stopped[0] = True
        return stopped[0]

    config = UnitConfig(worker_config(job), str(dest), _token(job, dest))
    runner = executor if executor is not None else local_executor(opts.worker_count)
    runner.run(config, pending, lambda unit, n: tracker.advance(n), should_stop)
    tracker.finish()
    merged = False
    if shard is None and not stopped[0]:
        merged = merge_units(job, dest, created)
    return UnitExportResult(
        out_dir=Path(str(dest)),
        total=sum(u.count for u in mine),
        written=tracker.done,
        already_done=already,
        split_counts={info.name: info.count for info in job.plan.splits},
        cancelled=stopped[0],
        elapsed=time.perf_counter() - start,
        merged=merged,
        units=len(mine),
        shard=shard,
    )


def _clear(dest: Destination, job: ExportJob) -> None:
    """Overwrite: remove the part manifests and shard files, then the rest of the dataset."""
    dest.remove_tree(PARTS_DIR)
    if job.options.format in SHARD_FORMATS:
        for unit in plan_units(job.plan, job.options):
            dest.remove_file(f"{unit.split}/{shard_file_name(unit, job.options.format)}")
    if dest.local_path is not None:
        from seqstudio.core.export.folder import clear_folder

        if dest.local_path.is_dir():
            clear_folder(dest.local_path)
        return
    for name in dest.names(""):
        dest.remove_tree(name)
    for sub in ("train", "val", "test", PARTS_DIR):
        dest.remove_tree(sub)


def _start(job: ExportJob, dest: Destination, shard: ShardSpec | None) -> str | None:
    """Write ``dataset.json`` (status ``running``) unless a shard finds it; return ``created``."""
    if dest.local_path is not None and job.options.format not in SHARD_FORMATS:
        for info in job.plan.splits:
            if info.count:
                split_dir = dest.local_path / info.name
                split_dir.mkdir(parents=True, exist_ok=True)
                if job.options.masks:
                    (split_dir / writers.MASK_DIR).mkdir(exist_ok=True)
    previous = job.previous
    if previous is not None and shard is not None:
        return previous.get("created")
    doc = dataset_document(job.settings, "running", previous.get("created") if previous else None)
    dest.write_bytes(DATASET_JSON, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    return doc["created"]


def _record_sharding(dest: Destination, shard: ShardSpec) -> None:
    path = f"{PARTS_DIR}/{SHARDING_JSON}"
    if not dest.exists(path):
        dest.write_bytes(path, json.dumps({"shards": shard.count}).encode())


def _check_sharding(dest: Destination, shard: ShardSpec) -> None:
    path = f"{PARTS_DIR}/{SHARDING_JSON}"
    if dest.exists(path):
        recorded = json.loads(dest.read_bytes(path))["shards"]
        if recorded != shard.count:
            raise SpecError(
                "shard",
                f"{shard}: {dest} is being exported as {recorded} shards; "
                f"use I/{recorded} (0 ≤ I < {recorded})",
            )


def _token(job: ExportJob, dest: Destination) -> str:
    text = json.dumps([job.settings, str(dest)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ local executors
def local_executor(workers: int) -> UnitExecutor:
    """Run units inline (``workers == 1``) or in a pool of ``workers`` processes."""
    return InlineExecutor() if workers <= 1 else ProcessExecutor(workers)


class InlineExecutor:
    """Runs units one after the other in the calling process."""

    def run(self, config, units, on_done, should_stop) -> None:
        """See :class:`UnitExecutor`."""
        from seqstudio.core.export.unit_runner import runner_for

        runner = runner_for(config)
        for unit in units:
            if should_stop():
                return
            on_done(unit, runner.run(unit, should_stop))


class ProcessExecutor:
    """Runs units in a local pool of worker processes (:mod:`seqstudio.core.process_pool`)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, config, units, on_done, should_stop) -> None:
        """See :class:`UnitExecutor`; a failed unit stops the run and is raised."""
        from seqstudio.core.export.unit_runner import init_pool_worker, run_pool_unit
        from seqstudio.core.process_pool import run_tasks

        if not units:
            return
        run = run_tasks(
            run_pool_unit,
            units,
            on_done,
            workers=min(self.workers, len(units)),
            initializer=init_pool_worker,
            initargs=(config,),
            ordered=False,
            in_flight=2 * self.workers,
            should_stop=should_stop,
        )
        if run.error is not None:
            raise _unit_error(run.error)


def _unit_error(exc: BaseException) -> BaseException:
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(exc, BrokenProcessPool):
        return ExportError(
            "a worker process stopped unexpectedly (out of memory?); finish with resume"
        )
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return ExportError(f"cannot write{where}: {exc.strerror or exc} (finish with resume)")
    return exc
