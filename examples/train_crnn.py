"""Train a small CRNN (CTC) on digit sequences generated on the fly; score it on a
test-pool export (exact-sequence accuracy and character error rate).

    python examples/train_crnn.py --minutes 12 --test-dir /tmp/seq-test

The training images come from ``seqstudio.torch.SequenceDataset`` (MNIST *train* glyphs,
nothing written to disk, a fresh image for every step); the test images are an export of
the same kind of spec drawn from the MNIST *test* glyphs (made first if the folder does
not exist), read back with ``SequenceDataset.from_export``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, RandomSampler

from seqstudio.core.augment import load_preset
from seqstudio.core.export import ExportOptions, export_dataset
from seqstudio.core.spec import GenerationSpec, RandomSequences
from seqstudio.torch import SequenceDataset, ctc_collate
from seqstudio.torch.crnn import CRNN, evaluate, train

#: Mild per-glyph rotation/shear/scale/shift, stroke width and noise: what closed most of the
#: gap between the 4,000 training glyphs and the held-out ones (see README.md here).
AUGMENT = Path(__file__).with_name("crnn_augment.json")


def spec_for(args: argparse.Namespace, pool: str, seed: int, augment=()) -> GenerationSpec:
    """Random sequences of ``--min-length``–``--max-length`` digits, 28 × ``--width``."""
    return GenerationSpec(
        augment=augment,
        random=RandomSequences(args.min_length, args.max_length),
        digits="",
        width=args.width,
        spacing_min=0,
        spacing_max=8,
        pool=pool,
        seed=seed,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=12.0, help="training time (default 12)")
    parser.add_argument("--test-dir", type=Path, default=Path("crnn-test-export"))
    parser.add_argument("--test-count", type=int, default=2000, help="test images (default 2000)")
    parser.add_argument("--min-length", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=5)
    parser.add_argument("--width", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (default 2)")
    # One thread: on a busy 2-core machine a step took ~5x longer with two (threads wait
    # for each other), and the DataLoader worker needs the other core.
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--augment",
        default=str(AUGMENT),
        help="augmentation preset or JSON file for the training images, or none (default "
        "crnn_augment.json beside this script; the test export is never augmented)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    if not (args.test_dir / "dataset.json").exists():
        export_dataset(
            spec_for(args, "test", seed=args.seed + 1000),
            args.test_count,
            args.test_dir,
            ExportOptions(workers=1),
        )
    test = SequenceDataset.from_export(args.test_dir)
    test_batches = DataLoader(test, batch_size=256, collate_fn=ctc_collate)

    # A very long on-the-fly dataset sampled at random: every step sees new images.
    augment = () if args.augment == "none" else load_preset(args.augment)
    data = SequenceDataset(spec_for(args, "train", seed=args.seed, augment=augment), 10**9)
    sampler = RandomSampler(data, replacement=True, num_samples=10**8)
    loader = DataLoader(
        data,
        batch_size=args.batch_size,
        sampler=sampler,
        num_workers=args.workers,
        collate_fn=ctc_collate,
        persistent_workers=args.workers > 0,
        prefetch_factor=4 if args.workers > 0 else None,
    )
    model = CRNN(classes=len(data.classes))
    params = sum(p.numel() for p in model.parameters())
    print(f"CRNN with {params:,} parameters; training {args.minutes:g} min", flush=True)

    start = time.perf_counter()

    def report(step: int, seen: int, loss: float) -> None:
        print(
            f"  step {step:5d}  images {seen:7d}  loss {loss:.3f}  {time.perf_counter() - start:5.0f} s",
            flush=True,
        )

    seen = train(model, loader, seconds=args.minutes * 60, report=report)
    trained = time.perf_counter() - start
    scores = evaluate(model, test_batches, data.classes)
    total = time.perf_counter() - start
    result = {
        "parameters": params,
        "train_images": seen,
        "train_seconds": round(trained, 1),
        "total_seconds": round(total, 1),
        "test_images": scores.count,
        "exact_sequence_accuracy": round(scores.accuracy, 4),
        "character_error_rate": round(scores.cer, 4),
        "lengths": [args.min_length, args.max_length],
        "torch_threads": args.threads,
        "workers": args.workers,
        "augment": args.augment,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
