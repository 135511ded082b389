"""One sample shown large, with its boxes and labels from the manifest drawn over it."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from seqstudio.core.stats.index import IndexedImage

BOX_COLOUR = QColor(255, 64, 64)
MAX_SCALE = 8


def draw_boxes(image: QImage, boxes, labels: str | None, scale: int) -> QImage:
    """``image`` scaled by ``scale`` (nearest) in RGB with ``boxes`` ``[x, y, w, h]`` outlined."""
    scaled = image.convertToFormat(QImage.Format.Format_RGB32).scaled(
        image.width() * scale,
        image.height() * scale,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
    if not boxes:
        return scaled
    painter = QPainter(scaled)
    painter.setPen(QPen(BOX_COLOUR, max(1, scale // 2)))
    for k, (x, y, w, h) in enumerate(boxes):
        painter.drawRect(QRect(x * scale, y * scale, max(w * scale - 1, 1), max(h * scale - 1, 1)))
        if labels and k < len(labels) and scale >= 3:
            painter.drawText(x * scale + 2, y * scale + 12, labels[k])
    painter.end()
    return scaled


class SampleViewer(QDialog):
    """Shows one image large; :meth:`set_image` is called when the worker decoded it.

    Parameters
    ----------
    item : IndexedImage
        The image (its label and boxes come from the manifest).
    """

    def __init__(self, item: IndexedImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle(f"{item.caption} — {item.rel}")
        self.caption = QLabel(self._caption_text())
        self.caption.setWordWrap(True)
        self.view = QLabel("decoding…")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.view)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(scroll, 1)
        self.resize(900, 360)
        self.shown_image = QImage()

    def _caption_text(self) -> str:
        label = f"label {self.item.label}" if self.item.label is not None else "no manifest label"
        boxes = f", {len(self.item.boxes)} boxes from the manifest" if self.item.boxes else ""
        return f"{self.item.rel}: {label}{boxes}"

    def set_image(self, image: QImage) -> None:
        """Show the decoded image (a null image: the file cannot be read)."""
        if image.isNull():
            self.view.setText(f"{self.item.rel} cannot be decoded")
            return
        scale = max(1, min(MAX_SCALE, 800 // max(image.width(), 1), 280 // max(image.height(), 1)))
        label = (
            self.item.label
            if self.item.label and len(self.item.label) == len(self.item.boxes or ())
            else None
        )
        self.shown_image = draw_boxes(image, self.item.boxes, label, scale)
        self.view.setPixmap(QPixmap.fromImage(self.shown_image))
