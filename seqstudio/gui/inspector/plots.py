"""Five histograms of a scan, rendered by matplotlib (Agg) on a worker thread.

The GUI thread only gathers the plain data (:func:`plot_data`) and paints the finished
image: drawing five axes with text takes a second or more on a loaded machine, which
would freeze the window if it ran in a paint event. Length and digit histograms are
drawn per split (grouped bars of shares) when more than one split has labels.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy

from seqstudio.core.stats import DatasetStats
from seqstudio.core.stats.pixelmaps import IntensityHistogram
from seqstudio.gui.runners import LatestRunner

TOP_LABELS = 20
TOP_SIZES = 10
TITLES = (
    "Labels (most frequent)",
    "Sequence length",
    "Digit class counts",
    "Image sizes",
    "Pixel intensity",
)
_EMPTY = {0: "no data (no manifest labels)", 1: "no data (no manifest labels)",
          2: "no data (no manifest labels)", 3: "no data", 4: "waiting for the scan"}  # fmt: skip


def plot_data(stats: DatasetStats | None, intensity: IntensityHistogram | None):
    """``(data per title, per-split length/digit histograms)`` to draw (plain data)."""
    labels = stats.labels if stats else None
    data = {
        TITLES[0]: dict(list(labels.label_histogram.items())[:TOP_LABELS]) if labels else {},
        TITLES[1]: dict(labels.length_histogram) if labels else {},
        TITLES[2]: {str(d): n for d, n in enumerate(labels.digit_counts)} if labels else {},
        TITLES[3]: dict(list(stats.overall.sizes.items())[:TOP_SIZES]) if stats else {},
        TITLES[4]: (
            {"counts": list(intensity.counts), "images": intensity.images}
            if intensity is not None and intensity.images
            else {}
        ),
    }
    per_split = {
        name: {
            "lengths": dict(group.labels.length_histogram),
            "digits": {str(d): n for d, n in enumerate(group.labels.digit_counts)},
        }
        for name, group in (stats.categories.items() if stats else [])
        if group.labels is not None and group.labels.entries
    }
    return data, per_split


def render_plots(data: dict, per_split: dict, width: int, height: int) -> QImage:
    """Draw the five histograms into a ``width x height`` image (any thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / 100, height / 100), dpi=100, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 6)
    axes = [figure.add_subplot(grid[0, 0:3]), figure.add_subplot(grid[0, 3:6]),
            figure.add_subplot(grid[1, 0:2]), figure.add_subplot(grid[1, 2:4]),
            figure.add_subplot(grid[1, 4:6])]  # fmt: skip
    for k, xlabel in ((0, "label"), (1, "characters"), (2, "digit"), (3, "width×height")):
        key = "lengths" if k == 1 else "digits"
        if k in (1, 2) and len(per_split) > 1:
            _split_bars(axes[k], TITLES[k], {n: v[key] for n, v in per_split.items()}, xlabel)
        else:
            _bar(axes[k], k, data[TITLES[k]], xlabel, rotate=k in (0, 3))
    ax = axes[4]
    ax.set_title(TITLES[4], fontsize=9)
    if data[TITLES[4]]:
        counts = data[TITLES[4]]["counts"]
        ax.fill_between(range(256), counts, step="mid", color="#4a7ab5")
        ax.set_yscale("log")
        ax.set_xlim(0, 255)
        ax.set_xlabel(f"grey level ({data[TITLES[4]]['images']:,} images)", fontsize=8)
        ax.tick_params(labelsize=7)
    else:
        _empty(ax, 4)
    canvas.draw()
    pixels = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[:, :, :3])
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_RGB888).copy()


def _empty(ax, k: int) -> None:
    ax.text(0.5, 0.5, _EMPTY[k], ha="center", va="center", transform=ax.transAxes, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def _bar(ax, k: int, data: dict, xlabel: str, rotate: bool) -> None:
    ax.set_title(TITLES[k], fontsize=9)
    if not data:
        _empty(ax, k)
        return
    keys = [str(key) for key in data]
    ax.bar(range(len(keys)), list(data.values()), color="#4a7ab5")
    ax.set_xticks(range(len(keys)), keys, rotation=60 if rotate else 0, fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel(xlabel, fontsize=8)


def _split_bars(ax, title: str, per_split: dict[str, dict], xlabel: str) -> None:
    ax.set_title(title + " per split", fontsize=9)
    keys = sorted({key for data in per_split.values() for key in data}, key=str)
    width = 0.8 / len(per_split)
    for n, (split, data) in enumerate(sorted(per_split.items())):
        total = sum(data.values()) or 1
        xs = [i + n * width - 0.4 + width / 2 for i in range(len(keys))]
        ax.bar(xs, [data.get(key, 0) / total for key in keys], width, label=split)
    ax.set_xticks(range(len(keys)), [str(key) for key in keys], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("share", fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.legend(fontsize=7)


class StatsPlots(QLabel):
    """Label, length, digit-class, image-size and intensity histograms.

    Signals
    -------
    rendered()
        A new image of the plots is shown.
    """

    rendered = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(200, 150)
        #: What each axis shows, as plain data (for tests and the status line).
        self.data: dict[str, dict] = {}
        #: Per split, the length and digit histograms drawn.
        self.per_split: dict[str, dict[str, dict]] = {}
        self._stats: DatasetStats | None = None
        self._intensity: IntensityHistogram | None = None
        # A drawing cannot be interrupted: while a scan keeps sending partial statistics,
        # each finished drawing newer than the one shown is shown.
        self._drawer = LatestRunner("seqstudio-plots", self, keep_superseded_results=True)
        self._drawer.returned.connect(self._on_drawn)
        self._drawer.errored.connect(self._on_draw_failed)
        self._closed = False
        self._folder = 0  # counts clear(): a drawing of an earlier folder is never shown
        self._redraw()

    def set_stats(self, stats: DatasetStats | None) -> None:
        """Plot the scan's label and size histograms."""
        self._stats = stats
        self._redraw()

    def set_intensity(self, intensity: IntensityHistogram | None) -> None:
        """Plot the grey-level histogram (``None`` clears it)."""
        self._intensity = intensity
        self._redraw()

    def clear(self) -> None:
        """Show empty plots (a new folder is being scanned); drawings under way are dropped."""
        self._stats = self._intensity = None
        self._folder += 1
        self._redraw()

    def _redraw(self) -> None:
        self.data, self.per_split = plot_data(self._stats, self._intensity)
        data, per_split = self.data, self.per_split
        width, height = max(self.width(), 400), max(self.height(), 300)
        folder = self._folder
        if not self._closed:
            self._drawer.submit(lambda _job: (folder, render_plots(data, per_split, width, height)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.isVisible():
            self._redraw()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        shown = self.pixmap()
        if shown is None or shown.isNull() or shown.size() != self.size():
            self._redraw()  # drawn while hidden, at another size

    def _on_drawn(self, drawn: tuple[int, QImage]) -> None:
        folder, image = drawn
        if folder != self._folder:
            return  # kept as a superseded result, but of the folder shown before
        self.setPixmap(QPixmap.fromImage(image))
        self.rendered.emit()

    def _on_draw_failed(self, exc: Exception) -> None:
        self.setText(f"cannot draw the plots: {exc}")

    def is_running(self) -> bool:
        """Whether a drawing thread is alive."""
        return self._drawer.is_running()

    def shutdown(self) -> None:
        """Drop waiting drawings and wait for the drawing thread to end."""
        self._closed = True
        self._drawer.shutdown()
