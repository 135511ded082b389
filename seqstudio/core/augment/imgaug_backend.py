"""The one module that talks to imgaug, imported lazily (imgaug costs 0.5–3 s to import).

imgaug supplies Gaussian noise addition, brightness multiplication, linear contrast and
element replacement with its uint8-safe functional API (building imgaug augmenter
objects per image costs ~0.5 ms each, so none are built). The image operations in
:mod:`seqstudio.core.augment.image_ops` call these wrappers; imgaug is imported on the
first call, not when this module is imported.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = [
    "add_elementwise",
    "adjust_contrast_linear",
    "describe_backend",
    "multiply_scalar",
    "replace_elementwise",
]


@functools.cache
def _imgaug() -> tuple[Any, Any]:
    """imgaug's arithmetic and contrast modules, imported once, on first use."""
    # imgaug 0.4 uses numpy aliases removed in numpy >= 1.24; restore them before importing it.
    for name, alias in {
        "bool": bool,
        "int": int,
        "float": float,
        "complex": complex,
        "object": object,
        "str": str,
    }.items():
        if name not in np.__dict__:
            setattr(np, name, alias)
    if "sctypes" not in np.__dict__:  # removed in numpy 2; imgaug reads it on import
        # numpy 2's stubs no longer declare sctypes (numpy 1's do: hence unused-ignore)
        np.sctypes = {  # type: ignore[attr-defined, unused-ignore]
            "int": [np.int8, np.int16, np.int32, np.int64],
            "uint": [np.uint8, np.uint16, np.uint32, np.uint64],
            "float": [np.float16, np.float32, np.float64, np.longdouble],
            "complex": [np.complex64, np.complex128, np.clongdouble],
            "others": [bool, object, bytes, str, np.void],
        }
    from imgaug.augmenters import arithmetic, contrast

    return arithmetic, contrast


def add_elementwise(image: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``image + values`` clipped to the uint8 range (imgaug)."""
    return _imgaug()[0].add_elementwise(image, values)


def replace_elementwise(image: np.ndarray, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A copy of ``image`` with ``image[mask] = values`` (imgaug)."""
    return _imgaug()[0].replace_elementwise_(image.copy(), mask, values)


def multiply_scalar(image: np.ndarray, factor: float) -> np.ndarray:
    """``image * factor`` clipped to the uint8 range (imgaug)."""
    return _imgaug()[0].multiply_scalar(image, factor)


def adjust_contrast_linear(image: np.ndarray, factor: float) -> np.ndarray:
    """Linear contrast about mid-grey, clipped to the uint8 range (imgaug)."""
    return _imgaug()[1].adjust_contrast_linear(image, factor)


def describe_backend() -> dict[str, Any]:
    """Versions of the libraries doing the work (for manifests and bug reports)."""
    _imgaug()  # restores numpy's aliases before imgaug is imported
    import imgaug

    from seqstudio.core.cv import cv2

    return {"imgaug": imgaug.__version__, "opencv": cv2.__version__, "numpy": np.__version__}
