"""Take screenshots of the real main window: ``python -m seqstudio.gui.screenshot OUT.png``.

Run it under a real X server for the documentation images, e.g.::

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        python -m seqstudio.gui.screenshot docs/app-sheet-1024x640.png --size 1024 640 --view sheet

It uses throw-away settings, opens the window at the given size, loads an augmentation
preset, waits until the chosen view has rendered the current settings, and saves the
window (or, for ``export``, the export dialog) as PNG.

Views: ``main`` (the Preview tab), ``sheet`` (contact sheet), ``solo`` and ``sweep`` (of
``--op``), ``export`` (the export dialog over the window).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

VIEWS = ("main", "sheet", "solo", "sweep", "export")


def _ready(window, view: str) -> bool:
    """Whether ``view`` shows the model's current settings."""
    model, preview = window.model, window.preview
    if not (model.is_good() and model.spec.augment and preview.last_result is not None):
        return False
    if preview.last_result.spec != model.spec:
        return False
    if view == "sheet":
        sheet = preview.last_sheet
        return sheet is not None and sheet.complete and sheet.spec == model.spec
    if view in ("solo", "sweep"):
        return bool(window.area.compare.samples()) and not window.area.compare_worker.is_busy()
    return True


def main(argv: list[str] | None = None) -> int:
    """Save a screenshot of the main window (or a view of it); return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--size", nargs=2, type=int, default=(1280, 800), metavar=("W", "H"))
    parser.add_argument(
        "--preset", default="light", help="augmentation preset to show (default light)"
    )
    parser.add_argument(
        "--spec", type=Path, help="a spec JSON to show instead of --preset (with its own augment)"
    )
    parser.add_argument("--view", choices=VIEWS, default="main", help="what to show")
    parser.add_argument("--op", default="gaussian_blur", help="the op of solo/sweep")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from seqstudio.gui.main_window import MainWindow
    from seqstudio.gui.settings import AppSettings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(AppSettings(Path(tmp) / "settings.ini"))
        window.resize(*args.size)
        window.set_overlay(args.view == "main")
        window.show()
        if args.spec is not None:
            from seqstudio.core.spec import GenerationSpec

            window.model.set_spec(GenerationSpec.load(args.spec))
        else:
            window.augment_panel.apply_preset(args.preset)
            window.model.set_values(seed=7, width=220)
        if args.view == "sheet":
            window.area.show_tab("sheet")
        result = {"code": 1, "compared": False, "dialog": None}

        def poll() -> None:
            if args.view in ("solo", "sweep") and not result["compared"] and _ready(window, "main"):
                result["compared"] = True
                editor = window.augment_panel.editors[args.op]
                if not editor.enable_check.isChecked():
                    editor.enable_check.setChecked(True)
                (editor.solo_button if args.view == "solo" else editor.sweep_button).click()
            if not _ready(window, args.view) or (
                args.view in ("solo", "sweep") and not result["compared"]
            ):
                QTimer.singleShot(50, poll)
                return
            dialog = result["dialog"]
            if args.view == "export" and dialog is None:
                result["dialog"] = window.dataset_tools.open_export()
                QTimer.singleShot(100, poll)
                return
            if dialog is not None and dialog.measured_seconds() is None:
                QTimer.singleShot(100, poll)  # its estimate is measured on its workers
                return
            app.processEvents()
            target = result["dialog"] or window
            image = target.grab().toImage()
            result["code"] = 0 if image.save(str(args.output)) else 1
            if result["dialog"] is not None:
                result["dialog"].close()
            window.close()

        QTimer.singleShot(100, poll)
        QTimer.singleShot(60000, window.close)  # never hang
        app.exec()
        window.shutdown()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main())
