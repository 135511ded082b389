"""What the image stage transforms: the image, the clean ink and each glyph's ownership."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seqstudio.core.augment.kernels import apply_channels

__all__ = ["ImageLayers"]


class ImageLayers:
    """What the image stage transforms: the image, the clean ink and glyph ownership.

    ``ink`` is the image as it would be without photometric ops (``None`` while it is
    still the image itself); ``owners`` is an ``(H, W, n)`` float32 stack of each
    glyph's ownership indicator, built on the first moving op. Moving ops (warps,
    blurs) transform all three identically; photometric ops change only ``image``.
    """

    __slots__ = ("image", "ink", "mask", "count", "owners", "moved")

    def __init__(self, image: np.ndarray, mask: np.ndarray, count: int) -> None:
        self.image = image
        self.ink: np.ndarray | None = None
        self.mask = mask
        self.count = count
        self.owners: np.ndarray | None = None
        self.moved = False

    def set_image(self, image: np.ndarray) -> None:
        """Replace the image after a photometric op, keeping the clean ink apart."""
        if self.ink is None:
            self.ink = self.image
        self.image = image

    def move(self, transform: Callable[[np.ndarray], np.ndarray]) -> None:
        """Apply one geometric/blur transform to the image, the ink and the ownership."""
        if self.owners is None:
            # Row k of the table is glyph k's one-hot indicator (row 0: background).
            table = np.eye(self.count + 1, self.count, -1, dtype=np.float32)
            self.owners = np.take(table, self.mask, axis=0)
        self.image = transform(self.image)
        if self.ink is not None:
            self.ink = transform(self.ink)
        if self.count:
            self.owners = apply_channels(transform, self.owners)
        self.moved = True

    def result_mask(self) -> np.ndarray:
        """Instance mask after moving ops: each ink pixel to the glyph contributing most."""
        ink = self.image if self.ink is None else self.ink
        if not self.moved:
            return self.mask
        assert self.owners is not None  # built by the first moving op
        out = np.zeros_like(self.mask)
        if self.count == 0:
            return out
        # Channels first, so the reductions run over contiguous planes (numpy reduces a
        # short last axis ~20x slower), and the argmax only at covered pixels.
        planes = np.ascontiguousarray(self.owners.transpose(2, 0, 1)).reshape(self.count, -1)
        covered = np.flatnonzero((ink.ravel() > 0) & (np.max(planes, axis=0) > 0))
        out.ravel()[covered] = planes[:, covered].argmax(axis=0) + 1
        return out
