"""Sequence panel: the digits (validated live), random sequences, glyph pool and source."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QInputMethodEvent, QTextCharFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from seqstudio.core.font_glyphs import FONT_SUFFIXES
from seqstudio.core.glyphs import MNIST_CLASSES
from seqstudio.core.spec import MAX_SEQUENCE_LENGTH, POOLS, RandomSequences
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import SpecPanel, problem_label, signals_blocked

SOURCE_KINDS = (
    ("bundled", "Bundled MNIST subset"),
    ("idx", "MNIST IDX folder…"),
    ("folder", "Folder of class subfolders…"),
    ("font-file", "Font file…"),
    ("font", "Font folder…"),
)
FONT_FILTER = "Fonts (*.ttf *.otf *.ttc *.TTF *.OTF *.TTC)"
_FONT_KINDS = ("font", "font-file")
_CHOOSER_TITLES = {
    "idx": "MNIST IDX folder",
    "folder": "Folder of class subfolders",
    "font": "Folder of fonts",
}
_DIGIT_FIELD = re.compile(r"^digits\[(\d+)\]$")

DirectoryChooser = Callable[[str, str], str]


def _choose_directory_dialog(parent: QWidget, title: str, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title, start)


def _choose_font_dialog(parent: QWidget, title: str, start: str) -> str:
    return QFileDialog.getOpenFileName(parent, title, start, FONT_FILTER)[0]


def split_font_source(source: str) -> tuple[str, str, float] | None:
    """``(base, font_path, font_share)`` of ``font:PATH`` or ``BASE+font:PATH@W``, else None.

    A plain font source has base ``""`` and share 1; anything else (MNIST sources, other
    mixes) is not a font choice of this panel.
    """
    if source.startswith("font:") and "+" not in source:
        return "", source[len("font:") :], 1.0
    base, plus, rest = source.partition("+")
    other, at, weight = rest.rpartition("@")
    if not plus or not at or "+" in other or not other.startswith("font:"):
        return None
    try:
        share = float(weight)
    except ValueError:
        return None
    return base, other[len("font:") :], share


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "".join(value) if value else ""


def _random_dict(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, RandomSequences):
        return asdict(value)
    return dict(value)


class SequencePanel(SpecPanel):
    """Edits ``digits``, ``random``, ``pool`` and ``source``.

    Parameters
    ----------
    model : GeneratorModel
    settings : AppSettings, optional
        Remembers the last source folder.
    choose_directory : callable, optional
        ``(title, start_folder) -> folder or ""``; a directory dialog by default.
    """

    FIELDS = ("digits", "random", "pool", "source")

    #: ``(title, start_folder) -> font file or ""``; a file dialog unless replaced (tests).
    choose_font_file: Callable[[str, str], str]

    def __init__(
        self,
        model: GeneratorModel,
        settings=None,
        choose_directory: DirectoryChooser | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, parent)
        self._settings = settings
        self._choose = choose_directory or (
            lambda title, start: _choose_directory_dialog(self, title, start)
        )
        self.choose_font_file = lambda title, start: _choose_font_dialog(self, title, start)
        self._mnist_base = "bundled"  # what a font share below 100 % is mixed into
        self._known_labels: tuple[str, ...] = MNIST_CLASSES
        self._invalid: list[int] = []

        self.digits_edit = QLineEdit()
        self.digits_edit.setPlaceholderText("e.g. 14543")
        self.digits_edit.setToolTip("The label sequence, one label per character")
        self.digits_marks = QLabel()
        self.digits_marks.setTextFormat(Qt.TextFormat.RichText)
        self.digits_marks.setVisible(False)

        self.random_check = QCheckBox("Random sequences")
        self.random_check.setToolTip("Draw a new random label sequence for every image")
        self.min_length = QSpinBox()
        self.max_length = QSpinBox()
        for box in (self.min_length, self.max_length):
            box.setRange(1, MAX_SEQUENCE_LENGTH)
        self.min_length.setToolTip(f"Shortest sequence (1–{MAX_SEQUENCE_LENGTH})")
        self.max_length.setToolTip(f"Longest sequence (1–{MAX_SEQUENCE_LENGTH})")
        self.labels_edit = QLineEdit()
        self.labels_edit.setPlaceholderText("all labels of the source")
        self.labels_edit.setToolTip("Labels to draw from, one per character; empty for all")

        self.pool_combo = QComboBox()
        self.pool_combo.addItems(POOLS)
        self.pool_combo.setToolTip("Draw glyphs from the train or the test images")
        self.source_combo = QComboBox()
        for kind, title in SOURCE_KINDS:
            self.source_combo.addItem(title, kind)
        self.source_path = QLineEdit()
        self.source_path.setReadOnly(True)
        self.source_path.setPlaceholderText("bundled data")
        self.source_button = QPushButton("Choose…")
        self.source_button.setToolTip(
            "Choose the folder for an IDX or class-folder source, or the font file/folder"
        )
        self.font_share = QSpinBox()
        self.font_share.setRange(1, 100)
        self.font_share.setSuffix(" % font digits")
        self.font_share.setValue(100)
        self.font_share.setToolTip(
            "Share of each digit's glyphs rendered from the fonts; the rest come from the "
            "MNIST source chosen before (100 % = fonts only)"
        )

        self.problem_labels = {key: problem_label() for key in self.FIELDS}

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Digits", self.digits_edit)
        form.addRow("", self.digits_marks)
        form.addRow("", self.problem_labels["digits"])
        form.addRow("", self.random_check)
        lengths = QHBoxLayout()
        lengths.addWidget(self.min_length)
        lengths.addWidget(QLabel("to"))
        lengths.addWidget(self.max_length)
        form.addRow("Length", lengths)
        form.addRow("Labels", self.labels_edit)
        form.addRow("", self.problem_labels["random"])
        form.addRow("Pool", self.pool_combo)
        form.addRow("", self.problem_labels["pool"])
        form.addRow("Source", self.source_combo)
        path_row = QHBoxLayout()
        path_row.addWidget(self.source_path, 1)
        path_row.addWidget(self.source_button)
        form.addRow("Folder", path_row)
        form.addRow("Mix", self.font_share)
        form.addRow("", self.problem_labels["source"])

        self.digits_edit.textEdited.connect(self._on_digits_edited)
        self.random_check.toggled.connect(self._on_random_edited)
        self.min_length.valueChanged.connect(self._on_random_edited)
        self.max_length.valueChanged.connect(self._on_random_edited)
        self.labels_edit.textEdited.connect(self._on_random_edited)
        self.pool_combo.currentTextChanged.connect(self._on_pool_edited)
        self.source_combo.activated.connect(self._on_source_kind_chosen)
        self.source_button.clicked.connect(self._on_choose_folder)
        self.font_share.valueChanged.connect(self._on_font_share_edited)
        self.bind()

    # ------------------------------------------------------------------ model → widgets
    def refresh(self) -> None:  # noqa: D102
        widgets = (
            self.digits_edit,
            self.random_check,
            self.min_length,
            self.max_length,
            self.labels_edit,
            self.pool_combo,
            self.source_combo,
            self.font_share,
        )
        with signals_blocked(*widgets):
            text = _as_text(self.model.value("digits"))
            if self.digits_edit.text() != text:
                self.digits_edit.setText(text)
            random = _random_dict(self.model.value("random"))
            self.random_check.setChecked(random is not None)
            shown = random if random is not None else asdict(RandomSequences())
            self.min_length.setValue(int(shown.get("min_length", 1)))
            self.max_length.setValue(int(shown.get("max_length", 5)))
            labels = _as_text(shown.get("labels") or "")
            if self.labels_edit.text() != labels:
                self.labels_edit.setText(labels)
            for widget in (self.min_length, self.max_length, self.labels_edit):
                widget.setEnabled(random is not None)
            self.digits_edit.setEnabled(random is None)
            self.pool_combo.setCurrentText(str(self.model.value("pool")))
            self._show_source(str(self.model.value("source")))
        self._mark_digits()

    def _show_source(self, source: str) -> None:
        font = split_font_source(source)
        if font is not None:
            base, folder, share = font
            kind = "font-file" if Path(folder).suffix.lower() in FONT_SUFFIXES else "font"
            self._mnist_base = base or self._mnist_base
            self.font_share.setValue(max(1, min(100, round(share * 100))))
        else:
            kind, _, folder = source.partition(":")
            if "+" in source:  # another kind of mix (from a spec file): shown as written
                kind, folder = "", source
            else:
                self._mnist_base = source
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(kind or "bundled"), 0))
        self.source_path.setText(folder)
        self.font_share.setEnabled(font is not None)

    # ------------------------------------------------------------------ widgets → model
    def _on_digits_edited(self, text: str) -> None:
        self.model.set_values(digits=text)
        self._mark_digits()

    def _on_random_edited(self, *_: Any) -> None:
        if not self.random_check.isChecked():
            self.model.set_values(random=None)
            return
        labels = self.labels_edit.text()
        self.model.set_values(
            random={
                "min_length": self.min_length.value(),
                "max_length": self.max_length.value(),
                "labels": tuple(labels) if labels else None,
            }
        )

    def _on_pool_edited(self, pool: str) -> None:
        self.model.set_values(pool=pool)

    def _on_source_kind_chosen(self, index: int) -> None:
        kind = self.source_combo.itemData(index)
        if kind == "bundled":
            self.model.set_values(source="bundled")
            return
        if not self._on_choose_folder():
            self.refresh()  # cancelled: show the unchanged source again

    def _on_choose_folder(self) -> bool:
        kind = self.source_combo.currentData()
        if kind == "bundled":
            kind = "folder"
        purpose = "fonts" if kind in _FONT_KINDS else "source"
        start = self._settings.last_folder(purpose) if self._settings is not None else ""
        if kind == "font-file":
            path = self.choose_font_file("Font file", start or str(Path.home()))
        else:
            path = self._choose(_CHOOSER_TITLES[kind], start or str(Path.home()))
        if not path:
            return False
        self.set_source(kind, path)
        return True

    def _on_font_share_edited(self, _value: int) -> None:
        font = split_font_source(str(self.model.value("source")))
        if font is not None:
            self.model.set_values(source=self._font_source(font[1]))

    def set_source(self, kind: str, folder: str | Path | None = None) -> None:
        """Use glyph source ``kind`` (``bundled``, ``idx``, ``folder``, ``font`` or
        ``font-file``) from ``folder``; fonts are mixed into the last MNIST source by the
        *Mix* share when it is below 100 %."""
        if kind == "bundled":
            self.model.set_values(source="bundled")
            return
        if self._settings is not None:
            remembered = Path(folder or "")
            if kind == "font-file":
                remembered = remembered.parent
            self._settings.set_last_folder("fonts" if kind in _FONT_KINDS else "source", remembered)
        if kind in _FONT_KINDS:
            self.model.set_values(source=self._font_source(folder))
        else:
            self.model.set_values(source=f"{kind}:{folder}")

    def _font_source(self, path: str | Path | None) -> str:
        share = self.font_share.value()
        font = f"font:{path}"
        return font if share >= 100 else f"{self._mnist_base}+{font}@{share / 100:g}"

    # ------------------------------------------------------------------ live validation
    def set_known_labels(self, labels: tuple[str, ...]) -> None:
        """The labels the current source has (from the preview worker)."""
        if labels and tuple(labels) != self._known_labels:
            self._known_labels = tuple(labels)
            self._mark_digits()

    def invalid_positions(self) -> list[int]:
        """Positions of the characters of the digit entry that cannot be drawn."""
        return list(self._invalid)

    def show_problems(self, problems: dict[str, str]) -> None:  # noqa: D102
        super().show_problems(problems)
        self._mark_digits()

    def _mark_digits(self) -> None:
        text = self.digits_edit.text()
        known = set(self._known_labels)
        invalid = {k for k, ch in enumerate(text) if ch.isspace() or ch not in known}
        for field in self.model.problems:
            match = _DIGIT_FIELD.match(field)
            if match and int(match.group(1)) < len(text):
                invalid.add(int(match.group(1)))
        self._invalid = sorted(invalid)
        self._format_digit_edit()
        label = self.problem_labels["digits"]
        model_problem = next(
            (f"{f}: {m}" for f, m in self.model.problems.items() if f.startswith("digits")), ""
        )
        if self._invalid and self.digits_edit.isEnabled():
            marked = "".join(
                f'<span style="color:#b00020; text-decoration:underline; font-weight:bold">{html.escape(ch)}</span>'
                if k in invalid
                else html.escape(ch)
                for k, ch in enumerate(text)
            )
            labels = self._known_labels
            have = "".join(labels) if all(len(c) == 1 for c in labels) else ", ".join(labels)
            self.digits_marks.setText(f"<tt>{marked}</tt> — available: {html.escape(have)}")
            self.digits_marks.setVisible(True)
            bad = ", ".join(f"{text[k]!r} at position {k + 1}" for k in self._invalid)
            # The worker's "digits[k]: ... has no glyphs" says the same as this line; only a
            # problem with the digits as a whole (e.g. too many) is added to it.
            whole = next((f"{f}: {m}" for f, m in self.model.problems.items() if f == "digits"), "")
            message = f"digits: cannot draw {bad}" + (f"\n{whole}" if whole else "")
        else:
            self.digits_marks.setVisible(False)
            message = model_problem
        label.setText(message)
        label.setVisible(bool(message))

    def _format_digit_edit(self) -> None:
        """Underline the invalid characters in the entry itself (input-method formats)."""
        fmt = QTextCharFormat()
        fmt.setForeground(QColor("#b00020"))
        fmt.setFontUnderline(True)
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(QColor("#b00020"))
        cursor = self.digits_edit.cursorPosition()
        attributes = [
            QInputMethodEvent.Attribute(
                QInputMethodEvent.AttributeType.TextFormat, k - cursor, 1, fmt
            )
            for k in self._invalid
        ]
        QCoreApplication.sendEvent(self.digits_edit, QInputMethodEvent("", attributes))
