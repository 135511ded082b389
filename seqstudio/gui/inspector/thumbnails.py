"""Decode and render thumbnails and full images on a worker thread; newest page wins.

:class:`ThumbnailLoader` (a GUI-thread object) owns one thread. :meth:`load_page` replaces
any thumbnails still waiting with the new page's; :meth:`load_full` asks for one image at
full size (the sample viewer). Thumbnails are rendered by the core renderer
(:func:`~seqstudio.core.stats.render.render_tile`: the whole image scaled into a fixed
cell, optional boxes and mask overlay), the same one the CLI's ``--grid`` uses. Results
come back as ``QImage`` (safe to build in a worker; only ``QPixmap`` is GUI-thread only)
through queued signals of the loader.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QImage

from seqstudio.core.stats.render import load_display_image, load_mask, render_tile
from seqstudio.gui.imaging import array_to_qimage
from seqstudio.gui.threads import register

__all__ = ["ThumbJob", "ThumbnailLoader", "array_to_qimage", "decode_thumbnail"]


@dataclass(frozen=True)
class ThumbJob:
    """One thumbnail to render: page position, image path, its boxes and mask path."""

    pos: int
    rel: str
    boxes: tuple | None = None
    mask: str | None = None


def decode_thumbnail(root: Path, job: ThumbJob, width: int, height: int) -> QImage:
    """Render ``job``'s image into a ``width x height`` tile; null on failure.

    Boxes and the mask overlay are drawn when the job carries them.
    """
    try:
        image = load_display_image(root / job.rel)
    except Exception:  # noqa: BLE001 - shown as an "unreadable" placeholder
        return QImage()
    mask = load_mask(root / job.mask) if job.mask else None
    tile = render_tile(image, width, height, boxes=job.boxes, mask=mask)
    return array_to_qimage(tile.pixels)


class _LoaderThread(QThread):
    thumbnail = Signal(int, int, object)  # page token, position, QImage
    full = Signal(int, str, object)  # request token, rel, QImage

    def __init__(self) -> None:
        super().__init__()
        register(self)
        self.setObjectName("seqstudio-thumbnails")
        self._condition = threading.Condition()
        self._page: deque = deque()
        self._full: deque = deque()
        self._stopping = False

    def set_page(self, token: int, root: str, items: list[ThumbJob], size) -> None:
        with self._condition:
            self._page = deque((token, root, job, size) for job in items)
            self._condition.notify()

    def add_full(self, token: int, root: str, rel: str) -> None:
        with self._condition:
            self._full.append((token, root, rel))
            self._condition.notify()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._page.clear()
            self._full.clear()
            self._condition.notify()

    def run(self) -> None:  # noqa: D102 - QThread API
        while True:
            with self._condition:
                while not self._page and not self._full and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                if self._full:
                    job = ("full", self._full.popleft())
                else:
                    job = ("thumb", self._page.popleft())
            if job[0] == "full":
                token, root, rel = job[1]
                try:
                    image = array_to_qimage(load_display_image(Path(root) / rel))
                except Exception:  # noqa: BLE001 - the viewer says it cannot read the file
                    image = QImage()
                self.full.emit(token, rel, image)
            else:
                token, root, thumb, (width, height) = job[1]
                self.thumbnail.emit(
                    token, thumb.pos, decode_thumbnail(Path(root), thumb, width, height)
                )


class ThumbnailLoader(QObject):
    """Thumbnails for the gallery and full images for the viewer, decoded off the GUI thread.

    Signals
    -------
    thumbnailReady(int, int, QImage)
        ``(page token, position, image)``; a null image means unreadable.
    fullReady(int, str, QImage)
        ``(request token, relative path, image)``.
    """

    thumbnailReady = Signal(int, int, object)
    fullReady = Signal(int, str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._token = 0
        self._thread = _LoaderThread()
        queued = Qt.ConnectionType.QueuedConnection
        self._thread.thumbnail.connect(self._on_thumbnail, queued)
        self._thread.full.connect(self._on_full, queued)
        self._thread.start()

    def load_page(self, root: str, items: list[ThumbJob], width: int, height: int) -> int:
        """Render ``items`` as ``width x height`` tiles; return the page token."""
        self._token += 1
        self._thread.set_page(self._token, root, items, (width, height))
        return self._token

    def load_full(self, root: str, rel: str) -> int:
        """Decode one image at full size; return its token."""
        self._token += 1
        self._thread.add_full(self._token, root, rel)
        return self._token

    @property
    def token(self) -> int:
        """The newest token handed out."""
        return self._token

    def _on_thumbnail(self, token: int, pos: int, image: QImage) -> None:
        self.thumbnailReady.emit(token, pos, image)

    def _on_full(self, token: int, rel: str, image: QImage) -> None:
        self.fullReady.emit(token, rel, image)

    def shutdown(self) -> None:
        """Drop waiting work and wait for the thread."""
        self._thread.stop()
        self._thread.wait()

    def is_running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread.isRunning()
