"""Domain-randomisation digit ops: vary what differs between writers, pens and scanners.

A recogniser trained on MNIST sequences fails on other people's digits mostly because of
what MNIST holds nearly constant: stroke width, aspect ratio, slant, ink level and the
way the strokes were sampled. These ops randomise exactly those, per glyph, seeded and
recorded like every other op:

* ``aspect`` — horizontal stretch (narrow to wide digits);
* ``slant`` — remove the glyph's own slant (from its second moments), then apply a drawn one;
* ``stroke_width`` — set the stroke width to a drawn value (thin pen to marker), from
  the glyph's signed distance field, anti-aliased;
* ``resample`` — render through a lower resolution, blocky (nearest) or smooth (linear);
* ``ink`` — ink level, edge hardness (gamma) and smooth pressure variation;
* ``baseline`` — a wavy baseline shared by the sequence plus per-glyph jitter;
* ``size`` — per-glyph size, anchored at the ink's baseline or centre.

They run before layout like every digit op, so masks and boxes are measured on the
transformed glyph and stay exact.
"""

from __future__ import annotations

import math

import numpy as np

from seqstudio.core.augment.glyph_ops import about_centre, max_abs
from seqstudio.core.augment.kernels import bounding_box, gaussian_ksize
from seqstudio.core.augment.operation import Operation, ParamSchema, float_range
from seqstudio.core.cv import cv2

_SLANT_LIMIT = 1.0  # largest own slant (dx/dy, 45°) that `slant` removes


class Aspect(Operation):
    """Stretch horizontally about the cell centre (height unchanged)."""

    affine = True

    def matrix(self, values, work, cx, cy, height):
        return about_centre(np.diag([values["factor"], 1.0, 1.0]), cx, cy)

    def reach(self, hw, hh, params, height):
        return hw * params["factor"][1], hh

    def may_narrow(self, params):
        return params["factor"][0] < 1.0


def glyph_slant(work: np.ndarray) -> float:
    """The glyph's slant ``dx/dy`` from its second central moments (0 for no ink).

    Positive when the ink's lower part lies further right (the top leans left).
    """
    m = cv2.moments(work)
    if m["mu02"] < 1e-6:
        return 0.0
    return float(m["mu11"] / m["mu02"])


class Slant(Operation):
    """Shear to a drawn slant, optionally after removing the glyph's own slant."""

    affine = True
    needs_pixels = True

    def matrix(self, values, work, cx, cy, height):
        t = math.tan(math.radians(values["angle"]))
        own = 0.0
        if values["normalise"]:
            own = min(max(glyph_slant(work), -_SLANT_LIMIT), _SLANT_LIMIT)
        # x' = x - (own + t)(y - cy): removes the own slant, then leans the top right by t.
        return about_centre(np.array([[1, -(own + t), 0], [0, 1, 0], [0, 0, 1]]), cx, cy)

    def reach(self, hw, hh, params, height):
        own = _SLANT_LIMIT if params["normalise"] else 0.0
        return hw + hh * (math.tan(math.radians(max_abs(params["angle"]))) + own), hh


def stroke_width_estimate(ink: np.ndarray) -> float:
    """Mean stroke width in px of a binary glyph: twice its area over its perimeter.

    For a stroke of width ``w`` and length ``L``, area ≈ ``w·L`` and the contour runs
    along both sides (≈ ``2L``), so ``2A/P ≈ w``.
    """
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    area = float(np.count_nonzero(ink))
    return 2.0 * area / perimeter if perimeter > 0 else 1.0


