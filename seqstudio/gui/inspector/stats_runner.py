"""Run the statistics engine (with its QA checks) off the GUI thread.

The thread calls :func:`~seqstudio.core.stats.compute_dataset_stats` (which spreads the
decoding over spawned worker processes and runs the QA checks), then samples the
grey-level histogram (:func:`~seqstudio.core.stats.pixelmaps.intensity_histogram`).
Everything it learns is relayed through queued signals of :class:`StatsRunner`, a
GUI-thread object.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from seqstudio.core.stats import StatsCancelledError, compute_dataset_stats
from seqstudio.core.stats.pixelmaps import intensity_histogram
from seqstudio.gui.py_thread import CancellableJob, CurrentJob


def _scan(root: str, workers: int | None, interval: float, report, cancel) -> object:
    """Worker thread: statistics and checks, then the grey-level histogram.

    Reports ``(signal name, value)`` pairs (``progressed``, ``partial``, ``finished``);
    returns the histogram; raises :class:`StatsCancelledError` when cancelled (also after
    the statistics, with the complete statistics).
    """
    stats = compute_dataset_stats(
        root,
        workers=workers,
        progress=lambda value: report(("progressed", value)),
        cancel=cancel,
        on_partial=lambda value: report(("partial", value)),
        partial_interval=interval,
        on_index=lambda value: report(("indexed", value)),
    )
    report(("finished", stats))
    if cancel():
        raise StatsCancelledError(stats)
    histogram = intensity_histogram(root, stats.sample_images)
    if cancel():
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
        The scan thread ended (after any of the above).
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
        self._job = CurrentJob(self)

    def start(self, root: str) -> None:
        """Scan ``root`` (any running scan is cancelled and awaited first)."""
        workers, interval = self.workers, self.partial_interval
        job = CancellableJob(
            "seqstudio-stats", lambda report, cancel: _scan(root, workers, interval, report, cancel)
        )
        self._job.start(
            job,
            progressed=self._on_report,
            succeeded=self.histogram.emit,
            failed=self._on_failed,
            ended=self._on_ended,
        )

    # Relayed callbacks (GUI thread).
    def _on_report(self, item: tuple[str, object]) -> None:
        name, value = item
        getattr(self, name).emit(value)

    def _on_failed(self, exc: Exception) -> None:
        if isinstance(exc, StatsCancelledError):
            self.cancelled.emit(exc.partial)
        else:
            self.failed.emit(str(exc))

    def _on_ended(self) -> None:
        self._job.finish()
        self.done.emit()

    def cancel(self) -> None:
        """Ask the scan to stop (between chunks of files)."""
        self._job.cancel()

    def is_running(self) -> bool:
        """Whether a scan has not ended yet."""
        return self._job.is_running()

    def shutdown(self) -> None:
        """Cancel and await the scan; its pending results are dropped."""
        self._job.shutdown()
