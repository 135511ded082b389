"""Keyboard reach, tooltips with units and ranges, and the desktop palette."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QToolBar,
)

from seqstudio.gui.imaging import qimage_to_gray

INTERACTIVE = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractSlider)


def _controls(window):
    found = []
    for kind in INTERACTIVE:
        for widget in window.findChildren(kind):
            if widget.isVisible() and widget.isEnabled() and widget.window() is window:
                found.append(widget)
    return found


def test_every_control_is_reachable_with_tab(window):
    for editor in window.augment_panel.editors.values():
        editor.enable_check.setChecked(True)  # every parameter editor shown
    unreachable = [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r} {w.objectName()}"
        for w in _controls(window)
        if not (w.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and w.focusProxy() is None
        and not w.objectName().startswith("qt_dockwidget_")  # title-bar buttons: View menu
        and not isinstance(w.parent(), QToolBar)  # toolbar actions: in the menus, shortcuts
        and not isinstance(w, QScrollBar)  # scroll areas scroll with the keys
    ]
    assert not unreachable, unreachable


def test_tab_moves_focus_through_the_augmentation_rows(window, qtbot):
    rotate = window.augment_panel.editors["rotate"]
    rotate.enable_check.setFocus()
    qtbot.waitUntil(rotate.enable_check.hasFocus)
    seen = []
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert rotate.solo_button in seen and rotate.sweep_button in seen


def test_augmentation_tooltips_state_units_and_ranges(window):
    for editor in window.augment_panel.editors.values():
        assert "0 to 1" in editor.probability.toolTip()
        for param in editor.params.values():
            tip = param.toolTip()
            assert param.schema.describe_allowed() in tip
            if param.schema.unit:
                assert param.schema.unit in tip


@pytest.mark.parametrize("window_colour", ["#202124", "#f4f4f4"])
def test_views_follow_the_palette(window, qtbot, window_colour):
    palette = QPalette(window.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor(window_colour))
    window.canvas.setPalette(palette)
    window.set_zoom("1")
    grab = window.canvas.grab().toImage()
    corner = qimage_to_gray(grab.copy(0, 0, 4, 4))
    assert abs(int(corner.mean()) - QColor(window_colour).lightness()) <= 2
