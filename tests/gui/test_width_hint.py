"""The app: the feasible-width hint is live and never stale; presets work at the default widths."""

import pytest
from qt_helpers import assert_canvas_matches_core, wait_good

from seqstudio.core.spec import GenerationSpec
from seqstudio.core.widths import feasible_width_range


def _wait_hint(qtbot, window, text):
    qtbot.waitUntil(
        lambda: window.size_panel.width_range_text() == text and not window.preview.is_busy()
    )


def test_hint_follows_every_change_and_agrees_with_the_error(window, qtbot):
    _wait_hint(qtbot, window, "feasible: ≥ 160")
    window.model.set_values(digits="14543210")  # 8 digits
    window.size_panel.width_spin.setValue(150)  # too small for 8 digits
    qtbot.waitUntil(lambda: "width" in window.model.problems and not window.preview.is_busy())
    _wait_hint(qtbot, window, "feasible: ≥ 259")
    assert "needs at least 259" in window.size_panel.problem_text("width")
    window.spacing_panel.min_spin.setValue(0)  # another range, still too small
    qtbot.waitUntil(lambda: "needs at least 224" in window.size_panel.problem_text("width"))
    _wait_hint(qtbot, window, "feasible: ≥ 224")
    window.size_panel.width_spin.setValue(224)  # the minimum works
    wait_good(qtbot, window, width=224)
    assert window.size_panel.width_range_text() == "feasible: ≥ 224"
    assert_canvas_matches_core(window)


def test_hint_is_withheld_while_it_belongs_to_older_settings(window, qtbot):
    _wait_hint(qtbot, window, "feasible: ≥ 160")
    panel = window.size_panel
    old = window.model.spec
    window.model.set_values(spacing_min=12, spacing_max=8)  # invalid: no candidate
    assert panel.width_range_text() == "feasible: …"
    window.model.set_values(spacing_min=2, spacing_max=8)
    panel.set_width_range("≥ 160", old)  # a late answer about the old settings
    assert panel.width_range_text() == "feasible: …"
    _wait_hint(qtbot, window, "feasible: ≥ 148")


def test_negative_spacing_from_the_panel_overlaps_digits(window, qtbot):
    window.spacing_panel.min_slider.setValue(-6)
    window.spacing_panel.max_slider.setValue(-2)
    wait_good(qtbot, window, spacing_min=-6, spacing_max=-2)
    _wait_hint(qtbot, window, "feasible: ≥ 116")
    assert_canvas_matches_core(window)


@pytest.mark.parametrize(
    "preset, digits, width",
    [
        ("light", "14543", 200),
        ("scan-like", "14543", 200),
        ("heavy", "14543", 200),
        ("heavy", "14543210", 300),
    ],
)
def test_presets_render_at_the_default_widths(window, qtbot, preset, digits, width):
    window.model.set_values(digits=digits)
    window.size_panel.width_spin.setValue(width)
    wait_good(qtbot, window, width=width)
    window.augment_panel.apply_preset(preset)
    qtbot.waitUntil(lambda: bool(window.model.spec.augment), timeout=20000)
    wait_good(qtbot, window, timeout=20000, width=width)
    assert not window.canvas.is_stale() and window.model.problems == {}
    assert_canvas_matches_core(window)
    assert window.size_panel.width_range_text() == (
        f"feasible: {feasible_width_range(window.model.spec).describe()}"
    )
    assert feasible_width_range(GenerationSpec(digits=digits)).low <= width
