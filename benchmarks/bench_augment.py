"""Milliseconds per image with the ``light`` and ``heavy`` presets vs no augmentation.

5 digits, width 200, ``fit="scale"`` (so the heavy preset's worst-case widening fits;
unaugmented sequences are never resampled at this width). All three are measured in
this one run; prints ms/image and the ratio to the unaugmented baseline. No asserts.

Run: ``PYTHONPATH=. /opt/venv/bin/python benchmarks/bench_augment.py [--count 300]``
"""

from __future__ import annotations

import argparse
import time

from seqstudio.core.augment import load_preset
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

TARGETS_MS = {"light": 0.5, "heavy": 2.0}


def _time(gen: SequenceGenerator, count: int, repeats: int = 3) -> float:
    gen.generate(0)  # warm caches (glyph pool, imports)
    best = float("inf")
    for r in range(repeats):
        start = time.perf_counter()
        for i in range(count):
            gen.generate(r * count + i, masks=False)
        best = min(best, (time.perf_counter() - start) / count)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    base = GenerationSpec(digits="14543", width=200, fit="scale", seed=1)
    results = {"none": _time(SequenceGenerator(base), args.count)}
    for name in ("light", "heavy"):
        results[name] = _time(
            SequenceGenerator(base.replace(augment=load_preset(name))), args.count
        )
    baseline = results["none"]
    print(f"images: {args.count} x best of 3, 5 digits, width 200, fit=scale")
    for name, ms in results.items():
        extra = ms - baseline
        target = (
            f"  augmentation cost {extra:.3f} ms (target ≤ {TARGETS_MS[name]} ms)"
            if name in TARGETS_MS
            else ""
        )
        print(f"{name:>6}: {ms:.3f} ms/image  ratio {ms / baseline:.2f}x{target}")


if __name__ == "__main__":
    main()
