"""Render a :class:`DatasetStats` as a text table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

from seqstudio.core.stats.checks import problem_lines
from seqstudio.core.stats.errors import StatsInputError
from seqstudio.core.stats.model import DatasetStats, GroupStats

CHANNEL_COLUMNS = ("L", "R", "G", "B", "A")
#: Problems listed one by one under the table before the rest are only counted.
MAX_LISTED_PROBLEMS = 20


def _numbers(values: tuple[float, ...]) -> str:
    return " ".join("nan" if math.isnan(v) else f"{v:.4f}" for v in values) or "-"


def _sizes(group: GroupStats) -> str:
    if not group.sizes:
        return "-"
    first, count = next(iter(group.sizes.items()))
    if len(group.sizes) == 1:
        return first
    (w0, w1), (h0, h1) = group.width_range, group.height_range
    share = 100 * count / group.image_count
    return f"{len(group.sizes)} sizes, w {w0}-{w1}, h {h0}-{h1}, most {first} ({share:.0f}%)"


def _display_name(name: str) -> str:
    return "(root)" if name == "." else name


def selected_groups(stats: DatasetStats, by_folder: bool) -> list[GroupStats]:
    """The rows to show: every category then the overall group, or the overall only."""
    groups = list(stats.categories.values()) if by_folder else []
    return [*groups, stats.overall]


def format_table(stats: DatasetStats, by_folder: bool = False) -> str:
    """A plain-text table (one row per category and one for all) and a problem summary."""
    header = ("category", "images", "channels", "mean", "std", "sizes")
    rows = [header]
    for group in selected_groups(stats, by_folder):
        mixed = " (mixed)" if group.mixed_channels else ""
        rows.append(
            (
                _display_name(group.name),
                str(group.image_count),
                "".join(group.channels) + mixed or "-",
                _numbers(group.mean),
                _numbers(group.std),
                _sizes(group),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.extend(_summary(stats, by_folder))
    return "\n".join(lines) + "\n"


def _summary(stats: DatasetStats, by_folder: bool) -> list[str]:
    overall = stats.overall
    lines = [
        "",
        f"root: {stats.root}",
        f"files: {stats.files_done} image files scanned, {overall.image_count} counted"
        + (f" as images ({stats.masks.count} masks apart)" if stats.masks else "")
        + f", {overall.total_bytes:,} bytes, in {stats.elapsed:.2f} s",
        "formats: " + (", ".join(f"{k} {v}" for k, v in overall.formats.items()) or "-"),
        "modes: " + (", ".join(f"{k} {v}" for k, v in overall.modes.items()) or "-"),
    ]
    if stats.roles and (stats.roles.get("mask") or stats.roles.get("annotation")):
        lines.append("roles: " + ", ".join(f"{k} {v}" for k, v in stats.roles.items()))
    if stats.masks is not None:
        masks = stats.masks
        ids = ", ".join(f"{k} ids: {v}" for k, v in masks.ids_per_mask.items())
        low, high = masks.coverage_range
        lines.append(
            f"masks: {masks.count} (not in the statistics above); {ids}; coverage "
            f"{100 * masks.coverage:.1f}% (per mask {100 * low:.1f}-{100 * high:.1f}%); "
            f"{masks.checked_against_boxes} checked against boxes, "
            f"{masks.disagreeing} disagree"
        )
    normalize = normalize_line(stats.overall)
    if normalize:
        lines.append(f"paste: {normalize}")
    if stats.as_rgb:
        lines.append("channels: every image converted to RGB (like Pillow convert('RGB'))")
    for group in selected_groups(stats, by_folder):
        if group.channel_note:
            lines.append(f"note [{_display_name(group.name)}]: {group.channel_note}")
    if stats.non_image_files:
        lines.append(f"skipped {stats.non_image_files} non-image files")
    if stats.duplicate_groups:
        lines.append(
            f"duplicates: {stats.duplicate_files} files repeat another file's content "
            f"({len(stats.duplicate_groups)} groups)"
        )
        for names in stats.duplicate_groups[:MAX_LISTED_PROBLEMS]:
            lines.append("  " + " = ".join(names))
    if stats.problems:
        lines.append(f"problems: {len(stats.problems)} files or folders not counted")
        for problem in stats.problems[:MAX_LISTED_PROBLEMS]:
            lines.append(f"  {problem.path}: {problem.reason}")
        if len(stats.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... {len(stats.problems) - MAX_LISTED_PROBLEMS} more (see --json)")
    sizes = sorted({m.size for m in stats.pixel_maps if m.category == "(all)"})
    if len(sizes) > 1:
        lines.append(
            f"mixed sizes: {len(sizes)} size groups ({', '.join(sizes[:8])}); mean/std "
            "images are given per size group"
        )
    if stats.labels is not None:
        labels = stats.labels
        top = ", ".join(f"{k} {v}" for k, v in list(labels.label_histogram.items())[:10])
        lines.append(
            f"labels: {labels.entries} rows in {len(stats.manifests)} manifests, "
            f"{len(labels.label_histogram)} distinct; most common: {top}"
        )
        lengths = ", ".join(f"{k}: {v}" for k, v in labels.length_histogram.items())
        lines.append(f"label lengths: {lengths}")
        digits = ", ".join(f"{d}: {c}" for d, c in enumerate(labels.digit_counts))
        lines.append(f"digit counts: {digits}")
        if labels.missing_images:
            lines.append(f"manifest rows naming a missing image: {labels.missing_images}")
        for group in stats.categories.values() if by_folder else []:
            if group.labels is not None:
                lengths = ", ".join(f"{k}: {v}" for k, v in group.labels.length_histogram.items())
                digits = " ".join(str(c) for c in group.labels.digit_counts)
                lines.append(
                    f"  [{_display_name(group.name)}] {group.labels.entries} labels; "
                    f"lengths {lengths}; digits 0-9: {digits}"
                )
    reasons = set(stats.qa.skipped.values())
    if stats.complete and len(stats.qa.skipped) == len(stats.qa.counts) and len(reasons) == 1:
        lines.append(f"checks: not run ({reasons.pop()})")
    elif stats.complete:
        count = stats.qa.problem_count
        plural = "s" if count > 1 else ""
        lines.append(f"checks: {count} problem{plural}" if count else "checks: no problems found")
        lines.extend(problem_lines(stats.qa, MAX_LISTED_PROBLEMS))
    return lines


def normalize_line(group: GroupStats, digits: int = 4) -> str:
    """``Normalize(mean=(...), std=(...))`` for torchvision, or ``""`` without images."""
    if not group.mean or any(math.isnan(v) for v in group.mean):
        return ""

    def numbers(values: tuple[float, ...]) -> str:
        text = ", ".join(f"{v:.{digits}f}" for v in values)
        return text + "," if len(values) == 1 else text

    return f"Normalize(mean=({numbers(group.mean)}), std=({numbers(group.std)}))"


def write_json(stats: DatasetStats, path: str | os.PathLike[str]) -> None:
    """Write ``stats.to_dict()`` as JSON (NaN written as ``null``)."""
    data = _clean(stats.to_dict())
    _write(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def _clean(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_csv(stats: DatasetStats, path: str | os.PathLike[str], by_folder: bool = True) -> None:
    """Write one row per group: counts, then ``mean_<channel>``/``std_<channel>`` columns."""
    columns = ["category", "images", "bytes", "channels", "mixed_channels"]
    columns += [f"mean_{c}" for c in CHANNEL_COLUMNS] + [f"std_{c}" for c in CHANNEL_COLUMNS]
    columns += ["pixels", "sizes", "modes", "formats"]
    rows = []
    for group in selected_groups(stats, by_folder):
        row: dict[str, object] = {
            "category": group.name,
            "images": group.image_count,
            "bytes": group.total_bytes,
            "channels": "".join(group.channels),
            "mixed_channels": int(group.mixed_channels),
            "pixels": group.pixel_count,
            "sizes": ";".join(f"{k}:{v}" for k, v in group.sizes.items()),
            "modes": ";".join(f"{k}:{v}" for k, v in group.modes.items()),
            "formats": ";".join(f"{k}:{v}" for k, v in group.formats.items()),
        }
        for name, mean, std in zip(group.channels, group.mean, group.std, strict=True):
            row[f"mean_{name}"] = repr(mean)
            row[f"std_{name}"] = repr(std)
        rows.append(row)
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise StatsInputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc


def _write(path: str | os.PathLike[str], text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StatsInputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
