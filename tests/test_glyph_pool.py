"""GlyphPool: declared, lazily computed fields; a bounded per-height cache; stacked resize."""

import dataclasses

import numpy as np
import pytest

from seqstudio.core import glyphs
from seqstudio.core.cv import cv2
from seqstudio.core.glyphs import GlyphPool, open_source


@pytest.fixture(scope="module")
def pool() -> GlyphPool:
    return open_source().pool("test")


def test_fields_are_declared_and_frozen(pool):
    names = {f.name for f in dataclasses.fields(GlyphPool)}
    assert {"name", "images", "widths", "label_ids", "classes"} <= names
    with pytest.raises(dataclasses.FrozenInstanceError):
        pool.name = "other"
    assert pool.ink_extents.shape == (len(pool), 4)
    assert sum(len(m) for m in pool.members.values()) == len(pool)


@pytest.mark.parametrize("height", [14, 20, 41, 64])
def test_stacked_resize_equals_resizing_each_glyph(pool, height):
    resized = pool.at_height(height)
    interpolation = cv2.INTER_AREA if height < 28 else cv2.INTER_LINEAR
    for i in range(0, len(pool), 37):
        w = int(resized.widths[i])
        one = cv2.resize(pool.glyph(i), (w, height), interpolation=interpolation)
        assert np.array_equal(resized.glyph(i), one)


def test_mixed_widths_resize_per_glyph_too():
    rng = np.random.default_rng(3)
    widths = np.array([10, 17, 10, 23, 17], np.int32)
    images = np.zeros((5, 30, 23), np.uint8)
    for i, w in enumerate(widths):
        images[i, :, :w] = rng.integers(0, 256, (30, w))
    pool = GlyphPool("train", images, widths, np.zeros(5, np.int32), ("a",))
    for height in (12, 45):
        resized = pool.at_height(height)
        interpolation = cv2.INTER_AREA if height < 30 else cv2.INTER_LINEAR
        for i in range(5):
            w = int(resized.widths[i])
            one = cv2.resize(pool.glyph(i), (w, height), interpolation=interpolation)
            assert np.array_equal(resized.glyph(i), one)


def test_height_cache_keeps_only_the_newest_heights(pool):
    fresh = GlyphPool(pool.name, pool.images, pool.widths, pool.label_ids, pool.classes)
    first = fresh.at_height(30)
    assert fresh.at_height(30) is first  # cached
    for height in range(31, 31 + glyphs.HEIGHT_CACHE_SIZE):
        fresh.at_height(height)
    assert fresh.at_height(30) is not first  # evicted, made again
