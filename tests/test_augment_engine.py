"""Engine internals that the fast paths rely on: drawn-once records, threads, label transport."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from seqstudio.core import rng
from seqstudio.core.augment import load_preset
from seqstudio.core.augment.engine import Augmenter, boxes_from_mask
from seqstudio.core.augment.image_layers import ImageLayers
from seqstudio.core.augment.kernels import apply_channels as _apply_channels
from seqstudio.core.cv import cv2
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec


def _heavy(seed=5, digits="14543"):
    return SequenceGenerator(
        GenerationSpec(
            digits=digits, width=200, fit="scale", seed=seed, augment=load_preset("heavy")
        )
    )


def _same(a, b):
    assert a.image.tobytes() == b.image.tobytes()
    assert np.array_equal(a.mask, b.mask) and np.array_equal(a.boxes, b.boxes)
    assert a.params == b.params


def test_recorded_digit_values_equal_a_fresh_draw():
    """The records kept while augmenting glyphs equal the values drawn from scratch."""
    gen = _heavy()
    ops = gen.spec.augment
    digit_only = ops[: max(i for i, op in enumerate(ops) if op.stage == "digit") + 1]
    assert all(op.stage == "digit" for op in digit_only)  # same op indices, no image stage
    # An augmenter that has augmented no glyph of the image must draw the records itself,
    # even right after augmenting glyphs of another image.
    fresh = Augmenter(gen.spec.replace(augment=digit_only))
    glyph = gen.pool.images[0, :, : gen.pool.widths[0]]
    for i in range(6):
        s = gen.generate(i)
        for j in range(5):
            fresh.augment_glyph(glyph, rng.ImageRandom(rng.image_key(77, i)), j)
        params: dict = {}
        fresh.augment_image(s.image, s.mask, s.boxes, rng.ImageRandom(s.key), params)
        assert params["glyph_augment"] == s.params["glyph_augment"]
        assert any(r["applied"] for g in s.params["glyph_augment"] for r in g)


def test_image_depends_only_on_its_index_whatever_came_before():
    order = [7, 3, 7, 0, 12, 3]
    seen = {i: _heavy().generate(i) for i in set(order)}  # each on a fresh generator
    gen = _heavy()
    for i in order:
        _same(gen.generate(i), seen[i])
    # Glyphs augmented for another image (never finished, as when a glyph op fails half-way)
    # leave nothing that leaks into the next image's records.
    glyph = gen.pool.images[0, :, : gen.pool.widths[0]]
    for i in order:
        stray = rng.ImageRandom(rng.image_key(99, i))
        for j in range(3):
            gen._augmenter.augment_glyph(glyph, stray, j)
        _same(gen.generate(i), seen[i])


def test_one_generator_shared_by_threads_gives_the_sequential_bytes():
    gen = _heavy()
    indices = list(range(24))
    sequential = [_heavy().generate(i) for i in indices]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so images interleave mid-way
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            threaded = list(pool.map(gen.generate, indices))
    finally:
        sys.setswitchinterval(interval)
    for a, b in zip(threaded, sequential):
        _same(a, b)


@pytest.mark.parametrize("channels", [1, 5, 12, 515])
def test_moving_ops_on_the_ownership_stack_equal_channel_by_channel(channels):
    gen = np.random.default_rng(channels)
    stack = gen.random((28, 60, channels)).astype(np.float32)
    stack[stack < 0.7] = 0
    coords = np.dstack(np.meshgrid(np.arange(60), np.arange(28))).astype(np.float32)
    coords += gen.normal(0, 2, coords.shape).astype(np.float32)
    matrix = np.array([[1.02, 0.05, 0.7], [0.01, 0.97, -0.4], [2e-4, 1e-4, 1.0]])
    kernel = gen.random((5, 5)).astype(np.float32)
    transforms = [
        lambda a: cv2.remap(a, coords, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT),
        lambda a: cv2.warpPerspective(a, matrix, (60, 28), flags=cv2.INTER_LINEAR, borderValue=0),
        lambda a: cv2.GaussianBlur(a, (7, 7), 1.3, sigmaY=1.3, borderType=cv2.BORDER_CONSTANT),
        lambda a: cv2.filter2D(a, -1, kernel, borderType=cv2.BORDER_CONSTANT),
    ]
    for fn in transforms:
        expected = np.dstack([fn(np.ascontiguousarray(stack[:, :, c])) for c in range(channels)])
        out = _apply_channels(fn, stack)
        assert out.shape == stack.shape
        # OpenCV 4.14 rounds multi-channel kernels differently from single-channel ones.
        np.testing.assert_allclose(out, expected, rtol=0, atol=2e-6)


def test_result_mask_is_the_first_largest_owner_at_ink_pixels():
    gen = np.random.default_rng(3)
    count = 4
    mask = gen.integers(0, count + 1, (28, 50)).astype(np.uint8)
    layers = ImageLayers((gen.random((28, 50)) < 0.6).astype(np.uint8) * 200, mask, count)
    layers.move(lambda a: a)  # builds the one-hot ownership stack
    owners = layers.owners
    assert np.array_equal(owners.argmax(axis=2) + 1, np.where(mask > 0, mask, 1))
    owners[:] = np.round(gen.random(owners.shape), 1).astype(np.float32)  # many exact ties
    owners[:5] = 0  # rows owned by nobody
    expected = np.where(
        (layers.image > 0) & (owners.max(axis=2) > 0), owners.argmax(axis=2) + 1, 0
    ).astype(np.uint8)
    out = layers.result_mask()
    assert out.dtype == mask.dtype and np.array_equal(out, expected)
    assert (out[:5] == 0).all() and (out[layers.image == 0] == 0).all()
    assert np.array_equal(
        boxes_from_mask(out, count)[:, 2] > 0, [(out == k).any() for k in range(1, 5)]
    )


@pytest.mark.parametrize("count", [0, 1, 5, 16, 17, 40])
def test_boxes_from_mask_is_tight_on_each_label(count):
    gen = np.random.default_rng(count)
    for _ in range(20):
        mask = np.zeros((28, int(gen.integers(1, 320))), np.uint8 if count < 255 else np.uint16)
        hit = gen.random(mask.shape) < gen.random() * 0.2
        if count:
            mask[hit] = gen.integers(1, count + 1, int(hit.sum()))
        boxes = boxes_from_mask(mask, count)
        assert boxes.shape == (count, 4) and boxes.dtype == np.int32
        for k in range(1, count + 1):
            ys, xs = np.nonzero(mask == k)
            expected = (
                (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
                if len(xs)
                else (0, 0, 0, 0)
            )
            assert tuple(boxes[k - 1]) == expected
