"""Five histograms of a scan, drawn with matplotlib's QtAgg canvas (GUI thread paints only)."""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

from seqstudio.core.stats import DatasetStats
from seqstudio.gui.inspector.dataset_checks import DatasetChecks

TOP_LABELS = 20
TOP_SIZES = 10
TITLES = (
    "Labels (most frequent)",
    "Sequence length",
    "Digit class counts",
    "Image sizes",
    "Pixel intensity",
)


class StatsPlots(FigureCanvasQTAgg):
    """Label, length, digit-class, image-size and intensity histograms."""

    def __init__(self, parent=None) -> None:
        self.figure = Figure(figsize=(10, 6), layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)
        grid = self.figure.add_gridspec(2, 6)
        self.axes = [
            self.figure.add_subplot(grid[0, 0:3]),
            self.figure.add_subplot(grid[0, 3:6]),
            self.figure.add_subplot(grid[1, 0:2]),
            self.figure.add_subplot(grid[1, 2:4]),
            self.figure.add_subplot(grid[1, 4:6]),
        ]
        #: What each axis shows, as plain data (for tests and the status line).
        self.data: dict[str, dict] = {}
        self._stats: DatasetStats | None = None
        self._checks: DatasetChecks | None = None
        self._redraw()

    def set_stats(self, stats: DatasetStats) -> None:
        """Plot the scan's label and size histograms."""
        self._stats = stats
        self._redraw()

    def set_checks(self, checks: DatasetChecks | None) -> None:
        """Plot the intensity histogram of the checks (``None`` clears it)."""
        self._checks = checks
        self._redraw()

    def _bar(self, k: int, data: dict, xlabel: str, rotate: bool = False) -> None:
        ax = self.axes[k]
        ax.clear()
        ax.set_title(TITLES[k], fontsize=9)
        self.data[TITLES[k]] = dict(data)
        if not data:
            ax.text(0.5, 0.5, "no data (no manifest labels)" if k < 3 else "no data",
                    ha="center", va="center", transform=ax.transAxes, fontsize=8)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            return
        keys = [str(key) for key in data]
        ax.bar(range(len(keys)), list(data.values()), color="#4a7ab5")
        ax.set_xticks(range(len(keys)), keys, rotation=60 if rotate else 0, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_xlabel(xlabel, fontsize=8)

    def _redraw(self) -> None:
        stats, labels = self._stats, self._stats.labels if self._stats else None
        label_hist = dict(list(labels.label_histogram.items())[:TOP_LABELS]) if labels else {}
        self._bar(0, label_hist, "label", rotate=True)
        self._bar(1, dict(labels.length_histogram) if labels else {}, "characters")
        self._bar(
            2, {str(d): n for d, n in enumerate(labels.digit_counts)} if labels else {}, "digit"
        )
        sizes = dict(list(stats.overall.sizes.items())[:TOP_SIZES]) if stats else {}
        self._bar(3, sizes, "width×height", rotate=True)
        ax = self.axes[4]
        ax.clear()
        ax.set_title(TITLES[4], fontsize=9)
        if self._checks is not None and self._checks.intensity_images:
            counts = self._checks.intensity
            self.data[TITLES[4]] = {"counts": list(counts), "images": self._checks.intensity_images}
            ax.fill_between(range(256), counts, step="mid", color="#4a7ab5")
            ax.set_yscale("log")
            ax.set_xlim(0, 255)
            ax.set_xlabel(f"grey level ({self._checks.intensity_images:,} images)", fontsize=8)
            ax.tick_params(labelsize=7)
        else:
            self.data[TITLES[4]] = {}
            ax.text(0.5, 0.5, "waiting for the scan", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
        self.draw_idle()
