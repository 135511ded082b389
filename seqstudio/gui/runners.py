"""The two scheduling policies of the GUI's workers, both built on :class:`~seqstudio.gui.workers.Worker`.

* :class:`LatestRunner` — **newest request wins.** One job runs at a time; submitting a new
  one asks the running job to stop (cooperatively) and replaces any job still waiting. Only
  the newest request's values, result or error are re-emitted; those of a superseded job
  are dropped, so the last thing shown is the last thing asked for. Used for the preview,
  comparisons, the export dialog's checks, the size/speed estimate, gallery indexing,
  filtering and thumbnails, the inspector's plots, statistics scans, the export and the
  MNIST download (a runner that refuses a second request while one runs).
* :class:`QueuedRunner` — **queued in order.** Jobs run one at a time in submission order,
  each result handed to its own callbacks. Used for file work (presets, saving previews,
  tags, the MNIST import check).

Both live in the GUI thread, and all their signals and callbacks run there.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from seqstudio.gui.workers import Work, Worker

__all__ = ["LatestRunner", "QueuedRunner"]


class LatestRunner(QObject):
    """Run the newest submitted job; drop what superseded jobs produce.

    Parameters
    ----------
    name : str
        Name of the worker threads (shown by the leak guard).
    parent : QObject, optional
        Qt parent (must live in the GUI thread).
    keep_superseded_results : bool
        Also deliver the result of a superseded job that could not stop, as long as no
        newer result was delivered (a drawing that cannot be interrupted: showing it
        beats showing nothing while requests keep coming). Its values and errors are
        still dropped.

    Signals (GUI thread, newest request only)
    -------
    yielded(object)
        A value the job yielded or reported (typed progress, a partial result).
    returned(object)
        What the job returned (emitted once its thread has ended).
    errored(object)
        The exception the job raised (``str(exc)`` is the message to show).
    finished()
        The newest job ended (after ``returned`` / ``errored``).
    """

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()

    def __init__(
        self, name: str, parent: QObject | None = None, *, keep_superseded_results: bool = False
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._ids = itertools.count(1)
        self._latest = 0
        self._keep_superseded = keep_superseded_results
        self._delivered = 0  # the newest request whose result was delivered
        self._active: tuple[int, Worker] | None = None
        self._pending: tuple[int, Work] | None = None

    def submit(self, work: Work) -> int:
        """Run ``work(job)`` as the newest request; return its request id.

        A running job is asked to stop (its results are dropped) and this one starts when
        it has ended; a job still waiting is replaced without running.
        """
        self._latest = request_id = next(self._ids)
        if self._active is None:
            self._start(request_id, work)
        else:
            self._active[1].quit()
            self._pending = (request_id, work)
        return request_id

    @property
    def latest(self) -> int:
        """The newest request id (0 before the first)."""
        return self._latest

    def _start(self, request_id: int, work: Work) -> None:
        worker = Worker(work, self._name, self)
        outcome: list = []  # (signal, value), delivered once the thread has ended
        worker.yielded.connect(lambda value: self._relay(request_id, self.yielded, value))
        worker.returned.connect(lambda value: outcome.append((self.returned, value)))
        worker.errored.connect(lambda exc: outcome.append((self.errored, exc)))
        worker.finished.connect(lambda: self._on_finished(request_id, worker, outcome))
        self._active = (request_id, worker)
        worker.start()

    def _relay(self, request_id: int, signal: Any, value: object) -> None:
        if request_id == self._latest:
            signal.emit(value)

    def _on_finished(self, request_id: int, worker: Worker, outcome: list) -> None:
        # The outcome is re-emitted only now, so its receivers see the runner idle.
        worker.wait()  # it emitted ``finished`` as its last act: this returns at once
        worker.deleteLater()
        if self._active is not None and self._active[1] is worker:
            self._active = None
            if self._pending is not None:
                pending, self._pending = self._pending, None
                self._start(*pending)
        for signal, value in outcome:
            stale_result = self._keep_superseded and signal is self.returned
            if request_id == self._latest or (stale_result and request_id > self._delivered):
                self._delivered = request_id
                signal.emit(value)
        if request_id == self._latest:
            self.finished.emit()

    def cancel(self) -> None:
        """Ask the running job to stop and drop a waiting one (the newest still reports)."""
        self._pending = None
        if self._active is not None:
            self._active[1].quit()

    def is_cancelled(self) -> bool:
        """Whether the running job was asked to stop."""
        return self._active is not None and self._active[1].abort_requested

    def is_busy(self) -> bool:
        """Whether a job is running or waiting (or its end is not delivered yet)."""
        return self._active is not None or self._pending is not None

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Join the running job's thread; return whether it has ended."""
        return True if self._active is None else self._active[1].wait(timeout_ms)

    def shutdown(self) -> None:
        """Cancel and join the running job; every pending signal is dropped.

        The runner stays usable: a later :meth:`submit` starts afresh.
        """
        self.cancel()
        # nothing submitted so far is delivered any more
        self._latest = self._delivered = next(self._ids)
        if self._active is not None:
            self._active[1].wait()
            self._active = None

    def is_running(self) -> bool:
        """Whether a job's thread is alive."""
        return self._active is not None and self._active[1].is_running()


