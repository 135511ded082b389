"""The session survives PySide6 builds that drop references to True/None on signals."""

import sys

from PySide6.QtCore import QObject, Signal

from seqstudio.gui._pyside_compat import refcount_bug_present, workaround_active


class _Emitter(QObject):
    fired = Signal(bool)


def test_many_signals_never_exhaust_true_or_none(qapp):
    emitter = _Emitter()
    emitter.fired.connect(lambda value: None)
    for k in range(20000):  # more than True's usual reference count on CPython 3.11
        emitter.fired.emit(k % 2 == 0)
    assert sys.getrefcount(True) > 0 and sys.getrefcount(None) > 0


def test_workaround_is_active_exactly_when_needed():
    true_lost, none_lost = refcount_bug_present()
    if sys.version_info < (3, 12) and (true_lost or none_lost):
        assert workaround_active()
    elif sys.version_info >= (3, 12):
        assert not workaround_active()
