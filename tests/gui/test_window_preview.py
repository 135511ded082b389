"""Every control regenerates the preview, and the canvas shows exactly the core's pixels."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from qt_helpers import assert_canvas_matches_core, canvas_pixels, expected_pixels, wait_good

from seqstudio.gui.imaging import qimage_to_gray


def test_first_preview_is_the_core_image(window):
    assert_canvas_matches_core(window)
    assert window.info.label_text.text() == "label: 14543"
    assert window.size_panel.width_range_text() == "feasible: ≥ 160"
    assert window.render_label.text().startswith("render: ")


def test_canvas_draws_the_pixels_exactly_at_1x(window, qtbot):
    window.set_zoom("1")
    grab = window.canvas.grab().toImage()
    rect = window.canvas.image_rect()
    assert (rect.width(), rect.height()) == (200, 28)
    drawn = qimage_to_gray(grab.copy(rect))
    np.testing.assert_array_equal(drawn, expected_pixels(window.model.spec))


def test_zoom_is_nearest_neighbour(window):
    window.set_zoom("4")
    grab = window.canvas.grab().toImage()
    drawn = qimage_to_gray(grab.copy(window.canvas.image_rect()))
    expected = np.repeat(np.repeat(expected_pixels(window.model.spec), 4, axis=0), 4, axis=1)
    np.testing.assert_array_equal(drawn, expected)


def _type(line_edit, text):
    """Replace a line edit's text as typing would (``textEdited`` is emitted)."""
    line_edit.setText(text)
    line_edit.textEdited.emit(text)


EDITS = [
    (
        "digits",
        lambda w: _type(w.sequence_panel.digits_edit, "3071"),
        {"digits": ("3", "0", "7", "1")},
    ),
    ("pool", lambda w: w.sequence_panel.pool_combo.setCurrentText("test"), {"pool": "test"}),
    ("spacing slider", lambda w: w.spacing_panel.max_slider.setValue(14), {"spacing_max": 14}),
    ("spacing spin", lambda w: w.spacing_panel.min_spin.setValue(2), {"spacing_min": 2}),
    (
        "mode",
        lambda w: w.spacing_panel.mode_combo.setCurrentText("fixed"),
        {"spacing_mode": "fixed"},
    ),
    (
        "scope",
        lambda w: w.spacing_panel.scope_combo.setCurrentText("edges"),
        {"spacing_scope": "edges"},
    ),
    ("crop", lambda w: w.spacing_panel.crop_check.setChecked(True), {"crop": True}),
    ("width slider", lambda w: w.size_panel.width_slider.setValue(230), {"width": 230}),
    ("width spin", lambda w: w.size_panel.width_spin.setValue(211), {"width": 211}),
    ("height", lambda w: w.size_panel.height_spin.setValue(24), {"height": 24}),
    ("fit", lambda w: w.size_panel.fit_combo.setCurrentText("stretch"), {"fit": "stretch"}),
    ("align", lambda w: w.size_panel.align_combo.setCurrentText("random"), {"align": "random"}),
    ("invert", lambda w: w.size_panel.invert_check.setChecked(True), {"invert": True}),
    ("random", lambda w: w.sequence_panel.random_check.setChecked(True), None),
    ("seed", lambda w: _type(w.seed_bar.seed_edit, "77"), {"seed": 77}),
]


@pytest.mark.parametrize("name, edit, fields", EDITS, ids=[e[0] for e in EDITS])
def test_each_control_regenerates_the_preview(window, qtbot, name, edit, fields):
    before = window.model.spec
    with qtbot.waitSignal(window.canvas.imageChanged, timeout=10000):
        edit(window)
    wait_good(qtbot, window, **(fields or {}))
    assert window.model.spec != before
    assert_canvas_matches_core(window)


def test_digit_typing_regenerates(window, qtbot):
    edit = window.sequence_panel.digits_edit
    edit.selectAll()
    with qtbot.waitSignal(window.canvas.imageChanged, timeout=10000):
        qtbot.keyClicks(edit, "86")
    wait_good(qtbot, window, digits=("8", "6"))
    assert_canvas_matches_core(window)
    assert window.info.label_text.text() == "label: 86"


