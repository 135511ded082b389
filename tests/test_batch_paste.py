"""The vectorised batch pastes whole glyph rows; it must equal one image at a time for
pools whose glyphs differ in width (fonts, folders), where a glyph's stored row runs past
the right edge of the image, and for glyphs without ink."""

from __future__ import annotations

import numpy as np
import pytest

from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.glyphs import GlyphPool, GlyphSource
from seqstudio.core.spec import GenerationSpec


def ragged_source(seed: int = 5) -> GlyphSource:
    """Glyphs 3–40 px wide with ink blobs anywhere in them, a few with no ink at all."""
    rng = np.random.default_rng(seed)
    pools = {}
    for name, count in (("train", 300), ("test", 60)):
        widths = rng.integers(3, 41, count).astype(np.int32)
        images = np.zeros((count, 28, 40), np.uint8)
        for i, w in enumerate(widths):
            if i % 37 == 0:
                continue  # no ink
            c0, c1 = sorted(rng.integers(0, w, 2))
            r0, r1 = sorted(rng.integers(0, 28, 2))
            images[i, r0 : r1 + 1, c0 : c1 + 1] = rng.integers(1, 256, (r1 - r0 + 1, c1 - c0 + 1))
        labels = (np.arange(count) % 10).astype(np.int32)
        pools[name] = GlyphPool(name, images, widths, labels, tuple("0123456789"))
    return GlyphSource("bundled", pools)


@pytest.mark.parametrize("crop", [False, True])
@pytest.mark.parametrize("align", ["left", "right", "center", "random"])
@pytest.mark.parametrize("fit", ["pad", "strict"])
def test_ragged_glyphs_batch_equals_one_at_a_time(crop, align, fit):
    source = ragged_source()
    width = 7 * 40 + 6 * 4 if fit == "strict" else 285  # pad: gaps at times redrawn to fit
    spec = GenerationSpec(
        digits="3141592",
        spacing_min=0,
        spacing_max=4,
        width=width,
        crop=crop,
        align=align,
        fit=fit,
        seed=21,
        invert=align == "center",
    )
    gen = SequenceGenerator(spec, source)
    batch = gen.batch(3, 400, masks=True)
    if align == "right":  # rows (40 px) of the last glyph run past the right edge
        assert all(b[-1, 0] + b[-1, 2] > width - 40 for b in batch.boxes)
    for k in range(400):
        single = gen.generate(3 + k, masks=True)
        assert batch.images[k].tobytes() == single.image.tobytes(), k
        assert np.array_equal(batch.masks[k], single.mask), k
        assert np.array_equal(batch.boxes[k], single.boxes), k
        assert batch.gaps[k] == single.gaps and batch.params[k] == single.params


def test_image_narrower_than_the_pools_widest_glyph():
    """12 px images of narrow glyphs from a pool whose rows are 40 px wide."""
    source = ragged_source()
    train = source.pools["train"]
    narrow = np.where(train.label_ids == 1, np.minimum(train.widths, 6), train.widths)
    images = train.images * (np.arange(40) < narrow[:, None, None])
    pool = GlyphPool(
        "train", images.astype(np.uint8), narrow.astype(np.int32), train.label_ids, train.classes
    )
    source = GlyphSource("bundled", {"train": pool, "test": source.pools["test"]})
    spec = GenerationSpec(digits="11", spacing_min=0, spacing_max=0, width=12, seed=2)
    gen = SequenceGenerator(spec, source)
    batch = gen.batch(0, 50, masks=True)
    for k in range(50):
        single = gen.generate(k)
        assert batch.images[k].tobytes() == single.image.tobytes()
        assert np.array_equal(batch.masks[k], single.mask)
