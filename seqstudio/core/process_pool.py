"""The one process-pool scheduler that export, exports in units and statistics run on.

Starting workers
    A spawned worker is a fresh interpreter that imports numpy, OpenCV and our worker
    module before doing anything: ~0.25 s of CPU each, paid again by every pool. Where
    the platform has it (Linux, macOS), workers are instead forked from a *fork server*:
    one clean process, started once per session without threads, that has already
    imported those modules, so a new worker is ready in milliseconds and shares their
    memory pages. The server is started the first time a pool needs a worker (from
    whatever thread), never by importing this module; elsewhere (Windows) workers are
    spawned.

Running tasks (:func:`run_tasks`)
    A bounded number of tasks is in flight (submitted and not yet handed to the caller),
    so memory stays flat whatever the task count. Results are handed to ``on_result``
    in this process, in task order or as they complete. Workers ignore Ctrl+C (started
    with it blocked, then ignoring it): the caller's process handles it, and a worker
    task polls :func:`stop_requested` to end early. A worker whose parent dies (``kill
    -9``, the OOM killer) exits at once instead of waiting forever on its queues. A stop (the caller's
    ``should_stop``), a failed task or a result the caller refuses stops submitting and
    tells the workers to stop; the pool is always shut down and its processes joined
    before :func:`run_tasks` returns or raises.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:  # imported when a pool starts: a worker's stop_requested() needs neither
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

#: Modules the fork server imports once, so that no worker imports them again.
PRELOAD = (
    "numpy",
    "seqstudio.core.cv",
    "seqstudio.core.export.worker",
    "seqstudio.core.stats.worker",
)
#: Seconds between two stop checks while waiting for workers.
POLL_INTERVAL = 0.05
#: Seconds until a pool's workers are useful: the first pool of a process waits for the
#: fork server to import numpy and OpenCV (a spawned pool for its workers to); later
#: pools fork from the running server.
COLD_POOL_SECONDS = 0.5
WARM_POOL_SECONDS = 0.05
_server_up = False  # a pool was started in this process (the fork server runs)

T = TypeVar("T")
R = TypeVar("R")


def pool_context() -> BaseContext:
    """The multiprocessing context worker pools use.

    Returns
    -------
    multiprocessing.context.BaseContext
        ``forkserver`` with :data:`PRELOAD` where available, else ``spawn``. Neither
        copies this process's threads or state: workers get their inputs explicitly.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # pragma: no cover - Windows
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context


#: Environment variable that replaces the assumed start-up seconds of a pool (``0``: any
#: work with more than one worker goes to a pool; the test suite sets it so that small
#: exports and scans still exercise the pool).
START_SECONDS_ENV = "SEQSTUDIO_POOL_START_SECONDS"


def pool_worth_starting(work_seconds: float, workers: int) -> bool:
    """Whether ``workers`` processes would finish ``work_seconds`` of one core's work
    sooner than this process alone, counting the pool's start-up.

    Callers time a first part of their work here (CPU seconds, so that a busy machine
    does not make it look bigger) and ask this about the rest: a 1,000-image export or
    scan is done in this process before a fresh fork server has imported OpenCV.
    """
    start = WARM_POOL_SECONDS if _server_up else COLD_POOL_SECONDS
    with contextlib.suppress(KeyError, ValueError):
        start = float(os.environ[START_SECONDS_ENV])
    return workers > 1 and work_seconds * (1 - 1 / workers) > start


@dataclass
class TaskRun(Generic[T]):
    """How a :func:`run_tasks` call ended.

    ``submitted`` tasks were taken from the iterable (run by a worker or here);
    ``delivered`` results were handed to ``on_result`` — in ``ordered`` runs, those of
    the first ``delivered`` tasks. ``stopped``: ``should_stop`` asked to stop; ``error``:
    the first exception of a task or of ``on_result``; ``refused``: ``on_result``
    returned ``False``.
    """

    submitted: int = 0
    delivered: int = 0
    stopped: bool = False
    refused: bool = False
    error: BaseException | None = None

    @property
    def halted(self) -> bool:
        """Whether no more tasks are submitted."""
        return self.stopped or self.refused or self.error is not None


# ------------------------------------------------------------------ worker side
_STOP: Any = None


def stop_requested() -> bool:
    """In a pool worker: whether the parent asked its tasks to stop (else ``False``)."""
    return _STOP is not None and _STOP.is_set()


def wait_for_stop(timeout: float) -> bool:
    """In a pool worker: wait up to ``timeout`` seconds for the parent's stop request.

    Parameters
    ----------
    timeout : float
        The most seconds to wait.

    Returns
    -------
    bool
        Whether the stop was requested (``False`` outside a pool worker, at once).
    """
    return _STOP is not None and bool(_STOP.wait(timeout))


