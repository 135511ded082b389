"""The sample gallery: pages of whole-image thumbnails, filtered, shuffled, tagged.

The folder is indexed on a worker (:func:`~seqstudio.core.stats.index.build_index`: images
only, never masks) together with its tags file; filters run on a second worker
(:func:`~seqstudio.core.stats.selection.select_images`), and thumbnails are rendered by
:class:`~seqstudio.gui.inspector.thumbnails.ThumbnailLoader` with the core renderer (boxes
and mask overlays on request). The GUI thread only sets icons and captions.

Tagging: with thumbnails selected, **B** toggles ``bad``, **A** toggles ``ambiguous`` and
**T** asks for a free-text tag; tags are saved (on the task queue) to
``DIR/seqstudio-tags.json`` (:mod:`seqstudio.core.stats.tags`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.stats.errors import StatsInputError
from seqstudio.core.stats.grid import write_grid
from seqstudio.core.stats.index import FolderIndex, IndexedImage, build_index
from seqstudio.core.stats.selection import select_images
from seqstudio.core.stats.tags import TagStore, validate_tag
from seqstudio.gui.inspector.gallery_filters import GalleryFilters
from seqstudio.gui.inspector.sample_viewer import SampleViewer
from seqstudio.gui.inspector.thumbnails import ThumbJob, ThumbnailLoader
from seqstudio.gui.panels.base import ERROR_STYLE
from seqstudio.gui.runners import LatestRunner, QueuedRunner

PAGE_SIZE = 48
TILE_WIDTH = 240
TILE_HEIGHT = 48
ROLE_POSITION = Qt.ItemDataRole.UserRole
TAG_KEYS = {Qt.Key.Key_B: "bad", Qt.Key.Key_A: "ambiguous"}


def _index_with_tags(
    root: str, index: FolderIndex | None = None
) -> tuple[FolderIndex, TagStore | None, str]:
    index = index or build_index(root)
    try:
        return index, TagStore.load(index.root), ""
    except StatsInputError as exc:
        return index, None, f"tags not loaded: {exc}"


class SampleGallery(QWidget):
    """Captioned whole-image thumbnails of a folder, a page at a time.

    Parameters
    ----------
    tasks : QueuedRunner
        Runs file writes (grid PNG, tags file) off the GUI thread.
    choose_save_path : callable, optional
        ``(title, start, filters) -> path``; a file dialog by default.
    ask_text : callable, optional
        ``(title, prompt) -> str`` for a free-text tag ("" cancels); a dialog by default.

    Signals
    -------
    indexed(FolderIndex), filtered(), pageLoaded(), gridSaved(str), tagsSaved(str),
    viewerOpened(SampleViewer)
    """

    indexed = Signal(object)
    filtered_ready = Signal()
    pageLoaded = Signal()
    gridSaved = Signal(str)
    tagsSaved = Signal(str)
    viewerOpened = Signal(object)

    def __init__(
        self,
        tasks: QueuedRunner,
        choose_save_path: Callable[[str, str, str], str] | None = None,
        ask_text: Callable[[str, str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._choose_save = choose_save_path or self._save_dialog
        self._ask_text = ask_text or self._text_dialog
        self.index: FolderIndex | None = None
        self.tags: TagStore | None = None
        self.filtered: list[IndexedImage] = []
        self.page = 0
        self._token = 0
        self._missing: set[int] = set()
        self._viewers: dict[int, SampleViewer] = {}
        self.indexer = LatestRunner("seqstudio-gallery-index", self)
        self.filterer = LatestRunner("seqstudio-gallery-filter", self)
        self.loader = ThumbnailLoader(self)
        self._build()
        self.indexer.returned.connect(self._on_indexed)
        self.indexer.errored.connect(lambda exc: self.status.setText(f"cannot index: {exc}"))
        self.filterer.returned.connect(self._on_filtered)
        self.filterer.errored.connect(lambda exc: self._show_error(f"cannot filter: {exc}"))
        self.loader.thumbnailReady.connect(self._on_thumbnail)
        self.loader.fullReady.connect(self._on_full)

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.boxes_check = QCheckBox("Boxes")
        self.masks_check = QCheckBox("Masks")
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.page_label = QLabel("")
        self.save_button = QPushButton("Save grid PNG…")
        self.filters = GalleryFilters(
            [self.boxes_check, self.masks_check, self.prev_button, self.page_label,
             self.next_button, self.save_button]
        )  # fmt: skip
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setIconSize(QSize(TILE_WIDTH, TILE_HEIGHT))
        self.list.setGridSize(QSize(TILE_WIDTH + 12, TILE_HEIGHT + 26))
        self.list.setSpacing(2)
        self.list.installEventFilter(self)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.status = QLabel("")
        hint = QLabel("Select thumbnails, then B: bad · A: ambiguous · T: free-text tag")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addWidget(self.error)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(hint)
        self.filters.changed.connect(self._on_filter)
        self.boxes_check.toggled.connect(lambda *_: self.show_page(self.page))
        self.masks_check.toggled.connect(lambda *_: self.show_page(self.page))
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.save_button.clicked.connect(self._on_save)
        self.list.itemClicked.connect(self._on_item_clicked)

    # ------------------------------------------------------------------ folder
    def clear(self, status: str = "") -> None:
        """Show nothing (a new folder is coming)."""
        self.index = None
        self.tags = None
        self.filtered = []
        self._missing = set()
        self.list.clear()
        self.status.setText(status)

    def set_folder(self, root: str) -> None:
        """Index ``root`` (and read its tags) on the worker; the first page follows."""
        self.clear("indexing…")
        self.indexer.submit(lambda _job: _index_with_tags(root))

    def set_index(self, index: FolderIndex) -> None:
        """Show an index built elsewhere (the statistics scan); tags are read on the worker."""
        self.clear("reading tags…")
        self.indexer.submit(lambda _job: _index_with_tags(index.root, index))

    def _on_indexed(self, result: tuple[FolderIndex, TagStore | None, str]) -> None:
        index, tags, message = result
        self.index, self.tags = index, tags
        self._show_error(message)
        self.filters.set_index(index)
        self.filters.set_tags(tags)
        self.indexed.emit(index)
        self._on_filter()

    # ------------------------------------------------------------------ filtering, paging
    def _on_filter(self, *_) -> None:
        if self.index is None:
            return
        try:
            flt = self.filters.current_filter()
        except StatsInputError as exc:
            self._show_error(str(exc))  # the last good page stays shown
            return
        self._show_error("")
        index = self.index
        tags = {rel: list(values) for rel, values in (self.tags.tags if self.tags else {}).items()}
        self.filterer.submit(lambda _job: (index, select_images(index, flt, tags)))

    def _on_filtered(self, result: tuple[FolderIndex, list[IndexedImage]]) -> None:
        index, images = result
        if index is not self.index:
            return  # the images of a folder no longer shown (a new one is being indexed)
        self.filtered = images
        self.show_page(0)
        self.filtered_ready.emit()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def page_count(self) -> int:
        """Pages of the filtered images."""
        return max(1, -(-len(self.filtered) // PAGE_SIZE))

    def page_items(self) -> list[IndexedImage]:
        """The images of the current page."""
        return self.filtered[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]

    def caption_of(self, image: IndexedImage) -> str:
        """The caption under a thumbnail: label (or file name) and tags."""
        tags = self.tags.of(image.rel) if self.tags else []
        return image.caption + (f" [{', '.join(tags)}]" if tags else "")

    def show_page(self, page: int) -> None:
        """Show page ``page`` (0-based; clamped to the pages there are)."""
        if self.index is None:
            return
        self.page = max(0, min(page, self.page_count() - 1))
        items = self.page_items()
        self.list.clear()
        placeholder = QPixmap(TILE_WIDTH, TILE_HEIGHT)
        placeholder.fill(QColor(40, 40, 40))
        for pos, image in enumerate(items):
            item = QListWidgetItem(QIcon(placeholder), self.caption_of(image))
            item.setToolTip(image.rel)
            item.setData(ROLE_POSITION, pos)
            self.list.addItem(item)
        self.page_label.setText(f"page {self.page + 1} of {self.page_count()}")
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page + 1 < self.page_count())
        self.status.setText(
            f"{len(self.filtered):,} of {len(self.index.images):,} images match; "
            "click one to see it large"
        )
        self._missing = set(range(len(items)))
        boxes, masks = self.boxes_check.isChecked(), self.masks_check.isChecked()
        jobs = [
            ThumbJob(pos, im.rel, im.boxes if boxes else None, im.mask if masks else None)
            for pos, im in enumerate(items)
        ]
        self._token = self.loader.load_page(self.index.root, jobs, TILE_WIDTH, TILE_HEIGHT)
        if not items:
            self.pageLoaded.emit()

    def captions(self) -> list[str]:
        """The captions shown on the current page."""
        return [self.list.item(k).text() for k in range(self.list.count())]

    def is_loaded(self) -> bool:
        """Whether every thumbnail of the page is rendered."""
        return self.index is not None and not self._missing

    def _on_thumbnail(self, token: int, pos: int, image: QImage) -> None:
        if token != self._token or pos >= self.list.count():
            return
        item = self.list.item(pos)
        if image.isNull():
            item.setText("unreadable: " + self.page_items()[pos].rel.rsplit("/", 1)[-1])
        else:
            item.setIcon(QIcon(QPixmap.fromImage(image)))
            item.setData(Qt.ItemDataRole.UserRole + 1, image)
        self._missing.discard(pos)
        if not self._missing:
            self.pageLoaded.emit()

    def thumbnail(self, pos: int) -> QImage:
        """The rendered tile of the page's image ``pos`` (null until it arrived)."""
        item = self.list.item(pos)
        image = item.data(Qt.ItemDataRole.UserRole + 1) if item is not None else None
        return image if isinstance(image, QImage) else QImage()

    # ------------------------------------------------------------------ tags
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                return False
            if event.key() in TAG_KEYS:
                self.tag_selected(TAG_KEYS[Qt.Key(event.key())])
                return True
            if event.key() == Qt.Key.Key_T:
                text = self._ask_text("Tag", "Free-text tag for the selected images:")
                if text and text.strip():
                    self.tag_selected(text)
                return True
        return super().eventFilter(watched, event)

    def selected_positions(self) -> list[int]:
        """Page positions of the selected thumbnails (the current one if none)."""
        rows = sorted(self.list.row(item) for item in self.list.selectedItems())
        if not rows and self.list.currentRow() >= 0:
            rows = [self.list.currentRow()]
        return rows

    def tag_selected(self, tag: str) -> None:
        """Toggle ``tag`` on the selected images and save the tags file (task queue).

        All selected images get the tag, unless all of them have it already: then it is
        removed from all of them.
        """
        if self.index is None:
            return
        if self.tags is None:
            self._show_error("tags are not available for this folder (see the message above)")
            return
        try:
            tag = validate_tag(tag)
        except StatsInputError as exc:
            self._show_error(str(exc))
            return
        items = self.page_items()
        chosen = [items[pos] for pos in self.selected_positions() if pos < len(items)]
        if not chosen:
            return
        remove = all(tag in self.tags.of(image.rel) for image in chosen)
        for image in chosen:
            if (tag in self.tags.of(image.rel)) == remove:
                self.tags.toggle(image.rel, tag)
        for pos, image in enumerate(items):
            self.list.item(pos).setText(self.caption_of(image))
        self.filters.set_tags(self.tags)
        snapshot = TagStore(self.tags.root, {k: list(v) for k, v in self.tags.tags.items()})
        self._tasks.run(
            lambda _job: str(snapshot.save()),
            self.tagsSaved.emit,
            lambda exc: self._show_error(f"cannot save tags: {exc}"),
        )

    def _text_dialog(self, title: str, prompt: str) -> str:
        text, ok = QInputDialog.getText(self, title, prompt)
        return text if ok else ""

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
        """Write the current page as a PNG grid with the CLI's renderer (task queue)."""
        if self.index is None or not self.page_items():
            return
        root = self.index.root
        items = self.page_items()
        captions = [self.caption_of(image) for image in items]
        cols = max(1, min(len(items), self.list.viewport().width() // self.list.gridSize().width()))
        rows = -(-len(items) // cols)
        boxes, masks = self.boxes_check.isChecked(), self.masks_check.isChecked()

        def write(_job) -> str:
            from pathlib import Path

            write_grid(Path(root), items, path, rows=rows, cols=cols, thumb_height=TILE_HEIGHT,
                       boxes=boxes, masks=masks, captions=captions)  # fmt: skip
            return path

        self._tasks.run(
            write,
            self.gridSaved.emit,
            lambda exc: self.status.setText(f"cannot save {path}: {exc}"),
        )

    def shutdown(self) -> None:
        """Stop and await the index, filter and thumbnail threads; close viewers."""
        for viewer in list(self._viewers.values()):
            viewer.close()
        self.indexer.shutdown()
        self.filterer.shutdown()
        self.loader.shutdown()
