"""Glyph sources beyond MNIST: digits rendered from fonts, and weighted mixes of sources.

Two source strings are handled here (registered in :mod:`seqstudio.core.glyphs`):

``"font:PATH"``
    Digits 0–9 rendered with Pillow from the TrueType/OpenType font file ``PATH``
    (``.ttf``, ``.otf``, ``.ttc``) or from every such file in the folder ``PATH`` and its
    subfolders (sorted by path). Each digit is drawn like an MNIST digit: bright ink on black,
    fitted into a 20 px box and centred by its centre of mass in a 28 px cell. With
    several fonts, every fifth font (and at least the last one) forms the test pool,
    so a test split reads fonts its train split never saw; one font serves both pools.
``"BASE+OTHER@WEIGHT[+OTHER@WEIGHT...]"``
    A mix: ``OTHER`` sources (any source string, e.g. ``font:DIR``) supply a share
    ``WEIGHT`` of the glyphs drawn for each label and ``BASE`` the rest, e.g.
    ``bundled+font:/usr/share/fonts/truetype/dejavu@0.3``. The weight is realised by
    listing each ``OTHER`` glyph several times in the pool (exact to within one glyph
    per label); ``BASE`` glyphs keep their indices.

:func:`seqstudio.core.source_fingerprint.source_fingerprint` hashes what a source reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from seqstudio.core.errors import DataError, SpecError

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
DIGITS = tuple(str(d) for d in range(10))
_CELL, _BOX, _RENDER = 28, 20, 96  # MNIST cell and box; render size before fitting


# ----------------------------------------------------------------------- fonts
def font_files(path: Path) -> list[Path]:
    """The font files named by ``path``: the file itself, or the fonts in the folder and
    its subfolders, sorted by path.

    Raises
    ------
    DataError
        If the path does not exist, is not a font file, or the folder holds no font.
    """
    if path.is_file():
        if path.suffix.lower() not in FONT_SUFFIXES:
            raise DataError(f"{path}: not a font file (expected {', '.join(FONT_SUFFIXES)})")
        return [path]
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file()
        )
        if not files:
            raise DataError(f"{path}: no font files ({', '.join(FONT_SUFFIXES)}) in this folder")
        return files
    raise DataError(f"{path}: font file or folder not found")


def render_glyph(font, char: str) -> np.ndarray:
    """``char`` in ``font`` as an MNIST-like 28×28 uint8 glyph (ink bright on black).

    The ink is cropped, scaled so its larger side is 20 px (area averaging) and placed
    so that its centre of mass is at the cell centre, as MNIST's digits were.
    """
    from PIL import Image, ImageDraw

    from seqstudio.core.cv import cv2

    left, top, right, bottom = font.getbbox(char)
    canvas = Image.new("L", (max(right - left, 1) + 8, max(bottom - top, 1) + 8), 0)
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), char, fill=255, font=font)
    ink = np.asarray(canvas, dtype=np.uint8)
    x, y, w, h = cv2.boundingRect(ink)
    if w == 0:
        return np.zeros((_CELL, _CELL), np.uint8)
    ink = ink[y : y + h, x : x + w]
    scale = _BOX / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
    m = cv2.moments(small)
    cx = m["m10"] / m["m00"] if m["m00"] else (size[0] - 1) / 2
    cy = m["m01"] / m["m00"] if m["m00"] else (size[1] - 1) / 2
    ox = int(np.clip(round((_CELL - 1) / 2 - cx), 0, _CELL - size[0]))
    oy = int(np.clip(round((_CELL - 1) / 2 - cy), 0, _CELL - size[1]))
    cell = np.zeros((_CELL, _CELL), np.uint8)
    cell[oy : oy + size[1], ox : ox + size[0]] = small
    return cell


def render_font(path: Path, labels: tuple[str, ...] = DIGITS) -> np.ndarray:
    """``(len(labels), 28, 28)`` uint8 glyphs of ``labels`` rendered from one font file.

    Raises
    ------
    DataError
        If the file is not a readable font or lacks one of the characters (it would
        draw its "missing glyph" box instead).
    """
    from PIL import ImageFont

    try:
        font = ImageFont.truetype(str(path), _RENDER)
    except OSError as exc:
        raise DataError(f"{path}: cannot read font ({exc})") from None
    _check_characters(path, labels)
    glyphs = np.stack([render_glyph(font, c) for c in labels])
    for label, glyph in zip(labels, glyphs):
        if not glyph.any():
            raise DataError(f"{path}: the font draws nothing for {label!r}")
    return glyphs


_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _check_characters(path: Path, labels: tuple[str, ...]) -> None:
    """Refuse a font whose character map lacks a label or maps a digit to another glyph.

    Symbol fonts (e.g. URW Dingbats) map the digit codes to pictures; their glyph names
    (``a105``...) give them away. Unnamed glyphs (``glyph12``, ``uni0030``) are trusted.
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except (TTLibError, OSError, AssertionError) as exc:
        raise DataError(f"{path}: cannot read the font's character map ({exc})") from None
    for label in labels:
        name = cmap.get(ord(label)) if len(label) == 1 else None
        if name is None:
            raise DataError(f"{path}: the font has no glyph for {label!r}")
        if label.isdigit():
            base = name.split(".")[0].lower()
            digit = _DIGIT_NAMES[int(label)]
            trusted = (digit, f"uni{ord(label):04x}", f"u{ord(label):04x}")
            if base not in trusted and not base.startswith(("glyph", "gid", "cid")):
                raise DataError(
                    f"{path}: the font maps {label!r} to its glyph {name!r}, not a digit "
                    "(a symbol font?)"
                )


