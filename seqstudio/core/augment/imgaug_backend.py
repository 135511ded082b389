"""The one module that talks to imgaug (and OpenCV): realised op values in, pixels out.

Every operation of :data:`seqstudio.core.augment.schema.OPS` has exactly one
implementation here, registered in :data:`GLYPH_OPS` (stage ``digit``) or
:data:`IMAGE_OPS` (stage ``image``). The engine draws each op's random values from the
image's counter-based random numbers and passes them in already realised, so every
call here is deterministic, exact and recordable; per-pixel randomness (noise fields,
displacement fields) comes from a generator seeded by the engine.

imgaug supplies Gaussian noise addition, brightness multiplication, linear contrast
and element replacement with its uint8-safe functional API; geometric warps and
morphology run through OpenCV directly so that the image, the clean ink and the
per-glyph ownership layers get exactly the same transform. Building imgaug augmenter
objects per image costs ~0.5 ms each, so none are built: the functional API is used.
JPEG goes through OpenCV (20x faster than imgaug's Pillow path, same codec family).
The elastic displacement field (Simard et al.: a uniform random field, Gaussian-smoothed,
scaled so its largest shift is ``alpha`` px) is made with OpenCV by
:func:`elastic_field`: imgaug's generator pads and blurs two float64 fields and cost
~0.37 ms per glyph, about six times more.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

# imgaug 0.4 uses numpy aliases removed in numpy >= 1.24; restore them before importing it.
for _name, _type in {
    "bool": bool,
    "int": int,
    "float": float,
    "complex": complex,
    "object": object,
    "str": str,
}.items():
    np.__dict__.get(_name) or setattr(np, _name, _type)

from imgaug.augmenters import arithmetic as _arith  # noqa: E402
from imgaug.augmenters import contrast as _contrast  # noqa: E402

from seqstudio.core.cv import cv2  # noqa: E402  (restores os.environ after importing cv2)
from seqstudio.core.rng import ImageRandom  # noqa: E402

__all__ = [
    "AFFINE_OPS",
    "GLYPH_OPS",
    "IMAGE_OPS",
    "MOVING_IMAGE_OPS",
    "OpRandom",
    "REALISE_EXTRAS",
    "ImageLayers",
    "bounding_box",
    "elastic_field",
    "gaussian_ksize",
    "run_glyph_ops",
]


class OpRandom:
    """Extra random values of one op on one glyph or image.

    Parameters
    ----------
    sub : ImageRandom
        The glyph's (or the image stage's) random numbers.
    stream : int
        The op's stream in ``sub`` (its index in the pipeline).

    Notes
    -----
    Every value is a pure function of the image seed, the op and the glyph; the seed
    for per-pixel fields is only hashed when an op asks for it.
    """

    __slots__ = ("_sub", "_stream", "_seed")

    def __init__(self, sub: ImageRandom, stream: int) -> None:
        self._sub = sub
        self._stream = stream
        self._seed: int | None = None

    def uniform(self, k: int) -> float:
        """Uniform float in [0, 1): draw ``k`` of this op."""
        return self._sub.uniform(self._stream, k)

    @property
    def seed(self) -> int:
        """A non-negative 63-bit seed for per-pixel random fields."""
        if self._seed is None:
            self._seed = self._sub.raw(self._stream, 1 << 20) >> 1
        return self._seed

    def generator(self) -> np.random.Generator:
        """A numpy generator seeded for this op on this glyph/image.

        The same stream as ``numpy.random.default_rng(seed)``, built without its
        argument dispatch (a third cheaper).
        """
        return np.random.Generator(np.random.PCG64(self.seed))


# ------------------------------------------------------------------------ helpers
def gaussian_ksize(sigma: float) -> int:
    """Odd Gaussian kernel size covering ±3 sigma (also used for width bounds)."""
    return 2 * math.ceil(3 * sigma) + 1


def draw_corners(values: dict, uniform: Callable[[int], float], params: Any) -> None:
    """Realise a perspective op's 8 corner offsets (× height), stored in ``values``."""
    strength = values["strength"]
    values["corners"] = [(2 * uniform(100 + k) - 1) * strength for k in range(8)]


