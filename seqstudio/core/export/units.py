"""Units of work for exports that run in pieces: Slurm-style shards, Dask tasks, shard files.

An export is cut into *units*: consecutive rows of one split. The cut depends only on
the dataset's settings (plan, format, ``images_per_file``), never on the number of
workers, shards or machines, so every way of running the export makes the same units
and the same bytes.

- ``webdataset``/``parquet``: a unit is one shard file, rows ``k·S … (k+1)·S − 1`` of
  its split (``S = images_per_file``), written as ``<split>/<split>-NNNNNN.tar``
  (or ``.parquet``).
- ``png``/``jpg``: a unit is :func:`unit_rows` consecutive rows (64 to 1,024 images).

A unit is complete when its *part manifests* exist under ``.seqstudio-parts/<split>/``
(written atomically after every file of the unit); :mod:`seqstudio.core.export.merge`
concatenates them, in index order, into the split's ``metadata.jsonl``/``labels.csv``.

``--shard I/N`` takes the units ``⌊I·U/N⌋ … ⌊(I+1)·U/N⌋ − 1`` of the ``U`` units, in
global index order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from seqstudio.core.errors import SpecError
from seqstudio.core.export.options import SHARD_FORMATS, ExportOptions
from seqstudio.core.export.splits import ExportPlan
from seqstudio.core.export.worker import Chunk

PARTS_DIR = ".seqstudio-parts"
SHARDING_JSON = "sharding.json"
#: Rows per unit for per-image formats: between these, aiming at this many units.
UNIT_ROWS_RANGE = (64, 1024)
UNITS_TARGET = 256
#: Largest chunk (one generator batch) a unit is run in.
MAX_CHUNK = 512
MAX_SHARDS = 1_000_000
SHARD_SUFFIX = {"webdataset": ".tar", "parquet": ".parquet"}


@dataclass(frozen=True)
class Unit:
    """Rows ``row … row + count − 1`` of one split (global indices from ``start``).

    Attributes
    ----------
    seq : int
        Position among all units of the export (global index order).
    split : str
        The split's name.
    number : int
        Position among the split's units (the shard file number).
    row : int
        First row within the split.
    count : int
        Images in the unit.
    start : int
        Global index of the first image.
    """

    seq: int
    split: str
    number: int
    row: int
    count: int
    start: int

    @property
    def part_name(self) -> str:
        """Stem of the unit's part manifests (``000042``)."""
        return f"{self.number:06d}"


@dataclass(frozen=True)
class ShardSpec:
    """``--shard I/N``: this process writes shard ``index`` of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> ShardSpec:
    """Parse ``"I/N"`` (``0 ≤ I < N``), as Slurm's ``$SLURM_ARRAY_TASK_ID/$N``.

    Raises
    ------
    SpecError
        Naming ``shard``, the value and the allowed range.
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not match:
        raise SpecError("shard", f"{text!r} is not I/N (e.g. 0/8 for the first of 8 shards)")
    index, count = int(match[1]), int(match[2])
    if not 1 <= count <= MAX_SHARDS:
        raise SpecError(
            "shard", f"{text}: N={count} is outside the allowed range 1 to {MAX_SHARDS}"
        )
    if not 0 <= index < count:
        raise SpecError("shard", f"{text}: I={index} is outside the allowed range 0 to {count - 1}")
    return ShardSpec(index, count)


def unit_rows(plan: ExportPlan, options: ExportOptions) -> int:
    """Rows per unit: ``images_per_file`` for shard formats, else chosen from the total."""
    if options.format in SHARD_FORMATS:
        return options.images_per_file
    low, high = UNIT_ROWS_RANGE
    return min(high, max(low, -(-plan.total // UNITS_TARGET)))


def plan_units(plan: ExportPlan, options: ExportOptions) -> list[Unit]:
    """Every unit of the export, in global index order."""
    if options.format == "npz":
        raise SpecError(
            "format",
            "npz writes one array file per split and cannot be exported in pieces; "
            "use webdataset or parquet (or png/jpg)",
        )
    size = unit_rows(plan, options)
    units: list[Unit] = []
    for info in plan.splits:
        for number, row in enumerate(range(0, info.count, size)):
            count = min(size, info.count - row)
            units.append(Unit(len(units), info.name, number, row, count, info.first_index + row))
    return units


def shard_units(units: list[Unit], shard: ShardSpec) -> list[Unit]:
    """The units of ``shard`` (a contiguous run; may be empty when N exceeds the units)."""
    n = len(units)
    return units[shard.index * n // shard.count : (shard.index + 1) * n // shard.count]


def shards_of(units: list[Unit], count: int, wanted: set[int]) -> list[int]:
    """The shard numbers (of ``count``) holding any unit whose ``seq`` is in ``wanted``."""
    return [
        k
        for k in range(count)
        if any(u.seq in wanted for u in shard_units(units, ShardSpec(k, count)))
    ]


def unit_chunks(plan: ExportPlan, unit: Unit, max_chunk: int = MAX_CHUNK) -> Iterator[Chunk]:
    """The chunks (one sequence line each, at most ``max_chunk`` images) a unit is run in."""
    lo, hi = unit.row, unit.row + unit.count
    seq = 0
    for seg in plan.segments:
        if seg.split != unit.split:
            continue
        first, last = max(lo, seg.row), min(hi, seg.row + seg.count)
        for row in range(first, last, max_chunk):
            n = min(max_chunk, last - row)
            yield Chunk(seq, seg.split, seg.line, seg.start + (row - seg.row), n, row)
            seq += 1


def shard_file_name(unit: Unit, fmt: str) -> str:
    """``train-000003.tar``: the shard file of a unit of a shard format."""
    return f"{unit.split}-{unit.number:06d}{SHARD_SUFFIX[fmt]}"
