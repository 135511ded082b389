"""A Python worker thread with Qt signals and a ``QThread``-like API.

Engine calls that start process pools (export, statistics) run here rather than in a
``QThread``: the pool's helper threads make Python register the calling thread, and a
foreign ``QThread`` would stay listed as a live "dummy" thread after it ended. Signals of
this object (which lives in the GUI thread) are emitted from the worker; connect them to
GUI-thread objects with queued connections.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


class PyThread(QObject):
    """Run :meth:`run` on a daemon Python thread.

    Signals
    -------
    ended()
        :meth:`run` returned (emitted from the worker thread, just before it exits).
    """

    ended = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    def run(self) -> None:
        """The work (override)."""

    def _main(self) -> None:
        try:
            self.run()
        finally:
            self.ended.emit()

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Join the thread; return whether it has ended."""
        if self._thread.ident is not None:
            self._thread.join(None if timeout_ms is None else timeout_ms / 1000)
        return not self._thread.is_alive()

    def isRunning(self) -> bool:  # noqa: N802 - QThread-like API
        """Whether the thread is alive."""
        return self._thread.is_alive()
