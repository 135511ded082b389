"""Run the statistics engine and the inspector's dataset checks off the GUI thread.

The thread calls :func:`~seqstudio.core.stats.compute_dataset_stats` (which spreads the
decoding over spawned worker processes), then indexes the folder and runs
:func:`~seqstudio.gui.inspector.dataset_checks.check_dataset`. Everything it learns is
relayed through queued signals of :class:`StatsRunner`, a GUI-thread object.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal

from seqstudio.core.stats import StatsCancelledError, compute_dataset_stats
from seqstudio.gui.inspector.dataset_checks import check_dataset, index_folder
from seqstudio.gui.py_thread import PyThread


class _StatsThread(PyThread):
    progressed = Signal(object)
    partial = Signal(object)
    finished_stats = Signal(object)
    checked = Signal(object)
    cancelled = Signal(object)
    failed = Signal(str)

    def __init__(self, root: str, workers: int | None, partial_interval: float) -> None:
        super().__init__("seqstudio-stats")
        self.root = root
        self.workers = workers
        self.partial_interval = partial_interval
        self.cancel_event = threading.Event()

    def run(self) -> None:  # noqa: D102
        stop = self.cancel_event.is_set
        try:
            stats = compute_dataset_stats(
                self.root,
                workers=self.workers,
                progress=self.progressed.emit,
                cancel=stop,
                on_partial=self.partial.emit,
                partial_interval=self.partial_interval,
            )
        except StatsCancelledError as exc:
            self.cancelled.emit(exc.partial)
            return
        except Exception as exc:  # shown inline by the panel
            self.failed.emit(str(exc))
            return
        self.finished_stats.emit(stats)
        if stop():
            self.cancelled.emit(stats)  # the checks were cancelled
            return
        try:
            checks = check_dataset(index_folder(self.root, stop))
        except Exception as exc:  # noqa: BLE001 - the statistics stand; report the checks' failure
            self.failed.emit(f"dataset checks failed: {exc}")
            return
        if stop():
            self.cancelled.emit(stats)
        else:
            self.checked.emit(checks)


class StatsRunner(QObject):
    """One folder scan at a time; signals arrive in the GUI thread.

    Signals
    -------
    progressed(Progress)
        Image files processed of those found.
    partial(DatasetStats)
        Statistics so far (``complete`` is ``False``).
    finished(DatasetStats)
        The complete statistics.
    checked(DatasetChecks)
        Mismatches, shared glyphs and the intensity histogram (after ``finished``).
    cancelled(DatasetStats)
        The scan was cancelled; what was counted so far.
    failed(str)
        The folder cannot be scanned (or the checks failed).
    done()
        The scan thread ended (after any of the above).
    """

    progressed = Signal(object)
    partial = Signal(object)
    finished = Signal(object)
    checked = Signal(object)
    cancelled = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, parent: QObject | None = None, workers: int | None = None) -> None:
        super().__init__(parent)
        self.workers = workers
        self.partial_interval = 0.5
        self._thread: _StatsThread | None = None

    def start(self, root: str) -> None:
        """Scan ``root`` (any running scan is cancelled and awaited first)."""
        self.shutdown()
        thread = _StatsThread(root, self.workers, self.partial_interval)
        queued = Qt.ConnectionType.QueuedConnection
        thread.progressed.connect(self._on_progressed, queued)
        thread.partial.connect(self._on_partial, queued)
        thread.finished_stats.connect(self._on_finished, queued)
        thread.checked.connect(self._on_checked, queued)
        thread.cancelled.connect(self._on_cancelled, queued)
        thread.failed.connect(self._on_failed, queued)
        thread.ended.connect(self._on_thread_finished, queued)
        self._thread = thread
        thread.start()

    # Relays: bound methods of this GUI-thread object, so queued calls run in the GUI thread.
    def _on_progressed(self, value) -> None:
        if self._thread is not None:
            self.progressed.emit(value)

    def _on_partial(self, value) -> None:
        if self._thread is not None:
            self.partial.emit(value)

    def _on_finished(self, value) -> None:
        if self._thread is not None:
            self.finished.emit(value)

    def _on_checked(self, value) -> None:
        if self._thread is not None:
            self.checked.emit(value)

    def _on_cancelled(self, value) -> None:
        if self._thread is not None:
            self.cancelled.emit(value)

    def _on_failed(self, text: str) -> None:
        if self._thread is not None:
            self.failed.emit(text)

    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is not None:
            thread.wait()
            self._thread = None
            thread.deleteLater()
            self.done.emit()

    def cancel(self) -> None:
        """Ask the scan to stop (between chunks of files)."""
        if self._thread is not None:
            self._thread.cancel_event.set()

    def is_running(self) -> bool:
        """Whether a scan has not ended yet."""
        return self._thread is not None

    def shutdown(self) -> None:
        """Cancel and await the scan; its pending results are dropped."""
        thread = self._thread
        if thread is None:
            return
        self._thread = None
        thread.cancel_event.set()
        thread.wait()
        thread.deleteLater()
