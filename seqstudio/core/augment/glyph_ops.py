"""Digit-stage operations: applied to each glyph before layout.

The glyph arrives padded (see :meth:`seqstudio.core.augment.engine.Augmenter.augment_glyph`)
so that no ink is clipped horizontally; ``cell = (x0, x1, height)`` are the columns and
height of the original cell inside it. Affine ops only give a matrix: the engine fuses
consecutive ones into one bilinear warp.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seqstudio.core.augment.kernels import (
    bounding_box,
    corner_offsets,
    elastic_map,
    gaussian_ksize,
    remap,
)
from seqstudio.core.augment.operation import (
    Operation,
    OpRandom,
    ParamSchema,
    float_range,
    int_range,
)
from seqstudio.core.cv import cv2


def about_centre(core: np.ndarray, cx: float, cy: float) -> np.ndarray:
    """``core`` (3×3, about the origin) conjugated to act about ``(cx, cy)``."""
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    back = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], np.float64)
    return back @ core @ to_centre


def max_abs(pair: Any) -> float:
    """Largest absolute value of a ``(lo, hi)`` range."""
    return max(abs(v) for v in pair)


class Rotate(Operation):
    """Rotation about the cell centre."""

    affine = True

    def matrix(self, values, work, cx, cy, height):
        a = math.radians(values["angle"])
        c, s = math.cos(a), math.sin(a)
        core = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])  # anticlockwise on screen (y down)
        return about_centre(core, cx, cy)

    def reach(self, hw, hh, params, height):
        a = math.radians(max_abs(params["angle"]))
        radius = np.hypot(hw, hh)
        reach_w = np.where(np.arctan2(hh, hw) <= a, radius, hw * math.cos(a) + hh * math.sin(a))
        reach_h = np.where(np.arctan2(hw, hh) <= a, radius, hh * math.cos(a) + hw * math.sin(a))
        return reach_w, reach_h


class Shear(Operation):
    """Horizontal shear (slant) about the cell centre."""

    affine = True

    def matrix(self, values, work, cx, cy, height):
        t = math.tan(math.radians(values["angle"]))
        core = np.array([[1, -t, 0], [0, 1, 0], [0, 0, 1]])  # positive: top leans right
        return about_centre(core, cx, cy)

    def reach(self, hw, hh, params, height):
        return hw + hh * math.tan(math.radians(max_abs(params["angle"]))), hh


class Scale(Operation):
    """Zoom about the cell centre, optionally per axis."""

    affine = True

    def sample_extra(self, values, rand, params):
        if params["per_axis"]:
            lo, hi = params["factor"]
            values["factor_y"] = lo + (hi - lo) * rand.uniform(100)

    def matrix(self, values, work, cx, cy, height):
        fx = values["factor"]
        fy = values.get("factor_y", fx)
        return about_centre(np.array([[fx, 0, 0], [0, fy, 0], [0, 0, 1]]), cx, cy)

    def reach(self, hw, hh, params, height):
        f = params["factor"][1]
        return hw * f, hh * f


class Translate(Operation):
    """Shift within the cell, in units of the glyph height."""

    affine = True

    def matrix(self, values, work, cx, cy, height):
        core = np.array([[1, 0, values["x"] * height], [0, 1, values["y"] * height], [0, 0, 1]])
        return about_centre(core, cx, cy)

    def reach(self, hw, hh, params, height):
        return hw + max_abs(params["x"]) * height, hh + max_abs(params["y"]) * height


class Elastic(Operation):
    """Smooth random displacement field over the glyph's ink columns."""

    passes = 1

    def apply_glyph(self, work, values, rand, cell):
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
        coords = elastic_map(band.shape, alpha, values["sigma"], rand.generator())
        out[:, x0:x1] = remap(band, coords)
        return out

    def reach(self, hw, hh, params, height):
        return hw + params["alpha"][1], hh + params["alpha"][1]


class Stroke(Operation):
    """Dilate (radius > 0) or erode (radius < 0) with an elliptical kernel."""

    def apply_glyph(self, work, values, rand, cell):
        r = values["radius"]
        if r == 0:
            return work
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(r) + 1, 2 * abs(r) + 1))
        return cv2.dilate(work, kernel) if r > 0 else cv2.erode(work, kernel)

    def reach(self, hw, hh, params, height):
        r = max(params["radius"][1], 0)
        return hw + r, hh + r

    def may_narrow(self, params):
        return params["radius"][0] < 0


