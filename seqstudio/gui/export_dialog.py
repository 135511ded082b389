"""The batch-export dialog: the preview's settings, written as a labelled dataset.

The dialog is a view of the window's :class:`~seqstudio.gui.model.GeneratorModel`: it
exports ``model.spec`` (the settings the preview shows) with the dialog's count, sequence
source, seed and output options. Every edit is validated at once; the folder check and
the size/time estimate run on a worker thread (:func:`~seqstudio.gui.export_runner.check_export`)
and problems appear inline, never in a modal box. The export itself runs through
:class:`~seqstudio.gui.export_runner.ExportRunner`, so the GUI thread only receives
progress. Resuming an unfinished export (the "resume" choice or the Resume button) uses
the spec, count and options its ``dataset.json`` records, read on a worker, and says so
inline, with any differences from the current settings.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.errors import SpecError
from seqstudio.core.export import ExportOptions, ExportResult, parse_splits
from seqstudio.core.export.options import MAX_WORKERS
from seqstudio.core.progress import Progress, format_duration
from seqstudio.core.spec import GenerationSpec, RandomSequences
from seqstudio.gui.export_estimate import (
    EstimateMeasurer,
    MeasuredRate,
    describe_estimate,
    smoothed_eta,
)
from seqstudio.gui.export_runner import (
    ExportCheck,
    ExportEstimate,
    ExportFailure,
    ExportRequest,
    ExportRunner,
    RecordedExport,
    failure_of,
    plan_export,
)
from seqstudio.gui.latest_worker import LatestWorker
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import ERROR_STYLE, WrappedLabel, signals_blocked
from seqstudio.gui.scale_out_row import SHARD_FORMAT_ITEMS, ScaleOutRow
from seqstudio.gui.settings import AppSettings

SOURCES = ("digits", "random", "file")
EXISTING = ("refuse", "resume", "overwrite")
CHECK_DELAY_MS = 150
MAX_COUNT_SPIN = 1_000_000_000


def describe_spec(spec: GenerationSpec) -> str:
    """One line describing the settings an export will use."""
    if spec.random is not None:
        what = f"random sequences of {spec.random.min_length}–{spec.random.max_length} labels"
    else:
        what = (
            "digits " + "".join(spec.digits)
            if all(len(d) == 1 for d in spec.digits)
            else ("labels " + ",".join(spec.digits))
        )
    augment = f", {len(spec.augment)} augmentation ops" if spec.augment else ""
    return (
        f"{what}; {spec.width}×{spec.height} px, fit {spec.fit}; spacing {spec.spacing_min}–"
        f"{spec.spacing_max} ({spec.spacing_mode}); pool {spec.pool}; source {spec.source}{augment}"
    )


class ExportDialog(QDialog):
    """Export the window's settings as a dataset (non-modal).

    Parameters
    ----------
    model : GeneratorModel
        The window's model; the dialog exports its last good spec.
    settings : AppSettings
        Where the output folder is remembered.
    parent : QWidget, optional
        The main window.
    choose_directory : callable, optional
        ``(title, start) -> folder`` chooser (a folder dialog by default).
    choose_file : callable, optional
        ``(title, start, filters) -> path`` chooser for the sequences file.

    Signals
    -------
    exportFinished(ExportResult)
        An export ended, complete or cancelled (GUI thread).
    exportFailed(ExportFailure)
        An export could not start or stopped on an error.
    inspectRequested(str)
        The user asked to inspect the exported folder.
    """

    exportFinished = Signal(object)
    exportFailed = Signal(object)
    inspectRequested = Signal(str)

    def __init__(
        self,
        model: GeneratorModel,
        settings: AppSettings,
        parent: QWidget | None = None,
        choose_directory: Callable[[str, str], str] | None = None,
        choose_file: Callable[[str, str, str], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export dataset")
        self.model = model
        self.settings = settings
        self._choose_directory = choose_directory or self._directory_dialog
        self._choose_file = choose_file or self._file_dialog
        #: Opens a folder for the user (replaceable, e.g. by tests).
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        #: Asks whether to cancel a running export when the window closes.
        self.confirm: Callable[[str, str], bool] = self._ask
        self.runner = ExportRunner(self)
        self.checker = LatestWorker("seqstudio-export-check", self)
        self.measurer = EstimateMeasurer(self)
        self._prior: MeasuredRate | None = None
        self._request: ExportRequest | None = None
        self._checked: ExportRequest | None = None
        self._estimate: ExportEstimate | None = None
        self._planned: ExportCheck | None = None
        self._result: ExportResult | None = None
        self._resumable: ExportRequest | None = None
        self._check_timer = QTimer(self)
        self._check_timer.setObjectName("export-check-debounce")
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._build()
        self._connect()
        self._load_defaults()
        self._on_edited()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        self.spec_label = WrappedLabel()  # asks for the height its text needs
        self.spec_note = WrappedLabel()  # asks for the height its text needs
        self.spec_note.setStyleSheet(ERROR_STYLE)
        self.spec_note.setVisible(False)

        what = QGroupBox("Images")
        form = QFormLayout(what)
        form.addRow("Settings:", self.spec_label)
        form.addRow("", self.spec_note)
        self.source_combo = QComboBox()
        self.source_combo.addItem("The current digits", "digits")
        self.source_combo.addItem("Random sequences", "random")
        self.source_combo.addItem("A sequences file", "file")
        form.addRow("Sequences:", self.source_combo)
        self.min_length = QSpinBox()
        self.max_length = QSpinBox()
        for spin in (self.min_length, self.max_length):
            spin.setRange(1, 256)
        lengths = QHBoxLayout()
        lengths.addWidget(QLabel("length"))
        lengths.addWidget(self.min_length)
        lengths.addWidget(QLabel("to"))
        lengths.addWidget(self.max_length)
        lengths.addStretch(1)
        self.lengths_row = QWidget()
        self.lengths_row.setLayout(lengths)
        lengths.setContentsMargins(0, 0, 0, 0)
        form.addRow("", self.lengths_row)
        self.sequences_edit = QLineEdit()
        self.sequences_edit.setPlaceholderText(
            "text/CSV file: one sequence per line, e.g. 14543,20"
        )
        self.sequences_button = QPushButton("Choose…")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sequences_edit, 1)
        row.addWidget(self.sequences_button)
        self.sequences_row = QWidget()
        self.sequences_row.setLayout(row)
        form.addRow("File:", self.sequences_row)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_COUNT_SPIN)
        self.count_spin.setGroupSeparatorShown(True)
        form.addRow("Count:", self.count_spin)
        self.seed_edit = QLineEdit()
        self.seed_edit.setPlaceholderText("0 ≤ seed < 2**63")
        form.addRow("Seed:", self.seed_edit)
        self.splits_check = QCheckBox("Split into")
        self.splits_edit = QLineEdit("train=0.8,val=0.1,test=0.1")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.splits_check)
        row.addWidget(self.splits_edit, 1)
        splits_row = QWidget()
        splits_row.setLayout(row)
        form.addRow("Splits:", splits_row)

        out = QGroupBox("Output")
        oform = QFormLayout(out)
        self.folder_edit = QLineEdit()
        self.folder_button = QPushButton("Choose…")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.folder_button)
        folder_row = QWidget()
        folder_row.setLayout(row)
        oform.addRow("Folder:", folder_row)
        self.existing_combo = QComboBox()
        self.existing_combo.addItem("Must be empty or new", "refuse")
        self.existing_combo.addItem("Resume the export in it", "resume")
        self.existing_combo.addItem("Overwrite the dataset in it", "overwrite")
        oform.addRow("If not empty:", self.existing_combo)
        self.format_combo = QComboBox()
        self.format_combo.addItem("PNG files", "png")
        self.format_combo.addItem("JPEG files", "jpg")
        self.format_combo.addItem("Packed npz (one array file per split)", "npz")
        for text, data in SHARD_FORMAT_ITEMS:
            self.format_combo.addItem(text, data)
        oform.addRow("Format:", self.format_combo)
        self.coco_check = QCheckBox("COCO")
        self.yolo_check = QCheckBox("YOLO")
        self.masks_check = QCheckBox("Instance masks")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.coco_check, self.yolo_check, self.masks_check):
            row.addWidget(widget)
        row.addStretch(1)
        ann_row = QWidget()
        ann_row.setLayout(row)
        oform.addRow("Annotations:", ann_row)
        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(1, MAX_WORKERS)
        oform.addRow("Workers:", self.workers_spin)
        self.scale_row = ScaleOutRow()
        oform.addRow("Scale out:", self.scale_row)

        self.estimate_label = WrappedLabel("checking…")  # asks for the height its text needs
        self.resume_label = WrappedLabel()  # asks for the height its text needs
        self.resume_label.setVisible(False)
        self.problem_label = WrappedLabel()  # asks for the height its text needs
        self.problem_label.setStyleSheet(ERROR_STYLE)
        self.problem_label.setVisible(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%p%")
        self.progress_label = QLabel("")
        self.summary_label = WrappedLabel("")  # asks for the height its text needs

        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel export")
        self.resume_button = QPushButton("Resume")
        self.open_button = QPushButton("Open folder")
        self.inspect_button = QPushButton("Inspect")
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        for button in (self.export_button, self.cancel_button, self.resume_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.open_button, self.inspect_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(out)
        layout.addWidget(self.estimate_label)
        layout.addWidget(self.resume_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.summary_label)
        layout.addLayout(buttons)
        self.setMinimumWidth(620)

    def _connect(self) -> None:
        for combo in (self.source_combo, self.existing_combo, self.format_combo):
            combo.currentIndexChanged.connect(self._on_edited)
        for spin in (self.min_length, self.max_length, self.count_spin, self.workers_spin):
            spin.valueChanged.connect(self._on_edited)
        for edit in (self.sequences_edit, self.seed_edit, self.splits_edit, self.folder_edit):
            edit.textChanged.connect(self._on_edited)
        for check in (self.splits_check, self.coco_check, self.yolo_check, self.masks_check):
            check.toggled.connect(self._on_edited)
        self.folder_button.clicked.connect(self._on_choose_folder)
        self.sequences_button.clicked.connect(self._on_choose_sequences)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.resume_button.clicked.connect(self.resume_export)
        self.open_button.clicked.connect(self.open_folder)
        self.inspect_button.clicked.connect(self._on_inspect)
        self.close_button.clicked.connect(self.close)
        self._check_timer.timeout.connect(self._run_check)
        self.checker.succeeded.connect(self._on_checked)
        self.checker.failed.connect(self._on_check_failed)
        self.measurer.measured.connect(self._on_measured)
        self.measurer.failed.connect(self._on_measured)
        self.runner.progressed.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.resolved.connect(self._show_recorded)
        self.scale_row.edited.connect(self._on_edited)
        self.model.specChanged.connect(self._on_edited)
        self.model.problemsChanged.connect(self._on_edited)

    def _load_defaults(self) -> None:
        spec = self.model.spec
        random = spec.random or RandomSequences()
        with signals_blocked(
            self.source_combo, self.min_length, self.max_length, self.seed_edit, self.count_spin
        ):
            self.source_combo.setCurrentIndex(1 if spec.random is not None else 0)
            self.min_length.setValue(random.min_length)
            self.max_length.setValue(random.max_length)
            self.seed_edit.setText(str(spec.seed))
            self.count_spin.setValue(1000)
        folder = self.settings.last_folder("export") or str(Path.home() / "seqstudio-dataset")
        with signals_blocked(self.folder_edit, self.workers_spin):
            self.folder_edit.setText(folder)
            self.workers_spin.setValue(max(1, min(os.cpu_count() or 1, MAX_WORKERS)))

    # ------------------------------------------------------------------ building the request
    def build_request(self) -> ExportRequest:
        """The export the fields describe (cheap checks only; the folder is checked later).

        Raises
        ------
        SpecError
            A field is invalid; ``field`` names it.
        """
        spec = self.model.spec
        source = self.source_combo.currentData()
        text = self.seed_edit.text().strip()
        try:
            seed = int(text)
        except ValueError:
            raise SpecError("seed", f"{text!r} is not a whole number (0 ≤ seed < 2**63)") from None
        changes: dict = {"seed": seed}
        sequences = None
        if source == "digits":
            changes["random"] = None
        elif source == "random":
            base = spec.random or RandomSequences()
            changes["random"] = RandomSequences(
                self.min_length.value(), self.max_length.value(), base.labels, base.weights
            )
        else:
            changes["random"] = None
            sequences = self.sequences_edit.text().strip()
            if not sequences:
                raise SpecError("sequences", "choose a sequences file (one sequence per line)")
        spec = spec.replace(**changes)
        splits = parse_splits(self.splits_edit.text()) if self.splits_check.isChecked() else None
        annotations = tuple(
            name
            for name, box in (("coco", self.coco_check), ("yolo", self.yolo_check))
            if box.isChecked()
        )
        existing = self.existing_combo.currentData()
        options = ExportOptions(
            splits=splits,
            format=self.format_combo.currentData(),
            annotations=annotations,
            masks=self.masks_check.isChecked(),
            sequences=sequences,
            workers=self.workers_spin.value(),
            images_per_file=self.scale_row.images_per_file(),
            resume=existing == "resume",
            overwrite=existing == "overwrite",
        )
        folder = self.folder_edit.text().strip()
        if not folder:
            raise SpecError("folder", "choose an output folder")
        cluster = self.scale_row.cluster()
        return ExportRequest(spec, self.count_spin.value(), folder, options, cluster)

    # ------------------------------------------------------------------ editing
    def _on_edited(self, *_) -> None:
        spec = self.model.spec
        self.spec_label.setText(describe_spec(spec))
        problems = self.model.problems
        self.spec_note.setVisible(bool(problems))
        if problems:
            self.spec_note.setText(
                "The preview has invalid edits; the last good settings shown above are exported."
            )
        source = self.source_combo.currentData()
        self.lengths_row.setEnabled(source == "random")
        self.sequences_row.setEnabled(source == "file")
        self.splits_edit.setEnabled(self.splits_check.isChecked())
        npz = self.format_combo.currentData() not in ("png", "jpg")  # packed: no files
        self.scale_row.set_format(self.format_combo.currentData())
        for box in (self.coco_check, self.yolo_check):
            box.setEnabled(not npz)
            if npz and box.isChecked():
                with signals_blocked(box):
                    box.setChecked(False)
        if self.runner.is_running():
            return
        self._checked = None
        self._estimate = None
        self._planned = None
        self._show_recorded(None)
        try:
            self._request = self.build_request()
        except SpecError as exc:
            self._request = None
            self._show_problem(f"{exc.field}: {exc.message}")
            self.estimate_label.setText("")
            self._update_buttons()
            return
        self.estimate_label.setText("checking the folder and estimating…")
        self._update_buttons()
        self._check_timer.start()

    def _run_check(self) -> None:
        request = self._request
        if request is not None and not self.runner.is_running():
            self.checker.submit(lambda: (request, plan_export(request)))

    def _on_checked(self, value) -> None:
        request, planned = value
        if request != self._request or self.runner.is_running():
            return
        estimate = planned.estimate
        self._checked = request
        self._planned = planned
        self._estimate = estimate
        self._show_recorded(planned.recorded)
        self._show_problem("")
        rate = self.measurer.measure(planned.request)
        self.estimate_label.setText(describe_estimate(estimate, rate))
        self._update_buttons()

    def _on_measured(self, request: ExportRequest, rate: MeasuredRate | str) -> None:
        planned = self._planned
        if planned is not None and planned.request == request and not self.runner.is_running():
            failure = rate if isinstance(rate, str) else ""
            rate = None if failure else rate
            self.estimate_label.setText(describe_estimate(planned.estimate, rate, failure))

    def measured_seconds(self) -> float | None:
        """The measured time of the checked export (``None`` until it is measured)."""
        planned = self._planned
        rate = self.measurer.cached(planned.request) if planned is not None else None
        return rate.seconds(planned.estimate.remaining) if rate is not None else None

    def _on_check_failed(self, exc) -> None:
        if self.runner.is_running():
            return
        failure = failure_of(exc)
        self._checked = None
        self.estimate_label.setText("")
        self._show_problem(f"{failure.field}: {failure.message}")
        self._update_buttons()

    def _show_recorded(self, recorded: RecordedExport | None) -> None:
        """Say inline which recorded settings a resume uses (and how they differ)."""
        if recorded is None:
            self.resume_label.setText("")
            self.resume_label.setVisible(False)
            return
        text = f"Resuming with the settings recorded in dataset.json: {recorded.describe()}."
        if recorded.differences:
            text += (
                " They differ from the current settings ("
                + "; ".join(recorded.differences)
                + "); the recorded ones are used."
            )
        self.resume_label.setText(text)
        self.resume_label.setVisible(True)

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _update_buttons(self) -> None:
        running = self.runner.is_running()
        ready = (
            not running
            and self._request is not None
            and self._checked == self._request
            and not self._check_timer.isActive()
        )
        self.export_button.setEnabled(ready)
        self.cancel_button.setEnabled(running)
        self.resume_button.setVisible(self._resumable is not None and not running)
        done = self._result is not None and not running
        self.open_button.setEnabled(done)
        self.inspect_button.setEnabled(done)
        for widget in self._inputs():
            widget.setEnabled(not running)
        if not running:
            source = self.source_combo.currentData()
            self.lengths_row.setEnabled(source == "random")
            self.sequences_row.setEnabled(source == "file")
            self.splits_edit.setEnabled(self.splits_check.isChecked())
            npz = self.format_combo.currentData() not in ("png", "jpg")
            self.scale_row.set_format(self.format_combo.currentData())
            self.coco_check.setEnabled(not npz)
            self.yolo_check.setEnabled(not npz)

    def _inputs(self) -> list[QWidget]:
        return [
            self.source_combo, self.lengths_row, self.sequences_row, self.count_spin,
            self.seed_edit, self.splits_check, self.splits_edit, self.folder_edit,
            self.folder_button, self.existing_combo, self.format_combo, self.coco_check,
            self.yolo_check, self.masks_check, self.workers_spin, *self.scale_row.inputs(),
        ]  # fmt: skip

    def is_ready(self) -> bool:
        """Whether the fields were checked and the Export button can start."""
        return self.export_button.isEnabled()

    # ------------------------------------------------------------------ choosers
    def _directory_dialog(self, title: str, start: str) -> str:
        return QFileDialog.getExistingDirectory(self, title, start)

    def _file_dialog(self, title: str, start: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, start, filters)[0]

    def _on_choose_folder(self) -> None:
        folder = self._choose_directory("Export to folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _on_choose_sequences(self) -> None:
        path = self._choose_file(
            "Sequences file", self.sequences_edit.text(), "Text/CSV (*.txt *.csv);;All files (*)"
        )
        if path:
            self.sequences_edit.setText(path)

    # ------------------------------------------------------------------ running
    def start_export(self) -> bool:
        """Start the checked export; return whether it started."""
        if not self.is_ready() or self._checked is None or self._planned is None:
            return False
        return self._start(self._planned.request)

    def resume_export(self) -> bool:
        """Finish the last cancelled or interrupted export in its folder.

        The worker reads the folder's ``dataset.json`` first: an unfinished export is
        finished with the settings it records (and the dialog's workers), whatever the
        preview shows now; the dialog says so inline.
        """
        if self._resumable is None or self.runner.is_running():
            return False
        request = self._resumable.resumed()
        options = dataclasses.replace(request.options, workers=self.workers_spin.value())
        request = dataclasses.replace(request, options=options)
        return self._start(request, recorded=True)

    def _start(self, request: ExportRequest, recorded: bool = False) -> bool:
        self._check_timer.stop()
        self.measurer.stop()  # the trial run must not compete with the export
        self._prior = self.measurer.cached(request)
        # a Resume-button start says what it uses once the worker has read dataset.json
        planned = self._planned.recorded if self._planned is not None and not recorded else None
        self._show_recorded(planned)
        self.settings.set_last_folder("export", request.out_dir)
        self._result = None
        self._resumable = None
        self._show_problem("")
        self.summary_label.setText("")
        self.progress_bar.setValue(0)
        self.progress_label.setText("starting worker processes…")
        started = self.runner.start(request, recorded=recorded, current=self._request)
        self._update_buttons()
        return started

    def cancel_export(self) -> None:
        """Ask the running export to stop (within a second); the summary says what was written."""
        if self.runner.is_running():
            self.runner.cancel()
            self.progress_label.setText(self.progress_label.text() + " — cancelling…")
            self.cancel_button.setEnabled(False)

    def is_running(self) -> bool:
        """Whether an export is running."""
        return self.runner.is_running()

    def _on_progress(self, progress: Progress) -> None:
        self.progress_bar.setValue(round(progress.fraction * 1000))
        self.progress_label.setText(
            f"{progress.done:,} / {progress.total:,} images · {progress.rate:,.0f} images/s · "
            f"ETA {format_duration(smoothed_eta(progress, self._prior))}"
        )

    def _on_finished(self, result: ExportResult) -> None:
        request = self.runner.last_request
        self._result = result
        complete = result.already_done + result.written
        if result.cancelled or not result.complete:
            self._resumable = request
            self.summary_label.setText(
                f"Cancelled: {complete:,} of {result.total:,} images are complete in "
                f"{result.out_dir} ({result.written:,} written now); the dataset is consistent. "
                "Resume finishes it."
            )
        else:
            self.progress_bar.setValue(1000)
            resumed = f", {result.already_done:,} were already there" if result.already_done else ""
            if result.repaired:
                resumed += f", {result.repaired:,} missing or damaged were made again"
            self.summary_label.setText(
                f"Done: {result.total:,} images in {result.out_dir} — {result.written:,} written in "
                f"{result.elapsed:.1f} s ({result.rate:,.0f} images/s){resumed}."
            )
        self._checked = None  # the folder holds a dataset now: any new export is re-checked
        self.estimate_label.setText("")
        self._update_buttons()
        self.exportFinished.emit(result)

    def _on_failed(self, failure: ExportFailure) -> None:
        request = self.runner.last_request
        self._show_problem(f"{failure.field}: {failure.message}")
        self.progress_label.setText("")
        if request is not None and failure.field in ("folder", "export"):
            self._resumable = request if Path(request.out_dir, "dataset.json").exists() else None
        self._update_buttons()
        self.exportFailed.emit(failure)

    # ------------------------------------------------------------------ after the export
    def result_folder(self) -> str | None:
        """The folder of the last export, if one ended."""
        return str(self._result.out_dir) if self._result is not None else None

    def open_folder(self) -> bool:
        """Open the exported folder in the desktop's file manager."""
        folder = self.result_folder()
        return bool(folder) and bool(self.open_url(QUrl.fromLocalFile(folder)))

    def _on_inspect(self) -> None:
        folder = self.result_folder()
        if folder:
            self.inspectRequested.emit(folder)

    # ------------------------------------------------------------------ closing
    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def confirm_stop(self) -> bool:
        """Ask whether to cancel a running export; ``True`` when none runs or the user agrees."""
        if not self.runner.is_running():
            return True
        return self.confirm(
            "Export running",
            "An export is running. Cancel it? (What is written stays consistent and can be resumed.)",
        )

    def shutdown(self) -> None:
        """Cancel and await the export and the checker (idempotent)."""
        self._check_timer.stop()
        self.runner.shutdown()
        self.checker.shutdown()
        self.measurer.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.runner.is_running():
            if not self.confirm_stop():
                event.ignore()
                return
            self.runner.shutdown()
            self._update_buttons()
        self._check_timer.stop()
        super().closeEvent(event)
