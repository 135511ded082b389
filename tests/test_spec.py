"""The spec validates itself and round-trips through JSON."""

import pytest

from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec, RandomSequences


def test_json_round_trip_keeps_every_field():
    spec = GenerationSpec(
        digits="907",
        random=RandomSequences(2, 4, ("1", "2"), (1.0, 2.0)),
        spacing_min=1,
        spacing_max=3,
        spacing_mode="fixed",
        spacing_scope="edges",
        width=150,
        height=32,
        fit="scale",
        align="random",
        crop=True,
        invert=True,
        pool="test",
        seed=2**62,
    )
    assert GenerationSpec.from_json(spec.to_json()) == spec
    assert (
        spec.to_dict()["schema"] == "seqstudio.generation-spec" and spec.to_dict()["version"] == 1
    )


def test_multi_character_labels_round_trip():
    spec = GenerationSpec(digits=["A", "10"])
    assert spec.to_dict()["digits"] == ["A", "10"]
    assert GenerationSpec.from_json(spec.to_json()).digits == ("A", "10")


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"digits": ""}, "digits", "empty"),
        ({"digits": 1234}, "digits", "not a string"),
        ({"spacing_min": -600}, "spacing_min", "-512 to"),
        ({"spacing_min": 6, "spacing_max": 2}, "spacing_max", "below spacing_min 6"),
        ({"spacing_min": 2.5}, "spacing_min", "not a whole number"),
        ({"width": 0}, "width", "1 to 16384"),
        ({"width": 100_000}, "width", "1 to 16384"),
        ({"height": 0}, "height", "1 to 1024"),
        ({"fit": "zoom"}, "fit", "pad, strict, exact, scale, stretch"),
        ({"spacing_mode": "random"}, "spacing_mode", "variable, fixed"),
        ({"crop": "yes"}, "crop", "true or false"),
        ({"pool": "val"}, "pool", "train, test"),
        ({"source": "http://x"}, "source", "idx:DIR"),
        ({"seed": -1}, "seed", "0 to"),
        ({"random": {"min_length": 3, "max_length": 2}}, "random.max_length", "below"),
        ({"random": {"labels": ["1"], "weights": [-1]}}, "random.weights[0]", "≥ 0"),
        ({"random": {"depth": 3}}, "random.depth", "unknown"),
    ],
)
def test_invalid_values_name_field_value_and_allowed(changes, field, words):
    with pytest.raises(SpecError) as info:
        GenerationSpec(**changes)
    assert info.value.field == field and words in info.value.message


@pytest.mark.parametrize(
    "text, field",
    [
        ("[1, 2]", "spec"),
        ('{"version": 9}', "version"),
        ('{"schema": "other"}', "schema"),
        ("{", "spec"),
        ('{"width": "wide"}', "width"),
    ],
)
def test_malformed_json(text, field):
    with pytest.raises(SpecError) as info:
        GenerationSpec.from_json(text)
    assert info.value.field == field


def test_replace_validates():
    with pytest.raises(SpecError):
        GenerationSpec().replace(width=-3)
