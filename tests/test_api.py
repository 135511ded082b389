"""The classic API: ``generate_numbers_sequence(digits, spacing_range, image_width)``."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqstudio
from seqstudio.core import api
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

generate = seqstudio.generate_numbers_sequence


@st.composite
def requests(draw):
    """Digits, a range and a width equal to the digits plus gaps inside the range."""
    digits = draw(st.lists(st.integers(0, 9), min_size=1, max_size=8))
    low = draw(st.integers(0, 12))
    high = draw(st.integers(low, low + 15))
    gaps = draw(
        st.lists(st.integers(low, high), min_size=len(digits) - 1, max_size=len(digits) - 1)
    )
    return digits, (low, high), 28 * len(digits) + sum(gaps)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests(), seed=st.integers(0, 2**63 - 1))
def test_every_width_inside_the_range_works(request, seed):
    digits, spacing, width = request
    image = generate(digits, spacing, width, seed=seed)
    assert image.shape == (28, width) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    # Same pixels as the core, which never resamples them: each digit is a pool glyph.
    spec = GenerationSpec(
        digits=tuple(map(str, digits)),
        spacing_min=spacing[0],
        spacing_max=spacing[1],
        width=width,
        seed=seed,
    )
    sample = SequenceGenerator(spec).generate(0)
    assert np.array_equal(image, sample.image.astype(np.float32) * np.float32(1 / 255))
    assert all(spacing[0] <= g <= spacing[1] for g in sample.gaps)
    assert sample.params["scale_x"] == 1.0


@pytest.mark.parametrize(
    "args, kwargs, error, parameter",
    [
        (([1, 4, 5, 4, 3], (5, 10), 159), {}, ValueError, "image_width: 159 is too small"),
        (([1, 4, 5, 4, 3], (5, 10), 0), {}, ValueError, "image_width: 0"),
        (([1, 4, 5, 4, 3], (5, 10), "wide"), {}, ValueError, "image_width: 'wide'"),
        (([1, 4, 5, 4, 3], (5, 10), 200.0), {}, ValueError, "image_width: 200.0"),
        (([1, 4, 5, 4, 3], (10, 5), 200), {}, ValueError, "spacing_range: (10, 5)"),
        (([1, 4, 5, 4, 3], 5, 200), {}, ValueError, "spacing_range: 5"),
        (([1, 4, 5, 4, 3], (-20, 5), 200), {}, ValueError, "spacing_range: -20"),
        (([1, 4, 5, 4, 3], (0.5, 5), 200), {}, ValueError, "spacing_range: 0.5"),
        (([1, 12], (5, 10), 200), {}, ValueError, "digits[1]: 12"),
        (([], (5, 10), 200), {}, ValueError, "digits: is empty"),
        ((None, (5, 10), 200), {}, ValueError, "digits: None"),
        (("14a", (5, 10), 200), {}, ValueError, "digits[2]: 'a'"),
        (([1, 2], (5, 10), 200), {"height": 0}, ValueError, "height: 0"),
        (([1, 2], (5, 10), 200), {"fit": "zoom"}, ValueError, "fit: 'zoom'"),
        (([1, 2], (5, 10), 200), {"augment": "wild"}, ValueError, "augment"),
        (([1, 2], (5, 10), 200), {"seed": -1}, ValueError, "seed: -1"),
        (([1, 2], (5, 10), 200), {"seed": 2**63}, ValueError, "seed: 9223372036854775808"),
        (([1, 2], (5, 10), 200), {"seed": True}, ValueError, "seed: True"),
        (([1, 2], (5, 10), 200), {"seed": 1.0}, ValueError, "seed: 1.0"),
        (([1, 2], (5, 10), 200), {"index": -1}, ValueError, "index: -1"),
        (
            (np.array([1, 2]), (5, 10), 200),
            {"index": 2**63},
            ValueError,
            "index: 9223372036854775808",
        ),
    ],
)
def test_bad_inputs_name_the_api_parameter(args, kwargs, error, parameter):
    with pytest.raises(error) as info:
        generate(*args, **kwargs)
    assert str(info.value).startswith(parameter)


def test_width_error_gives_the_smallest_width_that_works():
    with pytest.raises(ValueError, match="the smallest image_width that works is 160$"):
        generate([1, 4, 5, 4, 3], (5, 10), 150)
    with pytest.raises(ValueError, match="works is 180$"):
        generate([1, 4, 5, 4, 3], (5, 10), 179, fit="strict")
    generate([1, 4, 5, 4, 3], (5, 10), 160)


def test_keyword_options():
    tall = generate("14543", (5, 10), 400, height=56, seed=1)
    assert tall.shape == (56, 400) and tall.dtype == np.float32
    heavy = generate("14543", (5, 10), 200, augment="heavy", seed=1)
    assert heavy.shape == (28, 200)
    assert np.array_equal(heavy, generate("14543", (5, 10), 200, augment="heavy", seed=1))
    stretched = generate("14543", (5, 10), 100, fit="stretch", seed=1)
    assert stretched.shape == (28, 100)
    assert not np.array_equal(
        generate("14543", (5, 10), 200, seed=1, index=1), generate("14543", (5, 10), 200, seed=1)
    )


def test_repeated_calls_do_not_rebuild_the_generator(monkeypatch):
    api.clear_cache()
    built = []
    original = SequenceGenerator.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(SequenceGenerator, "__init__", counting)
    images = [generate([1, 4, 5, 4, 3], (5, 10), 200) for _ in range(30)]
    assert len(built) == 1
    assert len({im.tobytes() for im in images}) == 30  # a fresh seed each call
    generate([1, 4, 5, 4, 3], (5, 10), 200, seed=4)
    generate([1, 4, 5, 4, 3], (5, 10), 200, seed=5)
    assert len(built) == 1
    generate([1, 4, 5, 4, 3], (5, 10), 201)
    assert len(built) == 2


def test_seeded_calls_equal_the_core():
    image = generate([2, 0, 2, 4], (2, 8), 140, seed=9, index=3)
    spec = GenerationSpec(digits="2024", spacing_min=2, spacing_max=8, width=140, seed=9)
    expected = SequenceGenerator(spec).generate(3).image.astype(np.float32) * np.float32(1 / 255)
    assert np.array_equal(image, expected)


def test_numpy_integers_are_accepted_as_seeds_and_digits():
    seeded = generate([2, 0, 2, 4], (2, 8), 140, seed=9, index=3)
    as_numpy = generate(
        np.array([2, 0, 2, 4]), (2, 8), np.int64(140), seed=np.int64(9), index=np.uint8(3)
    )
    assert as_numpy.tobytes() == seeded.tobytes()
    assert generate("2024", (2, 8), 140, seed=9, index=3).tobytes() == seeded.tobytes()


def test_generate_with_a_seed_equals_the_generator_for_that_seed():
    spec = GenerationSpec(digits="2024", spacing_min=2, spacing_max=8, width=140, seed=9)
    generator = SequenceGenerator(spec)
    for seed in (0, 1, 9, 2**63 - 1):
        for index in (0, 3, 2**40):
            want = generator.with_seed(seed).generate(index)
            got = generator.generate(index, seed=seed)
            assert got.image.tobytes() == want.image.tobytes() and got.key == want.key
            assert np.array_equal(got.mask, want.mask) and np.array_equal(got.boxes, want.boxes)
    for bad in (-1, 2**63, True, 2.0, "1"):
        with pytest.raises(ValueError, match="^seed: "):
            generator.generate(0, seed=bad)


def test_cached_arguments_do_not_let_non_integers_through():
    generate([1, 4, 5, 4, 3], (5, 10), 200)  # cached under (…, 5, 10, 200, 28, …)
    for args, kwargs, parameter in (
        (((5.0, 10), 200), {}, "spacing_range: 5.0"),
        (((5, 10), 200.0), {}, "image_width: 200.0"),
        (((5, 10), 200), {"height": 28.0}, "height: 28.0"),
        (((True, 10), 200), {}, "spacing_range: True"),
    ):
        with pytest.raises(ValueError) as info:
            generate([1, 4, 5, 4, 3], *args, **kwargs)
        assert str(info.value).startswith(parameter)
