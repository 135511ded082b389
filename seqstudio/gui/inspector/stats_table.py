"""The statistics table: one row per category and a total, with copy and JSON/CSV export."""

from __future__ import annotations

import csv
import io
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from seqstudio.core.stats import DatasetStats, GroupStats

COLUMNS = (
    "Category",
    "Images",
    "Size",
    "Mean",
    "Std",
    "Image sizes",
    "Modes",
    "Formats",
)
ROLE_VALUE = Qt.ItemDataRole.UserRole


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.2f} {unit}"
    return f"{n:,} B"


def _channels(group: GroupStats, values: tuple[float, ...]) -> str:
    return "  ".join(f"{c} {v:.4f}" for c, v in zip(group.channels, values))


def _top(counts: dict[str, int], limit: int = 3) -> str:
    items = list(counts.items())
    text = ", ".join(f"{k} ({v:,})" for k, v in items[:limit])
    return text + (f", +{len(items) - limit} more" if len(items) > limit else "")


def group_row(group: GroupStats, title: str | None = None) -> list[tuple[str, object]]:
    """``(text, exact value)`` cells of one row."""
    return [
        (title or group.name, group.name),
        (f"{group.image_count:,}", group.image_count),
        (_size(group.total_bytes), group.total_bytes),
        (_channels(group, group.mean), list(group.mean)),
        (_channels(group, group.std), list(group.std)),
        (_top(group.sizes), dict(group.sizes)),
        (_top(group.modes), dict(group.modes)),
        (_top(group.formats), dict(group.formats)),
    ]


class StatsTable(QTableWidget):
    """Per-category statistics of a :class:`~seqstudio.core.stats.DatasetStats`."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.stats: DatasetStats | None = None

    def set_stats(self, stats: DatasetStats) -> None:
        """Show ``stats`` (partial or complete)."""
        self.stats = stats
        groups = [(g, None) for g in stats.categories.values()]
        groups.append((stats.overall, "Total"))
        self.setRowCount(len(groups))
        for row, (group, title) in enumerate(groups):
            for col, (text, value) in enumerate(group_row(group, title)):
                item = QTableWidgetItem(text)
                item.setData(ROLE_VALUE, value)
                if col in (1, 2):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(row, col, item)

    def row_values(self, row: int) -> list[object]:
        """The exact values behind row ``row``."""
        return [self.item(row, col).data(ROLE_VALUE) for col in range(self.columnCount())]

    def row_of(self, name: str) -> int:
        """The row of category ``name`` (``"Total"`` for the whole folder); -1 if none."""
        for row in range(self.rowCount()):
            if self.item(row, 0).text() == name:
                return row
        return -1

    def to_tsv(self) -> str:
        """The table as shown, tab-separated (what Copy puts on the clipboard)."""
        lines = ["\t".join(COLUMNS)]
        for row in range(self.rowCount()):
            lines.append("\t".join(self.item(row, c).text() for c in range(self.columnCount())))
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """Exact values as CSV: one row per category and a total, one column per channel."""
        stats = self.stats
        if stats is None:
            return ""
        width = max((len(g.channels) for g in [stats.overall]), default=0)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header = ["category", "images", "bytes"]
        header += [f"mean_{k}" for k in range(width)] + [f"std_{k}" for k in range(width)]
        header += ["channels", "sizes", "modes", "formats"]
        writer.writerow(header)
        for group in [*stats.categories.values(), stats.overall]:
            pad = [""] * (width - len(group.mean))
            writer.writerow(
                [group.name, group.image_count, group.total_bytes]
                + [repr(v) for v in group.mean] + pad
                + [repr(v) for v in group.std] + pad
                + [
                    "".join(group.channels),
                    ";".join(f"{k}:{v}" for k, v in group.sizes.items()),
                    ";".join(f"{k}:{v}" for k, v in group.modes.items()),
                    ";".join(f"{k}:{v}" for k, v in group.formats.items()),
                ]
            )  # fmt: skip
        return buffer.getvalue()

    def to_json(self) -> str:
        """The full statistics as JSON (``DatasetStats.to_dict``)."""
        return json.dumps(self.stats.to_dict() if self.stats else {}, indent=2) + "\n"
