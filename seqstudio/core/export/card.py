"""The dataset card: ``README.md`` with a Hugging Face YAML header and a human summary.

The header names one configuration per way to read the export and types every column,
so ``datasets.load_dataset(DIR)`` gives ``image`` (and ``mask``) images, ``label`` as a
string (leading zeros kept), ``digits`` as strings and ``boxes`` as a sequence of
``[x, y, w, h]`` int32 quadruples. The YAML is written by hand from plain values (no
YAML library needed); ``json.dumps`` quotes every string, which is valid YAML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from seqstudio._version import __version__
from seqstudio.core.export.coco import MNIST_LICENSE, glyph_license
from seqstudio.core.export.units import SHARD_SUFFIX
from seqstudio.core.export.writers import (
    CARD_NAME,
    COCO_NAME,
    LABELS_CSV,
    METADATA,
    YIELD_EVERY,
    YOLO_YAML,
    let_others_run,
    write_atomic,
)

#: Typed columns of metadata.jsonl (after ``file_name``/``mask_file_name``/``row``).
RECORD_FEATURES: list[tuple[str, Any]] = [
    ("label", "string"),
    ("digits", {"sequence": "string"}),
    ("boxes", {"sequence": {"sequence": "int32", "length": 4}}),
    ("gaps", {"sequence": "int64"}),
    ("pool", "string"),
    ("glyph_indices", {"sequence": "int64"}),
    ("index", "int64"),
    ("seed", "int64"),
    ("key", "string"),
]


def _yaml(value: Any, indent: int) -> list[str]:
    """Block-style YAML lines for dicts/lists of scalars (strings JSON-quoted)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml(item, indent + 2)
            else:
                lines.append(f"{pad}{key}: {json.dumps(item, ensure_ascii=False)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _yaml(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {json.dumps(item, ensure_ascii=False)}")
    return lines


def _feature(name: str, kind: Any) -> dict[str, Any]:
    if isinstance(kind, str):
        return {"name": name, "dtype": kind}
    return {"name": name, **kind}


def _schema(value: Any) -> Any:
    """The type tree of one JSON value: a dtype name, a dict of fields or ``[item type]``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return {key: _schema(item) for key, item in value.items()}
    inner = None
    for item in value:
        inner = _unify(inner, _schema(item))
    return [inner]


def _unify(a: Any, b: Any) -> Any:
    """The type that holds both ``a`` and ``b`` (missing struct fields load as null)."""
    if a is None or a == b:
        return b if a is None else a
    if b is None:
        return a
    if isinstance(a, str) and isinstance(b, str) and {a, b} == {"int64", "float64"}:
        return "float64"
    if isinstance(a, dict) and isinstance(b, dict):
        return {key: _unify(a.get(key), b.get(key)) for key in {**a, **b}}
    if isinstance(a, list) and isinstance(b, list):
        return [_unify(a[0], b[0])]
    raise TypeError(f"{a!r} and {b!r} have no common type")


class ParamsSchema:
    """The union of the ``params`` objects of many records, as feature types.

    Keys missing from some records load as null; an integer that is a float elsewhere is
    ``float64``. If two records disagree beyond that, :meth:`features` is ``None`` and
    the card leaves the ``params`` type to the reader.
    """

    def __init__(self) -> None:
        self._type: Any = {}
        self._failed = False
        self._seen: set[str] = set()  # shapes of params already folded in

    def add_line(self, line: str | bytes) -> None:
        """Fold in the ``params`` of one ``metadata.jsonl`` line (the fast path).

        Only the ``params`` object is decoded, and only when its *shape* is new: its text
        with every run of digits replaced by ``0`` (so ``12`` and ``3`` match, ``1.5``
        and ``2`` do not, as their types differ). An export's records mostly share one
        shape, so this is one substring search and one regex per line instead of a full
        JSON decode and a type walk (what made the card ~10 % of a 10,000-PNG export).
        """
        if self._failed:
            return
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        start = text.find(_PARAMS_KEY)
        if start < 0:
            self.add(json.loads(text)["params"])
            return
        start += len(_PARAMS_KEY)
        params, end = _DECODER.raw_decode(text, start)
        shape = _DIGIT_RUNS.sub("0", text[start:end])
        if shape not in self._seen:
            self._seen.add(shape)
            self.add(params)

    def add(self, params: dict) -> None:
        """Fold one record's ``params`` into the schema."""
        if not self._failed:
            try:
                self._type = _unify(self._type, _schema(params))
            except TypeError:
                self._failed = True

    def features(self) -> list[dict[str, Any]] | None:
        """The ``params`` struct as YAML feature entries (``None`` if inconsistent)."""
        return None if self._failed else _fields(self._type)


