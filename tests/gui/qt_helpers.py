"""Helpers shared by the GUI tests (imported as ``qt_helpers``)."""

from __future__ import annotations

import numpy as np

from seqstudio.core.generator import SequenceGenerator
from seqstudio.gui.imaging import qimage_to_gray
from seqstudio.gui.main_window import MainWindow


def canvas_pixels(window: MainWindow) -> np.ndarray:
    """The canvas's current image as a uint8 array (what it draws at 1×)."""
    return qimage_to_gray(window.canvas.image())


def expected_pixels(spec, index: int = 0) -> np.ndarray:
    """The core's image for ``spec`` (computed by the test, outside the GUI)."""
    return SequenceGenerator(spec).generate(index).image


def wait_good(qtbot, window: MainWindow, timeout: int = 10000, **fields) -> None:
    """Wait until the model's last good spec has ``fields`` and nothing is pending."""

    def check():
        spec = window.model.spec
        assert window.model.is_good()
        assert not window.preview.is_busy()
        for name, value in fields.items():
            assert getattr(spec, name) == value, (name, getattr(spec, name), value)

    qtbot.waitUntil(check, timeout=timeout)


def assert_canvas_matches_core(window: MainWindow) -> None:
    """The canvas shows exactly ``SequenceGenerator(spec).generate(index).image``."""
    index = window.preview.selected_index
    expected = expected_pixels(window.model.spec, index)
    shown = canvas_pixels(window)
    assert shown.shape == expected.shape
    np.testing.assert_array_equal(shown, expected)
