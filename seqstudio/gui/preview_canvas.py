"""The preview canvas: the generated image drawn pixel-exact, with an optional box overlay.

Zoom is nearest-neighbour only: ``fit`` (the largest whole factor that fits, or a
fraction when the image is larger than the view), 1×, 2×, 4× or 8×. When the settings
are invalid the last good image stays, greyed, with a note.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

ZOOMS = ("fit", "1", "2", "4", "8")
BOX_COLOURS = ("#ff5252", "#40c4ff", "#69f0ae", "#ffd740", "#e040fb", "#ffab40")


class PreviewCanvas(QWidget):
    """Draws one sample image.

    Signals
    -------
    imageChanged
        A new image is shown (emitted in the GUI thread after it is set).
    hoverText(str)
        What is under the mouse: pixel position, value and digit.
    """

    imageChanged = Signal()
    hoverText = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self._meta: dict[str, Any] = {}
        self._zoom = "fit"
        self._overlay = False
        self._stale = False
        self._stale_note = ""
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 60)
        self.setAutoFillBackground(False)

    # ------------------------------------------------------------------ content
    def image(self) -> QImage:
        """The image currently shown (a Grayscale8 QImage at 1×)."""
        return self._image

    def meta(self) -> dict[str, Any]:
        """The shown sample's metadata (``Sample.to_dict()``)."""
        return dict(self._meta)

    def set_sample(self, image: QImage, meta: dict[str, Any]) -> None:
        """Show ``image`` (un-greying the canvas)."""
        self._image = image
        self._meta = meta
        self._stale = False
        self._stale_note = ""
        self._update_size()
        self.update()
        self.imageChanged.emit()

    def set_stale(self, stale: bool, note: str = "") -> None:
        """Grey the image out (invalid settings) or show it normally again."""
        if stale != self._stale or note != self._stale_note:
            self._stale = stale
            self._stale_note = note
            self.update()

    def is_stale(self) -> bool:
        """Whether the shown image is the last good one under invalid settings."""
        return self._stale

    # ------------------------------------------------------------------ view options
    def zoom(self) -> str:
        """``"fit"``, ``"1"``, ``"2"``, ``"4"`` or ``"8"``."""
        return self._zoom

    def set_zoom(self, zoom: str) -> None:
        """Set the zoom (one of :data:`ZOOMS`)."""
        if zoom not in ZOOMS:
            raise ValueError(f"zoom {zoom!r} is not one of {', '.join(ZOOMS)}")
        self._zoom = zoom
        self._update_size()
        self.update()

    def overlay(self) -> bool:
        """Whether per-digit boxes and labels are drawn."""
        return self._overlay

    def set_overlay(self, on: bool) -> None:
        """Draw (or not) the per-digit boxes and labels."""
        self._overlay = bool(on)
        self.update()

    def scale(self) -> float:
        """The current display scale (screen pixels per image pixel)."""
        if self._image.isNull():
            return 1.0
        if self._zoom != "fit":
            return float(self._zoom)
        w, h = self._image.width(), self._image.height()
        room_w, room_h = max(1, self.width() - 16), max(1, self.height() - 16)
        fit = min(room_w / w, room_h / h)
        return float(max(1, int(fit))) if fit >= 1 else fit

    def image_rect(self) -> QRect:
        """Where the image is drawn, in widget coordinates."""
        if self._image.isNull():
            return QRect()
        s = self.scale()
        w, h = round(self._image.width() * s), round(self._image.height() * s)
        return QRect(
            (self.width() - w) // 2 if self.width() > w else 0,
            (self.height() - h) // 2 if self.height() > h else 0,
            w,
            h,
        )

    def _update_size(self) -> None:
        if self._zoom == "fit" or self._image.isNull():
            self.setMinimumSize(120, 60)
        else:
            z = int(self._zoom)
            self.setMinimumSize(self._image.width() * z, self._image.height() * z)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        if self._image.isNull():
            return QSize(400, 120)
        s = 4 if self._zoom == "fit" else int(self._zoom)
        return QSize(self._image.width() * s, self._image.height() * s)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._image.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "rendering…")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        target = self.image_rect()
        painter.drawImage(target, self._image)
        if self._overlay:
            self._paint_overlay(painter, target)
        if self._stale:
            painter.fillRect(target, QColor(128, 128, 128, 170))
            painter.setPen(QColor("#b00020"))
            note = self._stale_note or "settings invalid: showing the last good preview"
            painter.drawText(
                self.rect().adjusted(6, 4, -6, -4),
                Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
                note,
            )
        painter.end()

    def _paint_overlay(self, painter: QPainter, target: QRect) -> None:
        s = self.scale()
        labels = self._meta.get("labels", [])
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        for k, (x, y, w, h) in enumerate(self._meta.get("boxes", [])):
            colour = QColor(BOX_COLOURS[k % len(BOX_COLOURS)])
            painter.setPen(QPen(colour, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rect = QRect(
                target.x() + round(x * s),
                target.y() + round(y * s),
                max(1, round(w * s)) - 1,
                max(1, round(h * s)) - 1,
            )
            painter.drawRect(rect)
            if k < len(labels):
                painter.drawText(
                    rect.topLeft() + QPoint(2, painter.fontMetrics().ascent()), str(labels[k])
                )

    # ------------------------------------------------------------------ hover
    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self.hoverText.emit(self.describe_point(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def describe_point(self, point: QPoint) -> str:
        """Text for the image pixel under widget position ``point`` ("" when outside)."""
        target = self.image_rect()
        if self._image.isNull() or not target.contains(point):
            return ""
        s = self.scale()
        x = min(self._image.width() - 1, int((point.x() - target.x()) / s))
        y = min(self._image.height() - 1, int((point.y() - target.y()) / s))
        text = f"x {x}, y {y}: value {self._image.pixelColor(x, y).red()}"
        labels = self._meta.get("labels", [])
        for k, (bx, by, bw, bh) in enumerate(self._meta.get("boxes", [])):
            if bx <= x < bx + bw and by <= y < by + bh and k < len(labels):
                text += f" — digit {k + 1} '{labels[k]}' box [{bx}, {by}, {bw}, {bh}]"
                break
        return text
