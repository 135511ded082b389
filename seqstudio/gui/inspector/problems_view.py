"""The problems list: unreadable files, skipped non-images, duplicates, manifest mismatches
and glyphs shared across splits, grouped by kind."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from seqstudio.core.stats import DatasetStats
from seqstudio.gui.inspector.dataset_checks import DatasetChecks

SECTIONS = (
    ("files", "Unreadable or corrupt files"),
    ("non_images", "Non-image files skipped"),
    ("duplicates", "Duplicate files"),
    ("mismatches", "Manifest / file mismatches"),
    ("shared", "Glyphs shared across splits"),
)


class ProblemsView(QTreeWidget):
    """A tree of problems, one top-level item per kind with its count."""

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
        """Take the engine's problems, skipped files and duplicates."""
        self._entries["files"] = [(p.kind, p.path, p.reason) for p in stats.problems]
        skipped = [("not an image", path, "skipped") for path in stats.non_image_examples]
        self._entries["non_images"] = skipped
        self._notes["non_images"] = (
            f"{stats.non_image_files:,} files" if stats.non_image_files else ""
        )
        dups = []
        for group in stats.duplicate_groups:
            for path in group[1:]:
                dups.append(("duplicate", path, f"same bytes as {group[0]}"))
        self._entries["duplicates"] = dups
        self._rebuild()

    def set_checks(self, checks: DatasetChecks) -> None:
        """Take the mismatches and shared glyphs (seqstudio exports only)."""
        self._entries["mismatches"] = [(p.kind, p.path, p.reason) for p in checks.mismatches]
        self._entries["shared"] = [(p.kind, p.path, p.reason) for p in checks.shared_glyphs]
        if not checks.is_seqstudio:
            self._notes["mismatches"] = self._notes["shared"] = "not a seqstudio export"
        self._rebuild()

    def entries(self, section: str | None = None) -> list[tuple[str, str, str]]:
        """``(kind, path, details)`` rows, of one section or all."""
        if section is not None:
            return list(self._entries[section])
        return [row for key, _ in SECTIONS for row in self._entries[key]]

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
