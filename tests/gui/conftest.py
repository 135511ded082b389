"""Qt fixtures for the GUI tests: isolated settings, a window, and a leak guard.

Every test gets its own settings file, and fails if it leaves a worker thread, a
thread-pool task, a running timer or an open top-level window behind.
"""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, QThreadPool, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from seqstudio.gui.main_window import MainWindow  # noqa: E402
from seqstudio.gui.settings import AppSettings  # noqa: E402
from seqstudio.gui.workers import running_workers  # noqa: E402


@pytest.fixture(autouse=True)
def _qt_leak_guard(qapp, tmp_path):
    """Fresh QSettings paths per test; fail if threads, timers or windows outlive the test."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings"))
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "qsettings"))
    python_threads = set(threading.enumerate())
    yield
    leaks = []
    workers = running_workers()
    if workers:
        leaks.append(f"workers still running: {[w.name for w in workers]}")
    if QThreadPool.globalInstance().activeThreadCount():
        leaks.append("QThreadPool tasks still active")
    extra = [t.name for t in set(threading.enumerate()) - python_threads if t.is_alive()]
    if extra:
        leaks.append(f"Python threads still running: {extra}")
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and not widget._shut_down:
            leaks.append("a MainWindow was not shut down")
        timers = [t for t in widget.findChildren(QTimer) if t.isActive()]
        if isinstance(widget, MainWindow) and timers:
            leaks.append(
                f"timers still active in the window: {[t.objectName() or t for t in timers]}"
            )
    assert not leaks, "; ".join(leaks)


@pytest.fixture
def settings(tmp_path) -> AppSettings:
    """Settings in an INI file of this test's temporary folder."""
    return AppSettings(tmp_path / "settings.ini")


@pytest.fixture
def make_window(qtbot, settings):
    """Build shown main windows (shut down at teardown); waits for the first preview."""
    windows = []

    def make(**kwargs) -> MainWindow:
        kwargs.setdefault("settings", settings)
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        qtbot.waitUntil(
            lambda: not window.canvas.image().isNull() and window.model.is_good(), timeout=10000
        )
        return window

    yield make
    for window in windows:
        window.shutdown()
        assert not window.is_running()


@pytest.fixture
def window(make_window) -> MainWindow:
    """A shown main window with its first preview on the canvas."""
    return make_window()
