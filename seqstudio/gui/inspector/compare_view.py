"""Two splits of the scan, or the scan and another folder, side by side.

Splits are compared from the statistics already computed; another folder is scanned
first, on a newest-wins :class:`~seqstudio.gui.runners.LatestRunner` (progress shown,
a newer choice or closing the inspector cancels it). The table lists every compared
quantity with its distance (:mod:`seqstudio.core.stats.compare`), the largest first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.progress import Progress
from seqstudio.core.stats import DatasetStats, compute_dataset_stats
from seqstudio.core.stats.compare import Comparison, compare_groups
from seqstudio.gui.panels.base import ERROR_STYLE
from seqstudio.gui.runners import LatestRunner, QueuedRunner
from seqstudio.gui.workers import Job

ALL = "(all)"


class CompareView(QWidget):
    """Choose A and B (splits of the scan or another folder); see what differs most.

    A starts on ``train`` and B on ``test`` when the scan has them.

    Signals
    -------
    compared(Comparison)
        A comparison is shown.
    """

    compared = Signal(object)

    def __init__(
        self,
        tasks: QueuedRunner,
        choose_directory: Callable[[str, str], str] | None = None,
        workers: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._workers = workers
        self._choose = choose_directory or (
            lambda title, start: QFileDialog.getExistingDirectory(self, title, start)
        )
        self.stats: DatasetStats | None = None
        self.other: DatasetStats | None = None
        self.comparison: Comparison | None = None
        self._asked = 0
        self._scanner = LatestRunner("seqstudio-compare-scan", self)
        self._scanner.yielded.connect(self._on_scan_progress)
        self._scanner.returned.connect(self._on_other)
        self._scanner.errored.connect(self._on_scan_failed)
        self._scanning = ""
        self.a_combo = QComboBox()
        self.b_combo = QComboBox()
        self.folder_button = QPushButton("Other folder as B…")
        self.verdict = QLabel("Scan a folder, then choose two splits (or another folder).")
        self.verdict.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Quantity", "Distance", "A", "B"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("A:"))
        row.addWidget(self.a_combo, 1)
        row.addWidget(QLabel("B:"))
        row.addWidget(self.b_combo, 1)
        row.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        legend = QLabel(
            "Distances lie in [0, 1]: histograms by total variation, channel mean/std "
            "by their shift in standard deviations (capped at 1). Values in brackets "
            "are not ranked (counts; labels that never repeat)."
        )
        legend.setWordWrap(True)
        layout.addWidget(legend)
        self.a_combo.currentIndexChanged.connect(self._on_choice)
        self.b_combo.currentIndexChanged.connect(self._on_choice)
        self.folder_button.clicked.connect(self._on_folder)

    def set_stats(self, stats: DatasetStats | None) -> None:
        """Offer the scan's splits (and all images) as A and B."""
        self.stats, self.other = stats, None
        names = [ALL, *stats.categories] if stats else []
        for combo, wanted, default in ((self.a_combo, "train", 1), (self.b_combo, "test", 2)):
            combo.blockSignals(True)
            combo.clear()
            for name in names:
                combo.addItem("all images" if name == ALL else name, f"scan:{name}")
            found = combo.findData(f"scan:{wanted}")
            combo.setCurrentIndex(found if found >= 0 else min(default, len(names) - 1))
            combo.blockSignals(False)
        self._on_choice()

    def compare_folder(self, folder: str) -> None:
        """Scan ``folder`` (a scan still running is cancelled) and offer it as B."""
        self._scanning = folder
        self.verdict.setText(f"scanning {folder}…")
        workers = self._workers

        def scan(job: Job) -> DatasetStats:
            return compute_dataset_stats(
                folder, workers=workers, progress=job.report, cancel=job.cancelled
            )

        self._scanner.submit(scan)

    def _on_scan_progress(self, progress: Progress) -> None:
        if progress.total > 0:
            self.verdict.setText(
                f"scanning {self._scanning}: {progress.done:,} / {progress.total:,} files"
            )

    def _on_scan_failed(self, exc: Exception) -> None:
        self.verdict.setText("")
        self._show_error(f"cannot compare with {self._scanning}: {exc}")

    def is_running(self) -> bool:
        """Whether the scan of a folder to compare with is running."""
        return self._scanner.is_running()

    def shutdown(self) -> None:
        """Cancel and await the scan of a folder to compare with."""
        self._scanner.shutdown()

    def _on_folder(self) -> None:
        folder = self._choose("Compare with folder", self.stats.root if self.stats else "")
        if folder:
            self.compare_folder(folder)

    def _on_other(self, stats: DatasetStats) -> None:
        self.other = stats
        self.b_combo.blockSignals(True)
        index = self.b_combo.findData(f"other:{ALL}")
        if index < 0:
            self.b_combo.addItem(f"folder {stats.root}", f"other:{ALL}")
            index = self.b_combo.count() - 1
        self.b_combo.setCurrentIndex(index)
        self.b_combo.blockSignals(False)
        self._on_choice()

    def _group(self, data: str):
        source, name = data.split(":", 1)
        stats = self.stats if source == "scan" else self.other
        if stats is None:
            return None
        group = stats.overall if name == ALL else stats.categories.get(name)
        labels = stats.labels if name == ALL else (group.labels if group else None)
        label = name if source == "scan" else stats.root
        return group, labels, label

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _on_choice(self, *_) -> None:
        self._show_error("")
        a, b = self.a_combo.currentData(), self.b_combo.currentData()
        picked = [self._group(x) if x else None for x in (a, b)]
        if None in picked or any(p[0] is None for p in picked):
            self._asked += 1
            self.comparison = None
            self.table.setRowCount(0)
            return
        (ga, la, na), (gb, lb, nb) = picked
        self._asked += 1
        asked = self._asked
        # Label histograms can hold 100,000s of labels: compared on the task queue.
        self._tasks.run(
            lambda _job: compare_groups(ga, gb, la, lb, (na, nb)),
            lambda comparison: self._show(asked, comparison),
            lambda exc: self._show_error(f"cannot compare: {exc}"),
        )

    def _show(self, asked: int, comparison: Comparison) -> None:
        if asked != self._asked:
            return  # the choice changed meanwhile
        self.comparison = comparison
        self.table.setRowCount(len(comparison.differences))
        for row, diff in enumerate(comparison.differences):
            distance = f"{diff.distance:.3f}" if diff.ranked else f"({diff.distance:.3f})"
            for col, text in enumerate((diff.name, distance, diff.a, diff.b)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        largest = comparison.largest
        self.verdict.setText(
            f"Differs most: {largest.name} (distance {largest.distance:.3f})"
            if largest
            else "Nothing to rank."
        )
        self.compared.emit(comparison)
