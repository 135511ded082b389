"""Generator speed and full-MNIST load cost, each next to a baseline measured in this run.

Usage: ``python benchmarks/bench_generate.py [--quick] [--skip-load]``

Times are CPU seconds of this process (``time.process_time``), fastest of several rounds:
the machine may be shared, and CPU time is what other sessions disturb least. The load
average is printed next to each section; on a busy machine (load above the core count)
even CPU times run high (shared caches and cores), so compare against the same-run baseline.

1. One at a time, 5 digits, width 200, spacing 5–10: ``generate(i)`` with labels, boxes
   and per-image seeding (without and with the mask) and the classic API
   ``generate_numbers_sequence(digits, spacing_range, image_width)`` with ``seed=None``
   (a fresh seed every call) and with a seed. Baseline: a minimal stitcher in the style of
   the fastest existing script (global RNG, ``np.hstack`` of random glyphs and zero gaps,
   float output; no labels, boxes, masks or per-image seeding).
   Targets: ``generate(i)`` ≤ 0.025 ms; classic API with ``seed=None`` ≤ 0.03 ms.
2. Batches at 28×200 (``batch(start, 4096)`` calls, and one ``batch(0, 40960)`` call):
   images/s, next to the floor of merely allocating and writing the same output once
   (``np.zeros`` + a fill). Target: ≥ 250,000 images/s. One large call pays for fresh
   output pages from the kernel (see its floor); 4096-image calls reuse freed memory.
3. Batches across widths 200–2000 (the same number of output pixels at each width):
   ns per output pixel, relative to width 200, and the peak memory above the returned
   images (``tracemalloc``) for one and for three internal chunks. Target: per-pixel cost
   within ±25 % of width 200's; memory bounded by a chunk whatever the count. Printed
   for 5 digits at every width (the glyph work stays the same while the pixels grow, so
   the cost per pixel falls with width) and for as many digits per 200 px as at width
   200 (the same ink density: the cost per pixel should stay flat).
4. Loading full-size MNIST (the subset tiled to 60,000 + 10,000 digits in temporary gzip'd
   IDX files): seconds and peak RSS of a fresh process, next to a baseline process that
   only imports numpy and decompresses the same files. Targets: ≤ 1 s, ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqstudio.core.api import generate_numbers_sequence  # noqa: E402
from seqstudio.core.batch import chunk_images  # noqa: E402
from seqstudio.core.generator import SequenceGenerator  # noqa: E402
from seqstudio.core.glyphs import open_source  # noqa: E402
from seqstudio.core.idx import write_idx  # noqa: E402
from seqstudio.core.spec import GenerationSpec  # noqa: E402


def naive_stitcher(pool_images, members, digits, spacing, width, rng):
    """The minimal approach: random glyph per digit, zero gaps, hstack, pad."""
    parts = []
    for k, d in enumerate(digits):
        parts.append(pool_images[members[d][rng.integers(len(members[d]))]])
        if k < len(digits) - 1:
            parts.append(np.zeros((28, rng.integers(spacing[0], spacing[1] + 1)), np.uint8))
    strip = np.hstack(parts)
    out = np.zeros((28, width), np.uint8)
    out[:, : strip.shape[1]] = strip
    return out.astype(np.float32) / 255


def cpu_best(fn, rounds: int) -> float:
    """Fastest CPU time of ``rounds`` calls of ``fn``, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def verdict(value: float, target: float, lower_is_better: bool, unit: str) -> str:
    met = value <= target if lower_is_better else value >= target
    if met:
        return f"target {'<=' if lower_is_better else '>='} {target:g} {unit}: MET"
    ratio = value / target if lower_is_better else target / value
    return (
        f"target {'<=' if lower_is_better else '>='} {target:g} {unit}: MISSED by "
        f"{abs(value - target):.4g} {unit} ({ratio:.2f}x)"
    )


