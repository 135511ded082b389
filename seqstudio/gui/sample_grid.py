"""A grid of samples: the contact sheet, and the solo / sweep comparisons.

Every cell is drawn at the same scale: a whole number of device pixels per image pixel
(crisp), the largest that fits the requested columns, or a fixed zoom the user picked.
A wrapping grid (the contact sheet) picks the column count whose whole scale is largest
while the whole grid stays visible, and uses fewer columns rather than shrinking pixels
below 1× (scrolling vertically instead); a comparison is one column of captioned cells (each sample's variants stacked,
so every digit lines up with itself above and below) that shrinks only when even 1× does
not fit. The grid never gets wider than its viewport, so its
scroll area only ever scrolls vertically. Boxes and mask tints toggle on every cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from seqstudio.gui.preview_render import RenderedSample
from seqstudio.gui.sample_info import describe_sample
from seqstudio.gui.sample_painter import paint_sample

SPACING = 8
CELL_ZOOMS = ("auto", "1", "2", "3", "4")
MAX_AUTO_SCALE = 4


@dataclass(frozen=True)
class GridLayout:
    """Where a grid's cells go: ``columns`` per row at ``scale`` logical px per image px."""

    columns: int
    rows: int
    scale: float
    cell_width: int
    cell_height: int
    caption_width: int

    def height(self, group: int = 0) -> int:
        """The total height in logical pixels (``group``: an extra gap every so many rows)."""
        gaps = (self.rows - 1) // group if group > 0 and self.rows else 0
        return self.rows * (self.cell_height + SPACING) + SPACING + gaps * 2 * SPACING


