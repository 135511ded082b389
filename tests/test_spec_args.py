"""The spec's command-line options are generated from the spec fields' metadata."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from seqstudio.cli.spec_args import add_spec_arguments, option_for_field, spec_from_args
from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec, RandomSequences


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_spec_arguments(parser)
    return parser


def test_every_spec_field_has_an_option_with_help() -> None:
    options = {a.option_strings[0]: a for a in _parser()._actions if a.option_strings}
    fields = [f for f in dataclasses.fields(GenerationSpec) if f.name != "random"]
    fields += list(dataclasses.fields(RandomSequences))
    for f in fields:
        option = f.metadata["option"]
        assert option in options, f.name
        if f.metadata.get("part") != "MAX":
            assert options[option].help == f.metadata["help"] != ""


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--spacing", "9", "3"], "--spacing MAX"),
        (["--spacing", "-5000", "3"], "--spacing MIN"),
        (["--width", "0"], "--width"),
        (["--seed", "-1"], "--seed"),
        (["--random-length", "4", "2"], "--random-length MAX"),
        (["--random-length", "0", "2"], "--random-length MIN"),
    ],
)
def test_errors_name_the_option_from_the_same_metadata(argv: list[str], option: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from_args(_parser().parse_args(argv))
    assert option_for_field(caught.value.field) == option


def test_options_set_their_fields() -> None:
    args = _parser().parse_args(
        ["--spacing", "2", "7", "--width", "90", "--no-crop", "--invert", "--fit", "exact"]
    )
    spec = spec_from_args(args)
    assert (spec.spacing_min, spec.spacing_max, spec.width) == (2, 7, 90)
    assert (spec.crop, spec.invert, spec.fit) == (False, True, "exact")
    assert option_for_field("crop") == "--crop"
    assert option_for_field("augment[0].params.angle") == "augment[0].params.angle"
    assert option_for_field("random.weights[2]") == "--weights[2]"
