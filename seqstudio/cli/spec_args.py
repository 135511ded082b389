"""Command-line options for every field of a :class:`GenerationSpec`, shared by commands.

``--spec FILE.json`` gives a base spec; every option given explicitly overrides its field.
Options not given keep the spec file's (or the default) value.
"""

from __future__ import annotations

import argparse
from typing import Any

from seqstudio.core.errors import SpecError
from seqstudio.core.spec import (
    ALIGNMENTS,
    FIT_MODES,
    MAX_HEIGHT,
    MAX_WIDTH,
    POOLS,
    SPACING_MODES,
    SPACING_SCOPES,
    GenerationSpec,
    RandomSequences,
)


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the generation-spec options to ``parser`` (all default to "not given")."""
    group = parser.add_argument_group("what to generate (override --spec)")
    group.add_argument(
        "--spec",
        metavar="FILE.json",
        help="start from this spec file (as saved by --save-spec or the app)",
    )
    group.add_argument(
        "--digits",
        metavar="LABELS",
        help="the sequence, e.g. 14543 (one label per character; use commas for longer labels: A,B,10)",
    )
    group.add_argument(
        "--random-length",
        nargs=2,
        type=int,
        metavar=("MIN", "MAX"),
        help="draw a random sequence of MIN..MAX labels per image instead of --digits",
    )
    group.add_argument(
        "--labels",
        metavar="LABELS",
        help="labels random sequences draw from (default: all), e.g. 0123",
    )
    group.add_argument(
        "--weights",
        metavar="W,W,...",
        help="relative weight of each of --labels (default: uniform)",
    )
    group.add_argument(
        "--spacing",
        nargs=2,
        type=int,
        metavar=("MIN", "MAX"),
        help="gap range in pixels, MIN ≤ MAX; a negative MIN lets digits touch or overlap "
        "(down to half a digit)",
    )
    group.add_argument(
        "--spacing-mode",
        choices=SPACING_MODES,
        help="each gap drawn (variable) or one gap for all (fixed)",
    )
    group.add_argument(
        "--spacing-scope",
        choices=SPACING_SCOPES,
        help="gaps between digits only, or at the edges too",
    )
    group.add_argument(
        "--width", type=int, metavar="PX", help=f"image width, 1..{MAX_WIDTH} (default 200)"
    )
    group.add_argument(
        "--height", type=int, metavar="PX", help=f"image height, 1..{MAX_HEIGHT} (default 28)"
    )
    group.add_argument(
        "--fit",
        choices=FIT_MODES,
        help="pad (default: any width from the minimum, digits untouched, gaps in range), "
        "strict (pad, but only widths that hold the largest gaps: gaps always independent), "
        "exact (gaps fill the width), scale (shrink to fit), stretch (distort)",
    )
    group.add_argument(
        "--align", choices=ALIGNMENTS, help="where a padded sequence sits (default center)"
    )
    group.add_argument(
        "--crop",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="gaps measured ink to ink",
    )
    group.add_argument(
        "--invert", action=argparse.BooleanOptionalAction, default=None, help="black ink on white"
    )
    group.add_argument(
        "--pool", choices=POOLS, help="draw glyphs from the train (default) or test pool"
    )
    group.add_argument(
        "--source",
        metavar="SRC",
        help="glyph source: bundled (default), idx:DIR, folder:DIR, font:PATH (a font file or "
        "folder) or a mix BASE+SOURCE@WEIGHT, e.g. bundled+font:DIR@0.3",
    )
    group.add_argument(
        "--seed", type=int, metavar="N", help="random seed, 0 ≤ N < 2**63 (default 0)"
    )
    group.add_argument(
        "--augment",
        metavar="PRESET|FILE.json",
        help="augmentation preset (none, light, scan-like, heavy) or a JSON file of operations",
    )


def _labels(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",")) if "," in text else tuple(text)


def spec_from_args(args: argparse.Namespace, base: GenerationSpec | None = None) -> GenerationSpec:
    """Build the spec the options describe (validated: raises :class:`SpecError`).

    Options not given keep the value of ``--spec FILE``, else of ``base``, else the default.
    """
    spec = _load_spec_file(args.spec) if args.spec else base or GenerationSpec()
    changes: dict[str, Any] = {}
    if args.digits is not None:
        if not args.digits.strip():
            raise SpecError("--digits", "is empty (give at least one label, e.g. 14543)")
        changes["digits"] = _labels(args.digits)
        changes["random"] = None
    if args.random_length is not None or args.labels is not None or args.weights is not None:
        base = spec.random or RandomSequences()
        low, high = (
            args.random_length
            if args.random_length is not None
            else (base.min_length, base.max_length)
        )
        labels = _labels(args.labels) if args.labels is not None else base.labels
        weights = base.weights
        if args.weights is not None:
            try:
                weights = tuple(float(w) for w in args.weights.split(","))
            except ValueError:
                raise SpecError(
                    "--weights", f"{args.weights!r} is not a comma-separated list of numbers"
                ) from None
        if args.random_length is None and spec.random is None:
            raise SpecError(
                "--labels",
                "needs --random-length MIN MAX (it sets the labels random sequences use)",
            )
        changes["random"] = RandomSequences(low, high, labels, weights)
    if args.spacing is not None:
        changes["spacing_min"], changes["spacing_max"] = args.spacing
    simple = {
        "spacing_mode": args.spacing_mode,
        "spacing_scope": args.spacing_scope,
        "width": args.width,
        "height": args.height,
        "fit": args.fit,
        "align": args.align,
        "crop": args.crop,
        "invert": args.invert,
        "pool": args.pool,
        "source": args.source,
        "seed": args.seed,
    }
    changes.update({k: v for k, v in simple.items() if v is not None})
    if args.augment is not None:
        changes["augment"] = _load_augment(args.augment)
    try:
        return spec.replace(**changes)
    except SpecError as exc:
        raise SpecError(_option_name(exc.field), exc.message) from None


def generator_from_args(args: argparse.Namespace):
    """Build and check the :class:`SequenceGenerator` for the options; errors name the option."""
    from seqstudio.core.errors import DataError
    from seqstudio.core.generator import SequenceGenerator

    spec = spec_from_args(args)
    try:
        return SequenceGenerator(spec)
    except SpecError as exc:
        raise SpecError(_option_name(exc.field), exc.message) from None
    except DataError as exc:
        raise DataError(f"--source: {exc}") from None


def _load_spec_file(path: str) -> GenerationSpec:
    try:
        return GenerationSpec.load(path)
    except SpecError as exc:
        if exc.field not in ("spec", "schema", "version"):  # a field inside the file
            raise
        raise SpecError("--spec", exc.message) from None


def _load_augment(name_or_path: str) -> tuple:
    from seqstudio.core.augment.presets import load_preset

    try:
        return load_preset(name_or_path)
    except SpecError as exc:
        if exc.field != "augment":  # a field inside the file: keep its path there
            raise
        raise SpecError("--augment", exc.message) from None


_FIELD_TO_OPTION = {
    "digits": "--digits",
    "spacing_min": "--spacing MIN",
    "spacing_max": "--spacing MAX",
    "spacing_mode": "--spacing-mode",
    "spacing_scope": "--spacing-scope",
    "width": "--width",
    "height": "--height",
    "fit": "--fit",
    "align": "--align",
    "pool": "--pool",
    "source": "--source",
    "seed": "--seed",
    "random.min_length": "--random-length MIN",
    "random.max_length": "--random-length MAX",
    "random.labels": "--labels",
    "random.weights": "--weights",
}


def option_for_field(field: str) -> str:
    """The command-line option that sets spec ``field`` (the field itself if none does)."""
    return _option_name(field)


def _option_name(field: str) -> str:
    head = field.split("[")[0]
    return _FIELD_TO_OPTION.get(field) or (_FIELD_TO_OPTION.get(head, field) + field[len(head) :])
