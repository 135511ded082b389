"""``seqstudio export`` options for scaling out: shards, Dask, shard formats, dry runs.

Kept apart from :mod:`seqstudio.cli.export_cmd` (which calls :func:`prepare_job`,
:func:`run_job` and :func:`summary`): an export runs in units (see
:mod:`seqstudio.core.export.units`) when it is a shard (``--shard I/N``), runs on Dask
(``--cluster dask``) or writes to an fsspec URL.
"""

from __future__ import annotations

import argparse
import shlex

from seqstudio.core.errors import SpecError

DEFAULT_IMAGES_PER_FILE = 10_000
#: Worker counts a dry run estimates the time for.
DRY_RUN_WORKERS = (1, 2, 4, 8, 16, 32, 64, 128)
OPTION_OF_FIELD = {
    "shard": "--shard",
    "images_per_file": "--images-per-file",
    "overwrite": "--overwrite",
    "scheduler": "--scheduler",
    "cluster": "--cluster",
}


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the scale-out options to the ``export`` parser."""
    group = parser.add_argument_group(
        "scale out",
        "run on a Dask cluster or as N independent shards (e.g. a Slurm job array), "
        "to a local folder or an fsspec URL (memory://, s3://...)",
    )
    group.add_argument(
        "--images-per-file",
        type=int,
        metavar="N",
        help=f"images per tar/Parquet shard file (webdataset/parquet; default {DEFAULT_IMAGES_PER_FILE:,})",
    )
    group.add_argument(
        "--shard",
        metavar="I/N",
        help="write only shard I of N (0 <= I < N) into DIR, e.g. "
        "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; then `seqstudio merge DIR`",
    )
    group.add_argument(
        "--cluster",
        choices=("dask",),
        help="run on Dask distributed: --scheduler's cluster, or a local one of --workers processes",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler of an existing cluster, e.g. tcp://10.0.0.5:8786 (with --cluster dask)",
    )
    group.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (files, shards, bytes, time per worker count) and write nothing",
    )


def check_scale_arguments(args: argparse.Namespace) -> None:
    """Reject combinations of the scale-out options that make no sense."""
    if args.scheduler and args.cluster != "dask":
        raise SpecError("scheduler", f"{args.scheduler} needs --cluster dask")
    if args.shard and args.cluster:
        raise SpecError(
            "shard", f"{args.shard} cannot be combined with --cluster (choose one way to scale out)"
        )


def in_units(args: argparse.Namespace) -> bool:
    """Whether this export runs in units (shard, Dask or a URL destination)."""
    from seqstudio.core.export.destinations import is_url

    return bool(args.shard or args.cluster or is_url(args.output))


def prepare_job(args: argparse.Namespace, spec, count: int, options):
    """Check the export without writing anything; return ``(job, destination or None)``."""
    from seqstudio.core.export import prepare_export

    check_scale_arguments(args)
    if not in_units(args):
        return prepare_export(spec, count, args.output, options, not args.dry_run), None
    from seqstudio.core.export.unit_export import prepare_units
    from seqstudio.core.export.units import parse_shard

    shard = parse_shard(args.shard) if args.shard else None
    prepared = prepare_units(
        spec, count, args.output, options, shard=shard, check_space=not args.dry_run
    )
    if args.cluster == "dask" and not args.dry_run:
        from seqstudio.core.export.cluster import DaskExecutor

        DaskExecutor(args.scheduler).check()  # an unreachable scheduler: before any write
    return prepared


def run_job(args: argparse.Namespace, job, destination, progress, cancel):
    """Run a job :func:`prepare_job` checked; return its result."""
    if destination is None:
        from seqstudio.core.export import run_export

        return run_export(job, progress, cancel)
    from seqstudio.core.export.unit_export import run_units
    from seqstudio.core.export.units import parse_shard

    executor = None
    if args.cluster == "dask":
        from seqstudio.core.export.cluster import DaskExecutor

        executor = DaskExecutor(args.scheduler, job.options.worker_count)
    shard = parse_shard(args.shard) if args.shard else None
    return run_units(job, progress, cancel, shard=shard, executor=executor, destination=destination)


def summary(args: argparse.Namespace, result, job, destination) -> str | None:
    """The line to print after a shard or an unmerged run in units (``None``: the usual one)."""
    shard = getattr(result, "shard", None)
    if shard is None:
        return None
    from seqstudio.core.export.merge import missing_units

    missing = missing_units(job, destination)
    where = shlex.quote(args.output)
    head = (
        f"wrote shard {shard} ({result.total:,} images in {result.units} units, "
        f"{result.already_done:,} already there) to {destination} in {result.elapsed:.1f} s"
    )
    if missing:
        return f"{head}; {sum(u.count for u in missing):,} images of other shards still to write"
    return f"{head}; every shard is complete: seqstudio merge {where}"


def dry_run_text(args: argparse.Namespace, job) -> str:
    """The plan of an export, for ``--dry-run`` (writes nothing)."""
    from seqstudio.core.export.estimate import estimate_export, format_estimate

    return format_estimate(estimate_export(job, DRY_RUN_WORKERS), args.output)
