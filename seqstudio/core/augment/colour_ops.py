"""Colour and backgrounds: image ops that turn the grey ink image into an RGB photo-like one.

House numbers, meters and forms are not white on black. These image-stage ops are
photometric — they never move ink — so the mask and boxes stay exactly those of the
clean ink:

* ``colour`` — composes an RGB image: ``paper + (ink − paper) · coverage``, with ink and
  paper colours drawn per image from a palette (pen on paper, signage, any) with a
  guaranteed luminance contrast. Every op after it works on the RGB image; an image
  with a ``colour`` op is ``(H, W, 3)`` uint8 RGB (see :func:`output_channels`).
* ``background`` — paper texture under the ink: a gradient, paper grain, or the ruled
  lines and boxes of a form (the ink stays on top).
* ``texture`` — paper from the user's photos: a seeded random crop of an image in a
  folder (recorded: file, zoom, position), under the ink;
* ``illumination`` — uneven light over everything: a brightness gradient and a soft
  shadow edge.

Ink coverage is the clean ink (the image without photometric ops), so texture never
shows through strokes and noise added before ``colour`` is kept as ink noise.
"""

from __future__ import annotations

import colorsys
import functools
import math
from pathlib import Path
from typing import Any

import numpy as np

from seqstudio.core.augment.operation import Operation, ParamSchema, float_range
from seqstudio.core.cv import cv2
from seqstudio.core.errors import SpecError

PALETTES = ("paper", "signage", "any")
_PENS = (  # RGB 0..1 of common inks: black, blue ballpoint, dark blue, graphite, red
    (0.05, 0.05, 0.07),
    (0.10, 0.18, 0.55),
    (0.06, 0.10, 0.30),
    (0.25, 0.25, 0.27),
    (0.55, 0.08, 0.08),
)


def output_channels(ops: Any) -> int:
    """3 if an enabled op of the pipeline makes the image RGB (``colour``), else 1."""
    return 3 if any(op.enabled and op.op == "colour" for op in ops) else 1


def luminance(rgb: Any) -> float:
    """Relative luminance (Rec. 709 weights) of an RGB colour with components 0..1."""
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hsv(h: float, s: float, v: float) -> list[float]:
    return list(colorsys.hsv_to_rgb(h % 1.0, s, v))


def draw_colours(palette: str, contrast: float, u) -> tuple[list[float], list[float]]:
    """Ink and paper RGB (0..1) of one image; ``u(k)`` gives its uniform draws.

    The luminance difference is at least ``contrast``: when the palette's draw falls
    short, the ink is moved towards black (light paper) or white (dark paper) until
    it is reached.
    """
    if palette == "paper":
        paper = _hsv(0.08 + 0.08 * u(0), 0.25 * u(1), 0.72 + 0.28 * u(2))
        pen = _PENS[min(int(u(3) * len(_PENS)), len(_PENS) - 1)]
        jitter = 0.08 * (2 * u(4) - 1)
        ink = [min(max(c + jitter, 0.0), 1.0) for c in pen]
    elif palette == "signage":
        paper = _hsv(u(0), 0.35 + 0.65 * u(1), 0.25 + 0.7 * u(2))
        choice = u(3)
        if choice < 0.45:
            ink = [0.95, 0.95, 0.95]
        elif choice < 0.8:
            ink = [0.05, 0.05, 0.05]
        else:
            ink = _hsv(0.12 + 0.05 * u(4), 0.8, 0.95)  # yellow/amber
    else:
        paper = [u(0), u(1), u(2)]
        ink = [u(3), u(4), u(5)]
    if abs(luminance(ink) - luminance(paper)) < contrast:
        # Move the ink towards black (light paper) or white (dark paper) just far enough;
        # if even that is not enough, move the paper away from the ink too.
        dark_ink = luminance(paper) >= 0.5
        target = 0.0 if dark_ink else 1.0
        want = luminance(paper) - contrast if dark_ink else luminance(paper) + contrast
        ink = _towards(ink, target, want)
        want = luminance(ink) + contrast if dark_ink else luminance(ink) - contrast
        if (luminance(paper) < want) if dark_ink else (luminance(paper) > want):
            paper = _towards(paper, 1.0 - target, want)
    return ink, paper


def _towards(rgb: list[float], target: float, lum: float) -> list[float]:
    """``rgb`` moved straight towards grey level ``target`` until its luminance is ``lum``
    (or all the way)."""
    now = luminance(rgb)
    if now == target:
        return list(rgb)
    t = min(1.0, max(0.0, (lum - now) / (target - now)))
    return [c + (target - c) * t for c in rgb]


def _coverage(layers) -> np.ndarray:
    """Clean ink coverage in [0, 1], ``(H, W)`` float32."""
    ink = layers.image if layers.ink is None else layers.ink
    if ink.ndim == 3:  # pragma: no cover - the clean ink is always grey
        ink = ink.max(axis=2)
    return ink.astype(np.float32) * np.float32(1 / 255)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


