"""The preview canvas: the generated image drawn pixel-exact, with an optional box overlay.

Zoom is ``fit`` or a whole factor (1×, 2×, 4×, 8×). At ``fit`` the image fills the
view: the largest whole factor (in device pixels, so high-DPI screens get crisp pixels
too) when it fills at least :data:`FIT_FILL` of the room, otherwise the exact fraction
that fills it. Drawing is nearest-neighbour (every image pixel a sharp block) unless
smoothing is switched on. When the settings are invalid the last good image stays,
greyed, with a note.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from seqstudio.gui.sample_painter import paint_sample

ZOOMS = ("fit", "1", "2", "4", "8")
FIT_FILL = 0.9
MARGIN = 8


def fit_scale(image_size: tuple[int, int], room: tuple[int, int], dpr: float = 1.0) -> float:
    """The ``fit`` display scale (logical pixels per image pixel) of an image in a room.

    Parameters
    ----------
    image_size : (int, int)
        Image width and height in pixels.
    room : (int, int)
        Available width and height in logical pixels.
    dpr : float
        Device pixels per logical pixel (``devicePixelRatioF``).

    Returns
    -------
    float
        A whole number of device pixels per image pixel when that fills at least
        :data:`FIT_FILL` of the room along the limiting side, else the exact fill scale.
    """
    w, h = max(1, image_size[0]), max(1, image_size[1])
    fill = min(max(1, room[0]) * dpr / w, max(1, room[1]) * dpr / h)
    whole = math.floor(fill)
    if whole >= 1 and whole >= FIT_FILL * fill:
        return whole / dpr
    return fill / dpr


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
        self._smooth = False
        self._masks = False
        self._mask_tint = QImage()
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

    def set_sample(
        self, image: QImage, meta: dict[str, Any], mask_tint: QImage | None = None
    ) -> None:
        """Show ``image`` (un-greying the canvas), with its instance-mask tint if given."""
        self._image = image
        self._meta = meta
        self._mask_tint = mask_tint if mask_tint is not None else QImage()
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

    def masks(self) -> bool:
        """Whether the instance masks are tinted over the image."""
        return self._masks

    def set_masks(self, on: bool) -> None:
        """Tint (or not) each digit's instance mask in its colour."""
        self._masks = bool(on)
        self.update()

    def smooth(self) -> bool:
        """Whether scaling is smoothed (bilinear) instead of nearest-neighbour."""
        return self._smooth

    def set_smooth(self, on: bool) -> None:
        """Smooth the scaled image (``True``) or keep every pixel a sharp block."""
        self._smooth = bool(on)
        self.update()

    def scale(self) -> float:
        """The current display scale (logical pixels per image pixel)."""
        if self._image.isNull():
            return 1.0
        if self._zoom != "fit":
            return float(self._zoom)
        room = (self.width() - 2 * MARGIN, self.height() - 2 * MARGIN)
        size = (self._image.width(), self._image.height())
        return fit_scale(size, room, self.devicePixelRatioF())

    def image_rect(self) -> QRect:
        """Where the image is drawn, in widget coordinates (centred in the canvas)."""
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
            self.setMinimumSize(
                self._image.width() * z + 2 * MARGIN, self._image.height() * z + 2 * MARGIN
            )
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
        target = self.image_rect()
        paint_sample(
            painter,
            target,
            self._image,
            meta=self._meta,
            mask_tint=self._mask_tint,
            boxes=self._overlay,
            masks=self._masks,
            smooth=self._smooth,
        )
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
        labels = self._meta.get("digits", [])
        for k, (bx, by, bw, bh) in enumerate(self._meta.get("boxes", [])):
            if bx <= x < bx + bw and by <= y < by + bh and k < len(labels):
                text += f" — digit {k + 1} '{labels[k]}' box [{bx}, {by}, {bw}, {bh}]"
                break
        return text
