"""The inspector's workers as a user meets them: a new folder never shows the last one's
plots, the panel goes idle once its work is done, a cancel always frees the Scan button,
and a comparison folder's scan stops when the inspector closes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from seqstudio.core.export import ExportOptions, export_dataset
from seqstudio.core.spec import GenerationSpec
from seqstudio.core.stats import compute_dataset_stats
from seqstudio.gui.inspector import InspectorPanel, compare_view, stats_runner
from seqstudio.gui.inspector.plots import TITLES


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inspect-threads") / "data"
    export_dataset(GenerationSpec(seed=3), 24, out, ExportOptions(workers=1))
    return out


@pytest.fixture
def panel(qtbot, settings):
    widget = InspectorPanel(settings, workers=1)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    yield widget
    widget.shutdown()
    assert not widget.is_any_running()


def _scan(qtbot, panel: InspectorPanel, folder: Path) -> None:
    with qtbot.waitSignal(panel.histogramReady, timeout=60000):
        panel.inspect(str(folder))
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=10000)


def test_a_new_folder_never_shows_the_plots_of_the_last_one(qtbot, panel, exported, tmp_path):
    _scan(qtbot, panel, exported)
    assert panel.plots.data[TITLES[1]] == {5: 24}  # 24 labels of 5 digits
    empty = tmp_path / "empty"
    empty.mkdir()
    with qtbot.waitSignal(panel.scanFailed, timeout=10000):
        panel.inspect(str(empty))
        assert all(not data for data in panel.plots.data.values())  # cleared at once
    assert all(not data for data in panel.plots.data.values())  # and still after the failure


def test_the_panel_is_idle_once_its_scan_and_plots_are_done(qtbot, panel, exported):
    _scan(qtbot, panel, exported)
    qtbot.waitUntil(lambda: not panel.is_any_running(), timeout=20000)


def test_cancel_while_a_second_folder_waits_frees_the_scan_button(
    qtbot, panel, exported, tmp_path, monkeypatch
):
    gate = threading.Event()
    calls: list = []

    def slow_first_chunk(root, **kwargs):  # a chunk of files that cannot stop at once
        calls.append(root)
        gate.wait(10)
        raise RuntimeError("stopped")

    monkeypatch.setattr(stats_runner, "compute_dataset_stats", slow_first_chunk)
    other = tmp_path / "other"
    other.mkdir()
    panel.inspect(str(exported))
    qtbot.waitUntil(lambda: calls == [str(exported)])
    panel.inspect(str(other))  # waits for the first scan to stop
    panel.cancel()
    with qtbot.waitSignal(panel.runner.done, timeout=10000):
        gate.set()
    assert calls == [str(exported)]  # the second folder was never scanned
    assert panel.scan_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.status_label.text() == f"cancelled before scanning {other}"


def test_closing_stops_the_scan_of_a_folder_to_compare_with(qtbot, panel, exported, monkeypatch):
    started = threading.Event()
    seen: dict = {}

    def scan_until_cancelled(root, workers=None, cancel=None, progress=None, **kwargs):
        seen["cancel"] = cancel
        started.set()
        stop = threading.Event()
        while cancel is not None and not cancel():
            stop.wait(0.01)  # polls like the engine between chunks
        seen["stopped"] = cancel is not None and cancel()
        raise RuntimeError("stopped")

    monkeypatch.setattr(compare_view, "compute_dataset_stats", scan_until_cancelled)
    panel.compare.compare_folder(str(exported))
    qtbot.waitUntil(started.is_set)
    assert panel.compare.is_running()
    panel.shutdown()  # closing the inspector
    assert seen["stopped"] and not panel.compare.is_running()


def test_the_last_folders_filter_result_is_not_taken_for_the_new_one(
    qtbot, exported, tmp_path, monkeypatch
):
    from seqstudio.gui.inspector import sample_gallery
    from seqstudio.gui.inspector.sample_gallery import SampleGallery
    from seqstudio.gui.runners import QueuedRunner

    tasks = QueuedRunner()
    gallery = SampleGallery(tasks)
    qtbot.addWidget(gallery)
    other = tmp_path / "other"
    other.mkdir()
    png = next((exported / "train").glob("*.png")).read_bytes()
    for n in range(3):
        (other / f"plain_{n}.png").write_bytes(png)
    try:
        with qtbot.waitSignal(gallery.pageLoaded, timeout=20000):
            gallery.set_folder(str(exported))
        filtering, indexing = threading.Event(), threading.Event()
        real_select, real_index = sample_gallery.select_images, sample_gallery._index_with_tags
        monkeypatch.setattr(
            sample_gallery, "select_images", lambda *a: [filtering.wait(10), real_select(*a)][1]
        )
        monkeypatch.setattr(
            sample_gallery, "_index_with_tags", lambda *a: [indexing.wait(10), real_index(*a)][1]
        )
        gallery.filters.label_edit.setText("")  # refilter the first folder (held at the gate)
        gallery.filters.changed.emit()
        gallery.set_folder(str(other))  # the user picks another folder meanwhile
        with qtbot.waitSignal(gallery.filterer.returned, timeout=10000):
            filtering.set()  # the first folder's images arrive before the new index
        assert gallery.filtered == [] and gallery.index is None
        with qtbot.waitSignal(gallery.pageLoaded, timeout=20000):
            indexing.set()
        assert sorted(image.rel for image in gallery.filtered) == [
            f"plain_{n}.png" for n in range(3)
        ]
    finally:
        gallery.shutdown()
        tasks.shutdown()


def test_a_drawing_of_the_last_folder_is_not_shown_after_clearing(qtbot, exported, monkeypatch):
    from PySide6.QtGui import QColor, QImage

    from seqstudio.gui.inspector import plots as plots_module

    gate = threading.Event()

    def drawing(data, per_split, width, height):  # the last folder's drawing is slow
        labelled = bool(data[TITLES[1]])
        if labelled:
            gate.wait(10)
        image = QImage(8, 8, QImage.Format.Format_RGB888)
        image.fill(QColor("red" if labelled else "white"))
        return image

    monkeypatch.setattr(plots_module, "render_plots", drawing)
    view = plots_module.StatsPlots()
    qtbot.addWidget(view)
    shown: list = []
    view.rendered.connect(lambda: shown.append(view.pixmap().toImage().pixelColor(0, 0).name()))
    try:
        qtbot.waitUntil(lambda: shown == ["#ffffff"])  # the empty plots at start
        view.set_stats(compute_dataset_stats(exported, workers=1))  # held at the gate
        view.clear()  # a new folder is scanned: empty plots
        with qtbot.waitSignal(view.rendered, timeout=10000):
            gate.set()
        qtbot.waitUntil(lambda: not view.is_running())
        assert shown == ["#ffffff", "#ffffff"]  # the last folder's plots never came back
    finally:
        view.shutdown()
