"""Augmentation spec: schema/mapping agreement, JSON round trip, bad-input table, presets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seqstudio.core.augment import (
    OPS,
    AugmentOp,
    list_presets,
    load_preset,
    ops_for_stage,
    parse_pipeline,
)
from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec


def test_every_registered_op_implements_its_stage():
    from seqstudio.core.augment.operation import Operation

    digit = {op.op for op in ops_for_stage("digit")}
    image = {op.op for op in ops_for_stage("image")}
    assert digit | image == set(OPS) and not digit & image
    for name, op in OPS.items():
        assert isinstance(op, Operation) and op.op == name
        if op.stage == "digit":  # affine ops give a matrix, the others pixels
            method = "matrix" if op.affine else "apply_glyph"
            assert not op.moving
        else:
            method = "apply_image"
            assert not op.affine and not op.passes
        assert getattr(type(op), method) is not getattr(Operation, method), (name, method)
    for op in OPS.values():
        for p in op.params:
            if p.is_range:
                assert p.minimum <= p.default[0] <= p.default[1] <= p.maximum, (op.op, p.name)
            assert p.help or op.op == "invert"


def test_defaults_filled_and_json_round_trip():
    spec = GenerationSpec(augment=[{"op": "rotate"}, {"op": "scale", "probability": 0.5}])
    data = spec.to_dict()["augment"]
    assert data[0] == {
        "op": "rotate",
        "enabled": True,
        "probability": 1.0,
        "params": {"angle": [-10.0, 10.0]},
    }
    assert data[1]["params"] == {"factor": [0.9, 1.1], "per_axis": False}
    again = GenerationSpec.from_json(spec.to_json())
    assert again == spec and hash(again) == hash(spec)
    assert isinstance(spec.augment[0], AugmentOp)
    with pytest.raises(TypeError):
        spec.augment[0].params["angle"] = (0, 0)


def test_core_import_does_not_pull_imgaug():
    code = "import sys, seqstudio.core.augment, seqstudio.core.spec; print('imgaug' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


BAD = [
    ("rotate", {"op": "spin"}, "augment[0].op", "'spin'"),
    ("not a list", None, "augment", "not a list"),
    (
        "unknown param",
        {"op": "rotate", "params": {"degrees": 5}},
        "augment[0].params.degrees",
        "'rotate'",
    ),
    (
        "out of range",
        {"op": "rotate", "params": {"angle": [-10, 99]}},
        "augment[0].params.angle[1]",
        "-45.0 to 45.0",
    ),
    (
        "lo > hi",
        {"op": "jpeg", "params": {"quality": [90, 50]}},
        "augment[0].params.quality",
        "lo > hi",
    ),
    ("probability", {"op": "invert", "probability": 1.5}, "augment[0].probability", "0 to 1"),
    ("not a pair", {"op": "rotate", "params": {"angle": 5}}, "augment[0].params.angle", "[lo, hi]"),
    (
        "int kind",
        {"op": "jpeg", "params": {"quality": [50.5, 60]}},
        "augment[0].params.quality[0]",
        "whole number",
    ),
    (
        "bool",
        {"op": "scale", "params": {"per_axis": "yes"}},
        "augment[0].params.per_axis",
        "true or false",
    ),
    ("enabled", {"op": "invert", "enabled": 1}, "augment[0].enabled", "true or false"),
    ("extra key", {"op": "invert", "p": 1}, "augment[0].p", "allowed keys"),
    ("op not object", 5, "augment[0]", "operation object"),
]


@pytest.mark.parametrize("case,item,field,text", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_field_and_allowed(case, item, field, text):
    value = "light" if item is None else [item]
    with pytest.raises(SpecError) as info:
        GenerationSpec(augment=value)
    assert info.value.field == field
    assert text in info.value.message


def test_bad_input_index_is_the_position():
    with pytest.raises(SpecError) as info:
        parse_pipeline(
            [{"op": "invert"}, {"op": "invert"}, {"op": "rotate", "params": {"angle": [1, 0]}}]
        )
    assert info.value.field == "augment[2].params.angle"


def test_presets_load_and_validate():
    assert list_presets() == ["none", "light", "scan-like", "heavy", "transfer"]
    assert load_preset("none") == ()
    for name in list_presets():
        ops = load_preset(name)
        assert GenerationSpec(augment=ops).augment == ops
    assert len(load_preset("heavy")) > len(load_preset("light")) > 0


def test_preset_files_and_errors(tmp_path):
    listing = tmp_path / "ops.json"
    listing.write_text(json.dumps([{"op": "rotate", "params": {"angle": [-3, 3]}}]))
    assert load_preset(listing)[0].params["angle"] == (-3.0, 3.0)
    wrapped = tmp_path / "spec.json"
    wrapped.write_text(json.dumps({"augment": [{"op": "invert"}]}))
    assert load_preset(str(wrapped))[0].op == "invert"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"augment": [{"op": "rotate", "probability": -1}]}))
    with pytest.raises(SpecError) as info:
        load_preset(bad)
    assert info.value.field == "augment[0].probability" and str(bad) in info.value.message
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    with pytest.raises(SpecError, match="not valid JSON"):
        load_preset(broken)
    with pytest.raises(SpecError, match="neither a preset"):
        load_preset("extreme")
    with pytest.raises(SpecError, match="cannot read"):
        load_preset(tmp_path / "missing.json")
