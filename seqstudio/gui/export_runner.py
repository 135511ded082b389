"""Bridge between the Qt-free export engine and the GUI thread.

:class:`ExportRunner` lives in the GUI thread. :meth:`ExportRunner.start` runs
:func:`~seqstudio.core.export.export_dataset` on a worker thread; the engine itself spreads
the work over spawned worker processes, so that thread mostly waits. Progress snapshots,
the result and failures come back through queued signals of the runner (a GUI-thread
object), so slots connected to it run in the GUI thread. Cancelling sets an event the
engine polls several times a second.

:func:`check_export` validates a request without writing anything (the same checks the
engine runs first) and estimates its disk size and time; the dialog runs it on a worker
through :func:`plan_export`, which swaps a resume for the settings the folder's
``dataset.json`` records (:func:`recorded_export`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from seqstudio.core.errors import SeqstudioError, SpecError
from seqstudio.core.export import (
    ExportOptions,
    ExportResult,
    ResumeSettings,
    export_dataset,
    resume_settings,
)
from seqstudio.core.progress import Progress
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.runners import LatestRunner
from seqstudio.gui.workers import Job

#: Files per second a folder-of-images export can write (bound by the filesystem: small
#: files were measured at ~3,700-9,200 files/s, cv2.imwrite PNGs at ~2,200-3,500/s on a
#: 2-core Debian 12 machine), used to cap the time estimate.
FILE_WRITE_RATE = 3000.0


@dataclass(frozen=True)
class ExportRequest:
    """Everything one export needs: what the dialog shows, frozen."""

    spec: GenerationSpec
    count: int
    out_dir: str
    options: ExportOptions
    cluster: str | None = None  # Dask: None no, "" a local cluster, else the scheduler address

    def resumed(self) -> ExportRequest:
        """The same export, finishing what is already in the folder."""
        options = dataclasses.replace(self.options, resume=True, overwrite=False)
        return dataclasses.replace(self, options=options)


@dataclass(frozen=True)
class ExportEstimate:
    """What :func:`check_export` found: images still to make, bytes and seconds."""

    total: int
    remaining: int
    bytes: float
    seconds: float
    workers: int


@dataclass(frozen=True)
class ExportFailure:
    """Why an export could not start or stopped: the field to blame and a message."""

    field: str
    message: str


_RATE_CACHE: dict[tuple, float] = {}


def _seconds_per_image(spec: GenerationSpec, fmt: str, masks: bool) -> float:
    """Measure the cost of one image (generate + encode) on this machine (cached)."""
    from seqstudio.core.export import writers
    from seqstudio.core.generator import SequenceGenerator

    key = (spec.to_json(), fmt, masks)
    if key not in _RATE_CACHE:
        generator = SequenceGenerator(spec)
        start = time.perf_counter()
        n = 64
        batch = generator.batch(0, n, masks=masks)
        if fmt != "npz":
            for k in range(min(n, 32)):
                writers.encode_image(batch.images[k], fmt, 95)
            encode = (time.perf_counter() - start) / n
        else:
            encode = (time.perf_counter() - start) / n
        _RATE_CACHE[key] = encode * 1.5  # manifests, records and scheduling
    return _RATE_CACHE[key]


def check_export(request: ExportRequest) -> ExportEstimate:
    """Validate ``request`` like the engine does (nothing is written) and estimate it.

    Raises
    ------
    SpecError
        A bad count, spec, sequences file or option (``field`` names it).
    SeqstudioError
        The folder cannot be used (not empty, not a folder, unwritable, too little space).
    """
    from seqstudio.core.export import prepare_export, recorded_count

    job = prepare_export(request.spec, request.count, request.out_dir, request.options)
    total = job.plan.total
    remaining = total
    if job.previous is not None:
        remaining = max(total - recorded_count(job), 0)
    workers = max(1, min(request.options.worker_count, remaining or 1))
    per_image = _seconds_per_image(request.spec, request.options.format, request.options.masks)
    rate = workers / per_image if per_image > 0 else float("inf")
    if request.options.format != "npz":
        rate = min(rate, FILE_WRITE_RATE)
    seconds = remaining / rate + 0.6  # + worker start-up (spawn imports numpy, OpenCV)
    return ExportEstimate(total, remaining, remaining * job.bytes_per_image, seconds, workers)


@dataclass(frozen=True)
class RecordedExport:
    """An unfinished export to finish with the settings its ``dataset.json`` records.

    Attributes
    ----------
    request : ExportRequest
        What runs: the recorded spec, count and options, the chosen number of workers.
    recorded : ResumeSettings
        The settings read from the folder.
    differences : tuple of str
        Where the settings the user currently has differ from the recorded ones
        (``"width 300 (recorded 200)"``); empty when they match.
    """

    request: ExportRequest
    recorded: ResumeSettings
    differences: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line naming the recorded settings (``"14543, 200×28, 20,000 images"``)."""
        spec, count, options = self.recorded
        if options.sequence_lines is not None:
            what = f"{len(options.sequence_lines):,} sequences from a file"
        elif spec.random is not None:
            what = f"random sequences of {spec.random.min_length}–{spec.random.max_length} labels"
        elif all(len(d) == 1 for d in spec.digits):
            what = "".join(spec.digits)
        else:
            what = ",".join(spec.digits)
        return f"{what}, {spec.width}×{spec.height}, {count:,} images"


