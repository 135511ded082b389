"""Width-first layout (fit="pad"): every width from the natural minimum up works.

Gap statistics are checked against an enumeration of the feasible gap vectors; the
sampler's probabilities against exact integer counts.
"""

import hashlib
import itertools
from collections import Counter

import numpy as np
import pytest

from seqstudio.core import gapfit
from seqstudio.core.augment.presets import load_preset
from seqstudio.core.errors import SpecError
from seqstudio.core.gapfit import GapCounts, count_feasible, feasible_gaps, gap_counts
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.layout import WidthError
from seqstudio.core.spec import GenerationSpec
from seqstudio.core.widths import feasible_width_range

stats = pytest.importorskip("scipy.stats")


def _feasible(low, high, count, room):
    return [g for g in itertools.product(range(low, high + 1), repeat=count) if sum(g) <= room]


# ------------------------------------------------------------------ the sampler itself
@pytest.mark.parametrize(
    "low, high, count, room",
    [(0, 3, 3, 4), (5, 10, 4, 30), (2, 2, 3, 7), (0, 7, 2, 9), (1, 4, 1, 2)],
)
def test_counts_match_enumeration(low, high, count, room):
    assert count_feasible(low, high, count, room) == len(_feasible(low, high, count, room))


@pytest.mark.parametrize("count, span", [(4, 5), (3, 7), (6, 1), (12, 30)])
def test_table_probabilities_equal_exact_counts(count, span):
    """Each step's conditional probabilities come from the float table; compare them
    with ratios of exact integer counts."""
    table = gap_counts(count, span)
    for j in range(1, count + 1):
        prefix = table.prefix(j - 1, 3 * span)
        for t in range(0, min(count * span, 3 * span) + 1):
            top = min(span, t)
            weights = [prefix[t - v + 1] - prefix[t - v] for v in range(top + 1)]
            exact = [count_feasible(0, span, j - 1, t - v) for v in range(top + 1)]
            got = np.array(weights) / sum(weights)
            want = np.array(exact, dtype=float) / sum(exact)
            assert np.allclose(got, want, rtol=1e-12, atol=0)


def test_grown_tables_draw_the_same_gaps():
    """Entries never depend on how far a table was grown (batch == single)."""
    rng = np.random.default_rng(1)
    uniforms = rng.random((500, 5))
    budget = rng.integers(0, 25, 500)
    fresh = gap_counts(5, 6).sample(budget, uniforms)
    gap_counts(5, 6).prefix(0, 5000)  # grow it far
    assert np.array_equal(gap_counts(5, 6).sample(budget, uniforms), fresh)
    one_by_one = np.concatenate(
        [gap_counts(5, 6).sample(budget[k : k + 1], uniforms[k : k + 1]) for k in range(500)]
    )
    assert np.array_equal(one_by_one, fresh)
    scalar = [gap_counts(5, 6).sample_one(int(b), u.tolist()) for b, u in zip(budget, uniforms)]
    assert np.array_equal(np.array(scalar), fresh)


@pytest.mark.parametrize("count, span", [(4, 5), (11, 5), (3, 40), (6, 1), (19, 8), (5, 0), (1, 7)])
def test_one_image_thresholds_give_the_batch_inversions_values(count, span, monkeypatch):
    """One image at a time compares each uniform's 53-bit integer with thresholds kept
    per step state; batches invert the float table. Each threshold is exactly where the float
    comparison flips, and both give the same gaps at, beside and between thresholds,
    also once the threshold budget is spent (the float inversion itself)."""
    table = gap_counts(count, span)
    rng = np.random.default_rng(count * 100 + span)
    grid = 2**53  # uniforms are m / 2**53
    budgets, words = [], []
    for after in range(count):
        for t in range(count * span + 2):
            prefix = table.prefix(after, t)
            high, top = prefix[t + 1], min(t, span)
            weight = high - prefix[t - top]
            cut = table.thresholds(after, t)
            assert len(cut) == top and cut == sorted(cut)
            for v, m in enumerate(cut):
                if m < grid:  # the comparison holds from m on ...
                    assert prefix[t - v] >= high - (m / grid) * weight
                if m > 0:  # ... and not just below it
                    assert not prefix[t - v] >= high - ((m - 1) / grid) * weight
                if after == count - 1:  # the first step: put its uniform at the threshold
                    for w in (m - 1, m):
                        if 0 <= w < grid:
                            budgets.append(t)
                            words.append([w, *rng.integers(0, grid, count - 1).tolist()])
    for _ in range(3000):
        budgets.append(int(rng.integers(0, count * span + 3)))
        words.append(rng.choice([0, grid - 1, *rng.integers(0, grid, 6)], count).tolist())
    uniforms = np.array(words, dtype=np.float64) / grid
    batched = table.sample(np.array(budgets), uniforms)
    monkeypatch.setattr(gapfit, "CUT_BUDGET", 0)
    spent = GapCounts(count, span)  # keeps no threshold: inverts floats per draw
    for k, (budget, row) in enumerate(zip(budgets, words)):
        assert table.sample_words(budget, row, 3) == (3 + batched[k]).tolist()
        assert spent.sample_words(budget, row) == batched[k].tolist()
        assert table.sample_one(budget, uniforms[k].tolist()) == batched[k].tolist()


