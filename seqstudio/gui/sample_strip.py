"""A strip of samples ``0 … k-1`` of the same settings, to show their variety.

Each thumbnail is drawn nearest-neighbour at a whole zoom factor; hovering one shows its
realised parameters as a tooltip, clicking selects it for the large canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from seqstudio.gui.preview_worker import RenderedSample
from seqstudio.gui.sample_info import describe_sample

SPACING = 6


class SampleStrip(QWidget):
    """Thumbnails of several samples.

    Signals
    -------
    sampleSelected(int)
        The user clicked the thumbnail of this sample index.
    """

    sampleSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._samples: list[RenderedSample] = []
        self._selected = 0
        self._stale = False
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(48)

    def samples(self) -> list[RenderedSample]:
        """The samples shown."""
        return list(self._samples)

    def set_samples(self, samples: list[RenderedSample]) -> None:
        """Show ``samples`` (un-greying the strip)."""
        self._samples = list(samples)
        self._stale = False
        self.update()

    def set_selected(self, index: int) -> None:
        """Highlight the sample with this index."""
        self._selected = index
        self.update()

    def set_stale(self, stale: bool) -> None:
        """Grey the strip out while the settings are invalid."""
        if stale != self._stale:
            self._stale = stale
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(600, 72)

    def _rects(self) -> list[QRect]:
        count = len(self._samples)
        if not count:
            return []
        first = self._samples[0].image
        w, h = max(1, first.width()), max(1, first.height())
        room_w = (self.width() - SPACING * (count + 1)) / count
        room_h = self.height() - 2 * SPACING
        s = min(room_w / w, room_h / h)
        s = float(int(s)) if s >= 1 else s
        tw, th = max(1, round(w * s)), max(1, round(h * s))
        total = count * tw + (count - 1) * SPACING
        x0 = max(SPACING, (self.width() - total) // 2)
        y0 = (self.height() - th) // 2
        return [QRect(x0 + k * (tw + SPACING), y0, tw, th) for k in range(count)]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        highlight = self.palette().highlight().color()
        for sample, rect in zip(self._samples, self._rects()):
            painter.drawImage(rect, sample.image)
            if sample.index == self._selected:
                painter.setPen(QPen(highlight, 2))
                painter.drawRect(rect.adjusted(-2, -2, 1, 1))
        if self._stale and self._samples:
            painter.fillRect(self.rect(), QColor(128, 128, 128, 170))
        painter.end()

    def sample_at(self, point: QPoint) -> RenderedSample | None:
        """The sample whose thumbnail contains ``point``."""
        for sample, rect in zip(self._samples, self._rects()):
            if rect.contains(point):
                return sample
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        sample = self.sample_at(event.position().toPoint())
        if sample is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_selected(sample.index)
            self.sampleSelected.emit(sample.index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        sample = self.sample_at(event.position().toPoint())
        if sample is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), describe_sample(sample.meta), self)
        super().mouseMoveEvent(event)
