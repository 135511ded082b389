"""The middle of the window: the large preview, the contact sheet and solo / sweep.

Three tabs share one row of view options (zoom, smoothing, boxes, masks):

* **Preview** — the selected sample on :class:`PreviewCanvas`, filling the width at Fit;
  zooming keeps the centre of the view where it was.
* **Contact sheet** — 16 or 32 samples of the current settings (rendered by the preview
  worker only while this tab is shown); clicking one shows it in the Preview tab.
* **Solo / sweep** — one augmentation op at a time (:mod:`seqstudio.gui.comparisons`),
  rendered on its own newest-wins worker and re-rendered when the settings change.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from seqstudio.gui.comparisons import Comparison, ops_as_dicts, render_comparison
from seqstudio.gui.preview_canvas import ZOOMS, PreviewCanvas
from seqstudio.gui.preview_controller import SHEET_SIZES
from seqstudio.gui.runners import LatestRunner
from seqstudio.gui.sample_grid import CELL_ZOOMS, SampleGrid
from seqstudio.gui.sample_info import SampleInfo

ZOOM_TITLES = {"fit": "Fit", "1": "1×", "2": "2×", "4": "4×", "8": "8×"}
CELL_TITLES = {"auto": "auto", "1": "1×", "2": "2×", "3": "3×", "4": "4×"}
TABS = ("preview", "sheet", "compare")


def _scroll(widget: QWidget, horizontal: bool = False) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class PreviewArea(QWidget):
    """Preview, contact sheet and comparison tabs with their view options.

    Signals
    -------
    sheetSizeChanged(int)
        The contact sheet wants this many samples per render (0 while it is hidden).
    sampleChosen(int)
        A contact-sheet cell was clicked (or picked with Enter): show that sample large.
    """

    sheetSizeChanged = Signal(int)
    sampleChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = SampleInfo()
        self.canvas = PreviewCanvas()
        self.canvas_scroll = _scroll(self.canvas, horizontal=True)
        self.canvas_scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._centre = (0.5, 0.5)
        for axis, bar in enumerate(
            (self.canvas_scroll.horizontalScrollBar(), self.canvas_scroll.verticalScrollBar())
        ):
            bar.rangeChanged.connect(lambda *_, a=axis: self._keep_centre(a))
            bar.valueChanged.connect(lambda *_, a=axis: self._note_centre(a))
        self._build_options()
        self._build_tabs()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        self.options.insertStretch(0, 1)
        layout.addLayout(self.options)
        layout.addWidget(self.tabs, 1)
        self.compare_worker = LatestRunner("seqstudio-compare", self)
        self.compare_worker.returned.connect(self._on_compared)
        self.compare_worker.errored.connect(self._on_compare_failed)
        self._comparison: tuple[str, dict[str, Any]] | None = None

    # ------------------------------------------------------------------ construction
    def _build_options(self) -> None:
        self.options = QHBoxLayout()
        self.zoom_combo = QComboBox()
        for zoom in ZOOMS:
            self.zoom_combo.addItem(ZOOM_TITLES[zoom], zoom)
        self.zoom_combo.setToolTip(
            "Preview zoom: Fit fills the width (whole pixels when that fills ≥ 90 %), "
            "or 1×, 2×, 4×, 8× screen pixels per image pixel (Ctrl+0 … Ctrl+4)"
        )
        zoom_label = QLabel("&Zoom")
        zoom_label.setBuddy(self.zoom_combo)
        self.smooth_check = QCheckBox("S&mooth")
        self.smooth_check.setToolTip(
            "Smooth (bilinear) scaling instead of sharp nearest-neighbour pixels"
        )
        self.overlay_check = QCheckBox("&Boxes")
        self.overlay_check.setToolTip("Overlay each digit's box and label on every view (Ctrl+B)")
        self.masks_check = QCheckBox("M&asks")
        self.masks_check.setToolTip("Tint each digit's instance mask on every view (Ctrl+M)")
        for widget in (zoom_label, self.zoom_combo, self.smooth_check):
            self.options.addWidget(widget)
        self.options.addSpacing(8)
        self.options.addWidget(self.overlay_check)
        self.options.addWidget(self.masks_check)
        self.smooth_check.toggled.connect(self.canvas.set_smooth)
        self.masks_check.toggled.connect(self.apply_overlays)
        self.overlay_check.toggled.connect(self.apply_overlays)

    def _build_tabs(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        preview = QWidget()
        layout = QVBoxLayout(preview)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.info.label_text)
        layout.addWidget(self.canvas_scroll, 1)
        self.info.details.setMaximumHeight(96)
        layout.addWidget(self.info.details)
        self.tabs.addTab(preview, "&Preview")

        self.sheet = SampleGrid(4, wrap=True, selectable=True)
        self.sheet.sampleSelected.connect(self._on_sheet_clicked)
        self.sheet_combo = QComboBox()
        self.sheet_combo.addItems(list(SHEET_SIZES))
        self.sheet_combo.setToolTip("How many samples: 4×4 = 16, 8×4 = 32 (4 or 8 columns)")
        self.cell_combo = QComboBox()
        for zoom in CELL_ZOOMS:
            self.cell_combo.addItem(CELL_TITLES[zoom], zoom)
        self.cell_combo.setToolTip(
            "Cell zoom: auto uses the largest whole factor (up to 4×) at which the columns "
            "fit; fewer columns are used rather than shrinking below 1×"
        )
        self.sheet_combo.currentTextChanged.connect(self._on_sheet_size)
        self.cell_combo.currentIndexChanged.connect(
            lambda i: self.sheet.set_zoom(self.cell_combo.itemData(i))
        )
        sheet_page = QWidget()
        sheet_layout = QVBoxLayout(sheet_page)
        sheet_layout.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.sheet_title = QLabel("Samples of these settings: click one to show it large")
        self.sheet_title.setWordWrap(True)
        row.addWidget(self.sheet_title, 1)
        for text, widget in (("Grid", self.sheet_combo), ("Cells", self.cell_combo)):
            label = QLabel(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        sheet_layout.addLayout(row)
        self.sheet_scroll = _scroll(self.sheet)
        self.sheet.follow_viewport()
        sheet_layout.addWidget(self.sheet_scroll, 1)
        self.tabs.addTab(sheet_page, "Contact &sheet")

        self.compare = SampleGrid(1, wrap=False, selectable=False)
        compare_page = QWidget()
        compare_layout = QVBoxLayout(compare_page)
        compare_layout.setContentsMargins(0, 4, 0, 0)
        self.compare_title = QLabel(
            "Use “solo” or “sweep” on an augmentation op to see it on its own."
        )
        self.compare_title.setWordWrap(True)
        compare_layout.addWidget(self.compare_title)
        self.compare_scroll = _scroll(self.compare)
        self.compare.follow_viewport()
        compare_layout.addWidget(self.compare_scroll, 1)
        self.tabs.addTab(compare_page, "Solo / s&weep")
        self.tabs.currentChanged.connect(self._on_tab)

    # ------------------------------------------------------------------ zoom keeps the centre
    def _bars(self):
        return self.canvas_scroll.horizontalScrollBar(), self.canvas_scroll.verticalScrollBar()

    def _note_centre(self, axis: int) -> None:
        bar = self._bars()[axis]
        span = bar.maximum() + bar.pageStep()
        if bar.maximum() > 0 and span > 0:
            centre = list(self._centre)
            centre[axis] = (bar.value() + bar.pageStep() / 2) / span
            self._centre = (centre[0], centre[1])

    def _keep_centre(self, axis: int) -> None:
        bar = self._bars()[axis]
        span = bar.maximum() + bar.pageStep()
        value = round(self._centre[axis] * span - bar.pageStep() / 2)
        bar.blockSignals(True)
        bar.setValue(min(max(value, 0), bar.maximum()))
        bar.blockSignals(False)

    def centre_fraction(self) -> tuple[float, float]:
        """Which point of the zoomed canvas (as fractions of its size) is in the view's centre."""
        fractions = []
        for bar, size in zip(self._bars(), (self.canvas.width(), self.canvas.height())):
            fractions.append((bar.value() + bar.pageStep() / 2) / max(1, size))
        return fractions[0], fractions[1]

    # ------------------------------------------------------------------ view options
    def set_zoom(self, zoom: str) -> None:
        """Zoom the canvas, keeping the centre of the view in the centre."""
        self.canvas.set_zoom(zoom)
        self.zoom_combo.blockSignals(True)
        self.zoom_combo.setCurrentIndex(max(0, self.zoom_combo.findData(zoom)))
        self.zoom_combo.blockSignals(False)

    def apply_overlays(self) -> None:
        """Draw boxes and masks, as checked, on the canvas and on every grid."""
        boxes, masks = self.overlay_check.isChecked(), self.masks_check.isChecked()
        self.canvas.set_overlay(boxes)
        self.canvas.set_masks(masks)
        self.sheet.set_overlays(boxes, masks)
        self.compare.set_overlays(boxes, masks)

    # ------------------------------------------------------------------ contact sheet
    def current_tab(self) -> str:
        """``"preview"``, ``"sheet"`` or ``"compare"``."""
        return TABS[self.tabs.currentIndex()]

    def show_tab(self, name: str) -> None:
        """Bring tab ``name`` (one of :data:`TABS`) to the front."""
        self.tabs.setCurrentIndex(TABS.index(name))

    def sheet_size(self) -> int:
        """Samples the contact sheet needs now (0 while it is hidden)."""
        return SHEET_SIZES[self.sheet_combo.currentText()] if self.current_tab() == "sheet" else 0

    def _on_sheet_size(self, text: str) -> None:
        self.sheet.set_columns(8 if SHEET_SIZES[text] > 16 else 4)
        self.sheetSizeChanged.emit(self.sheet_size())

    def _on_tab(self, _index: int) -> None:
        self.sheetSizeChanged.emit(self.sheet_size())

    def _on_sheet_clicked(self, index: int) -> None:
        self.sampleChosen.emit(index)
        self.show_tab("preview")

    # ------------------------------------------------------------------ solo / sweep
    def comparison(self) -> tuple[str, dict[str, Any]] | None:
        """The comparison shown (kind, op dict), or ``None``."""
        return self._comparison

    def compare_op(self, kind: str, op: dict[str, Any], spec, show: bool = True) -> None:
        """Show a ``"solo"`` or ``"sweep"`` of ``op`` under ``spec`` (rendered on the worker).

        ``show`` brings the Solo / sweep tab to the front.
        """
        from seqstudio.core.augment.schema import OPS

        self._comparison = (kind, dict(op))
        title = OPS[op["op"]].title
        what = (
            "only this op, the clean original on the left"
            if kind == "solo"
            else "this op always applied, its ranges pinned at min, middle and max"
        )
        self.compare_title.setText(f"{kind.capitalize()}: {title} — {what}. Rendering…")
        if show:
            self.show_tab("compare")
        self.compare_worker.submit(lambda _job: render_comparison(kind, spec, dict(op)))

    def refresh_comparison(self, spec) -> None:
        """Render the shown comparison again for new settings (the op as it is in ``spec``)."""
        if self._comparison is None:
            return
        kind, op = self._comparison
        for data in ops_as_dicts(spec.augment):
            if data.get("op") == op["op"]:
                op = data
                break
        self.compare_op(kind, op, spec, show=False)

    def _on_compared(self, result: Comparison) -> None:
        from seqstudio.core.augment.schema import OPS

        n = max(1, len(result.headers))
        captions = [
            (f"#{k // n}  " if k % n == 0 else "") + result.headers[k % n]
            for k in range(len(result.samples))
        ]
        self.compare.set_samples(result.samples, captions, group=n)
        rows = len(result.samples) // n
        text = (
            f"{result.kind.capitalize()}: {OPS[result.op].title} — samples 0–{rows - 1} of "
            f"these settings, each above its {'solo' if result.kind == 'solo' else 'sweep'} "
            "variants."
        )
        if result.note:
            text += f" {result.note}."
        self.compare_title.setText(text)

    def _on_compare_failed(self, exc: object) -> None:
        self.compare_title.setText(f"Cannot render this comparison: {exc}")

    def shutdown(self) -> None:
        """Stop the comparison worker and wait for it."""
        self.compare_worker.shutdown()

    def is_running(self) -> bool:
        """Whether the comparison worker is alive."""
        return self.compare_worker.is_running()
