"""Application entry point: ``seqstudio`` with no arguments (and ``python -m seqstudio``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

DESKTOP_FILE_NAME = "seqstudio"


def app_icon() -> QIcon:
    """The application icon (``resources/icons/seqstudio.svg``) as a ``QIcon``.

    A bundled file on disk is passed by path; one inside a zip is read and rendered
    (``QIcon`` needs a real file or the image data).
    """
    from PySide6.QtGui import QIcon, QPixmap

    from seqstudio.core.resources import resource_path

    resource = resource_path("icons", "seqstudio.svg")
    path = Path(str(resource))
    if path.is_file():
        return QIcon(str(path))
    pixmap = QPixmap()
    pixmap.loadFromData(resource.read_bytes(), "SVG")
    return QIcon(pixmap)


def configure_application(app: QApplication) -> None:
    """Names, version, desktop-file name and icon of the ``QApplication``."""
    from seqstudio._version import __version__

    app.setOrganizationName("seqstudio")
    app.setApplicationName("seqstudio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(DESKTOP_FILE_NAME)  # matches seqstudio.desktop (taskbar grouping)
    app.setWindowIcon(app_icon())


def run_app(argv: Sequence[str] | None = None) -> int:
    """Create the ``QApplication`` and the main window, show it and run the event loop.

    Returns
    -------
    int
        The event loop's exit code.
    """
    from PySide6.QtWidgets import QApplication

    from seqstudio.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    configure_application(app)
    window = MainWindow()
    window.setWindowIcon(app.windowIcon())
    window.show()
    code = app.exec()
    window.shutdown()
    return int(code)
