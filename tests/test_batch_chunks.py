"""The vectorised batch works in chunks of output columns: the same bytes as one image at a
time across chunk boundaries at any width, and working memory bounded by the chunk."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from seqstudio.core.batch import chunk_images
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec


@pytest.mark.parametrize("width", [200, 2000])
def test_batch_equals_one_at_a_time_across_chunks(width):
    gen = SequenceGenerator(GenerationSpec(digits="14543", width=width, seed=11))
    step = chunk_images(width)
    start = 5
    count = step + 3
    batch = gen.batch(start, count, masks=True)
    for k in (0, step - 1, step, count - 1):
        single = gen.generate(start + k, masks=True)
        assert np.array_equal(batch.images[k], single.image)
        assert np.array_equal(batch.masks[k], single.mask)
        assert np.array_equal(batch.boxes[k], single.boxes)
    # The stacked layout holds the same values as the per-image records.
    layout = batch.layout
    assert layout.boxes.dtype == np.int32 and np.array_equal(layout.boxes, np.stack(batch.boxes))
    assert np.array_equal(layout.glyph_indices, np.stack(batch.glyph_indices))
    assert layout.gaps.tolist() == [list(g) for g in batch.gaps]
    assert layout.offsets.tolist() == [p["offset_x"] for p in batch.params]


def test_working_memory_is_bounded_by_the_chunk_not_the_count():
    width, height = 2000, 28
    gen = SequenceGenerator(GenerationSpec(digits="14543", width=width, seed=1))
    gen.batch(0, 8)  # column tables built outside the measurement
    count = 3 * chunk_images(width)
    tracemalloc.start()
    try:
        gen.batch(0, count)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    output = count * height * width
    # Beyond the images: each image's layout row (boxes, glyphs, gaps, offset: 168 bytes
    # for 5 digits; the per-image records are views made when read) and one chunk's
    # temporaries (< 4 MB whatever the width; a gather through a column table needed ~60
    # bytes per chunk column, CHUNK_COLUMNS * 60 = 49 MB).
    assert peak - output < count * 256 + (4 << 20)


def test_the_records_of_a_vectorised_batch_read_like_lists():
    gen = SequenceGenerator(GenerationSpec(digits="14543", width=200, seed=3))
    batch = gen.batch(10, 6)
    samples = [gen.generate(10 + k, masks=False) for k in range(6)]
    assert batch.gaps == [s.gaps for s in samples] and [s.gaps for s in samples] == batch.gaps
    assert batch.params == [s.params for s in samples]
    assert batch.gaps[-1] == samples[-1].gaps and batch.params[2] == samples[2].params
    assert batch.gaps[1:4] == [s.gaps for s in samples[1:4]] and len(batch.boxes[4:]) == 2
    assert all(np.array_equal(b, s.boxes) for b, s in zip(batch.boxes, samples))
    assert all(np.array_equal(g, s.glyph_indices) for g, s in zip(batch.glyph_indices, samples))
    assert np.array_equal(batch.boxes[-2], samples[-2].boxes)
    assert batch.labels == ["14543"] * 6 and batch.gaps != [s.gaps for s in samples[:5]]
    with pytest.raises(IndexError):
        batch.params[6]
    with pytest.raises(TypeError):
        hash(batch.gaps)


def test_tall_images_paste_in_bounded_steps():
    """At height 280 the paste works a few images at a time: the working memory beyond the
    images stays near one step's, not a 4,096-image chunk's (~2 GB at this size)."""
    gen = SequenceGenerator(GenerationSpec(digits="14543", width=1500, height=280, seed=4))
    gen.batch(0, 2)
    count = 60
    tracemalloc.start()
    try:
        batch = gen.batch(0, count, masks=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - count * 280 * 1500 * 3 < 8 << 20
    for k in (0, count - 1):
        single = gen.generate(k)
        assert np.array_equal(batch.images[k], single.image)
        assert np.array_equal(batch.masks[k], single.mask)