def _corner_offsets(values: dict, height: int) -> np.ndarray:
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
    field = generator.random((shape[0], shape[1], 2), dtype=np.float32)
    k = gaussian_ksize(sigma)
    # Smoothing is linear and keeps constants, so blur(2u - 1) = 2 blur(u) - 1: centre after.
    field = cv2.GaussianBlur(field, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)
    field -= 0.5
    peak = cv2.norm(field, cv2.NORM_INF)
    if alpha <= 0 or peak < 1e-12:
        field[...] = 0.0
        return field
    field *= np.float32(alpha / peak)
    return field


def _elastic_map(shape: tuple[int, int], values: dict, rand: OpRandom) -> np.ndarray:
    """``cv2.remap`` map (``(H, W, 2)`` float32 source coordinates) of an elastic op."""
    field = elastic_field(shape, values["alpha"], values["sigma"], rand.generator())
    field += _identity_map(shape)
    return field


def _remap(work: np.ndarray, coords: np.ndarray) -> np.ndarray:
    return cv2.remap(
        work, coords, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )


def bounding_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """Tight ``(x, y, w, h)`` box of the non-zero pixels of a 2-D uint8 or bool array.

    ``(0, 0, 0, 0)`` when there are none.
    """
    if image.dtype == bool:
        image = image.view(np.uint8)
    return cv2.boundingRect(image)


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    centre = ((length - 1) / 2, (length - 1) / 2)
    rot = cv2.getRotationMatrix2D(centre, angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length), flags=cv2.INTER_LINEAR)
    return kernel / kernel.sum()


_CV_CN_MAX = 512  # OpenCV's channel limit per array


def _apply_channels(fn: Callable[[np.ndarray], np.ndarray], stack: np.ndarray) -> np.ndarray:
    """Apply an OpenCV 2-D function to an (H, W, n) float32 stack, all channels per call.

    OpenCV's filters and warps treat each channel independently, so one call on the stack
    gives the same values as one call per channel (tested), at a fraction of the cost.
    """
    if stack.shape[2] <= _CV_CN_MAX:
        return fn(stack).reshape(stack.shape)
    out = np.empty_like(stack)
    for start in range(0, stack.shape[2], _CV_CN_MAX):
        part = np.ascontiguousarray(stack[:, :, start : start + _CV_CN_MAX])
        out[:, :, start : start + _CV_CN_MAX] = fn(part).reshape(part.shape)
    return out


# ------------------------------------------------------------------------ digit stage
AFFINE_OPS = ("rotate", "shear", "scale", "translate")


def _affine_matrix(op: str, values: dict, cx: float, cy: float, height: int) -> np.ndarray:
    """3×3 matrix of one affine digit op about the centre (cx, cy)."""
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    back = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], np.float64)
    if op == "rotate":
        a = math.radians(values["angle"])
        c, s = math.cos(a), math.sin(a)
        core = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])  # anticlockwise on screen (y down)
    elif op == "shear":
        t = math.tan(math.radians(values["angle"]))
        core = np.array([[1, -t, 0], [0, 1, 0], [0, 0, 1]])  # positive: top leans right
    elif op == "scale":
        fx = values["factor"]
        fy = values.get("factor_y", fx)
        core = np.array([[fx, 0, 0], [0, fy, 0], [0, 0, 1]])
    elif op == "translate":
        core = np.array([[1, 0, values["x"] * height], [0, 1, values["y"] * height], [0, 0, 1]])
    else:  # pragma: no cover - guarded by AFFINE_OPS
        raise KeyError(op)
    return back @ core @ to_centre


def _glyph_elastic(work, values, rand, cell):
    """Warp the glyph's ink columns, widened by the largest shift (+1 px for interpolation).

    The field covers only that band: no pixel outside it can receive ink (displacements
    are at most ``alpha``) and everything outside it is background, so the band is all
    that needs a field, and ``alpha`` is reached near the digit rather than in empty
    padding. The band is a pure function of the glyph, so the result stays reproducible.
    """
    alpha = values["alpha"]
    x, _, w, _ = bounding_box(work)
    if alpha <= 0 or w == 0:
        return work
    margin = math.ceil(alpha) + 1
    x0, x1 = max(x - margin, 0), min(x + w + margin, work.shape[1])
    band = np.ascontiguousarray(work[:, x0:x1])
    out = np.zeros_like(work)
    out[:, x0:x1] = _remap(band, _elastic_map(band.shape, values, rand))
    return out


