"""Generator speed and full-MNIST load cost, each next to a baseline measured in this run.

Usage: ``python benchmarks/bench_generate.py [--quick]``

1. ms per image, 5 digits, width 200, spacing 5–10: the API one at a time (labels, boxes,
   mask, per-image seeding) and the vectorised batch call; the baseline is a minimal
   stitcher in the style of the fastest existing script (global RNG, ``np.hstack`` of
   random glyphs and zero gaps, no labels, boxes, masks or per-image seeding).
   Targets: one at a time ≤ 0.05 ms/image; batch ≥ 100,000 images/s.
2. Loading full-size MNIST (the subset tiled to 60,000 + 10,000 digits in temporary gzip'd
   IDX files): seconds and peak RSS of a fresh process, next to a baseline process that
   only imports numpy and decompresses the same files. Targets: ≤ 1 s, ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def bench_generation(quick: bool) -> None:
    n_single = 5_000 if quick else 20_000
    n_batch = 20_000 if quick else 100_000
    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200, seed=1)
    generator = SequenceGenerator(spec)
    pool = generator.pool
    members = {d: pool.members[d] for d in "0123456789"}
    rng = np.random.default_rng(0)
    generator.batch(0, 100)

    def naive():
        for _ in range(n_single):
            naive_stitcher(pool.images, members, "14543", (5, 10), 200, rng)

    def single():
        for i in range(n_single):
            generator.generate(i)

    def single_no_mask():
        for i in range(n_single):
            generator.generate(i, masks=False)

    def batch_call():
        for first in range(0, n_batch, 4096):
            generator.batch(first, min(4096, n_batch - first))

    def batch_masks():
        for first in range(0, n_batch, 4096):
            generator.batch(first, min(4096, n_batch - first), masks=True)

    base, _ = timed(naive, 3)
    base_ms = base / n_single * 1e3
    print(
        f"generation: 5 digits, width 200, spacing 5-10 ({n_single:,} single images, {n_batch:,} batched)"
    )
    print(f"  baseline minimal stitcher (no labels/boxes/seeding): {base_ms:.4f} ms/image")
    for name, fn, count in (
        ("API one at a time, labels+boxes+mask+seeding", single, n_single),
        ("API one at a time, labels+boxes+seeding (no mask)", single_no_mask, n_single),
        ("batch call (4096 per call), labels+boxes+seeding", batch_call, n_batch),
        ("batch call (4096 per call), + masks", batch_masks, n_batch),
    ):
        best, median = timed(fn, 3)
        ms = best / count * 1e3
        print(
            f"  {name}: {ms:.4f} ms/image ({count / best:,.0f} images/s; median {median / count * 1e3:.4f} ms)"
            f" = {base_ms / ms:.2f}x the baseline's speed"
        )
    print("  targets: one at a time <= 0.05 ms/image; batch >= 100,000 images/s")


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
    print("full-size MNIST from gzip'd IDX (70,000 digits), fresh process, best of 3")
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
    parser.add_argument("--quick", action="store_true", help="fewer images")
    options = parser.parse_args()
    bench_generation(options.quick)
    bench_load()
