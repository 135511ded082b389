"""Decode one image file into exact per-channel integer sums.

Mode rules (what a file's pixels count as):

* ``1``, ``L``, 8/16-bit grayscale (``I;16*``, and ``I`` when every value lies in
  0..65535) -> ``gray``; ``LA``/``La`` -> ``gray+alpha``.
* ``P`` (palette) and ``CMYK``/``YCbCr``/``LAB``/``HSV``/``RGBX`` -> ``rgb``, converted the
  way Pillow's ``convert("RGB")`` does (palette transparency is ignored);
  ``PA``/``RGBa`` -> ``rgba``.
* ``F`` (32-bit float) and ``I`` with values outside 0..65535 are ``unsupported``: there
  is no defined [0, 1] scale for them.

8-bit values are scaled by 255 and 16-bit values by 65535; sums are returned in 16-bit
units (an 8-bit value ``v`` counts as ``257 * v``, since 65535 = 255 * 257), so 8- and
16-bit images add up exactly. PNG files with 8 or 16 bits per sample and no ``tRNS``
chunk are decoded with OpenCV (faster); everything else with Pillow.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # Pillow is imported when a file needs it (PNGs go through OpenCV)
    from PIL import Image

#: Default refusal limit, the same as Pillow's ``Image.MAX_IMAGE_PIXELS``.
DEFAULT_MAX_PIXELS = 89_478_485

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_LAYOUT = {0: "gray", 2: "rgb", 3: "rgb", 4: "gray+alpha", 6: "rgba"}
_PNG_MODE = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
#: Values above this many per channel are summed with numpy instead of OpenCV.
_CV_SUM_LIMIT = 1 << 22
_SCALE8 = 257
_cv2: Any = None


class ImageProblem(Exception):
    """Why one file was not counted; ``kind`` is a :class:`FileProblem` kind."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(reason)


@dataclass
class DecodedImage:
    """What one image adds to the statistics.

    Attributes
    ----------
    format, mode : str
        File format and pixel mode (see the module docstring).
    width, height : int
        Size in pixels.
    layout : str
        ``"gray"``, ``"gray+alpha"``, ``"rgb"`` or ``"rgba"``.
    sums : list of tuple of int
        Per channel of the layout (gray, [alpha]) or (R, G, B, [A]): the sum of the values
        and the sum of their squares, in 16-bit units.
    planes : list of numpy.ndarray
        The colour planes as decoded (grey, or R, G, B; alpha left out), uint8 or uint16,
        for the per-pixel mean and std images.
    """

    format: str
    mode: str
    width: int
    height: int
    layout: str
    sums: list[tuple[int, int]]
    planes: list[np.ndarray] = field(default_factory=list, repr=False)


def cv2_module() -> Any:
    """OpenCV, imported once through :mod:`seqstudio.core.cv` (which restores ``os.environ``)."""
    global _cv2
    if _cv2 is None:
        from seqstudio.core.cv import cv2, silence_opencv_log

        silence_opencv_log(cv2)  # corrupt files are reported by the scan, not as warnings
        _cv2 = cv2
    return _cv2


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> DecodedImage:
    """Decode a whole file's bytes and sum its pixels per channel.

    Raises
    ------
    ImageProblem
        Empty, corrupt, truncated, refused (declared size above ``max_pixels``) or
        unsupported image.
    """
    if not data:
        raise ImageProblem("empty", "empty file (0 bytes)")
    if data.startswith(_PNG_SIGNATURE):
        header = _png_header(data)
        _check_size(header[0], header[1], max_pixels)
        fast = _decode_png_cv2(data, *header)
        if fast is not None:
            return fast
    return _decode_pillow(data, max_pixels)


