"""numpy ↔ QImage conversion (worker-thread safe: QImage, never QPixmap)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def gray_to_qimage(array: np.ndarray) -> QImage:
    """A deep-copied ``Format_Grayscale8`` QImage of a 2-D uint8 array.

    The row stride is passed explicitly, so widths that are not a multiple of 4 are not
    sheared, and the image is copied, so it owns its pixels once ``array`` is gone.
    """
    if array.dtype != np.uint8 or array.ndim != 2:
        raise ValueError(f"expected a 2-D uint8 array, got {array.dtype} {array.shape}")
    array = np.ascontiguousarray(array)
    height, width = array.shape
    return QImage(
        array.data, width, height, array.strides[0], QImage.Format.Format_Grayscale8
    ).copy()


def array_to_qimage(array: np.ndarray) -> QImage:
    """A deep-copied QImage of a grey ``(H, W)`` or RGB ``(H, W, 3)`` uint8 array."""
    if array.ndim == 2:
        return gray_to_qimage(array)
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB888).copy()


def qimage_to_gray(image: QImage) -> np.ndarray:
    """The pixels of a grayscale (or grey RGB) QImage as a 2-D uint8 array (a copy)."""
    if image.format() != QImage.Format.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, :width].copy()


#: One colour per glyph (cycled): boxes, labels and instance-mask tints use the same.
INSTANCE_COLOURS = ("#ff5252", "#40c4ff", "#69f0ae", "#ffd740", "#e040fb", "#ffab40")
MASK_ALPHA = 120


def _mask_lut() -> np.ndarray:
    lut = np.zeros((256, 4), np.uint8)
    for k in range(1, 256):
        colour = INSTANCE_COLOURS[(k - 1) % len(INSTANCE_COLOURS)].lstrip("#")
        lut[k, :3] = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
        lut[k, 3] = MASK_ALPHA
    return lut


_MASK_LUT = _mask_lut()


def mask_to_overlay(mask: np.ndarray | None) -> QImage:
    """A translucent ``Format_RGBA8888`` tint of an instance mask (glyph k in colour k).

    Background (0) is transparent; glyph ``k`` gets ``INSTANCE_COLOURS[(k - 1) % 6]``.
    Returns a null QImage for ``None``. Runs on worker threads (QImage only).
    """
    if mask is None:
        return QImage()
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D instance mask, got shape {mask.shape}")
    if mask.dtype != np.uint8:  # more than 254 glyphs: colours cycle all the same
        mask = np.where(mask > 0, (mask.astype(np.int64) - 1) % 255 + 1, 0).astype(np.uint8)
    rgba = np.ascontiguousarray(_MASK_LUT[mask])
    height, width = mask.shape
    return QImage(rgba.data, width, height, rgba.strides[0], QImage.Format.Format_RGBA8888).copy()
