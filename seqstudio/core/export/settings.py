"""One object for what makes an export what it is: spec, count and options, with one diff.

:class:`ExportSettings` round-trips through JSON and :meth:`ExportSettings.diff` is the one
comparison of two exports' settings: resume (:mod:`seqstudio.core.export.resume`) turns
its first difference into a :class:`~seqstudio.core.export.resume.ResumeConflict`, and the
app lists them all (``"width 240 (recorded 200)"``). ``workers`` and ``chunk_size`` never
change the bytes, so they are not compared.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from seqstudio.core.errors import SpecError
from seqstudio.core.export.options import SHARD_FORMATS, ExportOptions
from seqstudio.core.spec import GenerationSpec

#: Labels of the compared fields in the app's wording (others use the field name).
_LABELS = {"split": "splits", "jpeg_quality": "JPEG quality", "images_per_file": "images per file"}


@dataclass(frozen=True)
class SettingDifference:
    """One setting that differs: its field and both values as short text."""

    field: str
    ours: str
    theirs: str

    def describe(self, theirs_are: str = "recorded") -> str:
        """``"width 240 (recorded 200)"``; list-valued spec fields give just their name."""
        label = _LABELS.get(self.field, self.field)
        if self.field in ("random", "digits") and "random sequences" in (self.ours, self.theirs):
            return self.field
        if self.field.startswith("random.") or self.field in ("augment", "sequences"):
            return self.field
        return f"{label} {self.ours} ({theirs_are} {self.theirs})"


@dataclass(frozen=True)
class ExportSettings:
    """The spec, the count and the options of an export.

    With a sequences file, ``options.sequence_lines`` holds its lines as ``(text, count)``
    pairs (``options.sequences_file`` is never set: read the file with
    :func:`with_sequences_file`).
    """

    spec: GenerationSpec
    count: int
    options: ExportOptions

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (spec, count and the options that decide the bytes)."""
        opts = self.options
        if opts.sequences_file is not None:
            raise SpecError("sequences", "read the sequences file first (with_sequences_file)")
        sequences = opts.sequence_lines
        return {
            "spec": self.spec.to_dict(),
            "count": self.count,
            "options": {
                "splits": [list(pair) for pair in opts.splits] if opts.splits else None,
                "format": opts.format,
                "jpeg_quality": opts.jpeg_quality,
                "annotations": list(opts.annotations),
                "masks": opts.masks,
                "sequence_lines": [list(line) for line in sequences] if sequences else None,
                "images_per_file": opts.images_per_file,
            },
        }

    def to_json(self) -> str:
        """The settings as JSON text (see :meth:`from_json`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportSettings:
        """Build and validate settings from :meth:`to_dict`'s form."""
        if not isinstance(data, dict):
            raise SpecError("settings", "expected a JSON object")
        opts = data.get("options") or {}
        if not isinstance(opts, dict):
            raise SpecError("options", "expected a JSON object")
        splits = opts.get("splits")
        # "sequences" is what settings written before the split of the field called it
        sequences = opts.get("sequence_lines", opts.get("sequences"))
        options = ExportOptions(
            splits=tuple(tuple(pair) for pair in splits) if splits else None,
            format=opts.get("format", "png"),
            jpeg_quality=opts.get("jpeg_quality", 95),
            annotations=tuple(opts.get("annotations") or ()),
            masks=opts.get("masks", False),
            sequence_lines=tuple(tuple(line) for line in sequences) if sequences else None,
            images_per_file=opts.get("images_per_file", 10_000),
        )
        count = data.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise SpecError("count", f"{count!r} is not a whole number ≥ 1")
        return cls(GenerationSpec.from_dict(data.get("spec") or {}), count, options)

    @classmethod
    def from_json(cls, text: str) -> ExportSettings:
        """Parse :meth:`to_json`'s text."""
        from seqstudio.core.fileio import JsonLimitError, parse_json

        try:
            return cls.from_dict(parse_json(text))
        except (json.JSONDecodeError, JsonLimitError) as exc:
            raise SpecError("settings", f"not valid JSON ({exc})") from None

    @classmethod
    def from_record(cls, settings: dict[str, Any], path: Any = "dataset.json") -> ExportSettings:
        """The settings a ``dataset.json`` records under ``settings``.

        Raises
        ------
        ExportError
            The record is incomplete, damaged or holds a setting this version cannot use
            (``path`` is named).
        """
        from seqstudio.core.export.errors import ExportError

        try:
            spec = GenerationSpec.from_dict(settings["spec"])
            count = settings["count"]
            lines = settings.get("sequences")
            split_info = settings["splits"]
            names = list(split_info)
            splits: tuple[tuple[str, float], ...] | None = tuple(
                (name, split_info[name]["ratio"]) for name in names
            )
            if len(names) == 1 and names[0] == spec.pool:
                splits = None  # the same plan as one split named after the spec's pool
            options = ExportOptions(
                splits=splits,
                format=settings["format"],
                jpeg_quality=settings.get("jpeg_quality") or 95,
                annotations=tuple(settings.get("annotations") or ()),
                masks=settings.get("masks", False),
                sequence_lines=tuple(tuple(line) for line in lines) if lines is not None else None,
                images_per_file=settings.get("images_per_file", 10_000),
            )
        except SpecError as exc:
            raise ExportError(f"{path} records an invalid setting: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ExportError(
                f"{path} is incomplete or damaged ({type(exc).__name__}: {exc})"
            ) from None
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ExportError(f"{path} records an invalid count {count!r}")
        return cls(spec, count, options)

    # ------------------------------------------------------------------ diff
    def diff(self, other: ExportSettings) -> list[SettingDifference]:
        """Every setting where ``self`` (ours) differs from ``other`` (theirs), in order.

        Spec fields first (``random.<field>`` inside random sequences), then ``count``
        (without sequences), ``sequences``, ``split``, ``format``, ``jpeg_quality`` (only
        when both are JPEG), ``annotations`` and ``masks``.
        """
        found = diff_spec(self.spec, other.spec)
        ours, theirs = self.options, other.options
        if ours.has_sequences != theirs.has_sequences:
            found.append(
                SettingDifference(
                    "sequences",
                    "a sequences file" if ours.has_sequences else "no sequences file",
                    "a sequences file" if theirs.has_sequences else "no sequences file",
                )
            )
        elif not ours.has_sequences:
            if self.count != other.count:
                found.append(SettingDifference("count", f"{self.count:,}", f"{other.count:,}"))
        elif (a := _lines(ours)) != (b := _lines(theirs)):
            k = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            found.append(SettingDifference("sequences", sequence_entry(a, k), sequence_entry(b, k)))
        found += diff_options(ours, theirs, self.spec.pool, other.spec.pool)
        return found

    def with_sequences_file(self, path, count: int | None = None) -> ExportSettings:
        """These settings with the lines of the sequences file ``path``.

        Lines without a count get ``count`` images, or, when ``count`` is ``None``, the
        one count these settings' own lines without a count share (resume).
        """
        from seqstudio.core.export.sources import read_sequences

        lines = read_sequences(path, 0 if count is None else count)
        given = [(line.text, line.count) for line in lines]
        recorded = self.options.sequence_lines
        if count is None and recorded is not None:
            defaults = {n for (_, n), (_, g) in zip(recorded, given) if g == 0}
            fill = defaults.pop() if len(defaults) == 1 else 0
            given = [(text, n or fill) for text, n in given]
        options = dataclasses.replace(
            self.options, sequences_file=None, sequence_lines=tuple(given)
        )
        return dataclasses.replace(self, options=options)


