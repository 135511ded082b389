"""``seqstudio export``: write a labelled dataset (splits, manifests, annotations) to a folder."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading

from seqstudio.cli.scale_args import (
    DEFAULT_IMAGES_PER_FILE,
    add_scale_arguments,
    dry_run_text,
    prepare_job,
    run_job,
    summary,
)
from seqstudio.cli.scale_args import OPTION_OF_FIELD as SCALE_OPTION_OF_FIELD
from seqstudio.cli.spec_args import add_spec_arguments, option_for_field, spec_from_args
from seqstudio.core.errors import DataError, SpecError

EXIT_CANCELLED = 130

_OPTION_OF_FIELD = {
    "count": "--count",
    "split": "--split",
    "format": "--format",
    "jpeg_quality": "--jpeg-quality",
    "annotations": "--annotations",
    "masks": "--masks",
    "sequences": "--sequences",
    "workers": "--workers",
    "chunk_size": "--chunk-size",
    "memory_limit": "--memory-limit",
    "resume": "--resume",
    **SCALE_OPTION_OF_FIELD,
    "random": "--random-length",
    "crop": "--crop",
    "invert": "--invert",
    "augment": "--augment",
}
#: Spec fields set by an option whose ``args`` attribute has another name.
_DEST_OF_FIELD = {
    "spacing_min": "spacing",
    "spacing_max": "spacing",
    "random": "random_length",
    "random.min_length": "random_length",
    "random.max_length": "random_length",
    "random.labels": "labels",
    "random.weights": "weights",
}
DEFAULT_FORMAT = "png"
DEFAULT_JPEG_QUALITY = 95


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="write a labelled dataset: images, metadata.jsonl, labels.csv, splits, COCO/YOLO, masks",
        description="Write a labelled dataset to a folder, e.g. `seqstudio export -o data --count 20000 "
        "--digits 14543 --split train=0.8,val=0.1,test=0.1 --annotations coco,yolo`. "
        "Image i depends only on (spec, seed, i); an interrupted export is finished with --resume.",
    )
    add_spec_arguments(parser)
    out = parser.add_argument_group("dataset")
    out.add_argument(
        "-o", "--output", metavar="DIR", help="dataset folder (must be empty or new; required)"
    )
    out.add_argument(
        "--count",
        type=int,
        metavar="N",
        help="images to write; with --sequences, images per line that gives no count (default 1 there)",
    )
    out.add_argument(
        "--sequences",
        metavar="FILE",
        help="text/CSV file of sequences, one per line, optionally with a count: 14543,20",
    )
    out.add_argument(
        "--split",
        metavar="NAME=R,...",
        help="split ratios summing to 1 over train, val, test, e.g. train=0.8,val=0.1,test=0.1 "
        "(train uses train-pool glyphs; val and test disjoint halves of the test pool)",
    )
    out.add_argument(
        "--format",
        choices=("png", "jpg", "npz", "webdataset", "parquet"),
        help="png/jpg files (default png), npz: per split images.npy (+ masks.npy), labels.npz "
        "and metadata.jsonl, webdataset: tar shards of PNG+JSON, parquet: Parquet shards of "
        "PNG bytes and label columns",
    )
    out.add_argument(
        "--jpeg-quality", type=int, metavar="Q", help="JPEG quality 1..100 (default 95)"
    )
    out.add_argument(
        "--annotations",
        metavar="LIST",
        help="also write coco and/or yolo (boxes) or yolo-seg (a polygon per glyph), e.g. coco,yolo",
    )
    out.add_argument(
        "--masks",
        action="store_true",
        default=None,
        help="also write instance masks (PNG in DIR/masks)",
    )
    out.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: every core)"
    )
    out.add_argument("--chunk-size", type=int, metavar="N", help=argparse.SUPPRESS)
    out.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="refuse up front if the export would need more memory, e.g. 4G, 512M or 60%% "
        "(default: half the machine's memory, or $SEQSTUDIO_MEMORY_LIMIT)",
    )
    mode = out.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted export in DIR with the settings its dataset.json records "
        "(other options may be left out; given ones must match)",
    )
    mode.add_argument(
        "--overwrite", action="store_true", help="replace the seqstudio dataset in DIR"
    )
    mode.add_argument(
        "--verify",
        metavar="DIR",
        help="check every file the export in DIR records (size and SHA-256) and change nothing; "
        "exit 1 if any is missing or damaged (--resume repairs them)",
    )
    out.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    add_scale_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate everything, export, print a summary; return the exit code."""
    from seqstudio.core.export import ExportError, FolderNotEmptyError
    from seqstudio.core.export.resume import ResumeConflict, has_dataset_json

    if args.memory_limit is not None:
        from seqstudio.core import memory

        memory.parse_size(args.memory_limit, "--memory-limit")
        os.environ[memory.ENV_VAR] = args.memory_limit  # also seen by worker processes
    if args.verify is not None:
        return _verify(args)
    if not args.output:
        raise SpecError("--output", "is required (the dataset folder, e.g. -o data)")
    try:
        if args.resume and has_dataset_json(args.output):
            spec, count, options = _recorded_settings(args)
        else:
            spec, count, options = _settings_from_args(args)
        job, destination = prepare_job(args, spec, count, options)  # validates; writes nothing
        if args.dry_run:
            print(dry_run_text(args, job))
            return 0
    except ResumeConflict as exc:
        raise SpecError(_conflicting_option(exc.field, args), exc.message) from None
    except SpecError as exc:
        raise SpecError(
            _OPTION_OF_FIELD.get(exc.field) or option_for_field(exc.field), exc.message
        ) from None
    except DataError as exc:
        raise DataError(f"--source: {exc}") from None
    except FolderNotEmptyError as exc:
        raise ExportError(
            f"{exc.folder} is not empty; use --resume to finish the export there "
            "or --overwrite to replace it"
        ) from None
    stop = threading.Event()
    bar = None if args.quiet else _ProgressBar(sys.stderr)
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        result = run_job(args, job, destination, progress=bar, cancel=stop.is_set)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    if result.cancelled:
        print(
            f"seqstudio: cancelled: {result.already_done + result.written:,} of {result.total:,} images are "
            f"complete in {result.out_dir}; finish with: "
            f"seqstudio export -o {shlex.quote(args.output)} --resume",
            file=sys.stderr,
        )
        return EXIT_CANCELLED
    line = summary(args, result, job, destination)
    if line is not None:
        if not args.quiet:
            print(line)
        return 0
    if not args.quiet:
        splits = ", ".join(f"{name} {n:,}" for name, n in result.split_counts.items() if n)
        resumed = f", {result.already_done:,} already there" if result.already_done else ""
        if result.repaired:
            resumed += f", {result.repaired:,} missing or damaged repaired"
        print(
            f"exported {result.total:,} images ({splits}) to {result.out_dir}{resumed}: "
            f"{result.written:,} made in {result.elapsed:.1f} s ({result.rate:,.0f} images/s)"
        )
        if spec.fit in ("pad", "scale") and any(op.enabled for op in spec.augment):
            from seqstudio.core.export.shrunk import shrink_report

            report = shrink_report(result.out_dir)  # only augmented digits can need it
            if report.shrunk:
                print(report.describe())
    return 0


