"""``seqstudio stats``: statistics, problems and a sample grid of a folder of images."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TextIO

MAX_GRID_SIDE = 64


def _grid_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: expected ROWSxCOLS, e.g. 8x8, each 1..{MAX_GRID_SIDE}"
        )
    rows, cols = int(match.group(1)), int(match.group(2))
    if not (1 <= rows <= MAX_GRID_SIDE and 1 <= cols <= MAX_GRID_SIDE):
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: rows and columns must each be 1..{MAX_GRID_SIDE}"
        )
    return rows, cols


def _int_at_least(minimum: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid value {text!r}: expected an integer {what}"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"invalid value {value}: must be {what}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``stats`` subcommand."""
    parser = subparsers.add_parser(
        "stats",
        help="pixel mean/std per channel, sizes, modes, problems and a sample grid of a folder",
        description="Scan a folder of images recursively (png, jpg/jpeg, bmp, tif/tiff, webp) "
        "and print per-channel mean and standard deviation over all pixels (values scaled "
        "to [0, 1]), sizes, modes, duplicates and unreadable files. Labels are read from "
        "seqstudio metadata.jsonl / labels.csv files when present.",
    )
    parser.add_argument("dir", metavar="DIR", help="folder to scan (recursively)")
    parser.add_argument(
        "--by-folder",
        action="store_true",
        help="one table/CSV row per sub-folder (category) as well as the total",
    )
    parser.add_argument(
        "--as-rgb",
        action="store_true",
        help="count every image as RGB (like Pillow convert('RGB')): three "
        "channels ready for torchvision.transforms.Normalize",
    )
    parser.add_argument("--json", metavar="OUT.json", help="write every statistic as JSON")
    parser.add_argument("--csv", metavar="OUT.csv", help="write the table rows as CSV")
    grid = parser.add_argument_group("sample grid")
    grid.add_argument("--grid", metavar="OUT.png", help="write a grid of captioned thumbnails")
    grid.add_argument(
        "--grid-size",
        type=_grid_size,
        metavar="ROWSxCOLS",
        help=f"grid shape, each 1..{MAX_GRID_SIDE} (default 8x8)",
    )
    grid.add_argument(
        "--seed",
        type=_int_at_least(0, ">= 0"),
        metavar="S",
        help="random sample with this seed (default: the first images in order)",
    )
    grid.add_argument(
        "--thumb-height",
        type=int,
        default=64,
        metavar="PX",
        help="thumbnail height in pixels, 8..1024 (default 64)",
    )
    run_group = parser.add_argument_group("run")
    run_group.add_argument(
        "--workers",
        type=_int_at_least(1, ">= 1"),
        metavar="K",
        help="decoding processes (default: one per CPU)",
    )
    run_group.add_argument(
        "--max-pixels",
        type=_int_at_least(1, ">= 1"),
        metavar="N",
        help="refuse images declaring more pixels (default 89,478,485)",
    )
    shown = run_group.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress",
        action="store_true",
        help="always show a progress bar on stderr (default: only on a terminal)",
    )
    shown.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


class ProgressBar:
    """A one-line progress bar redrawn in place on a text stream."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.drawn = False

    def __call__(self, progress) -> None:
        from seqstudio.core.progress import format_duration

        filled = int(self.width * progress.fraction)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {progress.done}/{progress.total} {100 * progress.fraction:3.0f}% "
            f"{progress.rate:,.0f} files/s ETA {format_duration(progress.eta)} "
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """Validate the options, scan, print the table, write the requested files."""
    from seqstudio.core.errors import SeqstudioError

    if args.grid is None:
        for flag, value in (("--grid-size", args.grid_size), ("--seed", args.seed)):
            if value is not None:
                raise SeqstudioError(
                    f"{flag} needs --grid OUT.png (it only shapes the sample grid)"
                )
    if not 8 <= args.thumb_height <= 1024:
        raise SeqstudioError(
            f"--thumb-height: {args.thumb_height} is outside the allowed range 8..1024"
        )

    from seqstudio.core.stats import DEFAULT_MAX_PIXELS, compute_dataset_stats, make_sample_grid
    from seqstudio.core.stats.report import format_table, write_csv, write_json

    show = args.progress or (not args.quiet and sys.stderr.isatty())
    bar = ProgressBar(sys.stderr) if show else None
    try:
        stats = compute_dataset_stats(
            args.dir,
            as_rgb=args.as_rgb,
            workers=args.workers,
            progress=bar,
            max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS,
        )
    finally:
        if bar is not None:
            bar.close()
    sys.stdout.write(format_table(stats, by_folder=args.by_folder))
    if args.json:
        write_json(stats, args.json)
    if args.csv:
        write_csv(stats, args.csv, by_folder=args.by_folder)
    if args.grid:
        rows, cols = args.grid_size or (8, 8)
        info = make_sample_grid(
            stats,
            args.grid,
            rows=rows,
            cols=cols,
            seed=args.seed,
            thumb_height=args.thumb_height,
            max_pixels=stats.max_pixels,
        )
        print(
            f"grid: {info.path} ({rows}x{cols}, {len(info.cells)} images, "
            f"{info.size[0]}x{info.size[1]} px)"
        )
    return 0
