"""Resuming an export from what its ``dataset.json`` records.

An interrupted export is finished with the settings it was started with. The CLI's
``--resume`` and the GUI read them here: :func:`resume_settings` gives the spec, count
and options recorded in a folder, and :meth:`ResumeSettings.with_given` checks the
values a user gave explicitly against them. A value that would change the bytes of the
dataset is a :class:`ResumeConflict`; ``workers`` and ``chunk_size`` never do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from seqstudio.core.errors import SpecError
from seqstudio.core.export.manifest import DATASET_JSON, read_dataset_json
from seqstudio.core.export.options import ExportOptions, annotation_names
from seqstudio.core.export.settings import ExportSettings, diff_options, diff_spec
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
    true. With a sequences file, ``options.sequence_lines`` holds the recorded lines (the
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
        sequences_file: str | Path | None = None,
        workers: int | None = None,
        chunk_size: int | None = None,
    ) -> ResumeSettings:
        """Check explicitly given values against the record; return the settings to run.

        Parameters
        ----------
        spec : GenerationSpec, optional
            The recorded spec with the user's explicit changes applied (e.g. built with
            the recorded spec as base); every field must equal the recorded one.
        count, splits, format, jpeg_quality, annotations, masks, sequences_file : optional
            Values the user gave; ``None`` means "not given". ``jpeg_quality`` is only
            compared when the recorded format is ``jpg`` (it has no effect otherwise).
            ``count`` with a recorded sequences file needs ``sequences_file`` as well.
        workers, chunk_size : int, optional
            Applied freely: they do not change the dataset's bytes.

        Raises
        ------
        ResumeConflict
            On the first given value that differs from the record.
        SpecError
            A given value that is invalid itself (bad split, unreadable sequences file).
        """
        recorded = self.settings
        found = diff_spec(spec, recorded.spec) if spec is not None else []
        if sequences_file is not None:
            if recorded.options.sequence_lines is None:
                raise ResumeConflict(
                    "sequences", str(sequences_file), "no sequences file", self.path
                )
            given = recorded.with_sequences_file(sequences_file, count)
            found += [
                dataclasses.replace(d, ours=f"{sequences_file} ({d.ours})")
                for d in given.diff(recorded)
                if d.field == "sequences"
            ]
        elif count is not None:
            if recorded.options.sequence_lines is not None:
                raise SpecError(
                    "count",
                    f"{count} cannot be checked against the sequences file recorded in "
                    f"{self.path}; leave it out (the recorded counts are used) or give the "
                    "sequences file too",
                )
            found += [
                d
                for d in dataclasses.replace(recorded, count=count).diff(recorded)
                if d.field == "count"
            ]
        # Each given option is checked alone (a combination with the recorded ones may
        # itself be invalid, e.g. --format npz against recorded annotations).
        given_options = SimpleNamespace(**dataclasses.asdict(recorded.options))
        if splits is not None:
            given_options.splits = ExportOptions(splits=splits).splits
        if format is not None:
            given_options.format = format
        if jpeg_quality is not None:
            given_options.jpeg_quality = jpeg_quality
        if annotations is not None:
            given_options.annotations = ExportOptions(
                annotations=annotation_names(annotations)
            ).annotations
        if masks is not None:
            given_options.masks = masks
        found += diff_options(given_options, recorded.options, self.spec.pool, self.spec.pool)
        if found:
            first = found[0]
            raise ResumeConflict(first.field, first.ours, first.theirs, self.path)
        options = dataclasses.replace(self.options, workers=workers, chunk_size=chunk_size)
        return dataclasses.replace(self, options=options)

    @property
    def settings(self) -> ExportSettings:
        """The recorded spec, count and options as one :class:`ExportSettings`."""
        return ExportSettings(self.spec, self.count, self.options)


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
    recorded = ExportSettings.from_record(doc["settings"], path)
    options = dataclasses.replace(recorded.options, resume=True)
    return ResumeSettings(recorded.spec, recorded.count, options, path)


def has_dataset_json(out_dir: str | Path) -> bool:
    """Whether ``out_dir`` holds a ``dataset.json`` (an export to resume)."""
    return (Path(out_dir).expanduser() / DATASET_JSON).is_file()
