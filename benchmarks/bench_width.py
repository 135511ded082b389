"""Cost of the width-first layout (``fit="pad"``) next to strict padding, in the same run.

Usage: ``python benchmarks/bench_width.py [--quick]``

``fit="strict"`` is the old ``pad`` path: independent gaps, padded, only at widths that
hold the largest gaps. ``fit="pad"`` (width-first) draws the same gaps and, where they
do not fit, draws them again uniformly over the gap vectors that fit.

Cases (5 digits, spacing 5–10, masks on for one-at-a-time, off for batches):

* ``roomy``: width 200, where the drawn gaps always fit: pad vs strict at 200.
* ``binding``: width 170, where most drawn gaps do not fit and are redrawn
  (a width strict refuses): pad at 170 vs strict at 180, its smallest width.
* ``binding, 12 digits``: width 12·28 + 11·7 with spacing 5–10, vs strict at its minimum.

Target: pad costs ≤ 10 % more per image than strict, one at a time and batched.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqstudio.core.generator import SequenceGenerator  # noqa: E402
from seqstudio.core.spec import GenerationSpec  # noqa: E402


def per_image_us(fn, count: int, repeats: int) -> float:
    """Median over ``repeats`` of the µs per image of ``fn()`` (which makes ``count``)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(times)


def measure(generator: SequenceGenerator, n_single: int, n_batch: int, repeats: int):
    generator.batch(0, 64)
    generator.generate(0)

    def single():
        for i in range(n_single):
            generator.generate(i)

    def batch():
        generator.batch(0, n_batch)

    return per_image_us(single, n_single, repeats), per_image_us(batch, n_batch, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images")
    args = parser.parse_args()
    n_single, n_batch, repeats = (2_000, 20_000, 5) if args.quick else (5_000, 100_000, 7)
    twelve = "145432101234"
    cases = [
        ("roomy (width 200)", GenerationSpec(width=200, seed=1), GenerationSpec(width=200)),
        ("binding (width 170)", GenerationSpec(width=170, seed=1), GenerationSpec(width=180)),
        (
            "binding, 12 digits",
            GenerationSpec(digits=twelve, width=12 * 28 + 11 * 7, seed=1),
            GenerationSpec(digits=twelve, width=12 * 28 + 11 * 10),
        ),
    ]
    print(f"µs per image (median of {repeats}); one at a time with masks, batches without")
    print(f"{'case':<22} {'path':<10} {'pad':>9} {'strict':>9} {'pad/strict':>11}")
    for name, pad_spec, strict_spec in cases:
        pad = SequenceGenerator(pad_spec)
        strict = SequenceGenerator(strict_spec.replace(fit="strict", seed=1))
        # Interleave the two so that machine noise hits both alike.
        pad_single, pad_batch = measure(pad, n_single, n_batch, repeats)
        strict_single, strict_batch = measure(strict, n_single, n_batch, repeats)
        pad_single2, pad_batch2 = measure(pad, n_single, n_batch, repeats)
        strict_single2, strict_batch2 = measure(strict, n_single, n_batch, repeats)
        rows = (
            ("one", min(pad_single, pad_single2), min(strict_single, strict_single2)),
            ("batch", min(pad_batch, pad_batch2), min(strict_batch, strict_batch2)),
        )
        for path, a, b in rows:
            print(f"{name:<22} {path:<10} {a:9.2f} {b:9.2f} {a / b:10.2f}×")
        redrawn = sum(
            sum(g) > pad_spec.width - 28 * len(pad_spec.digits)
            for g in SequenceGenerator(pad_spec.replace(fit="strict", width=16384))
            .batch(0, 2000)
            .gaps
        )
        print(f"{'':<22} (gaps redrawn in {redrawn / 20:.0f} % of images)")


if __name__ == "__main__":
    main()
