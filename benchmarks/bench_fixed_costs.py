"""Costs users feel outside the inner loops, each next to a baseline measured in this run.

Usage: ``python benchmarks/bench_fixed_costs.py [--rounds N] [--quick]``

1. ``seqstudio generate --count N -o DIR`` against ``seqstudio export --workers 1`` of the
   same spec: marginal ms per image (the slope between N and 5 N images, which removes
   start-up). Target: generate within 10 % of export.
2. Export worker start-up: seconds from creating the export's process pool to every
   worker having imported what an export worker imports, for the first pool of a process
   (which starts the fork server) and the next one, next to spawned workers (the former
   start method) in the same run. Target: ≤ 0.15 s.
3. ``seqstudio stats`` on 1,000 small PNGs against a plain single-process loop (a fresh
   interpreter reading and ``cv2.imdecode``-ing every file), in wall and in CPU seconds
   (user + system: steadier on a shared machine). Target: ≤ 1.2x the loop.

Rounds alternate the cases (load drift hits all alike); medians are printed. No asserts.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC_ARGS = ["--digits", "14543", "--width", "200", "--seed", "1"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# An installed package has its bytecode compiled (as numpy and OpenCV do); a checkout run
# with PYTHONDONTWRITEBYTECODE would compile every seqstudio module at each start.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
PLAIN_LOOP = """
import os, sys, numpy as np, cv2
root = sys.argv[1]
total = 0.0
for dirpath, _, names in os.walk(root):
    for name in names:
        with open(os.path.join(dirpath, name), "rb") as handle:
            image = cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_UNCHANGED)
        total += float(image.sum())
print(total)
"""


def _cli_seconds(args: list[str]) -> float:
    return _timed([sys.executable, "-m", "seqstudio", *args])[0]


def _timed(command: list[str]) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of a command (CPU: user + system of the process
    and the children it waited for; steadier than wall time on a shared machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=ENV, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def generate_vs_export(tmp: Path, rounds: int, small: int) -> None:
    large = 5 * small
    times: dict[tuple[str, int], list[float]] = {}
    for r in range(rounds):
        for name in ("generate", "export"):
            for n in (small, large):
                out = tmp / f"{name}-{n}-{r}"
                if name == "generate":
                    args = ["generate", *SPEC_ARGS, "--count", str(n), "-o", str(out)]
                else:
                    args = ["export", *SPEC_ARGS, "--count", str(n), "-o", str(out)]
                    args += ["--workers", "1", "--quiet"]
                times.setdefault((name, n), []).append(_cli_seconds(args))
                shutil.rmtree(out, ignore_errors=True)
    slope = {
        name: (statistics.median(times[(name, large)]) - statistics.median(times[(name, small)]))
        / (large - small)
        for name in ("generate", "export")
    }
    ratio = slope["generate"] / slope["export"]
    print(
        f"1. marginal ms/image ({small:,} -> {large:,} PNGs): generate --count "
        f"{slope['generate'] * 1e3:.3f}, export --workers 1 {slope['export'] * 1e3:.3f} "
        f"(baseline) = {ratio:.2f}x; target <= 1.10x: {'MET' if ratio <= 1.10 else 'MISSED'}"
    )


POOL_SCRIPT = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from seqstudio.core.process_pool import pool_context

def init():
    from seqstudio.core.export import worker  # noqa: F401  (what an export worker imports)
    from seqstudio.core.cv import cv2  # noqa: F401

def ready(_):
    return 0

if __name__ == "__main__":
    method, workers = sys.argv[1], int(sys.argv[2])
    context = pool_context() if method == "ours" else multiprocessing.get_context("spawn")
    for _ in range(2):  # the first pool of a process, then one more (the app's next export)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(workers, mp_context=context, initializer=init) as pool:
            list(pool.map(ready, range(workers)))
        print(time.perf_counter() - t0)
"""


def _pool_start(script: Path, method: str, workers: int) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, str(script), method, str(workers)],
        env=ENV, check=True, capture_output=True, text=True,
    )  # fmt: skip
    first, again = (float(x) for x in out.stdout.split())
    return first, again


def worker_startup(tmp: Path, rounds: int) -> None:
    script = tmp / "pool_start.py"
    script.write_text(POOL_SCRIPT)
    for workers in (1, 2):
        runs = {"ours": [], "spawn": []}
        for _ in range(rounds):
            for method in runs:
                runs[method].append(_pool_start(script, method, workers))
        med = {
            m: tuple(statistics.median(r[k] for r in v) for k in (0, 1)) for m, v in runs.items()
        }
        (first, again), (s_first, s_again) = med["ours"], med["spawn"]
        verdict = "MET" if again <= 0.15 else f"MISSED by {again - 0.15:.3f} s"
        print(
            f"2. {workers} export worker(s) ready: first pool of a process {first:.3f} s, "
            f"next pool {again:.3f} s; spawned workers (baseline) {s_first:.3f} / "
            f"{s_again:.3f} s; target <= 0.15 s per start: {verdict}"
        )


def stats_vs_loop(tmp: Path, rounds: int) -> None:
    from seqstudio.core.cv import encode_png
    from seqstudio.core.generator import SequenceGenerator
    from seqstudio.core.spec import GenerationSpec

    folder = tmp / "stats-1k"
    folder.mkdir()
    images = SequenceGenerator(GenerationSpec(digits="14543", width=200, seed=2)).batch(0, 1000)
    for k in range(1000):
        (folder / f"{k:04d}.png").write_bytes(encode_png(images.images[k]))
    script = tmp / "plain_loop.py"
    script.write_text(PLAIN_LOOP)
    ours, base = [], []
    for _ in range(rounds):
        base.append(_timed([sys.executable, str(script), str(folder)]))
        ours.append(_timed([sys.executable, "-m", "seqstudio", "stats", str(folder), "--quiet"]))
    for k, what in ((0, "wall"), (1, "CPU")):
        o, b = statistics.median(r[k] for r in ours), statistics.median(r[k] for r in base)
        print(
            f"3. stats on 1,000 PNGs, {what}: {o:.3f} s; plain decode loop {b:.3f} s (baseline)"
            f" = {o / b:.2f}x; target <= 1.2x: {'MET' if o / b <= 1.2 else 'MISSED'}"
            f" [load {os.getloadavg()[0]:.1f}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1,000 -> 5,000 images in 1.")
    parser.add_argument("--only", choices=("1", "2", "3"), help="run one section")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-fixed-"))
    compileall.compile_dir(ROOT / "seqstudio", quiet=1)  # see ENV
    print(f"Python {sys.version.split()[0]}, CPU cores {os.cpu_count()}, {args.rounds} rounds")
    try:
        if args.only in (None, "1"):
            generate_vs_export(tmp, args.rounds, 1000 if args.quick else 2000)
        if args.only in (None, "2"):
            worker_startup(tmp, args.rounds)
        if args.only in (None, "3"):
            stats_vs_loop(tmp, args.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