def bench_one_at_a_time(quick: bool, rounds: int) -> None:
    n = 3_000 if quick else 10_000
    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200, seed=1)
    generator = SequenceGenerator(spec)
    pool = generator.pool
    members = {d: pool.members[d] for d in "0123456789"}
    rng = np.random.default_rng(0)
    digits = [1, 4, 5, 4, 3]

    def naive():
        for _ in range(n):
            naive_stitcher(pool.images, members, "14543", (5, 10), 200, rng)

    def single(masks):
        def run():
            for i in range(n):
                generator.generate(i, masks=masks)

        return run

    def classic(seeded):
        def run():
            for i in range(n):
                if seeded:
                    generate_numbers_sequence(digits, (5, 10), 200, seed=7, index=i)
                else:
                    generate_numbers_sequence(digits, (5, 10), 200)

        return run

    cases = [
        ("generate(i): labels+boxes+seeding", single(False), 0.025),
        ("generate(i): labels+boxes+seeding+mask", single(True), None),
        ("classic API, seed=None (fresh seed per call)", classic(False), 0.03),
        ("classic API, seed=7, index=i", classic(True), None),
    ]
    for _, fn, _ in cases:  # warm up: caches, allocator, generator tables
        fn()
    base = cpu_best(naive, rounds) / n * 1e3
    print(
        f"1. one at a time: 5 digits, width 200, spacing 5-10, {n:,} calls, best of {rounds} [{load()}]"
    )
    print(f"   baseline minimal stitcher (no labels/boxes/masks/seeding): {base:.4f} ms/image")
    for name, fn, target in cases:
        ms = cpu_best(fn, rounds) / n * 1e3
        line = f"   {name}: {ms:.4f} ms/image = {ms / base:.2f}x the baseline's time"
        if target is not None:
            line += f"; {verdict(ms, target, True, 'ms')}"
        print(line, flush=True)


def bench_batch(quick: bool, rounds: int) -> None:
    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200, seed=1)
    generator = SequenceGenerator(spec)
    total = 40_960
    generator.batch(0, 4096, masks=True)

    def calls(masks):
        def run():
            for first in range(0, total, 4096):
                generator.batch(first, 4096, masks=masks)

        return run

    def floor(per_call):
        def run():
            for _ in range(0, total, per_call):
                np.zeros((per_call, 28, 200), np.uint8).fill(1)

        return run

    print(f"2. batches at 28x200, {total:,} images, best of {rounds} [{load()}]")
    for name, fn in (
        ("floor: allocate + write the output once, 4096 per call", floor(4096)),
        ("batch(start, 4096) calls", calls(False)),
        ("batch(start, 4096, masks=True) calls", calls(True)),
        ("floor: allocate + write the output once, one call", floor(total)),
        ("batch(0, 40960), one call", lambda: generator.batch(0, total)),
    ):
        rate = total / cpu_best(fn, rounds)
        line = f"   {name}: {rate:,.0f} images/s"
        if name.startswith("batch(") and "masks" not in name:  # the target is for images
            line += f"; {verdict(rate, 250_000, False, 'images/s')}"
        print(line, flush=True)


