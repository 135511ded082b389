"""What one generation produces: the image plus its exact labels, boxes and mask."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Sample:
    """One generated image and everything known about it.

    Attributes
    ----------
    index : int
        The image's index in its run; with the spec's seed it determines every pixel.
    key : int
        The 64-bit random key derived from (seed, index).
    image : numpy.ndarray
        ``(height, width)`` uint8; bright ink on black unless the spec inverts it.
    labels : tuple of str
        The label of each glyph, left to right.
    boxes : numpy.ndarray
        ``(n, 4)`` int32 ``[x, y, w, h]`` of each glyph's ink in the output image.
    glyph_indices : numpy.ndarray
        ``(n,)`` index of each glyph in its pool (``pool``).
    pool : str
        The pool the glyphs came from (``"train"`` or ``"test"``).
    gaps : tuple of int
        The realised gaps in layout pixels, left to right (with ``spacing_scope="edges"``
        the first and last are the outer margins). Multiply by ``params["scale_x"]``
        for output pixels when the sequence was resampled.
    mask : numpy.ndarray or None
        ``(height, width)`` instance mask: 0 background, k for the k-th glyph's ink
        (uint8, or uint16 beyond 254 glyphs). ``None`` when masks were not asked for.
    params : dict
        Realised random parameters: ``offset_x`` (left padding), ``scale_x`` and
        ``scale_y`` (resampling applied to the laid-out sequence) and, with
        augmentation, each operation's drawn values.
    """

    index: int
    key: int
    image: np.ndarray
    labels: tuple[str, ...]
    boxes: np.ndarray
    glyph_indices: np.ndarray
    pool: str
    gaps: tuple[int, ...]
    mask: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The label text, e.g. ``"14543"``."""
        return "".join(self.labels)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready metadata (everything but the pixels and the mask)."""
        return {
            "index": self.index,
            "label": self.label,
            "labels": list(self.labels),
            "boxes": self.boxes.tolist(),
            "pool": self.pool,
            "glyph_indices": self.glyph_indices.tolist(),
            "gaps": list(self.gaps),
            "key": self.key,
            "params": self.params,
        }
