"""The scalar draws of one image (plain Python integers) equal the vectorised draws of a
batch, bit for bit: that is what makes batch == one at a time."""

from __future__ import annotations

import numpy as np

from seqstudio.core import rng


def test_scalar_draws_equal_vectorised_draws():
    indices = np.array([0, 1, 2, 77, 2**40 + 3, 2**62 - 1], np.uint64)
    for seed in (0, 1, 2**63 - 1):
        keys = rng.image_keys(seed, indices)
        for i, index in enumerate(indices.tolist()):
            rand = rng.ImageRandom(rng.image_key(seed, index))
            assert rand.key == int(keys[i])
            for stream in (rng.STREAM_GLYPHS, rng.STREAM_GAPS, rng.STREAM_FIT):
                assert rand.uniforms(stream, 9) == rng.uniform(keys, stream, 9)[i].tolist()
                assert [rand.uniform(stream, k) for k in range(9)] == rand.uniforms(stream, 9)
                assert [rand.raw(stream, k) for k in range(4)] == rng.raw_draws(keys, stream, 4)[
                    i
                ].tolist()
                want = rng.integers(keys, stream, 7, -3, 11)[i].tolist()
                assert rand.integers(stream, 7, -3, 11) == want
                assert [rand.integer(stream, k, -3, 11) for k in range(7)] == want
                sizes = [1, 2, 3, 400, 5923, 2**31]
                below = rng.integers(keys, stream, 6, 0, np.array(sizes) - 1)[i].tolist()
                assert rand.below(stream, sizes) == below
            assert rand.seed(rng.STREAM_AUGMENT) == int(rng.seed_for(keys, rng.STREAM_AUGMENT)[i])


def test_a_draw_plan_gives_the_same_numbers():
    plan = rng.DrawPlan([(rng.STREAM_GLYPHS, 12), (rng.STREAM_GAPS, 0), (rng.STREAM_ALIGN, 1)])
    for seed, index in ((0, 0), (5, 2**62), (2**63 - 1, 12345)):
        key = rng.image_key(seed, index)
        plain, planned = rng.ImageRandom(key), rng.ImageRandom(key, plan)
        drawn = plan.uniforms(key)
        assert drawn[rng.STREAM_GLYPHS] == plain.uniforms(rng.STREAM_GLYPHS, 12)
        assert drawn[rng.STREAM_GAPS] == [] and len(drawn[rng.STREAM_ALIGN]) == 1
        for stream in (rng.STREAM_GLYPHS, rng.STREAM_GAPS, rng.STREAM_ALIGN, rng.STREAM_FIT):
            for count in (0, 1, 5, 12, 13):  # inside and beyond what was planned
                assert planned.uniforms(stream, count) == plain.uniforms(stream, count)
            assert planned.uniform(stream, 12) == plain.uniform(stream, 12)
            assert planned.integers(stream, 3, 5, 10) == plain.integers(stream, 3, 5, 10)
        assert rng.DrawPlan([]).uniforms(key) == {}


def test_a_draw_plans_words_are_the_integers_behind_its_uniforms():
    plan = rng.DrawPlan([(rng.STREAM_FIT, 11), (rng.STREAM_GAPS, 2)])
    for seed, index in ((0, 0), (5, 2**62), (2**63 - 1, 12345)):
        key = rng.image_key(seed, index)
        words = plan.words(key)
        assert all(0 <= m < 2**53 for m in words)
        keys = np.array([key], dtype=np.uint64)
        want = (rng.raw_draws(keys, rng.STREAM_FIT, 11)[0] >> np.uint64(11)).tolist()
        assert list(words[:11]) == want
        drawn = plan.uniforms(key)
        assert [m * 2.0**-53 for m in words] == drawn[rng.STREAM_FIT] + drawn[rng.STREAM_GAPS]
