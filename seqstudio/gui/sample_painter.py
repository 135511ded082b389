"""Drawing one sample into a rectangle: pixels, instance-mask tint, boxes and labels.

Shared by the large canvas and every grid (contact sheet, solo, sweep), so overlays look
the same everywhere. Runs in ``paintEvent`` only: the tint image is prepared by the
worker that rendered the sample.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from seqstudio.gui.imaging import INSTANCE_COLOURS


def paint_sample(
    painter: QPainter,
    target: QRect,
    image: QImage,
    *,
    meta: dict[str, Any] | None = None,
    mask_tint: QImage | None = None,
    boxes: bool = False,
    masks: bool = False,
    smooth: bool = False,
    labels: bool = True,
) -> None:
    """Draw ``image`` scaled into ``target`` with the optional overlays.

    Parameters
    ----------
    painter : QPainter
        An active painter of the widget.
    target : QRect
        Where the image goes (its size sets the scale).
    image : QImage
        The sample's pixels.
    meta : dict, optional
        ``Sample.to_dict()``: its ``boxes`` and ``labels`` are drawn when ``boxes``.
    mask_tint : QImage, optional
        The instance-mask tint (:func:`~seqstudio.gui.imaging.mask_to_overlay`).
    boxes, masks : bool
        Which overlays to draw.
    smooth : bool
        Bilinear instead of nearest-neighbour scaling.
    labels : bool
        Write each digit's label in its box (when ``boxes``).
    """
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
    painter.drawImage(target, image)
    if masks and mask_tint is not None and not mask_tint.isNull():
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, mask_tint)
    if boxes and meta:
        _paint_boxes(painter, target, image.width(), meta, labels)


def _paint_boxes(
    painter: QPainter, target: QRect, image_width: int, meta: dict[str, Any], labels: bool
) -> None:
    s = target.width() / max(1, image_width)
    names = meta.get("digits", [])
    font = QFont(painter.font())
    font.setBold(True)
    painter.save()
    painter.setFont(font)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for k, (x, y, w, h) in enumerate(meta.get("boxes", [])):
        painter.setPen(QPen(QColor(INSTANCE_COLOURS[k % len(INSTANCE_COLOURS)]), 1))
        rect = QRect(
            target.x() + round(x * s),
            target.y() + round(y * s),
            max(1, round(w * s)) - 1,
            max(1, round(h * s)) - 1,
        )
        painter.drawRect(rect)
        if labels and k < len(names) and rect.height() > painter.fontMetrics().height():
            painter.drawText(
                rect.topLeft() + QPoint(2, painter.fontMetrics().ascent()), str(names[k])
            )
    painter.restore()