class DigitBlur(Operation):
    """Gaussian blur of the glyph."""

    def apply_glyph(self, work, values, rand, cell):
        sigma = values["sigma"]
        if sigma <= 0:
            return work
        k = gaussian_ksize(sigma)
        return cv2.GaussianBlur(work, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)

    def reach(self, hw, hh, params, height):
        r = (gaussian_ksize(params["sigma"][1]) - 1) / 2
        return hw + r, hh + r

    def may_narrow(self, params):
        return False


def draw_corners(values: dict, rand: OpRandom) -> None:
    """Realise a perspective op's 8 corner offsets (× height), stored in ``values``."""
    strength = values["strength"]
    values["corners"] = [(2 * rand.uniform(100 + k) - 1) * strength for k in range(8)]


class DigitPerspective(Operation):
    """Projective warp moving each corner of the cell."""

    passes = 1

    def sample_extra(self, values, rand, params):
        draw_corners(values, rand)

    def apply_glyph(self, work, values, rand, cell):
        x0, x1, height = cell
        offsets = corner_offsets(values, height)
        src = np.array([[x0, 0], [x1, 0], [x1, height - 1], [x0, height - 1]], np.float32)
        matrix = cv2.getPerspectiveTransform(src, src + offsets)
        size = (work.shape[1], work.shape[0])
        return cv2.warpPerspective(work, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)

    def reach(self, hw, hh, params, height):
        s = params["strength"][1]
        # Corners move ≤ s·height; allow twice that plus a proportional term.
        return hw * (1 + 4 * s) + 2 * s * height, hh * (1 + 4 * s) + 2 * s * height


DIGIT_OPS: tuple[Operation, ...] = (
    Rotate(
        "rotate",
        "digit",
        "Rotation",
        "Rotate each digit about its centre by an angle drawn from the range.",
        (
            float_range(
                "angle",
                (-10.0, 10.0),
                -45.0,
                45.0,
                "°",
                "Angle range; positive turns anticlockwise.",
            ),
        ),
    ),
    Shear(
        "shear",
        "digit",
        "Shear",
        "Slant each digit horizontally by a shear angle drawn from the range.",
        (
            float_range(
                "angle", (-10.0, 10.0), -30.0, 30.0, "°", "Shear angle range; positive leans right."
            ),
        ),
    ),
    Scale(
        "scale",
        "digit",
        "Scale (zoom)",
        "Zoom each digit about its centre by a factor drawn from the range.",
        (
            float_range("factor", (0.9, 1.1), 0.5, 1.3, "×", "Zoom factor range (1 = unchanged)."),
            ParamSchema(
                "per_axis",
                "bool",
                False,
                help="Draw separate horizontal and vertical factors (like Keras' zoom_range).",
            ),
        ),
    ),
    Translate(
        "translate",
        "digit",
        "Translation jitter",
        "Shift each digit within its cell (horizontal shift is absorbed when crop is on).",
        (
            float_range("x", (-0.05, 0.05), -0.25, 0.25, "× height", "Horizontal shift range."),
            float_range("y", (-0.05, 0.05), -0.2, 0.2, "× height", "Vertical shift range."),
        ),
    ),
    Elastic(
        "elastic",
        "digit",
        "Elastic distortion",
        "Warp each digit with a smooth random displacement field (Simard et al.).",
        (
            float_range("alpha", (1.0, 2.5), 0.0, 6.0, "px", "Range of the largest displacement."),
            ParamSchema(
                "sigma", "float", 4.0, 2.0, 10.0, "px", "Field smoothness (Gaussian sigma)."
            ),
        ),
    ),
    Stroke(
        "stroke",
        "digit",
        "Stroke thickness",
        "Thicken (dilate, > 0) or thin (erode, < 0) each digit's strokes.",
        (int_range("radius", (0, 1), -1, 2, "px", "Radius range: > 0 dilates, < 0 erodes."),),
    ),
    DigitBlur(
        "digit_blur",
        "digit",
        "Blur",
        "Gaussian-blur each digit.",
        (float_range("sigma", (0.0, 1.0), 0.0, 3.0, "px", "Gaussian sigma range."),),
    ),
    DigitPerspective(
        "digit_perspective",
        "digit",
        "Perspective",
        "Move each corner of the digit's cell by a random offset (a projective warp).",
        (
            float_range(
                "strength", (0.0, 0.05), 0.0, 0.15, "× height", "Largest corner offset range."
            ),
        ),
    ),
)
"""The digit-stage operations, in display order."""
