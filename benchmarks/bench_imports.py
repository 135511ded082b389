"""Fixed start-up costs: importing the core and starting an export worker, with and without
an imgaug op, each in a fresh interpreter next to baselines measured in the same run.

Usage: ``python benchmarks/bench_imports.py [--rounds N]``

Every case runs as its own ``python -c`` (what a spawned export worker or a CLI call
pays), rounds interleaved so that load drifts hit every case alike; medians are shown.
Baselines: an empty interpreter, ``import numpy``, and ``import imgaug`` (with the numpy
names it needs restored) — the cost an export without imgaug ops no longer pays.
Target (issue 14): no imgaug import at all unless an imgaug op is enabled.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_REPORT = "import json, sys; print(json.dumps({'imgaug': 'imgaug' in sys.modules}))"
_WORKER = """
from seqstudio.core.export import worker  # what a spawned export worker imports
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec
spec = GenerationSpec.from_dict({{"digits": "14543", "width": 320, "seed": 1, "augment": {ops}}})
gen = SequenceGenerator(spec)
for i in range(8):
    gen.generate(i)
"""
OPENCV_OPS = [
    {"op": "rotate", "params": {"angle": [-5.0, 5.0]}},
    {"op": "translate", "params": {"x": [0.0, 0.0], "y": [-0.05, 0.05]}},
    {"op": "gaussian_blur", "params": {"sigma": [0.0, 0.8]}},
]
NOISE_OPS = OPENCV_OPS + [{"op": "gaussian_noise", "params": {"sigma": [1.0, 6.0]}}]

CASES = {
    "baseline: empty interpreter": "pass",
    "baseline: import numpy": "import numpy",
    "baseline: import imgaug": (
        "from seqstudio.core.augment.imgaug_backend import describe_backend; describe_backend()"
    ),
    "import seqstudio.core.api": "import seqstudio.core.api",
    "import seqstudio.core.generator": "import seqstudio.core.generator",
    "export worker, OpenCV ops only": _WORKER.format(ops=repr(OPENCV_OPS)),
    "export worker, + gaussian_noise (imgaug)": _WORKER.format(ops=repr(NOISE_OPS)),
}


def run_case(code: str) -> tuple[float, bool]:
    """Seconds for a fresh interpreter to run ``code``, and whether it imported imgaug."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code + "\n" + _REPORT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(out.stdout.strip().splitlines()[-1])["imgaug"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds per case (default 7)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    imported: dict[str, bool] = {}
    for code in CASES.values():  # warm the file cache once
        run_case(code)
    for _ in range(args.rounds):
        for name, code in CASES.items():
            elapsed, loaded = run_case(code)
            times[name].append(elapsed)
            imported[name] = loaded
    empty = statistics.median(times["baseline: empty interpreter"])
    print(
        f"Python {sys.version.split()[0]}, {args.rounds} rounds, medians (fresh interpreter each)"
    )
    print(f"{'case':<44}{'total ms':>10}{'over empty':>12}  imgaug imported")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<44}{median * 1e3:>10.0f}{(median - empty) * 1e3:>12.0f}  "
            f"{'yes' if imported[name] else 'no'}"
        )
    ok = (
        not imported["import seqstudio.core.api"] and not imported["export worker, OpenCV ops only"]
    )
    ok = ok and imported["export worker, + gaussian_noise (imgaug)"]
    saved = statistics.median(times["baseline: import imgaug"]) - statistics.median(
        times["baseline: import numpy"]
    )
    print(
        f"target: no imgaug import unless an imgaug op is enabled -> {'MET' if ok else 'MISSED'} "
        f"(an export without imgaug ops saves ~{saved * 1e3:.0f} ms per process)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
