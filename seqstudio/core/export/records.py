"""The one manifest record schema and its two encoders.

Every line of a split's ``metadata.jsonl`` is one record with these fields, in this order:

``file_name`` (image files) or ``row`` (packed npz output)
    Where the image is: relative to the split folder, or its row in ``images.npy``.
``mask_file_name`` (image files, only with masks)
    The instance-mask PNG relative to the split folder (``masks/<stem>.png``); Hugging Face
    ``imagefolder`` turns it into a ``mask`` image column.
``label``, ``digits``, ``boxes``, ``gaps``, ``params``, ``pool``, ``glyph_indices``,
``index``, ``seed``, ``key``
    The label text, each glyph's label, its ``[x, y, w, h]`` ink box, the realised gaps
    and parameters, the glyph pool and each glyph's index in the source pool, the global
    image index, the seed and the image's 64-bit key (16 hex digits).

:meth:`Sample.to_dict <seqstudio.core.sample.Sample.to_dict>` defines the fields after the
head and :func:`manifest_record` adds the head; :func:`record_line` encodes any record, and
:func:`fixed_sequence_records` encodes many records of one fixed sequence straight from
arrays. Tests check that both encoders give exactly ``json.dumps`` of
:func:`manifest_record`.
"""

from __future__ import annotations

import json

import numpy as np

from seqstudio.core.sample import Sample

MASK_SUBDIR = "masks"


def mask_file_name(file_name: str) -> str:
    """The mask PNG of image ``file_name``, relative to its split folder."""
    stem = file_name.rsplit(".", 1)[0]
    return f"{MASK_SUBDIR}/{stem}.png"


def manifest_record(
    sample: Sample,
    *,
    file_name: str | None,
    row: int | None,
    glyph_indices: np.ndarray,
    seed: int,
    mask: bool = False,
) -> dict:
    """The metadata.jsonl record of one image: the head, then ``sample.to_dict(seed=...)``.

    Parameters
    ----------
    sample : Sample
        The generated image.
    file_name, row : str or None, int or None
        The image's file (image formats) or its row in the packed arrays (npz).
    glyph_indices : numpy.ndarray
        Each glyph's index in the source pool (the split's pool mapped back).
    seed : int
        The export's seed.
    mask : bool
        Whether the image's mask was written as a PNG (adds ``mask_file_name``).
    """
    record: dict = {"file_name": file_name} if file_name is not None else {"row": row}
    if mask and file_name is not None:
        record["mask_file_name"] = mask_file_name(file_name)
    record.update(sample.to_dict(seed=seed, glyph_indices=glyph_indices))
    return record


def record_line(record: dict) -> str:
    """One metadata.jsonl line; equal to ``json.dumps(record, ensure_ascii=False)`` + newline.

    Lists of ints and simple parameter dicts are formatted directly (several times
    faster than :func:`json.dumps`, which remains the fallback for anything else).
    """
    parts = []
    for key, value in record.items():
        if (
            type(value) is int
            or (type(value) is list and all(type(v) is int for v in value))
            or type(value) is list
            and all(type(v) is list and all(type(x) is int for x in v) for v in value)
        ):
            text = str(value)
        elif type(value) is str and value.isalnum() and value.isascii():
            text = f'"{value}"'
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}\n"


def fixed_sequence_records(
    *,
    rows: np.ndarray | None = None,
    file_names: list[str] | None = None,
    masks: bool = False,
    labels: tuple[str, ...],
    boxes: np.ndarray,
    gaps: np.ndarray,
    offsets: np.ndarray,
    pool: str,
    glyph_indices: np.ndarray,
    indices: np.ndarray,
    seed: int,
    keys: np.ndarray,
) -> str:
    """Records of many images of one fixed sequence, as manifest text.

    Give ``file_names`` (image files, with ``masks`` when mask PNGs were written) or
    ``rows`` (packed output) for the first field.

    Equal, line for line, to :func:`record_line` of :func:`manifest_record` for each
    image (a test checks it), but every record has the same shape, so one ``%`` template
    formats it from integer rows — no per-image dict or JSON encoding.
    """
    count, glyphs = len(indices), len(labels)
    if count == 0:
        return ""

    def ints(k: int) -> str:
        return "[" + ", ".join(["%d"] * k) + "]"

    def const(value) -> str:
        return json.dumps(value, ensure_ascii=False).replace("%", "%%")

    with_masks = masks and file_names is not None
    if file_names is not None:
        first = '{"file_name": %s' + (', "mask_file_name": %s' if with_masks else "")
    else:
        first = '{"row": %d'
    template = (
        first
        + ', "label": '
        + const("".join(labels))
        + ', "digits": '
        + const(list(labels))
        + ', "boxes": ['
        + ", ".join([ints(4)] * glyphs)
        + '], "gaps": '
        + ints(gaps.shape[1])
        + ', "params": {"offset_x": %d, "scale_x": 1.0, "scale_y": 1.0}, "pool": '
        + const(pool)
        + ', "glyph_indices": '
        + ints(glyphs)
        + ', "index": %d, "seed": '
        + str(int(seed))
        + ', "key": "%016x"}\n'
    )
    table = np.concatenate(
        [
            boxes.reshape(count, -1).astype(np.int64),
            gaps.astype(np.int64),
            offsets.reshape(count, 1).astype(np.int64),
            glyph_indices.reshape(count, -1).astype(np.int64),
            indices.reshape(count, 1).astype(np.int64),
        ],
        axis=1,
    ).tolist()
    key_list = keys.tolist()
    if file_names is not None:
        heads = [
            (json.dumps(name), json.dumps(mask_file_name(name)))
            if with_masks
            else (json.dumps(name),)
            for name in file_names
        ]
    else:
        assert rows is not None
        heads = [(row,) for row in rows.tolist()]
    return "".join(
        [template % (*head, *row, key) for head, row, key in zip(heads, table, key_list)]
    )
