"""The generation spec: one typed, immutable, self-validating description of what to draw.

It is the single source of truth shared by the Python API, the CLI, presets, the GUI and
batch export, and round-trips through JSON with a schema version::

    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200)
    same = GenerationSpec.from_json(spec.to_json())

Every invalid value raises :class:`~seqstudio.core.errors.SpecError` naming the field,
the value and what is allowed. Checks that need the glyph source (labels it has, widths
that fit) happen when a :class:`~seqstudio.core.generator.SequenceGenerator` is built.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqstudio.core.errors import SpecError, brief
from seqstudio.core.fileio import JsonLimitError, parse_json, read_user_text

SCHEMA_NAME = "seqstudio.generation-spec"
SCHEMA_VERSION = 1

SPACING_MODES = ("variable", "fixed")
SPACING_SCOPES = ("between", "edges")
FIT_MODES = ("pad", "strict", "exact", "scale", "stretch")
ALIGNMENTS = ("left", "center", "right", "random")
POOLS = ("train", "test")

MAX_WIDTH = 16384
MAX_HEIGHT = 1024
MAX_SEQUENCE_LENGTH = 256
MAX_SEED = 2**63 - 1
#: Largest image index (the counter-based generator works on 64-bit keys).
MAX_INDEX = 2**63 - 1
#: Static floor of negative spacing; the real limit (half the narrowest glyph) is checked
#: against the glyphs when a generator is built.
MAX_SPACING_OVERLAP = MAX_HEIGHT // 2


def _field(default: Any, option: str, help: str, **meta: Any) -> Any:
    """A spec field with the metadata its command-line option is generated from.

    ``option`` is the option that sets the field (``--width``); ``help`` its help text;
    optional ``metavar``, ``choices`` and ``part`` (``"MIN"``/``"MAX"``: the field is one
    of the two values of an option that takes two, e.g. ``--spacing MIN MAX``). The type
    comes from the field's annotation (``bool`` fields get ``--name/--no-name``).
    :mod:`seqstudio.cli.spec_args` builds the options and the map from a field named in a
    :class:`~seqstudio.core.errors.SpecError` to its option from this metadata alone.
    """
    return field(default=default, metadata={"option": option, "help": help, **meta})


@dataclass(frozen=True)
class RandomSequences:
    """Draw a new random label sequence for every image.

    Attributes
    ----------
    min_length, max_length : int
        Sequence length range, both ends included (1 ≤ min ≤ max ≤ 256).
    labels : tuple of str, optional
        Labels to draw from; ``None`` means every class of the glyph source.
    weights : tuple of float, optional
        Relative weight of each of ``labels`` (same length); ``None`` means uniform.
    """

    min_length: int = _field(
        1,
        "--random-length",
        "draw a random sequence of MIN..MAX labels per image instead of --digits",
        part="MIN",
    )
    max_length: int = _field(5, "--random-length", "", part="MAX")
    labels: tuple[str, ...] | None = _field(
        None, "--labels", "labels random sequences draw from (default: all), e.g. 0123",
        metavar="LABELS",
    )  # fmt: skip
    weights: tuple[float, ...] | None = _field(
        None, "--weights", "relative weight of each of --labels (default: uniform)",
        metavar="W,W,...",
    )  # fmt: skip

    def __post_init__(self) -> None:
        _check_int("random.min_length", self.min_length, 1, MAX_SEQUENCE_LENGTH)
        _check_int("random.max_length", self.max_length, 1, MAX_SEQUENCE_LENGTH)
        if self.min_length > self.max_length:
            raise SpecError(
                "random.max_length",
                f"{self.max_length} is below the minimum length {self.min_length} (need min ≤ max)",
            )
        if self.labels is not None:
            labels = _as_labels("random.labels", self.labels)
            object.__setattr__(self, "labels", labels)
        if self.weights is not None:
            if self.labels is None:
                raise SpecError(
                    "random.weights",
                    "weights need an explicit random.labels list of the same length",
                )
            if isinstance(self.weights, (str, bytes)) or not isinstance(self.weights, Sequence):
                raise SpecError("random.weights", f"{brief(self.weights)} is not a list of numbers")
            weights = tuple(self.weights)
            if len(weights) != len(self.labels):
                raise SpecError(
                    "random.weights",
                    f"has {len(weights)} values for {len(self.labels)} labels (need one per label)",
                )
            for k, w in enumerate(weights):
                if (
                    isinstance(w, bool)
                    or not isinstance(w, (int, float))
                    or not w >= 0
                    or w == float("inf")
                    or w > 1e308  # an int too large for a float
                ):
                    raise SpecError(
                        f"random.weights[{k}]", f"{brief(w)} is not a finite number ≥ 0 (≤ 1e308)"
                    )
            if sum(weights) <= 0:
                raise SpecError("random.weights", "all weights are 0 (at least one must be > 0)")
            object.__setattr__(self, "weights", tuple(float(w) for w in weights))


@dataclass(frozen=True)
class GenerationSpec:
    """What to generate. Immutable; use :meth:`replace` to derive a changed copy.

    Attributes
    ----------
    digits : tuple of str
        The label sequence, e.g. ``"14543"`` (one label per character) or a list of
        labels. Ignored when ``random`` is set.
    random : RandomSequences, optional
        Draw a random sequence per image instead of ``digits``.
    spacing_min, spacing_max : int
        Gap range in pixels, min ≤ max. A negative minimum lets neighbouring glyphs
        touch or overlap (down to half the narrowest glyph, checked against the glyphs
        when a generator is built; ``spacing_scope="between"`` only).
    spacing_mode : str
        ``"variable"``: each gap drawn independently and uniformly from [min, max];
        ``"fixed"``: one gap value, drawn once per image, for every gap.
    spacing_scope : str
        ``"between"``: n−1 gaps between the digits; ``"edges"``: n+1, the two outer ones
        (before the first and after the last digit) included.
    width, height : int
        Output size in pixels. Glyphs are scaled to ``height`` with their aspect kept.
    fit : str
        How the laid-out sequence meets ``width``. ``"pad"`` (default, width-first)
        works for every width from the natural minimum up (the widest un-augmented
        glyphs with the minimum gaps): glyph pixels are never resampled, every gap lies
        in [min, max], drawn independently and uniformly when the drawn gaps fit, and
        otherwise uniformly over the gap vectors that fit (:mod:`seqstudio.core.gapfit`);
        the rest is padding at ``align``. Only when augmentation widens the glyphs so
        much that even the minimum gaps do not fit is the sequence shrunk, uniformly
        (``params["scale_x"] < 1``). ``"strict"`` is today's worst-case padding: it
        refuses any width that cannot hold the widest glyphs and the largest gaps, so
        the gaps are always independent. ``"exact"`` chooses gaps within [min, max]
        that fill the width exactly. ``"scale"`` shrinks the whole sequence uniformly
        (aspect kept) when it is too wide, then pads. ``"stretch"`` resizes the
        sequence to the width, distorting it (what most older generators do).
    align : str
        Where a padded sequence sits: ``left``, ``center``, ``right`` or ``random``.
    crop : bool
        Use each glyph's ink columns instead of its whole cell, so gaps are ink-to-ink.
    invert : bool
        Black ink on white instead of MNIST's white on black.
    pool : str
        ``"train"`` or ``"test"`` glyphs.
    source : str
        Glyph source: ``"bundled"``, ``"idx:DIR"`` or ``"folder:DIR"``.
    seed : int
        Image ``i`` depends only on (spec, seed, i).
    augment : tuple
        Augmentation operations (see :mod:`seqstudio.core.augment`); empty for none.
    """

    # Each field's metadata generates its command-line option (see _field).
    digits: tuple[str, ...] = _field(
        ("1", "4", "5", "4", "3"), "--digits",
        "the sequence, e.g. 14543 (one label per character; use commas for longer labels: A,B,10)",
        metavar="LABELS",
    )  # fmt: skip
    #: Its options are those of RandomSequences' fields.
    random: RandomSequences | None = None
    spacing_min: int = _field(
        5, "--spacing",
        "gap range in pixels, MIN ≤ MAX; a negative MIN lets digits touch or overlap "
        "(down to half a digit)",
        part="MIN",
    )  # fmt: skip
    spacing_max: int = _field(10, "--spacing", "", part="MAX")
    spacing_mode: str = _field(
        "variable", "--spacing-mode", "each gap drawn (variable) or one gap for all (fixed)",
        choices=SPACING_MODES,
    )  # fmt: skip
    spacing_scope: str = _field(
        "between", "--spacing-scope", "gaps between digits only, or at the edges too",
        choices=SPACING_SCOPES,
    )  # fmt: skip
    width: int = _field(200, "--width", f"image width, 1..{MAX_WIDTH} (default 200)", metavar="PX")
    height: int = _field(
        28, "--height", f"image height, 1..{MAX_HEIGHT} (default 28)", metavar="PX"
    )
    fit: str = _field(
        "pad", "--fit",
        "pad (default: any width from the minimum, digits untouched, gaps in range), "
        "strict (pad, but only widths that hold the largest gaps: gaps always independent), "
        "exact (gaps fill the width), scale (shrink to fit), stretch (distort)",
        choices=FIT_MODES,
    )  # fmt: skip
    align: str = _field(
        "center", "--align", "where a padded sequence sits (default center)", choices=ALIGNMENTS
    )
    crop: bool = _field(False, "--crop", "gaps measured ink to ink")
    invert: bool = _field(False, "--invert", "black ink on white")
    pool: str = _field(
        "train", "--pool", "draw glyphs from the train (default) or test pool", choices=POOLS
    )
    source: str = _field(
        "bundled", "--source",
        "glyph source: bundled (default), idx:DIR, folder:DIR, font:PATH (a font file or "
        "folder) or a mix BASE+SOURCE@WEIGHT, e.g. bundled+font:DIR@0.3",
        metavar="SRC",
    )  # fmt: skip
    seed: int = _field(0, "--seed", "random seed, 0 ≤ N < 2**63 (default 0)", metavar="N")
    augment: tuple = _field(
        (), "--augment",
        "augmentation preset (none, light, scan-like, heavy) or a JSON file of operations",
        metavar="PRESET|FILE.json",
    )  # fmt: skip

    def __post_init__(self) -> None:
        if isinstance(self.random, Mapping):
            object.__setattr__(self, "random", _random_from_dict(self.random))
        if self.random is not None and not isinstance(self.random, RandomSequences):
            raise SpecError("random", f"{self.random!r} is not a random-sequence setting or null")
        digits = _as_labels("digits", self.digits, allow_empty=self.random is not None)
        if len(digits) > MAX_SEQUENCE_LENGTH:
            raise SpecError(
                "digits", f"{len(digits)} labels is more than the maximum {MAX_SEQUENCE_LENGTH}"
            )
        object.__setattr__(self, "digits", digits)
        _check_int("spacing_min", self.spacing_min, -MAX_SPACING_OVERLAP, MAX_WIDTH)
        _check_int("spacing_max", self.spacing_max, -MAX_SPACING_OVERLAP, MAX_WIDTH)
        if self.spacing_min > self.spacing_max:
            raise SpecError(
                "spacing_max",
                f"{self.spacing_max} is below spacing_min {self.spacing_min} (need min ≤ max)",
            )
        _check_choice("spacing_mode", self.spacing_mode, SPACING_MODES)
        _check_choice("spacing_scope", self.spacing_scope, SPACING_SCOPES)
        _check_int("width", self.width, 1, MAX_WIDTH)
        _check_int("height", self.height, 1, MAX_HEIGHT)
        _check_choice("fit", self.fit, FIT_MODES)
        _check_choice("align", self.align, ALIGNMENTS)
        _check_bool("crop", self.crop)
        _check_bool("invert", self.invert)
        _check_choice("pool", self.pool, POOLS)
        if not isinstance(self.source, str) or not self.source:
            raise SpecError(
                "source", f"{self.source!r} is not 'bundled', 'idx:DIR' or 'folder:DIR'"
            )
        from seqstudio.core.glyphs import parse_source

        parse_source(self.source)
        _check_int("seed", self.seed, 0, MAX_SEED)
        object.__setattr__(self, "augment", _validate_augment(self.augment))

    # ----------------------------------------------------------------- derived values
    @property
    def label_text(self) -> str:
        """The fixed sequence as text (``""`` for random sequences)."""
        return "" if self.random is not None else "".join(self.digits)

    def replace(self, **changes: Any) -> GenerationSpec:
        """A copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    # ----------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the schema name and version first."""
        data: dict[str, Any] = {"schema": SCHEMA_NAME, "version": SCHEMA_VERSION}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "digits":
                value = "".join(value) if all(len(d) == 1 for d in value) else list(value)
            elif f.name == "random" and value is not None:
                value = {
                    k: (list(v) if isinstance(v, tuple) else v)
                    for k, v in dataclasses.asdict(value).items()
                }
            elif f.name == "augment":
                value = [op.to_dict() for op in value]
            data[f.name] = value
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The spec as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationSpec:
        """Build and validate a spec from a dict such as :meth:`to_dict` gives.

        Missing fields take their defaults; unknown fields are an error.
        """
        if not isinstance(data, Mapping):
            raise SpecError("spec", f"expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        schema = data.pop("schema", SCHEMA_NAME)
        version = data.pop("version", SCHEMA_VERSION)
        if schema != SCHEMA_NAME:
            raise SpecError("schema", f"{brief(schema)} is not {SCHEMA_NAME!r}")
        if type(version) is not int or version != SCHEMA_VERSION:  # ``true`` is not 1
            raise SpecError(
                "version",
                f"{brief(version)} is not supported (this seqstudio reads version "
                f"{SCHEMA_VERSION})",
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(unknown[0], f"unknown field (known fields: {', '.join(sorted(known))})")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> GenerationSpec:
        """Parse and validate JSON text."""
        try:
            data = parse_json(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                "spec", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except JsonLimitError as exc:
            raise SpecError("spec", f"the JSON {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> GenerationSpec:
        """Read a spec file, naming the file in any error."""
        path = Path(path)
        text = read_user_text(path, "spec")
        try:
            return cls.from_json(text)
        except SpecError as exc:
            raise SpecError(exc.field, f"{exc.message} (in {path})") from None

    def save(self, path: str | Path) -> None:
        """Write the spec as JSON."""
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")


# --------------------------------------------------------------------- validators
def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, f"{brief(value)} is not a whole number (allowed: {low} to {high})")
    if not low <= value <= high:
        raise SpecError(name, f"{brief(value)} is outside the allowed range {low} to {high}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise SpecError(name, f"{brief(value)} is not one of: {', '.join(choices)}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SpecError(name, f"{brief(value)} is not true or false")


def _as_labels(name: str, value: Any, allow_empty: bool = False) -> tuple[str, ...]:
    if isinstance(value, (str, Sequence)) and len(value) > MAX_SEQUENCE_LENGTH:
        # Refused before looking at the items: a 200M-character string costs nothing.
        raise SpecError(
            name, f"{len(value):,} labels is more than the maximum {MAX_SEQUENCE_LENGTH}"
        )
    if (
        isinstance(value, str)
        or isinstance(value, Sequence)
        and all(isinstance(v, str) for v in value)
    ):
        labels = tuple(value)
    elif isinstance(value, Sequence) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        labels = tuple(str(v) for v in value)
    else:
        raise SpecError(
            name, f"{brief(value)} is not a string of labels or a list of label strings"
        )
    if not labels and not allow_empty:
        raise SpecError(
            name, "is empty (give at least one label, e.g. '14543', or ask for random sequences)"
        )
    for k, label in enumerate(labels):
        if not label or label.isspace():
            raise SpecError(f"{name}[{k}]", f"{label!r} is not a label (blank)")
    return labels


def _random_from_dict(data: Mapping[str, Any]) -> RandomSequences:
    known = {f.name for f in dataclasses.fields(RandomSequences)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(
            f"random.{unknown[0]}", f"unknown field (known: {', '.join(sorted(known))})"
        )
    values = dict(data)
    for key in ("labels", "weights"):
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    return RandomSequences(**values)


def _validate_augment(value: Any) -> tuple:
    """Validate the augmentation list with :func:`seqstudio.core.augment.spec.parse_pipeline`."""
    from seqstudio.core.augment.spec import parse_pipeline

    return parse_pipeline(value)
