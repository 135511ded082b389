"""Full MNIST from the GUI: download it (progress, cancel) or import an existing IDX copy.

:class:`DataActions` owns the window's "Download full MNIST…" and "Import MNIST folder…"
actions and a small status-bar widget (message, progress bar, Cancel button). The download
runs :func:`~seqstudio.core.datasets.download_mnist` on a Python worker thread; its
progress and outcome come back through queued signals, so the slots run in the GUI thread.
The import runs :func:`~seqstudio.core.datasets.import_idx_folder` on the window's
:class:`~seqstudio.gui.runners.QueuedRunner`. Either way success switches the sequence source
through the model, and a failure is a message in the status bar (never a modal box): the
current source keeps working.

An IDX folder chosen in the sequence panel is remembered the same way once the preview
has rendered from it (the model's last good spec uses it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QWidget,
)

from seqstudio.core.datasets import (
    MNIST_MANIFEST,
    DownloadCancelled,
    Manifest,
    SourceInfo,
    download_mnist,
    import_idx_folder,
    imported_idx_folder,
    mnist_download_dir,
)
from seqstudio.core.errors import SeqstudioError
from seqstudio.core.progress import Progress, format_duration
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import ERROR_STYLE
from seqstudio.gui.runners import LatestRunner, QueuedRunner
from seqstudio.gui.settings import AppSettings
from seqstudio.gui.workers import Job

DirectoryChooser = Callable[[str, str], str]


@dataclass(frozen=True)
class DownloadStatus:
    """A status line of the download (which mirror, resuming, verifying), beside its Progress."""

    line: str


MESSAGE_WIDTH = 520  # pixels of status-bar text before it is elided (full text in the tooltip)


@dataclass(frozen=True)
class DownloadOptions:
    """Where the GUI's download goes and comes from (tests point it at a local server).

    Attributes
    ----------
    dest : str or Path or None
        Target folder (default: the user's data folder).
    mirrors : sequence of str or None
        Base URLs tried in order (default: ``$SEQSTUDIO_MNIST_MIRRORS``, the config, the
        well-known mirrors).
    manifest : Manifest
        The files and their digests.
    timeout : float
        Seconds a connection or read may stall; also bounds how long a cancel can wait
        for a silent server.
    """

    dest: str | Path | None = None
    mirrors: Sequence[str] | None = None
    manifest: Manifest = MNIST_MANIFEST
    timeout: float = 30.0


def format_bytes(count: float) -> str:
    """``"9.5 MB"``, ``"812 kB"``, ``"40 B"`` (decimal units, like download tools)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}" if unit != "kB" else f"{count / size:.0f} {unit}"
    return f"{int(count)} B"


def describe_progress(progress: Progress) -> str:
    """One line for a download's progress: bytes, rate and time left."""
    done = format_bytes(progress.done)
    amount = f"{done} of {format_bytes(progress.total)}" if progress.total > 0 else done
    parts = [amount]
    if progress.rate > 0:
        parts.append(f"{format_bytes(progress.rate)}/s")
    if progress.eta is not None:
        parts.append(f"{format_duration(progress.eta)} left")
    return "Downloading MNIST: " + ", ".join(parts)