def recorded_export(
    request: ExportRequest, current: ExportRequest | None = None
) -> RecordedExport | None:
    """The export that finishes the unfinished one in ``request.out_dir``, if there is one.

    Reads the folder's ``dataset.json`` (call it on a worker thread).

    Parameters
    ----------
    request : ExportRequest
        Gives the folder and the number of workers (everything else is taken from the
        record).
    current : ExportRequest, optional
        The settings the user has now, compared with the record (``request`` by default).

    Returns
    -------
    RecordedExport or None
        ``None`` when the folder holds no ``dataset.json`` or a complete export.

    Raises
    ------
    ExportError
        ``dataset.json`` is unreadable, damaged or records settings this version cannot use.
    """
    from seqstudio.core.export.manifest import read_dataset_json

    folder = Path(request.out_dir).expanduser()
    if not (folder / "dataset.json").is_file():
        return None
    if read_dataset_json(folder).get("status") == "complete":
        return None
    recorded = resume_settings(folder)
    spec, count, options = recorded
    options = dataclasses.replace(
        options, workers=request.options.workers, chunk_size=request.options.chunk_size
    )
    run = ExportRequest(spec, count, request.out_dir, options, request.cluster)
    return RecordedExport(run, recorded, _differences(current or request, recorded))


def _differences(current: ExportRequest, recorded: ResumeSettings) -> tuple[str, ...]:
    """Where ``current`` differs from ``recorded`` (short texts, in field order)."""
    from seqstudio.core.export.settings import ExportSettings

    ours = ExportSettings(current.spec, current.count, current.options)
    unreadable = False
    if current.options.sequences_file is not None:
        try:
            ours = ours.with_sequences_file(current.options.sequences_file, current.count)
        except SeqstudioError:
            unreadable = True
            ours = recorded.settings  # compared below field by field, sequences aside
            ours = ExportSettings(current.spec, ours.count, ours.options)
    found: list[str] = []
    for difference in ours.diff(recorded.settings):
        text = "random" if difference.field.startswith("random.") else difference.describe()
        if text not in found:
            found.append(text)
    if unreadable and "sequences" not in found:
        found.append("sequences")
    return tuple(found)


@dataclass(frozen=True)
class ExportCheck:
    """What the dialog's checker found for a request.

    Attributes
    ----------
    request : ExportRequest
        The export to run: the request itself, or the recorded settings when it resumes an
        unfinished export (see :func:`recorded_export`).
    estimate : ExportEstimate
    recorded : RecordedExport or None
        Set when the recorded settings replace the request's.
    """

    request: ExportRequest
    estimate: ExportEstimate
    recorded: RecordedExport | None = None


