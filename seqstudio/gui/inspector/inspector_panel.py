"""The dataset inspector: statistics, plots, mean/std images, a sample gallery, compare
and the QA problems of any folder.

The statistics engine (with its QA checks) runs on a worker
(:class:`~seqstudio.gui.inspector.stats_runner.StatsRunner`) with progress and cancel;
partial results fill the table while it runs. File writes (JSON/CSV exports, tags, grids)
go to a :class:`~seqstudio.gui.runners.QueuedRunner`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.progress import Progress, format_duration
from seqstudio.core.stats import DatasetStats
from seqstudio.core.stats.pixelmaps import IntensityHistogram
from seqstudio.gui.inspector.compare_view import CompareView
from seqstudio.gui.inspector.pixel_maps_view import PixelMapsView
from seqstudio.gui.inspector.plots import StatsPlots
from seqstudio.gui.inspector.problems_view import ProblemsView
from seqstudio.gui.inspector.sample_gallery import SampleGallery
from seqstudio.gui.inspector.stats_runner import StatsRunner
from seqstudio.gui.inspector.stats_table import StatsTable
from seqstudio.gui.panels.base import ERROR_STYLE
from seqstudio.gui.runners import QueuedRunner
from seqstudio.gui.settings import AppSettings


def _write_text(path: str, text: str) -> str:
    Path(path).write_text(text, encoding="utf-8")
    return path


class InspectorPanel(QWidget):
    """Inspect a folder of images.

    Parameters
    ----------
    settings : AppSettings, optional
        Remembers the last inspected folder.
    choose_directory : callable, optional
        ``(title, start) -> folder``.
    choose_save_path : callable, optional
        ``(title, start, filters) -> path`` for JSON/CSV/PNG exports.
    workers : int, optional
        Worker processes of the statistics engine (every core by default).
    ask_text : callable, optional
        ``(title, prompt) -> str`` for the gallery's free-text tags.

    Signals
    -------
    scanFinished(DatasetStats)
        Statistics and QA checks are complete.
    histogramReady(IntensityHistogram)
        The sampled grey-level histogram followed (the scan's last step).
    scanCancelled(DatasetStats), scanFailed(str), fileSaved(str)
    """

    scanFinished = Signal(object)
    histogramReady = Signal(object)
    scanCancelled = Signal(object)
    scanFailed = Signal(str)
    fileSaved = Signal(str)

    def __init__(
        self,
        settings: AppSettings | None = None,
        choose_directory: Callable[[str, str], str] | None = None,
        choose_save_path: Callable[[str, str, str], str] | None = None,
        workers: int | None = None,
        ask_text: Callable[[str, str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._ask_text = ask_text
        self._workers = workers
        self._choose_directory = choose_directory or (
            lambda title, start: QFileDialog.getExistingDirectory(self, title, start)
        )
        self._choose_save = choose_save_path or (
            lambda title, start, filters: QFileDialog.getSaveFileName(self, title, start, filters)[
                0
            ]
        )
        self.tasks = QueuedRunner(parent=self)
        self.runner = StatsRunner(self, workers)
        self.stats: DatasetStats | None = None
        self.intensity: IntensityHistogram | None = None
        self._scanning, self._ended = "", True  # the folder of the newest scan; its outcome came
        self._build()
        self._connect()
        if settings is not None:
            self.folder_edit.setText(settings.last_folder("inspect"))

    def _build(self) -> None:
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(
            "a folder of images (any layout; seqstudio exports get extra checks)"
        )
        self.choose_button = QPushButton("Choose…")
        self.scan_button = QPushButton("Scan")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Folder:"))
        top.addWidget(self.folder_edit, 1)
        for button in (self.choose_button, self.scan_button, self.cancel_button):
            top.addWidget(button)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.status_label = QLabel("Choose a folder and press Scan.")
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet(ERROR_STYLE)
        self.problem_label.setWordWrap(True)
        self.problem_label.setVisible(False)

        self.table = StatsTable()
        self.copy_button = QPushButton("Copy table")
        self.json_button = QPushButton("Export JSON…")
        self.csv_button = QPushButton("Export CSV…")
        table_tab = QWidget()
        tl = QVBoxLayout(table_tab)
        tl.addWidget(self.table, 1)
        row = QHBoxLayout()
        for button in (self.copy_button, self.json_button, self.csv_button):
            row.addWidget(button)
        row.addStretch(1)
        tl.addLayout(row)
        self.plots = StatsPlots()
        self.pixel_maps = PixelMapsView()
        self.gallery = SampleGallery(self.tasks, self._choose_save, self._ask_text)
        self.compare = CompareView(self.tasks, self._choose_directory, self._workers)
        self.problems = ProblemsView()
        self.tabs = QTabWidget()
        self.tabs.addTab(table_tab, "Statistics")
        self.tabs.addTab(self.plots, "Plots")
        self.tabs.addTab(self.pixel_maps, "Mean / std images")
        self.tabs.addTab(self.gallery, "Samples")
        self.tabs.addTab(self.compare, "Compare")
        self.tabs.addTab(self.problems, "Problems")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.tabs, 1)
        self._set_running(False)

    def _connect(self) -> None:
        self.choose_button.clicked.connect(self._on_choose)
        self.scan_button.clicked.connect(lambda: self.inspect(self.folder_edit.text()))
        self.folder_edit.returnPressed.connect(lambda: self.inspect(self.folder_edit.text()))
        self.cancel_button.clicked.connect(self.cancel)
        self.copy_button.clicked.connect(self.copy_table)
        self.json_button.clicked.connect(lambda: self._export("json"))
        self.csv_button.clicked.connect(lambda: self._export("csv"))
        self.runner.indexed.connect(self.gallery.set_index)
        self.runner.progressed.connect(self._on_progress)
        self.runner.partial.connect(self._on_partial)
        self.runner.finished.connect(self._on_finished)
        self.runner.histogram.connect(self._on_histogram)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.failed.connect(self._on_failed)
        self.runner.done.connect(self._on_done)

    # ------------------------------------------------------------------ scanning
    def inspect(self, folder: str) -> None:
        """Scan ``folder``: statistics (with progress), gallery, problems."""
        folder = folder.strip()
        self.folder_edit.setText(folder)
        self._show_problem("")
        if not folder:
            self._show_problem("choose a folder to inspect")
            return
        if not Path(folder).expanduser().is_dir():
            self._show_problem(
                f"{folder!r} is not a folder; choose the folder that holds the images"
            )
            return
        if self.settings is not None:
            self.settings.set_last_folder("inspect", folder)
        self.stats = self.intensity = None
        self._scanning, self._ended = folder, False
        self.problems.clear_problems()
        self.plots.clear()
        self.pixel_maps.set_stats(None)
        self.compare.set_stats(None)
        self.table.setRowCount(0)
        self.progress_bar.setValue(0)
        self.status_label.setText(f"scanning {folder}…")
        self.gallery.clear(f"indexing {folder}…")
        self.runner.start(folder)  # its index feeds the gallery before decoding starts
        self._set_running(True)

    def cancel(self) -> None:
        """Stop the scan (what was counted stays shown)."""
        self.runner.cancel()

    def is_running(self) -> bool:
        """Whether the scan or its checks are still running."""
        return self.runner.is_running()

    def _set_running(self, running: bool) -> None:
        self.scan_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for button in (self.copy_button, self.json_button, self.csv_button):
            button.setEnabled(self.stats is not None)

    def _on_done(self, *_) -> None:
        if not self._ended:  # cancelled while it waited for the previous scan to stop
            self.status_label.setText(f"cancelled before scanning {self._scanning}")
        self._set_running(False)

    def _on_progress(self, progress: Progress) -> None:
        if progress.total <= 0:  # still reading the manifests
            self.status_label.setText(f"reading manifests: {progress.done:,} records")
            return
        self.progress_bar.setValue(round(progress.fraction * 1000))
        self.status_label.setText(
            f"{progress.done:,} / {progress.total:,} files · {progress.rate:,.0f} files/s · "
            f"ETA {format_duration(progress.eta)}"
        )

    def _on_partial(self, stats: DatasetStats) -> None:
        self.table.set_stats(stats)

    def _on_finished(self, stats: DatasetStats) -> None:
        self._ended = True
        self.stats = stats
        self.progress_bar.setValue(1000)
        self.table.set_stats(stats)
        self.plots.set_stats(stats)
        self.problems.set_stats(stats)
        self.pixel_maps.set_stats(stats)
        self.compare.set_stats(stats)
        masks = f", {stats.masks.count:,} masks apart" if stats.masks else ""
        self.status_label.setText(
            f"{stats.overall.image_count:,} images in {len(stats.categories)} folders{masks}, "
            f"scanned in {stats.elapsed:.1f} s; {stats.qa.problem_count:,} problems "
            "(see Problems)"
        )
        self._set_running(True)
        self.scanFinished.emit(stats)

    def _on_histogram(self, intensity: IntensityHistogram) -> None:
        self.intensity = intensity
        self.plots.set_intensity(intensity)
        self.histogramReady.emit(intensity)

    def _on_cancelled(self, partial: DatasetStats) -> None:
        self._ended = True
        self.table.set_stats(partial)
        self.status_label.setText(
            f"cancelled after {partial.files_done:,} of {partial.files_total:,} files "
            "(the table shows what was counted)"
        )
        self.scanCancelled.emit(partial)

    def _on_failed(self, message: str) -> None:
        self._ended = True
        self._show_problem(message)
        if self.stats is None:
            self.status_label.setText("")
        self.scanFailed.emit(message)

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    # ------------------------------------------------------------------ exports
    def _on_choose(self) -> None:
        folder = self._choose_directory("Inspect folder", self.folder_edit.text())
        if folder:
            self.inspect(folder)

    def copy_table(self) -> str:
        """Put the table (tab-separated) on the clipboard; return the text."""
        text = self.table.to_tsv()
        QGuiApplication.clipboard().setText(text)
        return text

    def _export(self, kind: str) -> None:
        path = self._choose_save(
            f"Export statistics as {kind.upper()}", f"stats.{kind}", f"{kind.upper()} (*.{kind})"
        )
        if path:
            self.save(kind, path)

    def save(self, kind: str, path: str) -> None:
        """Write the statistics as ``"json"`` or ``"csv"`` on the task queue."""
        text = self.table.to_json() if kind == "json" else self.table.to_csv()
        self.tasks.run(
            lambda _job: _write_text(path, text),
            self.fileSaved.emit,
            lambda exc: self._show_problem(f"cannot write {path}: {exc}"),
        )

    def shutdown(self) -> None:
        """Cancel and await every worker (idempotent)."""
        self.runner.shutdown()
        self.gallery.shutdown()
        self.compare.shutdown()
        self.plots.shutdown()
        self.tasks.shutdown()

    def is_any_running(self) -> bool:
        """Whether any thread of the panel is alive."""
        return (
            self.runner.is_running()
            or self.tasks.is_running()
            or self.gallery.loader.is_running()
            or self.gallery.indexer.is_running()
            or self.gallery.filterer.is_running()
            or self.plots.is_running()
            or self.compare.is_running()
        )


class InspectorWindow(QWidget):
    """The inspector in a window of its own (shut down when closed)."""

    def __init__(self, parent: QWidget | None = None, **kwargs) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("seqstudio — dataset inspector")
        self.panel = InspectorPanel(**kwargs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.panel)
        self.resize(1200, 800)
        self._shut_down = False

    def shutdown(self) -> None:
        """Stop every worker of the panel."""
        if not self._shut_down:
            self._shut_down = True
            self.panel.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)