def _check_size(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageProblem("corrupt", f"declared size {width}x{height} is empty")
    if width * height > max_pixels:
        raise ImageProblem(
            "too_large",
            f"declared size {width}x{height} = {width * height:,} pixels is above the limit "
            f"of {max_pixels:,} pixels (possible decompression bomb); not decoded",
        )


def _png_header(data: bytes) -> tuple[int, int, int, int, bool]:
    """``(width, height, bit depth, colour type, has tRNS)`` from the chunks before IDAT."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ImageProblem("corrupt", "PNG file without a valid IHDR header (truncated?)")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    pos, has_trns = 33, False
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if ctype in (b"IDAT", b"IEND"):
            break
        has_trns |= ctype == b"tRNS"
        pos += 12 + length
    return width, height, depth, colour, has_trns


def _decode_png_cv2(
    data: bytes, width: int, height: int, depth: int, colour: int, has_trns: bool
) -> DecodedImage | None:
    if (
        has_trns
        or depth not in (8, 16)
        or colour not in _PNG_LAYOUT
        or (colour == 3 and depth != 8)
    ):
        return None  # unusual PNG: let Pillow apply its own rules
    cv2 = cv2_module()
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None or array.shape[:2] != (height, width):
        raise ImageProblem("corrupt", "cannot decode PNG data (corrupt or truncated file)")
    layout = _PNG_LAYOUT[colour]
    if array.ndim == 2:
        planes = [array]
    else:
        split = cv2.split(array)  # B, G, R[, A]
        if layout == "gray+alpha":
            planes = [split[0], split[3]]
        else:
            planes = [split[2], split[1], split[0], *split[3:4]]
            if layout == "rgb":
                planes = planes[:3]
    mode = _PNG_MODE[colour]
    if depth == 16:
        mode = "I;16" if colour == 0 else f"{mode};16"
    sums = [_plane_sums(p) for p in planes]
    return DecodedImage("PNG", mode, width, height, layout, sums, _colour(planes, layout))


def _colour(planes: list[np.ndarray], layout: str) -> list[np.ndarray]:
    return planes[:1] if layout.startswith("gray") else planes[:3]


def _plane_sums(plane: np.ndarray) -> tuple[int, int]:
    """Exact ``(sum, sum of squares)`` of one channel, in 16-bit units."""
    if plane.dtype == np.uint8 and plane.size <= _CV_SUM_LIMIT:
        cv2 = cv2_module()
        # Both are exact integers here: OpenCV's L2SQR may return sqrt(x)**2, off by far
        # less than 0.5 below 2**22 values of at most 255**2, so rounding recovers x.
        s1 = int(cv2.sumElems(plane)[0])
        s2 = int(round(cv2.norm(plane, cv2.NORM_L2SQR)))
        return s1 * _SCALE8, s2 * _SCALE8 * _SCALE8
    values = plane.reshape(-1).astype(np.uint64)
    scale = _SCALE8 if plane.dtype == np.uint8 else 1
    s1 = s2 = 0
    for start in range(0, values.size, 1 << 24):  # uint64 cannot overflow per block
        block = values[start : start + (1 << 24)]
        s1 += int(block.sum(dtype=np.uint64))
        s2 += int(np.dot(block, block))
    return s1 * scale, s2 * scale * scale


def open_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open and fully load an image with Pillow, refusing sizes above ``max_pixels``.

    Raises
    ------
    ImageProblem
        Unknown format, corrupt or truncated data, or a refused size.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageProblem("too_large", f"{exc}; not decoded") from exc
    except UnidentifiedImageError as exc:
        raise ImageProblem("corrupt", "not a recognised image (unknown or damaged header)") from exc
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise ImageProblem("corrupt", f"cannot read image header: {exc}") from exc
    _check_size(image.width, image.height, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise ImageProblem("corrupt", f"cannot decode image data: {exc}") from exc
    return image


_PILLOW_LAYOUT = {
    "1": ("L", "gray"),
    "L": ("L", "gray"),
    "LA": ("LA", "gray+alpha"),
    "La": ("LA", "gray+alpha"),
    "PA": ("RGBA", "rgba"),
    "RGBA": ("RGBA", "rgba"),
    "RGBa": ("RGBA", "rgba"),
}


def _decode_pillow(data: bytes, max_pixels: int) -> DecodedImage:
    image = open_image(data, max_pixels)
    mode = image.mode
    fmt = image.format or "unknown"
    if mode.startswith("I;16") or mode == "I":
        array = np.asarray(image)
        if mode == "I" and array.size and (array.min() < 0 or array.max() > 65535):
            raise ImageProblem(
                "unsupported",
                "mode I (32-bit integer) with values outside 0..65535 is not supported",
            )
        array = array.astype(np.uint16)
        return DecodedImage(
            fmt, mode, image.width, image.height, "gray", [_plane_sums(array)], [array]
        )
    if mode == "F" or mode.startswith("I"):
        raise ImageProblem(
            "unsupported",
            f"mode {mode} (32-bit) has no [0, 1] scale; supported: 8-bit and 16-bit images",
        )
    target, layout = _PILLOW_LAYOUT.get(mode, ("RGB", "rgb"))
    try:
        converted = image if image.mode == target else image.convert(target)
    except (ValueError, OSError) as exc:
        raise ImageProblem("unsupported", f"mode {mode} cannot be converted: {exc}") from exc
    array = np.asarray(converted)
    if array.ndim == 2:
        planes = [array]
    else:
        planes = [np.ascontiguousarray(array[..., c]) for c in range(array.shape[2])]
    sums = [_plane_sums(p) for p in planes]
    return DecodedImage(fmt, mode, image.width, image.height, layout, sums, _colour(planes, layout))