def diff_options(ours, theirs, ours_pool: str, theirs_pool: str) -> list[SettingDifference]:
    """Differences of the options that decide the bytes (split, format, JPEG quality,
    annotations, masks); ``ours`` may be any object with those attributes."""
    found = []
    a_split, b_split = split_text(ours, ours_pool), split_text(theirs, theirs_pool)
    if a_split != b_split:
        found.append(SettingDifference("split", a_split, b_split))
    if ours.format != theirs.format:
        found.append(SettingDifference("format", ours.format, theirs.format))
    elif ours.format == "jpg" and ours.jpeg_quality != theirs.jpeg_quality:
        found.append(
            SettingDifference("jpeg_quality", str(ours.jpeg_quality), str(theirs.jpeg_quality))
        )
    if tuple(ours.annotations) != tuple(theirs.annotations):
        found.append(
            SettingDifference(
                "annotations",
                ",".join(ours.annotations) or "none",
                ",".join(theirs.annotations) or "none",
            )
        )
    if ours.masks != theirs.masks:
        found.append(SettingDifference("masks", _on(ours.masks), _on(theirs.masks)))
    if (
        ours.format == theirs.format
        and ours.format in SHARD_FORMATS
        and ours.images_per_file != theirs.images_per_file
    ):
        found.append(
            SettingDifference(
                "images_per_file", str(ours.images_per_file), str(theirs.images_per_file)
            )
        )
    return found


def diff_spec(ours: GenerationSpec, theirs: GenerationSpec) -> list[SettingDifference]:
    """Differences of two specs, field by field (``random.<field>`` inside random)."""
    a, b = ours.to_dict(), theirs.to_dict()
    if (a["random"] is None) != (b["random"] is None):
        if a["random"] is None:
            return [SettingDifference("digits", show(a["digits"]), "random sequences")]
        return [SettingDifference("random", "random sequences", show(b["digits"]))]
    found = []
    for key in b:
        x, y = a.get(key), b.get(key)
        if x == y or (key == "digits" and b["random"] is not None):
            continue  # digits are unused with random sequences (recorded as "")
        if key == "random":
            assert isinstance(x, dict) and isinstance(y, dict)  # both random (checked above)
            for sub in y:
                if x.get(sub) != y.get(sub):
                    found.append(
                        SettingDifference(f"random.{sub}", show(x.get(sub)), show(y.get(sub)))
                    )
            continue
        found.append(SettingDifference(key, show(x), show(y)))
    return found


def split_text(options, pool: str) -> str:
    """``"train=0.8,val=0.1,test=0.1"``; no splits is one split named after ``pool``."""
    pairs = options.splits if options.splits is not None else ((pool, 1.0),)
    return ",".join(f"{name}={ratio:g}" for name, ratio in pairs)


def _lines(options: ExportOptions) -> list[tuple[str, int]]:
    """The recorded sequence lines of an :class:`ExportSettings`' options."""
    return list(options.sequence_lines or ())


def sequence_entry(lines: list, k: int) -> str:
    """``"sequence 3: '2024' x8"`` (or the number of lines when ``k`` is past the end)."""
    if k >= len(lines):
        return f"{len(lines)} lines"
    text, count = lines[k]
    return f"sequence {k + 1}: {text!r} x{count}"


def show(value: Any) -> str:
    """A setting's value as short text (strings unquoted, the rest as JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _on(value: bool) -> str:
    return "on" if value else "off"
