"""The augmentation operations and their parameters: the single source of truth.

Every operation seqstudio can apply is one :class:`OpSchema` entry in :data:`OPS`. The
GUI builds its widgets from it, the CLI prints help from it, validation
(:func:`seqstudio.core.augment.spec.parse_pipeline`) checks against it, and the backend
(:mod:`seqstudio.core.augment.imgaug_backend`) has exactly one implementation per entry.
Adding an operation is one entry here plus its mapping there.

Two stages:

``digit``
    Applied to each glyph before layout, so boxes and masks are measured on the
    transformed glyph.
``image``
    Applied to the composed image, before ``spec.invert``; geometric and blurring ops
    move the instance mask and boxes with the ink.

Ranges (``float_range``/``int_range``) are ``[lo, hi]`` pairs with ``lo ≤ hi``; a value
is drawn uniformly from them for every image (or glyph) that the op is applied to.
Limits are chosen so that no op can push a digit fully out of its glyph cell or the
image; if a draw ever did, generation raises an error instead of writing a wrong label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("float", "int", "bool", "choice", "float_range", "int_range")
STAGES = ("digit", "image")


@dataclass(frozen=True)
class ParamSchema:
    """One parameter of an operation.

    Attributes
    ----------
    name : str
        Key in the op's ``params``.
    kind : str
        ``"float"``, ``"int"``, ``"bool"``, ``"choice"``, ``"float_range"`` or ``"int_range"``.
    default : Any
        Default value (a ``[lo, hi]`` list for ranges).
    minimum, maximum : float or int, optional
        Allowed limits (for ranges: of both ends).
    unit : str
        Unit shown next to the widget, e.g. ``"°"``, ``"px"``.
    help : str
        One-line help.
    choices : tuple
        Allowed values of a ``choice``.
    """

    name: str
    kind: str
    default: Any
    minimum: float | int | None = None
    maximum: float | int | None = None
    unit: str = ""
    help: str = ""
    choices: tuple = ()

    @property
    def is_range(self) -> bool:
        """Whether the parameter is a ``[lo, hi]`` range drawn per image."""
        return self.kind in ("float_range", "int_range")

    def describe_allowed(self) -> str:
        """What is allowed, in words, e.g. ``"a range [lo, hi] with -45 ≤ lo ≤ hi ≤ 45"``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of: " + ", ".join(str(c) for c in self.choices)
        number = "whole number" if self.kind.startswith("int") else "number"
        if self.is_range:
            return f"a range [lo, hi] of {number}s with {self.minimum} ≤ lo ≤ hi ≤ {self.maximum}{unit}"
        return f"a {number} from {self.minimum} to {self.maximum}{unit}"


@dataclass(frozen=True)
class OpSchema:
    """One augmentation operation.

    Attributes
    ----------
    op : str
        Identifier used in specs and presets, e.g. ``"rotate"``.
    stage : str
        ``"digit"`` (per glyph, before layout) or ``"image"`` (after composition).
    title : str
        Short display name.
    help : str
        One-line description.
    params : tuple of ParamSchema
        Its parameters, in display order.
    """

    op: str
    stage: str
    title: str
    help: str
    params: tuple[ParamSchema, ...] = ()

    def param(self, name: str) -> ParamSchema:
        """The schema of parameter ``name`` (``KeyError`` if unknown)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """A fresh dict of every parameter's default value."""
        return {p.name: list(p.default) if p.is_range else p.default for p in self.params}


def _fr(name, default, lo, hi, unit="", help=""):  # noqa: A002 - mirrors the field name
    return ParamSchema(name, "float_range", list(default), lo, hi, unit, help)


def _ir(name, default, lo, hi, unit="", help=""):  # noqa: A002
    return ParamSchema(name, "int_range", list(default), lo, hi, unit, help)


