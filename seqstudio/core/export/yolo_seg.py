"""YOLO segmentation labels: one polygon per glyph, traced from its instance mask.

Ultralytics' segment format is ``class x1 y1 x2 y2 …`` with coordinates normalised to
the image size, one line per instance and one polygon per line. A glyph's outlines —
the outer ones of each piece of ink and those of its holes (the loop of a 6, 8, 9 or 0)
— are joined into one polygon the way Ultralytics does it when converting COCO: each
outline is entered and left at the same point of a zero-width bridge to the next, so
``cv2.fillPoly`` (what Ultralytics rasterises with) covers every ink pixel and leaves
the holes open.
"""

from __future__ import annotations

import numpy as np


def _outlines(binary: np.ndarray) -> list[np.ndarray]:
    from seqstudio.core.cv import cv2

    contours, _ = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1, 2) for c in contours if len(c)]


def join_outlines(outlines: list[np.ndarray]) -> np.ndarray:
    """One polygon through every outline, joined by zero-width bridges (left to right)."""
    outlines = sorted(outlines, key=lambda c: (int(c[:, 0].min()), int(c[:, 1].min())))
    polygon = outlines[0]
    for nxt in outlines[1:]:
        distance = ((polygon[:, None, :] - nxt[None, :, :]) ** 2).sum(-1)
        i, j = np.unravel_index(int(distance.argmin()), distance.shape)
        polygon = np.concatenate(
            [
                np.roll(polygon, -i, axis=0),
                polygon[i : i + 1],
                np.roll(nxt, -j, axis=0),
                nxt[j : j + 1],
            ]
        )
    return polygon


def yolo_segments(mask: np.ndarray, class_ids: list[int], width: int, height: int) -> bytes:
    """YOLO segment label file for the instances ``1 … len(class_ids)`` of ``mask``.

    Coordinates are pixel-corner positions normalised by the image size (6 decimals). A
    glyph with no ink in the mask (hidden under a neighbour) gets no line.
    """
    lines = []
    for k, cls in enumerate(class_ids, 1):
        binary = (mask == k).astype(np.uint8)
        outlines = _outlines(binary)
        if not outlines:
            continue
        polygon = join_outlines(outlines).astype(np.float64)
        xs = (polygon[:, 0] + 0.5) / width
        ys = (polygon[:, 1] + 0.5) / height
        coords = " ".join(f"{x:.6f} {y:.6f}" for x, y in zip(xs.tolist(), ys.tolist()))
        lines.append(f"{cls} {coords}\n")
    return "".join(lines).encode()
