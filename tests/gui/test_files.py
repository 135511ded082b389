"""Presets (the CLI's spec JSON), recent presets, saving previews, settings persistence."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from qt_helpers import assert_canvas_matches_core, canvas_pixels, expected_pixels, wait_good

from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

ROOT = Path(__file__).resolve().parents[2]


def _save_preset(window, qtbot, path):
    with qtbot.waitSignal(window.files.presetSaved, timeout=10000):
        assert window.files.save_preset(path)


def test_preset_round_trip_and_recent(window, qtbot, tmp_path):
    window.size_panel.width_spin.setValue(240)
    window.spacing_panel.mode_combo.setCurrentText("fixed")
    wait_good(qtbot, window, width=240, spacing_mode="fixed")
    path = tmp_path / "mine.json"
    _save_preset(window, qtbot, path)
    assert GenerationSpec.load(path) == window.model.spec
    assert window.files.recent()[0] == str(path)
    assert window.recent_menu.actions()[0].text() == str(path)

    other = GenerationSpec(digits="9087", width=260, seed=5, invert=True)
    other_path = tmp_path / "other.json"
    other.save(other_path)
    with qtbot.waitSignal(window.files.presetOpened, timeout=10000):
        window.files.open_preset(other_path)
    wait_good(qtbot, window, digits=("9", "0", "8", "7"), seed=5)
    assert window.model.spec == other
    assert (
        window.sequence_panel.digits_edit.text() == "9087"
        and window.size_panel.invert_check.isChecked()
    )
    assert_canvas_matches_core(window)
    assert window.files.recent()[:2] == [str(other_path), str(path)]


def test_open_preset_through_the_menu_action(make_window, qtbot, tmp_path):
    path = tmp_path / "p.json"
    GenerationSpec(digits="55", width=120).save(path)
    window = make_window(choose_open_path=lambda title, start, filters: str(path))
    with qtbot.waitSignal(window.files.presetOpened, timeout=10000):
        window.open_action.trigger()
    wait_good(qtbot, window, digits=("5", "5"), width=120)
    assert_canvas_matches_core(window)


def test_locked_seed_survives_opening_a_preset(window, qtbot, tmp_path):
    window.seed_bar.set_locked(True)
    seed = window.model.spec.seed
    path = tmp_path / "p.json"
    GenerationSpec(digits="31", seed=seed + 99).save(path)
    with qtbot.waitSignal(window.files.presetOpened, timeout=10000):
        window.files.open_preset(path)
    wait_good(qtbot, window, digits=("3", "1"), seed=seed)


def test_invalid_preset_file_is_reported_not_raised(window, qtbot, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"width": -4}', encoding="utf-8")
    before = window.model.spec
    with qtbot.waitSignal(window.files.failed, timeout=10000) as blocker:
        window.files.open_preset(path)
    assert "width" in blocker.args[0] and str(path) in blocker.args[0]
    assert str(path) in window.problem_status.text()
    assert window.model.spec == before


def test_saving_while_invalid_is_refused_inline(window, qtbot, tmp_path):
    window.size_panel.width_spin.setValue(20)
    qtbot.waitUntil(lambda: "width" in window.model.problems)
    path = tmp_path / "never.json"
    with qtbot.waitSignal(window.files.failed) as blocker:
        assert not window.files.save_preset(path)
    assert "not saved" in blocker.args[0] and not path.exists()


def test_preset_saved_in_gui_reproduces_the_preview_through_the_cli(window, qtbot, tmp_path):
    window.size_panel.width_spin.setValue(213)  # odd width: a stride bug would show
    window.spacing_panel.scope_combo.setCurrentText("edges")
    window.size_panel.invert_check.setChecked(True)
    wait_good(qtbot, window, width=213, spacing_scope="edges", invert=True)
    preset = tmp_path / "preset.json"
    _save_preset(window, qtbot, preset)
    out = tmp_path / "out.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "seqstudio", "generate", "--spec", str(preset), "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    cli_pixels = np.asarray(Image.open(out))
    assert cli_pixels.dtype == np.uint8 and cli_pixels.shape == (28, 213)
    assert cli_pixels.tobytes() == canvas_pixels(window).tobytes()


def test_save_preview_writes_png_and_sample_json(window, qtbot, tmp_path):
    target = tmp_path / "preview.png"
    with qtbot.waitSignal(window.files.previewSaved, timeout=10000):
        assert window.save_preview(target)
    np.testing.assert_array_equal(np.asarray(Image.open(target)), canvas_pixels(window))
    meta = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    expected = SequenceGenerator(window.model.spec).generate(0).to_dict()
    assert meta == json.loads(json.dumps(expected))
    assert window.settings.last_folder("preview") == str(tmp_path)


def test_save_preview_action_uses_the_chooser(make_window, qtbot, tmp_path):
    target = tmp_path / "via_action.png"
    window = make_window(choose_save_path=lambda title, start, filters: str(target))
    with qtbot.waitSignal(window.files.previewSaved, timeout=10000):
        window.save_preview_action.trigger()
    np.testing.assert_array_equal(
        np.asarray(Image.open(target)), expected_pixels(window.model.spec)
    )


def test_layout_zoom_and_folders_persist(make_window, qtbot, settings, tmp_path):
    window = make_window()
    window.resize(1000, 760)
    window.set_zoom("4")
    window.set_overlay(True)
    window.spacing_dock.hide()
    settings.set_last_folder("source", str(tmp_path))
    geometry = window.saveGeometry()
    window.close()
    assert settings.window_geometry() == geometry
    assert not window.is_running()
    again = make_window()
    assert again.canvas.zoom() == "4" and again.zoom_combo.currentData() == "4"
    assert again.canvas.overlay()
    assert again.restoreGeometry(settings.window_geometry())
    assert again.spacing_dock.isHidden()
    assert again.settings.last_folder("source") == str(tmp_path)
