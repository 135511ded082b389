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
MAX_SCALE = 2


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
        self.setFixedHeight(48)

    def samples(self) -> list[RenderedSample]:
        """The samples shown."""
        return list(self._samples)

    def set_samples(self, samples: list[RenderedSample]) -> None:
        """Show ``samples`` (un-greying the strip)."""
        self._samples = list(samples)
        self._stale = False
        self._fit_height()
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
        return QSize(600, self._layout(600)[3])

    def _layout(self, width: int) -> tuple[int, float, int, int]:
        """Columns, scale, thumbnail width and total height for a strip ``width`` wide.

        Thumbnails keep a whole zoom factor (1× or 2×, pixel-exact) and wrap onto more
        rows when they do not fit side by side; only images wider than the strip shrink.
        """
        count = len(self._samples)
        if not count:
            return 1, 1.0, 0, 48
        first = self._samples[0].image
        w, h = max(1, first.width()), max(1, first.height())
        room = max(1, width - 2 * SPACING)
        columns = max(1, min(count, (room + SPACING) // (w + SPACING)))
        scale = (room - (columns - 1) * SPACING) / (columns * w)
        scale = float(min(MAX_SCALE, int(scale))) if scale >= 1 else scale
        rows = -(-count // columns)
        th = max(1, round(h * scale))
        return columns, scale, max(1, round(w * scale)), rows * (th + SPACING) + SPACING

    def _rects(self) -> list[QRect]:
        count = len(self._samples)
        if not count:
            return []
        columns, scale, tw, _ = self._layout(self.width())
        th = max(1, round(self._samples[0].image.height() * scale))
        total = columns * tw + (columns - 1) * SPACING
        x0 = max(SPACING, (self.width() - total) // 2)
        return [
            QRect(
                x0 + (k % columns) * (tw + SPACING),
                SPACING + (k // columns) * (th + SPACING),
                tw,
                th,
            )
            for k in range(count)
        ]

    def _fit_height(self) -> None:
        height = self._layout(self.width())[3]
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_height()

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
