"""``compute_dataset_stats``: scan a folder, decode in parallel, merge exact sums."""

from __future__ import annotations

import os
import posixpath
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from seqstudio.core.progress import CancelCheck, ProgressCallback, ProgressTracker
from seqstudio.core.stats.accumulate import GroupAccumulator
from seqstudio.core.stats.decode import DEFAULT_MAX_PIXELS, cv2_module
from seqstudio.core.stats.duplicates import DuplicateFinder
from seqstudio.core.stats.errors import StatsCancelledError, StatsInputError
from seqstudio.core.stats.index import FolderIndex, IndexedImage, build_index
from seqstudio.core.stats.manifest import read_label_stats
from seqstudio.core.stats.masks import MaskAccumulator
from seqstudio.core.stats.model import OVERALL, ROOT_CATEGORY, DatasetStats, FileProblem, Finding
from seqstudio.core.stats.pixelmaps import PixelMapAccumulator
from seqstudio.core.stats.scan import ALLOWED_TYPES, validate_root
from seqstudio.core.stats.worker import ChunkResult, ChunkTask, init_worker, process_chunk

PartialCallback = Callable[[DatasetStats], None]
#: Non-image file names kept as examples in the result.
MAX_NON_IMAGE_EXAMPLES = 100
#: Image paths kept as a seeded sample in the result.
SAMPLE_IMAGES = 1000


class _Run:
    """Mutable state of one scan; :meth:`snapshot` turns it into plain data."""

    def __init__(self, root: Path, as_rgb: bool, max_pixels: int, total: int) -> None:
        self.root = root
        self.as_rgb = as_rgb
        self.max_pixels = max_pixels
        self.total = total
        self.done = 0
        self.groups: dict[str, GroupAccumulator] = {}
        self.problems: list[FileProblem] = []
        self.non_images = 0
        self.non_image_examples: list[str] = []
        self.manifests: list[str] = []
        # The only per-file state: one content key and path per distinct image.
        self.duplicates = DuplicateFinder(root)
        self.masks = MaskAccumulator()
        self.pixels = PixelMapAccumulator()
        self.findings: list[Finding] = []
        self.roles: dict[str, int] = {}
        self.start = time.perf_counter()

    def add_result(self, task: ChunkTask, result: ChunkResult) -> None:
        for name, acc in result.groups.items():
            mine = self.groups.get(name)
            if mine is None:
                self.groups[name] = acc
            else:
                mine.merge(acc)
        self.problems.extend(result.problems)
        self.masks.merge(result.masks)
        self.pixels.merge(result.pixels)
        self.findings.extend(result.findings)
        for rel, key in zip(task.rels, result.keys, strict=True):
            if key is not None:
                self.duplicates.add(rel, key)
        self.done += len(task.rels)

    def snapshot(self, complete: bool) -> DatasetStats:
        categories = {
            name: acc.finalize(name, self.as_rgb) for name, acc in sorted(self.groups.items())
        }
        overall = GroupAccumulator()
        for acc in self.groups.values():
            overall.merge(acc)
        return DatasetStats(
            root=str(self.root),
            as_rgb=self.as_rgb,
            max_pixels=self.max_pixels,
            categories=categories,
            overall=overall.finalize(OVERALL, self.as_rgb),
            problems=sorted(self.problems, key=lambda p: (p.path, p.kind)),
            non_image_files=self.non_images,
            non_image_examples=list(self.non_image_examples),
            duplicate_groups=self.duplicates.groups(),
            manifests=list(self.manifests),
            files_total=self.total,
            files_done=self.done,
            complete=complete,
            elapsed=time.perf_counter() - self.start,
            roles=dict(self.roles),
            masks=self.masks.finalize() if self.masks.count else None,
            pixel_maps=self.pixels.finalize(OVERALL) if complete else [],
            pixel_maps_skipped=dict(self.pixels.skipped),
        )


