"""The unit of parallel work: read, hash and decode a chunk of files in one process."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

from seqstudio.core.stats.accumulate import GroupAccumulator
from seqstudio.core.stats.decode import ImageProblem, cv2_module, decode_image
from seqstudio.core.stats.duplicates import content_key
from seqstudio.core.stats.model import FileProblem


@dataclass
class ChunkTask:
    """Files to process: paths relative to ``root`` and the category of each."""

    root: str
    rels: list[str]
    categories: list[str]
    max_pixels: int


@dataclass
class ChunkResult:
    """Partial accumulators of one chunk, mergeable in any process.

    ``keys`` has one entry per file of the task, in order: its
    :func:`~seqstudio.core.stats.duplicates.content_key`, or ``None`` when it could not be
    read or is empty.
    """

    groups: dict[str, GroupAccumulator] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)
    keys: list[bytes | None] = field(default_factory=list)


def init_worker() -> None:
    """Pool initializer: import OpenCV once and silence native decoder chatter.

    libpng prints its errors for corrupt files straight to file descriptor 2; in a worker
    process that is noise (every problem is returned to the parent), so it goes to
    ``/dev/null``.
    """
    cv2_module()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def process_chunk(task: ChunkTask) -> ChunkResult:
    """Read, hash and decode every file of ``task``; never raises for a bad file."""
    result = ChunkResult()
    groups = result.groups
    prefix = os.path.join(task.root, "")
    for rel, category in zip(task.rels, task.categories, strict=True):
        try:
            with open(prefix + rel, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            denied = exc.errno in (errno.EACCES, errno.EPERM)
            reason = "permission denied" if denied else (exc.strerror or str(exc))
            result.problems.append(FileProblem(rel, "unreadable", f"cannot read: {reason}"))
            result.keys.append(None)
            continue
        result.keys.append(content_key(data) if data else None)
        try:
            image = decode_image(data, task.max_pixels)
        except ImageProblem as problem:
            result.problems.append(FileProblem(rel, problem.kind, problem.reason))
            continue
        except Exception as exc:  # a decoder bug on one odd file must not stop the scan
            reason = f"decoder failed: {type(exc).__name__}: {exc}"
            result.problems.append(FileProblem(rel, "corrupt", reason))
            continue
        group = groups.get(category)
        if group is None:
            group = groups[category] = GroupAccumulator()
        group.add(image, len(data))
    return result
