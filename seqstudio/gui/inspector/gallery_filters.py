"""The gallery's filter bar: split, label, length, recorded parameter range, tag, shuffle.

It only reads its controls into a :class:`~seqstudio.core.stats.selection.SampleFilter`;
the gallery runs the filter on a worker.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.stats.errors import StatsInputError
from seqstudio.core.stats.index import FolderIndex
from seqstudio.core.stats.selection import ANY_TAG, SampleFilter
from seqstudio.core.stats.tags import STANDARD_TAGS, TagStore


class GalleryFilters(QWidget):
    """Two rows of filter controls; ``changed`` fires on any edit.

    ``extra`` widgets (overlay toggles, paging) are appended to the second row.
    """

    changed = Signal()

    def __init__(self, extra: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.split_combo = QComboBox()
        self.split_combo.addItem("all folders", None)
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText("label (exact)")
        self.label_edit.setMaximumWidth(120)
        self.min_length = QSpinBox()
        self.max_length = QSpinBox()
        for spin in (self.min_length, self.max_length):
            spin.setRange(0, 999)
            spin.setSpecialValueText("any")
        self.shuffle_check = QCheckBox("Shuffle, seed")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setMaximumWidth(110)
        self.reshuffle_button = QPushButton("Reshuffle")
        self.param_combo = QComboBox()
        self.param_combo.addItem("(no parameter filter)", None)
        self.param_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.param_combo.setMinimumContentsLength(22)
        self.param_min = QLineEdit()
        self.param_max = QLineEdit()
        for edit, text in ((self.param_min, "min"), (self.param_max, "max")):
            edit.setPlaceholderText(text)
            edit.setMaximumWidth(70)
        self.tag_combo = QComboBox()
        self.set_tags(None)
        first = QHBoxLayout()
        for widget in (QLabel("Folder:"), self.split_combo, QLabel("Label:"), self.label_edit,
                       QLabel("Length:"), self.min_length, QLabel("–"), self.max_length,
                       QLabel("Tag:"), self.tag_combo, self.shuffle_check, self.seed_spin,
                       self.reshuffle_button):  # fmt: skip
            first.addWidget(widget)
        first.addStretch(1)
        second = QHBoxLayout()
        for widget in (QLabel("Parameter:"), self.param_combo, self.param_min, self.param_max):
            second.addWidget(widget)
        second.addStretch(1)
        for widget in extra:
            second.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(first)
        layout.addLayout(second)
        for signal in (self.split_combo.currentIndexChanged, self.label_edit.textChanged,
                       self.min_length.valueChanged, self.max_length.valueChanged,
                       self.shuffle_check.toggled, self.seed_spin.valueChanged,
                       self.param_combo.currentIndexChanged, self.param_min.textChanged,
                       self.param_max.textChanged, self.tag_combo.currentIndexChanged):  # fmt: skip
            signal.connect(self._on_edit)
        self.reshuffle_button.clicked.connect(self.reshuffle)

    def _on_edit(self, *_) -> None:
        self.changed.emit()

    def set_index(self, index: FolderIndex) -> None:
        """Offer the index's folders and recorded parameters (with their ranges)."""
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        self.split_combo.addItem("all folders", None)
        for category in index.categories:
            self.split_combo.addItem(category, category)
        self.split_combo.blockSignals(False)
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        self.param_combo.addItem("(no parameter filter)", None)
        for name in index.params.names():
            low, high = index.params.range(name) or (math.nan, math.nan)
            self.param_combo.addItem(f"{name} ({low:g} … {high:g})", name)
        self.param_combo.blockSignals(False)

    def set_tags(self, tags: TagStore | None) -> None:
        """Offer the standard tags and every tag in use (keeping the current choice)."""
        current = self.tag_combo.currentData()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItem("all images", None)
        self.tag_combo.addItem("any tag", ANY_TAG)
        names = list(STANDARD_TAGS)
        if tags is not None:
            names += [t for t in tags.counts() if t not in names]
        for name in names:
            self.tag_combo.addItem(name, name)
        self.tag_combo.setCurrentIndex(max(self.tag_combo.findData(current), 0))
        self.tag_combo.blockSignals(False)

    def reshuffle(self) -> None:
        """Shuffle with the next seed."""
        self.shuffle_check.setChecked(True)
        self.seed_spin.setValue(self.seed_spin.value() + 1)

    def current_filter(self) -> SampleFilter:
        """The filter the controls describe.

        Raises
        ------
        StatsInputError
            A parameter bound is not a number.
        """
        bounds = []
        for edit, name in ((self.param_min, "minimum"), (self.param_max, "maximum")):
            text = edit.text().strip()
            try:
                bounds.append(float(text) if text else None)
            except ValueError:
                raise StatsInputError(
                    f"parameter {name}: {text!r} is not a number (e.g. 10 or -2.5)"
                ) from None
        return SampleFilter(
            split=self.split_combo.currentData(),
            label=self.label_edit.text().strip(),
            min_length=self.min_length.value() or None,
            max_length=self.max_length.value() or None,
            param=self.param_combo.currentData(),
            param_min=bounds[0],
            param_max=bounds[1],
            tag=self.tag_combo.currentData(),
            seed=self.seed_spin.value() if self.shuffle_check.isChecked() else None,
        )
