"""Export throughput against a ceiling measured in the same run, and peak memory.

    PYTHONPATH=. python benchmarks/bench_export.py [--quick] [--count N] [--skip-rss]

* PNG export of N images (5 digits, width 200) with 1 and 2 workers, without augmentation
  and with the ``light`` preset, next to a ceiling: the same worker count encoding
  (cv2 PNG default) and writing N already-made images of that size as fast as possible.
  Target: ≥ 80 % of the ceiling (without augmentation).
* ``--format npz``: images/s (target ≥ 50,000).
* Peak RSS of parent + children for N and 10 N images (target flat, ≤ 300 MB).

The CPU may be shared: compare the ratios, not the absolute figures. No asserts.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqstudio.core.export import ExportOptions, export_dataset  # noqa: E402
from seqstudio.core.spec import GenerationSpec  # noqa: E402

SPEC = GenerationSpec(digits="14543", width=200, seed=1)


def _ceiling_worker(args):
    start, count, folder = args
    from seqstudio.core.cv import cv2
    from seqstudio.core.generator import SequenceGenerator

    made = time.time()  # imports count as start-up (the export pays them too); making does not
    images = SequenceGenerator(SPEC).batch(start, count).images
    t0 = time.time()
    for k in range(count):
        ok, buffer = cv2.imencode(".png", images[k])
        with open(os.path.join(folder, f"{start + k:06d}.png"), "wb") as handle:
            handle.write(buffer)
    return t0 - made, t0, time.time()


def ceiling(count: int, workers: int, folder: Path) -> tuple[float, float]:
    """Images/s for encoding + writing ``count`` ready images with ``workers`` processes.

    Returns ``(warm, cold)``: warm times only the encode-and-write loops; cold also counts
    starting the process pool (as the export's own rate does), but not making the images.
    """
    folder.mkdir(parents=True)
    shares = [
        (k * count // workers, (k + 1) * count // workers - k * count // workers, str(folder))
        for k in range(workers)
    ]
    begin = time.time()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        spans = pool.map(_ceiling_worker, shares)
    end = time.time()
    warm = count / (max(t1 for _, _, t1 in spans) - min(t0 for _, t0, _ in spans))
    cold = count / (end - begin - max(making for making, _, _ in spans))
    return warm, cold


def timed_export(spec, count, folder, **options) -> float:
    t0 = time.perf_counter()
    export_dataset(spec, count, folder, ExportOptions(**options))
    return count / (time.perf_counter() - t0)


def peak_rss(count: int, folder: Path, fmt: str) -> float:
    """Peak summed RSS (MB) of an export subprocess and its workers, sampled from /proc."""
    code = (
        "from seqstudio.core.export import ExportOptions, export_dataset;"
        "from seqstudio.core.spec import GenerationSpec;"
        f"export_dataset(GenerationSpec(digits='14543', width=200, seed=1), {count}, {str(folder)!r},"
        f" ExportOptions(workers=2, format={fmt!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)  # sampling interval of the monitor (a benchmark, not a test)
    return peak / 1024


def _tree_rss(pid: int) -> int:
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as handle:
                pids += [int(c) for c in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images (4,000)")
    parser.add_argument("--count", type=int, help="images per run (default 20,000)")
    parser.add_argument("--skip-rss", action="store_true")
    args = parser.parse_args()
    count = args.count or (4000 if args.quick else 20000)
    from seqstudio.core.augment.presets import load_preset

    light = SPEC.replace(augment=load_preset("light"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        print(f"{count:,} images, 5 digits, width 200, PNG; CPU cores: {os.cpu_count()}")
        print("(ceiling and export alternate over 2 rounds, best of each: file creation on a")
        print(
            " shared disk slows down after many files, so running one always first would bias it)"
        )
        for workers in (1, 2):
            warm, cold, plain = [], [], []
            for round_ in range(2):
                ceiling_dir = tmp / f"ceiling{workers}-{round_}"
                export_dir = tmp / f"plain{workers}-{round_}"
                if round_ == 0:
                    w, c = ceiling(count, workers, ceiling_dir)
                    plain.append(timed_export(SPEC, count, export_dir, workers=workers))
                else:
                    plain.append(timed_export(SPEC, count, export_dir, workers=workers))
                    w, c = ceiling(count, workers, ceiling_dir)
                warm.append(w)
                cold.append(c)
                shutil.rmtree(ceiling_dir, ignore_errors=True)
                shutil.rmtree(export_dir, ignore_errors=True)
            top, top_cold, best = max(warm), max(cold), max(plain)
            n_light = max(count // 10, 200)
            aug = timed_export(light, n_light, tmp / f"light{workers}", workers=workers)
            print(
                f"workers={workers}: export {best:8,.0f} img/s = {best / top_cold:5.1%} of the ceiling with pool"
                f" start-up ({top_cold:,.0f}), {best / top:5.1%} of the warm ceiling ({top:,.0f}) |"
                f" light ({n_light:,} images) {aug:6,.0f} img/s"
            )
        for workers in (1, 2):
            n = count * 5
            rate = timed_export(SPEC, n, tmp / f"npz{workers}", workers=workers, format="npz")
            print(
                f"npz, workers={workers}, {n:,} images: {rate:,.0f} img/s (target ≥ 50,000: {rate / 50000:.2f}×)"
            )
        if not args.skip_rss:
            for n in (count, 10 * count):
                for fmt in ("npz", "png"):
                    if fmt == "png" and n > count and args.quick is False and n > 50000:
                        pass
                    mb = peak_rss(n, tmp / f"rss-{fmt}-{n}", fmt)
                    print(f"peak RSS parent+children, {fmt}, {n:,} images: {mb:,.0f} MB")
                    shutil.rmtree(tmp / f"rss-{fmt}-{n}", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
