"""Read seqstudio ``metadata.jsonl`` records into compact per-image facts.

Only what the statistics, QA checks and gallery use is kept: path, label, boxes, mask
path, glyphs ``(pool, index)`` and the recorded augmentation parameters (flattened into
numeric columns, see :func:`flatten_params`). A 200,000-image export then fits in a
few tens of megabytes.
"""

from __future__ import annotations

import json
import math
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from seqstudio.core.fileio import (
    MAX_LINE_CHARS,
    JsonLimitError,
    bounded_lines,
    contained_path,
    parse_json,
)
from seqstudio.core.stats.manifest import FILE_KEYS, LABEL_KEYS, MAX_LINE_PROBLEMS, label_text
from seqstudio.core.stats.model import FileProblem

#: Keys of a record whose value is a path to the image's instance mask.
MASK_KEYS = ("mask_file_name", "mask_file", "mask")


@dataclass
class ParamColumns:
    """Numeric parameters per record: ``columns[name][row]`` (NaN where not recorded)."""

    columns: dict[str, list[float]] = field(default_factory=dict)
    rows: int = 0

    def add(self, values: dict[str, float]) -> int:
        """Append one record's values; return its row."""
        row = self.rows
        for name, value in values.items():
            column = self.columns.get(name)
            if column is None:
                column = self.columns[name] = [math.nan] * row
            column.append(value)
        self.rows += 1
        for column in self.columns.values():
            if len(column) < self.rows:
                column.append(math.nan)
        return row

    def names(self) -> list[str]:
        """Parameter names, sorted."""
        return sorted(self.columns)

    def value(self, name: str, row: int) -> float:
        """The value of ``name`` in ``row`` (NaN when absent)."""
        column = self.columns.get(name)
        return math.nan if column is None or row < 0 else column[row]

    def range(self, name: str) -> tuple[float, float] | None:
        """Smallest and largest recorded value of ``name`` (``None`` if never recorded)."""
        values = [v for v in self.columns.get(name, []) if not math.isnan(v)]
        return (min(values), max(values)) if values else None


def flatten_params(params: object) -> dict[str, float]:
    """Numeric augmentation parameters of one record, by name.

    * top-level numbers keep their key (``offset_x``, ``scale_x``...);
    * image operations ``augment: [{op, applied, <values>}]`` give ``"<op>.<key>"`` for
      applied operations;
    * per-glyph operations ``glyph_augment: [[...], ...]`` give ``"glyph <op>.<key>"``,
      the value with the largest magnitude over the glyphs (so "rotation > 10°" means at
      least one glyph turned by more than 10°).
    """
    out: dict[str, float] = {}
    if not isinstance(params, dict):
        return out
    for key, value in params.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = float(value)
    for op in params.get("augment") or []:
        _add_op(out, op, "")
    for glyph in params.get("glyph_augment") or []:
        for op in glyph if isinstance(glyph, list) else []:
            _add_op(out, op, "glyph ")
    return out


def _add_op(out: dict[str, float], op: object, prefix: str) -> None:
    if not isinstance(op, dict) or not op.get("applied"):
        return
    name = op.get("op")
    for key, value in op.items():
        if key in ("op", "index", "applied") or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            full = f"{prefix}{name}.{key}"
            old = out.get(full)
            if old is None or abs(value) > abs(old):
                out[full] = float(value)


@dataclass(slots=True)
class SeqRecord:
    """The facts of one manifest record; paths are relative to the scanned root."""

    rel: str | None
    label: str | None
    boxes: tuple[tuple[int, int, int, int], ...] | None
    mask: str | None
    glyphs: tuple[tuple[str, int], ...]
    row: int


def _boxes(value: object) -> tuple[tuple[int, int, int, int], ...] | None:
    if not isinstance(value, list):
        return None
    try:
        return tuple(
            (int(b[0]), int(b[1]), int(b[2]), int(b[3]))
            for b in value
            if isinstance(b, (list, tuple)) and len(b) >= 4
        )
    except (TypeError, ValueError):
        return None


def _path(base: str, value: object) -> str | None:
    """The path relative to the root, or ``None`` if missing or leaving the folder."""
    return contained_path(base, value)


def read_records(
    root: Path, manifest_rel: str, params: ParamColumns
) -> Iterator[SeqRecord | FileProblem]:
    """Yield a :class:`SeqRecord` per line of ``metadata.jsonl``, or a problem per bad line.

    ``params`` receives each record's flattened parameters (the record's ``row``).
    """
    base = posixpath.dirname(manifest_rel)
    bad = 0
    try:
        with open(root / manifest_rel, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(bounded_lines(handle), 1):
                if line is not None and not line.strip():
                    continue
                try:
                    if line is None:
                        raise JsonLimitError(f"is longer than {MAX_LINE_CHARS:,} characters")
                    record = parse_json(line)
                except json.JSONDecodeError as exc:
                    record, error = None, f"not valid JSON ({exc.msg})"
                except JsonLimitError as exc:
                    record, error = None, f"the line {exc}"
                else:
                    error = "" if isinstance(record, dict) else "not a JSON object"
                if error:
                    bad += 1
                    if bad <= MAX_LINE_PROBLEMS:
                        yield FileProblem(manifest_rel, "manifest", f"line {number}: {error}")
                    continue
                yield _record(record, base, params)
    except OSError as exc:
        yield FileProblem(manifest_rel, "manifest", f"cannot read: {exc.strerror or exc}")
    if bad > MAX_LINE_PROBLEMS:
        more = bad - MAX_LINE_PROBLEMS
        yield FileProblem(manifest_rel, "manifest", f"{more} more bad lines not listed")


def _record(record: dict, base: str, params: ParamColumns) -> SeqRecord:
    rel = _path(base, next((record[k] for k in FILE_KEYS if k in record), None))
    label = label_text(next((record[k] for k in LABEL_KEYS if k in record), None))
    mask = _path(base, next((record[k] for k in MASK_KEYS if k in record), None))
    pool, indices = record.get("pool"), record.get("glyph_indices")
    glyphs: tuple[tuple[str, int], ...] = ()
    if isinstance(pool, str) and isinstance(indices, list):
        glyphs = tuple((pool, int(i)) for i in indices if isinstance(i, int))
    row = params.add(flatten_params(record.get("params"))) if "params" in record else -1
    return SeqRecord(rel, label, _boxes(record.get("boxes")), mask, glyphs, row)