class StrokeWidth(Operation):
    """Set the mean stroke width to a drawn value (× height), keeping the centre lines."""

    passes = 1

    def apply_glyph(self, work, values, rand, cell):
        peak = int(work.max())
        if peak == 0:
            return work
        ink = (work >= (peak + 1) // 2).astype(np.uint8)
        height = cell[2]
        target = values["width"] * height
        current = stroke_width_estimate(ink)
        inside = cv2.distanceTransform(ink, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        outside = cv2.distanceTransform(1 - ink, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        # Signed distance to the ink edge (which lies half a pixel outside ink pixels).
        signed = np.where(ink > 0, inside - 0.5, 0.5 - outside)
        grow = (target - current) / 2
        grow = max(grow, 0.75 - float(signed.max()))  # never thinner than the centre line
        level = np.clip(signed + grow + 0.5, 0.0, 1.0)
        return np.ceil(level * peak - 1e-6).astype(np.uint8)

    def reach(self, hw, hh, params, height):
        grow = params["width"][1] * height / 2 + 1.5
        return hw + grow, hh + grow


class Resample(Operation):
    """Render the glyph through a lower resolution: blocky (nearest) or smooth (linear)."""

    passes = 1

    def sample_extra(self, values, rand, params):
        style = params["style"]
        if style == "mixed":
            style = "blocky" if rand.uniform(100) < 0.5 else "smooth"
        values["style"] = style

    def apply_glyph(self, work, values, rand, cell):
        f = values["factor"]
        h, w = work.shape
        small = (max(1, round(w * f)), max(1, round(h * f)))
        if small == (w, h):
            return work
        low = cv2.resize(work, small, interpolation=cv2.INTER_AREA)
        if values["style"] == "blocky":
            return cv2.resize(low, (w, h), interpolation=cv2.INTER_NEAREST)
        return cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR)

    def reach(self, hw, hh, params, height):
        block = 1.0 / params["factor"][0] + 2
        return hw + block, hh + block


class Ink(Operation):
    """Ink level, edge hardness and smooth pressure variation (ink pixels stay ink)."""

    def apply_glyph(self, work, values, rand, cell):
        ink = work > 0
        if not ink.any():
            return work
        level = work.astype(np.float32) / 255.0
        level **= np.float32(values["gamma"])
        level *= np.float32(values["level"] * 255.0)
        variation = values["variation"]
        if variation > 0:
            sigma = cell[2] / 6
            k = gaussian_ksize(sigma)
            field = rand.generator().random(work.shape, dtype=np.float32)
            field = cv2.GaussianBlur(field, (k, k), sigma, borderType=cv2.BORDER_REFLECT_101)
            lo, hi = float(field.min()), float(field.max())
            field = (field - lo) / (hi - lo) if hi > lo else np.zeros_like(field)
            level *= 1.0 - np.float32(variation) * field
        out = np.clip(np.rint(level), 0, 255).astype(np.uint8)
        out[ink & (out == 0)] = 1  # fading never removes ink: the glyph's pixels stay its own
        return out

    def may_narrow(self, params):
        return False


class Baseline(Operation):
    """A sinusoidal baseline shared by the sequence, plus per-glyph vertical jitter."""

    affine = True

    def sample(self, rand, params):
        amp_lo, amp_hi = params["amplitude"]
        per_lo, per_hi = params["period"]
        jit_lo, jit_hi = params["jitter"]
        amplitude = amp_lo + (amp_hi - amp_lo) * rand.shared_uniform(1)
        period = per_lo + (per_hi - per_lo) * rand.shared_uniform(2)
        phase = rand.shared_uniform(3)
        jitter = jit_lo + (jit_hi - jit_lo) * rand.uniform(1)
        j = rand.glyph or 0
        dy = amplitude * math.sin(2 * math.pi * (j / period + phase))
        dy += jitter * (2 * rand.uniform(2) - 1)
        return {
            "amplitude": amplitude,
            "period": period,
            "phase": phase,
            "jitter": jitter,
            "dy": dy,
        }

    def matrix(self, values, work, cx, cy, height):
        return np.array([[1, 0, 0], [0, 1, values["dy"] * height], [0, 0, 1]], np.float64)

    def reach(self, hw, hh, params, height):
        return hw, hh + (params["amplitude"][1] + params["jitter"][1]) * height


class Size(Operation):
    """Scale each glyph about its ink's baseline (bottom centre) or centre."""

    affine = True
    needs_pixels = True

    def matrix(self, values, work, cx, cy, height):
        f = values["factor"]
        x, y, w, h = bounding_box(work)
        if w == 0:
            return np.eye(3)
        ax = x + (w - 1) / 2
        ay = y + h - 1 if values["anchor"] == "baseline" else y + (h - 1) / 2
        return about_centre(np.diag([f, f, 1.0]), ax, ay)

    def reach(self, hw, hh, params, height):
        f = max(params["factor"][1], 1.0)
        return hw * f, hh * (1 + 2 * f)


DOMAIN_OPS: tuple[Operation, ...] = (
    Aspect(
        "aspect",
        "digit",
        "Aspect ratio",
        "Stretch each digit horizontally (narrow to wide), height unchanged.",
        (float_range("factor", (0.8, 1.25), 0.5, 2.0, "×", "Width factor range (1 = unchanged)."),),
    ),
    Slant(
        "slant",
        "digit",
        "Slant",
        "Remove each digit's own slant (optional), then slant it by an angle from the range.",
        (
            float_range(
                "angle", (-15.0, 15.0), -30.0, 30.0, "°", "Slant range; positive leans right."
            ),
            ParamSchema(
                "normalise",
                "bool",
                True,
                help="First remove the slant the digit was written with (image moments).",
            ),
        ),
    ),
    StrokeWidth(
        "stroke_width",
        "digit",
        "Stroke width",
        "Redraw each digit's strokes at a width drawn from the range (thin pen to marker).",
        (
            float_range(
                "width",
                (0.05, 0.15),
                0.03,
                0.3,
                "× height",
                "Stroke width range (28 px: 0.1 ≈ 2.8 px).",
            ),
        ),
    ),
    Resample(
        "resample",
        "digit",
        "Resampling",
        "Render each digit through a lower resolution: blocky (nearest) or smooth (linear).",
        (
            float_range(
                "factor", (0.4, 1.0), 0.25, 1.0, "×", "Resolution factor range (1 = unchanged)."
            ),
            ParamSchema(
                "style",
                "choice",
                "mixed",
                choices=("mixed", "blocky", "smooth"),
                help="Upsampling: blocky, smooth, or either at random per digit.",
            ),
        ),
    ),
    Ink(
        "ink",
        "digit",
        "Ink intensity",
        "Change each digit's ink level, edge hardness and pen-pressure variation.",
        (
            float_range("level", (0.6, 1.0), 0.2, 1.0, "× 255", "Peak ink level range."),
            float_range(
                "gamma", (0.7, 1.5), 0.3, 3.0, "", "Edge profile: < 1 hard/bold, > 1 soft/thin."
            ),
            float_range(
                "variation", (0.0, 0.4), 0.0, 0.8, "fraction", "Smooth pressure variation range."
            ),
        ),
    ),
    Baseline(
        "baseline",
        "digit",
        "Baseline wobble",
        "Move digits up and down along a wavy baseline shared by the sequence, plus jitter.",
        (
            float_range("amplitude", (0.0, 0.05), 0.0, 0.15, "× height", "Wave amplitude range."),
            float_range("period", (3.0, 8.0), 1.0, 20.0, "glyphs", "Wave period range."),
            float_range("jitter", (0.0, 0.02), 0.0, 0.1, "× height", "Per-digit jitter range."),
        ),
    ),
    Size(
        "size",
        "digit",
        "Size variation",
        "Scale each digit about its baseline (or centre) by a factor drawn from the range.",
        (
            float_range("factor", (0.85, 1.05), 0.5, 1.5, "×", "Size factor range."),
            ParamSchema(
                "anchor",
                "choice",
                "baseline",
                choices=("baseline", "centre"),
                help="Point that stays put: the bottom centre of the ink, or its centre.",
            ),
        ),
    ),
)
"""The domain-randomisation digit ops, in display order."""
