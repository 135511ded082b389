"""How well the export dialog's measured estimate predicts the export's wall time.

For each worker count: measure the settings as the dialog does
(:func:`seqstudio.gui.export_estimate.measure_export`: two short real exports), then run
the real export of ``--count`` images and print predicted vs. actual seconds, the error,
and the old static guess (``check_export``'s ``seconds``) as the same-run baseline.

Run: ``PYTHONPATH=. python benchmarks/bench_estimate.py [--count 5000] [--workers 1 2]``
Target: the measured estimate within ±30 % of the actual time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--preset", default="none", help="augmentation preset (default none)")
    args = parser.parse_args()

    from seqstudio.core.augment.presets import load_preset
    from seqstudio.core.export import ExportOptions, export_dataset
    from seqstudio.core.spec import GenerationSpec
    from seqstudio.gui.export_estimate import measure_export
    from seqstudio.gui.export_runner import ExportRequest, check_export

    spec = GenerationSpec(augment=load_preset(args.preset), width=240)
    print(f"{args.count:,} images, preset {args.preset}, PNG")
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as tmp:
            request = ExportRequest(spec, args.count, f"{tmp}/out", ExportOptions(workers=workers))
            t0 = time.perf_counter()
            rate = measure_export(request)
            trial = time.perf_counter() - t0
            guess = check_export(request).seconds
            predicted = rate.seconds(args.count)
            t0 = time.perf_counter()
            export_dataset(spec, args.count, request.out_dir, request.options)
            actual = time.perf_counter() - t0
        error = (predicted - actual) / actual
        print(
            f"  workers {workers}: measured estimate {predicted:6.2f} s (trial took {trial:.1f} s), "
            f"actual {actual:6.2f} s, error {error:+.0%}   (baseline: static guess "
            f"{guess:6.2f} s, error {(guess - actual) / actual:+.0%})   "
            f"target ±30 %: {'ok' if abs(error) <= 0.3 else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
