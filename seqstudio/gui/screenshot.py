"""Take a screenshot of the real main window: ``python -m seqstudio.gui.screenshot OUT.png``.

Run it under a real X server for the documentation image, e.g.::

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \\
        python -m seqstudio.gui.screenshot docs/screenshot.png

It uses throw-away settings, opens the window at the given size, loads an augmentation
preset, waits for the preview and the sample strip, and saves the window as PNG.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Save a screenshot of the main window; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--size", nargs=2, type=int, default=(1280, 800), metavar=("W", "H"))
    parser.add_argument(
        "--preset", default="light", help="augmentation preset to show (default light)"
    )
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from seqstudio.gui.main_window import MainWindow
    from seqstudio.gui.settings import AppSettings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(AppSettings(Path(tmp) / "settings.ini"))
        window.resize(*args.size)
        window.set_overlay(True)
        window.show()
        window.augment_panel.apply_preset(args.preset)
        window.model.set_values(seed=7, width=220)
        result = {"code": 1}

        def poll() -> None:
            preview = window.preview
            ready = (
                window.model.is_good()
                and window.model.spec.augment
                and preview.last_strip is not None
                and preview.last_strip.spec == window.model.spec
            )
            if not ready:
                QTimer.singleShot(30, poll)
                return
            app.processEvents()
            image = window.grab().toImage()
            result["code"] = 0 if image.save(str(args.output)) else 1
            window.close()

        QTimer.singleShot(100, poll)
        QTimer.singleShot(20000, window.close)  # never hang
        app.exec()
        window.shutdown()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main())
