"""The one worker base and its two policies (gui/workers.py, gui/runners.py).

Every signal must arrive in the GUI thread; newest-wins drops what superseded jobs produce
and delivers the last request; queued delivers every result in order, one job at a time;
progress travels as typed values; cancellation stops a long job; errors arrive as a signal
carrying the message; shutdown drops pending signals and leaves no thread. Threads are
coordinated with events and the tests wait with waitSignal / waitUntil only.
"""

from __future__ import annotations

import threading

import pytest

from seqstudio.core.progress import Progress
from seqstudio.gui.runners import LatestRunner, QueuedRunner
from seqstudio.gui.workers import Worker, running_workers


def _in_gui() -> bool:
    return threading.current_thread() is threading.main_thread()


def _record(source, log: list, names=("yielded", "returned", "errored", "finished")) -> None:
    for name in names:
        getattr(source, name).connect(lambda *args, n=name: log.append((n, *args, _in_gui())))


def test_worker_relays_reports_and_result_in_the_gui_thread(qtbot):
    log: list = []
    worker = Worker(lambda job: [job.report(1), job.report(2), 7][-1], "t-function")
    _record(worker, log)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert worker.wait(1000)
    assert log == [
        ("yielded", 1, True),
        ("yielded", 2, True),
        ("returned", 7, True),
        ("finished", True),
    ]


def test_worker_runs_a_generator_its_yields_are_the_progress(qtbot):
    def count(job):
        for done in range(3):
            yield Progress(done, 3, 0.1 * done)
        return "counted"

    log: list = []
    worker = Worker(count, "t-generator")
    _record(worker, log)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    worker.wait()
    progress = [entry[1] for entry in log if entry[0] == "yielded"]
    assert all(type(value) is Progress for value in progress)
    assert [(p.done, p.total) for p in progress] == [(0, 3), (1, 3), (2, 3)]
    assert log[-2:] == [("returned", "counted", True), ("finished", True)]


@pytest.mark.parametrize("runner_kind", ["worker", "latest", "queued"])
def test_an_exception_arrives_as_a_signal_with_its_message(qtbot, runner_kind):
    def work(job):
        raise ValueError("bad input: spacing must be 0 … 64")

    errors: list = []
    if runner_kind == "worker":
        source = Worker(work, "t-error")
        source.errored.connect(lambda exc: errors.append((exc, _in_gui())))
        with qtbot.waitSignal(source.finished, timeout=5000):
            source.start()
        source.wait()
    elif runner_kind == "latest":
        source = LatestRunner("t-error")
        source.errored.connect(lambda exc: errors.append((exc, _in_gui())))
        with qtbot.waitSignal(source.finished, timeout=5000):
            source.submit(work)
    else:
        source = QueuedRunner("t-error")
        with qtbot.waitSignal(source.taskFinished, timeout=5000):
            source.run(work, on_error=lambda exc: errors.append((exc, _in_gui())))
    [(exc, in_gui)] = errors
    assert (type(exc), str(exc), in_gui) == (ValueError, "bad input: spacing must be 0 … 64", True)


def test_newest_wins_drops_stale_results_and_delivers_the_last_request(qtbot):
    runner = LatestRunner("t-latest")
    gate = threading.Event()
    started: list = []
    cancelled_seen: list = []
    yielded: list = []
    returned: list = []
    runner.yielded.connect(yielded.append)
    runner.returned.connect(returned.append)

    def request(name: str):
        def work(job):
            started.append(name)
            gate.wait(10)
            cancelled_seen.append((name, job.cancelled()))
            job.report(f"{name} progress")
            return f"{name} result"

        return work

    runner.submit(request("A"))
    qtbot.waitUntil(lambda: started == ["A"])  # A runs (and waits at the gate)
    runner.submit(request("B"))  # waits: replaced by C before it ever starts
    last = runner.submit(request("C"))
    assert runner.is_busy() and runner.latest == last
    with qtbot.waitSignal(runner.finished, timeout=10000):
        gate.set()
    assert started == ["A", "C"]
    assert cancelled_seen == [("A", True), ("C", False)]  # A was asked to stop
    assert yielded == ["C progress"]
    assert returned == ["C result"]
    assert not runner.is_busy() and not runner.is_running()


def test_newest_wins_can_keep_an_uninterruptible_superseded_result(qtbot):
    runner = LatestRunner("t-keep", keep_superseded_results=True)
    gate = threading.Event()
    returned: list = []
    runner.returned.connect(returned.append)
    runner.submit(lambda job: [gate.wait(10), "old drawing"][-1])
    runner.submit(lambda job: "new drawing")
    with qtbot.waitSignal(runner.finished, timeout=10000):
        gate.set()
    assert returned == ["old drawing", "new drawing"]


