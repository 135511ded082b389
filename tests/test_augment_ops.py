"""Every op alone at its extreme parameters, through SequenceGenerator, on real MNIST glyphs."""

from __future__ import annotations

import numpy as np
import pytest

from seqstudio.core.augment import OPS, load_preset
from seqstudio.core.augment.engine import boxes_from_mask
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

PHOTOMETRIC = {op for op, s in OPS.items() if s.stage == "image" and not s.moving}
INDICES = (0, 1, 2)


def _extreme(op: str, end: int, probability: float = 1.0) -> dict:
    params = {}
    for p in OPS[op].params:
        if p.is_range:
            v = p.minimum if end == 0 else p.maximum
            params[p.name] = [v, v]
        elif p.kind in ("float", "int"):
            params[p.name] = p.minimum if end == 0 else p.maximum
        elif p.kind == "bool":
            params[p.name] = bool(end)
    return {"op": op, "probability": probability, "params": params}


def _generator(ops, crop=False, seed=3, width=None):
    spec = GenerationSpec(digits="14543", crop=crop, seed=seed, augment=ops, width=16384)
    low = SequenceGenerator(spec).width_range.low
    return SequenceGenerator(spec.replace(width=width or max(low, 200)))


def _check_labels(sample):
    mask, boxes = sample.mask, sample.boxes
    assert np.array_equal(boxes, boxes_from_mask(mask, len(boxes)))  # boxes are tight on the mask
    assert (boxes[:, 2] > 0).all() and (boxes[:, 3] > 0).all()  # no digit lost
    ys, xs = np.nonzero(mask)
    k = mask[ys, xs].astype(int) - 1
    x0, y0, w, h = boxes[k].T
    assert ((xs >= x0) & (xs < x0 + w) & (ys >= y0) & (ys < y0 + h)).all()


@pytest.mark.parametrize("end", [0, 1], ids=["min", "max"])
@pytest.mark.parametrize("op", list(OPS))
def test_op_alone_at_extremes(op, end):
    crop = OPS[op].stage == "digit" and end == 1
    gen = _generator([_extreme(op, end)], crop=crop)
    plain = SequenceGenerator(gen.spec.replace(augment=()))
    images = []
    for i in INDICES:
        s = gen.generate(i)
        size = (28, gen.spec.width)
        assert s.image.shape == (size + (3,) if op == "colour" else size)  # colour makes RGB
        assert s.image.dtype == np.uint8
        assert s.mask.shape == size and s.boxes.dtype == np.int32
        _check_labels(s)
        if op in PHOTOMETRIC:
            ref = plain.generate(i)
            assert np.array_equal(s.boxes, ref.boxes) and np.array_equal(s.mask, ref.mask)
        else:  # ink moved: the mask is exactly the ink and every ink pixel is in a box
            assert np.array_equal(s.image > 0, s.mask > 0)
        again = gen.generate(i)
        assert again.image.tobytes() == s.image.tobytes()
        assert np.array_equal(again.boxes, s.boxes) and again.params == s.params
        images.append(s.image.tobytes())
        records = s.params["augment"] if OPS[op].stage == "image" else s.params["glyph_augment"][0]
        assert records[0]["op"] == op and records[0]["applied"] is True
    assert len(set(images)) == len(images)


@pytest.mark.parametrize("op", [op for op in OPS if op != "invert"])
def test_random_values_differ_between_images_and_seeds(op):
    params = {p.name: [p.minimum, p.maximum] for p in OPS[op].params if p.is_range}
    spec_op = {"op": op, "params": params}
    gen = _generator([spec_op])
    other = _generator([spec_op], seed=4)
    key = "augment" if OPS[op].stage == "image" else "glyph_augment"
    records = [gen.generate(i).params[key] for i in range(4)] + [other.generate(0).params[key]]
    assert len({repr(r) for r in records}) == len(records)


def test_uint8_range_without_wraparound():
    plain = _generator([], width=300).generate(0)
    bright = _generator([_extreme("brightness_contrast", 1)], width=300)
    bright = SequenceGenerator(
        bright.spec.replace(
            augment=[{"op": "brightness_contrast", "params": {"brightness": [3, 3]}}]
        )
    )
    out = bright.generate(0).image
    expected = np.minimum(plain.image.astype(np.int64) * 3, 255)
    assert np.abs(out.astype(np.int64) - expected).max() <= 1  # saturates at 255, never wraps
    noisy = _generator(
        [{"op": "gaussian_noise", "params": {"sigma": [100, 100]}}], width=300
    ).generate(0)
    background = noisy.image[plain.mask == 0]
    assert 0.35 < (background == 0).mean() < 0.65  # negative noise clips to 0 (no wrap to 255)
    ink = noisy.image[plain.image == 255]
    assert (ink == 255).mean() > 0.35  # positive noise on white ink clips to 255


def test_probability_zero_and_disabled_change_nothing():
    plain = _generator([], width=300).generate(5)
    for ops in ([{"op": "rotate", "probability": 0.0}], [{"op": "jpeg", "enabled": False}]):
        s = _generator(ops, width=300).generate(5)
        assert s.image.tobytes() == plain.image.tobytes()
        assert np.array_equal(s.boxes, plain.boxes)


def test_invert_op_then_spec_invert():
    base = _generator([]).generate(0)
    inv = _generator([{"op": "invert"}]).generate(0)
    assert np.array_equal(inv.image, 255 - base.image)
    spec = _generator([{"op": "invert"}]).spec.replace(invert=True)
    assert np.array_equal(SequenceGenerator(spec).generate(0).image, base.image)


def test_batch_equals_generate_and_presets_keep_labels():
    for name in ("light", "scan-like", "heavy", "transfer"):
        gen = _generator(load_preset(name))
        batch = gen.batch(3, 3, masks=True)
        for k in range(3):
            s = gen.generate(3 + k)
            assert batch.images[k].tobytes() == s.image.tobytes()
            assert np.array_equal(batch.boxes[k], s.boxes)
            _check_labels(s)


def test_geometric_pipeline_without_photometric_keeps_ink_in_boxes():
    ops = [
        _extreme("rotate", 1),
        _extreme("shear", 0),
        _extreme("scale", 1),
        _extreme("translate", 1),
        _extreme("elastic", 1),
        _extreme("stroke", 1),
        _extreme("digit_perspective", 1),
        {"op": "elastic_image", "params": {"alpha": [4, 4]}},
        {"op": "perspective", "params": {"strength": [0.1, 0.1]}},
        {"op": "motion_blur", "params": {"length": [15, 15], "angle": [30, 30]}},
    ]
    for crop in (False, True):
        gen = _generator(ops, crop=crop)
        for i in range(4):
            s = gen.generate(i)
            _check_labels(s)
            assert np.array_equal(s.image > 0, s.mask > 0)


def test_glyph_width_never_exceeds_the_bound():
    ops = [_extreme(op, 1) for op in OPS if OPS[op].stage == "digit"]
    gen = _generator(ops)
    aug = gen._augmenter
    pool = gen.pool
    members = np.arange(0, len(pool.widths), max(1, len(pool.widths) // 60))
    _, highs = aug.glyph_width_bounds(pool, members, crop=False)
    from seqstudio.core import rng

    for m, high in zip(members, highs):
        glyph = pool.images[m, :, : pool.widths[m]]
        out = aug.augment_glyph(glyph, rng.ImageRandom(int(m)), 0)
        assert out.shape[0] == glyph.shape[0] and out.shape[1] <= high