def _verify(args: argparse.Namespace) -> int:
    """``--verify DIR``: check every recorded file, change nothing; 1 if any is damaged."""
    from seqstudio.core.export import verify_export

    if args.output and args.output != args.verify:
        raise SpecError("--verify", "takes the folder itself; leave out -o/--output")
    doc, report = verify_export(args.verify)
    status = doc.get("status")
    state = (
        "complete"
        if status == "complete"
        else f"{status or 'unfinished'} (finish it with --resume)"
    )
    if report.ok:
        print(f"{args.verify}: all {report.checked:,} recorded files intact; the export is {state}")
        return 0
    print(
        f"seqstudio: {args.verify}: {len(report.problems):,} of {report.checked:,} recorded files "
        f"missing or damaged: {report.summary()}; repair with: "
        f"seqstudio export -o {shlex.quote(args.verify)} --resume",
        file=sys.stderr,
    )
    return 1


def _settings_from_args(args: argparse.Namespace):
    """``(spec, count, options)`` from the command line alone (a new export)."""
    from seqstudio.core.export import ExportOptions, parse_splits

    spec = spec_from_args(args)
    count = args.count if args.count is not None else (1 if args.sequences else None)
    if count is None:
        hint = f"; {args.output} has no dataset.json to resume from" if args.resume else ""
        raise SpecError("count", f"is required (the number of images to write{hint})")
    options = ExportOptions(
        splits=parse_splits(args.split) if args.split else None,
        format=args.format or DEFAULT_FORMAT,
        jpeg_quality=(args.jpeg_quality if args.jpeg_quality is not None else DEFAULT_JPEG_QUALITY),
        annotations=args.annotations or (),
        masks=bool(args.masks),
        sequences_file=args.sequences,
        workers=args.workers,
        chunk_size=args.chunk_size,
        images_per_file=(
            args.images_per_file if args.images_per_file is not None else DEFAULT_IMAGES_PER_FILE
        ),
        resume=args.resume,
        overwrite=args.overwrite,
    )
    return spec, count, options


def _recorded_settings(args: argparse.Namespace):
    """``(spec, count, options)`` from DIR/dataset.json; options given must agree with it."""
    from seqstudio.core.export import ResumeConflict, parse_splits, resume_settings

    recorded = resume_settings(args.output)
    resolved = recorded.with_given(
        spec=spec_from_args(args, base=recorded.spec),
        count=args.count,
        splits=parse_splits(args.split) if args.split else None,
        format=args.format,
        jpeg_quality=args.jpeg_quality,
        annotations=args.annotations,
        masks=args.masks,
        sequences_file=args.sequences,
        workers=args.workers,
        chunk_size=args.chunk_size,
    )
    recorded_per_file = resolved.options.images_per_file
    if args.images_per_file is not None and args.images_per_file != recorded_per_file:
        raise ResumeConflict(
            "images_per_file", str(args.images_per_file), str(recorded_per_file), recorded.path
        )
    return tuple(resolved)


def _conflicting_option(field: str, args: argparse.Namespace) -> str:
    """The option to name for a setting that conflicts with dataset.json."""
    option = _OPTION_OF_FIELD.get(field) or option_for_field(field)
    dest = _DEST_OF_FIELD.get(field, field)
    if args.spec and hasattr(args, dest) and getattr(args, dest) is None:
        return f"--spec {args.spec} ({field})"  # the value came from the spec file
    return option


class _ProgressBar:
    """A one-line progress bar with rate and ETA on a terminal (silent otherwise)."""

    WIDTH = 28

    def __init__(self, stream) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._drawn = False

    def __call__(self, progress) -> None:
        if not self._tty:
            return
        from seqstudio.core.progress import format_duration

        filled = int(self.WIDTH * progress.fraction)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(
            f"\rexport {progress.fraction:4.0%} [{bar}] {progress.done:,}/{progress.total:,}  "
            f"{progress.rate:,.0f} img/s  ETA {format_duration(progress.eta)}  "
        )
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
