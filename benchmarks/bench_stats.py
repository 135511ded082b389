"""Benchmark ``compute_dataset_stats`` against a decode-only ceiling measured in the same run.

Makes N PNGs of 28x200 grayscale (digit sequences from the bundled-style MNIST sample
when available, else random strokes) and N of 160x160 RGB in a temporary folder, then
prints the seconds of a full stats run next to the seconds of the fastest plain decode
we know (read + ``cv2.imdecode`` of every file, all cores, process pool) and the ratio.
Target: stats reaches >= 80% of the ceiling's throughput. Prints figures only.

Usage: ``python benchmarks/bench_stats.py [--count 10000] [--workers K] [--repeat 2]``
(``--count 1000`` for a quick run).

``--responsiveness DIR`` instead opens the inspector (offscreen) on ``DIR`` (e.g. a
200,000-image ``seqstudio export``) and prints the time to the first results (progress,
partial table, first gallery page, a gallery filter) and to the complete scan, next to the
engine alone on the same folder, and the GUI event-loop stalls while it runs next to the
stalls of an idle event loop measured in the same run (the machine's noise floor).
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


def _stalls(gaps: list[float]) -> str:
    gaps = sorted(gaps) or [0.0]
    p99 = gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))]
    over = sum(g > 0.1 for g in gaps)
    return f"max {1000 * gaps[-1]:6.1f} ms, p99 {1000 * p99:5.1f} ms, {over} ticks > 100 ms"


def responsiveness(folder: Path, workers: int) -> None:
    """Open the inspector on ``folder``; print first-result times and event-loop stalls."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from seqstudio.core.stats import compute_dataset_stats
    from seqstudio.gui.inspector import InspectorPanel

    app = QApplication.instance() or QApplication([])
    gaps: list[float] = []
    last = [time.perf_counter()]

    long_gaps: list[tuple[float, float]] = []

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        if now - last[0] > 0.25:
            long_gaps.append((last[0], now - last[0]))
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    # Noise floor: the same timer on an idle event loop for 3 s.
    timer.start()
    QTimer.singleShot(3000, app.quit)
    app.exec()
    idle = list(gaps[1:])

    panel = InspectorPanel(workers=workers)
    panel.resize(1600, 1000)
    panel.show()
    marks: dict[str, float] = {}
    start = time.perf_counter()

    def mark(name: str) -> None:
        marks.setdefault(name, time.perf_counter() - start)

    def on_page() -> None:
        mark("first gallery page")
        if "filter asked" not in marks:
            mark("filter asked")
            panel.gallery.filters.min_length.setValue(5)

    panel.runner.progressed.connect(lambda *_: mark("first progress"))
    panel.runner.partial.connect(lambda *_: mark("first partial table"))
    panel.gallery.pageLoaded.connect(on_page)
    panel.gallery.filtered_ready.connect(
        lambda: mark("gallery filter (length >= 5) shown") if "filter asked" in marks else None
    )
    panel.scanFinished.connect(lambda *_: mark("statistics + QA complete"))
    panel.histogramReady.connect(lambda *_: (mark("histogram (scan ended)"), app.quit()))
    panel.scanFailed.connect(lambda message: (print("failed:", message), app.quit()))
    gaps.clear()
    long_gaps.clear()
    last[0] = time.perf_counter()
    panel.inspect(str(folder))
    app.exec()
    busy = list(gaps)
    timer.stop()
    stats = panel.stats
    panel.shutdown()
    images = stats.overall.image_count if stats else 0
    print(f"inspector on {folder}: {images:,} images, workers {workers}")
    for name, seconds in sorted(marks.items(), key=lambda kv: kv[1]):
        if name != "filter asked":
            print(f"  {name:36s} {seconds:8.2f} s")
    print(f"  event loop while scanning: {_stalls(busy)}  ({len(busy):,} ticks)")
    print(f"  event loop idle (baseline): {_stalls(idle)}  ({len(idle):,} ticks)")
    for at, gap in long_gaps[:10]:
        print(f"  stall of {1000 * gap:7.1f} ms starting at {at - start:7.2f} s")
    sys.stdout.flush()  # the baseline below takes as long as the scan
    engine = time.perf_counter()
    compute_dataset_stats(folder, workers=workers)
    engine = time.perf_counter() - engine
    print(f"  {'engine alone (same folder, baseline)':36s} {engine:8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=10_000, help="images of each kind (default 10000)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is shown")
    parser.add_argument("--data", type=Path, help="reuse (or make once) the images in this folder")
    parser.add_argument(
        "--responsiveness",
        type=Path,
        metavar="DIR",
        help="measure the inspector on this folder instead (first results, stalls)",
    )
    args = parser.parse_args()
    if args.responsiveness is not None:
        responsiveness(args.responsiveness, args.workers)
        return
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