def test_queued_delivers_every_result_in_order_one_at_a_time(qtbot):
    runner = QueuedRunner("t-queued")
    lock = threading.Lock()
    running = [0]
    most = [0]
    results: list = []
    finished: list = []
    runner.taskFinished.connect(finished.append)
    gate = threading.Event()

    def task(number: int):
        def work(job):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            gate.wait(10)
            with lock:
                running[0] -= 1
            return number

        return work

    ids = [runner.run(task(n), lambda value: results.append((value, _in_gui()))) for n in range(6)]
    assert runner.pending() == 6
    gate.set()
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=10000)
    assert results == [(n, True) for n in range(6)]
    assert finished == ids
    assert most[0] == 1
    assert not runner.is_running()


def test_cancellation_stops_a_long_generator_job(qtbot):
    runner = LatestRunner("t-cancel")
    values: list = []
    returned: list = []
    runner.yielded.connect(values.append)
    runner.returned.connect(returned.append)

    def long_job(job):
        for done in range(1000):
            yield Progress(done, 1000, 0.0)
            job.wait_cancelled(30)  # a long step: 1000 of them would take hours

    with qtbot.waitSignal(runner.yielded, timeout=5000):
        runner.submit(long_job)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.cancel()
    assert runner.wait(1000)
    assert 1 <= len(values) <= 2 and all(isinstance(v, Progress) for v in values)
    assert returned == []  # a cancelled generator is closed without a result


def test_cancellation_reaches_a_callback_style_job_which_still_reports(qtbot):
    runner = LatestRunner("t-cancel-fn")
    returned: list = []
    runner.returned.connect(returned.append)
    entered = threading.Event()

    def engine_like(job):
        entered.set()
        while not job.wait_cancelled(30):
            pass
        return "stopped, consistent"

    runner.submit(engine_like)
    qtbot.waitUntil(entered.is_set)
    assert not runner.is_cancelled()
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.cancel()
    assert returned == ["stopped, consistent"]  # the newest request still reports


def test_shutdown_joins_and_drops_pending_signals(qtbot):
    runner = LatestRunner("t-shutdown")
    log: list = []
    _record(runner, log)
    runner.submit(lambda job: [job.report(1), "done"][-1])
    runner.shutdown()
    assert not runner.is_running() and not running_workers()
    probe = QueuedRunner("t-probe")
    with qtbot.waitSignal(probe.taskFinished, timeout=5000):
        probe.run(lambda job: None)  # events queued before the probe's have been handled
    assert log == []
    # the runner stays usable after a shutdown
    with qtbot.waitSignal(runner.returned, timeout=5000) as blocker:
        runner.submit(lambda job: "again")
    assert blocker.args == ["again"]
    qtbot.waitUntil(lambda: not runner.is_busy())


def test_queued_shutdown_runs_the_queue_to_its_end(qtbot):
    runner = QueuedRunner("t-drain")
    ran: list = []
    for n in range(3):
        runner.run(lambda job, n=n: ran.append(n))
    runner.shutdown()
    assert ran == [0, 1, 2] and not runner.is_running()
    qtbot.waitUntil(lambda: runner.pending() == 0)


def test_a_cancelled_jobs_later_progress_is_dropped_but_its_result_arrives(qtbot):
    runner = LatestRunner("t-cancel-progress")
    yielded: list = []
    returned: list = []
    runner.yielded.connect(yielded.append)
    runner.returned.connect(returned.append)
    entered = threading.Event()

    def engine_like(job):
        entered.set()
        job.wait_cancelled(30)
        job.report(Progress(512, 200_000, 1.0))  # an engine's last report as it stops
        return "cancelled at 512"

    runner.submit(engine_like)
    qtbot.waitUntil(entered.is_set)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.cancel()
    assert yielded == []  # "cancelling…" is not overwritten by progress
    assert returned == ["cancelled at 512"]


def test_cancel_while_a_request_waits_still_ends_with_finished(qtbot):
    runner = LatestRunner("t-cancel-waiting")
    gate = threading.Event()
    started: list = []
    log: list = []
    _record(runner, log)

    def request(name: str):
        def work(job):
            started.append(name)
            gate.wait(10)  # A cannot stop at once (a chunk of files being decoded)
            return name

        return work

    runner.submit(request("A"))
    qtbot.waitUntil(lambda: started == ["A"])
    runner.submit(request("B"))  # waits for A to end
    runner.cancel()  # the user cancels before B started
    with qtbot.waitSignal(runner.finished, timeout=5000):
        gate.set()
    assert started == ["A"]  # B never runs
    assert log == [("finished", True)]  # A's result is not B's; the runner is idle
    assert not runner.is_busy()
