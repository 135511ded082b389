"""Where each glyph goes: gaps, fitting to the width, and which widths can work.

Pure integer arithmetic on glyph widths; no pixels are touched here.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqstudio.core.errors import SpecError
from seqstudio.core.rng import STREAM_ALIGN, STREAM_EXACT, STREAM_GAPS, ImageRandom
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


def feasible_widths(
    spec: GenerationSpec, length: int, glyph_min: int, glyph_max: int
) -> WidthRange:
    """Widths that work for ``length`` glyphs whose summed widths lie in [glyph_min, glyph_max].

    ``scale`` and ``stretch`` accept any width; ``pad`` needs room for the widest
    glyphs and largest gaps; ``exact`` needs gaps within [min, max] to close the
    difference for every glyph draw.
    """
    gaps = gap_count(spec, length)
    lo, hi = spec.spacing_min, spec.spacing_max
    if spec.fit in ("scale", "stretch"):
        return WidthRange(1, None)
    if spec.fit == "pad":
        return WidthRange(glyph_max + gaps * hi, None)
    # exact
    if gaps == 0:
        return WidthRange(glyph_max, glyph_min) if glyph_min == glyph_max else WidthRange(1, 0)
    if spec.spacing_mode == "fixed":
        if glyph_min != glyph_max:
            return WidthRange(1, 0)
        return WidthRange(glyph_min + gaps * lo, glyph_min + gaps * hi, gaps)
    return WidthRange(glyph_max + gaps * lo, glyph_min + gaps * hi)


def check_width(spec: GenerationSpec, width_range: WidthRange, what: str) -> None:
    """Raise a :class:`SpecError` on ``width`` if it is outside ``width_range``."""
    if width_range.contains(spec.width):
        return
    mode = f"fit={spec.fit}"
    if spec.fit == "exact" and spec.spacing_mode == "fixed":
        mode += ", spacing_mode=fixed"
    if width_range.low > (width_range.high if width_range.high is not None else width_range.low):
        raise SpecError(
            "width",
            f"no width can fit {what} with {mode} and spacing {spec.spacing_min}–{spec.spacing_max} "
            "(the glyph widths vary; use fit=pad, scale or stretch, or turn off crop)",
        )
    if width_range.high is None:
        raise SpecError(
            "width",
            f"{spec.width} is too small for {what} with {mode} and spacing "
            f"{spec.spacing_min}–{spec.spacing_max}: needs at least {width_range.low}",
        )
    raise SpecError(
        "width",
        f"{spec.width} cannot fit {what} with {mode} and spacing {spec.spacing_min}–{spec.spacing_max}: "
        f"feasible widths are {width_range.describe()}",
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


def align_offset(spec: GenerationSpec, rand: ImageRandom, slack: int) -> int:
    """Left padding for a sequence ``slack`` pixels narrower than the image."""
    if spec.align == "left" or slack <= 0:
        return 0
    if spec.align == "right":
        return slack
    if spec.align == "center":
        return slack // 2
    return rand.integer(STREAM_ALIGN, 0, 0, slack)
