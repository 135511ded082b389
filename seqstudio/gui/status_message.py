"""A status-bar message that is never lost: elided to fit, the whole text on click."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QSizePolicy, QWidget

from seqstudio.gui.panels.base import ERROR_STYLE


class StatusMessage(QLabel):
    """Shows a (problem) message in one line; a click (or Enter) opens the full text.

    The label is elided on purpose when the message is longer than the status bar; it
    then says so in its tooltip, and a click shows the whole message in a dialog whose
    text can be selected and copied.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._dialog: QMessageBox | None = None
        self.setStyleSheet(ERROR_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def full_text(self) -> str:
        """The whole message."""
        return self._full

    def set_message(self, text: str) -> None:
        """Show ``text`` (elided to the width; "" clears it)."""
        self._full = text
        self.setToolTip(f"{text}\n(click to open the whole message)" if text else "")
        self._elide()

    def is_elided(self) -> bool:
        """Whether the shown text is shorter than the message."""
        return self.text() != self._full

    def _elide(self) -> None:
        width = max(10, self.width() - 4)
        super().setText(
            self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._elide()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self._full:
            self.open_full()
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self._full:
            self.open_full()
        else:
            super().keyPressEvent(event)

    def open_full(self) -> QMessageBox:
        """Open (non-blocking) a dialog with the whole message; return it."""
        if self._dialog is None:
            self._dialog = QMessageBox(self.window())
            self._dialog.setWindowTitle("Message")
            self._dialog.setIcon(QMessageBox.Icon.Warning)
            self._dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._dialog.setText(self._full)
        self._dialog.show()
        return self._dialog
