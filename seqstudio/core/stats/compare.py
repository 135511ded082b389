"""Compare two scans (two folders, or two splits) and rank what differs most.

Every compared quantity gets a distance in [0, 1]:

* histograms (label length, digit classes, image sizes, labels): the total variation
  distance between the two normalised histograms, ``0.5 * sum |p - q|`` (0: the same
  shares, 1: nothing in common);
* per-channel mean and std: ``|a - b| / max(std_a, std_b)`` capped at 1, the largest over
  the channels (a shift of one standard deviation or more counts as 1);
* image counts are shown but not ranked (splits differ in size by design).

The label histogram is ranked only when labels repeat (fewer distinct labels than half
the rows in both): random sequences are nearly all distinct, and two samples of the same
distribution would look completely different.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from seqstudio.core.stats.model import DatasetStats, GroupStats, LabelStats


@dataclass(frozen=True)
class Difference:
    """One compared quantity: its name, both sides in words, and the distance."""

    name: str
    a: str
    b: str
    distance: float
    ranked: bool = True


@dataclass
class Comparison:
    """Two scans side by side, differences sorted with the largest first."""

    a: str
    b: str
    differences: list[Difference] = field(default_factory=list)

    @property
    def largest(self) -> Difference | None:
        """The ranked difference with the largest distance."""
        ranked = [d for d in self.differences if d.ranked]
        return ranked[0] if ranked else None

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {
            "a": self.a,
            "b": self.b,
            "largest": self.largest.name if self.largest else None,
            "differences": [d.__dict__ for d in self.differences],
        }


def total_variation(a: dict, b: dict) -> float:
    """``0.5 * sum |p - q|`` of two count histograms (0 when both are empty)."""
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return 0.0 if na == nb else 1.0
    keys = set(a) | set(b)
    return 0.5 * sum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in keys)


def _short_hist(hist: dict, top: int = 6) -> str:
    total = sum(hist.values()) or 1
    items = list(hist.items())[:top]
    text = ", ".join(f"{k}: {100 * v / total:.0f}%" for k, v in items)
    return text + (", ..." if len(hist) > top else "") if text else "-"


def _channels(group: GroupStats, values: tuple[float, ...]) -> str:
    return " ".join(f"{c}={v:.4f}" for c, v in zip(group.channels, values, strict=False)) or "-"


def _shift(a: tuple[float, ...], b: tuple[float, ...], sa, sb) -> float:
    worst = 0.0
    for x, y, s, t in zip(a, b, sa, sb, strict=False):
        scale = max(s, t)
        if math.isnan(x) or math.isnan(y):
            continue
        worst = max(worst, 1.0 if scale <= 0 and x != y else min(1.0, abs(x - y) / (scale or 1)))
    return worst


def _labels_repeat(labels: LabelStats | None) -> bool:
    return labels is not None and len(labels.label_histogram) * 2 < max(labels.entries, 1)


def compare_groups(
    a: GroupStats, b: GroupStats, la: LabelStats | None, lb: LabelStats | None, names=("A", "B")
) -> Comparison:
    """Compare two groups (with their labels) quantity by quantity."""
    out = Comparison(*names)
    diffs = out.differences
    diffs.append(Difference("image count", str(a.image_count), str(b.image_count),
                            abs(a.image_count - b.image_count) / max(a.image_count, b.image_count, 1),
                            ranked=False))  # fmt: skip
    diffs.append(Difference("mean per channel", _channels(a, a.mean), _channels(b, b.mean),
                            _shift(a.mean, b.mean, a.std, b.std)))  # fmt: skip
    diffs.append(Difference("std per channel", _channels(a, a.std), _channels(b, b.std),
                            _shift(a.std, b.std, a.std, b.std)))  # fmt: skip
    diffs.append(Difference("image sizes", _short_hist(a.sizes), _short_hist(b.sizes),
                            total_variation(a.sizes, b.sizes)))  # fmt: skip
    if la is not None or lb is not None:
        la, lb = la or LabelStats(), lb or LabelStats()
        diffs.append(Difference("length histogram", _short_hist(la.length_histogram, 10),
                                _short_hist(lb.length_histogram, 10),
                                total_variation(la.length_histogram, lb.length_histogram)))  # fmt: skip
        da = {str(d): n for d, n in enumerate(la.digit_counts)}
        db = {str(d): n for d, n in enumerate(lb.digit_counts)}
        diffs.append(Difference("digit histogram", _short_hist(da, 10), _short_hist(db, 10),
                                total_variation(da, db)))  # fmt: skip
        diffs.append(Difference("label histogram", _short_hist(la.label_histogram),
                                _short_hist(lb.label_histogram),
                                total_variation(la.label_histogram, lb.label_histogram),
                                ranked=_labels_repeat(la) and _labels_repeat(lb)))  # fmt: skip
    diffs.sort(key=lambda d: (not d.ranked, -d.distance, d.name))
    return out


def compare_stats(a: DatasetStats, b: DatasetStats) -> Comparison:
    """Compare the overall groups of two scans."""
    return compare_groups(a.overall, b.overall, a.labels, b.labels, (a.root, b.root))


def compare_splits(stats: DatasetStats, first: str, second: str) -> Comparison:
    """Compare two categories (splits) of one scan."""
    ga, gb = stats.categories[first], stats.categories[second]
    return compare_groups(ga, gb, ga.labels, gb.labels, (first, second))


def format_comparison(comparison: Comparison) -> str:
    """A text table, largest ranked difference first, and a one-line verdict."""
    rows = []
    for d in comparison.differences:
        mark = f"{d.distance:.3f}" if d.ranked else f"({d.distance:.3f})"
        rows.append((d.name, mark, d.a, d.b))
    widths = [max(len(r[i]) for r in [("quantity", "distance"), *rows]) for i in range(2)]
    lines = [f"A: {comparison.a}", f"B: {comparison.b}", ""]
    lines.append(f"{'quantity'.ljust(widths[0])}  {'distance'.rjust(widths[1])}  values")
    for name, mark, a, b in rows:
        lines.append(f"{name.ljust(widths[0])}  {mark.rjust(widths[1])}  A: {a}")
        lines.append(f"{''.ljust(widths[0])}  {''.rjust(widths[1])}  B: {b}")
    largest = comparison.largest
    if largest is not None:
        lines.append("")
        lines.append(
            f"differs most: {largest.name} (distance {largest.distance:.3f}; "
            "histograms: total variation, channels: shift in std units)"
        )
    return "\n".join(lines) + "\n"
