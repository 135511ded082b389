"""Benchmark ``compute_dataset_stats`` against a decode-only ceiling measured in the same run.

Makes N PNGs of 28x200 grayscale (digit sequences from the bundled-style MNIST sample
when available, else random strokes) and N of 160x160 RGB in a temporary folder, then
prints the seconds of a full stats run next to the seconds of the fastest plain decode
we know (read + ``cv2.imdecode`` of every file, all cores, process pool) and the ratio.
Target: stats reaches >= 80% of the ceiling's throughput. Prints figures only.

Usage: ``python benchmarks/bench_stats.py [--count 10000] [--workers K] [--repeat 2]``
(``--count 1000`` for a quick run).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MNIST_CSV = Path("/work/shared/data/mnist_5k.csv.gz")


def _digits() -> np.ndarray:
    if MNIST_CSV.exists():
        with gzip.open(MNIST_CSV, "rt") as handle:
            rows = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
        return rows[:, :784].reshape(-1, 28, 28)
    rng = np.random.default_rng(0)
    return (rng.random((100, 28, 28)) > 0.8).astype(np.uint8) * 255


def make_dataset(folder: Path, count: int) -> None:
    """Write ``count`` gray 28x200 and ``count`` RGB 160x160 PNGs under ``folder``."""
    from seqstudio.core.cv import cv2

    rng = np.random.default_rng(1)
    digits = _digits()
    gray, rgb = folder / "gray", folder / "rgb"
    gray.mkdir(parents=True)
    rgb.mkdir()
    for i in range(count):
        picks = digits[rng.integers(0, len(digits), 7)]
        image = np.zeros((28, 200), np.uint8)
        image[:, 2:198] = np.concatenate(list(picks), axis=1)
        cv2.imwrite(str(gray / f"{i:06d}.png"), image)
    for i in range(count):
        tile = np.kron(digits[rng.integers(0, len(digits))], np.ones((5, 5), np.uint8))
        canvas = np.zeros((160, 160, 3), np.float32)
        canvas[:] = rng.integers(0, 256, 3)
        colour = rng.integers(0, 256, 3).astype(np.float32)
        alpha = np.zeros((160, 160, 1), np.float32)
        alpha[10:150, 10:150, 0] = tile / 255.0
        canvas = canvas * (1 - alpha) + colour * alpha + rng.normal(0, 6, (160, 160, 3))
        cv2.imwrite(str(rgb / f"{i:06d}.png"), np.clip(canvas, 0, 255).astype(np.uint8))


def _decode_chunk(paths: list[str]) -> int:
    from seqstudio.core.cv import cv2

    pixels = 0
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        pixels += image.size
    return pixels


def _warm(_: int) -> int:
    from seqstudio.core.cv import cv2  # noqa: F401

    return 0


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished child processes."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(function, *args) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process and its pool)`` of one call."""
    cpu, wall = _cpu(), time.perf_counter()
    function(*args)
    return time.perf_counter() - wall, _cpu() - cpu


def ceiling(folder: Path, workers: int, warm_pool: bool) -> float:
    """Seconds to read and decode every PNG with ``workers`` processes.

    With ``warm_pool`` the pool is started (and cv2 imported) before the clock starts:
    the strictest ceiling. Otherwise pool start-up is timed too, as in a stats run.
    """
    import multiprocessing

    paths = sorted(str(p) for p in folder.rglob("*.png"))
    chunks = [paths[i : i + 256] for i in range(0, len(paths), 256)]
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        if warm_pool:
            list(pool.map(_warm, range(workers * 2)))
            start = time.perf_counter()
        list(pool.map(_decode_chunk, chunks))
    return time.perf_counter() - start


def stats_run(folder: Path, workers: int) -> float:
    from seqstudio.core.stats import compute_dataset_stats

    start = time.perf_counter()
    stats = compute_dataset_stats(folder, workers=workers)
    elapsed = time.perf_counter() - start
    assert stats.overall.image_count == stats.files_total  # a broken run is not a figure
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=10_000, help="images of each kind (default 10000)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is shown")
    parser.add_argument("--data", type=Path, help="reuse (or make once) the images in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_stats_") as tmp:
        folder = args.data or Path(tmp)
        start = time.perf_counter()
        if not (folder / "gray").is_dir():
            make_dataset(folder, args.count)
            print(f"made {2 * args.count} PNGs in {time.perf_counter() - start:.1f} s ({folder})")
        files = sum(1 for _ in folder.rglob("*.png"))
        runs = {
            "stats": (stats_run, folder, args.workers),
            "ceiling_cold": (ceiling, folder, args.workers, False),
            "ceiling_warm": (ceiling, folder, args.workers, True),
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):  # interleaved, so load from elsewhere hits all alike
            for name, (function, *call_args) in runs.items():
                results[name].append(timed(function, *call_args))
        best = {name: min(times) for name, times in results.items()}  # by wall time
        print(f"workers: {args.workers}, files: {files}, best of {args.repeat} (wall, then CPU)")
        for name in runs:
            wall, cpu = best[name]
            print(f"  {name:13s} {wall:7.3f} s  {files / wall:9,.0f} files/s   cpu {cpu:7.3f} s")
        for name in ("ceiling_cold", "ceiling_warm"):
            wall = best[name][0] / best["stats"][0]
            cpu = best[name][1] / best["stats"][1]
            print(f"  stats vs {name}: {wall:.0%} of its throughput ({cpu:.0%} by CPU time)")


if __name__ == "__main__":
    main()