class DataStatus(QWidget):
    """The status-bar part of the data actions: a message, a progress bar and Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the download (what arrived is kept; retry resumes)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button)
        self.text = ""
        self.show_message("")

    def show_message(self, text: str, error: bool = False) -> None:
        """Show ``text`` (elided to fit; in full in the tooltip); hide the progress."""
        self._set_text(text, error)
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.setVisible(bool(text))

    def show_progress(self, text: str, fraction: float | None) -> None:
        """Show a running download: ``text``, a bar (busy when ``fraction`` is None), Cancel."""
        self._set_text(text, False)
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(fraction * 1000))
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.setVisible(True)

    def _set_text(self, text: str, error: bool) -> None:
        self.text = text
        metrics = QFontMetrics(self.message.font())
        self.message.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, MESSAGE_WIDTH))
        self.message.setToolTip(text if self.message.text() != text else "")
        self.message.setStyleSheet(ERROR_STYLE if error else "")


class DataActions(QObject):
    """The window's full-MNIST actions: download (with progress and cancel) and import.

    Parameters
    ----------
    window : QMainWindow
        The window whose status bar shows progress and messages.
    model : GeneratorModel
        Receives the new ``source`` on success.
    settings : AppSettings
        Remembers the folder last chosen for an import.
    tasks : QueuedRunner
        Runs the import's validation off the GUI thread.
    choose_directory : callable, optional
        ``(title, start_folder) -> folder or ""``; a folder dialog by default.
    options : DownloadOptions, optional
        Download target, mirrors and manifest (the real MNIST by default).

    Signals
    -------
    downloadProgress(Progress)
        Bytes downloaded so far, of the total (GUI thread, a few times a second).
    downloadFinished(str)
        ``"done"``, ``"failed"`` or ``"cancelled"`` (GUI thread, after the thread ended).
    importFinished(bool)
        Whether the chosen folder was valid and is now the source.
    """

    downloadProgress = Signal(object)
    downloadFinished = Signal(str)
    importFinished = Signal(bool)

    def __init__(
        self,
        window: QMainWindow,
        model: GeneratorModel,
        settings: AppSettings,
        tasks: QueuedRunner,
        choose_directory: DirectoryChooser | None = None,
        options: DownloadOptions | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.settings = settings
        self.tasks = tasks
        self.choose_directory = choose_directory or self._directory_dialog
        self.options = options if options is not None else DownloadOptions()
        self._job = LatestRunner("seqstudio-download", self)
        self._job.yielded.connect(self._on_report)
        self._job.returned.connect(self._on_download_succeeded)
        self._job.errored.connect(self._on_download_failed)
        self._checked_source = "bundled"
        self.last_status = ""

        self.status = DataStatus()
        self.status.cancel_button.clicked.connect(self.cancel_download)
        window.statusBar().insertPermanentWidget(0, self.status)

        self.download_action = QAction("&Download full MNIST…", window)
        self.download_action.setStatusTip(
            "Fetch the four standard MNIST files (about 11.6 MB) into your data folder"
        )
        self.download_action.triggered.connect(self.start_download)
        self.import_action = QAction("&Import MNIST folder…", window)
        self.import_action.setStatusTip(
            "Use a folder that already holds the four MNIST IDX files (checked, remembered)"
        )
        self.import_action.triggered.connect(self.choose_import_folder)
        model.specChanged.connect(self._on_spec_changed)

    def add_to_menu(self, menu: QMenu) -> None:
        """Add both actions to ``menu``."""
        menu.addAction(self.download_action)
        menu.addAction(self.import_action)

    # ------------------------------------------------------------------ download
    def start_download(self) -> bool:
        """Start the download on a worker thread; ``False`` if one is already running."""
        if self._job.is_busy():
            return False
        opts = self.options

        def work(job: Job) -> str:  # reports Progress and DownloadStatus values
            folder = download_mnist(
                opts.dest,
                mirrors=opts.mirrors,
                progress=job.report,
                cancel=job.cancelled,
                timeout=opts.timeout,
                manifest=opts.manifest,
                status=lambda line: job.report(DownloadStatus(line)),
            )
            return str(folder)

        self.download_action.setEnabled(False)
        self.status.cancel_button.setEnabled(True)
        self.status.show_progress("Downloading MNIST: connecting…", None)
        self._job.submit(work)
        return True

    def cancel_download(self) -> None:
        """Ask a running download to stop (the partial file is kept; a retry resumes it)."""
        if self._job.is_busy():
            self._job.cancel()
            self.status.cancel_button.setEnabled(False)
            self.status.show_progress("Cancelling the download…", None)

    def is_running(self) -> bool:
        """Whether a download thread is alive or its outcome is not delivered yet."""
        return self._job.is_busy()

    def _on_report(self, progress: Progress | DownloadStatus) -> None:
        if isinstance(progress, DownloadStatus):
            self.last_status = progress.line
            return
        fraction = progress.fraction if progress.total > 0 else None
        self.status.show_progress(describe_progress(progress), fraction)
        if self.last_status:
            self.status.message.setToolTip(self.last_status)
        self.downloadProgress.emit(progress)

    def _end_job(self) -> None:
        self.download_action.setEnabled(True)

    def _on_download_succeeded(self, folder: str) -> None:
        self._end_job()
        source = f"idx:{folder}"
        self._checked_source = source  # downloaded, not imported: nothing to remember
        self.model.set_values(source=source)
        self.status.show_message(f"Full MNIST downloaded to {folder}; it is now the source")
        self.downloadFinished.emit("done")

    def _on_download_failed(self, exc: Exception) -> None:
        self._end_job()
        if isinstance(exc, DownloadCancelled):
            self.status.show_message(f"Download cancelled ({exc}); run it again to resume")
            self.downloadFinished.emit("cancelled")
            return
        if isinstance(exc, SeqstudioError):  # DownloadError, DataError: shown inline
            message = str(exc)
        else:
            message = f"download failed: {type(exc).__name__}: {exc}"
        self.status.show_message(f"Download failed: {message}", error=True)
        self.downloadFinished.emit("failed")

    # ------------------------------------------------------------------ import
    def _directory_dialog(self, title: str, start: str) -> str:
        return QFileDialog.getExistingDirectory(self.window, title, start)

    def choose_import_folder(self) -> bool:
        """Ask for a folder and import it; ``False`` when the chooser was cancelled."""
        start = self.settings.last_folder("mnist") or self.settings.last_folder("source")
        folder = self.choose_directory("Folder with the MNIST IDX files", start or str(Path.home()))
        if not folder:
            return False
        self.import_folder(folder)
        return True

    def import_folder(self, folder: str | Path) -> None:
        """Check ``folder`` on the task queue; on success remember it and use it."""
        folder = str(folder)
        self.settings.set_last_folder("mnist", folder)
        self.import_action.setEnabled(False)
        self.status.show_message(f"Checking the MNIST files in {folder}…")
        self.tasks.run(
            lambda _job: import_idx_folder(folder), self._on_imported, self._on_import_failed
        )

    def _on_imported(self, info: SourceInfo) -> None:
        self.import_action.setEnabled(True)
        self._checked_source = info.source
        self.model.set_values(source=info.source)
        train, test = info.pool_size("train"), info.pool_size("test")
        self.status.show_message(
            f"Imported {info.location} ({train:,} train and {test:,} test digits); "
            "it is now the source and is remembered"
        )
        self.importFinished.emit(True)

    def _on_import_failed(self, exc: Exception) -> None:
        self.import_action.setEnabled(True)
        self.status.show_message(f"Import failed: {exc}", error=True)
        self.importFinished.emit(False)

    # ------------------------------------------------------------------ panel's IDX choice
    def _on_spec_changed(self, spec: GenerationSpec) -> None:
        """Remember an IDX folder the preview rendered from (chosen in the sequence panel)."""
        source = spec.source
        if source == self._checked_source or not source.startswith("idx:"):
            return
        self._checked_source = source
        self.tasks.run(
            lambda _job: _remember_idx_folder(source[4:]), None, self._on_remember_failed
        )

    def _on_remember_failed(self, exc: Exception) -> None:
        self.status.show_message(f"Could not remember the IDX folder: {exc}", error=True)

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Cancel a running download and wait for its thread (bounded by the timeout)."""
        self._job.shutdown()  # queued outcomes that still arrive are ignored


def _remember_idx_folder(folder: str) -> SourceInfo | None:
    """Task thread: import ``folder`` unless it is the download folder or already remembered."""
    path = Path(folder).expanduser().resolve()
    if path == mnist_download_dir().resolve() or imported_idx_folder() == path:
        return None
    return import_idx_folder(path)