def test_sampler_is_uniform_over_the_feasible_set():
    low, high, count, room = 1, 4, 3, 8
    support = _feasible(low, high, count, room)
    uniforms = np.random.default_rng(7).random((40_000, count))
    draws = feasible_gaps(low, high, np.full(40_000, room), uniforms)
    assert (draws >= low).all() and (draws <= high).all() and (draws.sum(axis=1) <= room).all()
    seen = Counter(map(tuple, draws.tolist()))
    assert set(seen) == set(support)
    assert stats.chisquare([seen[g] for g in support]).pvalue > 0.01


# ------------------------------------------------------------------ through the generator
def test_binding_width_gaps_are_uniform_over_the_enumerated_feasible_set():
    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=170, seed=11)
    generator = SequenceGenerator(spec)
    batch = generator.batch(0, 2000)
    gaps = [tuple(g) for g in batch.gaps]
    support = _feasible(5, 10, 4, 170 - 5 * 28)
    counts = Counter(gaps)
    assert set(counts) <= set(support)
    assert stats.chisquare([counts[g] for g in support]).pvalue > 0.01
    # Marginals against the exact marginal of the uniform-over-feasible distribution.
    for k in range(4):
        expected = Counter(g[k] for g in support)
        observed = Counter(g[k] for g in gaps)
        values = sorted(expected)
        f_exp = np.array([expected[v] for v in values], float) / len(support) * len(gaps)
        assert stats.chisquare([observed[v] for v in values], f_exp).pvalue > 0.01
    assert all(batch.images.shape[2] == 170 for _ in [0])


@pytest.mark.parametrize(
    "digits, width, digest",
    [
        ("14543", 170, "bc6c91d3d637695f3caadcf6781214460a6764f7b56688d8ea02fe4ef2bbf6ab"),
        ("145432101234", 413, "79a43e1f2abf7c6f042ee37fa5f97f204fd7d8ce8b47572061d336ea456b9711"),
    ],
)
def test_binding_width_images_keep_their_bytes(digits, width, digest):
    """Same seed, same bytes across versions: the one-at-a-time redraw was rewritten for
    speed (integer thresholds); these digests were taken before it (main e72a8d5)."""
    generator = SequenceGenerator(GenerationSpec(digits=digits, width=width, seed=11))
    h = hashlib.sha256()
    for index in range(200):
        sample = generator.generate(index)
        h.update(sample.image.tobytes())
        h.update(bytes(sample.gaps))
    assert h.hexdigest() == digest


def test_non_binding_width_gives_independent_uniform_gaps_as_strict():
    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200, seed=5)
    pad, strict = SequenceGenerator(spec), SequenceGenerator(spec.replace(fit="strict"))
    a, b = pad.batch(0, 2000), strict.batch(0, 2000)
    assert np.array_equal(a.images, b.images) and a.gaps == b.gaps
    gaps = np.array(a.gaps)
    for k in range(4):
        assert stats.chisquare(np.bincount(gaps[:, k] - 5, minlength=6)).pvalue > 0.01
    # Independent: the joint of two neighbours is the product of the marginals.
    joint = np.bincount((gaps[:, 0] - 5) * 6 + gaps[:, 1] - 5, minlength=36)
    assert stats.chisquare(joint).pvalue > 0.01


@pytest.mark.parametrize("width", range(160, 201, 4))
def test_every_width_from_the_natural_minimum_keeps_pixels_and_gaps(width):
    generator = SequenceGenerator(GenerationSpec(width=width, seed=width))
    pool = generator.pool
    for index in range(20):
        sample = generator.generate(index)
        assert sample.image.shape == (28, width)
        assert all(5 <= g <= 10 for g in sample.gaps)
        x = sample.params["offset_x"]
        for j, g in enumerate(sample.glyph_indices):
            assert np.array_equal(sample.image[:, x : x + 28], pool.glyph(g))  # not resampled
            x += 28 + (sample.gaps[j] if j < 4 else 0)
        assert x <= width


