"""The problems list: the core QA engine's findings, grouped by check, and the skipped
non-image files."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from seqstudio.core.stats import DatasetStats
from seqstudio.core.stats.model import CHECKS

SECTIONS = (*CHECKS.items(), ("non_images", "Non-image files skipped"))


class ProblemsView(QTreeWidget):
    """A tree of problems, one top-level item per QA check with its count.

    The rows are exactly ``stats.qa.findings`` (what ``seqstudio stats`` prints).
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels(["Problem", "Path", "Details"])
        self.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.header().setStretchLastSection(True)
        self._entries: dict[str, list[tuple[str, str, str]]] = {key: [] for key, _ in SECTIONS}
        self._notes: dict[str, str] = {}
        self._rebuild()

    def clear_problems(self) -> None:
        """Forget everything (a new scan starts)."""
        self._entries = {key: [] for key, _ in SECTIONS}
        self._notes = {}
        self._rebuild()

    def set_stats(self, stats: DatasetStats) -> None:
        """Show the QA report of a complete scan and the skipped non-image files."""
        self.clear_problems()
        for finding in stats.qa.findings:
            self._entries[finding.check].append((finding.check, finding.path, finding.reason))
        for check, count in stats.qa.counts.items():
            if count > len(self._entries[check]):
                self._notes[check] = f"{count:,}, {len(self._entries[check]):,} listed"
        for check, why in stats.qa.skipped.items():
            if not stats.qa.counts.get(check):
                self._notes[check] = f"not checked: {why}"
        skipped = [("not an image", path, "skipped") for path in stats.non_image_examples]
        self._entries["non_images"] = skipped
        if stats.non_image_files:
            self._notes["non_images"] = f"{stats.non_image_files:,} files"
        self._rebuild()

    def entries(self, section: str | None = None) -> list[tuple[str, str, str]]:
        """``(check, path, details)`` rows, of one section or of every check."""
        if section is not None:
            return list(self._entries[section])
        return [row for key in CHECKS for row in self._entries[key]]

    def _rebuild(self) -> None:
        self.clear()
        for key, title in SECTIONS:
            rows = self._entries[key]
            note = self._notes.get(key) or f"{len(rows):,}"
            top = QTreeWidgetItem([f"{title} ({note})", "", ""])
            self.addTopLevelItem(top)
            for kind, path, details in rows:
                top.addChild(QTreeWidgetItem([kind, path, details]))
            top.setExpanded(bool(rows) and len(rows) <= 50)
