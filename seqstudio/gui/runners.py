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
  tags, the MNIST import check, full-size images for the viewer).

Both live in the GUI thread, and all their signals and callbacks run there. A job's result
or error is handed on only once its thread has ended, so a receiver sees the runner idle
(``is_busy()`` false unless a newer job waits).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from seqstudio.gui.workers import Work, Worker

__all__ = ["LatestRunner", "QueuedRunner"]


@dataclass(eq=False)
class _Run:
    """A runner's bookkeeping of one worker: its id, callbacks and outcome to hand on."""

    request_id: int
    callbacks: tuple[Callable | None, Callable | None] = (None, None)
    outcome: list[tuple[bool, object]] = field(default_factory=list)  # (ok, value)


class _Runner(QObject):
    """What both policies share: start workers, collect their outcome, retire them."""

    def __init__(self, name: str, parent: QObject | None) -> None:
        super().__init__(parent)
        self._name = name
        self._runs: dict[QObject, _Run] = {}

    def _launch(self, work: Work, run: _Run) -> Worker:
        # Bound-method connections only: a worker never holds a reference to its runner.
        worker = Worker(work, self._name)
        self._runs[worker] = run
        worker.yielded.connect(self._on_yielded)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        worker.start()
        return worker

    def _on_yielded(self, value: object) -> None:
        """A value of the sending worker's run (override to hand it on)."""

    def _on_returned(self, value: object) -> None:
        if (run := self._runs.get(self.sender())) is not None:
            run.outcome.append((True, value))

    def _on_errored(self, exc: object) -> None:
        if (run := self._runs.get(self.sender())) is not None:
            run.outcome.append((False, exc))

    def _on_finished(self) -> None:
        worker = self.sender()
        run = self._runs.pop(worker, None)
        if not isinstance(worker, Worker) or run is None:
            return
        # Join it (it is ending), then let Qt delete it later — never during its own signal.
        worker.wait()
        worker.setParent(self)
        worker.deleteLater()
        self._ended(worker, run)

    def _ended(self, worker: Worker, run: _Run) -> None:
        """The worker of ``run`` has ended (override)."""
        raise NotImplementedError


class LatestRunner(_Runner):
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
        A value the job yielded or reported (typed progress, a partial result); none
        arrive once the job was asked to stop (:meth:`cancel`), so a "cancelling…"
        message is not overwritten by progress.
    returned(object)
        What the job returned (once its thread has ended).
    errored(object)
        The exception the job raised (``str(exc)`` is the message to show).
    finished()
        The newest request ended (after ``returned`` / ``errored``), or — when
        :meth:`cancel` dropped it before it started — the job it waited for ended.
    """

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()

    def __init__(
        self, name: str, parent: QObject | None = None, *, keep_superseded_results: bool = False
    ) -> None:
        super().__init__(name, parent)
        self._ids = itertools.count(1)
        self._latest = 0
        self._keep_superseded = keep_superseded_results
        self._delivered = 0  # the newest request whose result was handed on
        self._active: Worker | None = None
        self._pending: tuple[int, Work] | None = None
        self._dropped = 0  # a waiting request that cancel() dropped

    def submit(self, work: Work) -> int:
        """Run ``work(job)`` as the newest request; return its request id.

        A running job is asked to stop (its results are dropped) and this one starts when
        it has ended; a job still waiting is replaced without running.
        """
        self._latest = request_id = next(self._ids)
        if self._active is None:
            self._active = self._launch(work, _Run(request_id))
        else:
            self._active.quit()
            self._pending = (request_id, work)
        return request_id

    @property
    def latest(self) -> int:
        """The newest request id (0 before the first)."""
        return self._latest

    def _on_yielded(self, value: object) -> None:
        worker = self.sender()
        run = self._runs.get(worker)
        if run is not None and run.request_id == self._latest and not worker.abort_requested:
            self.yielded.emit(value)

    def _ended(self, worker: Worker, run: _Run) -> None:
        if worker is self._active:
            self._active = None
            if self._pending is not None:
                (request_id, work), self._pending = self._pending, None
                self._active = self._launch(work, _Run(request_id))
        newest = run.request_id == self._latest
        for ok, value in run.outcome:
            kept = ok and self._keep_superseded and run.request_id > self._delivered
            if newest or kept:
                self._delivered = run.request_id
                (self.returned if ok else self.errored).emit(value)
        if newest or (self._active is None and self._latest == self._dropped):
            self.finished.emit()

    def cancel(self) -> None:
        """Ask the running job to stop and drop a waiting one.

        The running job's values are dropped from now on; if it is the newest request
        its result or error is still handed on (an export reports what it wrote).
        ``finished`` follows once it has ended, also when the newest request was the
        waiting one (it never runs).
        """
        if self._pending is not None:
            self._dropped = self._pending[0]
            self._pending = None
        if self._active is not None:
            self._active.quit()

    def is_cancelled(self) -> bool:
        """Whether the running job was asked to stop."""
        return self._active is not None and self._active.abort_requested

    def is_busy(self) -> bool:
        """Whether a job is running or waiting (or its end is not handed on yet)."""
        return self._active is not None or self._pending is not None

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Join the running job's thread; return whether it has ended."""
        return True if self._active is None else self._active.wait(timeout_ms)

    def shutdown(self) -> None:
        """Cancel and join the running job; every pending signal is dropped.

        The runner stays usable: a later :meth:`submit` starts afresh.
        """
        self.cancel()
        self._latest = self._delivered = next(self._ids)  # nothing earlier is handed on
        if self._active is not None:
            self._active.wait()
            self._active = None

    def is_running(self) -> bool:
        """Whether a job's thread is alive."""
        return self._active is not None and self._active.is_running()


class QueuedRunner(_Runner):
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
        super().__init__(name, parent)
        self._ids = itertools.count()
        self._queue: deque[tuple[Work, _Run]] = deque()
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
        self._queue.append((work, _Run(task_id, callbacks=(on_done, on_error))))
        if self._active is None:
            self._start_next()
        return task_id

    def pending(self) -> int:
        """How many tasks have not finished yet (queued, running, or not handed on)."""
        return len(self._unfinished)

    def _start_next(self) -> None:
        if self._queue:
            self._active = self._launch(*self._queue.popleft())

    def _ended(self, worker: Worker, run: _Run) -> None:
        self._unfinished.discard(run.request_id)
        if worker is self._active:
            self._active = None
            self._start_next()
        on_done, on_error = run.callbacks
        for ok, value in run.outcome:
            callback = on_done if ok else on_error
            if callback is not None:
                callback(value)
        self.taskFinished.emit(run.request_id)

    def cancel(self) -> None:
        """Drop the tasks that have not started and ask the running one to stop."""
        while self._queue:
            self._unfinished.discard(self._queue.popleft()[1].request_id)
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
