"""Application entry point: ``seqstudio`` with no arguments (and ``python -m seqstudio``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_app(argv: Sequence[str] | None = None) -> int:
    """Create the ``QApplication`` and the main window, show it and run the event loop.

    Returns
    -------
    int
        The event loop's exit code.
    """
    from PySide6.QtWidgets import QApplication

    from seqstudio._version import __version__
    from seqstudio.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName("seqstudio")
    app.setApplicationName("seqstudio")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    code = app.exec()
    window.shutdown()
    return int(code)
