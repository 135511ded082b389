"""CancellableJob and CurrentJob: results, failures and progress reach GUI-thread callbacks;
a superseded or shut-down job's pending signals are dropped."""

from __future__ import annotations

import threading

from seqstudio.gui.py_thread import CancellableJob, CurrentJob


def _recorder(log: list):
    def make(name):
        def callback(*args):
            log.append((name, *args, threading.current_thread() is threading.main_thread()))

        return callback

    return {name: make(name) for name in ("progressed", "succeeded", "failed", "ended")}


def test_progress_and_result_arrive_in_gui_thread(qtbot):
    log: list = []
    current = CurrentJob()
    current.start(
        CancellableJob("t-ok", lambda report, cancel: [report(1), report(2), 7][-1]),
        **_recorder(log),
    )
    qtbot.waitUntil(lambda: bool(log) and log[-1][0] == "ended")
    current.finish()
    assert log == [
        ("progressed", 1, True),
        ("progressed", 2, True),
        ("succeeded", 7, True),
        ("ended", True),
    ]
    assert not current.is_running()


def test_exception_is_delivered_as_failed(qtbot):
    log: list = []
    current = CurrentJob()

    def work(report, cancel):
        raise ValueError("bad input")

    current.start(CancellableJob("t-fail", work), **_recorder(log))
    qtbot.waitUntil(lambda: bool(log) and log[-1][0] == "ended")
    current.finish()
    kind, exc, in_gui = log[0]
    assert (kind, type(exc), str(exc), in_gui) == ("failed", ValueError, "bad input", True)


def test_cancel_reaches_the_work_and_superseded_signals_are_dropped(qtbot):
    log: list = []
    current = CurrentJob()
    gate = threading.Event()

    def slow(report, cancel):
        report("old")
        gate.wait()
        return "cancelled" if cancel() else "not cancelled"

    current.start(CancellableJob("t-old", slow), **_recorder(log))
    current.cancel()
    assert current.is_cancelled()
    gate.set()
    assert current.wait()  # all of the old job's signals are queued, none delivered yet
    current.start(CancellableJob("t-new", lambda report, cancel: "new"), **_recorder(log))
    qtbot.waitUntil(lambda: bool(log) and log[-1][0] == "ended")
    current.finish()
    assert log == [("succeeded", "new", True), ("ended", True)]


def test_shutdown_drops_pending_signals(qtbot):
    log: list = []
    current = CurrentJob()
    current.start(CancellableJob("t-shut", lambda report, cancel: report(1)), **_recorder(log))
    current.shutdown()
    assert not current.is_running()
    probe = CurrentJob()
    probe.start(
        CancellableJob("t-probe", lambda report, cancel: None), ended=lambda: log.append("probe")
    )
    qtbot.waitUntil(lambda: "probe" in log)  # events queued before the probe's have been handled
    probe.finish()
    assert log == ["probe"]
