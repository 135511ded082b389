"""Fonts exist (or Qt would draw empty boxes silently), and the About box says the right things."""

from PySide6.QtGui import QFontDatabase

from seqstudio._version import __version__
from seqstudio.gui.about import AboutDialog


def test_fonts_are_available(qapp):
    assert QFontDatabase.families(), "no fonts found: Qt would draw every label as empty boxes"


def test_about_box_names_version_and_mnist_attribution(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.text.text()
    assert __version__ in text
    for words in ("MNIST", "LeCun", "Cortes", "Burges", "CC BY-SA 3.0"):
        assert words in text


def test_about_action_opens_a_non_modal_box(window, qtbot):
    dialog = window.show_about()
    assert dialog.isVisible() and not dialog.isModal()
    dialog.close()
