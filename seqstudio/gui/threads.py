"""A registry of the GUI's worker threads, so shutdown (and tests) can prove none is left."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QThread

_THREADS: weakref.WeakSet = weakref.WeakSet()


def register(thread: QThread) -> QThread:
    """Remember ``thread`` (weakly)."""
    _THREADS.add(thread)
    return thread


def running_threads() -> list[QThread]:
    """The registered threads that are still running."""
    alive = []
    for thread in list(_THREADS):
        try:
            if thread.isRunning():
                alive.append(thread)
        except RuntimeError:  # the C++ object is already gone
            continue
    return alive
