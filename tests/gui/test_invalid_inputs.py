"""Invalid settings: inline message next to the field, status bar, last good preview kept greyed."""

import numpy as np
from qt_helpers import assert_canvas_matches_core, canvas_pixels, wait_good


def _wait_problem(qtbot, window, field):
    qtbot.waitUntil(
        lambda: (
            any(f.startswith(field) for f in window.model.problems) and not window.preview.is_busy()
        )
    )


def test_width_too_small_is_shown_inline_and_keeps_the_last_good_preview(window, qtbot):
    good = canvas_pixels(window)
    window.size_panel.width_spin.setValue(60)
    _wait_problem(qtbot, window, "width")
    message = window.size_panel.problem_text("width")
    assert "60 is too small" in message and "needs at least 160" in message
    assert "needs at least 160" in window.problem_status.text()
    assert window.canvas.is_stale()
    np.testing.assert_array_equal(canvas_pixels(window), good)
    assert (
        window.model.spec.width == 200 and window.size_panel.width_spin.value() == 60
    )  # pending kept
    window.size_panel.width_spin.setValue(190)  # fixing it recovers
    wait_good(qtbot, window, width=190)
    assert window.size_panel.problem_text("width") == "" and window.problem_status.text() == ""
    assert not window.canvas.is_stale()
    assert_canvas_matches_core(window)


def test_fixed_exact_spacing_that_cannot_fit_is_reported(window, qtbot):
    window.size_panel.fit_combo.setCurrentText("exact")
    window.spacing_panel.mode_combo.setCurrentText("fixed")
    _wait_problem(qtbot, window, "width")
    # MNIST cells are all 28 px wide, so fixed gaps g give exactly 5 * 28 + 4 * g for g in 5..10
    assert "feasible widths are 160, 164, …, 180" in window.size_panel.problem_text("width")
    assert window.canvas.is_stale()


def test_unknown_digit_is_flagged_in_place(window, qtbot):
    edit = window.sequence_panel.digits_edit
    edit.setText("12x4")
    edit.textEdited.emit("12x4")
    _wait_problem(qtbot, window, "digits")
    assert window.sequence_panel.invalid_positions() == [2]
    assert window.sequence_panel.problem_text("digits") == "digits: cannot draw 'x' at position 3"
    assert "digits[2]" in window.problem_status.text()
    assert window.canvas.is_stale()


def test_spacing_min_above_max_is_inline_and_not_rendered(window, qtbot):
    good = canvas_pixels(window)
    window.spacing_panel.min_spin.setValue(40)
    assert "spacing_max" in window.model.problems
    assert "below spacing_min 40" in window.spacing_panel.problem_text("spacing_max")
    assert window.canvas.is_stale()
    np.testing.assert_array_equal(canvas_pixels(window), good)


def test_bad_source_folder_is_reported_without_crashing(window, qtbot, tmp_path):
    window.sequence_panel.set_source("idx", tmp_path / "missing")
    _wait_problem(qtbot, window, "source")
    assert "folder not found" in window.sequence_panel.problem_text("source")
    window.sequence_panel.set_source("bundled")
    wait_good(qtbot, window, source="bundled")
    assert_canvas_matches_core(window)


def test_random_length_range_inverted_is_inline(window, qtbot):
    panel = window.sequence_panel
    panel.random_check.setChecked(True)
    wait_good(qtbot, window)
    panel.min_length.setValue(4)
    panel.max_length.setValue(2)
    assert "random.max_length" in window.model.problems
    assert "random.max_length" in panel.problem_text("random")
