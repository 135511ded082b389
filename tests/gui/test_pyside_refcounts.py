"""A long session survives many signals: the installed PySide6 keeps its references to
True/None (6.12.0 did not, and aborted Python <= 3.12; pyproject excludes it)."""

import sys
from importlib import metadata

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(bool)


def test_many_signals_never_exhaust_true_or_none(qapp):
    emitter = _Emitter()
    emitter.fired.connect(lambda value: None)
    for k in range(20000):  # more than True's usual reference count on CPython 3.11
        emitter.fired.emit(k % 2 == 0)
    assert sys.getrefcount(True) > 0 and sys.getrefcount(None) > 0


def test_the_broken_release_is_not_installed():
    assert metadata.version("PySide6-Essentials") != "6.12.0"
