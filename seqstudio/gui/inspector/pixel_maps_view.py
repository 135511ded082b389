"""Mean and std images per split and size, and the ``Normalize(...)`` line to paste.

The images come computed (exactly, on the workers) with the statistics; this view only
turns the chosen one into pixels and paints it, enlarged by a whole factor.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.stats import DatasetStats
from seqstudio.core.stats.pixelmaps import STD_PNG_GAIN, PixelMap, display_pixels
from seqstudio.core.stats.report import normalize_line
from seqstudio.gui.inspector.thumbnails import array_to_qimage

MAX_SCALE = 8
TARGET_WIDTH = 900


class PixelMapsView(QWidget):
    """Pick a folder and size; see its mean and std image; copy the Normalize line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats: DatasetStats | None = None
        self.combo = QComboBox()
        self.note = QLabel("Scan a folder to see its mean and std images.")
        self.note.setWordWrap(True)
        self.mean_label = QLabel()
        self.std_label = QLabel()
        self.normalize_edit = QLineEdit()
        self.normalize_edit.setReadOnly(True)
        self.copy_button = QPushButton("Copy")
        row = QHBoxLayout()
        row.addWidget(QLabel("Images:"))
        row.addWidget(self.combo, 1)
        paste = QHBoxLayout()
        paste.addWidget(QLabel("Paste:"))
        paste.addWidget(self.normalize_edit, 1)
        paste.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(QLabel("Mean image (per pixel, over the images)"))
        layout.addWidget(self.mean_label)
        layout.addWidget(QLabel(f"Std image (x{STD_PNG_GAIN:g}: a std of 0.5 is white)"))
        layout.addWidget(self.std_label)
        layout.addLayout(paste)
        layout.addStretch(1)
        self.combo.currentIndexChanged.connect(self._on_choice)
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.normalize_edit.text())
        )

    def set_stats(self, stats: DatasetStats | None) -> None:
        """Offer every mean/std image of ``stats`` (overall first)."""
        self.stats = stats
        self.combo.blockSignals(True)
        self.combo.clear()
        maps = stats.pixel_maps if stats else []
        ordered = [m for m in maps if m.category == "(all)"] + [
            m for m in maps if m.category != "(all)"
        ]
        for item in ordered:
            name = "all images" if item.category == "(all)" else item.category
            self.combo.addItem(f"{name} · {item.size} · {item.count:,} images", item)
        self.combo.blockSignals(False)
        sizes = {m.size for m in maps if m.category == "(all)"}
        if stats is None:
            self.note.setText("Scan a folder to see its mean and std images.")
        elif len(sizes) > 1:
            self.note.setText(
                f"Mixed sizes: {len(sizes)} size groups; one mean/std image per size."
            )
        else:
            self.note.setText("")
        self.normalize_edit.setText(normalize_line(stats.overall) if stats else "")
        self._on_choice()

    def current(self) -> PixelMap | None:
        """The mean/std images shown."""
        return self.combo.currentData()

    def _on_choice(self, *_) -> None:
        item = self.current()
        if item is None:
            self.mean_label.clear()
            self.std_label.clear()
            return
        scale = max(1, min(MAX_SCALE, TARGET_WIDTH // item.width, 200 // item.height))
        for label, which in ((self.mean_label, "mean"), (self.std_label, "std")):
            image = array_to_qimage(display_pixels(item, which))
            label.setPixmap(
                QPixmap.fromImage(image.scaled(item.width * scale, item.height * scale))
            )
        stats = self.stats
        if stats is not None:
            group = (
                stats.overall if item.category == "(all)" else stats.categories.get(item.category)
            )
            if group is not None:
                self.normalize_edit.setText(normalize_line(group))
