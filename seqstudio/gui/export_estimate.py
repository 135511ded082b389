"""Export time estimates that are measured, not guessed, and an ETA that does not jump.

:func:`measure_export` runs a short real export of the dialog's settings — same spec,
format, annotations, masks, splits and worker count, through the same engine and worker
processes, in the engine's own chunk size — into a scratch folder on the same filesystem
as the target: :data:`TRIAL_CHUNKS` chunks per worker. The slope of its progress reports
(steady state, every worker running) gives the cost per image; what the trial took
beyond that is the start-up (process spawn, per-process warm-up, the final flush):
``seconds = startup + per_image × images``. That covers what a
static guess cannot: process start-up, the machine's current load, the disk.

:func:`smoothed_eta` blends that measurement with the running export's own progress, so
the first seconds (worker start-up, no images yet) do not produce absurd ETAs.

:class:`EstimateMeasurer` runs the measurement on its own newest-wins worker and caches it
per settings, so it runs once per change of the settings that matter for speed.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from seqstudio.core.export import ExportOptions
from seqstudio.core.progress import Progress, format_duration
from seqstudio.gui.export_runner import ExportEstimate, ExportRequest
from seqstudio.gui.runners import LatestRunner

SCRATCH_PREFIX = ".seqstudio-estimate-"
#: Chunks (of the engine's own size, at most MAX_TRIAL_CHUNK) per worker in the trial run.
TRIAL_CHUNKS = 6
MAX_TRIAL_CHUNK = 512


class MeasurementCancelled(Exception):
    """The trial run was stopped (a newer request, the export started, the dialog closed)."""


@dataclass(frozen=True)
class MeasuredRate:
    """A fitted export cost: ``seconds(n) = startup + per_image * n``.

    Attributes
    ----------
    startup : float
        Seconds before the first image (folder checks, worker processes starting).
    per_image : float
        Seconds per image with the request's worker count.
    images : int
        Images the trial run wrote (the weight of this measurement).
    trial_seconds : float
        How long the trial run took.
    """

    startup: float
    per_image: float
    images: int
    trial_seconds: float

    def seconds(self, images: int) -> float:
        """Predicted wall time of an export of ``images`` images."""
        return self.startup + self.per_image * max(0, images)


def _scratch_parent(out_dir: str) -> str | None:
    """The nearest existing, writable folder above ``out_dir`` (same filesystem), if any."""
    path = Path(out_dir).expanduser().absolute()
    for folder in (path, *path.parents):
        if folder.is_dir():
            probe = folder / f"{SCRATCH_PREFIX}probe"
            try:
                probe.mkdir()
                probe.rmdir()
            except OSError:
                return None
            return str(folder)
    return None


def _trial_options(request: ExportRequest) -> ExportOptions:
    """``request``'s options without what does not change the speed per image (resume,
    overwrite, sequences, chunk size): what a trial export runs and what its rate is for."""
    return dataclasses.replace(
        request.options,
        resume=False,
        overwrite=False,
        sequences_file=None,
        sequence_lines=None,
        chunk_size=None,
    )


def speed_key(request: ExportRequest) -> tuple:
    """What the measured speed depends on (not the count, folder, resume or sequences)."""
    return (request.spec, _trial_options(request))


def measure_export(
    request: ExportRequest, cancel: Callable[[], bool] | None = None
) -> MeasuredRate:
    """Time a short real export of ``request``'s settings and fit the cost line.

    Parameters
    ----------
    request : ExportRequest
        The export to estimate (its folder is not used; nothing is written there — the
        trial runs write into a scratch folder next to it and delete it).
    cancel : callable, optional
        Polled by the engine; returning true stops the measurement within a second.

    Returns
    -------
    MeasuredRate

    Raises
    ------
    MeasurementCancelled
        ``cancel`` returned true.
    """
    from seqstudio.core.export import prepare_export, run_export
    from seqstudio.core.export.scheduler import plan_chunks

    options = _trial_options(request)
    with tempfile.TemporaryDirectory(
        prefix=SCRATCH_PREFIX, dir=_scratch_parent(request.out_dir), ignore_cleanup_errors=True
    ) as scratch:
        job = prepare_export(request.spec, request.count, Path(scratch) / "plan", options)
        chunk = max(c.count for c in plan_chunks(job, defaultdict(int)))
        chunk = min(chunk, MAX_TRIAL_CHUNK)
        options = dataclasses.replace(options, chunk_size=chunk)
        workers = max(1, min(options.worker_count, request.count // chunk or 1))
        count = min(request.count, TRIAL_CHUNKS * chunk * workers)
        snapshots: list[Progress] = []
        start = time.perf_counter()
        trial = prepare_export(request.spec, count, Path(scratch) / "trial", options)
        if count < request.count:  # the export it times is larger: it will start the pool
            trial.pool = "always"
        result = run_export(trial, snapshots.append, cancel)
        total = time.perf_counter() - start
        if result.cancelled:
            raise MeasurementCancelled()
    return fit_rate(snapshots, count, total)


def fit_rate(snapshots: list[Progress], count: int, total: float) -> MeasuredRate:
    """Fit start-up and per-image cost to a trial's progress snapshots.

    The per-image cost is the slope between the first and the last report with images
    (the steady state, once every worker has started); the start-up is what the whole
    trial took beyond that. With too few reports the whole time counts per image.
    """
    reports = [p for p in snapshots if p.done > 0]
    # The first chunk carries each worker's warm-up (glyph pool, caches): the slope starts
    # after it when there are enough reports to leave it out.
    reports = reports[1:] if len(reports) > 2 else reports
    first, last = (reports[0], reports[-1]) if reports else (None, None)
    per_image = total / max(1, count)
    if first is not None and last.done - first.done >= count // 4 and last.elapsed > first.elapsed:
        per_image = (last.elapsed - first.elapsed) / (last.done - first.done)
    startup = max(0.0, total - per_image * count)
    return MeasuredRate(startup, per_image, count, total)


def smoothed_eta(progress: Progress, prior: MeasuredRate | None) -> float | None:
    """Seconds left, from the progress so far blended with the measured rate.

    The measured rate counts as ``prior.images`` images already seen, so the ETA starts
    at the measurement's prediction and moves to the export's own rate as images come
    in; the measured start-up time is not charged to the rate.
    """
    if prior is None:
        return progress.eta
    left = max(progress.total - progress.done, 0)
    if progress.done == 0:
        return max(prior.seconds(progress.total) - progress.elapsed, prior.per_image * left)
    busy = max(progress.elapsed - prior.startup, 0.0)
    rate = (progress.done + prior.images) / (busy + prior.images * prior.per_image)
    return left / rate


def size_text(n: float) -> str:
    """Bytes in words: ``"1.2 MB"``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def describe_estimate(
    estimate: ExportEstimate, rate: MeasuredRate | None, failure: str = ""
) -> str:
    """The dialog's estimate line: images, disk size and time (measured, or being measured).

    ``failure``: why the trial run could not measure the time (shown instead).
    """
    resumed = ""
    if estimate.remaining < estimate.total:
        resumed = f" ({estimate.total - estimate.remaining:,} already in the folder)"
    workers = f"{estimate.workers} worker{'s' if estimate.workers != 1 else ''}"
    if failure:
        time_text = f"time not measured ({failure})"
    elif rate is None:
        time_text = f"measuring the time with {workers}…"
    else:
        time_text = (
            f"about {format_duration(rate.seconds(estimate.remaining))} with {workers} "
            f"(measured: {rate.images:,} images in {rate.trial_seconds:.1f} s, "
            f"{1 / rate.per_image:,.0f} images/s after {rate.startup:.1f} s start-up)"
        )
    return (
        f"{estimate.remaining:,} images to write{resumed} · about "
        f"{size_text(estimate.bytes)} on disk · {time_text}"
    )