def _init_worker(
    initializer: Callable[..., None] | None, initargs: tuple, stop_event, parent: int
) -> None:
    """Worker start: ignore Ctrl+C (the parent handles it), keep the stop event, watch
    the parent, initialise."""
    global _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # started with it blocked (see _sigint_blocked)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _STOP = stop_event
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_parent(parent: int) -> None:
    """End this worker as soon as process ``parent`` is gone.

    A worker forked from the fork server is not the parent's child and holds both ends
    of its queues, so a killed parent never wakes it: without this it would wait (or
    block writing a result) forever. Linux waits on a pidfd; other POSIX systems poll
    the pid. Not on Windows, where ``os.kill(pid, 0)`` would terminate the parent.
    """
    if os.name != "posix":  # pragma: no cover - Windows: spawned children, no fork server
        return
    try:
        handle = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux >= 5.3, or already gone
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                break
            except PermissionError:  # pragma: no cover - the pid was reused
                break
            time.sleep(0.5)
    os._exit(1)  # nobody records what this worker would finish


# ------------------------------------------------------------------ parent side
def run_tasks(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    on_result: Callable[[T, R], bool | None],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    ordered: bool = True,
    in_flight: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    after_stop: Literal["deliver", "discard"] = "deliver",
    local: Callable[[T], R] | None = None,
    context: BaseContext | None = None,
) -> TaskRun[T]:
    """Run ``fn`` over ``tasks`` in a pool of ``workers`` processes.

    Parameters
    ----------
    fn : callable
        The task function (picklable: a module-level function).
    tasks : iterable
        Task arguments (picklable), taken lazily.
    on_result : callable
        ``on_result(task, result)``, called in this process. Returning ``False`` (a
        result that ends the run, e.g. one cut short) stops the run: nothing more is
        submitted or delivered. An exception it raises is recorded the same way.
    workers : int
        Worker processes.
    initializer, initargs : optional
        Run once in each worker when it starts.
    ordered : bool
        Deliver results in task order (``True``) or as they complete.
    in_flight : int, optional
        Most tasks submitted and not yet delivered (default ``4 * workers``).
    should_stop : callable, optional
        Polled every :data:`POLL_INTERVAL` s; once true nothing more is submitted and the
        workers' :func:`stop_requested` turns true.
    after_stop : {"deliver", "discard"}
        What happens to results that arrive after a stop: delivered (an export records
        the work that was finished) or dropped (a scan reports what it had).
    local : callable, optional
        Until the first worker returns a result (they are starting), tasks beyond two
        per worker (one running, one queued) run here through ``local`` instead of
        waiting; ``in_flight`` should then leave room for them.
    context : multiprocessing context, optional
        Default :func:`pool_context`.

    Returns
    -------
    TaskRun
        How it ended. Errors are returned, not raised; an exception of this process
        (``KeyboardInterrupt``) propagates once the workers have stopped.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    run: TaskRun[T] = TaskRun()
    context = context if context is not None else pool_context()
    stop_event = context.Event()
    limit = in_flight or 4 * workers
    items = iter(tasks)
    exhausted = False
    pending: dict[Future, int] = {}  # running in a worker -> sequence number
    waiting: dict[int, tuple[T, Any]] = {}  # finished, not delivered yet
    started: dict[int, T] = {}
    warming = local is not None
    closed = False  # nothing more is delivered

    def finish(seq: int, compute: Callable[[], R]) -> None:
        nonlocal closed
        try:
            waiting[seq] = (started.pop(seq), compute())
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            run.error = run.error or exc
            closed = True

    global _server_up
    _server_up = _server_up or context.get_start_method() == "forkserver"
    pool = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(initializer, initargs, stop_event, os.getpid()),
    )
    try:
        while True:
            if not run.halted and should_stop is not None and should_stop():
                run.stopped = True
                closed = closed or after_stop == "discard"
            if run.halted:
                stop_event.set()
            # Submitting may start worker processes: they inherit a blocked Ctrl+C, so
            # one pressed while they import is never a traceback in a worker.
            ran_here = False
            with _sigint_blocked():
                while not run.halted and not exhausted and run.submitted - run.delivered < limit:
                    task = next(items, _END)
                    if task is _END:
                        exhausted = True
                        break
                    seq = run.submitted
                    run.submitted += 1
                    started[seq] = task
                    if warming and any(future.done() for future in pending):
                        warming = False  # a worker is up: from now on they do all the work
                    if warming and len(pending) >= 2 * workers:  # each has one queued too
                        assert local is not None
                        finish(seq, functools.partial(local, task))
                        ran_here = True
                        break  # deliver it (and poll the stop check) before going on
                    pending[pool.submit(fn, task)] = seq
            if pending:
                timeout = 0 if ran_here else POLL_INTERVAL
                finished, _ = wait(list(pending), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in finished:
                    warming = False
                    finish(pending.pop(future), future.result)
            if not closed:
                _deliver(run, waiting, on_result, ordered)
                closed = run.halted and (run.refused or run.error is not None)
            if not pending and (closed or not waiting) and (run.halted or exhausted):
                break
    finally:
        stop_event.set()
        pool.shutdown(wait=True, cancel_futures=True)
    return run


def _deliver(
    run: TaskRun, waiting: dict[int, tuple[Any, Any]], on_result: Callable, ordered: bool
) -> None:
    """Hand finished results to ``on_result`` (in order when ``ordered``)."""
    while waiting:
        seq = run.delivered if ordered else next(iter(waiting))
        if seq not in waiting:
            return
        task, result = waiting.pop(seq)
        try:
            keep = on_result(task, result)
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            run.error = run.error or exc
            return
        run.delivered += 1
        if keep is False:
            run.refused = True
            return


_END: Any = object()


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread (children started meanwhile inherit the block)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