_PARAMS_KEY = '"params": '
_DECODER = json.JSONDecoder()
_DIGIT_RUNS = re.compile(r"\d+")


def _entry(kind: Any) -> dict[str, Any]:
    if isinstance(kind, dict):
        return {"struct": _fields(kind)}
    if isinstance(kind, list):
        inner = _entry(kind[0])
        return {"sequence": inner.get("dtype", inner)}
    return {"dtype": kind or "string"}


def _fields(struct: dict) -> list[dict[str, Any]]:
    return [{"name": key, **_entry(kind)} for key, kind in struct.items()]


def card_header(settings: dict, counts: dict[str, int], params: ParamsSchema) -> dict:
    """The YAML header of an export's card, as plain values.

    Parameters
    ----------
    settings : dict
        The export's ``dataset.json`` settings.
    counts : dict
        Images per (non-empty) split.
    params : ParamsSchema
        The ``params`` of every record.
    """
    npz = settings["format"] == "npz"
    masks = bool(settings["masks"]) and not npz
    suffix = ".jpg" if settings["format"] == "jpg" else ".png"
    features: list[dict[str, Any]] = []
    if npz:
        features.append(_feature("row", "int64"))
    else:
        features.append(_feature("image", "image"))
        if masks:
            features.append(_feature("mask", "image"))
    params_features = params.features()
    for name, kind in RECORD_FEATURES:
        if name == "pool" and params_features is not None:
            features.append({"name": "params", "struct": params_features})
        features.append(_feature(name, kind))
    data_files = [
        {"split": split, "path": [f"{split}/*{suffix}", f"{split}/{METADATA}"]}
        if not npz
        else {"split": split, "path": f"{split}/{METADATA}"}
        for split in counts
    ]
    shard_suffix = SHARD_SUFFIX.get(settings["format"])
    if shard_suffix:  # the shard files themselves; their readers know their columns
        data_files = [{"split": split, "path": f"{split}/*{shard_suffix}"} for split in counts]
        params_features = None
    license_id = (
        "cc-by-sa-3.0" if glyph_license(settings["spec"]["source"]) == MNIST_LICENSE else "other"
    )
    return {
        "license": license_id,
        "pretty_name": "seqstudio handwritten digit sequences",
        "task_categories": ["image-to-text", "object-detection", "image-segmentation"],
        "tags": ["synthetic", "mnist", "handwritten-digits", "ocr", "seqstudio"],
        "configs": [
            {
                "config_name": "default",
                "data_files": data_files,
                "default": True,
                **({"features": features} if params_features is not None else {}),
            }
        ],
    }


