"""Drawing one image from its laid-out glyphs: compose, resample to the width, ink boxes.

:class:`~seqstudio.core.generator.SequenceGenerator` chooses and places the glyphs
(:class:`Placed`); the functions here turn that into pixels, an instance mask and boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Placed(NamedTuple):
    """Glyphs chosen and laid out for one image, before any pixel is drawn."""

    labels: tuple[str, ...]
    glyph_indices: list[int]
    glyphs: Sequence[np.ndarray]  # (height, w) uint8 slices, already cropped
    # per glyph: first/last ink col (in slice), first/last ink row
    ink: Sequence[tuple[int, int, int, int]]
    gaps: list[int]
    positions: list[int]  # x of each glyph in the laid-out strip
    strip_width: int
    glyph_records: list | None = None  # realised digit-op values per glyph (augmenter)
    overlaps: bool = False  # some gap is negative: glyph cells overlap


def compose(
    placed: Placed, height: int, width: int, offset: int, masks: bool, boxes: bool = True
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Draw the placed glyphs ``offset`` pixels from the left of a ``height`` × ``width``
    image; return the image, the instance mask and the ink boxes (``None`` unless
    ``masks``, ``boxes``).

    Where glyph cells overlap (negative gaps) the brighter ink wins each pixel (a
    maximum, so no value wraps around) and that glyph owns the pixel in the mask (the
    left one on a tie); boxes are each glyph's own ink, hidden parts included.
    """
    image = np.zeros((height, width), np.uint8)
    count = len(placed.glyphs)
    dtype = np.uint8 if count < 255 else np.uint16
    ink_boxes = (
        np.fromiter(
            [
                v
                for (c0, c1, r0, r1), x in zip(placed.ink, placed.positions)
                for v in (x + offset + c0, r0, c1 - c0 + 1, r1 - r0 + 1)
            ],
            np.int32,
            4 * count,
        ).reshape(count, 4)
        if boxes
        else None
    )
    if placed.overlaps:
        owner2d = np.zeros((height, width), dtype) if masks else None
        for j, (glyph, x) in enumerate(zip(placed.glyphs, placed.positions)):
            x += offset
            region = image[:, x : x + glyph.shape[1]]
            if owner2d is not None:
                owner2d[:, x : x + glyph.shape[1]][glyph > region] = j + 1
            np.maximum(region, glyph, out=region)
        return image, owner2d, ink_boxes
    owner = np.zeros(width, dtype) if masks else None
    for j, (glyph, x) in enumerate(zip(placed.glyphs, placed.positions)):
        x += offset
        w = glyph.shape[1]
        image[:, x : x + w] = glyph
        if owner is not None:
            owner[x : x + w] = j + 1
    # Without overlap each ink pixel belongs to its column's glyph.
    mask = np.multiply(image > 0, owner, dtype=owner.dtype) if owner is not None else None
    return image, mask, ink_boxes


def resample(
    strip: np.ndarray, strip_mask: np.ndarray, count: int, new_w: int, new_h: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resize a laid-out strip; boxes and mask follow the ink exactly.

    Each glyph's ink indicator is resized with the same interpolation as the image, so
    every output pixel that received ink from glyph k has a positive indicator k; boxes
    are the extent of those pixels where the image has ink, and the mask gives each ink
    pixel to the glyph that contributed most.
    """
    from seqstudio.core.cv import cv2

    shrinking = new_w < strip.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    image = cv2.resize(strip, (new_w, new_h), interpolation=interpolation)
    indicators = np.zeros((count + 1, new_h, new_w), np.float32)
    for k in range(1, count + 1):
        ink = (strip_mask == k).astype(np.float32)
        indicators[k] = cv2.resize(ink, (new_w, new_h), interpolation=interpolation)
    inked = image > 0
    owner = indicators.argmax(axis=0)
    mask = np.where(inked, owner, 0).astype(strip_mask.dtype)
    boxes = np.zeros((count, 4), np.int32)
    for k in range(1, count + 1):
        ys, xs = np.nonzero((indicators[k] > 0) & inked)
        if len(xs):
            boxes[k - 1] = (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    return image, mask, boxes


def pad_rows(array: np.ndarray, height: int, top: int) -> np.ndarray:
    """``array`` placed ``top`` rows down in a zeroed array ``height`` rows tall."""
    out = np.zeros((height, array.shape[1]), array.dtype)
    out[top : top + array.shape[0]] = array
    return out


def ink_extent(glyph: np.ndarray) -> tuple[int, int, int, int]:
    """First and last ink column, first and last ink row (the whole glyph if it has no ink)."""
    cols = np.flatnonzero(glyph.any(axis=0))
    rows = np.flatnonzero(glyph.any(axis=1))
    if len(cols) == 0:
        return 0, glyph.shape[1] - 1, 0, glyph.shape[0] - 1
    return int(cols[0]), int(cols[-1]), int(rows[0]), int(rows[-1])
