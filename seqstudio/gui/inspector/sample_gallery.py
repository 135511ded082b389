"""The sample gallery: pages of captioned thumbnails, filtered, shuffled with a seed.

The folder is indexed on a worker (:func:`~seqstudio.gui.inspector.dataset_checks.index_folder`)
and thumbnails are decoded by :class:`~seqstudio.gui.inspector.thumbnails.ThumbnailLoader`;
the GUI thread only filters the index (plain Python) and sets icons. Clicking a thumbnail
opens a :class:`~seqstudio.gui.inspector.sample_viewer.SampleViewer` with the boxes from
the manifest.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seqstudio.gui.inspector.dataset_checks import FolderIndex, IndexedImage, index_folder
from seqstudio.gui.inspector.grid_png import write_grid_png
from seqstudio.gui.inspector.sample_viewer import SampleViewer
from seqstudio.gui.inspector.thumbnails import ThumbnailLoader
from seqstudio.gui.latest_worker import LatestWorker
from seqstudio.gui.tasks import TaskRunner

PAGE_SIZE = 48
THUMB_HEIGHT = 48
THUMB_MAX_WIDTH = 200
ROLE_POSITION = Qt.ItemDataRole.UserRole


class SampleGallery(QWidget):
    """Captioned thumbnails of a folder, a page at a time.

    Parameters
    ----------
    tasks : TaskRunner
        Runs file writes (the grid PNG) off the GUI thread.
    choose_save_path : callable, optional
        ``(title, start, filters) -> path``; a file dialog by default.

    Signals
    -------
    indexed(FolderIndex)
        The folder was indexed.
    pageLoaded()
        Every thumbnail of the current page is shown.
    gridSaved(str)
        The page was written as a PNG.
    viewerOpened(SampleViewer)
        A sample viewer was opened (its image arrives later).
    """

    indexed = Signal(object)
    pageLoaded = Signal()
    gridSaved = Signal(str)
    viewerOpened = Signal(object)

    def __init__(
        self,
        tasks: TaskRunner,
        choose_save_path: Callable[[str, str, str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._choose_save = choose_save_path or self._save_dialog
        self.index: FolderIndex | None = None
        self.filtered: list[IndexedImage] = []
        self.page = 0
        self._token = 0
        self._missing: set[int] = set()
        self._viewers: dict[int, SampleViewer] = {}
        self.indexer = LatestWorker("seqstudio-gallery-index", self)
        self.loader = ThumbnailLoader(self)
        self._build()
        self.indexer.succeeded.connect(self._on_indexed)
        self.indexer.failed.connect(lambda exc: self.status.setText(f"cannot index: {exc}"))
        self.loader.thumbnailReady.connect(self._on_thumbnail)
        self.loader.fullReady.connect(self._on_full)

    def _build(self) -> None:
        self.split_combo = QComboBox()
        self.split_combo.addItem("all folders", None)
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText("label (exact)")
        self.label_edit.setMaximumWidth(140)
        self.shuffle_check = QCheckBox("Shuffle, seed")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_000_000_000)
        self.reshuffle_button = QPushButton("Reshuffle")
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.page_label = QLabel("")
        self.save_button = QPushButton("Save grid PNG…")
        top = QHBoxLayout()
        top.addWidget(QLabel("Folder:"))
        top.addWidget(self.split_combo)
        top.addWidget(QLabel("Label:"))
        top.addWidget(self.label_edit)
        top.addWidget(self.shuffle_check)
        top.addWidget(self.seed_spin)
        top.addWidget(self.reshuffle_button)
        top.addStretch(1)
        top.addWidget(self.prev_button)
        top.addWidget(self.page_label)
        top.addWidget(self.next_button)
        top.addWidget(self.save_button)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(False)
        self.list.setIconSize(QSize(THUMB_MAX_WIDTH, THUMB_HEIGHT))
        self.list.setGridSize(QSize(THUMB_MAX_WIDTH + 12, THUMB_HEIGHT + 26))
        self.list.setSpacing(2)
        self.status = QLabel("")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        self.split_combo.currentIndexChanged.connect(self._on_filter)
        self.label_edit.textChanged.connect(self._on_filter)
        self.shuffle_check.toggled.connect(self._on_filter)
        self.seed_spin.valueChanged.connect(self._on_filter)
        self.reshuffle_button.clicked.connect(self.reshuffle)
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.save_button.clicked.connect(self._on_save)
        self.list.itemClicked.connect(self._on_item_clicked)

    # ------------------------------------------------------------------ folder
    def set_folder(self, root: str) -> None:
        """Index ``root`` on the worker; the first page follows."""
        self.index = None
        self.filtered = []
        self.list.clear()
        self.status.setText("indexing…")
        self.indexer.submit(lambda: index_folder(root))

    def _on_indexed(self, index: FolderIndex) -> None:
        self.index = index
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        self.split_combo.addItem("all folders", None)
        for category in index.categories:
            self.split_combo.addItem(category, category)
        self.split_combo.blockSignals(False)
        self.indexed.emit(index)
        self._on_filter()

    # ------------------------------------------------------------------ filtering, paging
    def reshuffle(self) -> None:
        """Shuffle with the next seed."""
        self.shuffle_check.setChecked(True)
        self.seed_spin.setValue(self.seed_spin.value() + 1)

    def _on_filter(self, *_) -> None:
        if self.index is None:
            return
        category = self.split_combo.currentData()
        label = self.label_edit.text().strip()
        items = [
            image
            for image in self.index.images
            if (category is None or image.category == category)
            and (not label or image.label == label)
        ]
        if self.shuffle_check.isChecked():
            random.Random(self.seed_spin.value()).shuffle(items)
        self.filtered = items
        self.show_page(0)

    def page_count(self) -> int:
        """Pages of the filtered images."""
        return max(1, -(-len(self.filtered) // PAGE_SIZE))

    def page_items(self) -> list[IndexedImage]:
        """The images of the current page."""
        return self.filtered[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]

    def show_page(self, page: int) -> None:
        """Show page ``page`` (0-based; clamped to the pages there are)."""
        if self.index is None:
            return
        self.page = max(0, min(page, self.page_count() - 1))
        items = self.page_items()
        self.list.clear()
        placeholder = QPixmap(THUMB_MAX_WIDTH // 4, THUMB_HEIGHT)
        placeholder.fill(QColor(40, 40, 40))
        for pos, image in enumerate(items):
            item = QListWidgetItem(QIcon(placeholder), image.caption)
            item.setToolTip(image.rel)
            item.setData(ROLE_POSITION, pos)
            self.list.addItem(item)
        self.page_label.setText(f"page {self.page + 1} of {self.page_count()}")
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page + 1 < self.page_count())
        total = len(self.index.images)
        self.status.setText(
            f"{len(self.filtered):,} of {total:,} images match; click one to see it large"
        )
        self._missing = set(range(len(items)))
        self._token = self.loader.load_page(
            self.index.root,
            [(pos, im.rel) for pos, im in enumerate(items)],
            THUMB_HEIGHT,
            THUMB_MAX_WIDTH,
        )
        if not items:
            self.pageLoaded.emit()

    def captions(self) -> list[str]:
        """The captions shown on the current page."""
        return [self.list.item(k).text() for k in range(self.list.count())]

    def is_loaded(self) -> bool:
        """Whether every thumbnail of the page is decoded."""
        return self.index is not None and not self._missing

    def _on_thumbnail(self, token: int, pos: int, image: QImage) -> None:
        if token != self._token or pos >= self.list.count():
            return
        item = self.list.item(pos)
        if image.isNull():
            item.setText("unreadable: " + self.page_items()[pos].rel.rsplit("/", 1)[-1])
        else:
            item.setIcon(QIcon(QPixmap.fromImage(image)))
        self._missing.discard(pos)
        if not self._missing:
            self.pageLoaded.emit()

    # ------------------------------------------------------------------ viewer
    def open_sample(self, pos: int) -> SampleViewer | None:
        """Open the page's image ``pos`` large, with its boxes."""
        items = self.page_items()
        if self.index is None or not 0 <= pos < len(items):
            return None
        viewer = SampleViewer(items[pos], self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        token = self.loader.load_full(self.index.root, items[pos].rel)
        self._viewers[token] = viewer
        viewer.destroyed.connect(lambda *_, t=token: self._viewers.pop(t, None))
        viewer.show()
        self.viewerOpened.emit(viewer)
        return viewer

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.open_sample(int(item.data(ROLE_POSITION)))

    def _on_full(self, token: int, rel: str, image: QImage) -> None:
        viewer = self._viewers.get(token)
        if viewer is not None:
            viewer.set_image(image)

    # ------------------------------------------------------------------ grid PNG
    def _save_dialog(self, title: str, start: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, start, filters)[0]

    def _on_save(self) -> None:
        path = self._choose_save("Save grid as PNG", "grid.png", "PNG images (*.png)")
        if path:
            self.save_grid(path)

    def save_grid(self, path: str) -> None:
        """Write the current page as a PNG grid on the task thread (``gridSaved`` follows)."""
        if self.index is None:
            return
        root = self.index.root
        items = [(im.rel, im.caption) for im in self.page_items()]
        cols = max(1, self.list.viewport().width() // self.list.gridSize().width())
        self._tasks.run(
            lambda: write_grid_png(root, items, path, cols),
            self.gridSaved.emit,
            lambda exc: self.status.setText(f"cannot save {path}: {exc}"),
        )

    def shutdown(self) -> None:
        """Stop and await the index and thumbnail threads; close viewers."""
        for viewer in list(self._viewers.values()):
            viewer.close()
        self.indexer.shutdown()
        self.loader.shutdown()
