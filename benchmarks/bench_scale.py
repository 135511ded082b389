"""Scale-out throughput: images/s vs Dask workers for png, webdataset and parquet.

    PYTHONPATH=. python benchmarks/bench_scale.py [--quick] [--count N] [--workers 1 2 ...]

For each format and worker count a fresh ``distributed.LocalCluster`` (single-threaded
worker processes) is started, then timed only while the export runs on it
(``export_in_units`` with a ``DaskExecutor`` on that scheduler: workers generate, encode
and write their units, the client merges). Printed per row:

* images/s, and the parallel efficiency ``rate(w) / (w · rate(1))`` against the 1-worker
  rate measured in the same run (the baseline);
* peak RSS per worker (max over workers, ``ru_maxrss``), for N and for 3 N images: it
  must stay flat in the image count (shard formats never hold a split in memory);
* for png, the single-machine engine (``export_dataset``, local process pool) at the same
  worker count, as a second same-run baseline.

Targets (issue 19): efficiency ≥ 0.8 at the largest worker count for the shard formats;
peak memory per worker flat in the count. With fewer free cores than workers the
efficiency cannot reach 1: the script prints ``os.cpu_count()`` and the 1-minute load.
No asserts; these machines are noisy, compare ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqstudio.core.export import ExportOptions, export_dataset  # noqa: E402
from seqstudio.core.spec import GenerationSpec  # noqa: E402

SPEC = GenerationSpec(digits="14543", width=200, seed=1)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_dask(fmt: str, count: int, workers: int, folder: Path) -> tuple[float, float]:
    """``(images/s, peak RSS MB of the largest worker)`` of one export on a fresh cluster."""
    from distributed import Client, LocalCluster

    from seqstudio.core.export.cluster import DaskExecutor
    from seqstudio.core.export.unit_export import export_in_units

    options = ExportOptions(format=fmt, images_per_file=2000, workers=workers)
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        executor = DaskExecutor(cluster.scheduler_address)
        start = time.perf_counter()
        result = export_in_units(SPEC, count, folder, options, executor=executor)
        elapsed = time.perf_counter() - start
        assert result.merged
        peak = max(client.run(_peak_rss_mb).values())
    return count / elapsed, peak


def run_engine(count: int, workers: int, folder: Path) -> float:
    start = time.perf_counter()
    export_dataset(SPEC, count, folder, ExportOptions(workers=workers))
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--formats", nargs="+", default=["png", "webdataset", "parquet"])
    parser.add_argument("--quick", action="store_true", help="a quarter of --count")
    args = parser.parse_args()
    count = args.count // 4 if args.quick else args.count
    print(f"cpus: {os.cpu_count()}, load (1 min): {os.getloadavg()[0]:.1f}, images: {count:,}")
    header = f"{'format':<11}{'workers':>8}{'images/s':>11}{'efficiency':>12}"
    header += f"{'peak MB/worker N':>18}{'3N':>8}{'engine img/s':>14}"
    print(header)
    tmp = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        for fmt in args.formats:
            base = None
            for workers in args.workers:
                rate, peak = run_dask(fmt, count, workers, tmp / f"{fmt}-{workers}")
                shutil.rmtree(tmp / f"{fmt}-{workers}")
                _, peak3 = run_dask(fmt, 3 * count, workers, tmp / f"{fmt}-{workers}-3n")
                shutil.rmtree(tmp / f"{fmt}-{workers}-3n")
                base = base or rate
                engine = ""
                if fmt == "png":
                    engine = f"{run_engine(count, workers, tmp / f'engine-{workers}'):,.0f}"
                    shutil.rmtree(tmp / f"engine-{workers}")
                efficiency = rate / (workers * base)
                print(
                    f"{fmt:<11}{workers:>8}{rate:>11,.0f}{efficiency:>12.2f}"
                    f"{peak:>18,.0f}{peak3:>8,.0f}{engine:>14}",
                    flush=True,
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
