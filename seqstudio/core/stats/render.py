"""The one thumbnail renderer, shared by the CLI sample grid and the app's gallery.

:func:`render_tile` returns an RGB ``uint8`` array of a fixed cell size holding the
*whole* image scaled to fit (aspect ratio kept, never cropped), centred on the
background, with the manifest's boxes and the instance mask optionally drawn over it.
The app only turns the array into a ``QImage`` and paints it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from seqstudio.core.stats.decode import DEFAULT_MAX_PIXELS, open_image

BACKGROUND = (24, 24, 24)
BOX_COLOUR = (255, 64, 64)
#: Mask ids are coloured from this palette (id k uses entry (k - 1) mod its length).
MASK_PALETTE = np.array(
    [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
     (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212)],
    np.float64,
)  # fmt: skip
MASK_ALPHA = 0.5


def to_gray8(image: Image.Image) -> np.ndarray:
    """An image's grey levels as uint8 (16-bit scaled by 257, alpha ignored)."""
    if image.mode.startswith("I") or image.mode == "F":
        array = np.asarray(image).astype(np.float64)
        top = 65535.0 if image.mode != "F" else max(float(np.max(array)), 1e-12)
        return np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.asarray(image.convert("L"))


def display_array(image: Image.Image) -> np.ndarray:
    """A decoded image for display: ``(H, W)`` grey or ``(H, W, 3)`` RGB uint8 (alpha
    composited over the background, 16-bit scaled by 257)."""
    if image.mode in ("L", "1"):
        return np.asarray(image.convert("L"))
    if image.mode.startswith("I") or image.mode == "F":
        return to_gray8(image)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
        return np.asarray(Image.alpha_composite(canvas, rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))


def load_display_image(
    path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode ``path`` for display (see :func:`display_array`).

    Raises
    ------
    ImageProblem or OSError
        The file cannot be read or decoded (callers show a placeholder).
    """
    return display_array(open_image(Path(path).read_bytes(), max_pixels))


def load_mask(path: str | os.PathLike[str]) -> np.ndarray | None:
    """An instance mask as a 2-D integer array, or ``None`` if it cannot be read."""
    try:
        image = open_image(Path(path).read_bytes(), DEFAULT_MAX_PIXELS)
    except Exception:  # noqa: BLE001 - no overlay for an unreadable mask
        return None
    array = np.asarray(image)
    return array if array.ndim == 2 else None


def fit_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest ``(w, h)`` inside ``max_width x max_height`` with the image's aspect."""
    scale = min(max_width / width, max_height / height)
    return max(1, min(max_width, round(width * scale))), max(
        1, min(max_height, round(height * scale))
    )


@dataclass(frozen=True)
class Tile:
    """A rendered cell: the RGB pixels and where the image lies in it ``(x, y, w, h)``."""

    pixels: np.ndarray
    placed: tuple[int, int, int, int]


def render_tile(
    image: np.ndarray,
    width: int,
    height: int,
    *,
    boxes: tuple[tuple[int, int, int, int], ...] | None = None,
    mask: np.ndarray | None = None,
) -> Tile:
    """Render ``image`` (grey or RGB uint8) into a ``width x height`` cell.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W)`` or ``(H, W, 3)`` uint8.
    width, height : int
        The cell size; the image is scaled to fit inside it, whole.
    boxes : tuple of (x, y, w, h), optional
        Drawn as 1-pixel outlines in :data:`BOX_COLOUR`, scaled like the image.
    mask : numpy.ndarray, optional
        An instance mask of the image's size; each non-zero id is blended over the
        image in its palette colour (alpha :data:`MASK_ALPHA`).
    """
    rgb = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
    src_h, src_w = rgb.shape[:2]
    if mask is not None and mask.shape == (src_h, src_w):
        ids = mask.astype(np.int64)
        colours = MASK_PALETTE[(ids - 1) % len(MASK_PALETTE)]
        blended = rgb * (1 - MASK_ALPHA) + colours * MASK_ALPHA
        rgb = np.where((ids > 0)[:, :, None], blended, rgb).round().astype(np.uint8)
    tw, th = fit_size(src_w, src_h, width, height)
    thumb = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    if (tw, th) != (src_w, src_h):
        resample = Image.Resampling.BOX if tw < src_w else Image.Resampling.NEAREST
        thumb = thumb.resize((tw, th), resample)
    if boxes:
        draw = ImageDraw.Draw(thumb)
        sx, sy = tw / src_w, th / src_h
        for x, y, w, h in boxes:
            x0, y0 = int(x * sx), int(y * sy)
            x1 = max(x0, int(round((x + w) * sx)) - 1)
            y1 = max(y0, int(round((y + h) * sy)) - 1)
            draw.rectangle((x0, y0, x1, y1), outline=BOX_COLOUR)
    cell = np.empty((height, width, 3), np.uint8)
    cell[:] = BACKGROUND
    dx, dy = (width - tw) // 2, (height - th) // 2
    cell[dy : dy + th, dx : dx + tw] = np.asarray(thumb)
    return Tile(cell, (dx, dy, tw, th))
