"""The export dialog's form: its widgets, their layout, and the request they describe.

:class:`ExportForm` builds the "Images" and "Output" groups, the estimate/progress lines and
the buttons of :class:`~seqstudio.gui.export_dialog.ExportDialog`, and reads the fields into
an :class:`~seqstudio.gui.export_runner.ExportRequest` (cheap checks only). The dialog adds
the checking, estimating and running on top of it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.errors import SpecError
from seqstudio.core.export import ExportOptions, parse_splits
from seqstudio.core.export.options import MAX_WORKERS
from seqstudio.core.spec import GenerationSpec, RandomSequences
from seqstudio.gui.export_runner import ExportRequest
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import ERROR_STYLE, WrappedLabel
from seqstudio.gui.scale_out_row import SHARD_FORMAT_ITEMS, ScaleOutRow

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


def _row(*widgets: QWidget, grow: int | None = None, stretch: bool = False) -> QWidget:
    """A margin-less horizontal row of ``widgets``.

    ``widgets[grow]`` takes the spare width; ``stretch`` adds empty space at the end instead.
    """
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for k, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if k == grow else 0)
    if stretch:
        layout.addStretch(1)
    row = QWidget()
    row.setLayout(layout)
    return row


class ExportForm:
    """The export dialog's fields: their widgets and layout, and the request they describe.

    A mixin of :class:`~seqstudio.gui.export_dialog.ExportDialog` (which must be a
    ``QDialog`` with ``model``, ``_choose_directory`` and ``_choose_file``); it holds no
    state of its own beyond the widgets. Checking, estimating and running live in the dialog.
    """

    model: GeneratorModel
    _choose_directory: Callable[[str, str], str]
    _choose_file: Callable[[str, str, str], str]

    # ------------------------------------------------------------------ construction
    def _build_form(self) -> None:
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
        self.lengths_row = _row(
            QLabel("length"), self.min_length, QLabel("to"), self.max_length, stretch=True
        )
        form.addRow("", self.lengths_row)
        self.sequences_edit = QLineEdit()
        self.sequences_edit.setPlaceholderText(
            "text/CSV file: one sequence per line, e.g. 14543,20"
        )
        self.sequences_button = QPushButton("Choose…")
        self.sequences_row = _row(self.sequences_edit, self.sequences_button, grow=0)
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
        form.addRow("Splits:", _row(self.splits_check, self.splits_edit, grow=1))

        out = QGroupBox("Output")
        oform = QFormLayout(out)
        self.folder_edit = QLineEdit()
        self.folder_button = QPushButton("Choose…")
        oform.addRow("Folder:", _row(self.folder_edit, self.folder_button, grow=0))
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
        ann_row = _row(self.coco_check, self.yolo_check, self.masks_check, stretch=True)
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
            sequences_file=sequences,
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

    def _inputs(self) -> list[QWidget]:
        return [
            self.source_combo, self.lengths_row, self.sequences_row, self.count_spin,
            self.seed_edit, self.splits_check, self.splits_edit, self.folder_edit,
            self.folder_button, self.existing_combo, self.format_combo, self.coco_check,
            self.yolo_check, self.masks_check, self.workers_spin, *self.scale_row.inputs(),
        ]  # fmt: skip

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
