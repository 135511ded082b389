"""Decode and render thumbnails and full images on worker threads; newest page wins.

:class:`ThumbnailLoader` (a GUI-thread object) owns two runners.
:meth:`~ThumbnailLoader.load_page` renders a page of thumbnails on a newest-wins
:class:`~seqstudio.gui.runners.LatestRunner` (a new page stops the old one; what the old
one still yields is dropped); :meth:`~ThumbnailLoader.load_full` asks for one image at
full size (the sample viewer) on a :class:`~seqstudio.gui.runners.QueuedRunner`, so every
open viewer gets its image. Thumbnails are rendered by the core renderer
(:func:`~seqstudio.core.stats.render.render_tile`: the whole image scaled into a fixed
cell, optional boxes and mask overlay), the same one the CLI's ``--grid`` uses. Results
are ``QImage`` (safe to build in a worker; only ``QPixmap`` is GUI-thread only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from seqstudio.core.stats.render import load_display_image, load_mask, render_tile
from seqstudio.gui.imaging import array_to_qimage
from seqstudio.gui.runners import LatestRunner, QueuedRunner

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


@dataclass(frozen=True)
class Thumbnail:
    """One rendered thumbnail of a page (a null image: unreadable)."""

    token: int
    pos: int
    image: QImage


def _render_page(token: int, root: str, items: list[ThumbJob], width: int, height: int):
    """Worker: yield the page's :class:`Thumbnail` s in order (stopped by a newer page)."""
    for thumb in items:
        yield Thumbnail(token, thumb.pos, decode_thumbnail(Path(root), thumb, width, height))


def _load_full(root: str, rel: str) -> QImage:
    """Worker: one image at full size; null when it cannot be read."""
    try:
        return array_to_qimage(load_display_image(Path(root) / rel))
    except Exception:  # noqa: BLE001 - the viewer says it cannot read the file
        return QImage()


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
        self._pages = LatestRunner("seqstudio-thumbnails", self)
        self._pages.yielded.connect(self._on_thumbnail)
        self._full = QueuedRunner("seqstudio-full-images", self)

    def load_page(self, root: str, items: list[ThumbJob], width: int, height: int) -> int:
        """Render ``items`` as ``width x height`` tiles; return the page token."""
        self._token += 1
        token, items = self._token, list(items)
        self._pages.submit(lambda _job: _render_page(token, root, items, width, height))
        return token

    def load_full(self, root: str, rel: str) -> int:
        """Decode one image at full size; return its token."""
        self._token += 1
        token = self._token
        self._full.run(
            lambda _job: _load_full(root, rel),
            lambda image: self.fullReady.emit(token, rel, image),
        )
        return token

    @property
    def token(self) -> int:
        """The newest token handed out."""
        return self._token

    def _on_thumbnail(self, thumbnail: Thumbnail) -> None:
        self.thumbnailReady.emit(thumbnail.token, thumbnail.pos, thumbnail.image)

    def shutdown(self) -> None:
        """Drop waiting work and wait for the threads."""
        self._pages.shutdown()
        self._full.cancel()
        self._full.shutdown()

    def is_running(self) -> bool:
        """Whether a thread is alive."""
        return self._pages.is_running() or self._full.is_running()
