"""Preview latency of the desktop window, measured by driving the real window offscreen.

Figures printed:

* latency from a parameter change (width spin box) to the new image on the canvas,
  median and p95, for 5 digits without augmentation and with the ``light`` preset,
  with the core's own generation time for the same specs as the same-run baseline;
  then the same with the contact sheet (8×4 = 32 samples) shown, for isolated edits and
  for edits made while the previous sheet is still rendering, plus the time until the
  whole sheet is on screen;
* the largest gap between ticks of a 5 ms QTimer while a slider is dragged
  (the event loop must never stall for more than 50 ms);
* start-up time to a visible window with a preview (fresh process; median of 3).

Run: ``PYTHONPATH=. python benchmarks/bench_preview.py [--changes 60]``
Targets: p95 latency ≤ 50 ms, largest stall ≤ 50 ms, start-up ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _wait(app, predicate, timeout: float = 10.0) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not answer in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)


def _idle(app, ms: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + ms / 1000.0
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def measure_latency(
    app, window, changes: int, idle_ms: float = 0.0, settle: bool = True, sheet_ms=None
) -> list[float]:
    """Change the width ``changes`` times; time each change until its image is on the canvas.

    ``idle_ms`` of event processing separate the edits (a person's discrete edits); with
    0 the next edit follows the previous image at once (inside the throttle window).
    ``settle=False`` does not wait for the contact sheet before the next edit;
    ``sheet_ms`` (a list) receives the time until the complete sheet of each edit.
    """
    from PySide6.QtCore import QEventLoop

    latencies = []
    spin = window.size_panel.width_spin
    low = int(window.size_panel.width_range_text().split("≥")[-1].split("–")[0].strip() or 200)
    for k in range(changes):
        target = low + 10 + (k % 2) * 7 + (k % 5)
        if target == window.model.spec.width:
            target += 1
        if idle_ms:
            _idle(app, idle_ms)
        done = {}

        def on_image(target=target, done=done):
            if window.canvas.image().width() == target and "t" not in done:
                done["t"] = time.perf_counter()

        window.canvas.imageChanged.connect(on_image)
        start = time.perf_counter()
        spin.setValue(target)
        while "t" not in done:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
            if time.perf_counter() - start > 10:
                raise TimeoutError("no preview")
        window.canvas.imageChanged.disconnect(on_image)
        latencies.append((done["t"] - start) * 1000.0)
        if settle:
            _wait(app, lambda: not window.preview.is_busy())
        if sheet_ms is not None and settle:
            sheet_ms.append((time.perf_counter() - start) * 1000.0)
    if not settle:
        _wait(app, lambda: not window.preview.is_busy())
    return latencies


def core_baseline(spec, repeats: int = 60) -> float:
    """Median ms of ``SequenceGenerator(spec).generate(0)`` in this process (no Qt)."""
    from seqstudio.core.generator import SequenceGenerator

    times = []
    for k in range(repeats):
        t0 = time.perf_counter()
        SequenceGenerator(spec.replace(width=spec.width + k % 3)).generate(0)
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def measure_drag_stall(app, window, steps: int = 150) -> tuple[float, int]:
    """Drag the width slider; return the largest gap (ms) between 5 ms timer ticks and renders."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    tick = QTimer()
    tick.setInterval(5)
    tick.timeout.connect(lambda: ticks.append(time.perf_counter()))
    slider = window.size_panel.width_slider
    low = window.model.spec.width
    rendered = []
    window.canvas.imageChanged.connect(lambda: rendered.append(1))
    state = {"k": 0}
    drive = QTimer()
    drive.setInterval(8)

    def step():
        k = state["k"]
        if k >= steps:
            drive.stop()
            slider.setSliderDown(False)
            return
        slider.setValue(low + 10 + (k * 7) % 150)
        state["k"] = k + 1

    drive.timeout.connect(step)
    slider.setSliderDown(True)
    tick.start()
    drive.start()
    _wait(app, lambda: state["k"] >= steps and not drive.isActive())
    _wait(app, lambda: window.model.is_good() and not window.preview.is_busy())
    tick.stop()
    gaps = [(b - a) * 1000.0 for a, b in zip(ticks, ticks[1:])]
    return max(gaps), len(rendered)


def startup_child() -> None:
    """Run in a fresh process: print the time to a visible window with a preview."""
    t0 = time.perf_counter()
    from PySide6.QtWidgets import QApplication

    from seqstudio.gui.main_window import MainWindow
    from seqstudio.gui.settings import AppSettings

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(AppSettings(Path(tmp) / "s.ini"))
        window.show()
        _wait(app, lambda: window.isVisible() and not window.canvas.image().isNull())
        print(f"READY {time.perf_counter() - t0:.4f}", flush=True)
        window.shutdown()


def measure_startup(runs: int = 3) -> tuple[float, float]:
    """Median (wall, in-process) seconds from process start to a window with a preview."""
    walls, inner = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--startup-child"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for line in proc.stdout:
            if line.startswith("READY"):
                walls.append(time.perf_counter() - t0)
                inner.append(float(line.split()[1]))
                break
        proc.wait(timeout=60)
    return statistics.median(walls), statistics.median(inner)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--changes", type=int, default=60, help="parameter changes per case (default 60)"
    )
    parser.add_argument("--startup-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup_child:
        startup_child()
        return 0

    from PySide6.QtWidgets import QApplication

    from seqstudio.gui.main_window import MainWindow
    from seqstudio.gui.settings import AppSettings

    app = QApplication(sys.argv[:1])
    print(f"preview latency, {args.changes} width changes per case, 5 digits '14543', offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(AppSettings(Path(tmp) / "s.ini"))
        window.resize(1280, 800)
        window.show()
        _wait(app, lambda: not window.canvas.image().isNull() and window.model.is_good())
        cases = [("no augmentation", None)]
        try:
            from seqstudio.core.augment.presets import list_presets

            if "light" in list_presets():
                cases.append(("preset light", "light"))
        except ModuleNotFoundError:
            print("  (augmentation presets not available: 'light' case skipped)")
        for title, preset in cases:
            if preset is not None:
                window.augment_panel.apply_preset(preset)
                _wait(app, lambda: window.model.is_good() and window.model.spec.augment != ())
            measure_latency(app, window, 5)  # warm-up
            base = core_baseline(window.model.spec)
            for mode, idle in (("isolated edits", 40.0), ("back-to-back", 0.0)):
                latencies = measure_latency(app, window, args.changes, idle)
                median, p95 = statistics.median(latencies), _p95(latencies)
                print(
                    f"  {title:16s} {mode:15s} median {median:5.1f} ms   p95 {p95:5.1f} ms   "
                    f"(baseline: core generate(0) alone {base:4.2f} ms; p95 / baseline {p95 / base:5.1f}×)   "
                    f"target p95 ≤ 50 ms: {'ok' if p95 <= 50 else 'MISSED'}"
                )
        window.area.sheet_combo.setCurrentText("8×4")
        window.area.show_tab("sheet")
        _wait(app, lambda: not window.preview.is_busy())
        base = core_baseline(window.model.spec)
        for mode, idle, settle in (
            ("isolated edits", 40.0, True),
            ("edits mid-sheet", 0.0, False),
        ):
            sheet_ms: list[float] = []
            latencies = measure_latency(app, window, args.changes, idle, settle, sheet_ms)
            median, p95 = statistics.median(latencies), _p95(latencies)
            sheet = (
                f"; whole sheet median {statistics.median(sheet_ms):5.0f} ms" if sheet_ms else ""
            )
            print(
                f"  {'light + sheet 8×4':16s} {mode:15s} median {median:5.1f} ms   p95 {p95:5.1f} ms   "
                f"(baseline: core generate(0) alone {base:4.2f} ms{sheet})   "
                f"target p95 ≤ 50 ms: {'ok' if p95 <= 50 else 'MISSED'}"
            )
        stall, renders = measure_drag_stall(app, window)
        print(
            f"slider drag (150 moves, 8 ms apart, light preset, sheet 8×4 on): largest event-loop gap {stall:5.1f} ms "
            f"(5 ms timer), {renders} renders shown   target ≤ 50 ms: {'ok' if stall <= 50 else 'MISSED'}"
        )
        window.shutdown()
    wall, inner = measure_startup()
    print(
        f"start-up to a visible window with a preview: {wall:.2f} s wall (process start), "
        f"{inner:.2f} s after interpreter start (median of 3)   target ≤ 2 s: {'ok' if wall <= 2 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
