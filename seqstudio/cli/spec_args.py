"""Command-line options for every field of a :class:`GenerationSpec`, shared by commands.

``--spec FILE.json`` gives a base spec; every option given explicitly overrides its field.
Options not given keep the spec file's (or the default) value.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec, RandomSequences

#: Fields the generic loop does not set: parsed from text (digits, random's labels and
#: weights) or loaded from a file (augment); see :func:`spec_from_args`.
_PARSED = ("digits", "augment")


def _option_fields() -> list[tuple[str, dataclasses.Field]]:
    """``(error field name, field)`` of every spec field that has a command-line option.

    In declaration order, with ``random`` expanded into ``random.<field>`` in its place.
    """
    found: list[tuple[str, dataclasses.Field]] = []
    for f in dataclasses.fields(GenerationSpec):
        if f.name == "random":
            found += [(f"random.{r.name}", r) for r in dataclasses.fields(RandomSequences)]
        elif "option" in f.metadata:
            found.append((f.name, f))
    return found


def _dest(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the generation-spec options to ``parser`` (all default to "not given").

    One option per spec field (one for a ``MIN``/``MAX`` pair), generated from the fields'
    metadata (:func:`seqstudio.core.spec._field`): name, help, metavar, choices, type.
    """
    group = parser.add_argument_group("what to generate (override --spec)")
    group.add_argument(
        "--spec",
        metavar="FILE.json",
        help="start from this spec file (as saved by --save-spec or the app)",
    )
    added: set[str] = set()
    for _, f in _option_fields():
        meta = f.metadata
        option = meta["option"]
        if option in added:  # the MAX half of a MIN MAX option
            continue
        added.add(option)
        kwargs: dict[str, Any] = {"help": meta["help"]}
        if "part" in meta:
            kwargs.update(nargs=2, type=int, metavar=("MIN", "MAX"))
        elif "choices" in meta:
            kwargs["choices"] = meta["choices"]
        elif f.type in ("bool", bool):
            kwargs.update(action=argparse.BooleanOptionalAction, default=None)
        else:
            kwargs["metavar"] = meta.get("metavar")
            if f.type in ("int", int):
                kwargs["type"] = int
        group.add_argument(option, **kwargs)


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
    for name, f in _option_fields():
        value = getattr(args, _dest(f.metadata["option"]))
        if name in _PARSED or name.startswith("random.") or value is None:
            continue
        changes[name] = (
            value[0 if f.metadata["part"] == "MIN" else 1] if "part" in f.metadata else value
        )
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


#: Spec field named in a SpecError -> the option that sets it (``--spacing MIN``).
_FIELD_TO_OPTION = {
    name: " ".join(filter(None, (f.metadata["option"], f.metadata.get("part"))))
    for name, f in _option_fields()
    if name != "augment"  # a field inside the preset file keeps its own path
}


def option_for_field(field: str) -> str:
    """The command-line option that sets spec ``field`` (the field itself if none does)."""
    return _option_name(field)


def _option_name(field: str) -> str:
    head = field.split("[")[0]
    return _FIELD_TO_OPTION.get(field) or (_FIELD_TO_OPTION.get(head, head) + field[len(head) :])
