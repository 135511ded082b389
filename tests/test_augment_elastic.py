"""The OpenCV elastic displacement field and the elastic ops built on it, on real values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqstudio.core.augment.engine import run_glyph_ops
from seqstudio.core.augment.kernels import elastic_field
from seqstudio.core.augment.operation import OpRandom
from seqstudio.core.cv import cv2
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.rng import ImageRandom
from seqstudio.core.spec import GenerationSpec


def _field(shape, alpha, sigma, seed):
    return elastic_field(shape, alpha, sigma, np.random.default_rng(seed))


@pytest.mark.parametrize("shape", [(28, 74), (28, 200), (5, 7)])
@pytest.mark.parametrize("alpha", [0.5, 2.5, 6.0])
@pytest.mark.parametrize("sigma", [2.0, 4.0, 10.0])
def test_largest_displacement_equals_alpha(shape, alpha, sigma):
    for seed in range(3):
        field = _field(shape, alpha, sigma, seed)
        assert field.shape == (*shape, 2) and field.dtype == np.float32
        dx, dy = field[..., 0], field[..., 1]
        largest = max(float(np.abs(dx).max()), float(np.abs(dy).max()))
        assert largest == pytest.approx(alpha, rel=1e-6)
        assert np.abs(field).max() <= alpha * (1 + 1e-6)


def test_zero_alpha_is_no_displacement():
    assert not _field((28, 40), 0.0, 4.0, 1).any()


def test_field_is_a_pure_function_of_the_generator_seed():
    a = _field((28, 60), 3.0, 4.0, 123)
    b = _field((28, 60), 3.0, 4.0, 123)
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, _field((28, 60), 3.0, 4.0, 124))


def test_field_is_smooth_and_smoother_with_larger_sigma():
    def largest_step(field):
        return max(np.abs(np.diff(field, axis=0)).max(), np.abs(np.diff(field, axis=1)).max())

    alpha = 3.0
    steps = {s: largest_step(_field((28, 120), alpha, s, 7)) for s in (2.0, 4.0, 10.0)}
    # Unsmoothed noise scaled to peak alpha has neighbour steps close to 2 * alpha.
    assert steps[4.0] < 0.5 * alpha and steps[10.0] < 0.25 * alpha
    assert steps[10.0] < steps[4.0] < steps[2.0]
    # Both axes and both signs are used (a field, not a shift).
    field = _field((28, 120), alpha, 4.0, 7)
    for c in (0, 1):
        assert field[..., c].min() < 0 < field[..., c].max()


def _glyph(index=0):
    gen = SequenceGenerator(GenerationSpec(digits="8", width=40, seed=2))
    pool = gen.pool
    g = int(pool.members["8"][index])
    return pool.images[g, :, : pool.widths[g]]


@pytest.mark.parametrize("alpha", [1.0, 3.0, 6.0])
def test_glyph_elastic_moves_ink_at_most_alpha(alpha):
    glyph = _glyph()
    pad = 10
    reach = math.ceil(alpha) + 1  # displacement plus one pixel of bilinear spread
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    moved = 0
    for k in range(6):
        rand = OpRandom(ImageRandom(1000 + k), 4)
        work = run_glyph_ops(glyph, pad, [("elastic", {"alpha": alpha, "sigma": 4.0}, rand)])
        before = np.zeros_like(work)
        before[:, pad : pad + glyph.shape[1]] = glyph
        assert work.shape == before.shape and work.dtype == np.uint8
        allowed = cv2.dilate((before > 0).astype(np.uint8), kernel) > 0
        assert not (work > 0)[~allowed].any()
        assert work.any()
        moved += int(np.abs(work.astype(int) - before).sum() > 0)
        again = run_glyph_ops(
            glyph,
            pad,
            [("elastic", {"alpha": alpha, "sigma": 4.0}, OpRandom(ImageRandom(1000 + k), 4))],
        )
        assert again.tobytes() == work.tobytes()
    assert moved == 6


def test_elastic_ops_in_generator_are_reproducible_and_exact():
    ops = [
        {"op": "elastic", "params": {"alpha": [6.0, 6.0], "sigma": 2.0}},
        {"op": "elastic_image", "params": {"alpha": [4.0, 4.0], "sigma": 2.0}},
    ]
    spec = GenerationSpec(digits="14543", width=260, seed=11, augment=ops)
    first, second = SequenceGenerator(spec), SequenceGenerator(spec)
    plain = SequenceGenerator(spec.replace(augment=()))
    for i in (4, 0, 9):
        a, b = first.generate(i), second.generate(i)
        assert a.image.tobytes() == b.image.tobytes() and a.params == b.params
        assert np.array_equal(a.image > 0, a.mask > 0)
        assert not np.array_equal(a.image, plain.generate(i).image)
        for k in range(len(a.boxes)):
            ys, xs = np.nonzero(a.mask == k + 1)
            x, y, w, h = a.boxes[k]
            assert (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) == (
                x,
                y,
                w,
                h,
            )
