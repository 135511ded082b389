"""``seqstudio stats``: statistics, QA checks, mean/std images, a sample grid, tags, and
the comparison of two folders."""

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
        help="pixel mean/std per channel, QA checks, mean/std images, sample grid, compare",
        description="Scan a folder of images recursively (png, jpg/jpeg, bmp, tif/tiff, webp) "
        "and print per-channel mean and standard deviation over all pixels (values scaled "
        "to [0, 1]), sizes, modes and the QA checks (corrupt, duplicate, manifest/file "
        "mismatch, glyphs shared across splits, boxes, masks vs boxes). In a folder with "
        "seqstudio manifests only the images are counted; masks get their own line. "
        "With two folders (or two splits, e.g. DIR/train DIR/test) the two are compared "
        "and the largest difference is named.",
    )
    parser.add_argument(
        "dirs",
        nargs="+",
        metavar="DIR",
        help="folder to scan (recursively); give two to compare them",
    )
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
    parser.add_argument(
        "--masks",
        action="store_true",
        help="statistics over the masks instead of the images (inspect masks on request)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when a QA check finds a problem (for pipelines)",
    )
    parser.add_argument(
        "--tags",
        action="store_true",
        help="list the tags set in the app's gallery (DIR/seqstudio-tags.json) and exit",
    )
    parser.add_argument("--json", metavar="OUT.json", help="write every statistic as JSON")
    parser.add_argument("--csv", metavar="OUT.csv", help="write the table rows as CSV")
    maps = parser.add_argument_group("mean and std images")
    maps.add_argument(
        "--mean-image",
        metavar="FILE.png",
        help="write the per-pixel mean image (exact float64 values in FILE.npy beside it); "
        "other size groups and, with --by-folder, splits go to FILE-<name>.png",
    )
    maps.add_argument(
        "--std-image", metavar="FILE.png", help="the same for the per-pixel std image (x2 gain)"
    )
    grid = parser.add_argument_group("sample grid")
    grid.add_argument("--grid", metavar="OUT.png", help="write a grid of captioned thumbnails")
    grid.add_argument(
        "--grid-size",
        type=_grid_size,
        metavar="ROWSxCOLS",
        help=f"grid shape, each 1..{MAX_GRID_SIDE} (default 8x8)",
    )
    grid.add_argument("--grid-boxes", action="store_true", help="draw the boxes on the grid")
    grid.add_argument(
        "--grid-masks", action="store_true", help="blend the instance masks over the grid"
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

        if progress.total <= 0:  # reading the manifests: no total known yet
            self.stream.write(f"\rreading manifests: {progress.done:,} records ")
            self.stream.flush()
            self.drawn = True
            return
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
    """Validate the options, scan, print the table and checks, write the requested files."""
    from seqstudio.core.errors import SeqstudioError

    if len(args.dirs) > 2:
        raise SeqstudioError(
            f"DIR: {len(args.dirs)} folders given; give one folder, or two to compare"
        )
    if args.grid is None:
        for flag, value in (
            ("--grid-size", args.grid_size),
            ("--seed", args.seed),
            ("--grid-boxes", args.grid_boxes or None),
            ("--grid-masks", args.grid_masks or None),
        ):
            if value is not None:
                raise SeqstudioError(
                    f"{flag} needs --grid OUT.png (it only shapes the sample grid)"
                )
    if not 8 <= args.thumb_height <= 1024:
        raise SeqstudioError(
            f"--thumb-height: {args.thumb_height} is outside the allowed range 8..1024"
        )
    if args.tags:
        return _list_tags(args)
    if len(args.dirs) == 2:
        return _compare(args)
    stats = _scan(args, args.dirs[0])
    return _report(args, stats)


def _scan(args: argparse.Namespace, folder: str):
    from seqstudio.core.stats import DEFAULT_MAX_PIXELS, compute_dataset_stats

    show = args.progress or (not args.quiet and sys.stderr.isatty())
    bar = ProgressBar(sys.stderr) if show else None
    try:
        return compute_dataset_stats(
            folder,
            as_rgb=args.as_rgb,
            workers=args.workers,
            progress=bar,
            max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS,
            role="mask" if args.masks else "image",
        )
    finally:
        if bar is not None:
            bar.close()


def _report(args: argparse.Namespace, stats) -> int:
    from seqstudio.core.stats.report import format_table, write_csv, write_json

    sys.stdout.write(format_table(stats, by_folder=args.by_folder))
    if args.json:
        write_json(stats, args.json)
    if args.csv:
        write_csv(stats, args.csv, by_folder=args.by_folder)
    for which, path in (("mean", args.mean_image), ("std", args.std_image)):
        if path:
            _write_maps(stats, which, path, args.by_folder)
    if args.grid:
        from seqstudio.core.stats import make_sample_grid  # Pillow drawing: only for a grid

        rows, cols = args.grid_size or (8, 8)
        info = make_sample_grid(
            stats,
            args.grid,
            rows=rows,
            cols=cols,
            seed=args.seed,
            thumb_height=args.thumb_height,
            max_pixels=stats.max_pixels,
            boxes=args.grid_boxes,
            masks=args.grid_masks,
        )
        print(
            f"grid: {info.path} ({rows}x{cols}, {len(info.cells)} images, "
            f"{info.size[0]}x{info.size[1]} px)"
        )
    return 1 if args.check and stats.qa.problem_count else 0


def _write_maps(stats, which: str, path: str, by_folder: bool) -> None:
    from pathlib import Path

    from seqstudio.core.stats.pixelmaps import write_pixel_map

    base = Path(path)
    overall = [m for m in stats.pixel_maps if m.category == "(all)"]
    chosen = [(m, base if k == 0 else None) for k, m in enumerate(overall)]
    if by_folder:
        chosen += [(m, None) for m in stats.pixel_maps if m.category != "(all)"]
    for item, target in chosen:
        if target is None:
            name = item.size if item.category == "(all)" else item.category.replace("/", "_")
            if item.category != "(all)" and len(stats.pixel_map_sizes(item.category)) > 1:
                name += f"-{item.size}"
            target = base.with_name(f"{base.stem}-{name}{base.suffix or '.png'}")
        exact = write_pixel_map(item, target, which)
        print(
            f"{which} image [{item.category} {item.size}, {item.count} images]: {target} "
            f"(exact values: {exact})"
        )
    if len(overall) > 1:
        print(f"mixed sizes: {len(overall)} size groups, one {which} image each")


def _list_tags(args: argparse.Namespace) -> int:
    from seqstudio.core.stats.scan import validate_root
    from seqstudio.core.stats.tags import TagStore, format_tags

    for folder in args.dirs:
        sys.stdout.write(format_tags(TagStore.load(validate_root(folder))))
    return 0


def _compare(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from seqstudio.core.stats.compare import compare_stats, format_comparison
    from seqstudio.core.stats.errors import StatsInputError

    for flag, value in (("--grid", args.grid), ("--csv", args.csv), ("--mean-image",
                        args.mean_image), ("--std-image", args.std_image)):  # fmt: skip
        if value:
            raise StatsInputError(f"{flag} works on one folder; it cannot be used to compare two")
    first, second = (_scan(args, folder) for folder in args.dirs)
    comparison = compare_stats(first, second)
    sys.stdout.write(format_comparison(comparison))
    problems = first.qa.problem_count + second.qa.problem_count
    if problems:
        print(f"checks: {first.qa.problem_count} problems in A, {second.qa.problem_count} in B")
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(comparison.to_dict(), indent=2) + "\n")
        except OSError as exc:
            raise StatsInputError(f"cannot write {args.json!r}: {exc.strerror or exc}") from exc
    return 1 if args.check and problems else 0
