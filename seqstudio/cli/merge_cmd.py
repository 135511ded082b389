"""``seqstudio merge``: finish an export written as shards (``export --shard I/N``)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``merge`` subcommand."""
    parser = subparsers.add_parser(
        "merge",
        help="assemble an export written by `export --shard I/N` tasks (e.g. a Slurm array)",
        description="Once every shard of `seqstudio export -o DIR --shard I/N` is written, "
        "assemble DIR: manifests in index order, COCO/YOLO, dataset.json. Refuses, listing "
        "the missing shards, while any is incomplete. The result equals a single-machine "
        "export byte for byte.",
    )
    parser.add_argument("folder", metavar="DIR", help="the export folder (or fsspec URL)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Merge; print a summary; return the exit code (2 with the missing shards listed)."""
    from seqstudio.core.export.merge import merge_export

    result = merge_export(args.folder)
    if not args.quiet:
        if result.already_complete:
            print(f"{result.out} is already complete ({result.total:,} images)")
        else:
            print(f"merged {result.units:,} units ({result.total:,} images) in {result.out}")
    return 0
