"""Resuming an export from what its ``dataset.json`` records.

An interrupted export is finished with the settings it was started with. The CLI's
``--resume`` and the GUI read them here: :func:`resume_settings` gives the spec, count
and options recorded in a folder, and :meth:`ResumeSettings.with_given` checks the
values a user gave explicitly against them. A value that would change the bytes of the
dataset is a :class:`ResumeConflict`; ``workers`` and ``chunk_size`` never do.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seqstudio.core.errors import SpecError
from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.manifest import DATASET_JSON, read_dataset_json
from seqstudio.core.export.options import ExportOptions
from seqstudio.core.export.sources import read_sequences
from seqstudio.core.spec import GenerationSpec

#: Options that change how an export runs but never its bytes.
FREE_OPTIONS = ("workers", "chunk_size")


class ResumeConflict(SpecError):
    """An explicitly given setting differs from the one recorded in ``dataset.json``.

    ``field`` names the setting (a spec field such as ``width`` or ``random.min_length``,
    or ``count``, ``split``, ``format``, ``jpeg_quality``, ``annotations``, ``masks``,
    ``sequences``); ``given`` and ``recorded`` are the two values as short text.
    """

    def __init__(self, field: str, given: str, recorded: str, path: Path) -> None:
        self.given = given
        self.recorded = recorded
        self.path = path
        super().__init__(
            field,
            f"{given} given, but {path} records {recorded} "
            "(leave it out to finish the export with the recorded settings)",
        )


@dataclass(frozen=True)
class ResumeSettings:
    """The spec, count and options an export folder's ``dataset.json`` records.

    Unpacks as ``spec, count, options = resume_settings(folder)``; ``options.resume`` is
    true. With a sequences file, ``options.sequences`` holds the recorded lines (the
    file itself is not needed) and ``count`` is the total, which no line uses.

    Attributes
    ----------
    spec : GenerationSpec
    count : int
    options : ExportOptions
    path : Path
        The ``dataset.json`` read (named in conflict messages).
    """

    spec: GenerationSpec
    count: int
    options: ExportOptions
    path: Path

    def __iter__(self) -> Iterator[Any]:
        return iter((self.spec, self.count, self.options))

    def with_given(
        self,
        spec: GenerationSpec | None = None,
        count: int | None = None,
        *,
        splits: tuple[tuple[str, float], ...] | None = None,
        format: str | None = None,  # noqa: A002 - the option's name
        jpeg_quality: int | None = None,
        annotations: tuple[str, ...] | str | None = None,
        masks: bool | None = None,
        sequences: str | Path | None = None,
        workers: int | None = None,
        chunk_size: int | None = None,
    ) -> ResumeSettings:
        """Check explicitly given values against the record; return the settings to run.

        Parameters
        ----------
        spec : GenerationSpec, optional
            The recorded spec with the user's explicit changes applied (e.g. built with
            the recorded spec as base); every field must equal the recorded one.
        count, splits, format, jpeg_quality, annotations, masks, sequences : optional
            Values the user gave; ``None`` means "not given". ``jpeg_quality`` is only
            compared when the recorded format is ``jpg`` (it has no effect otherwise).
            ``count`` with a recorded sequences file needs ``sequences`` as well.
        workers, chunk_size : int, optional
            Applied freely: they do not change the dataset's bytes.

        Raises
        ------
        ResumeConflict
            On the first given value that differs from the record.
        SpecError
            A given value that is invalid itself (bad split, unreadable sequences file).
        """
        recorded = self.options
        if spec is not None:
            _compare_spec(spec, self.spec, self.path)
        if sequences is not None:
            self._check_sequences(sequences, count)
        elif count is not None:
            if recorded.sequences is not None:
                raise SpecError(
                    "count",
                    f"{count} cannot be checked against the sequences file recorded in "
                    f"{self.path}; leave it out (the recorded counts are used) or give the "
                    "sequences file too",
                )
            if count != self.count:
                raise ResumeConflict("count", str(count), str(self.count), self.path)
        if splits is not None:
            given = _split_text(ExportOptions(splits=splits).splits, self.spec.pool)
            mine = _split_text(recorded.splits, self.spec.pool)
            if given != mine:
                raise ResumeConflict("split", given, mine, self.path)
        if format is not None and format != recorded.format:
            raise ResumeConflict("format", format, recorded.format, self.path)
        if (
            jpeg_quality is not None
            and recorded.format == "jpg"
            and jpeg_quality != recorded.jpeg_quality
        ):
            raise ResumeConflict(
                "jpeg_quality", str(jpeg_quality), str(recorded.jpeg_quality), self.path
            )
        if annotations is not None:
            given_ann = ExportOptions(annotations=annotations).annotations
            if given_ann != recorded.annotations:
                raise ResumeConflict(
                    "annotations",
                    ",".join(given_ann) or "none",
                    ",".join(recorded.annotations) or "none",
                    self.path,
                )
        if masks is not None and masks != recorded.masks:
            raise ResumeConflict("masks", _yes(masks), _yes(recorded.masks), self.path)
        options = dataclasses.replace(recorded, workers=workers, chunk_size=chunk_size)
        return dataclasses.replace(self, options=options)

    def _check_sequences(self, path: str | Path, count: int | None) -> None:
        recorded = self.options.sequences
        if recorded is None:
            raise ResumeConflict("sequences", str(path), "no sequences file", self.path)
        # 0 marks lines that give no count: they take ``count`` (or the recorded default).
        lines = read_sequences(path, 0 if count is None else count)
        given = [(line.text, line.count) for line in lines]
        if count is None:
            defaults = {n for (text, n), (_, g) in zip(recorded, given) if g == 0}
            fill = defaults.pop() if len(defaults) == 1 else 0
            given = [(text, n or fill) for text, n in given]
        if given != list(recorded):
            differ = next(
                (k for k, (a, b) in enumerate(zip(given, recorded)) if a != b),
                min(len(given), len(recorded)),
            )
            raise ResumeConflict(
                "sequences",
                f"{path} ({_entry(given, differ)})",
                f"{_entry(list(recorded), differ)}",
                self.path,
            )


def resume_settings(out_dir: str | Path) -> ResumeSettings:
    """Read the spec, count and options of the export in ``out_dir`` from its ``dataset.json``.

    Parameters
    ----------
    out_dir : str or Path
        An export folder (complete or interrupted).

    Returns
    -------
    ResumeSettings
        Unpacks as ``(spec, count, options)``; ``options.resume`` is true and
        ``workers``/``chunk_size`` are left to choose.

    Raises
    ------
    ExportError
        If ``dataset.json`` is missing, unreadable, or records settings this version
        cannot use.
    """
    folder = Path(out_dir).expanduser()
    return settings_from_document(read_dataset_json(folder), folder / DATASET_JSON)


def settings_from_document(doc: dict[str, Any], path: Path) -> ResumeSettings:
    """The :class:`ResumeSettings` a ``dataset.json`` document (read from ``path``) records.

    Raises
    ------
    ExportError
        If the document records settings this version cannot use.
    """
    settings = doc["settings"]
    try:
        spec = GenerationSpec.from_dict(settings["spec"])
        count = settings["count"]
        lines = settings.get("sequences")
        split_info = settings["splits"]
        names = list(split_info)
        splits = tuple((name, split_info[name]["ratio"]) for name in names)
        if len(splits) == 1 and names[0] == spec.pool:
            splits = None  # the same plan as one split named after the spec's pool
        fmt = settings["format"]
        options = ExportOptions(
            splits=splits,
            format=fmt,
            jpeg_quality=settings.get("jpeg_quality") or 95,
            annotations=tuple(settings.get("annotations") or ()),
            masks=settings.get("masks", False),
            sequences=tuple(tuple(line) for line in lines) if lines is not None else None,
            images_per_file=settings.get("images_per_file", 10_000),
            resume=True,
        )
    except SpecError as exc:
        raise ExportError(f"{path} records an invalid setting: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExportError(
            f"{path} is incomplete or damaged ({type(exc).__name__}: {exc})"
        ) from None
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ExportError(f"{path} records an invalid count {count!r}")
    return ResumeSettings(spec, count, options, path)


def has_dataset_json(out_dir: str | Path) -> bool:
    """Whether ``out_dir`` holds a ``dataset.json`` (an export to resume)."""
    return (Path(out_dir).expanduser() / DATASET_JSON).is_file()


# ----------------------------------------------------------------------------- helpers
def _compare_spec(given: GenerationSpec, recorded: GenerationSpec, path: Path) -> None:
    ours, theirs = given.to_dict(), recorded.to_dict()
    if (ours["random"] is None) != (theirs["random"] is None):
        if ours["random"] is None:
            raise ResumeConflict("digits", _show(ours["digits"]), "random sequences", path)
        raise ResumeConflict("random", "random sequences", _show(theirs["digits"]), path)
    for key in theirs:
        a, b = ours.get(key), theirs.get(key)
        if a == b or (key == "digits" and theirs["random"] is not None):
            continue  # digits are unused with random sequences (recorded as "")
        if key == "random":
            sub = next(k for k in b if a.get(k) != b.get(k))
            raise ResumeConflict(f"random.{sub}", _show(a.get(sub)), _show(b.get(sub)), path)
        raise ResumeConflict(key, _show(a), _show(b), path)


def _split_text(splits, pool: str) -> str:
    pairs = splits if splits is not None else ((pool, 1.0),)
    return ",".join(f"{name}={ratio:g}" for name, ratio in pairs)


def _entry(lines: list, k: int) -> str:
    if k >= len(lines):
        return f"{len(lines)} lines"
    text, count = lines[k]
    return f"sequence {k + 1}: {text!r} x{count}"


def _yes(value: bool) -> str:
    return "on" if value else "off"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
