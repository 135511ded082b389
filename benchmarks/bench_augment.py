"""Milliseconds per image with the ``light``, ``heavy`` and ``transfer`` presets vs none.

5 digits, width 200, ``fit="scale"`` (so the presets' worst-case widening fits;
unaugmented sequences are never resampled at this width). All three are measured in
this one run, interleaved (none, light, heavy, none, ...) for several rounds so that
load from other processes on a shared machine hits them alike; prints the median
ms/image of each, its ratio to the unaugmented baseline (median of the per-round
ratios), and the augmentation cost against its target. No asserts.

Run: ``PYTHONPATH=. /opt/venv/bin/python benchmarks/bench_augment.py [--count 200] [--rounds 7]``
"""

from __future__ import annotations

import argparse
import statistics
import time

from seqstudio.core.augment import load_preset
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

PRESETS = ("none", "light", "heavy", "transfer")
TARGETS_MS = {"light": 0.5, "heavy": 2.0}


def _time(gen: SequenceGenerator, start: int, count: int) -> float:
    """Milliseconds per image for images ``start`` … ``start + count − 1``."""
    begin = time.perf_counter()
    for i in range(start, start + count):
        gen.generate(i, masks=False)
    return (time.perf_counter() - begin) / count * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="images per preset per round")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    args = parser.parse_args()
    base = GenerationSpec(digits="14543", width=200, fit="scale", seed=1)
    gens = {name: SequenceGenerator(base.replace(augment=load_preset(name))) for name in PRESETS}
    for gen in gens.values():
        _time(gen, 10**6, 20)  # warm caches (glyph pool, imports, OpenCV)
    runs: dict[str, list[float]] = {name: [] for name in PRESETS}
    for r in range(args.rounds):
        for name in PRESETS:
            runs[name].append(_time(gens[name], r * args.count, args.count))
    medians = {name: statistics.median(ms) for name, ms in runs.items()}
    print(
        f"images: {args.count} per preset x {args.rounds} interleaved rounds (medians), "
        "5 digits, width 200, fit=scale"
    )
    print(f"{'preset':>8}  {'ms/image':>8}  {'ratio':>7}  {'spread':>15}  augmentation cost")
    for name in PRESETS:
        ratio = statistics.median(a / b for a, b in zip(runs[name], runs["none"]))
        spread = f"{min(runs[name]):.3f}-{max(runs[name]):.3f}"
        line = f"{name:>8}  {medians[name]:8.3f}  {ratio:6.2f}x  {spread:>15}"
        if name in TARGETS_MS:
            extra = medians[name] - medians["none"]
            verdict = "ok" if extra <= TARGETS_MS[name] else "OVER"
            line += f"  {extra:.3f} ms (target ≤ {TARGETS_MS[name]} ms: {verdict})"
        print(line)


if __name__ == "__main__":
    main()
