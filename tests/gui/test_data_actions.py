"""Full MNIST from the GUI: download (local mirror, never the internet) and import."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
from download_server import FILE_NAMES, MirrorServer, closed_port_url, make_idx_files, manifest_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from qt_helpers import assert_canvas_matches_core, canvas_pixels, wait_good

from seqstudio.core.datasets import imported_idx_folder, mnist_download_dir
from seqstudio.core.datasets.download import CHUNK
from seqstudio.core.progress import Progress
from seqstudio.gui.data_actions import DownloadOptions, describe_progress, format_bytes


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("idx")
    make_idx_files(folder)
    return folder


@pytest.fixture(scope="module")
def files(idx_folder):
    return {name: (idx_folder / name).read_bytes() for name in FILE_NAMES}


@pytest.fixture
def manifest(files):
    return manifest_for(files)


@pytest.fixture
def server(files):
    before = set(threading.enumerate())
    with MirrorServer(files) as srv:
        yield srv
    for thread in set(threading.enumerate()) - before:  # request handlers finish their reply
        thread.join(10)


def _download(qtbot, actions, timeout=20000) -> str:
    with qtbot.waitSignal(actions.downloadFinished, timeout=timeout) as blocker:
        actions.download_action.trigger()
        assert not actions.download_action.isEnabled()  # one download at a time
    assert actions.download_action.isEnabled()
    assert not actions.is_running()
    return blocker.args[0]


def test_progress_text_has_bytes_rate_and_time_left():
    text = describe_progress(Progress(5_000_000, 11_594_722, 2.0))
    assert text == "Downloading MNIST: 5.0 MB of 11.6 MB, 2.5 MB/s, 0:03 left"
    assert describe_progress(Progress(0, 0, 0.0)) == "Downloading MNIST: 0 B"
    assert format_bytes(28_881) == "29 kB"


def test_download_switches_the_source_and_the_preview(window, qtbot, server, manifest, files):
    actions = window.data_actions
    actions.options = DownloadOptions(mirrors=[server.add("good")], manifest=manifest)
    bundled_image = canvas_pixels(window)
    seen: list[Progress] = []
    actions.downloadProgress.connect(seen.append)

    assert _download(qtbot, actions) == "done"

    folder = mnist_download_dir()
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)
    assert all((folder / name).read_bytes() == data for name, data in files.items())
    total = sum(len(d) for d in files.values())
    assert seen and seen[-1].done == seen[-1].total == total
    assert "downloaded" in actions.status.text and str(folder) in actions.status.text
    # The preview regenerates from the downloaded glyphs (random noise, unlike MNIST).
    wait_good(qtbot, window, source=f"idx:{folder}")
    assert_canvas_matches_core(window)
    shown = canvas_pixels(window)
    assert shown.shape != bundled_image.shape or not np.array_equal(shown, bundled_image)
    assert window.sequence_panel.source_path.text() == str(folder)
    assert imported_idx_folder() is None  # downloaded, not imported


@pytest.mark.parametrize("broken", ["status", "no network"])
def test_failing_mirror_is_a_status_message_and_bundled_keeps_working(
    window, qtbot, server, manifest, broken
):
    actions = window.data_actions
    if broken == "status":
        url, expected = server.add("bad", kind="status", status=503), "HTTP 503"
    else:
        url, expected = closed_port_url(), "cannot reach any MNIST mirror"
    actions.options = DownloadOptions(mirrors=[url], manifest=manifest, timeout=5)

    assert _download(qtbot, actions) == "failed"

    assert actions.status.text.startswith("Download failed:")
    assert expected in actions.status.text and url in actions.status.text
    assert actions.status.isVisible() and actions.status.message.styleSheet()  # error style
    assert actions.status.window() is window  # in the window's status bar, not a dialog
    assert QApplication.activeModalWidget() is None
    assert window.model.spec.source == "bundled" and window.model.is_good()
    window.model.set_values(digits="7070")
    wait_good(qtbot, window, source="bundled", digits=("7", "0", "7", "0"))
    assert_canvas_matches_core(window)


def test_cancel_mid_download_stops_keeps_the_part_and_a_retry_resumes(
    window, qtbot, server, manifest, files
):
    actions = window.data_actions
    url = server.add("slow", kind="pause", drop_after=CHUNK)
    actions.options = DownloadOptions(mirrors=[url], manifest=manifest)
    part = mnist_download_dir() / (FILE_NAMES[0] + ".part")

    actions.download_action.trigger()
    qtbot.waitUntil(lambda: part.exists() and part.stat().st_size >= CHUNK, timeout=10000)
    assert actions.is_running() and actions.status.cancel_button.isVisible()
    qtbot.mouseClick(actions.status.cancel_button, Qt.MouseButton.LeftButton)
    assert "Cancelling" in actions.status.text
    with qtbot.waitSignal(actions.downloadFinished, timeout=10000) as blocker:
        server.release.set()  # the server sends the rest; the worker sees the cancel
    assert blocker.args == ["cancelled"]
    assert not actions.is_running() and actions.download_action.isEnabled()
    assert "cancelled" in actions.status.text and "resume" in actions.status.text
    assert not actions.status.cancel_button.isVisible()
    kept = part.stat().st_size
    assert CHUNK <= kept < len(files[FILE_NAMES[0]])
    assert not (mnist_download_dir() / FILE_NAMES[0]).exists()
    assert window.model.spec.source == "bundled"

    assert _download(qtbot, actions) == "done"  # the retry resumes the kept part
    assert (f"/slow/{FILE_NAMES[0]}", f"bytes={kept}-") in server.paths("slow")
    assert (mnist_download_dir() / FILE_NAMES[0]).read_bytes() == files[FILE_NAMES[0]]
    wait_good(qtbot, window, source=f"idx:{mnist_download_dir()}")


def test_window_shutdown_cancels_and_awaits_a_running_download(make_window, qtbot, server):
    window = make_window()
    actions = window.data_actions
    files = server.files
    url = server.add("slow", kind="pause", drop_after=CHUNK)
    # A silent server holds the worker in a read for at most ``timeout`` seconds.
    actions.options = DownloadOptions(mirrors=[url], manifest=manifest_for(files), timeout=1)
    part = mnist_download_dir() / (FILE_NAMES[0] + ".part")
    actions.download_action.trigger()
    qtbot.waitUntil(lambda: part.exists() and part.stat().st_size >= CHUNK, timeout=10000)
    window.shutdown()
    assert not actions.is_running() and not window.is_running()
    assert part.exists()  # kept for a resume


def test_import_valid_folder_switches_the_source_and_is_remembered(window, qtbot, idx_folder):
    actions = window.data_actions
    starts = []

    def choose(title, start):
        starts.append(start)
        return str(idx_folder)

    actions.choose_directory = choose
    with qtbot.waitSignal(actions.importFinished, timeout=10000) as blocker:
        actions.import_action.trigger()
    assert blocker.args == [True]
    source = f"idx:{idx_folder.resolve()}"
    wait_good(qtbot, window, source=source)
    assert_canvas_matches_core(window)
    assert imported_idx_folder() == idx_folder.resolve()
    assert window.settings.last_folder("mnist") == str(idx_folder)
    assert "200 train and 50 test digits" in actions.status.text
    assert not actions.status.message.styleSheet()
    # The next import starts in the remembered folder; cancelling the chooser changes nothing.
    actions.choose_directory = lambda title, start: starts.append(start) or ""
    assert actions.choose_import_folder() is False
    assert starts[-1] == str(idx_folder)
    assert window.model.spec.source == source


def test_import_folder_missing_a_file_names_it(window, qtbot, idx_folder, tmp_path):
    folder = tmp_path / "three"
    folder.mkdir()
    for name in FILE_NAMES[:3]:
        shutil.copy(idx_folder / name, folder / name)
    actions = window.data_actions
    actions.choose_directory = lambda title, start: str(folder)
    with qtbot.waitSignal(actions.importFinished, timeout=10000) as blocker:
        actions.import_action.trigger()
    assert blocker.args == [False]
    assert actions.status.text.startswith("Import failed:")
    assert "t10k-labels-idx1-ubyte" in actions.status.text
    assert "train-images" not in actions.status.text.split("missing", 1)[1]
    assert actions.status.message.styleSheet()  # shown as an error
    assert QApplication.activeModalWidget() is None
    assert actions.import_action.isEnabled()
    assert imported_idx_folder() is None
    assert window.model.spec.source == "bundled" and window.model.is_good()


def test_idx_folder_chosen_in_the_sequence_panel_is_remembered(make_window, qtbot, idx_folder):
    window = make_window(choose_directory=lambda title, start: str(idx_folder))
    panel = window.sequence_panel
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("idx"))
    panel.source_combo.activated.emit(panel.source_combo.currentIndex())
    wait_good(qtbot, window, source=f"idx:{idx_folder}")
    qtbot.waitUntil(lambda: imported_idx_folder() == idx_folder.resolve(), timeout=10000)
    assert not window.data_actions.status.text  # remembered quietly


def test_menu_has_the_data_actions(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    texts = [a.text() for a in menus["&Data"].actions()]
    assert texts == ["&Download full MNIST…", "&Import MNIST folder…"]


def test_application_identity_and_icon(qapp):
    from seqstudio.gui.app import app_icon, configure_application

    configure_application(qapp)
    assert qapp.desktopFileName() == "seqstudio"
    icon = app_icon()
    image = icon.pixmap(64, 64).toImage()
    assert not image.isNull() and image.width() == 64
    alpha = [image.pixelColor(x, y).alpha() for x in range(0, 64, 4) for y in range(0, 64, 4)]
    assert max(alpha) == 255  # the SVG rendered (not an empty icon)
    assert not qapp.windowIcon().isNull()
