"""The dataset card types the params column exactly, however it reads the records."""

from __future__ import annotations


def test_card_params_schema_from_lines_equals_the_full_decode():
    """The card's fast params typing (shape cache) gives what decoding every record gives."""
    import json

    from seqstudio.core.export.card import ParamsSchema

    records = [
        {"file_name": "0.png", "params": {"offset_x": 15, "scale_x": 1.0}, "key": "ab12"},
        {"file_name": "1.png", "params": {"offset_x": 3, "scale_x": 2.5}, "key": "cd34"},
        {"file_name": "2.png", "params": {"offset_x": 2.5, "scale_x": 1}, "key": "x9"},
        {"file_name": "3.png", "params": {"offset_x": 1, "blur": {"sigma": 0.5}}, "key": ""},
        {"file_name": "4.png", "params": {"offset_x": -4, "note": '7 "params": 1'}},
    ]
    lines = [json.dumps(r) + "\n" for r in records]
    full, fast, fast_bytes = ParamsSchema(), ParamsSchema(), ParamsSchema()
    for record, line in zip(records, lines):
        full.add(record["params"])
        fast.add_line(line)
        fast_bytes.add_line(line.encode())
    assert fast.features() == full.features() == fast_bytes.features()
    offset = next(f for f in full.features() if f["name"] == "offset_x")
    assert offset["dtype"] == "float64"  # an int in some records, a float in one
    clash = ParamsSchema()
    clash.add_line('{"params": {"a": 1}}')
    clash.add_line('{"params": {"a": "text"}}')
    assert clash.features() is None