class QueuedRunner(QObject):
    """Run jobs one at a time, in submission order; each result goes to its callbacks.

    Parameters
    ----------
    name : str
        Name of the worker threads.
    parent : QObject, optional
        Qt parent (must live in the GUI thread).

    Signals
    -------
    taskFinished(int)
        Task ``id`` ended and its callback ran (GUI thread).
    """

    taskFinished = Signal(int)

    def __init__(self, name: str = "seqstudio-tasks", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._ids = itertools.count()
        self._queue: deque[tuple[int, Work, Callable | None, Callable | None]] = deque()
        self._active: Worker | None = None
        self._unfinished: set[int] = set()

    def run(
        self,
        work: Work,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        """Queue ``work(job)``; ``on_done(result)`` or ``on_error(exc)`` follow in the GUI thread.

        Returns the task id.
        """
        task_id = next(self._ids)
        self._unfinished.add(task_id)
        self._queue.append((task_id, work, on_done, on_error))
        if self._active is None:
            self._start_next()
        return task_id

    def pending(self) -> int:
        """How many tasks have not finished yet (queued, running, or not delivered)."""
        return len(self._unfinished)

    def _start_next(self) -> None:
        if not self._queue:
            return
        task_id, work, on_done, on_error = self._queue.popleft()
        worker = Worker(work, self._name, self)
        outcome: list = []  # (callback, value), called once the thread has ended
        worker.returned.connect(lambda value: outcome.append((on_done, value)))
        worker.errored.connect(lambda exc: outcome.append((on_error, exc)))
        worker.finished.connect(lambda: self._on_finished(task_id, worker, outcome))
        self._active = worker
        worker.start()

    def _on_finished(self, task_id: int, worker: Worker, outcome: list) -> None:
        worker.wait()
        worker.deleteLater()
        self._unfinished.discard(task_id)
        if worker is self._active:
            self._active = None
            self._start_next()
        for callback, value in outcome:
            if callback is not None:
                callback(value)
        self.taskFinished.emit(task_id)

    def cancel(self) -> None:
        """Drop the tasks that have not started and ask the running one to stop."""
        while self._queue:
            self._unfinished.discard(self._queue.popleft()[0])
        if self._active is not None:
            self._active.quit()

    def shutdown(self) -> None:
        """Run the queued tasks to their end and join the last thread (window closing)."""
        while self._active is not None or self._queue:
            if self._active is not None:
                self._active.wait()
                self._active = None
            self._start_next()

    def is_running(self) -> bool:
        """Whether a task's thread is alive."""
        return self._active is not None and self._active.is_running()
