"""A Python worker thread with Qt signals and a ``QThread``-like API.

Engine calls that start process pools (export, statistics) run here rather than in a
``QThread``: the pool's helper threads make Python register the calling thread, and a
foreign ``QThread`` would stay listed as a live "dummy" thread after it ended. Signals of
this object (which lives in the GUI thread) are emitted from the worker; connect them to
GUI-thread objects with queued connections.

:class:`CancellableJob` runs one Qt-free engine call ``work(progress, cancel)`` that way;
:class:`CurrentJob` (a GUI-thread object) holds a runner's one job and relays its signals
to callbacks in the GUI thread, dropping those of a job it no longer holds (finished,
superseded or shut down). A job is always joined before it is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal


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


class CancellableJob(PyThread):
    """Run ``work(progress, cancel)`` once on the worker thread.

    ``progress(value)`` emits :attr:`progressed`; ``cancel()`` tells whether
    :attr:`cancel_event` is set.

    Signals
    -------
    progressed(object), succeeded(object), failed(object)
        A reported value, what the work returned, the exception it raised (worker thread).
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, name: str, work: Callable[[Callable, Callable[[], bool]], Any]) -> None:
        super().__init__(name)
        self._work = work
        self.cancel_event = threading.Event()

    def run(self) -> None:  # noqa: D102
        try:
            value = self._work(self.progressed.emit, self.cancel_event.is_set)
        except Exception as exc:  # delivered as a value, never raised into Qt
            self.failed.emit(exc)
        else:
            self.succeeded.emit(value)


class _Relay(QObject):
    # The GUI-thread receiver of one job's signals, a child of its CurrentJob. Once
    # disarmed it holds no Python references and Qt deletes it later (not in its own slot).
    def __init__(self, parent: QObject, job: CancellableJob, callbacks: dict) -> None:
        super().__init__(parent)
        self.callbacks = callbacks
        for name in ("progressed", "succeeded", "failed", "ended"):
            getattr(job, name).connect(
                getattr(self, f"_{name}"), Qt.ConnectionType.QueuedConnection
            )

    def disarm(self) -> None:
        self.callbacks = {}
        self.deleteLater()

    def _call(self, name: str, *args: object) -> None:
        if (callback := self.callbacks.get(name)) is not None:
            callback(*args)

    def _progressed(self, value: object) -> None:
        self._call("progressed", value)

    def _succeeded(self, value: object) -> None:
        self._call("succeeded", value)

    def _failed(self, exc: object) -> None:
        self._call("failed", exc)

    def _ended(self) -> None:
        self._call("ended")


class CurrentJob(QObject):
    """At most one :class:`CancellableJob` and the relay of its signals (GUI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: CancellableJob | None = None
        self._relay: _Relay | None = None

    def start(self, job: CancellableJob, **callbacks: Callable) -> None:
        """Start ``job`` and relay its signals to ``callbacks`` in the GUI thread.

        ``callbacks`` are keyed by signal: ``progressed``, ``succeeded``, ``failed``,
        ``ended``. A previous job is cancelled and joined first; its signals are dropped.
        """
        self.shutdown()
        self._relay = _Relay(self, job, callbacks)
        self.job = job
        job.start()

    def cancel(self) -> None:
        """Ask the current job to stop."""
        if self.job is not None:
            self.job.cancel_event.set()

    def is_running(self) -> bool:
        """Whether a job is current (alive, or its outcome not handled yet)."""
        return self.job is not None

    def is_cancelled(self) -> bool:
        """Whether the current job was asked to stop."""
        return self.job is not None and self.job.cancel_event.is_set()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Join the current job's thread; return whether it has ended."""
        return True if self.job is None else self.job.wait(timeout_ms)

    def finish(self) -> None:
        """Join the current job and drop it (call from its outcome callback)."""
        if self.job is not None:
            self.job.wait()
            self.job = None
        if self._relay is not None:
            self._relay.disarm()
            self._relay = None

    def shutdown(self) -> None:
        """Cancel, join and drop the current job; its pending signals are dropped."""
        self.cancel()
        self.finish()