def load_font_pools(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Train and test pools of the digits rendered from the font(s) at ``path``.

    Returns
    -------
    dict
        ``{"train": (images, widths, label_ids), "test": ...}``: ``(N, 28, 28)`` uint8
        glyphs, their int32 widths and int32 ids into :data:`DIGITS`.
    """
    files = font_files(path)
    rendered = [render_font(f) for f in files]
    if len(files) == 1:
        held = {0}
        train_fonts = test_fonts = [0]
    else:
        held = {k for k in range(len(files)) if k % 5 == 4} or {len(files) - 1}
        train_fonts = [k for k in range(len(files)) if k not in held]
        test_fonts = sorted(held)
    pools = {}
    for name, chosen in (("train", train_fonts), ("test", test_fonts)):
        images = np.concatenate([rendered[k] for k in chosen])
        label_ids = np.tile(np.arange(len(DIGITS), dtype=np.int32), len(chosen))
        pools[name] = (images, np.full(len(images), _CELL, np.int32), label_ids)
    return pools


# ----------------------------------------------------------------------- mixes
def parse_mix(source: str) -> tuple[str, list[tuple[str, float]]]:
    """Split ``BASE+OTHER@W+...`` into the base source and ``(other, weight)`` pairs.

    Raises
    ------
    SpecError
        Field ``source``, when a part is empty, a weight is missing or not in (0, 1),
        or the weights add up to 1 or more.
    """
    base, *others = source.split("+")
    if not base:
        raise SpecError("source", f"{source!r}: the mix has no base source before '+'")
    parts = []
    for text in others:
        other, sep, weight_text = text.rpartition("@")
        try:
            weight = float(weight_text) if sep else float("nan")
        except ValueError:
            weight = float("nan")
        if not other or not 0 < weight < 1:
            raise SpecError(
                "source",
                f"{text!r} in {source!r} is not SOURCE@WEIGHT with 0 < WEIGHT < 1 "
                "(e.g. bundled+font:/usr/share/fonts/truetype/dejavu@0.3)",
            )
        parts.append((other, weight))
    total = sum(w for _, w in parts)
    if total >= 1:
        raise SpecError(
            "source", f"{source!r}: the mixed-in weights add up to {total:g}; they must be < 1"
        )
    return base, parts


def mix_pools(
    base: Any, others: list[tuple[Any, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """The arrays of one mixed pool: ``base``'s glyphs first (same indices), then each
    other pool's, listed so that it supplies its weight of the glyphs of every label.

    Parameters
    ----------
    base : GlyphPool
        The pool supplying the rest.
    others : list of (GlyphPool, float)
        Pools mixed in, each with its share of the glyphs drawn per label.

    Returns
    -------
    (images, widths, label_ids, classes)
        As :class:`~seqstudio.core.glyphs.GlyphPool` takes them.
    """
    classes = list(base.classes)
    for pool, _ in others:
        classes += [c for c in pool.classes if c not in classes]
    base_weight = 1.0 - sum(w for _, w in others)
    parts = [(base.images, base.widths, base.label_ids)]
    for pool, weight in others:
        if pool.height != base.height:
            pool = pool.at_height(base.height)
        ids = np.array([classes.index(c) for c in pool.classes], np.int32)[pool.label_ids]
        base_counts = {c: base.count(c) for c in pool.classes}
        picks = []
        for k, label in enumerate(pool.classes):
            members = np.flatnonzero(pool.label_ids == k)
            n_base = base_counts[label]
            # t listings with t/(t + n_base) = weight/(weight + base_weight); every glyph
            # listed at least once, the rest spread evenly (first glyphs one more).
            want = weight * n_base / base_weight if n_base else weight * len(members)
            total = max(len(members), round(want))
            reps = np.full(len(members), total // len(members))
            reps[: total % len(members)] += 1
            picks.append(np.repeat(members, reps))
        order = np.concatenate(picks)
        parts.append((pool.images[order], pool.widths[order], ids[order]))
    width = max(int(p[0].shape[2]) for p in parts)
    images = np.concatenate(
        [np.pad(p[0], ((0, 0), (0, 0), (0, width - p[0].shape[2]))) for p in parts]
    )
    widths = np.concatenate([p[1] for p in parts]).astype(np.int32)
    return images, widths, np.concatenate([p[2] for p in parts]).astype(np.int32), tuple(classes)
