"""A small background runner for file work (presets, saving previews), off the GUI thread.

``runner.run(function, on_done, on_error)`` queues ``function()`` on one worker thread;
its result (or exception) comes back to ``on_done``/``on_error`` in the GUI thread.
"""

from __future__ import annotations

import itertools
import queue
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from seqstudio.gui.threads import register

_STOP = object()


class _TaskThread(QThread):
    done = Signal(int, bool, object)

    def __init__(self) -> None:
        super().__init__()
        register(self)
        self.setObjectName("seqstudio-tasks")
        self.queue: queue.Queue = queue.Queue()

    def run(self) -> None:  # noqa: D102 - QThread API
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            task_id, function = item
            try:
                value = function()
            except Exception as exc:  # delivered to on_error in the GUI thread
                self.done.emit(task_id, False, exc)
            else:
                self.done.emit(task_id, True, value)


class TaskRunner(QObject):
    """Runs functions on a worker thread, one at a time, in submission order.

    Signals
    -------
    taskFinished(int)
        Task ``id`` finished and its callback ran (GUI thread).
    """

    taskFinished = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count()
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._thread = _TaskThread()
        self._thread.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    def run(
        self,
        function: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        """Queue ``function``; return its task id."""
        task_id = next(self._ids)
        self._callbacks[task_id] = (on_done, on_error)
        self._thread.queue.put((task_id, function))
        return task_id

    def pending(self) -> int:
        """How many tasks have not finished yet."""
        return len(self._callbacks)

    def _on_done(self, task_id: int, ok: bool, value: object) -> None:
        on_done, on_error = self._callbacks.pop(task_id, (None, None))
        if ok and on_done is not None:
            on_done(value)
        elif not ok and on_error is not None:
            on_error(value)
        self.taskFinished.emit(task_id)

    def shutdown(self) -> None:
        """Finish the queued tasks, stop the thread and wait for it."""
        if self._thread.isRunning():
            self._thread.queue.put(_STOP)
            self._thread.wait()

    def is_running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread.isRunning()
