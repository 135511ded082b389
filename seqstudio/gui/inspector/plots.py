"""Five histograms of a scan, drawn with matplotlib's QtAgg canvas (GUI thread paints only).

Length and digit histograms are drawn per split (grouped bars, one colour per split)
when more than one split has labels.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

from seqstudio.core.stats import DatasetStats
from seqstudio.core.stats.pixelmaps import IntensityHistogram

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
        #: Per split, the length and digit histograms drawn (for tests).
        self.per_split: dict[str, dict[str, dict]] = {}
        self._stats: DatasetStats | None = None
        self._intensity: IntensityHistogram | None = None
        self._redraw()

    def set_stats(self, stats: DatasetStats) -> None:
        """Plot the scan's label and size histograms."""
        self._stats = stats
        self._redraw()

    def set_intensity(self, intensity: IntensityHistogram | None) -> None:
        """Plot the grey-level histogram (``None`` clears it)."""
        self._intensity = intensity
        self._redraw()

    def _split_bars(self, k: int, per_split: dict[str, dict], xlabel: str) -> None:
        ax = self.axes[k]
        ax.clear()
        ax.set_title(TITLES[k] + " per split", fontsize=9)
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
        splits = {
            name: group.labels
            for name, group in (stats.categories.items() if stats else [])
            if group.labels is not None and group.labels.entries
        }
        self.per_split = {
            name: {
                "lengths": dict(lab.length_histogram),
                "digits": {str(d): n for d, n in enumerate(lab.digit_counts)},
            }
            for name, lab in splits.items()
        }
        if len(splits) > 1:
            self._split_bars(1, {n: v["lengths"] for n, v in self.per_split.items()}, "characters")
            self._split_bars(2, {n: v["digits"] for n, v in self.per_split.items()}, "digit")
        sizes = dict(list(stats.overall.sizes.items())[:TOP_SIZES]) if stats else {}
        self._bar(3, sizes, "width×height", rotate=True)
        ax = self.axes[4]
        ax.clear()
        ax.set_title(TITLES[4], fontsize=9)
        if self._intensity is not None and self._intensity.images:
            counts = self._intensity.counts
            self.data[TITLES[4]] = {"counts": list(counts), "images": self._intensity.images}
            ax.fill_between(range(256), counts, step="mid", color="#4a7ab5")
            ax.set_yscale("log")
            ax.set_xlim(0, 255)
            ax.set_xlabel(f"grey level ({self._intensity.images:,} images)", fontsize=8)
            ax.tick_params(labelsize=7)
        else:
            self.data[TITLES[4]] = {}
            ax.text(0.5, 0.5, "waiting for the scan", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
        self.draw_idle()
