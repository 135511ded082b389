"""Per-pixel sums stay exact integers however they are accumulated, pickled and merged."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from seqstudio.core.stats.pixelmaps import PixelMapAccumulator


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_pixel_sums_equal_int64_sums_through_pickle_and_merge(dtype):
    top = np.iinfo(dtype).max
    rng = np.random.default_rng(0)
    first, second = PixelMapAccumulator(), PixelMapAccumulator()
    s1 = np.zeros((5, 7, 3), np.int64)
    s2 = np.zeros((5, 7, 3), np.int64)
    for k in range(400):
        planes = [rng.integers(0, top + 1, (5, 7)).astype(dtype) for _ in range(3)]
        if k % 40 == 0:
            planes = [np.full((5, 7), top, dtype)] * 3  # the largest squares
        (first if k % 2 else second).add("train", planes)
        for c, plane in enumerate(planes):
            wide = plane.astype(np.int64)
            s1[:, :, c] += wide
            s2[:, :, c] += wide * wide
        if k == 200:
            first = pickle.loads(pickle.dumps(first))  # a worker's result mid-way
    first.merge(pickle.loads(pickle.dumps(second)))
    (maps,) = [m for m in first.finalize("(all)") if m.category == "train"]
    (sums,) = first.groups.values()
    assert sums.count == 400 and maps.count == 400
    assert np.array_equal(sums.s1, s1) and np.array_equal(sums.s2, s2)
    assert np.allclose(maps.mean, s1 / (400 * top))
