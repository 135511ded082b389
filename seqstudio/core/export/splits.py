"""Splits: how many images each split gets, which glyphs it may use, and the index plan.

Numbering
    Images are numbered globally ``0 … total−1``, split-major in the order train, val,
    test: each split owns one contiguous range of indices. Image ``i`` is generated as
    image ``i`` of its split's generator (same seed), so its bytes depend only on
    (spec, seed, i) and the plan, never on worker count, chunking or resumption. File
    names are the zero-padded global index, so they are unique across splits.

Counts
    Split sizes are the ratios times the total, rounded by largest remainder (ties go
    to the earlier split), so they always sum to the total.

No leakage
    ``train`` draws only from the source's train pool. ``val`` and ``test`` draw from the
    held-out (test) pool; when both are present, each class's held-out glyphs (in pool
    order) are cut in two: the first ceil(n/2) for ``val``, the rest for ``test``, so
    the two never share a glyph. A split alone among val/test gets the whole held-out
    pool. Manifests record every glyph's index in the original pool.

Sequences files
    The images of the file's lines are dealt to the splits evenly (a low-discrepancy
    interleave), then each split lists its images in file order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqstudio.core.export.sources import SequenceLine
from seqstudio.core.glyphs import GlyphPool, GlyphSource


@dataclass(frozen=True)
class SplitInfo:
    """One split of the export.

    Attributes
    ----------
    name : str
        ``train``, ``val`` or ``test``.
    ratio : float
        Requested share.
    count : int
        Images in the split.
    first_index : int
        Global index of its first image.
    pool : str
        Original pool its glyphs come from (``train`` or ``test``).
    part : str
        ``all``, ``first-half`` or ``second-half`` of each class's members of ``pool``.
    """

    name: str
    ratio: float
    count: int
    first_index: int
    pool: str
    part: str

    def to_dict(self) -> dict:
        """JSON-ready description."""
        return {
            "ratio": self.ratio,
            "count": self.count,
            "first_index": self.first_index,
            "pool": self.pool,
            "pool_part": self.part,
        }


@dataclass(frozen=True)
class Segment:
    """A run of consecutive global indices of one split showing one sequence line."""

    split: str
    line: int
    start: int
    count: int
    row: int  # position of ``start`` within its split


@dataclass(frozen=True)
class ExportPlan:
    """Everything that decides which image goes where."""

    lines: tuple[SequenceLine, ...]
    splits: tuple[SplitInfo, ...]
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        """Images in the whole export."""
        return sum(s.count for s in self.splits)

    def split(self, name: str) -> SplitInfo:
        """The split called ``name``."""
        return next(s for s in self.splits if s.name == name)


def split_counts(total: int, ratios: list[float]) -> list[int]:
    """Sizes summing to ``total`` by largest remainder (ties to the earlier split)."""
    exact = [total * r for r in ratios]
    counts = [int(np.floor(x)) for x in exact]
    order = sorted(range(len(ratios)), key=lambda k: (-(exact[k] - counts[k]), k))
    for k in order[: total - sum(counts)]:
        counts[k] += 1
    return counts


def build_plan(
    lines: list[SequenceLine], splits: tuple[tuple[str, float], ...] | None, default_split: str
) -> ExportPlan:
    """Lay out every image: its split, its sequence line and its global index."""
    ratios = splits if splits is not None else ((default_split, 1.0),)
    total = sum(line.count for line in lines)
    counts = split_counts(total, [r for _, r in ratios])
    names = [n for n, _ in ratios]
    held_out = [n for n in names if n != "train"]
    infos, first = [], 0
    for (name, ratio), count in zip(ratios, counts):
        if name == "train":
            pool, part = "train", "all"
        elif len(held_out) == 2:
            pool, part = "test", "first-half" if name == "val" else "second-half"
        else:
            pool, part = "test", "all"
        infos.append(SplitInfo(name, ratio, count, first, pool, part))
        first += count
    segments: list[Segment] = []
    if len(lines) == 1:
        for info in infos:
            if info.count:
                segments.append(Segment(info.name, 0, info.first_index, info.count, 0))
    else:
        line_of_item = np.repeat(np.arange(len(lines)), [line.count for line in lines])
        split_of_item = _interleave(counts)
        for k, info in enumerate(infos):
            own = line_of_item[split_of_item == k]
            if not len(own):
                continue
            starts = np.flatnonzero(np.concatenate([[True], own[1:] != own[:-1]]))
            ends = np.append(starts[1:], len(own))
            for s, e in zip(starts.tolist(), ends.tolist()):
                segments.append(Segment(info.name, int(own[s]), info.first_index + s, e - s, s))
    return ExportPlan(tuple(lines), tuple(infos), tuple(segments))


def _interleave(counts: list[int]) -> np.ndarray:
    """A split id per item, spreading each split's items evenly over the sequence."""
    keys = np.concatenate([(np.arange(n) + 0.5) / n for n in counts if n] or [np.zeros(0)])
    ids = np.concatenate([np.full(n, k) for k, n in enumerate(counts) if n] or [np.zeros(0, int)])
    return ids[np.lexsort((ids, keys))]


def pool_members(pool: GlyphPool, part: str) -> np.ndarray | None:
    """Indices (into ``pool``) a split may use: ``None`` for all of them."""
    if part == "all":
        return None
    chosen = []
    for members in pool.members.values():
        half = (len(members) + 1) // 2
        chosen.append(members[:half] if part == "first-half" else members[half:])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def split_source(source: GlyphSource, info: SplitInfo) -> tuple[GlyphSource, np.ndarray | None]:
    """The glyph source a split's generator uses, and the map back to original indices.

    Returns
    -------
    source : GlyphSource
        ``source`` itself, or a copy whose ``info.pool`` pool holds only the split's part.
    index_map : numpy.ndarray or None
        ``index_map[k]`` is the original pool index of the subset's glyph ``k``.
    """
    pool = source.pool(info.pool)
    index_map = pool_members(pool, info.part)
    if index_map is None:
        return source, None
    subset = GlyphPool(
        pool.name,
        pool.images[index_map],
        pool.widths[index_map],
        pool.label_ids[index_map],
        pool.classes,
    )
    return GlyphSource(source.source, {**source.pools, info.pool: subset}), index_map
