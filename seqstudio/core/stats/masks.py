"""Instance masks: their own statistics, and whether they agree with the boxes.

A seqstudio instance mask holds 0 for background and ``k + 1`` for glyph ``k``; glyph
``k``'s box in the manifest is the bounding box ``[x, y, w, h]`` of its ink, so the
bounding box of the mask's pixels equal to ``k + 1`` must be that box exactly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from seqstudio.core.stats.model import MaskStats

Box = tuple[int, int, int, int]


def box_problems(boxes: tuple[Box, ...], width: int, height: int) -> list[str]:
    """Why boxes of an image of ``width x height`` are wrong (empty or outside it)."""
    reasons = []
    for k, (x, y, w, h) in enumerate(boxes):
        if w <= 0 or h <= 0:
            reasons.append(f"box {k} [{x}, {y}, {w}, {h}] is empty (width or height <= 0)")
        elif x < 0 or y < 0 or x + w > width or y + h > height:
            reasons.append(f"box {k} [{x}, {y}, {w}, {h}] lies outside the {width}x{height} image")
    return reasons


def mask_ids(mask: np.ndarray) -> tuple[dict[int, Box], int]:
    """Bounding box ``[x, y, w, h]`` per non-zero id, and the non-zero pixel count."""
    found: dict[int, Box] = {}
    ids = np.unique(mask)
    for value in ids[ids != 0]:
        ys, xs = np.nonzero(mask == value)
        x0, y0 = int(xs.min()), int(ys.min())
        found[int(value)] = (x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1)
    return found, int(np.count_nonzero(mask))


def mask_problems(found: dict[int, Box], boxes: tuple[Box, ...]) -> list[str]:
    """How a mask's ids disagree with its image's boxes (id ``k + 1`` <-> box ``k``)."""
    reasons = []
    expected = set(range(1, len(boxes) + 1))
    extra = sorted(set(found) - expected)
    missing = sorted(expected - set(found))
    if extra:
        reasons.append(f"ids {extra} have no box (the image has {len(boxes)} boxes)")
    if missing:
        reasons.append(f"boxes {[k - 1 for k in missing]} have no pixels (ids {missing})")
    for k, box in enumerate(boxes):
        got = found.get(k + 1)
        if got is not None and tuple(got) != tuple(box):
            reasons.append(f"id {k + 1} covers {list(got)}, its box is {list(box)}")
    return reasons


@dataclass
class MaskAccumulator:
    """Count, ids per mask and coverage of masks; :meth:`merge` adds another."""

    count: int = 0
    total_bytes: int = 0
    ids: Counter[int] = field(default_factory=Counter)
    covered: int = 0
    pixels: int = 0
    coverage_min: float = 1.0
    coverage_max: float = 0.0
    checked: int = 0
    disagreeing: int = 0

    def add(self, found: dict[int, Box], covered: int, pixels: int, nbytes: int) -> None:
        """Count one mask with these ids and ``covered`` of ``pixels`` non-zero."""
        self.count += 1
        self.total_bytes += nbytes
        self.ids[len(found)] += 1
        self.covered += covered
        self.pixels += pixels
        share = covered / pixels if pixels else 0.0
        self.coverage_min = min(self.coverage_min, share)
        self.coverage_max = max(self.coverage_max, share)

    def merge(self, other: MaskAccumulator) -> None:
        """Add everything ``other`` counted."""
        self.count += other.count
        self.total_bytes += other.total_bytes
        self.ids.update(other.ids)
        self.covered += other.covered
        self.pixels += other.pixels
        self.coverage_min = min(self.coverage_min, other.coverage_min)
        self.coverage_max = max(self.coverage_max, other.coverage_max)
        self.checked += other.checked
        self.disagreeing += other.disagreeing

    def finalize(self) -> MaskStats:
        """Plain data for the result."""
        return MaskStats(
            count=self.count,
            total_bytes=self.total_bytes,
            ids_per_mask=dict(sorted(self.ids.items())),
            coverage=self.covered / self.pixels if self.pixels else 0.0,
            coverage_range=(self.coverage_min, self.coverage_max) if self.count else (0.0, 0.0),
            checked_against_boxes=self.checked,
            disagreeing=self.disagreeing,
        )
