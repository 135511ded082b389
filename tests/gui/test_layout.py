"""At 1024×640 nothing is clipped: no horizontal scroll bar, no cut label, preview fills the width."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget
from qt_helpers import wait_good

from seqstudio.gui.preview_canvas import FIT_FILL, fit_scale


def _visible(widget: QWidget, window) -> bool:
    return widget.isVisibleTo(window) and widget.isVisible()


def _label_is_elided(label: QLabel) -> bool:
    text = label.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text or label.textFormat() == label.textFormat().RichText or "<" in text:
        return False
    room = label.contentsRect()
    if label.wordWrap():
        return label.heightForWidth(room.width()) > room.height() + 1
    widest = max(label.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
    return widest > room.width() + 1


def _clipped(widget: QWidget, window) -> bool:
    """Whether ``widget`` sticks out of the visible part of its scroll area (or window)."""
    area = widget.parent()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parent()
    frame = area.viewport() if area is not None else window
    left = widget.mapTo(window, QPoint(0, 0)).x()
    frame_left = frame.mapTo(window, QPoint(0, 0)).x()
    return left < frame_left - 1 or left + widget.width() > frame_left + frame.width() + 1


@pytest.mark.parametrize("size", [(1024, 640), (1280, 800)])
@pytest.mark.parametrize("tab", ["preview", "sheet", "compare"])
def test_nothing_is_clipped_or_elided(window, qtbot, size, tab):
    window.resize(*size)
    with qtbot.waitSignal(window.augment_panel.presetApplied, timeout=10000):
        window.augment_panel.apply_preset("heavy")  # every row open: the widest panel
    for editor in window.augment_panel.editors.values():
        editor.enable_check.setChecked(True)
    qtbot.waitUntil(lambda: not window.preview.is_busy(), timeout=20000)
    window.area.show_tab(tab)
    qtbot.waitUntil(lambda: window.width() == size[0] and window.height() == size[1])
    assert (
        window.minimumSizeHint().width() <= size[0] and window.minimumSizeHint().height() <= size[1]
    )
    for area in window.findChildren(QScrollArea):
        if _visible(area, window):
            assert not area.horizontalScrollBar().isVisible(), area.objectName() or area
    problems = []
    for label in window.findChildren(QLabel):
        visible = _visible(label, window) and label is not window.problem_status
        if visible and _label_is_elided(label):
            problems.append(f"elided: {label.text()!r}")
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QLabel):
        if _visible(widget, window) and widget.window() is window and _clipped(widget, window):
            problems.append(f"clipped: {type(widget).__name__} {getattr(widget, 'text', str)()!r}")
    assert not problems, problems


def test_fit_fills_the_canvas_width_for_a_200_px_image(window, qtbot):
    window.resize(1024, 640)
    window.model.set_values(width=200)
    wait_good(qtbot, window, width=200)
    window.set_zoom("fit")
    canvas = window.canvas
    qtbot.waitUntil(lambda: canvas.image().width() == 200)
    drawn = canvas.image_rect().width()
    assert drawn >= 0.9 * canvas.width(), (drawn, canvas.width())
    assert drawn <= canvas.width()


@pytest.mark.parametrize(
    "image, room, dpr, expected",
    [
        ((200, 28), (430, 400), 1.0, 2.0),  # 2× fills 93 %: whole pixels
        ((200, 28), (370, 400), 1.0, 1.85),  # 1× would fill 54 %: exact fill
        ((200, 28), (430, 400), 2.0, 2.0),  # 4 device px per pixel on a 2× screen
        ((300, 28), (290, 400), 1.0, 290 / 300),  # larger than the room: shrink
        ((200, 200), (900, 300), 1.0, 1.5),  # limited by the height
    ],
)
def test_fit_scale(image, room, dpr, expected):
    scale = fit_scale(image, room, dpr)
    assert scale == pytest.approx(expected)
    limit = min(room[0] / image[0], room[1] / image[1])
    assert FIT_FILL * limit <= scale <= limit + 1e-9


def test_zoom_keeps_the_content_centred(window, qtbot):
    window.resize(1024, 640)
    window.set_zoom("8")
    bar = window.canvas_scroll.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    fx, fy = window.area.centre_fraction()
    assert fx == pytest.approx(0.5, abs=0.02)
    bar.setValue(bar.maximum() // 4)  # the user scrolls left
    before = window.area.centre_fraction()[0]
    window.set_zoom("4")
    qtbot.waitUntil(lambda: window.canvas.width() < 8 * 220)
    assert window.area.centre_fraction()[0] == pytest.approx(before, abs=0.03)


def test_export_dialog_labels_are_not_cut(window, qtbot):
    dialog = window.dataset_tools.open_export()
    dialog.count_spin.setValue(10)  # a short measurement
    qtbot.waitUntil(lambda: dialog.measured_seconds() is not None, timeout=60000)
    qtbot.waitUntil(lambda: "measured:" in dialog.estimate_label.text())
    assert dialog.height() <= 640
    cut = [
        label.text()
        for label in dialog.findChildren(QLabel)
        if _visible(label, dialog) and _label_is_elided(label)
    ]
    assert not cut, cut
    dialog.close()
