"""Other glyph sources from the GUI, and the application entry point."""

import numpy as np
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from qt_helpers import assert_canvas_matches_core, wait_good

from seqstudio.gui.main_window import MainWindow


def _letters_folder(root):
    rng = np.random.default_rng(0)
    for label in "AB":
        (root / label).mkdir(parents=True)
        for k in range(6):
            glyph = np.zeros((28, 20), np.uint8)
            glyph[4:24, 3 + k % 3 : 15 + k % 3] = 255 if label == "A" else 120
            glyph = np.maximum(glyph, rng.integers(0, 2, glyph.shape, dtype=np.uint8) * 0)
            Image.fromarray(glyph).save(root / label / f"{k}.png")
    return root


def test_folder_source_chosen_in_the_gui(make_window, qtbot, tmp_path):
    folder = _letters_folder(tmp_path / "letters")
    window = make_window(choose_directory=lambda title, start: str(folder))
    panel = window.sequence_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("folder"))
    panel.source_combo.activated.emit(panel.source_combo.currentIndex())
    # The digits "14543" do not exist in a folder of letters: flagged, not drawn.
    qtbot.waitUntil(lambda: any(f.startswith("digits") for f in window.model.problems))
    assert panel.invalid_positions() == [0, 1, 2, 3, 4]
    panel.digits_edit.setText("ABBA")
    panel.digits_edit.textEdited.emit("ABBA")
    wait_good(qtbot, window, source=f"folder:{folder}", digits=("A", "B", "B", "A"))
    assert panel.invalid_positions() == []
    assert_canvas_matches_core(window)
    assert window.settings.last_folder("source") == str(folder)


def test_run_app_shows_the_window_and_returns_the_exit_code(qapp, qtbot):
    from seqstudio.gui.app import run_app

    seen = {}

    def close_when_previewed():
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        if not windows or windows[0].canvas.image().isNull():
            QTimer.singleShot(20, close_when_previewed)
            return
        seen["label"] = windows[0].info.label_text.text()
        windows[0].close()

    QTimer.singleShot(0, close_when_previewed)
    assert run_app([]) == 0
    assert seen["label"] == "label: 14543"


def test_idx_folder_source(make_window, qtbot, tmp_path):
    from seqstudio.core.glyphs import open_source
    from seqstudio.core.idx import write_idx

    bundled = open_source("bundled")
    folder = tmp_path / "idx"
    folder.mkdir()
    for pool, prefix in (("train", "train"), ("test", "t10k")):
        glyphs = bundled.pool(pool)
        keep = np.concatenate([glyphs.members[label][:5] for label in "0123456789"])
        write_idx(folder / f"{prefix}-images-idx3-ubyte", glyphs.images[keep, :, :28])
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", glyphs.label_ids[keep].astype(np.uint8))
    window = make_window(choose_directory=lambda title, start: str(folder))
    panel = window.sequence_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("idx"))
    panel.source_combo.activated.emit(panel.source_combo.currentIndex())
    wait_good(qtbot, window, source=f"idx:{folder}")
    assert_canvas_matches_core(window)


def test_shortcuts_are_bound(window):
    from PySide6.QtGui import QKeySequence

    bound = {
        window.regenerate_action: "F5",
        window.reroll_action: "Ctrl+R",
        window.lock_action: "Ctrl+L",
        window.open_action: QKeySequence(QKeySequence.StandardKey.Open).toString(),
        window.save_action: QKeySequence(QKeySequence.StandardKey.Save).toString(),
        window.save_preview_action: "Ctrl+E",
        window.zoom_actions["fit"]: "Ctrl+0",
        window.zoom_actions["8"]: "Ctrl+4",
        window.overlay_action: "Ctrl+B",
    }
    for action, keys in bound.items():
        assert action.shortcut().toString() == keys, action.text()


def test_zoom_and_reroll_shortcuts_work_from_the_keyboard(window, qtbot):
    from PySide6.QtCore import Qt

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.zoom() == "2"
    seed = window.model.spec.seed
    with qtbot.waitSignal(window.canvas.imageChanged, timeout=10000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    wait_good(qtbot, window)
    assert window.model.spec.seed != seed
    assert_canvas_matches_core(window)