def grid_layout(
    count: int,
    columns: int,
    image_size: tuple[int, int],
    width: int,
    *,
    height: int = 0,
    dpr: float = 1.0,
    zoom: str = "auto",
    wrap: bool = True,
    caption_width: int = 0,
) -> GridLayout:
    """Lay ``count`` images of ``image_size`` out in a grid ``width`` logical pixels wide.

    Parameters
    ----------
    count, columns : int
        Number of cells and the wanted (largest) number of columns.
    image_size : (int, int)
        Width and height of every image.
    width : int
        The room, in logical pixels.
    height : int
        The visible height (0: unknown). ``"auto"`` prefers the largest whole scale at
        which the whole grid is visible without scrolling.
    dpr : float
        Device pixels per logical pixel.
    zoom : str
        ``"auto"`` or a whole factor (``"1"`` … ``"4"``), kept as long as one column fits.
    wrap : bool
        Whether columns may be dropped (rows added) so cells stay at least 1×.
    caption_width : int
        Room for captions left of every cell.

    Returns
    -------
    GridLayout
    """
    w, h = max(1, image_size[0]), max(1, image_size[1])
    columns = max(1, min(columns, count)) if count else 1

    def fill(cols: int) -> float:  # device px per image px that fill ``width``
        return (width - caption_width - (cols + 1) * SPACING) * dpr / (cols * w)

    def fits_height(cols: int) -> float:  # device px per image px that fill ``height``
        rows = -(-count // cols) if count else 1
        return (height - (rows + 1) * SPACING) * dpr / (rows * h) if height > 0 else 0.0

    wanted = MAX_AUTO_SCALE if zoom == "auto" else int(zoom)
    cols = columns
    if wrap and zoom == "auto" and height > 0:
        best = max(
            range(1, columns + 1),
            key=lambda c: (min(wanted, math.floor(fill(c)), math.floor(fits_height(c))), c),
        )
        if min(math.floor(fill(best)), math.floor(fits_height(best))) >= 1:
            cols = best
            wanted = min(wanted, math.floor(fits_height(best)))
    if wrap:
        while cols > 1 and fill(cols) < (1 if zoom == "auto" else wanted):
            cols -= 1
    room = fill(cols)
    scale = (min(wanted, math.floor(room)) if room >= 1 else max(room, 0.05)) / dpr
    rows = -(-count // cols) if count else 0
    return GridLayout(
        cols, rows, scale, max(1, round(w * scale)), max(1, round(h * scale)), caption_width
    )


class SampleGrid(QWidget):
    """Samples in a grid, clickable, with optional captions left of each cell.

    Parameters
    ----------
    columns : int
        Wanted columns.
    wrap : bool
        Whether fewer columns may be used on a narrow view (see :func:`grid_layout`).
    selectable : bool
        Whether clicking a cell selects its sample (:attr:`sampleSelected`).

    Signals
    -------
    sampleSelected(int)
        The user clicked the cell of this sample index.
    """

    sampleSelected = Signal(int)

    def __init__(
        self,
        columns: int = 4,
        *,
        wrap: bool = True,
        selectable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._samples: list[RenderedSample] = []
        self._captions: list[str] = []
        self._group = 0
        self._columns = columns
        self._wrap = wrap
        self._selectable = selectable
        self._selected = 0
        self._zoom = "auto"
        self._boxes = False
        self._masks = False
        self._stale = False
        self.setMouseTracking(True)
        if selectable:
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(80)
        self.setFixedHeight(SPACING * 2)

    # ------------------------------------------------------------------ content
    def samples(self) -> list[RenderedSample]:
        """The samples shown, in cell order."""
        return list(self._samples)

    def set_samples(
        self, samples: list[RenderedSample], captions: list[str] | None = None, group: int = 0
    ) -> None:
        """Show ``samples`` row by row; ``captions`` (one per cell) go left of the cells.

        ``group`` adds a wider gap after every ``group`` rows (one sample's variants).
        """
        self._samples = list(samples)
        self._captions = list(captions or [])
        self._group = group
        self._stale = False
        self._relayout()

    def captions(self) -> list[str]:
        """The cell captions."""
        return list(self._captions)

    def set_columns(self, columns: int) -> None:
        """Use ``columns`` columns (at most)."""
        self._columns = max(1, int(columns))
        self._relayout()

    def set_selected(self, index: int) -> None:
        """Highlight the cell of sample ``index``."""
        self._selected = index
        self.update()

    def set_stale(self, stale: bool) -> None:
        """Grey the grid out while the settings are invalid."""
        if stale != self._stale:
            self._stale = stale
            self.update()

    def set_zoom(self, zoom: str) -> None:
        """Cell zoom: ``"auto"`` or a whole factor (one of :data:`CELL_ZOOMS`)."""
        if zoom not in CELL_ZOOMS:
            raise ValueError(f"cell zoom {zoom!r} is not one of {', '.join(CELL_ZOOMS)}")
        self._zoom = zoom
        self._relayout()

    def set_overlays(self, boxes: bool, masks: bool) -> None:
        """Draw (or not) boxes and mask tints on every cell."""
        self._boxes, self._masks = bool(boxes), bool(masks)
        self.update()

    # ------------------------------------------------------------------ geometry
    def grid(self) -> GridLayout:
        """The current layout."""
        first = self._samples[0].image if self._samples else None
        size = (first.width(), first.height()) if first is not None else (1, 1)
        caption = 0
        if self._captions:
            widest = max(self.fontMetrics().horizontalAdvance(c) for c in self._captions)
            caption = min(widest + SPACING + 6, self.width() * 2 // 5)
        viewport = self.parentWidget()
        return grid_layout(
            len(self._samples),
            self._columns,
            size,
            self.width(),
            height=viewport.height() if viewport is not None else 0,
            dpr=self.devicePixelRatioF(),
            zoom=self._zoom,
            wrap=self._wrap,
            caption_width=caption,
        )

    def cell_rects(self) -> list[QRect]:
        """Where each sample is drawn, in widget coordinates."""
        g = self.grid()
        total = g.caption_width + g.columns * g.cell_width + (g.columns - 1) * SPACING
        x0 = max(SPACING, (self.width() - total) // 2) + g.caption_width
        rects = []
        for k in range(len(self._samples)):
            row = k // g.columns
            gap = 2 * SPACING * (row // self._group) if self._group > 0 else 0
            rects.append(
                QRect(
                    x0 + (k % g.columns) * (g.cell_width + SPACING),
                    SPACING + row * (g.cell_height + SPACING) + gap,
                    g.cell_width,
                    g.cell_height,
                )
            )
        return rects

    def _relayout(self) -> None:
        height = self.grid().height(self._group) if self._samples else SPACING * 2
        if height != self.height():
            self.setFixedHeight(height)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(400, self.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._relayout()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        """Lay out again when the viewport (see :meth:`follow_viewport`) changes height."""
        if event.type() == QEvent.Type.Resize and watched is self.parentWidget():
            self._relayout()
        return False

    def follow_viewport(self) -> None:
        """Re-lay out on every resize of the parent viewport (call once it is parented)."""
        if self.parentWidget() is not None:
            self.parentWidget().installEventFilter(self)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        rects = self.cell_rects()
        if self._captions and rects:
            painter.setPen(self.palette().windowText().color())
            width = self.grid().caption_width - SPACING
            for caption, rect in zip(self._captions, rects):
                area = QRect(rect.x() - width - SPACING, rect.y(), width, rect.height())
                text = self.fontMetrics().elidedText(caption, Qt.TextElideMode.ElideMiddle, width)
                painter.drawText(
                    area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text
                )
        highlight = self.palette().highlight().color()
        for sample, rect in zip(self._samples, rects):
            paint_sample(
                painter,
                rect,
                sample.image,
                meta=sample.meta,
                mask_tint=sample.mask_tint,
                boxes=self._boxes,
                masks=self._masks,
                labels=False,
            )
            if self._selectable and sample.index == self._selected:
                painter.setPen(QPen(highlight, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(-2, -2, 1, 1))
        if self._stale and self._samples:
            painter.fillRect(self.rect(), QColor(128, 128, 128, 170))
        painter.end()

    # ------------------------------------------------------------------ mouse
    def sample_at(self, point: QPoint) -> RenderedSample | None:
        """The sample whose cell contains ``point``."""
        for sample, rect in zip(self._samples, self.cell_rects()):
            if rect.contains(point):
                return sample
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        sample = self.sample_at(event.position().toPoint())
        if self._selectable and sample is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_selected(sample.index)
            self.sampleSelected.emit(sample.index)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Arrow keys move the highlight; Enter or Space shows that sample large."""
        key = Qt.Key
        indexes = [s.index for s in self._samples]
        if not self._selectable or not indexes:
            super().keyPressEvent(event)
            return
        pos = indexes.index(self._selected) if self._selected in indexes else 0
        step = {
            key.Key_Left: -1,
            key.Key_Right: 1,
            key.Key_Up: -self.grid().columns,
            key.Key_Down: self.grid().columns,
        }.get(Qt.Key(event.key()))
        if step is not None:
            self.set_selected(indexes[min(max(pos + step, 0), len(indexes) - 1)])
        elif event.key() in (key.Key_Return, key.Key_Enter, key.Key_Space):
            self.sampleSelected.emit(self._selected)
        else:
            super().keyPressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        sample = self.sample_at(event.position().toPoint())
        if sample is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), describe_sample(sample.meta), self)
        super().mouseMoveEvent(event)