class Colour(Operation):
    """Ink and paper colours: the grey image becomes ``(H, W, 3)`` RGB."""

    def sample_extra(self, values, rand, params):
        ink, paper = draw_colours(
            params["palette"], values["contrast"], lambda k: rand.uniform(100 + k)
        )
        values["ink_rgb"] = [round(255 * c, 3) for c in ink]
        values["paper_rgb"] = [round(255 * c, 3) for c in paper]

    def apply_image(self, layers, values, rand):
        image = layers.image
        if image.ndim == 3:  # already coloured: recolour from the clean ink
            alpha = _coverage(layers)
        else:
            alpha = image.astype(np.float32) * np.float32(1 / 255)
        ink = np.array(values["ink_rgb"], np.float32)
        paper = np.array(values["paper_rgb"], np.float32)
        out = paper + alpha[..., None] * (ink - paper)
        layers.set_image(_to_uint8(out))

    def record(self, values):
        record = super().record(values)
        record["ink_rgb"] = [round(v, 3) for v in values["ink_rgb"]]
        record["paper_rgb"] = [round(v, 3) for v in values["paper_rgb"]]
        return record


def _gradient(shape, angle: float, strength: float) -> np.ndarray:
    h, w = shape
    ys, xs = np.indices(shape, dtype=np.float32)
    d = (xs - (w - 1) / 2) * math.cos(angle) + (ys - (h - 1) / 2) * math.sin(angle)
    span = float(np.abs(d).max()) or 1.0
    return 1.0 - strength * (0.5 + 0.5 * d / span)  # 1 at one side, 1 - strength at the other


class Background(Operation):
    """Paper texture under the ink: gradient, grain, or form lines."""

    KINDS = ("mixed", "gradient", "grain", "lines")

    def sample_extra(self, values, rand, params):
        kind = params["kind"]
        if kind == "mixed":
            kind = self.KINDS[1 + min(int(rand.uniform(100) * 3), 2)]
        values["kind"] = kind
        values["angle"] = 360.0 * rand.uniform(101)
        values["spacing"] = 7 + int(rand.uniform(102) * 8)  # form line pitch, px
        values["offset"] = rand.uniform(103)

    def field(self, shape, values, rand) -> np.ndarray:
        """The multiplicative paper field (H, W) float32 in [1 − strength, 1 + strength]."""
        strength = values["strength"]
        kind = values["kind"]
        if kind == "gradient":
            return _gradient(shape, math.radians(values["angle"]), strength)
        if kind == "grain":
            noise = rand.generator().standard_normal(shape, dtype=np.float32)
            noise = cv2.GaussianBlur(noise, (3, 3), 0.8, borderType=cv2.BORDER_REFLECT_101)
            noise /= max(float(np.abs(noise).max()), 1e-6)
            return 1.0 + strength * noise
        h, w = shape
        lines = np.zeros(shape, np.float32)
        pitch = values["spacing"]
        start = int(values["offset"] * pitch)
        lines[start::pitch, :] = 1.0
        if values["angle"] < 180:  # half the forms also have cell walls
            cell = 2 * pitch + int(values["offset"] * pitch)
            lines[:, start::cell] = 1.0
        return 1.0 - strength * lines

    def apply_image(self, layers, values, rand):
        image = layers.image.astype(np.float32)
        paper = 1.0 - _coverage(layers)  # texture shows where there is no ink
        field = 1.0 + (self.field(image.shape[:2], values, rand) - 1.0) * paper
        layers.set_image(_to_uint8(image * (field[..., None] if image.ndim == 3 else field)))


class Illumination(Operation):
    """Uneven light: a brightness gradient and a soft shadow edge over ink and paper."""

    def sample_extra(self, values, rand, params):
        values["angle"] = 360.0 * rand.uniform(100)
        values["shadow_angle"] = 360.0 * rand.uniform(101)
        values["shadow_at"] = rand.uniform(102)

    def apply_image(self, layers, values, rand):
        image = layers.image.astype(np.float32)
        h, w = image.shape[:2]
        field = _gradient((h, w), math.radians(values["angle"]), values["gradient"])
        if values["shadow"] > 0:
            a = math.radians(values["shadow_angle"])
            ys, xs = np.indices((h, w), dtype=np.float32)
            d = (xs - (w - 1) / 2) * math.cos(a) + (ys - (h - 1) / 2) * math.sin(a)
            span = float(np.abs(d).max()) or 1.0
            edge = (2 * values["shadow_at"] - 1) * span
            softness = max(h / 4, 1.0)
            field *= 1.0 - values["shadow"] / (1.0 + np.exp(-(d - edge) / softness))
        layers.set_image(_to_uint8(image * (field[..., None] if image.ndim == 3 else field)))


