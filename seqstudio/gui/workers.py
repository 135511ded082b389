"""The GUI's one worker abstraction: a job on a Python thread, its outcome as GUI-thread signals.

Every background job of the app is a :class:`Worker`. Its work is a function of one
argument, the :class:`Job` (the worker's side of the conversation), either

* a plain function that calls a Qt-free core function with ``progress=job.report`` and
  ``cancel=job.cancelled`` and returns its result, or
* a generator function that ``yield``\\ s values as it goes (progress, partial results)
  and returns its result; :meth:`Job.cancelled` is checked between yields, and a cancelled
  generator is closed (no ``returned``).

The worker's signals follow superqt's ``WorkerBase`` / ``GeneratorWorker``: ``started``,
``yielded(value)``, ``returned(value)``, ``errored(exception)`` and ``finished`` — and they
are always emitted **in the GUI thread** (the thread relays them through queued
connections to the worker, a GUI-thread object), so a lambda or a ``qtbot.waitSignal`` on
them runs in the GUI thread. Progress travels as typed values (``Progress``,
``DatasetStats``, a preview result …) that the receiver tells apart by type; an exception
raised by the work never reaches Qt: it is delivered as ``errored`` (its message is
``str(exception)``). Cancellation is cooperative: :meth:`Worker.quit` sets a flag the work
polls. Two policies sit on top of this one base (:mod:`seqstudio.gui.runners`): "newest
request wins" and "queued in order".

Why not superqt's ``thread_worker`` itself (whose signal names and generator protocol this
copies): superqt runs workers on ``QThreadPool.globalInstance()``, i.e. on threads Python
did not create.

* Engine calls that start process pools (export, statistics, the speed trial) and
  matplotlib call ``threading.current_thread()`` (``threading.Thread.__init__`` does, to
  inherit the daemon flag); on a foreign thread that registers a ``_DummyThread`` that
  never ends — a thread leak that neither shutdown nor the tests' leak guard can join.
  Here every job runs on a ``threading.Thread`` it owns.
* One job must be joinable on its own (close the window: cancel and await *these*
  workers); superqt can only wait for the whole global pool (``await_workers``).
* superqt's ``run()`` replaces ``warnings.showwarning`` process-wide from the worker
  thread inside ``warnings.catch_warnings()``, which is not thread-safe when several
  workers run at once.
* The policies need to drop the signals of a superseded job, which superqt leaves to each
  caller.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

__all__ = ["Job", "Work", "Worker", "running_workers"]

_WORKERS: weakref.WeakSet[Worker] = weakref.WeakSet()


class Job:
    """The worker's side of one job: report values, poll for cancellation.

    Parameters
    ----------
    report : callable
        Delivers a value to the GUI thread (the worker's ``yielded`` signal).
    """

    def __init__(self, report: Callable[[Any], None]) -> None:
        self._report = report
        self._cancel = threading.Event()

    def report(self, value: Any) -> None:
        """Send ``value`` (typed progress, a partial result) to the GUI thread."""
        self._report(value)

    def cancelled(self) -> bool:
        """Whether the job was asked to stop."""
        return self._cancel.is_set()

    def wait_cancelled(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a cancellation; return whether one came."""
        return self._cancel.wait(timeout)

    def cancel(self) -> None:
        """Ask the job to stop (thread-safe; the work decides when)."""
        self._cancel.set()


#: What a worker runs: ``work(job)`` returning a value, or a generator function of ``job``.
Work = Callable[[Job], Any]


class Worker(QObject):
    """Run ``work(job)`` once on a daemon Python thread; relay its outcome to the GUI thread.

    Parameters
    ----------
    work : callable
        ``work(job)``: a function or a generator function (see the module docstring).
    name : str
        The thread's name (shown by the leak guard).
    parent : QObject, optional
        Qt parent; the worker must be created in the GUI thread.

    Signals (all emitted in the GUI thread, in this order)
    -------
    started()
        The work began.
    yielded(object)
        A value the work yielded or reported.
    returned(object)
        What the work returned (not for a cancelled generator).
    errored(object)
        The exception the work raised (instead of ``returned``).
    finished()
        The work ended; the thread is ending (``wait`` returns at once).
    """

    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()

    # Emitted from the worker thread, delivered (queued) to the relays below.
    _started_in_thread = Signal()
    _yielded_in_thread = Signal(object)
    _returned_in_thread = Signal(object)
    _errored_in_thread = Signal(object)
    _finished_in_thread = Signal()

    def __init__(self, work: Work, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self.job = Job(self._yielded_in_thread.emit)
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        queued = Qt.ConnectionType.QueuedConnection
        self._started_in_thread.connect(self.started, queued)
        self._yielded_in_thread.connect(self.yielded, queued)
        self._returned_in_thread.connect(self.returned, queued)
        self._errored_in_thread.connect(self.errored, queued)
        self._finished_in_thread.connect(self.finished, queued)
        _WORKERS.add(self)

    @property
    def name(self) -> str:
        """The thread's name."""
        return self._thread.name

    def start(self) -> None:
        """Start the thread (once)."""
        self._thread.start()

    def quit(self) -> None:
        """Ask the work to stop (cooperative: it polls :meth:`Job.cancelled`)."""
        self.job.cancel()

    @property
    def abort_requested(self) -> bool:
        """Whether :meth:`quit` was called."""
        return self.job.cancelled()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Join the thread (if started); return whether it has ended."""
        if self._thread.ident is not None:
            self._thread.join(None if timeout_ms is None else timeout_ms / 1000)
        return not self._thread.is_alive()

    def is_running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread.is_alive()

    def _main(self) -> None:
        try:
            self._started_in_thread.emit()
            try:
                result = self._work(self.job)
                if inspect.isgenerator(result):
                    result = self._drain(result)
            except Exception as exc:  # delivered as a value, never raised into Qt
                self._errored_in_thread.emit(exc)
            else:
                if result is not _CANCELLED:
                    self._returned_in_thread.emit(result)
        finally:
            self._work = _done  # drop what the work referenced
            self._finished_in_thread.emit()

    def _drain(self, generator) -> Any:
        while True:
            if self.job.cancelled():
                generator.close()
                return _CANCELLED
            try:
                value = next(generator)
            except StopIteration as stop:
                return stop.value
            self._yielded_in_thread.emit(value)


_CANCELLED = object()


def _done(job: Job) -> None:
    """The work of a worker that has run (a worker runs once)."""


def running_workers() -> list[Worker]:
    """The workers whose thread is still alive (for shutdown checks and the tests' leak guard)."""
    return [worker for worker in list(_WORKERS) if worker.is_running()]