_OP_LIST = (
    # ----------------------------------------------------------------- per digit
    OpSchema(
        "rotate",
        "digit",
        "Rotation",
        "Rotate each digit about its centre by an angle drawn from the range.",
        (
            _fr(
                "angle",
                (-10.0, 10.0),
                -45.0,
                45.0,
                "°",
                "Angle range; positive turns anticlockwise.",
            ),
        ),
    ),
    OpSchema(
        "shear",
        "digit",
        "Shear",
        "Slant each digit horizontally by a shear angle drawn from the range.",
        (
            _fr(
                "angle", (-10.0, 10.0), -30.0, 30.0, "°", "Shear angle range; positive leans right."
            ),
        ),
    ),
    OpSchema(
        "scale",
        "digit",
        "Scale (zoom)",
        "Zoom each digit about its centre by a factor drawn from the range.",
        (
            _fr("factor", (0.9, 1.1), 0.5, 1.3, "×", "Zoom factor range (1 = unchanged)."),
            ParamSchema(
                "per_axis",
                "bool",
                False,
                help="Draw separate horizontal and vertical factors (like Keras' zoom_range).",
            ),
        ),
    ),
    OpSchema(
        "translate",
        "digit",
        "Translation jitter",
        "Shift each digit within its cell (horizontal shift is absorbed when crop is on).",
        (
            _fr("x", (-0.05, 0.05), -0.25, 0.25, "× height", "Horizontal shift range."),
            _fr("y", (-0.05, 0.05), -0.2, 0.2, "× height", "Vertical shift range."),
        ),
    ),
    OpSchema(
        "elastic",
        "digit",
        "Elastic distortion",
        "Warp each digit with a smooth random displacement field (Simard et al.).",
        (
            _fr("alpha", (1.0, 2.5), 0.0, 6.0, "px", "Range of the largest displacement."),
            ParamSchema(
                "sigma", "float", 4.0, 2.0, 10.0, "px", "Field smoothness (Gaussian sigma)."
            ),
        ),
    ),
    OpSchema(
        "stroke",
        "digit",
        "Stroke thickness",
        "Thicken (dilate, > 0) or thin (erode, < 0) each digit's strokes.",
        (_ir("radius", (0, 1), -1, 2, "px", "Radius range: > 0 dilates, < 0 erodes."),),
    ),
    OpSchema(
        "digit_blur",
        "digit",
        "Blur",
        "Gaussian-blur each digit.",
        (_fr("sigma", (0.0, 1.0), 0.0, 3.0, "px", "Gaussian sigma range."),),
    ),
    OpSchema(
        "digit_perspective",
        "digit",
        "Perspective",
        "Move each corner of the digit's cell by a random offset (a projective warp).",
        (_fr("strength", (0.0, 0.05), 0.0, 0.15, "× height", "Largest corner offset range."),),
    ),
    # ----------------------------------------------------------------- per image
    OpSchema(
        "gaussian_noise",
        "image",
        "Gaussian noise",
        "Add per-pixel Gaussian noise (clipped to 0–255).",
        (_fr("sigma", (0.0, 10.0), 0.0, 100.0, "grey levels", "Noise standard-deviation range."),),
    ),
    OpSchema(
        "salt_pepper",
        "image",
        "Salt and pepper",
        "Set a fraction of pixels to white (salt) or black (pepper).",
        (
            _fr("amount", (0.0, 0.02), 0.0, 0.5, "fraction", "Fraction of pixels replaced."),
            ParamSchema(
                "salt",
                "float",
                0.5,
                0.0,
                1.0,
                "fraction",
                "Share of replaced pixels that are white.",
            ),
        ),
    ),
    OpSchema(
        "gaussian_blur",
        "image",
        "Gaussian blur",
        "Gaussian-blur the whole image.",
        (_fr("sigma", (0.0, 1.0), 0.0, 3.0, "px", "Gaussian sigma range."),),
    ),
    OpSchema(
        "motion_blur",
        "image",
        "Motion blur",
        "Blur along a line, as from a moving camera.",
        (
            _ir("length", (3, 5), 3, 15, "px", "Length range of the blur line."),
            _fr("angle", (-45.0, 45.0), -180.0, 180.0, "°", "Direction range of the blur line."),
        ),
    ),
    OpSchema(
        "brightness_contrast",
        "image",
        "Brightness / contrast",
        "Multiply brightness, then scale contrast about mid-grey (clipped to 0–255).",
        (
            _fr(
                "brightness",
                (1.0, 1.0),
                0.1,
                3.0,
                "×",
                "Brightness factor range (Keras brightness_range).",
            ),
            _fr("contrast", (1.0, 1.0), 0.1, 3.0, "×", "Contrast factor range about grey 127."),
        ),
    ),
    OpSchema(
        "jpeg",
        "image",
        "JPEG artefacts",
        "Encode and decode as JPEG at a quality drawn from the range.",
        (_ir("quality", (50, 90), 1, 100, "", "JPEG quality range (lower = more artefacts)."),),
    ),
    OpSchema(
        "dropout",
        "image",
        "Dropout",
        "Set a random fraction of pixels to black.",
        (_fr("rate", (0.0, 0.05), 0.0, 0.5, "fraction", "Fraction of pixels dropped."),),
    ),
    OpSchema(
        "coarse_dropout",
        "image",
        "Coarse dropout",
        "Set random square blocks to black.",
        (
            _fr("rate", (0.0, 0.05), 0.0, 0.3, "fraction", "Fraction of blocks dropped."),
            _ir("size", (2, 4), 1, 14, "px", "Block side length range."),
        ),
    ),
    OpSchema(
        "elastic_image",
        "image",
        "Elastic distortion (image)",
        "Warp the whole image with a smooth random displacement field; masks and boxes follow.",
        (
            _fr("alpha", (0.0, 2.0), 0.0, 4.0, "px", "Range of the largest displacement."),
            ParamSchema(
                "sigma", "float", 4.0, 2.0, 10.0, "px", "Field smoothness (Gaussian sigma)."
            ),
        ),
    ),
    OpSchema(
        "perspective",
        "image",
        "Perspective (image)",
        "Move each image corner by a random offset; masks and boxes follow.",
        (_fr("strength", (0.0, 0.05), 0.0, 0.1, "× height", "Largest corner offset range."),),
    ),
    OpSchema(
        "invert",
        "image",
        "Invert",
        "Replace every value v by 255 − v (before the spec's own invert).",
        (),
    ),
)

OPS: dict[str, OpSchema] = {op.op: op for op in _OP_LIST}
"""Every operation, by name, in display order (digit ops first)."""


def ops_for_stage(stage: str) -> list[OpSchema]:
    """The operations of one stage (``"digit"`` or ``"image"``), in display order."""
    if stage not in STAGES:
        raise ValueError(f"{stage!r} is not a stage (one of: {', '.join(STAGES)})")
    return [op for op in OPS.values() if op.stage == stage]
