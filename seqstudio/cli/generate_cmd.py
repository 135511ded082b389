"""``seqstudio generate``: write one or a few images (plus their labels) from a spec."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from seqstudio.cli.spec_args import add_spec_arguments, generator_from_args
from seqstudio.core.errors import SpecError
from seqstudio.core.fileio import write_atomic

MAX_COUNT = 100_000
#: Images generated per vectorised batch by ``--count`` (bounds memory at any count).
BATCH_CHUNK = 512


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``generate`` subcommand."""
    parser = subparsers.add_parser(
        "generate",
        help="write digit-sequence images (a few; use `export` for datasets)",
        description="Write digit-sequence images. Every option has a default; "
        "e.g. `seqstudio generate --digits 14543 --spacing 5 10 --width 200 -o out.png`.",
    )
    add_spec_arguments(parser)
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.png|DIR",
        help="a .png file (one image) or a folder (several images, named 000000.png, ...)",
    )
    out.add_argument(
        "--count",
        type=int,
        default=1,
        metavar="N",
        help=f"images to write, 1..{MAX_COUNT} (default 1)",
    )
    out.add_argument(
        "--start", type=int, default=0, metavar="I", help="index of the first image (default 0)"
    )
    out.add_argument(
        "--json",
        action="store_true",
        help="also write each image's labels, boxes and gaps as .json",
    )
    out.add_argument(
        "--masks", action="store_true", help="also write each image's instance mask as _mask.png"
    )
    out.add_argument(
        "--save-spec",
        metavar="FILE.json",
        help="write the spec used (reproduces the images with --spec)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate everything, then write the images; return the exit code."""
    if not 1 <= args.count <= MAX_COUNT:
        raise SpecError("--count", f"{args.count} is outside the allowed range 1 to {MAX_COUNT}")
    if args.start < 0:
        raise SpecError("--start", f"{args.start} is below the minimum 0")
    generator = generator_from_args(args)
    spec = generator.spec
    targets = _targets(Path(args.output), args.count, args.start)
    if args.save_spec:
        _check_parent(Path(args.save_spec), "--save-spec")
    from seqstudio.core.cv import encode_png

    scales: list[float] = []
    if generator.vectorised and not (args.masks or args.json):
        scales = _write_images_batched(generator, targets)
    else:
        for index, path in targets:
            sample = generator.generate(index, masks=args.masks)
            scales.append(sample.params.get("scale_x", 1.0))
            write_atomic(path, encode_png(sample.image))
            if args.masks:
                write_atomic(path.with_name(path.stem + "_mask.png"), encode_png(sample.mask))
            if args.json:
                record = {"file_name": path.name, **sample.to_dict()}
                write_atomic(path.with_suffix(".json"), json.dumps(record, indent=1).encode())
    if args.save_spec:
        write_atomic(Path(args.save_spec), (spec.to_json() + "\n").encode())
    if args.count > 1:
        print(f"wrote {args.count} images to {args.output}")
    shrunk = [s for s in scales if s < 1.0]
    if shrunk and spec.fit == "pad":
        print(
            f"{len(shrunk)} of {len(scales)} images were shrunk to fit, "
            f"by at most {(1 - min(shrunk)) * 100:.0f} % (augmented digits wider than the "
            "width allows even with the minimum gaps)"
        )
    return 0


def _write_images_batched(generator, targets: list[tuple[int, Path]]) -> list[float]:
    """Images only, of a fixed sequence: the vectorised batch path (the same bytes as one
    at a time, tested), :data:`BATCH_CHUNK` images at a time so memory stays bounded.
    Returns each image's horizontal scale."""
    from seqstudio.core.cv import encode_png

    scales: list[float] = []
    for first in range(0, len(targets), BATCH_CHUNK):
        part = targets[first : first + BATCH_CHUNK]
        batch = generator.batch(part[0][0], len(part))
        for (_, path), image in zip(part, batch.images):
            write_atomic(path, encode_png(image))
        scales += [p.get("scale_x", 1.0) for p in batch.params or ()]
    return scales


def _targets(output: Path, count: int, start: int) -> list[tuple[int, Path]]:
    if output.suffix.lower() == ".png":
        if count != 1:
            raise SpecError(
                "--output", f"{output} is a single .png file but --count is {count}; give a folder"
            )
        _check_parent(output, "--output")
        return [(start, output)]
    if output.suffix:
        raise SpecError(
            "--output", f"{output}: images are written as PNG; give a .png file or a folder"
        )
    if output.exists() and not output.is_dir():
        raise SpecError("--output", f"{output} exists and is not a folder")
    _check_parent(output, "--output")
    output.mkdir(exist_ok=True)
    digits = max(6, len(str(start + count - 1)))
    return [(start + k, output / f"{start + k:0{digits}d}.png") for k in range(count)]


def _check_parent(path: Path, option: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise SpecError(option, f"folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise SpecError(option, f"folder {parent} is not writable")