def _glyph_stroke(work, values, rand, cell):
    r = values["radius"]
    if r == 0:
        return work
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(r) + 1, 2 * abs(r) + 1))
    return cv2.dilate(work, kernel) if r > 0 else cv2.erode(work, kernel)


def _glyph_blur(work, values, rand, cell):
    sigma = values["sigma"]
    if sigma <= 0:
        return work
    k = gaussian_ksize(sigma)
    return cv2.GaussianBlur(work, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)


def _glyph_perspective(work, values, rand, cell):
    x0, x1, height = cell
    offsets = _corner_offsets(values, height)
    src = np.array([[x0, 0], [x1, 0], [x1, height - 1], [x0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, src + offsets)
    size = (work.shape[1], work.shape[0])
    return cv2.warpPerspective(work, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)


GlyphFn = Callable[[np.ndarray, dict, OpRandom, tuple], np.ndarray]
GLYPH_OPS: dict[str, GlyphFn | None] = {
    "rotate": None,  # the affine ops are fused into one warp by run_glyph_ops
    "shear": None,
    "scale": None,
    "translate": None,
    "elastic": _glyph_elastic,
    "stroke": _glyph_stroke,
    "digit_blur": _glyph_blur,
    "digit_perspective": _glyph_perspective,
}
"""Digit-stage implementations: ``fn(work, values, rand, (x0, x1, height)) -> work``."""


def run_glyph_ops(
    glyph: np.ndarray, pad: int, steps: list[tuple[str, dict, OpRandom]]
) -> np.ndarray:
    """Apply realised digit ops to a glyph padded by ``pad`` columns on each side.

    Consecutive affine ops (rotate, shear, scale, translate) are composed into one
    matrix and applied with a single bilinear warp (one interpolation, not four).

    Returns
    -------
    numpy.ndarray
        ``(H, w + 2 * pad)`` uint8; the caller trims it.
    """
    height, width = glyph.shape
    work = np.zeros((height, width + 2 * pad), np.uint8)
    work[:, pad : pad + width] = glyph
    cx, cy = pad + (width - 1) / 2, (height - 1) / 2
    cell = (pad, pad + width - 1, height)
    matrix = None
    for op, values, rand in steps:
        fn = GLYPH_OPS[op]
        if fn is None:
            m = _affine_matrix(op, values, cx, cy, height)
            matrix = m if matrix is None else m @ matrix
            continue
        if matrix is not None:
            work = _warp_affine(work, matrix)
            matrix = None
        work = fn(work, values, rand, cell)
    if matrix is not None:
        work = _warp_affine(work, matrix)
    return work


def _warp_affine(work: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    size = (work.shape[1], work.shape[0])
    return cv2.warpAffine(work, matrix[:2], size, flags=cv2.INTER_LINEAR, borderValue=0)


# ------------------------------------------------------------------------ image stage
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
            self.owners = _apply_channels(transform, self.owners)
        self.moved = True

    def result_mask(self) -> np.ndarray:
        """Instance mask after moving ops: each ink pixel to the glyph contributing most."""
        ink = self.image if self.ink is None else self.ink
        if not self.moved:
            return self.mask
        out = np.zeros_like(self.mask)
        if self.count == 0:
            return out
        # Channels first, so the reductions run over contiguous planes (numpy reduces a
        # short last axis ~20x slower), and the argmax only at covered pixels.
        planes = np.ascontiguousarray(self.owners.transpose(2, 0, 1)).reshape(self.count, -1)
        covered = np.flatnonzero((ink.ravel() > 0) & (np.maximum.reduce(planes, axis=0) > 0))
        out.ravel()[covered] = planes[:, covered].argmax(axis=0) + 1
        return out


def _img_gaussian_noise(layers, values, rand):
    sigma = values["sigma"]
    if sigma <= 0:
        return
    noise = np.rint(rand.generator().normal(0.0, sigma, layers.image.shape)).astype(np.int16)
    layers.set_image(_arith.add_elementwise(layers.image, noise))


def _img_salt_pepper(layers, values, rand):
    amount = values["amount"]
    if amount <= 0:
        return
    gen = rand.generator()
    draws = gen.random((2,) + layers.image.shape)
    replace = draws[0] < amount
    salt = (draws[1] < values["salt"])[replace]
    image = _arith.replace_elementwise_(layers.image.copy(), replace, salt.astype(np.uint8) * 255)
    layers.set_image(image)


def _img_gaussian_blur(layers, values, rand):
    sigma = values["sigma"]
    if sigma <= 0:
        return
    k = gaussian_ksize(sigma)
    layers.move(
        lambda a: cv2.GaussianBlur(a, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)
    )


def _img_motion_blur(layers, values, rand):
    kernel = _motion_kernel(values["length"], values["angle"])
    layers.move(lambda a: cv2.filter2D(a, -1, kernel, borderType=cv2.BORDER_CONSTANT))


def _img_brightness_contrast(layers, values, rand):
    image = layers.image
    if values["brightness"] != 1.0:
        image = _arith.multiply_scalar(image, values["brightness"])
    if values["contrast"] != 1.0:
        image = _contrast.adjust_contrast_linear(image, values["contrast"])
    if image is not layers.image:
        if image.dtype != np.uint8:  # pragma: no cover - imgaug returns uint8 for uint8 input
            image = np.clip(image, 0, 255).astype(np.uint8)
        layers.set_image(image)


def _img_jpeg(layers, values, rand):
    ok, data = cv2.imencode(
        ".jpg", layers.image, [cv2.IMWRITE_JPEG_QUALITY, int(values["quality"])]
    )
    if not ok:  # pragma: no cover - OpenCV always encodes 2-D uint8
        raise RuntimeError("JPEG encoding failed")
    layers.set_image(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))


def _img_dropout(layers, values, rand):
    rate = values["rate"]
    if rate <= 0:
        return
    drop = rand.generator().random(layers.image.shape) < rate
    layers.set_image(np.where(drop, np.uint8(0), layers.image))


def _img_coarse_dropout(layers, values, rand):
    rate, size = values["rate"], values["size"]
    if rate <= 0:
        return
    h, w = layers.image.shape
    gen = rand.generator()
    grid = gen.random((-(-h // size), -(-w // size))) < rate
    drop = np.repeat(np.repeat(grid, size, axis=0), size, axis=1)[:h, :w]
    layers.set_image(np.where(drop, np.uint8(0), layers.image))


def _img_elastic(layers, values, rand):
    if values["alpha"] <= 0:
        return
    coords = _elastic_map(layers.image.shape, values, rand)
    layers.move(lambda a: _remap(a, coords))


def _img_perspective(layers, values, rand):
    h, w = layers.image.shape
    offsets = _corner_offsets(values, h)
    if not offsets.any():
        return
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, src + offsets)
    layers.move(
        lambda a: cv2.warpPerspective(a, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    )


def _img_invert(layers, values, rand):
    layers.set_image(255 - layers.image)


ImageFn = Callable[[ImageLayers, dict, OpRandom], None]
IMAGE_OPS: dict[str, ImageFn] = {
    "gaussian_noise": _img_gaussian_noise,
    "salt_pepper": _img_salt_pepper,
    "gaussian_blur": _img_gaussian_blur,
    "motion_blur": _img_motion_blur,
    "brightness_contrast": _img_brightness_contrast,
    "jpeg": _img_jpeg,
    "dropout": _img_dropout,
    "coarse_dropout": _img_coarse_dropout,
    "elastic_image": _img_elastic,
    "perspective": _img_perspective,
    "invert": _img_invert,
}
"""Image-stage implementations: ``fn(layers, values, rand)`` updating ``layers``."""

MOVING_IMAGE_OPS = frozenset({"gaussian_blur", "motion_blur", "elastic_image", "perspective"})
"""Image ops that move ink, so the mask and boxes are recomputed after them."""


def _draw_factor_y(values: dict, uniform: Callable[[int], float], params: Any) -> None:
    if params["per_axis"]:
        lo, hi = params["factor"]
        values["factor_y"] = lo + (hi - lo) * uniform(100)


REALISE_EXTRAS: dict[str, Callable[[dict, Callable[[int], float], Any], None]] = {
    "scale": _draw_factor_y,
    "digit_perspective": draw_corners,
    "perspective": draw_corners,
}
"""Ops that draw more random values than their range parameters (recorded too)."""


def describe_backend() -> dict[str, Any]:
    """Versions of the libraries doing the work (for manifests and bug reports)."""
    import imgaug

    return {"imgaug": imgaug.__version__, "opencv": cv2.__version__, "numpy": np.__version__}
