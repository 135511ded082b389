"""The About box: version, licences and the MNIST attribution."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from seqstudio._version import __version__


def about_html() -> str:
    """The About text (HTML)."""
    return (
        f"<h3>seqstudio {__version__}</h3>"
        "<p>Images of handwritten digit sequences with exact labels, boxes and masks.</p>"
        "<p>Code: MIT licence.</p>"
        "<p>Bundled digits: a subset of the MNIST database by Yann LeCun, Corinna Cortes and "
        "Christopher J. C. Burges, used under the "
        "<a href='https://creativecommons.org/licenses/by-sa/3.0/'>Creative Commons "
        "Attribution-Share Alike 3.0</a> licence (CC BY-SA 3.0).</p>"
    )


class AboutDialog(QDialog):
    """A small dialog showing :func:`about_html`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About seqstudio")
        self.text = QLabel(about_html())
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setOpenExternalLinks(True)
        self.text.setMinimumWidth(380)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
