"""Turn a :class:`GenerationSpec` into images with exact labels, boxes and masks.

:class:`SequenceGenerator` draws image ``i`` from (spec, seed, i) alone, so images can be
made one at a time, in vectorised batches (:meth:`SequenceGenerator.batch`), or across
processes, always with the same bytes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from itertools import accumulate
from operator import add

import numpy as np

from seqstudio.core import memory, rng
from seqstudio.core.batch import vectorised_batch
from seqstudio.core.compose import Placed, compose, ink_extent, pad_rows, resample
from seqstudio.core.errors import SpecError, brief
from seqstudio.core.glyphs import GlyphPool, GlyphSource, open_source
from seqstudio.core.layout import (
    WidthRange,
    align_offset,
    draw_gaps,
    exact_gaps,
    fit_gaps,
    gap_count,
)
from seqstudio.core.sample import Sample, SampleBatch
from seqstudio.core.spec import MAX_INDEX, MAX_SEED, GenerationSpec
from seqstudio.core.widths import check_spacing, check_spec_width, glyph_widths, label_members

__all__ = ["SampleBatch", "SequenceGenerator"]

#: Bytes per glyph of the lookups one-at-a-time generation keeps (members as Python
#: lists, a cached view and ink extent per glyph drawn; ~300 measured with tracemalloc).
LOOKUP_BYTES = 320


class SequenceGenerator:
    """Generate images for one spec.

    Parameters
    ----------
    spec : GenerationSpec
        What to generate. Checked against the glyph source on construction: labels the
        source lacks and widths that cannot fit raise :class:`SpecError` here, never later.
    source : GlyphSource, optional
        Glyphs to draw from; by default the one the spec names.

    Examples
    --------
    >>> gen = SequenceGenerator(GenerationSpec(digits="2024", width=160, seed=7))
    >>> sample = gen.generate(0)
    >>> sample.image.shape, sample.label
    ((28, 160), '2024')
    """

    def __init__(self, spec: GenerationSpec, source: GlyphSource | None = None) -> None:
        self.spec = spec
        self.source = source if source is not None else open_source(spec.source)
        base_pool = self.source.pool(spec.pool)
        memory.check(
            "height",
            f"an image of {spec.width}×{spec.height} from the {len(base_pool):,} glyphs of the "
            f"{spec.pool} pool scaled to height {spec.height}",
            self.memory_estimate(spec, base_pool, 0, False),
            "choose a smaller height or width",
        )
        self.pool: GlyphPool = base_pool.at_height(spec.height)
        #: ``{label: pool indices}`` of every label that has glyphs.
        self.members: dict[str, np.ndarray] = label_members(self.pool)
        # For one image at a time, Python lists and cached glyph views: it reads a few
        # entries, which costs less than numpy indexing.
        self._member_lists = {label: m.tolist() for label, m in self.members.items()}
        self._laid_out: dict[int, tuple[np.ndarray, tuple[int, int, int, int], int]] = {}
        self._check_labels()
        self._plan = _draw_plan(spec)
        fixed = [self._member_lists[label] for label in spec.digits] if spec.random is None else []
        self._fixed_members = (fixed, [len(m) for m in fixed])
        from seqstudio.core.augment import build_augmenter

        self._augmenter = build_augmenter(spec)
        widths = glyph_widths(self.pool, self.members, spec.crop, self._augmenter)
        check_spacing(spec, widths)
        #: Every width that works for this spec (see :func:`~seqstudio.core.widths.feasible_width_range`).
        self.width_range: WidthRange = check_spec_width(spec, widths)
        self._labels_list = self._random_labels()
        if (
            self._labels_list is not None
            and spec.random is not None
            and spec.random.weights is not None
        ):
            weights = np.asarray(spec.random.weights, np.float64)
            cumulative = np.cumsum(weights / np.max(weights))  # no overflow for [1e308, 1e308]
            self._cumulative_weights = (cumulative / cumulative[-1]).tolist()
        else:
            self._cumulative_weights = None

    # ------------------------------------------------------------------ validation
    def _check_labels(self) -> None:
        spec = self.spec
        wanted = spec.random.labels if spec.random is not None else spec.digits
        field = "random.labels" if spec.random is not None else "digits"
        if wanted is None:
            if not self.members:
                raise SpecError("pool", f"the {spec.pool} pool of {spec.source} holds no glyphs")
            return
        for k, label in enumerate(wanted):
            if label not in self.members:
                have = (
                    "".join(self.members)
                    if all(len(c) == 1 for c in self.members)
                    else ", ".join(self.members)
                )
                raise SpecError(
                    f"{field}[{k}]",
                    f"{label!r} has no glyphs in the {spec.pool} pool of {spec.source} (available: {have})",
                )

    def _random_labels(self) -> list[str] | None:
        if self.spec.random is None:
            return None
        return list(self.spec.random.labels or self.members)

    # ------------------------------------------------------------------ one image
    def generate(self, index: int = 0, *, masks: bool = True, seed: int | None = None) -> Sample:
        """Generate image ``index`` of this spec's run.

        Parameters
        ----------
        index : int
            Which image (≥ 0). The same (spec, seed, index) always gives the same bytes.
        masks : bool
            Also build the instance mask (slightly slower).
        seed : int, optional
            Draw from this seed's run instead of the spec's: the same bytes as
            ``with_seed(seed).generate(index)``, without building a spec per seed (the
            classic API draws a fresh seed for every image).

        Returns
        -------
        Sample
        """
        index, key, rand = self._random(index, seed)
        placed = self._place(rand)
        params: dict = {}
        need_mask = masks or self._augmenter is not None
        image, mask, boxes = self._render(placed, rand, params, need_mask)
        if self._augmenter is not None:
            image, mask, boxes = self._augmenter.augment_image(
                image, mask, boxes, rand, params, placed.glyph_records
            )
        if self.spec.invert:
            image = 255 - image
        return Sample(
            index,
            key,
            image,
            placed.labels,
            boxes,
            np.array(placed.glyph_indices, dtype=np.int64),
            self.spec.pool,
            tuple(placed.gaps),
            mask if masks else None,
            params,
        )

    def image(self, index: int = 0, *, seed: int | None = None) -> np.ndarray:
        """Only the pixels of image ``index``: ``generate(index, masks=False, seed=seed).image``.

        Without labels, boxes or a :class:`Sample` (what the classic API returns), so
        slightly faster.

        Parameters
        ----------
        index : int
            Which image (≥ 0).
        seed : int, optional
            The run's seed instead of the spec's (see :meth:`generate`).

        Returns
        -------
        numpy.ndarray
            ``(height, width)`` uint8.
        """
        if self._augmenter is not None:  # augmentation moves boxes and masks with the image
            return self.generate(index, masks=False, seed=seed).image
        _, _, rand = self._random(index, seed)
        image = self._render(self._place(rand), rand, {}, False, boxes=False)[0]
        return 255 - image if self.spec.invert else image

    def _random(self, index, seed) -> tuple[int, int, rng.ImageRandom]:
        """Checked index, the image's key and its random numbers."""
        if type(index) is not int or not 0 <= index <= MAX_INDEX:  # the usual case: one test
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
                raise SpecError("index", f"{brief(index)} is not a whole number ≥ 0")
            if index > MAX_INDEX:
                raise SpecError(
                    "index", f"{brief(int(index))} is outside the allowed range 0 to {MAX_INDEX}"
                )
            index = int(index)
        if seed is None:
            seed = self.spec.seed
        elif type(seed) is not int or not 0 <= seed <= MAX_SEED:
            seed = self.spec.replace(seed=seed).seed  # the spec's own check and message
        key = rng.image_key(seed, index)
        return index, key, rng.ImageRandom(key, self._plan)

    def __iter__(self) -> Iterator[Sample]:
        index = 0
        while True:
            yield self.generate(index)
            index += 1

    def _draw_labels(self, rand: rng.ImageRandom) -> tuple[str, ...]:
        spec = self.spec
        if spec.random is None:
            return spec.digits
        length = rand.integer(rng.STREAM_LENGTH, 0, spec.random.min_length, spec.random.max_length)
        labels = self._labels_list
        assert labels is not None  # random sequences always have their label list
        if self._cumulative_weights is None:
            return tuple(
                labels[rand.integer(rng.STREAM_LABELS, k, 0, len(labels) - 1)]
                for k in range(length)
            )
        from bisect import bisect_right

        cumulative = self._cumulative_weights
        return tuple(
            labels[
                min(bisect_right(cumulative, rand.uniform(rng.STREAM_LABELS, k)), len(labels) - 1)
            ]
            for k in range(length)
        )

    def _place(self, rand: rng.ImageRandom) -> Placed:
        spec = self.spec
        labels = self._draw_labels(rand)
        if spec.random is None:  # fixed digits: the same lists every time
            member_lists, sizes = self._fixed_members
        else:
            member_lists = [self._member_lists[label] for label in labels]
            sizes = [len(m) for m in member_lists]
        picks = rand.below(rng.STREAM_GLYPHS, sizes)
        glyph_indices = [m[k] for m, k in zip(member_lists, picks)]
        if self._augmenter is None:
            laid_out = self._laid_out
            entries = [laid_out.get(g) or self._lay_out(g) for g in glyph_indices]
            glyphs, ink, widths = zip(*entries) if entries else ((), (), ())
            records = None
        else:
            glyphs, ink, records = self._augment_glyphs(glyph_indices, rand)
            widths = tuple(glyph.shape[1] for glyph in glyphs)
        count = gap_count(spec, len(glyphs))
        if spec.fit == "exact":
            gaps = exact_gaps(spec, rand, count, spec.width - sum(widths))
        elif spec.fit == "pad":
            fitted = fit_gaps(spec, rand, count, spec.width - sum(widths))
            # None: not even the minimum gaps hold this draw's (augmented) glyphs; the
            # sequence is laid out at the minimum gaps and shrunk to the width.
            gaps = fitted if fitted is not None else [spec.spacing_min] * count
        else:
            gaps = draw_gaps(spec, rand, count)
        if spec.spacing_scope == "edges":
            x, between = gaps[0], gaps[1:]
        else:
            x, between = 0, gaps
        # Each glyph starts where the previous one ended plus the gap between them.
        positions = list(accumulate(map(add, widths[:-1], between), initial=x))[: len(widths)]
        overlaps = spec.spacing_min < 0 and bool(gaps) and min(gaps) < 0
        strip_width = sum(widths) + sum(gaps)
        if overlaps:  # a glyph may end beyond the last one, or start left of 0, if very narrow
            left = min(positions)
            right = max(p + w for p, w in zip(positions, widths))
            positions = [p - left for p in positions]
            strip_width = max(right, strip_width) - left
        return Placed(
            labels,
            glyph_indices,
            glyphs,
            ink,
            gaps,
            positions,
            strip_width,
            records,
            overlaps,
        )

    def _lay_out(self, g: int) -> tuple[np.ndarray, tuple[int, int, int, int], int]:
        """Glyph ``g`` as laid out (cropped to its ink with ``crop``), its ink extent
        (first/last column, first/last row) in that view and its width; cached per glyph."""
        c0, c1, r0, r1 = self.pool.ink_extents[g].tolist()
        if self.spec.crop:
            glyph, ink = self.pool.images[g, :, c0 : c1 + 1], (0, c1 - c0, r0, r1)
        else:
            glyph, ink = self.pool.glyph(g), (c0, c1, r0, r1)
        entry = (glyph, ink, int(glyph.shape[1]))
        self._laid_out[g] = entry
        return entry

    def _augment_glyphs(self, glyph_indices: list[int], rand: rng.ImageRandom):
        """Each glyph augmented (and cropped with ``crop``), its ink extent and its records."""
        assert self._augmenter is not None
        glyphs, ink, records = [], [], []
        for j, g in enumerate(glyph_indices):
            glyph, glyph_records = self._augmenter.augment_glyph_recorded(
                self.pool.glyph(g), rand, j
            )
            records.append(glyph_records)
            c0, c1, r0, r1 = ink_extent(glyph)
            if self.spec.crop:
                glyph = glyph[:, c0 : c1 + 1]
                c1, c0 = c1 - c0, 0
            glyphs.append(glyph)
            ink.append((c0, c1, r0, r1))
        return glyphs, ink, records

    def _render(
        self, placed: Placed, rand: rng.ImageRandom, params: dict, masks: bool, boxes: bool = True
    ):
        """Image, mask (or ``None``) and boxes (``None`` if not asked for and not resampled)."""
        spec = self.spec
        height, width = spec.height, spec.width
        too_wide = placed.strip_width > width
        resampling = spec.fit == "stretch" or (spec.fit in ("scale", "pad") and too_wide)
        if not resampling:
            if too_wide:  # strict/exact: only reachable if a hook widened glyphs past its bound
                raise SpecError(
                    "width", f"{width} is too small for this sequence ({placed.strip_width} px)"
                )
            offset = align_offset(spec, rand, width - placed.strip_width)
            params["offset_x"] = offset
            params["scale_x"] = params["scale_y"] = 1.0
            return compose(placed, height, width, offset, masks, boxes)
        strip, strip_mask, _ = compose(placed, height, placed.strip_width, 0, True)
        assert strip_mask is not None  # asked for
        if spec.fit == "stretch":
            new_w, new_h = width, height
        else:
            scale = width / placed.strip_width
            new_w, new_h = width, max(1, round(height * scale))
        params["scale_x"] = new_w / placed.strip_width
        params["scale_y"] = new_h / height
        image, mask, ink_boxes = resample(strip, strip_mask, len(placed.glyphs), new_w, new_h)
        if new_h < height:
            top = (height - new_h) // 2
            params["offset_y"] = top
            image = pad_rows(image, height, top)
            mask = pad_rows(mask, height, top)
            ink_boxes[:, 1] += top
        params["offset_x"] = 0
        return image, mask, ink_boxes

    # ------------------------------------------------------------------ many images
    def batch(self, start: int, count: int, *, masks: bool = False) -> SampleBatch:
        """Generate images ``start`` … ``start + count − 1`` at once.

        Identical, byte for byte, to calling :meth:`generate` for each index. Fixed
        sequences with ``fit="pad"`` or ``"strict"``, spacing ≥ 0 and no augmentation
        take a vectorised path (hundreds of thousands of images per second); other specs
        are generated one by one.

        Returns
        -------
        SampleBatch
        """
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise SpecError("count", f"{count!r} is not a whole number ≥ 0")
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
            raise SpecError("start", f"{start!r} is not a whole number ≥ 0")
        if start + count - 1 > MAX_INDEX:
            raise SpecError(
                "start",
                f"{brief(int(start))} + {count:,} images goes past the last index {MAX_INDEX}",
            )
        spec = self.spec
        memory.check(
            "count",
            f"a batch of {count:,} images of {spec.width}×{spec.height}",
            self.memory_estimate(spec, self.source.pool(spec.pool), int(count), masks),
            "make it in smaller batches (batch(start, n) for consecutive ranges)",
        )
        if self.vectorised:
            return vectorised_batch(
                self.spec, self.pool, self.members, int(start), int(count), masks
            )
        samples = [self.generate(start + k, masks=masks) for k in range(count)]
        return SampleBatch.from_samples(samples, self.spec)

    @property
    def vectorised(self) -> bool:
        """Whether :meth:`batch` takes the vectorised path (see :meth:`batch`)."""
        return _batchable(self.spec) and self._augmenter is None

    @staticmethod
    def memory_estimate(spec: GenerationSpec, pool: GlyphPool, count: int, masks: bool) -> int:
        """Peak bytes of a generator of ``spec`` on ``pool`` making ``count`` images at once.

        The pool scaled to ``spec.height``, its per-glyph lookups for one image at a time,
        the glyph table of the vectorised batch path (when ``count`` > 0; none when the
        scaled pool itself serves, i.e. uncropped glyphs of one width), one image's
        working memory and ``count`` finished images.
        """
        scaled_width = max(1, round(pool.images.shape[2] * spec.height / max(pool.height, 1)))
        scaled = memory.scaled_pool_bytes(len(pool), spec.height, pool.images.shape[2], pool.height)
        batchable = _batchable(spec)
        own_table = spec.crop or not bool(np.all(pool.widths == pool.images.shape[2]))
        glyph_table = len(pool) * scaled_width * spec.height if count and batchable else 0
        column_table = glyph_table if own_table else 0
        working = memory.WORKING_PER_PIXEL * spec.height * spec.width + LOOKUP_BYTES * len(pool)
        channels = 1
        if spec.augment:
            from seqstudio.core.augment import output_channels

            channels = output_channels(spec.augment)
        stored = count * memory.image_bytes(spec.height, spec.width, masks, channels)
        return scaled + column_table + working + stored * (1 if batchable else 2)

    def with_seed(self, seed: int) -> SequenceGenerator:
        """This generator for ``spec.replace(seed=seed)``, sharing every prepared table.

        Checking a spec against its glyphs is done once per spec; a caller that wants
        fresh random images (the classic API with no seed) changes only the seed.
        """
        twin = copy.copy(self)
        twin.spec = self.spec.replace(seed=seed)
        return twin


def _draw_plan(spec: GenerationSpec) -> rng.DrawPlan | None:
    """The draws every image of a fixed sequence makes: glyphs, gaps, random alignment."""
    if spec.random is not None:
        return None
    n = len(spec.digits)
    gaps = gap_count(spec, n)
    counts = [
        (rng.STREAM_GLYPHS, n),
        (rng.STREAM_GAPS, min(gaps, 1) if spec.spacing_mode == "fixed" else gaps),
    ]
    if spec.align == "random":
        counts.append((rng.STREAM_ALIGN, 1))
    return rng.DrawPlan(counts)


def _batchable(spec: GenerationSpec) -> bool:
    """Whether ``spec`` can take the vectorised batch path (fixed digits, no augmentation)."""
    return (
        spec.random is None
        and spec.fit in ("pad", "strict")
        and spec.spacing_min >= 0
        and not spec.augment
    )
