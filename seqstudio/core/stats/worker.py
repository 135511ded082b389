"""The unit of parallel work: read, hash and decode a chunk of files in one process."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

import numpy as np

from seqstudio.core.process_pool import stop_requested
from seqstudio.core.stats.accumulate import GroupAccumulator
from seqstudio.core.stats.decode import ImageProblem, cv2_module, decode_image
from seqstudio.core.stats.duplicates import content_key
from seqstudio.core.stats.masks import (
    Box,
    MaskAccumulator,
    box_problems,
    mask_ids,
    mask_problems,
)
from seqstudio.core.stats.model import FileProblem, Finding
from seqstudio.core.stats.pixelmaps import PixelMapAccumulator


@dataclass
class ChunkTask:
    """Files to process: paths relative to ``root``, the category and role of each, and
    the boxes the manifest gives (the image's own, or for a mask its image's)."""

    root: str
    rels: list[str]
    categories: list[str]
    max_pixels: int
    roles: list[str] = field(default_factory=list)
    boxes: list[tuple[Box, ...] | None] = field(default_factory=list)


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
    masks: MaskAccumulator = field(default_factory=MaskAccumulator)
    pixels: PixelMapAccumulator = field(default_factory=PixelMapAccumulator)
    findings: list[Finding] = field(default_factory=list)


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
    """Read, hash and decode every file of ``task``; never raises for a bad file.

    In a pool worker, stops early (a partial result, which the parent discards) once the
    parent asks the workers to stop.
    """
    result = ChunkResult()
    groups = result.groups
    prefix = os.path.join(task.root, "")
    roles = task.roles or ["image"] * len(task.rels)
    boxes = task.boxes or [None] * len(task.rels)
    for rel, category, role, expected in zip(task.rels, task.categories, roles, boxes, strict=True):
        if stop_requested():
            break
        try:
            with open(prefix + rel, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            denied = exc.errno in (errno.EACCES, errno.EPERM)
            reason = "permission denied" if denied else (exc.strerror or str(exc))
            result.problems.append(FileProblem(rel, "unreadable", f"cannot read: {reason}"))
            result.keys.append(None)
            continue
        if role == "mask":
            result.keys.append(None)  # equal masks are not duplicate images
            _add_mask(result, rel, data, expected)
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
        if image.planes:
            result.pixels.add(category, image.planes)
        if expected:
            for reason in box_problems(expected, image.width, image.height):
                result.findings.append(Finding("boxes", rel, reason))
    return result


def _add_mask(result: ChunkResult, rel: str, data: bytes, expected) -> None:
    cv2 = cv2_module()
    mask = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    if mask is None or mask.ndim != 2:
        why = "empty file (0 bytes)" if not data else "not a one-channel mask image (corrupt?)"
        result.problems.append(FileProblem(rel, "corrupt", f"mask: {why}"))
        return
    found, covered = mask_ids(mask)
    result.masks.add(found, covered, mask.size, len(data))
    if expected is not None:
        result.masks.checked += 1
        reasons = mask_problems(found, expected)
        if reasons:
            result.masks.disagreeing += 1
            result.findings.append(Finding("masks", rel, "; ".join(reasons)))