def plan_export(request: ExportRequest) -> ExportCheck:
    """Check ``request`` (see :func:`check_export`); a resume uses the recorded settings.

    Reads the output folder (call it on a worker thread).
    """
    recorded = recorded_export(request) if request.options.resume else None
    run = recorded.request if recorded is not None else request
    return ExportCheck(run, check_export(run), recorded)


def failure_of(exc: BaseException) -> ExportFailure:
    """Turn an exception from the engine into a field and a one-line message."""
    if isinstance(exc, SpecError):
        return ExportFailure(exc.field, exc.message)
    if isinstance(exc, SeqstudioError):
        return ExportFailure("folder", str(exc))
    return ExportFailure("export", f"{type(exc).__name__}: {exc}")


class ExportRunner(QObject):
    """Runs one export at a time off the GUI thread and relays what happens.

    Signals
    -------
    started(ExportRequest)
        An export began.
    progressed(Progress)
        Images made by this run, of those it has to make (a few times a second).
    finished(ExportResult)
        The export ended (complete or cancelled: see ``result.cancelled``).
    failed(ExportFailure)
        The export could not start or stopped on an error (records written stay valid).
    resolved(RecordedExport)
        A ``recorded=True`` start found an unfinished export and runs its recorded
        settings (before any progress; :attr:`last_request` is then the request run).
    """

    started = Signal(object)
    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    resolved = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = LatestRunner("seqstudio-export", self)
        self._job.yielded.connect(self._on_progress)
        self._job.returned.connect(self.finished)
        self._job.errored.connect(self._on_failed)
        self.last_request: ExportRequest | None = None
        self.last_progress: Progress | None = None

    def start(
        self,
        request: ExportRequest,
        *,
        recorded: bool = False,
        current: ExportRequest | None = None,
    ) -> bool:
        """Start ``request``; return ``False`` if an export is already running.

        With ``recorded=True`` the worker first reads ``request.out_dir``'s
        ``dataset.json``: an unfinished export there is finished with its recorded
        settings and ``request``'s workers (:attr:`resolved` says so, with the differences
        from ``current``); otherwise ``request`` runs as given.
        """
        if self.is_running():
            return False

        def work(job: Job) -> ExportResult:
            run = request
            if recorded:
                found = recorded_export(request, current)
                if found is not None:
                    run = found.request
                    job.report(found)
            if run.cluster is not None:
                return export_on_dask(run, job.report, job.cancelled)
            return export_dataset(
                run.spec,
                run.count,
                run.out_dir,
                run.options,
                progress=job.report,
                cancel=job.cancelled,
            )

        self.last_request = request
        self.last_progress = None
        self._job.submit(work)
        self.started.emit(request)
        return True

    def cancel(self) -> None:
        """Ask the running export to stop (it stops within a second, consistent)."""
        self._job.cancel()

    def is_running(self) -> bool:
        """Whether an export thread is alive or its result is not delivered yet."""
        return self._job.is_busy()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the export thread ends (used only when the window closes)."""
        return self._job.wait(timeout_ms)

    def shutdown(self) -> None:
        """Cancel any export and wait for its thread; pending signals are dropped."""
        self._job.shutdown()

    # ------------------------------------------------------------------ relays (GUI thread)
    def _on_progress(self, progress: Progress | RecordedExport) -> None:
        if isinstance(progress, RecordedExport):
            self.last_request = progress.request
            self.resolved.emit(progress)
            return
        self.last_progress = progress
        self.progressed.emit(progress)

    def _on_failed(self, exc: Exception) -> None:
        # reported inline by the dialog, never raised into Qt
        self.failed.emit(failure_of(exc))


def export_on_dask(request: ExportRequest, progress, cancel) -> ExportResult:
    """Run ``request`` on Dask (see :mod:`seqstudio.core.export.cluster`); worker thread only."""
    from seqstudio.core.export.cluster import DaskExecutor
    from seqstudio.core.export.unit_export import export_in_units

    executor = DaskExecutor(request.cluster or None, request.options.worker_count)
    return export_in_units(
        request.spec,
        request.count,
        request.out_dir,
        request.options,
        executor=executor,
        progress=progress,
        cancel=cancel,
    )