def bench_widths(quick: bool, rounds: int) -> None:
    pixels = 28 * 200 * (8_192 if quick else 20_480)
    print(
        f"3. batches across widths, {pixels / 1e6:.0f} M output pixels per width, "
        f"best of {rounds} [{load()}]"
    )
    for scaled in (False, True):
        base = None
        what = "digits scaled with width (5 per 200 px)" if scaled else "5 digits at every width"
        print(f"   {what}:")
        for width in (200, 500, 1000, 2000):
            digits = ("14543" * (width // 200))[: 5 * width // 200] if scaled else "14543"
            spec = GenerationSpec(digits=digits, spacing_min=5, spacing_max=10, width=width, seed=1)
            generator = SequenceGenerator(spec)
            generator.batch(0, 8)
            count = pixels // (28 * width)
            ns = cpu_best(partial(generator.batch, 0, count), rounds) / pixels * 1e9
            base = base or ns
            change = ns / base - 1
            flat = "within" if abs(change) <= 0.25 else "OUTSIDE"
            peaks = []
            for chunks in (1, 3):
                n = chunks * chunk_images(width)
                tracemalloc.start()
                try:
                    generator.batch(0, n)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                peaks.append((peak - n * 28 * width) / 2**20)
            per_image = (peaks[1] - peaks[0]) * 2**20 / (2 * chunk_images(width))
            print(
                f"     width {width:>4}: {ns:.3f} ns/pixel ({1e9 / (ns * 28 * width):,.0f} "
                f"images/s), {change:+.0%} vs width 200 ({flat} +-25 %); memory above the "
                f"images: {peaks[0]:.1f} MB for 1 chunk ({chunk_images(width):,} images), "
                f"{peaks[1]:.1f} MB for 3 ({per_image:.0f} bytes per extra image)",
                flush=True,
            )


LOAD_CODE = """
import sys, time
t = time.perf_counter()
{body}
elapsed = time.perf_counter() - t
# VmHWM (peak resident set) belongs to this address space; ru_maxrss would carry over the
# parent's peak across fork+exec on Linux.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(elapsed, int(hwm.split()[1]) / 1024)
"""

SEQSTUDIO_BODY = """
import numpy
from seqstudio.core.glyphs import open_source
source = open_source("idx:" + sys.argv[1])
assert len(source.pools["train"]) == 60000 and len(source.pools["test"]) == 10000
"""

BASELINE_BODY = """
import gzip, pathlib, numpy
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.gz")):
    numpy.frombuffer(gzip.decompress(f.read_bytes()), numpy.uint8)
"""

EMPTY_BODY = "import numpy"


def run_load(body: str, folder: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", LOAD_CODE.format(body=body), str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    seconds, rss = out.stdout.split()
    return float(seconds), float(rss)


def bench_load() -> None:
    subset = open_source("bundled")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for pool, prefix, total in (("train", "train", 60_000), ("test", "t10k", 10_000)):
            p = subset.pools[pool]
            reps = -(-total // len(p))
            write_idx(
                folder / f"{prefix}-images-idx3-ubyte.gz", np.tile(p.images, (reps, 1, 1))[:total]
            )
            write_idx(
                folder / f"{prefix}-labels-idx1-ubyte.gz",
                np.tile(p.label_ids.astype(np.uint8), reps)[:total],
            )
        results = {
            name: min(run_load(body, folder) for _ in range(3))
            for name, body in (
                ("seqstudio", SEQSTUDIO_BODY),
                ("decompress only", BASELINE_BODY),
                ("python+numpy", EMPTY_BODY),
            )
        }
    s_time, s_rss = results["seqstudio"]
    b_time, b_rss = results["decompress only"]
    e_rss = results["python+numpy"][1]
    print("4. full-size MNIST from gzip'd IDX (70,000 digits), fresh process, best of 3")
    print(f"  seqstudio open_source: {s_time:.3f} s, peak RSS {s_rss:.0f} MB")
    print(f"  baseline gzip.decompress + frombuffer only: {b_time:.3f} s, peak RSS {b_rss:.0f} MB")
    print(f"  interpreter + numpy alone: peak RSS {e_rss:.0f} MB")
    print(
        f"  ratio time seqstudio/baseline: {s_time / b_time:.2f}x; RSS above interpreter: {s_rss - e_rss:.0f} MB "
        f"(pixels alone: {70_000 * 784 / 2**20:.0f} MB)"
    )
    print("  targets: <= 1 s and <= 150 MB RSS")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and rounds")
    parser.add_argument("--skip-load", action="store_true", help="skip the full-MNIST load")
    options = parser.parse_args()
    rounds = 3 if options.quick else 7
    bench_one_at_a_time(options.quick, rounds)
    bench_batch(options.quick, rounds)
    bench_widths(options.quick, rounds)
    if not options.skip_load:
        bench_load()
