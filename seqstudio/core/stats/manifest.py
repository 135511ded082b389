"""Read seqstudio manifests (``metadata.jsonl``, ``labels.csv``) into label statistics.

Accepted layouts (paths in a manifest are relative to the manifest's folder):

* ``metadata.jsonl``: one JSON object per line with the image path under ``file``,
  ``file_name``, ``filename``, ``path`` or ``image`` and the label under ``label``,
  ``text``, ``digits``, ``sequence`` or ``labels`` (a string, or a list of digits).
* ``labels.csv``: a header naming those columns, or no header and ``file,label`` rows.
"""

from __future__ import annotations

import csv
import json
import os
import posixpath
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from seqstudio.core.fileio import (
    MAX_LINE_CHARS,
    JsonLimitError,
    bounded_lines,
    contained_path,
    parse_json,
)
from seqstudio.core.stats.model import ROOT_CATEGORY, FileProblem, LabelStats

FILE_KEYS = ("file", "file_name", "filename", "path", "image")
LABEL_KEYS = ("label", "text", "digits", "sequence", "labels")
#: Stands for a line too long to read in a CSV manifest.
TOO_LONG = "\x00line too long\n"
#: Bad lines reported per manifest before the rest are only counted.
MAX_LINE_PROBLEMS = 20


def _first(mapping: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def label_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (int, str)) for v in value):
        return "".join(str(v) for v in value)
    return None


def _rows_jsonl(path: Path) -> Iterator[tuple[int, str | None, str | None, str]]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(bounded_lines(handle), 1):
            if line is None:
                yield number, None, None, f"longer than {MAX_LINE_CHARS:,} characters"
                continue
            if not line.strip():
                continue
            try:
                record = parse_json(line)
            except json.JSONDecodeError as exc:
                yield number, None, None, f"not valid JSON ({exc.msg})"
                continue
            except JsonLimitError as exc:
                yield number, None, None, f"JSON that {exc}"
                continue
            if not isinstance(record, dict):
                yield number, None, None, "not a JSON object"
                continue
            file = _first(record, FILE_KEYS)
            if file is None and "row" in record:
                continue  # a row of a packed array file (npz), not an image file
            label = label_text(_first(record, LABEL_KEYS))
            yield number, file if isinstance(file, str) else None, label, ""


def _rows_csv(path: Path) -> Iterator[tuple[int, str | None, str | None, str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        lines = (TOO_LONG if line is None else line for line in bounded_lines(handle))
        reader = csv.reader(lines)
        file_col, label_col = 0, 1
        number = 0
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield number, None, None, f"not valid CSV ({exc})"
                continue
            if row == [TOO_LONG.strip()]:
                yield number, None, None, f"longer than {MAX_LINE_CHARS:,} characters"
                continue
            if not row or not "".join(row).strip():
                continue
            if number == 1:
                lowered = [cell.strip().lower() for cell in row]
                files = [i for i, c in enumerate(lowered) if c in FILE_KEYS]
                labels = [i for i, c in enumerate(lowered) if c in LABEL_KEYS]
                if files or labels:
                    file_col = files[0] if files else -1
                    label_col = labels[0] if labels else -1
                    continue
            file = row[file_col].strip() if 0 <= file_col < len(row) else None
            label = row[label_col].strip() if 0 <= label_col < len(row) else None
            yield number, file or None, label, ""


def iter_manifest(root: Path, manifest_rel: str) -> Iterator[tuple[str, str] | FileProblem]:
    """Yield ``(image path relative to root, label)`` per row, or a problem per bad row."""
    path = root / manifest_rel
    base = posixpath.dirname(manifest_rel)
    reader = _rows_jsonl if manifest_rel.endswith(".jsonl") else _rows_csv
    reported = bad = 0
    try:
        for number, file, label, error in reader(path):
            if not error and (file is None or label is None):
                missing = "image path" if file is None else "label"
                wanted = FILE_KEYS if file is None else LABEL_KEYS
                error = f"no {missing} (expected one of {', '.join(wanted)})"
            if error:
                bad += 1
                if reported < MAX_LINE_PROBLEMS:
                    reported += 1
                    yield FileProblem(manifest_rel, "manifest", f"line {number}: {error}")
                continue
            assert file is not None and label is not None  # rows lacking one were reported
            rel = contained_path(base, file)
            if rel is None:
                # Never looked up on disk: it would name a file outside the dataset.
                bad += 1
                if reported < MAX_LINE_PROBLEMS:
                    reported += 1
                    yield FileProblem(
                        manifest_rel,
                        "manifest",
                        f"line {number}: path {file[:80]!r} leaves the dataset folder",
                    )
                continue
            yield rel, label
    except OSError as exc:
        yield FileProblem(manifest_rel, "manifest", f"cannot read: {exc.strerror or exc}")
    if bad > reported:
        yield FileProblem(manifest_rel, "manifest", f"{bad - reported} more bad lines not listed")


class LabelAccumulator:
    """Label, length and digit histograms of manifest rows."""

    def __init__(self) -> None:
        self.labels: Counter[str] = Counter()
        self.lengths: Counter[int] = Counter()
        self.digits = [0] * 10
        self.other = 0
        self.missing = 0

    def add(self, label: str, exists: bool) -> None:
        self.labels[label] += 1
        self.lengths[len(label)] += 1
        for char in label:
            if "0" <= char <= "9":
                self.digits[ord(char) - 48] += 1
            else:
                self.other += 1
        self.missing += not exists

    def merge(self, other: LabelAccumulator) -> None:
        self.labels.update(other.labels)
        self.lengths.update(other.lengths)
        self.digits = [a + b for a, b in zip(self.digits, other.digits, strict=True)]
        self.other += other.other
        self.missing += other.missing

    def finalize(self) -> LabelStats:
        return LabelStats(
            entries=sum(self.labels.values()),
            label_histogram=dict(sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0]))),
            length_histogram=dict(sorted(self.lengths.items())),
            digit_counts=list(self.digits),
            other_characters=self.other,
            missing_images=self.missing,
        )


def read_label_stats(
    root: Path, manifests: Iterable[str]
) -> tuple[dict[str, LabelStats], LabelStats | None, list[FileProblem]]:
    """Label statistics per category (the image's folder) and overall, and bad rows.

    Each image path counts once, from the first manifest (in scan order) that names it.
    """
    per_category: dict[str, LabelAccumulator] = {}
    problems: list[FileProblem] = []
    counted: set[str] = set()  # an image named by both metadata.jsonl and labels.csv counts once
    for manifest_rel in manifests:
        for item in iter_manifest(root, manifest_rel):
            if isinstance(item, FileProblem):
                problems.append(item)
                continue
            rel, label = item
            if rel in counted:
                continue
            counted.add(rel)
            category = posixpath.dirname(rel) or ROOT_CATEGORY
            acc = per_category.setdefault(category, LabelAccumulator())
            acc.add(label, os.path.isfile(root / rel))
    if not per_category:
        return {}, None, problems
    overall = LabelAccumulator()
    for acc in per_category.values():
        overall.merge(acc)
    stats = {name: acc.finalize() for name, acc in sorted(per_category.items())}
    return stats, overall.finalize(), problems


def read_labels(root: Path, manifests: Iterable[str], wanted: set[str]) -> dict[str, str]:
    """The label of each image in ``wanted`` (paths relative to root) that a manifest names."""
    found: dict[str, str] = {}
    for manifest_rel in manifests:
        for item in iter_manifest(root, manifest_rel):
            if not isinstance(item, FileProblem) and item[0] in wanted:
                found.setdefault(item[0], item[1])
    return found
