"""The main window's dataset tools: the export dialog and the inspector window.

:class:`DatasetTools` adds their actions to the window's menu and toolbar, asks before the
window closes during an export, and shuts both down (cancelling and awaiting their
threads) with the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from seqstudio.gui.export_dialog import ExportDialog
from seqstudio.gui.inspector import InspectorWindow
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.settings import AppSettings

EXPORT_SHORTCUT = "Ctrl+Shift+E"  # Ctrl+E is "Save preview image"
INSPECT_SHORTCUT = "Ctrl+I"


def _raise(widget) -> None:
    if QGuiApplication.platformName() != "offscreen":  # offscreen warns that it cannot raise
        widget.raise_()


class DatasetTools(QObject):
    """Owns the export dialog and the inspector window of one main window."""

    def __init__(self, window: QMainWindow, model: GeneratorModel, settings: AppSettings) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.settings = settings
        self.export_dialog: ExportDialog | None = None
        self.inspector: InspectorWindow | None = None
        self.export_action = QAction("&Export dataset…", window)
        self.export_action.setShortcut(QKeySequence(EXPORT_SHORTCUT))
        self.export_action.setStatusTip("Write a labelled dataset of the current settings")
        self.export_action.triggered.connect(self.open_export)
        self.inspect_action = QAction("Dataset &inspector…", window)
        self.inspect_action.setShortcut(QKeySequence(INSPECT_SHORTCUT))
        self.inspect_action.setStatusTip("Statistics, samples and problems of any image folder")
        self.inspect_action.triggered.connect(lambda: self.open_inspector())

    def add_to_menu(self, menu: QMenu) -> None:
        """Add both actions to ``menu``."""
        menu.addAction(self.export_action)
        menu.addAction(self.inspect_action)

    def add_to_toolbar(self, toolbar: QToolBar) -> None:
        """Add both actions to ``toolbar``."""
        toolbar.addAction(self.export_action)
        toolbar.addAction(self.inspect_action)

    def open_export(self) -> ExportDialog:
        """Show the export dialog (one per window); return it."""
        if self.export_dialog is None:
            self.export_dialog = ExportDialog(self.model, self.settings, self.window)
            self.export_dialog.inspectRequested.connect(self.open_inspector)
        self.export_dialog.show()
        _raise(self.export_dialog)
        return self.export_dialog

    def open_inspector(self, folder: str | None = None) -> InspectorWindow:
        """Show the inspector window; scan ``folder`` if given."""
        if self.inspector is None or self.inspector._shut_down:
            self.inspector = InspectorWindow(self.window, settings=self.settings)
        self.inspector.show()
        _raise(self.inspector)
        if folder:
            self.inspector.panel.inspect(folder)
        return self.inspector

    def confirm_close(self) -> bool:
        """Whether the window may close (asks if an export is running)."""
        return self.export_dialog is None or self.export_dialog.confirm_stop()

    def shutdown(self) -> None:
        """Cancel and await the export and the inspector's workers; close their windows."""
        if self.export_dialog is not None:
            self.export_dialog.shutdown()
            self.export_dialog.close()
        if self.inspector is not None:
            self.inspector.shutdown()
            self.inspector.close()

    def is_running(self) -> bool:
        """Whether an export or an inspector thread is alive."""
        running = self.export_dialog is not None and (
            self.export_dialog.is_running() or self.export_dialog.checker.is_running()
        )
        if self.inspector is not None and not self.inspector._shut_down:
            running = running or self.inspector.panel.is_any_running()
        return running
