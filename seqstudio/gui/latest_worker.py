"""A worker thread that runs only the newest submitted function ("latest request wins").

Used for cheap-but-not-free checks that follow the user's typing (export folder and size
estimate, gallery indexing): each :meth:`LatestWorker.submit` replaces any request that
has not started, and a result is delivered (in the GUI thread, through a relay object that
lives there) only if no newer request was submitted meanwhile.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from seqstudio.gui.threads import register


class LatestMailbox:
    """Hand the newest request to one worker thread; a newer one replaces a waiting one.

    The worker loops on :meth:`take` (``None`` means stop) and may poll
    :meth:`superseded` between steps to drop work that a newer request made stale.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._request: Any = None
        self._stopping = False

    def put(self, request: Any) -> None:
        """Replace any waiting request with ``request`` and wake the worker."""
        with self._condition:
            self._request = request
            self._condition.notify()

    def stop(self) -> None:
        """Drop any waiting request and make :meth:`take` return ``None``."""
        with self._condition:
            self._stopping = True
            self._request = None
            self._condition.notify()

    def take(self) -> Any:
        """Block until a request (returned) or a stop (``None``)."""
        with self._condition:
            while self._request is None and not self._stopping:
                self._condition.wait()
            if self._stopping:
                return None
            request, self._request = self._request, None
            return request

    def superseded(self) -> bool:
        """Whether a newer request (or a stop) is waiting."""
        with self._condition:
            return self._stopping or self._request is not None

    def wait_superseded(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a newer request (or a stop); return whether one came."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._stopping or self._request is not None, timeout=timeout
            )
            return self._stopping or self._request is not None


class _Thread(QThread):
    done = Signal(int, bool, object)

    def __init__(self, name: str) -> None:
        super().__init__()
        register(self)
        self.setObjectName(name)
        self.mailbox = LatestMailbox()

    def submit(self, request_id: int, function: Callable[[], Any]) -> None:
        self.mailbox.put((request_id, function))

    def stop(self) -> None:
        self.mailbox.stop()

    def run(self) -> None:  # noqa: D102 - QThread API
        while (request := self.mailbox.take()) is not None:
            request_id, function = request
            try:
                value = function()
            except Exception as exc:  # delivered to the GUI thread as a failure
                self.done.emit(request_id, False, exc)
            else:
                self.done.emit(request_id, True, value)


class LatestWorker(QObject):
    """Run the newest submitted function on one worker thread.

    Parameters
    ----------
    name : str
        Thread name (shown by the leak guard).
    parent : QObject, optional
        Qt parent (must live in the GUI thread).

    Signals
    -------
    succeeded(object)
        The newest request returned this value (GUI thread).
    failed(object)
        The newest request raised this exception (GUI thread).
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._latest = 0
        self._busy = False
        self._thread = _Thread(name)
        self._thread.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    def submit(self, function: Callable[[], Any]) -> int:
        """Queue ``function`` in place of any waiting one; return its request id."""
        self._latest = next(self._ids)
        self._busy = True
        self._thread.submit(self._latest, function)
        return self._latest

    def is_busy(self) -> bool:
        """Whether the newest request has not delivered its result yet."""
        return self._busy

    def _on_done(self, request_id: int, ok: bool, value: object) -> None:
        if request_id != self._latest:
            return  # superseded
        self._busy = False
        (self.succeeded if ok else self.failed).emit(value)

    def shutdown(self) -> None:
        """Drop waiting requests, let the running one finish, and wait for the thread."""
        self._thread.stop()
        self._thread.wait()
        self._busy = False

    def is_running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread.isRunning()
