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


def qimage_to_gray(image: QImage) -> np.ndarray:
    """The pixels of a grayscale (or grey RGB) QImage as a 2-D uint8 array (a copy)."""
    if image.format() != QImage.Format.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, :width].copy()
