"""Run the statistics engine (with its QA checks) off the GUI thread.

The thread calls :func:`~seqstudio.core.stats.compute_dataset_stats` (which spreads the
decoding over spawned worker processes and runs the QA checks), then samples the
grey-level histogram (:func:`~seqstudio.core.stats.pixelmaps.intensity_histogram`).
Everything it learns travels as typed values (``FolderIndex``, ``Progress``, partial and
complete ``DatasetStats``) through a newest-wins :class:`~seqstudio.gui.runners.LatestRunner`
and comes out as the typed signals of :class:`StatsRunner`, a GUI-thread object.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from seqstudio.core.progress import Progress
from seqstudio.core.stats import (
    DatasetStats,
    FolderIndex,
    StatsCancelledError,
    compute_dataset_stats,
)
from seqstudio.core.stats.pixelmaps import intensity_histogram
from seqstudio.gui.runners import LatestRunner
from seqstudio.gui.workers import Job


def _scan(root: str, workers: int | None, interval: float, job: Job) -> object:
    """Worker thread: statistics and checks, then the grey-level histogram.

    Reports typed values: the :class:`FolderIndex`, :class:`Progress`, partial
    :class:`DatasetStats` (``complete=False``) and the complete :class:`DatasetStats`;
    returns the histogram; raises :class:`StatsCancelledError` when cancelled (also after
    the statistics, with the complete statistics).
    """
    stats = compute_dataset_stats(
        root,
        workers=workers,
        progress=job.report,
        cancel=job.cancelled,
        on_partial=job.report,
        partial_interval=interval,
        on_index=job.report,
    )
    job.report(stats)
    if job.cancelled():
        raise StatsCancelledError(stats)
    histogram = intensity_histogram(root, stats.sample_images)
    if job.cancelled():
        raise StatsCancelledError(stats)
    return histogram


class StatsRunner(QObject):
    """One folder scan at a time; signals arrive in the GUI thread.

    Signals
    -------
    indexed(FolderIndex)
        The folder's roles and manifest facts, before any decoding.
    progressed(Progress)
        Image files processed of those found.
    partial(DatasetStats)
        Statistics so far (``complete`` is ``False``).
    finished(DatasetStats)
        The complete statistics.
    histogram(IntensityHistogram)
        The grey-level histogram of a sample of the images (after ``finished``).
    cancelled(DatasetStats)
        The scan was cancelled; what was counted so far.
    failed(str)
        The folder cannot be scanned (or the checks failed).
    done()
        The newest scan ended (after any of the above), or was cancelled while it
        waited for the previous one to stop (then nothing else is emitted for it).
    """

    indexed = Signal(object)
    progressed = Signal(object)
    partial = Signal(object)
    finished = Signal(object)
    histogram = Signal(object)
    cancelled = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, parent: QObject | None = None, workers: int | None = None) -> None:
        super().__init__(parent)
        self.workers = workers
        self.partial_interval = 0.5
        self._job = LatestRunner("seqstudio-stats", self)
        self._job.yielded.connect(self._on_report)
        self._job.returned.connect(self.histogram)
        self._job.errored.connect(self._on_failed)
        self._job.finished.connect(self.done)

    def start(self, root: str) -> None:
        """Scan ``root`` (a running scan is cancelled; its results are dropped)."""
        workers, interval = self.workers, self.partial_interval
        self._job.submit(lambda job: _scan(root, workers, interval, job))

    # Relayed values (GUI thread), told apart by type.
    def _on_report(self, value: object) -> None:
        if isinstance(value, Progress):
            self.progressed.emit(value)
        elif isinstance(value, FolderIndex):
            self.indexed.emit(value)
        elif isinstance(value, DatasetStats):
            (self.finished if value.complete else self.partial).emit(value)

    def _on_failed(self, exc: Exception) -> None:
        if isinstance(exc, StatsCancelledError):
            self.cancelled.emit(exc.partial)
        else:
            self.failed.emit(str(exc))

    def cancel(self) -> None:
        """Ask the scan to stop (between chunks of files); a scan still waiting never starts."""
        self._job.cancel()

    def is_running(self) -> bool:
        """Whether a scan has not ended yet."""
        return self._job.is_busy()

    def shutdown(self) -> None:
        """Cancel and await the scan; its pending results are dropped."""
        self._job.shutdown()
