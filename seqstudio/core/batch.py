"""Vectorised generation of many images at once (fixed sequences, ``fit="pad"``/``"strict"``).

Every random draw comes from the same counter-based functions as the one-image path,
so the results equal :meth:`SequenceGenerator.generate` byte for byte. Pixels are built
by *gathering*: each output column is a column of some glyph (or empty), so the whole
batch is one ``take`` over a table of glyph columns and one transpose — memory-bound
work with no Python loop per image.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from seqstudio.core import rng
from seqstudio.core.glyphs import GlyphPool
from seqstudio.core.layout import fit_gap_rows, gap_count
from seqstudio.core.sample import SampleBatch
from seqstudio.core.spec import GenerationSpec

_tables: weakref.WeakKeyDictionary[GlyphPool, tuple[np.ndarray, np.ndarray, int]] = (
    weakref.WeakKeyDictionary()
)
_tables_lock = threading.Lock()


def _column_table(pool: GlyphPool) -> tuple[np.ndarray, np.ndarray, int]:
    """Glyph columns as rows of a table (plus a last, empty row); lives as long as the pool."""
    with _tables_lock:
        cached = _tables.get(pool)
    if cached is None:
        count, height, max_width = pool.images.shape
        columns = np.zeros((count * max_width + 1, height), np.uint8)
        columns[:-1] = pool.images.transpose(0, 2, 1).reshape(count * max_width, height)
        ink = (columns > 0).astype(np.uint8)
        cached = (columns, ink, max_width)
        with _tables_lock:
            cached = _tables.setdefault(pool, cached)
    return cached


#: Output columns per internal chunk (4,096 images at width 200): large enough to amortise
#: numpy calls, small enough that the gather's temporaries (~33 bytes per output column
#: at height 28) stay bounded at any width and count.
CHUNK_COLUMNS = 4096 * 200


def chunk_images(width: int) -> int:
    """Images per internal chunk at ``width``: :data:`CHUNK_COLUMNS` output columns."""
    return max(1, CHUNK_COLUMNS // max(width, 1))


def vectorised_batch(
    spec: GenerationSpec,
    pool: GlyphPool,
    members: dict[str, np.ndarray],
    start: int,
    count: int,
    masks: bool,
) -> SampleBatch:
    """Images ``start`` … ``start + count − 1`` of ``spec``.

    Parameters
    ----------
    spec : GenerationSpec
        A checked spec with fixed digits, ``fit="pad"`` or ``"strict"``, spacing ≥ 0 and
        no augmentation (see :meth:`SequenceGenerator.batch`).
    pool : GlyphPool
        Glyphs at the spec's height.
    members : dict
        ``{label: pool indices}``.
    start, count : int
        The images to make.
    masks : bool
        Also build instance masks.
    """
    if count == 0:
        return SampleBatch.from_samples([], spec)
    images = np.empty((count, spec.height, spec.width), np.uint8)
    mask_array = np.empty((count, spec.height, spec.width), np.uint16) if masks else None
    boxes: list[np.ndarray] = []
    glyphs: list[np.ndarray] = []
    gaps: list[tuple[int, ...]] = []
    params: list[dict] = []
    step = chunk_images(spec.width)
    for first in range(0, count, step):
        last = min(first + step, count)
        chunk_masks = mask_array[first:last] if mask_array is not None else None
        chunk_boxes, chunk_glyphs, chunk_gaps, chunk_offsets = _fill_chunk(
            spec, pool, members, start + first, images[first:last], chunk_masks
        )
        boxes.extend(chunk_boxes)
        glyphs.extend(chunk_glyphs)
        gaps.extend(tuple(g) for g in chunk_gaps.tolist())
        params.extend(
            {"offset_x": o, "scale_x": 1.0, "scale_y": 1.0} for o in chunk_offsets.tolist()
        )
    return SampleBatch(
        start=start,
        images=images,
        labels=["".join(spec.digits)] * count,
        boxes=boxes,
        glyph_indices=glyphs,
        masks=mask_array,
        gaps=gaps,
        params=params,
    )


def _fill_chunk(
    spec: GenerationSpec,
    pool: GlyphPool,
    members: dict[str, np.ndarray],
    start: int,
    images_out: np.ndarray,
    masks_out: np.ndarray | None,
):
    """Draw images ``start …`` into ``images_out`` (and ``masks_out``).

    Returns boxes and glyphs (lists of per-image arrays), gaps ``(count, gaps)`` and
    offsets ``(count,)``.
    """
    width = spec.width
    count = images_out.shape[0]
    masks = masks_out is not None
    labels = spec.digits
    n = len(labels)
    keys = rng.image_keys(spec.seed, np.arange(start, start + count, dtype=np.uint64))

    # Glyphs: one draw per position from that label's members.
    sizes = np.array([len(members[label]) for label in labels], np.int64)
    picks = rng.integers(keys, rng.STREAM_GLYPHS, n, 0, sizes - 1)
    glyphs = np.empty((count, n), np.int64)
    for j, label in enumerate(labels):
        glyphs[:, j] = members[label][picks[:, j]]
    ink = pool.ink_extents[glyphs]  # (count, n, 4): c0, c1, r0, r1
    if spec.crop:
        col_start = ink[..., 0].astype(np.int64)
        widths = (ink[..., 1] - ink[..., 0] + 1).astype(np.int64)
    else:
        col_start = np.zeros((count, n), np.int64)
        widths = pool.widths[glyphs].astype(np.int64)

    # Gaps, strip width, alignment.
    gaps_n = gap_count(spec, n)
    if gaps_n == 0:
        gaps = np.zeros((count, 0), np.int64)
    elif spec.spacing_mode == "fixed":
        one = rng.integers(keys, rng.STREAM_GAPS, 1, spec.spacing_min, spec.spacing_max)
        gaps = np.repeat(one, gaps_n, axis=1)
    else:
        gaps = rng.integers(keys, rng.STREAM_GAPS, gaps_n, spec.spacing_min, spec.spacing_max)
    if spec.fit == "pad":  # width-first: redraw, uniformly over what fits, gaps that do not
        gaps = fit_gap_rows(spec, keys, gaps, width - widths.sum(axis=1))
    strip = widths.sum(axis=1) + gaps.sum(axis=1)
    slack = width - strip
    if spec.align == "left":
        offset = np.zeros(count, np.int64)
    elif spec.align == "right":
        offset = slack
    elif spec.align == "center":
        offset = slack // 2
    else:
        offset = rng.integers(keys, rng.STREAM_ALIGN, 1, 0, slack[:, None])[:, 0]

    if spec.spacing_scope == "edges":
        lead, between = gaps[:, 0], gaps[:, 1:]
    else:
        lead, between = np.zeros(count, np.int64), gaps
    advance = widths.copy()
    advance[:, : n - 1] += between[:, : n - 1]
    positions = (
        offset[:, None]
        + lead[:, None]
        + np.concatenate(
            [np.zeros((count, 1), np.int64), np.cumsum(advance, axis=1)[:, :-1]], axis=1
        )
    )

    # Gather: source[b, x] is the table row (glyph column) drawn at output column x.
    columns, ink_columns, max_width = _column_table(pool)
    empty = columns.shape[0] - 1
    source = np.full((count, width), empty, np.int32)
    owner = np.zeros((count, width), np.uint16) if masks else None
    flat_source = source.reshape(-1)
    flat_owner = owner.reshape(-1) if owner is not None else None
    row_starts = (np.arange(count, dtype=np.int64) * width)[:, None]
    span = np.arange(int(widths.max()) if n else 0)
    uniform = bool((widths == widths.flat[0]).all()) if n else True
    for j in range(n):
        targets = row_starts + positions[:, j : j + 1] + span  # flat output positions
        values = glyphs[:, j : j + 1] * max_width + col_start[:, j : j + 1] + span
        if not uniform:  # cropped glyphs differ in width: keep only each glyph's own columns
            inside = span[None, :] < widths[:, j : j + 1]
            targets, values = targets[inside], values[inside]
        flat_source[targets] = values
        if flat_owner is not None:
            flat_owner[targets] = j + 1
    images_out[...] = columns.take(source, axis=0).transpose(0, 2, 1)
    if spec.invert:
        np.subtract(255, images_out, out=images_out)
    if owner is not None:
        inked = ink_columns.take(source, axis=0).transpose(0, 2, 1)
        np.multiply(inked, owner[:, None, :], out=masks_out, dtype=np.uint16)

    boxes = np.stack(
        [
            positions + ink[..., 0] - col_start,
            ink[..., 2],
            ink[..., 1] - ink[..., 0] + 1,
            ink[..., 3] - ink[..., 2] + 1,
        ],
        axis=2,
    ).astype(np.int32)
    return list(boxes), list(glyphs), gaps, offset
