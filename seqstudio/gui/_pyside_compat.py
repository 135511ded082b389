"""Guard against PySide6 reference-count bugs that would crash a long session.

PySide6 6.12.0 (seen here on CPython 3.11) drops one reference to ``True`` on every
Python ``Signal.emit()`` and one reference to ``None`` on every call of a Python slot from
a C++ signal. Before Python 3.12 these objects are not immortal, so after some thousands
of signals the interpreter aborts with ``Fatal Python error: bool_dealloc`` (or
``none_dealloc``). A fixed PySide6 (6.11.x is fine) makes this module a no-op.

:func:`apply_refcount_workaround` probes for the bug with a few signals and, only if the
references really go missing, gives ``True``, ``False`` and ``None`` a huge reference
count, which is what CPython 3.12 does for them (immortal objects); they are static
objects that are never freed, so no memory is affected.
"""

from __future__ import annotations

import ctypes
import sys

_PROBES = 64
_BOOST = 1 << 40
_applied = False


def refcount_bug_present() -> tuple[bool, bool]:
    """Probe PySide6: ``(emit drops True, slot calls drop None)``."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    probe.fired.connect(lambda: None)
    probe.objectNameChanged.connect(lambda name: None)
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit()
    true_lost = before - sys.getrefcount(True) >= _PROBES // 2
    before = sys.getrefcount(None)
    for k in range(_PROBES):
        probe.setObjectName("probe-a" if k % 2 else "probe-b")
    none_lost = before - sys.getrefcount(None) >= _PROBES // 2
    probe.deleteLater()
    return true_lost, none_lost


def apply_refcount_workaround() -> bool:
    """Make ``True``/``False``/``None`` effectively immortal if PySide6 leaks their references.

    Returns
    -------
    bool
        Whether the workaround is active.
    """
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # immortal already
    true_lost, none_lost = refcount_bug_present()
    if not (true_lost or none_lost):
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    _applied = True
    return True


def workaround_active() -> bool:
    """Whether :func:`apply_refcount_workaround` had to act in this process."""
    return _applied
