"""Property tests of the generator over random valid specs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqstudio.core.errors import SpecError
from seqstudio.core.generator import SampleBatch, SequenceGenerator
from seqstudio.core.spec import GenerationSpec

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=8)


@st.composite
def specs(draw):
    digits = draw(digit_strings)
    low = draw(st.integers(0, 12))
    high = draw(st.integers(low, low + 12))
    fit = draw(st.sampled_from(["pad", "exact", "scale", "stretch"]))
    scope = draw(st.sampled_from(["between", "edges"]))
    mode = draw(st.sampled_from(["variable", "fixed"]))
    crop = draw(st.booleans()) if fit != "exact" else False
    height = draw(st.sampled_from([28, 28, 20, 40]))
    n = len(digits)
    gaps = n - 1 if scope == "between" else n + 1
    glyph = height  # MNIST cells are square
    if fit == "pad":
        width = n * glyph + gaps * high + draw(st.integers(0, 40))
    elif fit == "exact":
        if mode == "fixed" and gaps:
            width = n * glyph + gaps * draw(st.integers(low, high))
        else:
            width = n * glyph + draw(st.integers(gaps * low, gaps * high))
    else:
        width = draw(st.integers(8, 400))
    return GenerationSpec(
        digits=digits,
        spacing_min=low,
        spacing_max=high,
        spacing_mode=mode,
        spacing_scope=scope,
        width=width,
        height=height,
        fit=fit,
        crop=crop,
        invert=draw(st.booleans()),
        align=draw(st.sampled_from(["left", "center", "right", "random"])),
        pool=draw(st.sampled_from(["train", "test"])),
        seed=draw(st.integers(0, 2**63 - 1)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), index=st.integers(0, 10**9))
def test_generated_sample_keeps_every_promise(spec, index):
    sample = SequenceGenerator(spec).generate(index)
    image, mask, boxes = sample.image, sample.mask, sample.boxes
    assert image.shape == (spec.height, spec.width) and image.dtype == np.uint8
    assert sample.label == "".join(spec.digits)
    assert len(boxes) == len(spec.digits)
    ink = (255 - image if spec.invert else image) > 0
    # Boxes inside the image and covering every ink pixel; the mask names each ink pixel's digit.
    covered = np.zeros_like(ink)
    for k, (x, y, w, h) in enumerate(boxes):
        assert w >= 1 and h >= 1 and x >= 0 and y >= 0
        assert x + w <= spec.width and y + h <= spec.height
        covered[y : y + h, x : x + w] = True
        digit_pixels = mask == k + 1
        if digit_pixels.any():
            ys, xs = np.nonzero(digit_pixels)
            assert xs.min() >= x and xs.max() < x + w and ys.min() >= y and ys.max() < y + h
    assert np.all(covered[ink])
    assert np.array_equal(mask > 0, ink)
    # Gaps: within [min, max] wherever the mode promises it (always, here), and fixed = one value.
    gaps = sample.gaps
    expected_gaps = (
        len(spec.digits) - 1 if spec.spacing_scope == "between" else len(spec.digits) + 1
    )
    assert len(gaps) == expected_gaps
    assert all(spec.spacing_min <= g <= spec.spacing_max for g in gaps)
    if spec.spacing_mode == "fixed":
        assert len(set(gaps)) <= 1
    if spec.fit == "exact":
        cell = spec.height
        assert sum(gaps) + cell * len(spec.digits) == spec.width
    # Same seed and index: the same bytes.
    again = SequenceGenerator(spec).generate(index)
    assert again.image.tobytes() == image.tobytes()
    assert np.array_equal(again.boxes, boxes)


@settings(max_examples=40, deadline=None)
@given(spec=specs(), start=st.integers(0, 10**6), count=st.integers(0, 40))
def test_batch_equals_one_by_one(spec, start, count):
    generator = SequenceGenerator(spec)
    batch = generator.batch(start, count, masks=True)
    expected = SampleBatch.from_samples([generator.generate(start + k) for k in range(count)], spec)
    assert batch.images.tobytes() == expected.images.tobytes()
    assert batch.labels == expected.labels
    for got, want in zip(batch.boxes, expected.boxes):
        assert np.array_equal(got, want)
    for got, want in zip(batch.glyph_indices, expected.glyph_indices):
        assert np.array_equal(got, want)
    assert batch.gaps == expected.gaps and batch.params == expected.params
    if count:
        assert np.array_equal(batch.masks, expected.masks)


def test_variable_gaps_cover_the_whole_range_uniformly():
    generator = SequenceGenerator(
        GenerationSpec(digits="11111111", spacing_min=3, spacing_max=7, width=400)
    )
    gaps = np.array([generator.generate(i, masks=False).gaps for i in range(600)]).ravel()
    counts = np.bincount(gaps, minlength=8)[3:8]
    assert counts.min() > 0 and counts.max() / counts.min() < 1.25  # 4,200 draws, 5 values
    assert set(np.unique(gaps)) == {3, 4, 5, 6, 7}


def test_different_seeds_and_indices_give_different_images():
    a = SequenceGenerator(GenerationSpec(seed=1))
    b = SequenceGenerator(GenerationSpec(seed=2))
    assert a.generate(0).image.tobytes() != b.generate(0).image.tobytes()
    assert a.generate(0).image.tobytes() != a.generate(1).image.tobytes()


def test_each_digit_comes_from_its_own_class_and_pool():
    generator = SequenceGenerator(GenerationSpec(digits="0123456789", width=400, pool="test"))
    pool = generator.pool
    for i in range(20):
        sample = generator.generate(i)
        classes = [pool.classes[pool.label_ids[g]] for g in sample.glyph_indices]
        assert classes == list("0123456789")
        assert sample.pool == "test"


def test_train_and_test_pools_share_no_glyph():
    generator = SequenceGenerator(GenerationSpec())
    train, test = generator.source.pools["train"], generator.source.pools["test"]
    train_bytes = {train.images[i].tobytes() for i in range(len(train))}
    assert not any(test.images[i].tobytes() in train_bytes for i in range(len(test)))
    assert (len(train), len(test)) == (4000, 1000)


def test_pixels_are_the_glyphs_untouched_in_pad_mode():
    generator = SequenceGenerator(
        GenerationSpec(digits="38", spacing_min=4, spacing_max=4, width=80, align="left")
    )
    sample = generator.generate(5)
    pool = generator.pool
    first, second = (pool.glyph(g) for g in sample.glyph_indices)
    assert np.array_equal(sample.image[:, 0:28], first)
    assert np.array_equal(sample.image[:, 32:60], second)
    assert not sample.image[:, 28:32].any() and not sample.image[:, 60:].any()


def test_scaled_images_never_wrap_around():
    # Extreme resampling in both directions on saturated glyphs must stay within 0..255.
    for fit, width in (("stretch", 2000), ("stretch", 12), ("scale", 30)):
        sample = SequenceGenerator(GenerationSpec(digits="88888", fit=fit, width=width)).generate(0)
        assert sample.image.dtype == np.uint8
        assert (
            sample.image.max() > 200
        )  # ink survives; a wrap would show as dark holes inside strokes


def test_random_sequences_respect_length_labels_and_weights():
    spec = GenerationSpec(
        random={"min_length": 2, "max_length": 4, "labels": ["3", "7"], "weights": [1, 3]},
        width=200,
    )
    generator = SequenceGenerator(spec)
    lengths, sevens, total = set(), 0, 0
    for i in range(400):
        sample = generator.generate(i)
        assert set(sample.label) <= {"3", "7"}
        lengths.add(len(sample.labels))
        sevens += sample.label.count("7")
        total += len(sample.labels)
    assert lengths == {2, 3, 4}
    assert 0.68 < sevens / total < 0.82


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"digits": "12345", "width": 100}, "width"),
        ({"digits": "12345", "fit": "exact", "width": 400}, "width"),
        ({"digits": "123", "fit": "exact", "spacing_mode": "fixed", "width": 97}, "width"),
        ({"digits": "1x"}, "digits[1]"),
        ({"random": {"min_length": 1, "max_length": 9}, "width": 100}, "width"),
    ],
)
def test_infeasible_specs_fail_when_the_generator_is_built(changes, field):
    with pytest.raises(SpecError) as info:
        SequenceGenerator(GenerationSpec(**changes))
    assert info.value.field == field


def test_width_range_reports_the_feasible_widths():
    generator = SequenceGenerator(
        GenerationSpec(digits="123", fit="exact", spacing_min=2, spacing_max=5, width=90)
    )
    assert (generator.width_range.low, generator.width_range.high) == (88, 94)
