"""Which widths and spacings a spec can have, given its glyphs.

:func:`feasible_width_range` is the one answer to "which widths work for this spec?":
the generator checks ``spec.width`` against it, the CLI's and the app's messages quote
it, and the app shows it next to the width field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqstudio.core.errors import SpecError
from seqstudio.core.glyphs import GlyphPool, GlyphSource, open_source
from seqstudio.core.layout import WidthRange, check_width, feasible_widths
from seqstudio.core.spec import GenerationSpec


@dataclass(frozen=True)
class GlyphWidths:
    """Laid-out width ranges of each label's glyphs (cells, or ink columns with crop).

    Attributes
    ----------
    natural : dict
        ``{label: (narrowest, widest)}`` without augmentation.
    bounds : dict
        ``{label: (narrowest, widest)}`` that augmentation can produce (same as
        ``natural`` without digit-stage augmentation).
    """

    natural: dict[str, tuple[int, int]]
    bounds: dict[str, tuple[int, int]]


def glyph_widths(
    pool: GlyphPool, members: dict[str, np.ndarray], crop: bool, augmenter=None
) -> GlyphWidths:
    """Width ranges of the glyphs of every label in ``members`` (pool indices per label)."""
    natural, bounds = {}, {}
    ink = pool.ink_extents
    for label, indices in members.items():
        widths = ink[indices, 1] - ink[indices, 0] + 1 if crop else pool.widths[indices]
        natural[label] = (int(widths.min()), int(widths.max()))
        if augmenter is not None:  # digit ops may widen (or, cropped, narrow) glyphs
            lows, highs = augmenter.glyph_width_bounds(pool, indices, crop)
            bounds[label] = (int(lows.min()), int(highs.max()))
        else:
            bounds[label] = natural[label]
    return GlyphWidths(natural, bounds)


def sequence_width_range(spec: GenerationSpec, widths: GlyphWidths) -> tuple[WidthRange, str]:
    """Every workable width for ``spec`` and the words naming its sequences.

    For random sequences the range holds for every length (the longest needs the most).
    """
    if spec.random is None:
        labels = spec.digits
        lows, highs = zip(*(widths.bounds[d] for d in labels))
        natural = sum(widths.natural[d][1] for d in labels)
        what = f"{len(labels)} glyphs '{spec.label_text}'"
        return feasible_widths(spec, len(labels), sum(lows), sum(highs), natural), what
    labels = spec.random.labels or tuple(widths.natural)
    low = min(widths.bounds[label][0] for label in labels)
    high = max(widths.bounds[label][1] for label in labels)
    widest = max(widths.natural[label][1] for label in labels)
    combined: WidthRange | None = None
    first, last = spec.random.min_length, spec.random.max_length
    for length in range(first, last + 1):
        one = feasible_widths(spec, length, length * low, length * high, length * widest)
        combined = one if combined is None else _intersect(combined, one)
    lengths = f"{first}" if first == last else f"{first}–{last}"
    assert combined is not None
    return combined, f"random sequences of {lengths} glyphs"


def check_spacing(spec: GenerationSpec, widths: GlyphWidths) -> None:
    """Negative spacing (touching or overlapping glyphs) is limited to half a glyph.

    Raises
    ------
    SpecError
        On ``spacing_min`` below −(narrowest laid-out glyph ÷ 2), or negative with
        ``spacing_scope="edges"`` (outer margins cannot be negative).
    """
    if spec.spacing_min >= 0:
        return
    if spec.spacing_scope == "edges":
        raise SpecError(
            "spacing_min",
            f"{spec.spacing_min} is negative, which needs spacing_scope=between "
            "(the outer margins of spacing_scope=edges cannot be negative)",
        )
    labels = spec.digits if spec.random is None else (spec.random.labels or tuple(widths.natural))
    narrowest = min(widths.natural[label][0] for label in labels)
    limit = -(narrowest // 2)
    if spec.spacing_min < limit:
        what = "ink width" if spec.crop else "glyph cell"
        raise SpecError(
            "spacing_min",
            f"{spec.spacing_min} overlaps too much: the allowed range is {limit} (half the "
            f"narrowest {what}, {narrowest} px) to {spec.spacing_max}",
        )


def check_spec_width(spec: GenerationSpec, widths: GlyphWidths) -> WidthRange:
    """Check ``spec.width``; return every workable width.

    Raises
    ------
    WidthError
        Naming the value and the smallest width that works.
    """
    width_range, what = sequence_width_range(spec, widths)
    check_width(spec, width_range, what)
    return width_range


def label_members(pool: GlyphPool) -> dict[str, np.ndarray]:
    """Pool indices of each label that has glyphs."""
    return {label: m for label, m in pool.members.items() if len(m)}


def feasible_width_range(spec: GenerationSpec, source: GlyphSource | None = None) -> WidthRange:
    """Every width that works for ``spec`` (its own ``width`` is ignored).

    Parameters
    ----------
    spec : GenerationSpec
        The spec; labels, spacing, scope, crop, height, fit and augmentation count.
    source : GlyphSource, optional
        Glyphs to measure; by default the one the spec names.

    Returns
    -------
    WidthRange

    Raises
    ------
    SpecError
        If a label has no glyphs in the pool.
    DataError
        If the glyph source cannot be read.
    """
    source = source if source is not None else open_source(spec.source)
    pool = source.pool(spec.pool).at_height(spec.height)
    members = label_members(pool)
    wanted = spec.random.labels if spec.random is not None else spec.digits
    for k, label in enumerate(wanted or ()):
        if label not in members:
            field = "random.labels" if spec.random is not None else "digits"
            raise SpecError(f"{field}[{k}]", f"{label!r} has no glyphs in the {spec.pool} pool")
    augmenter = None
    if spec.fit in ("strict", "exact"):
        from seqstudio.core.augment import build_augmenter

        augmenter = build_augmenter(spec)
    used = {label: members[label] for label in (wanted or members)}
    return sequence_width_range(spec, glyph_widths(pool, used, spec.crop, augmenter))[0]


def _intersect(a: WidthRange, b: WidthRange) -> WidthRange:
    high = b.high if a.high is None else (a.high if b.high is None else min(a.high, b.high))
    return WidthRange(max(a.low, b.low), high, max(a.step, b.step))
