"""OpenCV pixel kernels shared by the augmentation operations.

Geometric warps and morphology run through OpenCV directly so that the image, the
clean ink and the per-glyph ownership layers get exactly the same transform. The
elastic displacement field (Simard et al.: a uniform random field, Gaussian-smoothed,
scaled so its largest shift is ``alpha`` px) is made with OpenCV by
:func:`elastic_field`: imgaug's generator pads and blurs two float64 fields and cost
~0.37 ms per glyph, about six times more.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from seqstudio.core.cv import cv2

__all__ = [
    "apply_channels",
    "bounding_box",
    "corner_offsets",
    "elastic_field",
    "elastic_map",
    "gaussian_ksize",
    "motion_kernel",
    "remap",
    "warp_affine",
]


def gaussian_ksize(sigma: float) -> int:
    """Odd Gaussian kernel size covering ±3 sigma (also used for width bounds)."""
    return 2 * math.ceil(3 * sigma) + 1


def corner_offsets(values: dict, height: int) -> np.ndarray:
    """``(4, 2)`` float32 corner offsets in px of a realised perspective op."""
    return (np.array(values["corners"], np.float32) * height).reshape(4, 2)


_GRID_CACHE: dict[tuple[int, int], np.ndarray] = {}
_GRID_CACHE_SIZE = 256


def _identity_map(shape: tuple[int, int]) -> np.ndarray:
    """``(H, W, 2)`` float32 map with ``[..., 0] = x`` and ``[..., 1] = y`` (cached, read-only)."""
    grid = _GRID_CACHE.get(shape)
    if grid is None:
        ys, xs = np.indices(shape, dtype=np.float32)
        grid = np.ascontiguousarray(np.stack([xs, ys], axis=2))
        grid.flags.writeable = False
        if len(_GRID_CACHE) >= _GRID_CACHE_SIZE:
            _GRID_CACHE.clear()
        _GRID_CACHE[shape] = grid
    return grid


def elastic_field(
    shape: tuple[int, int], alpha: float, sigma: float, generator: np.random.Generator
) -> np.ndarray:
    """A smooth random displacement field whose largest shift is exactly ``alpha`` px.

    A uniform random field in [-1, 1) per axis, smoothed with a Gaussian of ``sigma``
    px (kernel ±3 sigma, reflected borders), then scaled so that
    ``max(|dx|.max(), |dy|.max()) == alpha`` (Simard et al., 2003).

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image to warp.
    alpha : float
        Largest displacement of any pixel along either axis, in pixels (≥ 0).
    sigma : float
        Smoothness: the Gaussian's standard deviation, in pixels (> 0).
    generator : numpy.random.Generator
        Source of the random field (seeded by the caller for reproducibility).

    Returns
    -------
    numpy.ndarray
        ``(H, W, 2)`` float32: ``[..., 0]`` is dx, ``[..., 1]`` is dy. All zeros when
        ``alpha`` is 0.
    """
    noise = generator.random((shape[0], shape[1], 2), dtype=np.float32)
    k = gaussian_ksize(sigma)
    # Smoothing is linear and keeps constants, so blur(2u - 1) = 2 blur(u) - 1: centre after.
    blurred = cv2.GaussianBlur(
        noise, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101
    )
    field = np.asarray(blurred, dtype=np.float32)  # already float32: no copy
    field -= 0.5
    peak = cv2.norm(field, cv2.NORM_INF)
    if alpha <= 0 or peak < 1e-12:
        field[...] = 0.0
        return field
    field *= np.float32(alpha / peak)
    return field


def elastic_map(
    shape: tuple[int, int], alpha: float, sigma: float, generator: np.random.Generator
) -> np.ndarray:
    """``cv2.remap`` map (``(H, W, 2)`` float32 source coordinates) of an elastic warp."""
    field = elastic_field(shape, alpha, sigma, generator)
    field += _identity_map(shape)
    return field


def remap(work: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Bilinear ``cv2.remap`` with a black constant border."""
    # OpenCV's stubs type map2 as required; the API takes None with a 2-channel map1.
    return cv2.remap(  # type: ignore[call-overload]
        work, coords, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )


def warp_affine(work: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Bilinear affine warp by a 3×3 matrix, same size, black border."""
    size = (work.shape[1], work.shape[0])
    return cv2.warpAffine(work, matrix[:2], size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))


def bounding_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """Tight ``(x, y, w, h)`` box of the non-zero pixels of a 2-D uint8 or bool array.

    ``(0, 0, 0, 0)`` when there are none.
    """
    if image.dtype == bool:
        image = image.view(np.uint8)
    x, y, w, h = cv2.boundingRect(image)
    return x, y, w, h


def motion_kernel(length: int, angle: float) -> np.ndarray:
    """Normalised line kernel of ``length`` px at ``angle`` degrees."""
    kernel: np.ndarray = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    centre = ((length - 1) / 2, (length - 1) / 2)
    rot = cv2.getRotationMatrix2D(centre, angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length), flags=cv2.INTER_LINEAR)
    return kernel / kernel.sum()


CHANNELS_PER_CALL = 4
"""Most channels handed to one OpenCV call by :func:`apply_channels`."""


def apply_channels(fn: Callable[[np.ndarray], np.ndarray], stack: np.ndarray) -> np.ndarray:
    """Apply an OpenCV 2-D function to an (H, W, n) float32 stack, four channels per call.

    OpenCV's filters and warps treat each channel independently, and on 1-4 channel arrays
    every release from 4.11 to 5.0 does so the same way. Above four channels OpenCV 5.0
    changed remap/warpPerspective results (by up to 0.028) and above 128 it returns 2-D
    arrays, so wider stacks go through in slices of four (tested with a function that
    behaves like that). The result equals one call per channel within float32 rounding
    (OpenCV 4.14 rounds multi-channel kernels differently by up to 1.4e-6).
    """
    n = stack.shape[2]
    if n <= CHANNELS_PER_CALL:
        return fn(stack).reshape(stack.shape)
    out = np.empty_like(stack)
    for start in range(0, n, CHANNELS_PER_CALL):
        part = np.ascontiguousarray(stack[:, :, start : start + CHANNELS_PER_CALL])
        out[:, :, start : start + CHANNELS_PER_CALL] = fn(part).reshape(part.shape)
    return out
