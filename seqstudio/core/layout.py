"""Where each glyph goes: gaps, fitting to the width, and which widths can work.

Pure integer arithmetic on glyph widths; no pixels are touched here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from seqstudio.core.errors import SpecError
from seqstudio.core.gapfit import GapCounts, feasible_gaps, gap_counts
from seqstudio.core.rng import (
    STREAM_ALIGN,
    STREAM_EXACT,
    STREAM_FIT,
    STREAM_GAPS,
    DrawPlan,
    ImageRandom,
)
from seqstudio.core.spec import GenerationSpec


def gap_count(spec: GenerationSpec, glyphs: int) -> int:
    """How many gaps a sequence of ``glyphs`` has: n−1 between, n+1 with the edges."""
    return max(glyphs - 1, 0) if spec.spacing_scope == "between" else glyphs + 1


@dataclass(frozen=True)
class WidthRange:
    """The output widths for which a layout is guaranteed, whatever glyphs are drawn.

    Attributes
    ----------
    low : int
        Smallest workable width.
    high : int or None
        Largest workable width (``None``: no upper limit).
    step : int
        Workable widths are ``low, low + step, ...`` (fixed spacing with exact fit).
    """

    low: int
    high: int | None
    step: int = 1

    def contains(self, width: int) -> bool:
        """Whether ``width`` is workable."""
        if width < self.low or (self.high is not None and width > self.high):
            return False
        return (width - self.low) % self.step == 0

    def describe(self) -> str:
        """Human text such as ``"≥ 170"``, ``"150–190"`` or ``"150, 154, …, 190"``."""
        if self.high is None:
            return f"≥ {self.low}"
        if self.low > self.high:
            return "none"
        if self.step > 1 and self.high > self.low:
            return f"{self.low}, {self.low + self.step}, …, {self.high}"
        return f"{self.low}" if self.low == self.high else f"{self.low}–{self.high}"


class WidthError(SpecError):
    """A width outside the workable range; ``minimum`` is the smallest width that works.

    Attributes
    ----------
    minimum : int or None
        The smallest workable width (``None`` when no width works).
    width_range : WidthRange
        Every workable width.
    """

    def __init__(self, field: str, message: str, width_range: WidthRange) -> None:
        super().__init__(field, message)
        self.width_range = width_range
        empty = width_range.high is not None and width_range.low > width_range.high
        self.minimum = None if empty else width_range.low


def feasible_widths(
    spec: GenerationSpec, length: int, glyph_min: int, glyph_max: int, natural_max: int
) -> WidthRange:
    """Widths that work for ``length`` glyphs.

    Parameters
    ----------
    spec : GenerationSpec
        Spacing, scope and fit.
    length : int
        Number of glyphs.
    glyph_min, glyph_max : int
        Smallest and largest possible sum of the laid-out glyph widths, augmentation
        included.
    natural_max : int
        Largest possible sum of the un-augmented laid-out glyph widths.

    Notes
    -----
    ``pad`` (width-first) works from the natural minimum up: the widest un-augmented
    glyphs with every gap at its minimum (augmentation that widens glyphs is absorbed by
    the gaps, or by shrinking). ``strict`` needs room for the widest glyphs and the
    largest gaps, so that the gaps are always independent. ``exact`` needs gaps within
    [min, max] to close the difference for every glyph draw. ``scale`` and ``stretch``
    accept any width.
    """
    gaps = gap_count(spec, length)
    lo, hi = spec.spacing_min, spec.spacing_max
    if spec.fit in ("scale", "stretch"):
        return WidthRange(1, None)
    if spec.fit == "pad":
        return WidthRange(max(natural_max + gaps * lo, 1), None)
    if spec.fit == "strict":
        return WidthRange(max(glyph_max + gaps * hi, 1), None)
    # exact
    if gaps == 0:
        return WidthRange(glyph_max, glyph_min) if glyph_min == glyph_max else WidthRange(1, 0)
    if spec.spacing_mode == "fixed":
        if glyph_min != glyph_max:
            return WidthRange(1, 0)
        return WidthRange(glyph_min + gaps * lo, glyph_min + gaps * hi, gaps)
    return WidthRange(glyph_max + gaps * lo, glyph_min + gaps * hi)


def check_width(spec: GenerationSpec, width_range: WidthRange, what: str) -> None:
    """Raise a :class:`WidthError` on ``width`` if it is outside ``width_range``.

    The message names the value and the smallest width that works (or every workable
    width, for ``exact``).
    """
    if width_range.contains(spec.width):
        return
    mode = f"fit={spec.fit}"
    if spec.fit == "exact" and spec.spacing_mode == "fixed":
        mode += ", spacing_mode=fixed"
    sep = " to " if spec.spacing_min < 0 else "–"  # "-3–4" would read as a range of negatives
    spacing = f"spacing {spec.spacing_min}{sep}{spec.spacing_max}"
    if width_range.low > (width_range.high if width_range.high is not None else width_range.low):
        raise WidthError(
            "width",
            f"no width can fit {what} with {mode} and {spacing} "
            "(the glyph widths vary; use fit=pad, scale or stretch, or turn off crop)",
            width_range,
        )
    if width_range.high is None:
        raise WidthError(
            "width",
            f"{spec.width} is too small for {what} with {mode} and {spacing}: "
            f"needs at least {width_range.low}",
            width_range,
        )
    raise WidthError(
        "width",
        f"{spec.width} cannot fit {what} with {mode} and {spacing}: "
        f"feasible widths are {width_range.describe()}",
        width_range,
    )


def draw_gaps(spec: GenerationSpec, rand: ImageRandom, count: int) -> list[int]:
    """Gaps drawn uniformly from [min, max]: each its own (variable) or one for all (fixed)."""
    if count == 0:
        return []
    if spec.spacing_mode == "fixed":
        return [rand.integer(STREAM_GAPS, 0, spec.spacing_min, spec.spacing_max)] * count
    return rand.integers(STREAM_GAPS, count, spec.spacing_min, spec.spacing_max)


def exact_gaps(spec: GenerationSpec, rand: ImageRandom, count: int, total: int) -> list[int]:
    """Gaps within [min, max] that add up to ``total`` exactly.

    Fixed spacing: ``total / count``. Variable: start from independent uniform draws,
    then move the difference proportionally to each gap's room, the last few pixels to
    gaps chosen at random — every gap stays within [min, max].
    """
    lo, hi = spec.spacing_min, spec.spacing_max
    if count == 0:
        return []
    if spec.spacing_mode == "fixed":
        return [total // count] * count
    gaps = draw_gaps(spec, rand, count)
    diff = total - sum(gaps)
    if diff == 0:
        return gaps
    sign = 1 if diff > 0 else -1
    room = [hi - g if sign > 0 else g - lo for g in gaps]
    need = abs(diff)
    capacity = sum(room)
    moved = [need * r // capacity for r in room]
    rest = need - sum(moved)
    order = sorted(range(count), key=lambda k: rand.raw(STREAM_EXACT, k))
    for k in order:
        if rest == 0:
            break
        if room[k] - moved[k] > 0:
            moved[k] += 1
            rest -= 1
    return [g + sign * m for g, m in zip(gaps, moved)]


def fit_gaps(spec: GenerationSpec, rand: ImageRandom, count: int, room: int) -> list[int] | None:
    """Width-first gaps for one image: ``room`` = image width − glyph widths.

    Independent uniform draws when they fit; otherwise a draw uniform over the gap
    vectors within [min, max] that fit (see :mod:`seqstudio.core.gapfit`); ``None`` when
    not even the minimum gaps fit (the caller shrinks the sequence).
    """
    gaps = draw_gaps(spec, rand, count)
    if sum(gaps) <= room:
        return gaps
    lo, hi = spec.spacing_min, spec.spacing_max
    if count * lo > room:
        return None
    if spec.spacing_mode == "fixed":
        return [rand.integer(STREAM_FIT, 0, lo, min(hi, room // count))] * count
    plan, table = _redraw_tools(count, hi - lo)
    # The uniforms rand.uniforms(STREAM_FIT, count) would give, as 53-bit integers.
    return table.sample_words(room - count * lo, plan.words(rand.key), lo)


@functools.lru_cache(maxsize=64)
def _redraw_tools(count: int, span: int) -> tuple[DrawPlan, GapCounts]:
    """The draws and the counting table of a redraw of ``count`` gaps (one lookup)."""
    return DrawPlan([(STREAM_FIT, count)]), gap_counts(count, span)


def fit_gap_rows(
    spec: GenerationSpec, keys: np.ndarray, gaps: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """:func:`fit_gaps` for many images at once (every row must fit the minimum gaps).

    Parameters
    ----------
    keys : numpy.ndarray
        ``(n,)`` image keys.
    gaps : numpy.ndarray
        ``(n, k)`` independent draws (as :func:`draw_gaps` gives); rows that do not fit
        are replaced in place.
    room : numpy.ndarray
        ``(n,)`` image width − glyph widths.
    """
    from seqstudio.core import rng

    if gaps.shape[1] == 0:
        return gaps
    redraw = np.flatnonzero(gaps.sum(axis=1) > room)
    if len(redraw) == 0:
        return gaps
    lo, hi = spec.spacing_min, spec.spacing_max
    count = gaps.shape[1]
    sub_keys, sub_room = keys[redraw], room[redraw]
    if spec.spacing_mode == "fixed":
        top = np.minimum(hi, sub_room // count)
        one = rng.integers(sub_keys, STREAM_FIT, 1, lo, top[:, None])
        gaps[redraw] = np.repeat(one, count, axis=1)
    else:
        uniforms = rng.uniform(sub_keys, STREAM_FIT, count)
        gaps[redraw] = feasible_gaps(lo, hi, sub_room, uniforms)
    return gaps


def align_offset(spec: GenerationSpec, rand: ImageRandom, slack: int) -> int:
    """Left padding for a sequence ``slack`` pixels narrower than the image."""
    if spec.align == "left" or slack <= 0:
        return 0
    if spec.align == "right":
        return slack
    if spec.align == "center":
        return slack // 2
    return rand.integer(STREAM_ALIGN, 0, 0, slack)
