"""Running one unit of an export (see :mod:`seqstudio.core.export.units`) in a worker.

The same code runs in the calling process, in a local process pool, in a Slurm array
task (``--shard``) and on a Dask worker: generate the unit's images, write its output
(image files, or one shard file) straight to the destination, then write the unit's
part manifests — last, so that a part manifest always names complete output.

Running a unit twice writes the same bytes, so a unit that was cut short (a killed
worker, a cancelled export) is simply run again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from seqstudio.core.export.checksums import hash_stream
from seqstudio.core.export.destinations import Destination, open_destination
from seqstudio.core.export.options import SHARD_FORMATS
from seqstudio.core.export.shard_files import open_shard_writer
from seqstudio.core.export.units import PARTS_DIR, Unit, shard_file_name, unit_chunks
from seqstudio.core.export.worker import WorkerConfig, WorkerState


@dataclass(frozen=True)
class UnitConfig:
    """What every unit worker needs (picklable; sent once per worker)."""

    worker: WorkerConfig
    destination: str  # path or URL of the export
    token: str  # identifies the export's settings and destination (worker-side cache key)


def part_path(unit: Unit, suffix: str) -> str:
    """Path, relative to the export, of a unit's part manifest (``.jsonl`` or ``.csv``)."""
    return f"{PARTS_DIR}/{unit.split}/{unit.part_name}{suffix}"


def is_complete(dest: Destination, unit: Unit) -> bool:
    """Whether the unit's output and manifests are all written and its files intact.

    The part manifest is written last, so it names complete output; every file its
    ``.files`` part lists is also checked against the recorded size and SHA-256 (as a
    plain export's resume checks its files), so that a file deleted or damaged since
    is made again rather than vouched for.
    """
    if not dest.exists(part_path(unit, ".jsonl")):
        return False
    try:
        listing = dest.read_bytes(part_path(unit, ".files")).decode("utf-8")
        for line in listing.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            with dest.open_read(entry["path"]) as handle:
                if hash_stream(handle) != (entry["size"], entry["sha256"]):
                    return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


class _Stopped(Exception):
    """The stop check asked to stop in the middle of a unit."""


class UnitRunner:
    """One worker's generators and destination; :meth:`run` runs a unit."""

    def __init__(self, config: UnitConfig) -> None:
        self.config = config
        self.state = WorkerState(config.worker)
        self.dest = open_destination(config.destination)
        if config.worker.format not in SHARD_FORMATS and self.dest.local_path is None:
            raise ValueError("per-image formats are written to local folders only")

    def run(self, unit: Unit, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Write ``unit``; return its image count, or 0 if stopped before it was complete."""
        try:
            if self.config.worker.format in SHARD_FORMATS:
                records, csv, files = self._run_shard(unit, should_stop)
            else:
                records, csv, files = self._run_files(unit, should_stop)
        except _Stopped:
            return 0
        self.dest.write_bytes(part_path(unit, ".files"), files.encode("utf-8"))
        if csv is not None:
            self.dest.write_bytes(part_path(unit, ".csv"), "".join(csv).encode("utf-8"))
        self.dest.write_bytes(part_path(unit, ".jsonl"), "".join(records).encode("utf-8"))
        return unit.count

    def _run_shard(self, unit: Unit, should_stop) -> tuple[list[str], None, str]:
        cfg = self.config.worker
        records: list[str] = []
        name = f"{unit.split}/{shard_file_name(unit, cfg.format)}"
        with self.dest.open_atomic(name) as raw:
            stream = HashingWriter(raw)
            writer = open_shard_writer(cfg.format, stream, cfg.name_digits, cfg.masks)
            try:
                for chunk in unit_chunks(cfg.plan, unit):
                    samples, lines = self.state.drawn_with_records(chunk, should_stop)
                    if len(samples) < chunk.count or should_stop():
                        raise _Stopped  # the temporary file is removed, nothing appears
                    writer.add(samples, lines)
                    records += lines
            finally:
                writer.close()  # also when stopped: finish the temporary file before it goes
        return records, None, stream.file_line(unit.start, name)

    def _run_files(self, unit: Unit, should_stop) -> tuple[list[str], list[str], str]:
        records: list[str] = []
        csv: list[str] = []
        files: list[str] = []
        for chunk in unit_chunks(self.config.worker.plan, unit):
            result = self.state.run(chunk, should_stop)
            if result.done < chunk.count:
                raise _Stopped  # files written so far are rewritten identically on resume
            records.append(result.records)
            csv.append(result.labels_csv)
            files.append(result.files)
        return records, csv, "".join(files)


class HashingWriter:
    """A binary stream wrapper that hashes (SHA-256) and counts what is written through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        """Write ``data`` to the stream, hashing it."""
        view = memoryview(data).cast("B")
        self._digest.update(view)
        self.size += len(view)
        return self._stream.write(view)

    def tell(self) -> int:
        """Bytes written so far."""
        return self.size

    def flush(self) -> None:
        """Flush the stream."""
        self._stream.flush()

    @property
    def closed(self) -> bool:
        """Whether the stream is closed."""
        return self._stream.closed

    def file_line(self, index: int, rel_path: str) -> str:
        """The ``checksums/<split>.jsonl`` line of the file written (see export.checksums)."""
        return (
            json.dumps(
                {
                    "index": index,
                    "path": rel_path,
                    "size": self.size,
                    "sha256": self._digest.hexdigest(),
                }
            )
            + "\n"
        )


# ------------------------------------------------------------------ process entry points
_RUNNERS: dict[str, UnitRunner] = {}
_CONFIG: UnitConfig | None = None  # a pool worker's config, set by its initialiser


def runner_for(config: UnitConfig) -> UnitRunner:
    """This process's runner for ``config`` (built once, reused for every unit)."""
    runner = _RUNNERS.get(config.token)
    if runner is None:
        _RUNNERS.clear()
        runner = _RUNNERS[config.token] = UnitRunner(config)
    return runner


def init_pool_worker(config: UnitConfig) -> None:
    """Pool initialiser (see :func:`seqstudio.core.process_pool.run_tasks`): build the runner."""
    global _CONFIG
    _CONFIG = config
    runner_for(config)


def run_pool_unit(unit: Unit) -> int:
    """Pool task: run one unit in this worker (stopping early when the parent asks)."""
    from seqstudio.core.process_pool import stop_requested

    assert _CONFIG is not None  # set by the pool's initializer
    return runner_for(_CONFIG).run(unit, stop_requested)