@pytest.mark.parametrize(
    "changes",
    [
        {"width": 165},
        {"width": 170, "spacing_mode": "fixed"},
        {"width": 190, "spacing_scope": "edges", "align": "random"},
        {"width": 160, "crop": True, "spacing_min": 2, "spacing_max": 12},
        {"width": 150, "spacing_min": 0, "spacing_max": 20, "align": "right", "invert": True},
    ],
)
def test_batch_equals_single_at_binding_widths(changes):
    generator = SequenceGenerator(GenerationSpec(seed=3, **changes))
    assert generator.vectorised
    batch = generator.batch(10, 300, masks=True)
    for k in range(300):
        sample = generator.generate(10 + k)
        assert np.array_equal(batch.images[k], sample.image)
        assert np.array_equal(batch.masks[k], sample.mask)
        assert np.array_equal(batch.boxes[k], sample.boxes)
        assert batch.gaps[k] == sample.gaps and batch.params[k] == sample.params


@pytest.mark.parametrize("count, span", [(3, 40), (2, 100)])
def test_spacing_spans_wider_than_a_fresh_table(count, span):
    """A span above the first table size (32) once crashed the redraw (broadcast error)."""
    spec = GenerationSpec(digits="1234"[: count + 1], spacing_min=0, spacing_max=span, seed=4)
    generator = SequenceGenerator(spec.replace(width=28 * (count + 1) + span // 2 + 1))
    batch = generator.batch(0, 200)
    assert all(0 <= g <= span for gaps in batch.gaps for g in gaps)
    for k in range(200):
        assert generator.generate(k).gaps == batch.gaps[k]
    test_table_probabilities_equal_exact_counts(count, span)


def test_random_length_minimum_is_the_true_minimum():
    spec = GenerationSpec(random={"min_length": 1, "max_length": 5}, spacing_min=0, spacing_max=3)
    low = feasible_width_range(spec).low
    assert low == 5 * 28  # the longest length, widest cells, minimum gaps
    SequenceGenerator(spec.replace(width=low)).generate(0)
    with pytest.raises(WidthError) as info:
        SequenceGenerator(spec.replace(width=low - 1))
    assert info.value.field == "width" and info.value.minimum == low
    assert f"needs at least {low}" in info.value.message and "1–5 glyphs" in info.value.message


@pytest.mark.parametrize(
    "changes, minimum",
    [
        ({}, 160),
        ({"spacing_scope": "edges"}, 140 + 6 * 5),
        ({"height": 64}, 5 * 64 + 4 * 5),
        ({"augment": load_preset("heavy")}, 160),  # augmentation is absorbed, not budgeted
        ({"fit": "strict"}, 180),
        ({"spacing_min": -4, "spacing_max": 2}, 140 - 16),
    ],
)
def test_minimum_width_follows_scope_height_and_augmentation(changes, minimum):
    spec = GenerationSpec(width=16384, **changes)
    assert feasible_width_range(spec).low == minimum
    assert SequenceGenerator(spec).width_range.low == minimum
    with pytest.raises(WidthError, match=f"needs at least {minimum}"):
        SequenceGenerator(spec.replace(width=minimum - 1))


def test_crop_minimum_uses_the_widest_ink_of_each_digit():
    spec = GenerationSpec(digits="181", crop=True, spacing_min=1, spacing_max=9, width=16384)
    generator = SequenceGenerator(spec)
    pool = generator.pool
    ink = pool.ink_extents[:, 1] - pool.ink_extents[:, 0] + 1
    widest = {d: int(ink[pool.members[d]].max()) for d in "18"}
    assert generator.width_range.low == 2 * widest["1"] + widest["8"] + 2


@pytest.mark.parametrize("preset", ["none", "light", "scan-like", "heavy"])
@pytest.mark.parametrize("digits, width", [("14543", 200), ("14543210", 300)])
def test_presets_work_at_the_default_widths(preset, digits, width):
    generator = SequenceGenerator(
        GenerationSpec(digits=digits, width=width, augment=load_preset(preset), seed=9)
    )
    for index in range(15):
        sample = generator.generate(index)
        assert sample.image.shape == (28, width) and sample.label == digits


def test_shrinks_only_when_minimum_gaps_cannot_hold_augmented_glyphs():
    ops = [{"op": "scale", "params": {"factor": [1.3, 1.3]}}]
    spec = GenerationSpec(digits="00000", width=160, augment=ops, seed=2)
    generator = SequenceGenerator(spec)
    shrunk = [generator.generate(i) for i in range(10)]
    scales = [s.params["scale_x"] for s in shrunk]
    assert all(s.image.shape == (28, 160) for s in shrunk)
    assert any(s < 1 for s in scales) and all(0.5 < s <= 1 for s in scales)
    for sample in shrunk:  # every ink pixel has its digit, inside its box
        ys, xs = np.nonzero(sample.mask)
        boxes = sample.boxes[sample.mask[ys, xs].astype(int) - 1]
        assert ((xs >= boxes[:, 0]) & (xs < boxes[:, 0] + boxes[:, 2])).all()
    roomy = SequenceGenerator(spec.replace(width=300)).generate(0)
    assert roomy.params["scale_x"] == 1.0


# ------------------------------------------------------------------ touching and overlapping
def test_overlapping_digits_composite_without_wrap_and_keep_own_boxes():
    spec = GenerationSpec(digits="888", spacing_min=-12, spacing_max=-8, width=70, seed=4)
    generator = SequenceGenerator(spec)
    pool = generator.pool
    for index in range(10):
        sample = generator.generate(index)
        image, mask = sample.image, sample.mask
        assert all(-12 <= g <= -8 for g in sample.gaps)
        x = sample.params["offset_x"]
        expected = np.zeros_like(image, dtype=np.int32)
        owner = np.zeros_like(mask)
        for j, g in enumerate(sample.glyph_indices):
            glyph = pool.glyph(g).astype(np.int32)
            region = expected[:, x : x + 28]
            owner[:, x : x + 28][glyph > region] = j + 1
            np.maximum(region, glyph, out=region)
            c0, c1, r0, r1 = pool.ink_extents[g]
            assert tuple(sample.boxes[j]) == (x + c0, r0, c1 - c0 + 1, r1 - r0 + 1)
            x += 28 + (sample.gaps[j] if j < 2 else 0)
        assert np.array_equal(image, expected)  # brightest ink, no uint8 wrap
        assert np.array_equal(mask, owner) and np.array_equal(mask > 0, image > 0)


def test_overlap_is_limited_to_half_a_glyph_and_to_between_scope():
    with pytest.raises(SpecError, match="allowed range is -14") as info:
        SequenceGenerator(GenerationSpec(spacing_min=-15, spacing_max=0))
    assert info.value.field == "spacing_min"
    with pytest.raises(SpecError, match="spacing_scope=between"):
        SequenceGenerator(GenerationSpec(spacing_min=-1, spacing_scope="edges"))
    SequenceGenerator(GenerationSpec(spacing_min=-14, spacing_max=-14, width=84)).generate(0)


def test_touching_digits_batch_equals_single():
    generator = SequenceGenerator(GenerationSpec(spacing_min=-6, spacing_max=2, width=130, seed=8))
    batch = generator.batch(0, 20, masks=True)
    for k in range(20):
        sample = generator.generate(k)
        assert np.array_equal(batch.images[k], sample.image)
        assert np.array_equal(batch.masks[k], sample.mask)


def test_cli_and_export_summaries_count_shrunk_images(tmp_path, capsys):
    from seqstudio.cli import main
    from seqstudio.core.export.shrunk import shrink_report

    ops = tmp_path / "wide.json"
    ops.write_text('[{"op": "scale", "params": {"factor": [1.0, 1.3]}}]')
    common = ["--digits", "00000", "--width", "160", "--augment", str(ops), "--seed", "2"]
    assert main(["generate", *common, "--count", "12", "-o", str(tmp_path / "g")]) == 0
    generated = capsys.readouterr().out
    assert main(["export", *common, "--count", "12", "-o", str(tmp_path / "e")]) == 0
    exported = capsys.readouterr().out
    report = shrink_report(tmp_path / "e")
    assert report.total == 12 and 0 < report.shrunk < 12 and 0.7 < report.smallest_scale < 1
    line = report.describe()
    assert line.startswith(f"{report.shrunk} of 12 images were shrunk to fit, by at most ")
    assert line in exported and line in generated
    assert main(["export", "--digits", "00000", "--count", "5", "-o", str(tmp_path / "f")]) == 0
    assert "shrunk" not in capsys.readouterr().out
