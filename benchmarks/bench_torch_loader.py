"""Images per second from ``seqstudio.torch.SequenceDataset`` through a DataLoader.

28 × 200 images, batches of 256 collated for CTC, ``num_workers`` 2 (and 0), for:

- ``fixed``: the sequence 14543, no augmentation (DataLoader in index order, so each
  batch is drawn by the vectorised batch path; and shuffled, one image at a time);
- ``random``: random sequences of 1–5 digits, no augmentation;
- ``light``: 14543 with the ``light`` augmentation preset (``fit="scale"``).

Next to each: the same-run baseline of the generator alone in this process (one image at
a time with ``generate``, and ``batch`` where the spec allows it), so the loader's
overhead and the gain from two workers can be read off. Targets (issue 17): ≥ 20,000
images/s without augmentation and ≥ 3,000 with ``light`` on the 2-core machine. No asserts.

Run: ``.venv/bin/python benchmarks/bench_torch_loader.py [--images 20000]``
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.utils.data import DataLoader

from seqstudio.core.augment import load_preset
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec, RandomSequences
from seqstudio.torch import SequenceDataset, ctc_collate

TARGETS = {"fixed": 20_000, "random": 20_000, "light": 3_000}


def specs() -> dict[str, GenerationSpec]:
    base = GenerationSpec(digits="14543", width=200, seed=1)
    return {
        "fixed": base,
        "random": base.replace(
            random=RandomSequences(1, 5), digits="", spacing_min=0, spacing_max=8
        ),
        "light": base.replace(fit="scale", augment=load_preset("light")),
    }


def generator_rate(spec: GenerationSpec, images: int, batch: bool) -> float:
    """Images/s of the generator alone, in this process."""
    gen = SequenceGenerator(spec)
    if batch and not gen.vectorised:
        return float("nan")
    gen.generate(10**7, masks=False)
    start = time.perf_counter()
    if batch:
        for first in range(0, images, 256):
            gen.batch(first, min(256, images - first))
    else:
        for i in range(images):
            gen.generate(i, masks=False)
    return images / (time.perf_counter() - start)


def loader_rate(spec: GenerationSpec, images: int, workers: int, shuffle: bool) -> float:
    """Images/s through a DataLoader (after the first two batches: worker start-up)."""
    dataset = SequenceDataset(spec, images + 512)
    loader = DataLoader(
        dataset,
        batch_size=256,
        shuffle=shuffle,
        num_workers=workers,
        collate_fn=ctc_collate,
        prefetch_factor=4 if workers else None,
        generator=torch.Generator().manual_seed(0),
    )
    seen = 0
    start = 0.0
    for k, batch in enumerate(loader):
        if k == 2:
            start, seen = time.perf_counter(), 0
        seen += len(batch["labels"])
    return seen / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20_000, help="images per measurement")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name, spec in specs().items():
        n = args.images if name != "light" else max(args.images // 5, 2048)
        one = generator_rate(spec, min(n, 4000), batch=False)
        many = generator_rate(spec, n, batch=True)
        zero = loader_rate(spec, n, 0, shuffle=False)
        two = loader_rate(spec, n, 2, shuffle=False)
        two_shuffled = loader_rate(spec, n, 2, shuffle=True)
        rows.append((name, one, many, zero, two, two_shuffled, TARGETS[name]))
    print(f"images/s, 28x200, batch 256, ctc_collate ({args.images} images per measurement)")
    header = (
        "spec",
        "generate()",
        "batch()",
        "loader w=0",
        "loader w=2",
        "w=2 shuffled",
        "target (w=2)",
    )
    print(" | ".join(f"{h:>12}" for h in header))
    for name, *rates, target in rows:
        cells = [f"{r:12,.0f}" if r == r else f"{'-':>12}" for r in rates]
        best = max(rates[3], rates[4])
        verdict = "met" if best >= target else "NOT met"
        print(" | ".join([f"{name:>12}", *cells, f"{target:>8,} {verdict}"]))


if __name__ == "__main__":
    main()
