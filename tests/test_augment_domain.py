"""Domain-randomisation digit ops measured on real MNIST glyphs: each does what it says.

(Label exactness at the extremes of every op, these included, is in test_augment_ops.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqstudio.core import rng
from seqstudio.core.augment import OPS
from seqstudio.core.augment.domain_ops import glyph_slant, stroke_width_estimate
from seqstudio.core.augment.engine import run_glyph_ops
from seqstudio.core.augment.operation import OpRandom
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

PAD = 20


@pytest.fixture(scope="module")
def glyphs():
    """Forty real MNIST training glyphs at height 28 (several of each digit)."""
    gen = SequenceGenerator(GenerationSpec(digits="0", width=200, seed=1))
    pool = gen.pool
    picks = [int(m) for members in pool.members.values() for m in members[:4]]
    return [np.ascontiguousarray(pool.images[g, :, : pool.widths[g]]) for g in picks]


def _apply(name, glyph, k=0, **values):
    op = OPS[name]
    rand = OpRandom(rng.ImageRandom(1000 + k), 3, rng.ImageRandom(7), 0)
    full = op.sample(rand, {**op.defaults(), **{n: (v, v) for n, v in values.items()}})
    return run_glyph_ops(glyph, PAD, [(op, full, rand)])


def _ink_box(a):
    ys, xs = np.nonzero(a)
    return xs.min(), xs.max(), ys.min(), ys.max()


@pytest.mark.parametrize("target", [0.05, 0.1, 0.2])
def test_stroke_width_sets_the_measured_width(glyphs, target):
    widths = []
    for k, g in enumerate(glyphs):
        out = _apply("stroke_width", g, k, width=target)
        widths.append(stroke_width_estimate((out >= out.max() / 2).astype(np.uint8)))
    # Thick strokes fill small loops, which lowers perimeter and raises the estimate a bit.
    assert np.median(widths) == pytest.approx(target * 28, abs=0.6)
    before = [stroke_width_estimate((g >= 128).astype(np.uint8)) for g in glyphs]
    assert np.std(widths) < np.std(before) + 0.3  # normalised: no wider spread than MNIST's


def test_stroke_width_never_erases_a_digit(glyphs):
    for k, g in enumerate(glyphs):
        out = _apply("stroke_width", g, k, width=0.03)
        assert out.any() and out.dtype == np.uint8


@pytest.mark.parametrize("angle", [-20.0, 0.0, 15.0])
def test_slant_normalises_then_applies_the_angle(glyphs, angle):
    slanted = [g for g in glyphs if 0.15 < abs(glyph_slant(g)) <= 1.0]  # removed up to 45°
    assert len(slanted) >= 5
    for k, g in enumerate(slanted):
        out = _apply("slant", g, k, angle=angle)
        # Positive angles lean the top right: the lower ink lies further left (negative dx/dy).
        assert glyph_slant(out) == pytest.approx(-math.tan(math.radians(angle)), abs=0.08)


def test_slant_without_normalising_is_a_plain_shear(glyphs):
    op = OPS["slant"]
    g = glyphs[5]
    rand = OpRandom(rng.ImageRandom(1), 3)
    values = {"angle": 12.0, "normalise": False}
    shear = OPS["shear"]
    expected = run_glyph_ops(g, PAD, [(shear, {"angle": 12.0}, rand)])
    assert np.array_equal(run_glyph_ops(g, PAD, [(op, values, rand)]), expected)


def test_aspect_scales_the_ink_width(glyphs):
    for k, g in enumerate(glyphs[:12]):
        x0, x1, y0, y1 = _ink_box(np.pad(g, ((0, 0), (PAD, PAD))))
        for factor in (0.6, 1.8):
            a0, a1, b0, b1 = _ink_box(_apply("aspect", g, k, factor=factor))
            assert (a1 - a0 + 1) == pytest.approx((x1 - x0 + 1) * factor, abs=2.5)
            assert (b0, b1) == pytest.approx((y0, y1), abs=1)


def test_size_about_the_baseline_keeps_the_bottom_row(glyphs):
    for k, g in enumerate(glyphs[:12]):
        _, _, y0, y1 = _ink_box(g)
        _, _, b0, b1 = _ink_box(_apply("size", g, k, factor=0.6))
        assert b1 == pytest.approx(y1, abs=1)
        assert (b1 - b0 + 1) == pytest.approx((y1 - y0 + 1) * 0.6, abs=2)


def test_size_growth_about_the_centre_fills_the_cell(glyphs):
    # Digits written into their whole box (USPS-like captures) are ~1.4x MNIST's 20 px.
    for k, g in enumerate(glyphs[:12]):
        _, _, y0, y1 = _ink_box(g)
        grown = _apply("size", g, k, factor=1.4, anchor="centre")
        _, _, b0, b1 = _ink_box(grown)
        want = min((y1 - y0 + 1) * 1.4, g.shape[0])  # rows beyond the cell are cut
        assert (b1 - b0 + 1) == pytest.approx(want, abs=2)
        assert (b0 + b1) / 2 == pytest.approx((y0 + y1) / 2, abs=1.5)


def test_resample_styles(glyphs):
    g = glyphs[3]
    op = OPS["resample"]
    rand = OpRandom(rng.ImageRandom(2), 3)
    blocky = run_glyph_ops(g, PAD, [(op, {"factor": 0.25, "style": "blocky"}, rand)])
    smooth = run_glyph_ops(g, PAD, [(op, {"factor": 0.25, "style": "smooth"}, rand)])
    same_as_left = (blocky[:, 1:] == blocky[:, :-1]).all(axis=0).mean()
    assert same_as_left > 0.6  # 4-px blocks: most columns repeat their neighbour
    assert (smooth[:, 1:] == smooth[:, :-1]).all(axis=0).mean() < same_as_left
    assert len(np.unique(smooth)) > len(np.unique(blocky))
    # "mixed" draws the style per glyph, recorded with the values.
    styles = {op.sample(OpRandom(rng.ImageRandom(k), 3), op.defaults())["style"] for k in range(40)}
    assert styles == {"blocky", "smooth"}


def test_ink_level_and_ownership(glyphs):
    for k, g in enumerate(glyphs[:12]):
        plain = np.pad(g, ((0, 0), (PAD, PAD)))
        out = _apply("ink", g, k, level=0.4, gamma=1.0, variation=0.0)
        assert np.array_equal(out > 0, plain > 0)  # the same pixels are ink
        assert int(out.max()) == round(0.4 * int(g.max()))
        varied = _apply("ink", g, k, level=1.0, gamma=1.0, variation=0.8)
        assert np.array_equal(varied > 0, plain > 0) and (varied <= plain).all()


def test_baseline_wave_is_shared_by_the_sequence():
    ops = [{"op": "baseline", "params": {"amplitude": [0.1, 0.1], "period": [2, 6]}}]
    spec = GenerationSpec(digits="1111111", width=300, seed=8, augment=ops)
    plain = SequenceGenerator(spec.replace(augment=()))
    gen = SequenceGenerator(spec)
    for i in range(4):
        s, p = gen.generate(i), plain.generate(i)
        records = [r[0] for r in s.params["glyph_augment"]]
        for key in ("amplitude", "period", "phase"):
            assert len({r[key] for r in records}) == 1
        for j, r in enumerate(records):
            wave = r["amplitude"] * math.sin(2 * math.pi * (j / r["period"] + r["phase"]))
            assert abs(r["dy"] - wave) <= r["jitter"] + 1e-6
            # The box moves with the glyph (bilinear warp: within a pixel of dy * height).
            assert s.boxes[j, 1] - p.boxes[j, 1] == pytest.approx(r["dy"] * 28, abs=1.01)


def test_domain_records_equal_a_fresh_draw():
    ops = [{"op": name} for name in ("aspect", "slant", "stroke_width", "resample", "ink")]
    ops += [{"op": "baseline"}, {"op": "size", "probability": 0.5}]
    spec = GenerationSpec(digits="90210", width=240, fit="scale", seed=2, augment=ops)
    gen = SequenceGenerator(spec)
    for i in range(5):
        s = gen.generate(i)
        params: dict = {}
        gen._augmenter.augment_image(s.image, s.mask, s.boxes, rng.ImageRandom(s.key), params)
        assert params["glyph_augment"] == s.params["glyph_augment"]
