"""The batch-export dialog: the preview's settings, written as a labelled dataset.

The dialog is a view of the window's :class:`~seqstudio.gui.model.GeneratorModel`: it
exports ``model.spec`` (the settings the preview shows) with the dialog's count, sequence
source, seed and output options. Every edit is validated at once; the folder check and
the size/time estimate run on a worker thread (:func:`~seqstudio.gui.export_runner.check_export`)
and problems appear inline, never in a modal box. The export itself runs through
:class:`~seqstudio.gui.export_runner.ExportRunner`, so the GUI thread only receives
progress. Resuming an unfinished export (the "resume" choice or the Resume button) uses
the spec, count and options its ``dataset.json`` records, read on a worker, and says so
inline, with any differences from the current settings. The fields themselves (widgets,
layout, reading them into a request) are :class:`~seqstudio.gui.export_form.ExportForm`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QWidget,
)

from seqstudio.core.errors import SpecError
from seqstudio.core.export import ExportResult
from seqstudio.core.export.options import MAX_WORKERS
from seqstudio.core.progress import Progress, format_duration
from seqstudio.core.spec import RandomSequences
from seqstudio.gui.export_estimate import (
    EstimateMeasurer,
    MeasuredRate,
    describe_estimate,
    smoothed_eta,
)
from seqstudio.gui.export_form import ExportForm, describe_spec
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
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import signals_blocked
from seqstudio.gui.runners import LatestRunner
from seqstudio.gui.settings import AppSettings

CHECK_DELAY_MS = 150


class ExportDialog(ExportForm, QDialog):
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
        self.checker = LatestRunner("seqstudio-export-check", self)
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
        self._build_form()
        self._connect()
        self._load_defaults()
        self._on_edited()

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
        self.checker.returned.connect(self._on_checked)
        self.checker.errored.connect(self._on_check_failed)
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
            self.checker.submit(lambda _job: (request, plan_export(request)))

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

    def is_ready(self) -> bool:
        """Whether the fields were checked and the Export button can start."""
        return self.export_button.isEnabled()

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
            self.progress_label.setText(f"{complete:,} / {result.total:,} images — cancelled")
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
            # Cancel and await the thread; its outcome still arrives, so the dialog
            # opened again says what was written and offers Resume.
            self.cancel_export()
            self.runner.wait()
        self._check_timer.stop()
        super().closeEvent(event)