def card_text(settings: dict, counts: dict[str, int], max_glyphs: int, params: ParamsSchema) -> str:
    """The whole ``README.md``: YAML header, then the human summary."""
    header = "\n".join(["---", *_yaml(card_header(settings, counts, params), 0), "---", ""])
    spec = settings["spec"]
    npz = settings["format"] == "npz"
    random = spec.get("random")
    if random:
        what = (
            f"random sequences of {random['min_length']}–{random['max_length']} labels"
            f" from {', '.join(random.get('labels') or []) or 'every class'}"
        )
    elif settings.get("sequences"):
        what = f"{len(settings['sequences'])} sequences from a sequences file"
    else:
        what = f"the sequence {spec['digits']}"
    lic = glyph_license(spec["source"])
    rows = "\n".join(f"| {split} | {n:,} |" for split, n in counts.items())
    files = [
        f"- `<split>/{METADATA}`: one record per image (label, digits, boxes `[x, y, w, h]` "
        "of each glyph's ink, gaps, parameters, glyph indices, global index, seed, key)"
    ]
    if settings["format"] in SHARD_SUFFIX:
        files.append(
            f"- `<split>/<split>-NNNNNN{SHARD_SUFFIX[settings['format']]}`: "
            f"{settings['images_per_file']:,} images per shard file ({settings['format']}: "
            "PNG bytes with each image's record; see the seqstudio README)"
        )
    elif npz:
        files.append(
            "- `<split>/images.npy` (N, H, W) uint8 (load with `numpy.load(..., mmap_mode='r')`), "
            "`<split>/labels.npz` (labels, lengths, classes, boxes, glyph_indices, index)"
            + (", `<split>/masks.npy`" if settings["masks"] else "")
        )
    else:
        files.append(f"- `<split>/NNNNNN.{settings['format']}`: the images")
        files.append(
            f"- `<split>/{LABELS_CSV}`: `file_name,label` (read the label as text: "
            "`pandas.read_csv(path, dtype={'label': str})`; pandas and `datasets`' csv reader"
            " otherwise turn `007` into 7)"
        )
        if settings["masks"]:
            files.append(
                "- `<split>/masks/NNNNNN.png`: instance masks (0 background, k for the k-th "
                "glyph), named by `mask_file_name` in the records"
            )
    if "coco" in settings["annotations"]:
        files.append(
            f'- `<split>/{COCO_NAME}`: COCO; category id = class index + 1 (name `"0"`–`"9"`'
            " for digits), image id = global index, annotation id = index × "
            f"{max(max_glyphs, 1)} + k + 1"
            + (", RLE `segmentation` from the masks" if settings["masks"] else "")
        )
    if "yolo" in settings["annotations"]:
        files.append(f"- `{YOLO_YAML}` and `<split>/NNNNNN.txt`: YOLO boxes (class = class index)")
    if "yolo-seg" in settings["annotations"]:
        files.append(
            f"- `{YOLO_YAML}` and `<split>/NNNNNN.txt`: YOLO segments, one polygon per glyph "
            "traced from its mask (class = class index)"
        )
    load = (
        "from datasets import load_dataset\n"
        'ds = load_dataset("DIR")            # image, label (string), digits, boxes'
        + (", mask" if settings["masks"] and not npz else "")
        + "\n"
    )
    body = f"""# seqstudio handwritten digit sequences

Synthetic images of handwritten digit sequences made by seqstudio {__version__}: {what},
{spec["height"]}×{spec["width"]} pixels, seed {settings["seed"]}. Every image is determined by
the spec in `dataset.json`, the seed and its index: the export can be regenerated exactly.

| split | images |
| --- | --- |
{rows}

## Files
{chr(10).join(files)}

## Loading
```python
{load}```

## Licence
The glyphs: {lic["name"]}{f" ({lic['url']})" if lic["url"] else ""}. MNIST is by Yann LeCun,
Corinna Cortes and Christopher J.C. Burges; these images are derived from it and shared under
the same licence.
"""
    return header + "\n" + body


def write_card(out_dir: Path, settings: dict, counts: dict[str, int], max_glyphs: int) -> None:
    """Write ``README.md`` (the dataset card) into the export folder.

    Reads every split's ``metadata.jsonl`` once to type the ``params`` column.
    """
    params = ParamsSchema()
    for split in counts:
        with open(out_dir / split / METADATA, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if number % YIELD_EVERY == 0:
                    let_others_run()
                params.add_line(line)
    write_atomic(out_dir / CARD_NAME, card_text(settings, counts, max_glyphs, params).encode())