@functools.lru_cache(maxsize=16)
def _texture_files(folder: str, stamp: int) -> tuple[str, ...]:
    from seqstudio.core.glyphs import IMAGE_SUFFIXES

    root = Path(folder)
    return tuple(
        sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
    )


def texture_files(folder: str, field: str = "augment") -> tuple[str, ...]:
    """The images under ``folder`` (relative paths, sorted); SpecError naming ``field``."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise SpecError(field, f"{folder!r} is not a folder of background images")
    files = _texture_files(str(root), root.stat().st_mtime_ns)
    if not files:
        from seqstudio.core.glyphs import IMAGE_SUFFIXES

        raise SpecError(field, f"{folder!r} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    return files


@functools.lru_cache(maxsize=32)
def _texture(path: str) -> np.ndarray:
    from PIL import Image

    from seqstudio.core.errors import DataError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except OSError as exc:
        raise DataError(f"{path}: cannot read background image ({exc})") from None


class Texture(Operation):
    """Paper from your photos: a seeded random crop of an image in a folder, under the ink."""

    def check(self, params, where):
        if params["folder"]:
            texture_files(params["folder"], f"{where}.folder")

    def sample_extra(self, values, rand, params):
        if not params["folder"]:
            values["file"] = None
            return
        files = texture_files(params["folder"])
        values["file"] = files[min(int(rand.uniform(100) * len(files)), len(files) - 1)]
        values["zoom"] = 1.0 + 2.0 * rand.uniform(101)  # crop 1/1 .. 1/3 of the image
        values["x"] = rand.uniform(102)
        values["y"] = rand.uniform(103)

    def apply_image(self, layers, values, rand):
        if values["file"] is None:
            return
        source = _texture(str(Path(values["folder"]).expanduser() / values["file"]))
        image = layers.image
        h, w = image.shape[:2]
        th, tw = source.shape[:2]
        # The largest crop of the output's aspect, shrunk by the zoom, at the drawn place.
        ch = min(th, tw * h / w) / values["zoom"]
        cw = ch * w / h
        x0 = values["x"] * (tw - cw)
        y0 = values["y"] * (th - ch)
        crop = source[
            int(y0) : max(int(y0 + ch), int(y0) + 1), int(x0) : max(int(x0 + cw), int(x0) + 1)
        ]
        patch = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
        if image.ndim == 2:
            patch = patch @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        weight = (1.0 - _coverage(layers)) * np.float32(values["strength"])
        if image.ndim == 3:
            weight = weight[..., None]
        layers.set_image(_to_uint8(image * (1.0 - weight) + patch * weight))


def texture_folders(ops: Any) -> list[str]:
    """The background folders the enabled ``texture`` ops of a pipeline read."""
    return [
        op.params["folder"]
        for op in ops
        if op.enabled and op.op == "texture" and op.params["folder"]
    ]


COLOUR_OPS: tuple[Operation, ...] = (
    Colour(
        "colour",
        "image",
        "Ink and paper colour",
        "Make the image RGB: ink and paper colours drawn per image from a palette.",
        (
            float_range(
                "contrast",
                (0.35, 0.8),
                0.1,
                0.9,
                "luminance",
                "Smallest ink–paper luminance difference, drawn per image.",
            ),
            ParamSchema(
                "palette",
                "choice",
                "paper",
                choices=PALETTES,
                help="paper: pens on off-white paper; signage: light/dark on colour; any.",
            ),
        ),
    ),
    Background(
        "background",
        "image",
        "Background texture",
        "Texture the paper under the ink: a gradient, paper grain or the lines of a form.",
        (
            float_range(
                "strength", (0.05, 0.25), 0.0, 0.6, "fraction", "How much the paper changes."
            ),
            ParamSchema(
                "kind",
                "choice",
                "mixed",
                choices=Background.KINDS,
                help="gradient, grain, lines (a form), or one of them at random per image.",
            ),
        ),
    ),
    Texture(
        "texture",
        "image",
        "Background photos",
        "Put a seeded random crop of an image from your folder under the ink as the paper.",
        (
            ParamSchema("folder", "folder", "", help="Folder of background images (empty: off)."),
            float_range(
                "strength", (0.6, 1.0), 0.0, 1.0, "fraction", "How much of the photo shows."
            ),
        ),
    ),
    Illumination(
        "illumination",
        "image",
        "Illumination and shadow",
        "Darken the image unevenly: a light gradient and a soft shadow edge.",
        (
            float_range(
                "gradient", (0.0, 0.3), 0.0, 0.7, "fraction", "Darkening across the image."
            ),
            float_range("shadow", (0.0, 0.4), 0.0, 0.8, "fraction", "Darkening in the shadow."),
        ),
    ),
)
"""Colour, background and illumination image ops, in display order."""