def compute_dataset_stats(
    root: str | os.PathLike[str],
    *,
    as_rgb: bool = False,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    on_partial: PartialCallback | None = None,
    partial_interval: float = 1.0,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    chunk_size: int | None = None,
    role: str = "image",
    on_index: Callable[[FolderIndex], None] | None = None,
) -> DatasetStats:
    """Compute image statistics of a folder tree, per category (sub-folder) and overall.

    Files are found recursively (extensions png, jpg/jpeg, bmp, tif/tiff, webp, any case;
    symlinks followed, loops not), decoded in worker processes and summed exactly: per
    channel, over every pixel of every image, on values scaled to [0, 1]. How modes map
    to channels, and how a group mixing channel counts is reported, is described in
    :mod:`seqstudio.core.stats.accumulate` and :mod:`seqstudio.core.stats.decode`.
    Bad files (empty, corrupt, truncated, declared larger than ``max_pixels``,
    unreadable) are listed in ``problems`` and never stop the scan.

    Parameters
    ----------
    root : path
        The folder to scan.
    as_rgb : bool
        Count every image as RGB (three channels, ready for
        ``torchvision.transforms.Normalize``).
    workers : int or None
        Worker processes (``None``: one per CPU). ``1`` decodes in this process. Workers
        are forked from a clean fork server (or spawned), so calling this from a GUI thread is safe.
    progress : callable or None
        Receives :class:`~seqstudio.core.progress.Progress` snapshots (units: image files).
    cancel : callable or None
        Polled between chunks of files; when it returns true the scan stops and
        :class:`StatsCancelledError` is raised carrying the partial result.
    on_partial : callable or None
        Receives a partial :class:`DatasetStats` (``complete=False``, no manifest labels
        yet: those are read at the end) at most every ``partial_interval`` seconds.
    partial_interval : float
        Least seconds between two ``on_partial`` calls.
    max_pixels : int
        Images whose header declares more pixels are refused without decoding.
    chunk_size : int or None
        Files per unit of work sent to a worker (``None``: chosen from the file count).
    role : str
        ``"image"`` (default): statistics over the images, masks counted apart (see
        :mod:`seqstudio.core.stats.index`); ``"mask"``: statistics over the masks instead,
        as if they were images (to inspect them on request).
    on_index : callable or None
        Receives the folder's :class:`~seqstudio.core.stats.index.FolderIndex` (roles,
        labels, boxes, masks, parameters) as soon as it is read, before any decoding (the
        app's gallery shows its first page from it). Not called for ``role="mask"``.

    Returns
    -------
    DatasetStats
        Plain data; ``to_dict()`` gives JSON.

    Raises
    ------
    StatsInputError
        ``root`` is missing, not a folder, unreadable, empty or holds no image file.
    StatsCancelledError
        ``cancel`` returned true.
    """
    if role not in ("image", "mask"):
        raise StatsInputError(f"role must be 'image' or 'mask', got {role!r}")
    if workers is not None and workers < 1:
        raise StatsInputError(f"workers must be at least 1, got {workers}")
    if max_pixels < 1:
        raise StatsInputError(f"max_pixels must be at least 1, got {max_pixels}")
    folder = validate_root(root)
    index = build_index(folder, cancel, progress)
    if on_index is not None and role == "image" and not (cancel is not None and cancel()):
        on_index(index)
    if role == "mask":
        if not index.masks:
            raise StatsInputError(f"no masks in {str(root)!r} (masks are found from its manifests)")
        _masks_as_images(index)
    n_images = len(index.images) + len(index.masks)
    n_files = n_images + len(index.non_images) + len(index.manifests)
    run = _Run(folder, as_rgb, max_pixels, n_images)
    run.roles = dict(index.role_counts)
    if cancel is not None and cancel():
        raise StatsCancelledError(run.snapshot(complete=False))
    if n_files == 0:
        raise StatsInputError(f"folder {str(root)!r} is empty; nothing to scan")
    if n_images == 0:
        raise StatsInputError(
            f"no image files in {str(root)!r} ({n_files} other files skipped); "
            f"image types counted: {ALLOWED_TYPES}"
        )
    workers = (os.cpu_count() or 1) if workers is None else workers
    if chunk_size is None:
        chunk_size = max(8, min(256, n_images // (workers * 8) or 1))
    workers = max(1, min(workers, -(-n_images // chunk_size)))

    tracker = ProgressTracker(n_images, progress)
    tasks = _tasks(run, index, chunk_size)
    last_partial = time.perf_counter()

    def after_chunk(task: ChunkTask, result: ChunkResult) -> None:
        nonlocal last_partial
        run.add_result(task, result)
        tracker.advance(len(task.rels))
        if on_partial is not None and time.perf_counter() - last_partial >= partial_interval:
            last_partial = time.perf_counter()
            on_partial(run.snapshot(complete=False))

    if workers > 1:
        workers = _workers_worth_starting(tasks, n_images, workers, after_chunk)
    if workers == 1:
        for task in tasks:
            if cancel is not None and cancel():
                raise StatsCancelledError(run.snapshot(complete=False))
            after_chunk(task, process_chunk(task))
    else:
        _run_pool(tasks, workers, after_chunk, cancel, run)

    tracker.finish()
    stats = run.snapshot(complete=True)
    count = min(SAMPLE_IMAGES, len(index.images))
    chosen = sorted(random.Random(0).sample(range(len(index.images)), count))
    stats.sample_images = [index.images[k].rel for k in chosen]
    _attach_labels(stats, folder)
    if role == "image":
        from seqstudio.core.stats.checks import build_report

        stats.qa = build_report(stats, index, run.findings)
    else:
        stats.qa.skipped = dict.fromkeys(stats.qa.counts, "statistics over the masks")
    return stats


def _masks_as_images(index: FolderIndex) -> None:
    """Make the masks the images of ``index`` (and drop the images)."""
    index.images = [
        IndexedImage(rel, posixpath.dirname(rel) or ROOT_CATEGORY) for rel in index.masks
    ]
    index.masks, index.expected_masks = {}, {}
    index.categories = sorted({image.category for image in index.images})


def _tasks(run: _Run, index: FolderIndex, chunk_size: int) -> Iterator[ChunkTask]:
    """Group the index's images and masks into tasks, recording everything else in ``run``."""
    run.manifests.extend(index.manifests)
    run.problems.extend(p for p in index.problems if p.kind != "manifest")
    run.non_images = len(index.non_images)
    run.non_image_examples = index.non_images[:MAX_NON_IMAGE_EXAMPLES]
    files = [(im.rel, im.category, "image", im.boxes) for im in index.images]
    for rel in index.masks:
        owner = index.expected_masks.get(rel)
        category = posixpath.dirname(rel) or ROOT_CATEGORY
        files.append((rel, category, "mask", owner.boxes if owner is not None else None))
    files.sort(key=lambda item: item[0])  # scan order: the same chunks for any worker count
    for start in range(0, len(files), chunk_size):
        part = files[start : start + chunk_size]
        yield ChunkTask(
            str(run.root),
            [f[0] for f in part],
            [f[1] for f in part],
            run.max_pixels,
            [f[2] for f in part],
            [f[3] for f in part],
        )


def _workers_worth_starting(
    tasks: Iterator[ChunkTask],
    n_images: int,
    workers: int,
    after_chunk: Callable[[ChunkTask, ChunkResult], None],
) -> int:
    """Decode the first chunk here; keep going in this process (return 1) unless a pool
    would save more than its start-up (:func:`~seqstudio.core.process_pool.pool_worth_starting`),
    else ``workers``.

    Timed in CPU seconds, so that a busy machine does not make the work look bigger
    than it is: a thousand small PNGs take ~0.05 s, far less than a pool's start-up.
    """
    from seqstudio.core.process_pool import pool_worth_starting

    first = next(tasks, None)
    if first is None:
        return 1
    cv2_module()  # imported before timing: the first chunk must not pay for it
    start = time.process_time()
    after_chunk(first, process_chunk(first))
    rest = (time.process_time() - start) / len(first.rels) * (n_images - len(first.rels))
    return workers if pool_worth_starting(rest, workers) else 1


def _run_pool(
    tasks: Iterator[ChunkTask],
    workers: int,
    after_chunk: Callable[[ChunkTask, ChunkResult], None],
    cancel: CancelCheck | None,
    run: _Run,
) -> None:
    """Feed tasks to the process pool (:func:`seqstudio.core.process_pool.run_tasks`),
    a bounded number in flight, merged in order.

    Until the first worker returns a result (they take a moment to start), this process
    decodes the next chunks itself. On cancellation the workers stop after the file they
    are decoding; a worker's error is raised once they have stopped.
    """
    from seqstudio.core.process_pool import run_tasks

    outcome = run_tasks(
        process_chunk,
        tasks,
        after_chunk,
        workers=workers,
        initializer=init_worker,
        should_stop=cancel,
        after_stop="discard",
        local=process_chunk,
    )
    if outcome.error is not None:
        raise outcome.error
    if outcome.stopped:
        raise StatsCancelledError(run.snapshot(complete=False))


def _attach_labels(stats: DatasetStats, folder: Path) -> None:
    if not stats.manifests:
        return
    per_category, overall, problems = read_label_stats(folder, stats.manifests)
    for name, labels in per_category.items():
        if name in stats.categories:
            stats.categories[name].labels = labels
    stats.overall.labels = overall
    stats.labels = overall
    stats.problems.extend(problems)