class EstimateMeasurer(QObject):
    """Measures export speed on a Python worker thread, once per speed-relevant settings.

    One trial runs at a time. A request for other settings cancels the running trial
    (it stops within a second) and starts when it has ended; the GUI thread never waits.

    Signals
    -------
    measured(object, object)
        ``(request, MeasuredRate)`` for the newest request (GUI thread).
    failed(object, str)
        ``(request, message)``: the trial export failed.
    """

    measured = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache: dict[tuple, MeasuredRate] = {}
        self._job = LatestRunner("seqstudio-export-estimate", self)
        self._job.returned.connect(self._on_done)
        self._job.errored.connect(self._on_failed)
        self._running: ExportRequest | None = None  # the request the newest trial answers

    def cached(self, request: ExportRequest) -> MeasuredRate | None:
        """The measurement for ``request``'s settings, if one was made."""
        return self._cache.get(speed_key(request))

    def measure(self, request: ExportRequest) -> MeasuredRate | None:
        """Return the cached measurement, or start one (answered by :attr:`measured`)."""
        rate = self.cached(request)
        if rate is not None:
            return rate
        running = self._running
        if self._job.is_busy() and running is not None and speed_key(running) == speed_key(request):
            self._running = request  # the running trial answers it
            return None
        self._running = request
        self._job.submit(lambda job: (request, measure_export(request, job.cancelled)))
        return None

    def _on_done(self, outcome: tuple[ExportRequest, MeasuredRate]) -> None:
        request, rate = outcome
        self._cache[speed_key(request)] = rate
        if self._running is not None and speed_key(self._running) == speed_key(request):
            self.measured.emit(self._running, rate)

    def _on_failed(self, exc: object) -> None:
        if isinstance(exc, MeasurementCancelled) or self._running is None:
            return
        self.failed.emit(self._running, f"{type(exc).__name__}: {exc}")

    def forget(self) -> None:
        """Drop the cached measurements (the machine's load changed; measure afresh)."""
        self._cache.clear()

    def is_busy(self) -> bool:
        """Whether a measurement is running or waiting."""
        return self._job.is_busy()

    def stop(self) -> None:
        """Stop a running measurement and drop a waiting one (e.g. the export starts)."""
        self._running = None
        self._job.cancel()

    def shutdown(self) -> None:
        """Stop the measurement and wait for its thread (at most about a second)."""
        self._job.shutdown()

    def is_running(self) -> bool:
        """Whether a trial thread is alive."""
        return self._job.is_running()
