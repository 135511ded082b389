"""ExportSettings: one object (spec + count + options), JSON round trip, one diff."""

from __future__ import annotations

import dataclasses

import pytest

from seqstudio.core.errors import SpecError
from seqstudio.core.export import ExportOptions, parse_splits
from seqstudio.core.export.settings import ExportSettings
from seqstudio.core.spec import GenerationSpec, RandomSequences

BASE = ExportSettings(
    GenerationSpec(digits="14543", width=200, seed=5),
    300,
    ExportOptions(splits=parse_splits("train=0.8,val=0.2"), annotations=("coco",), masks=True),
)


@pytest.mark.parametrize(
    "settings",
    [
        BASE,
        ExportSettings(
            GenerationSpec(random=RandomSequences(2, 4, ("1", "2")), width=150),
            10,
            ExportOptions(format="jpg", jpeg_quality=70, sequence_lines=None),
        ),
        ExportSettings(BASE.spec, 12, ExportOptions(sequence_lines=(("12", 5), ("34", 7)))),
    ],
)
def test_json_round_trip(settings):
    again = ExportSettings.from_json(settings.to_json())
    assert again == settings and again.diff(settings) == []


def test_diff_lists_every_difference_in_order():
    other = ExportSettings(
        BASE.spec.replace(width=240, seed=6),
        50,
        dataclasses.replace(BASE.options, format="png", annotations=(), masks=False, workers=4),
    )
    found = [(d.field, d.ours, d.theirs) for d in other.diff(BASE)]
    assert found == [
        ("width", "240", "200"),
        ("seed", "6", "5"),
        ("count", "50", "300"),
        ("annotations", "none", "coco"),
        ("masks", "off", "on"),
    ]
    assert [d.describe() for d in other.diff(BASE)][:3] == [
        "width 240 (recorded 200)",
        "seed 6 (recorded 5)",
        "count 50 (recorded 300)",
    ]


def test_diff_of_random_sequences_and_sequence_files():
    fixed = ExportSettings(GenerationSpec(digits="12"), 5, ExportOptions())
    random = ExportSettings(GenerationSpec(random=RandomSequences(2, 4)), 5, ExportOptions())
    assert [d.field for d in fixed.diff(random)] == ["digits"]
    longer = ExportSettings(GenerationSpec(random=RandomSequences(2, 6)), 5, ExportOptions())
    assert [(d.field, d.ours, d.theirs) for d in longer.diff(random)] == [
        ("random.max_length", "6", "4")
    ]
    a = ExportSettings(fixed.spec, 5, ExportOptions(sequence_lines=(("12", 5), ("34", 7))))
    b = ExportSettings(fixed.spec, 5, ExportOptions(sequence_lines=(("12", 5), ("34", 8))))
    assert [(d.field, d.ours, d.theirs) for d in a.diff(b)] == [
        ("sequences", "sequence 2: '34' x7", "sequence 2: '34' x8")
    ]


def test_from_json_refuses_bad_input_with_one_field():
    with pytest.raises(SpecError, match="count"):
        ExportSettings.from_dict({**BASE.to_dict(), "count": 0})
    with pytest.raises(SpecError, match="nested"):
        ExportSettings.from_json("[" * 1000 + "]" * 1000)


def test_sequence_lines_and_a_sequences_file_are_two_fields():
    lines = ExportOptions(sequence_lines=[["12", 5], ["34", 7]])
    assert lines.sequence_lines == (("12", 5), ("34", 7)) and lines.sequences_file is None
    assert lines.has_sequences and ExportOptions(sequences_file="seqs.txt").has_sequences
    assert not ExportOptions().has_sequences
    with pytest.raises(SpecError) as both:
        ExportOptions(sequences_file="seqs.txt", sequence_lines=(("12", 5),))
    assert both.value.field == "sequences" and "not both" in both.value.message
    with pytest.raises(SpecError) as path:
        ExportSettings(BASE.spec, 5, ExportOptions(sequences_file="seqs.txt")).to_dict()
    assert path.value.field == "sequences"


def test_settings_json_written_with_the_old_sequences_key_still_reads():
    settings = ExportSettings(BASE.spec, 12, ExportOptions(sequence_lines=(("12", 5), ("34", 7))))
    data = settings.to_dict()
    assert data["options"]["sequence_lines"] == [["12", 5], ["34", 7]]
    old = dict(data, options={**data["options"]})
    old["options"]["sequences"] = old["options"].pop("sequence_lines")
    assert ExportSettings.from_dict(old) == settings