def test_the_preview_is_busy_while_a_coalesced_edit_waits(make_window, qtbot, monkeypatch):
    from seqstudio.gui import preview_controller

    monkeypatch.setattr(preview_controller, "DEBOUNCE_MS", 3000)  # a long throttle window
    window = make_window()
    busy: list = []
    window.preview.busyChanged.connect(busy.append)
    with qtbot.waitSignal(window.preview.previewReady, timeout=10000) as first:
        window.model.set_values(digits="12")  # rendered at once; opens the window
        window.model.set_values(digits="123")  # waits for the window to close
    assert first.args[0].spec.digits == ("1", "2")
    assert window.preview.is_busy() and busy == [True]  # "123" is not shown yet
    qtbot.waitUntil(lambda: not window.preview.is_busy(), timeout=10000)
    assert window.preview.last_result.spec.digits == ("1", "2", "3")
    assert busy == [True, False]
    # an edit after the answer, inside the window that the answered request opened
    window.model.set_values(digits="1234")
    assert window.preview.is_busy()
    qtbot.waitUntil(lambda: not window.preview.is_busy(), timeout=10000)
    assert window.preview.last_result.spec.digits == ("1", "2", "3", "4")


def test_reroll_and_regenerate(window, qtbot):
    seed = window.model.spec.seed
    with qtbot.waitSignal(window.canvas.imageChanged, timeout=10000):
        window.reroll_action.trigger()
    qtbot.waitUntil(lambda: window.model.is_good() and window.model.spec.seed != seed)
    assert_canvas_matches_core(window)
    window.lock_action.trigger()
    assert window.seed_bar.is_locked() and not window.reroll_action.isEnabled()
    locked = window.model.spec.seed
    assert not window.seed_bar.reroll()
    with qtbot.waitSignal(window.canvas.imageChanged, timeout=10000):
        window.regenerate_action.trigger()
    assert window.model.spec.seed == locked
    assert_canvas_matches_core(window)


@pytest.mark.parametrize("size, count", [("4×4", 16), ("8×4", 32)])
def test_contact_sheet_shows_samples_0_to_n_and_a_click_selects(window, qtbot, size, count):
    window.area.sheet_combo.setCurrentText(size)
    window.area.show_tab("sheet")
    qtbot.waitUntil(
        lambda: (
            window.preview.last_sheet is not None
            and window.preview.last_sheet.complete
            and len(window.sheet.samples()) == count
        )
    )
    spec = window.model.spec
    assert [s.index for s in window.sheet.samples()] == list(range(count))
    for sample in window.sheet.samples():
        np.testing.assert_array_equal(
            qimage_to_gray(sample.image), expected_pixels(spec, sample.index)
        )
    rects = window.sheet.cell_rects()
    assert all(r.right() < window.sheet.width() for r in rects)
    assert rects[0].height() >= 28  # at least 1× — every stroke pixel on screen
    with qtbot.waitSignal(window.canvas.imageChanged):
        qtbot.mouseClick(window.sheet, Qt.MouseButton.LeftButton, pos=rects[3].center())
    assert window.area.current_tab() == "preview"
    assert window.preview.selected_index == 3
    assert window.canvas.meta()["index"] == 3
    assert_canvas_matches_core(window)
    assert "sample 3" in window.info.details.toPlainText()


def test_200_rapid_slider_changes_end_on_the_final_settings(window, qtbot):
    slider = window.size_panel.width_slider
    values = [180 + (k * 37) % 300 for k in range(199)] + [321]
    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
    slider.setSliderDown(False)
    wait_good(qtbot, window, width=321)
    assert_canvas_matches_core(window)
    assert canvas_pixels(window).shape == (28, 321)


def test_overlay_draws_boxes_and_hover_describes_pixels(window, qtbot):
    window.set_zoom("4")
    plain = window.canvas.grab().toImage()
    window.overlay_action.trigger()
    assert window.canvas.overlay() and window.overlay_check.isChecked()
    boxed = window.canvas.grab().toImage()
    assert plain != boxed
    x, y, w, h = window.canvas.meta()["boxes"][0]
    rect = window.canvas.image_rect()
    point = rect.topLeft() + type(rect.topLeft())(x * 4 + 2, y * 4 + 2)
    text = window.canvas.describe_point(point)
    assert text.startswith(f"x {x}, y {y}") and "digit 1 '1'" in text
