"""Vectorised generation of many images at once (fixed sequences, ``fit="pad"``/``"strict"``).

Every random draw comes from the same counter-based functions as the one-image path,
so the results equal :meth:`SequenceGenerator.generate` byte for byte.

Pixels are *pasted* a glyph row at a time: each glyph of the pool is stored once,
left-aligned at its first drawn column in a row of ``max_width`` bytes with zeros after
its last one, and every image row is addressed as overlapping ``max_width``-byte
records (a numpy ``void`` view of the output). Pasting glyph ``j`` of every image of a
chunk is then one fancy-index assignment of whole rows, and slots are pasted left to
right: a glyph's zero tail is overwritten by the next glyph, which starts at or after
the end of its ink (gaps are ≥ 0 on this path). Images whose last record would run past
the right edge are pasted into a padded scratch buffer and copied out. Instance masks
follow from the images: an ink pixel belongs to the last glyph that starts at or before
its column.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from seqstudio.core import rng
from seqstudio.core.glyphs import GlyphPool
from seqstudio.core.layout import fit_gap_rows, gap_count
from seqstudio.core.sample import BatchLayout, SampleBatch
from seqstudio.core.spec import GenerationSpec

_tables: weakref.WeakKeyDictionary[GlyphPool, dict] = weakref.WeakKeyDictionary()
_tables_lock = threading.Lock()


def _glyph_table(pool: GlyphPool, crop: bool) -> np.ndarray:
    """Glyphs left-aligned in rows of ``max_width`` bytes; built once per pool and ``crop``.

    ``(N, height, max_width)`` uint8, C-contiguous: glyph ``i`` starts at column 0 (its
    first ink column with ``crop``), columns past its drawn width are 0. Lives as long as
    the pool (the pool's own array when it already has that form).
    """
    with _tables_lock:
        cached = _tables.setdefault(pool, {}).get(crop)
    if cached is not None:
        return cached
    images = pool.images
    max_width = images.shape[2]
    if crop:
        extents = pool.ink_extents
        first, widths = extents[:, 0], extents[:, 1] - extents[:, 0] + 1
    else:
        first, widths = np.zeros(len(pool), np.int64), pool.widths
    if not crop and bool(np.all(widths == max_width)):
        table = np.ascontiguousarray(images)
    else:
        table = np.zeros(images.shape, np.uint8)
        columns = np.arange(max_width)
        for start in range(0, len(table), 8192):  # in parts: no pool-sized temporaries
            part = slice(start, start + 8192)
            out, shifts = table[part], first[part]
            for shift in np.unique(shifts).tolist():  # at most max_width groups
                group = np.flatnonzero(shifts == shift)
                out[group, :, : max_width - shift] = images[part][group, :, shift:]
            out *= (columns[None, :] < np.asarray(widths[part])[:, None])[:, None, :]
    with _tables_lock:
        return _tables[pool].setdefault(crop, table)


#: Output columns per internal chunk (4,096 images at width 200): the random draws and the
#: layout are vectorised over a chunk, and its temporaries stay bounded at any width and count.
CHUNK_COLUMNS = 4096 * 200
#: Output pixels pasted at once (256 images of 28×200), so that the pasted glyph rows,
#: their addresses and the mask temporaries stay in the CPU cache at any size.
PASTE_PIXELS = 256 * 28 * 200


def _paste_images(height: int, width: int) -> int:
    """Images per paste step: :data:`PASTE_PIXELS` output pixels, at least one image."""
    return max(1, PASTE_PIXELS // max(height * width, 1))


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
    # Zeroed by the allocator, page by page as they are first written: no separate pass.
    images = np.zeros((count, spec.height, spec.width), np.uint8)
    mask_array = np.zeros((count, spec.height, spec.width), np.uint16) if masks else None
    n = len(spec.digits)
    boxes = np.empty((count, n, 4), np.int32)
    glyphs = np.empty((count, n), np.int64)
    gaps = np.empty((count, gap_count(spec, n)), np.int64)
    offsets = np.empty(count, np.int64)
    step = chunk_images(spec.width)
    for first in range(0, count, step):
        last = min(first + step, count)
        positions = _layout_chunk(
            spec,
            pool,
            members,
            start + first,
            BatchLayout(
                boxes[first:last], glyphs[first:last], gaps[first:last], offsets[first:last]
            ),
        )
        _paste(images[first:last], _glyph_table(pool, spec.crop), glyphs[first:last], positions)
        if mask_array is not None:
            _owner_masks(images[first:last], mask_array[first:last], positions)
    if spec.invert:
        np.subtract(255, images, out=images)
    layout = BatchLayout(boxes, glyphs, gaps, offsets)
    return SampleBatch.from_layout(start, images, "".join(spec.digits), mask_array, layout)


def _layout_chunk(
    spec: GenerationSpec,
    pool: GlyphPool,
    members: dict[str, np.ndarray],
    start: int,
    out: BatchLayout,
) -> np.ndarray:
    """Draw and lay out images ``start`` … ``start + len(out.offsets) − 1`` (no pixels).

    Fills ``out`` and returns the column where each glyph's table row starts,
    ``(count, n)``.
    """
    width = spec.width
    labels = spec.digits
    n = len(labels)
    count = len(out.offsets)
    keys = rng.image_keys(spec.seed, np.arange(start, start + count, dtype=np.uint64))

    # Glyphs: one draw per position from that label's members.
    sizes = np.array([len(members[label]) for label in labels], np.int64)
    picks = rng.integers(keys, rng.STREAM_GLYPHS, n, 0, sizes - 1)
    glyphs = out.glyph_indices
    for j, label in enumerate(labels):
        glyphs[:, j] = members[label][picks[:, j]]
    ink = pool.ink_extents[glyphs]  # (count, n, 4): c0, c1, r0, r1
    if spec.crop:
        widths = (ink[..., 1] - ink[..., 0] + 1).astype(np.int64)
    else:
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
    slack = width - widths.sum(axis=1) - gaps.sum(axis=1)
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
    positions = np.empty((count, n), np.int64)
    if n:
        positions[:, 0] = offset + lead
        np.cumsum(advance[:, :-1], axis=1, out=positions[:, 1:])
        positions[:, 1:] += positions[:, :1]
    out.boxes[..., 0] = positions if spec.crop else positions + ink[..., 0]
    out.boxes[..., 1] = ink[..., 2]
    out.boxes[..., 2] = ink[..., 1] - ink[..., 0] + 1
    out.boxes[..., 3] = ink[..., 3] - ink[..., 2] + 1
    out.gaps[...] = gaps
    out.offsets[...] = offset
    return positions


def _paste(out: np.ndarray, table: np.ndarray, glyphs: np.ndarray, positions: np.ndarray) -> None:
    """Paste table rows ``glyphs`` at columns ``positions`` into the zeroed ``out``.

    ``out`` is ``(count, height, width)`` uint8, C-contiguous; ``table`` ``(N, height,
    max_width)`` uint8 (see :func:`_glyph_table`).
    """
    count, height, width = out.shape
    n = glyphs.shape[1]
    if count == 0 or n == 0:
        return
    max_width = table.shape[2]
    fits = positions[:, -1] + max_width <= width  # the last glyph's row ends inside
    inside = np.flatnonzero(fits)
    outside = np.flatnonzero(~fits)
    step = _paste_images(height, width)
    for first in range(0, len(inside), step):
        part = inside[first : first + step]
        _paste_rows(out, table, glyphs[part], positions[part], part)
    for first in range(0, len(outside), step):
        part = outside[first : first + step]
        padded = np.zeros((len(part), height, width + max_width), out.dtype)
        _paste_rows(padded, table, glyphs[part], positions[part], np.arange(len(part)))
        out[part] = padded[:, :, :width]


def _paste_rows(
    out: np.ndarray, table: np.ndarray, glyphs: np.ndarray, positions: np.ndarray, images
) -> None:
    """Paste into images ``images`` of ``out``, whose rows hold every glyph's table row."""
    _, height, width = out.shape
    max_width = table.shape[2]
    record = np.dtype((np.void, max_width))
    # Every max_width-byte run of out, starting at any byte: overlapping records.
    runs = np.ndarray((out.size - max_width + 1,), record, buffer=out.reshape(-1), strides=(1,))
    rows = (np.asarray(images, np.int64)[:, None] * height + np.arange(height)) * width
    for j in range(glyphs.shape[1]):
        block = table[glyphs[:, j]].view(record).reshape(-1)
        runs[(rows + positions[:, j : j + 1]).reshape(-1)] = block


def _owner_masks(images: np.ndarray, masks_out: np.ndarray, positions: np.ndarray) -> None:
    """Instance masks: ``j + 1`` on the ink of glyph ``j`` (``images`` before inversion).

    Glyph ``j`` owns the columns from its start to the next glyph's (gaps are ≥ 0 on
    this path, so its ink lies there and only there), so the owner of a column is the
    number of glyphs starting at or before it: a running sum of start marks.
    """
    count, height, width = images.shape
    step = _paste_images(height, width)
    for first in range(0, count, step):
        part = slice(first, first + step)
        starts = positions[part]
        marks = np.zeros((len(starts), width), np.uint16)
        marks[np.arange(len(starts))[:, None], starts] = 1
        owner = np.cumsum(marks, axis=1, dtype=np.uint16)
        np.multiply(images[part] > 0, owner[:, None, :], out=masks_out[part])
