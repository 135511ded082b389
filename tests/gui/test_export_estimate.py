"""The export estimate is measured on the real engine and predicts the real export's time."""

from __future__ import annotations

import time

import pytest
from test_export_dialog import fill

from seqstudio.core.progress import Progress
from seqstudio.gui.export_estimate import MeasuredRate, smoothed_eta


def _predict_and_run(dialog, qtbot, out, workers):
    fill(dialog, out, count=5000, workers=workers)
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    qtbot.waitUntil(lambda: dialog.measured_seconds() is not None, timeout=60000)
    predicted = dialog.measured_seconds()
    assert "measured:" in dialog.estimate_label.text()
    assert not any(p.name.startswith(".seqstudio-estimate-") for p in out.parent.iterdir())
    etas = []
    dialog.runner.progressed.connect(lambda _p: etas.append(dialog.progress_label.text()))
    start = time.perf_counter()
    with qtbot.waitSignal(dialog.exportFinished, timeout=180000) as blocker:
        dialog.export_button.click()
    actual = time.perf_counter() - start
    assert blocker.args[0].written == 5000
    assert etas and all("ETA ?" not in text for text in etas)
    return predicted, actual


def test_estimate_within_30_percent_of_a_5000_image_export(window, qtbot, tmp_path):
    """The prediction made before the export is within ±30 % of its wall time.

    Both are timings on a shared machine: another export (measured afresh, in a new
    folder) may confirm it when a pair was disturbed by other load (three pairs at most). More worker
    counts: ``benchmarks/bench_estimate.py``.
    """
    workers = 1
    dialog = window.dataset_tools.open_export()
    pairs = []
    for attempt in range(3):
        predicted, actual = _predict_and_run(dialog, qtbot, tmp_path / f"big{attempt}", workers)
        dialog.measurer.forget()  # measure again for the second attempt
        pairs.append((round(predicted, 2), round(actual, 2)))
        print(f"workers {workers}: predicted {predicted:.2f} s, took {actual:.2f} s")
        if abs(predicted - actual) <= 0.3 * actual:
            break
    else:
        pytest.fail(f"estimate off by more than 30 % three times: (predicted, actual) {pairs}")


def test_smoothed_eta_starts_at_the_measurement_and_follows_the_export():
    prior = MeasuredRate(startup=1.0, per_image=0.002, images=480, trial_seconds=2.5)
    total = 5000
    # before any image: the measured prediction minus the time spent
    assert smoothed_eta(Progress(0, total, 0.5), prior) == pytest.approx(1.0 + 10.0 - 0.5)
    # early, a slow first chunk does not blow the ETA up (the plain rate would say 33 s)
    early = smoothed_eta(Progress(64, total, 1.5), prior)
    plain = Progress(64, total, 1.5).eta
    assert plain > 100 and 8.0 < early < 15.0
    # later the export's own rate dominates: it runs at half the measured speed
    late = smoothed_eta(Progress(4000, total, 1.0 + 4000 * 0.004), prior)
    assert late == pytest.approx(1000 * 0.004, rel=0.15)
    assert smoothed_eta(Progress(10, total, 1.0), None) == Progress(10, total, 1.0).eta
