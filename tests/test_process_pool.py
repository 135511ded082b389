"""The one process-pool scheduler (core/process_pool.run_tasks) that export and stats use."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time

import pytest

from seqstudio.core.process_pool import run_tasks, stop_requested, wait_for_stop


def square(x: int) -> int:
    if x < 0:
        raise ValueError(f"negative {x}")
    if x % 3 == 0:  # some tasks take longer (real work), so they finish after later ones
        hashlib.sha256(bytes(4_000_000)).digest()
    return x * x


def pid_of(_: int) -> int:
    return os.getpid()


def until_stopped(_: int) -> bool:
    return wait_for_stop(30) and stop_requested()


def remember(tag: str) -> None:
    os.environ["POOL_TEST_TAG"] = tag


def tag(_: int) -> str:
    return os.environ.get("POOL_TEST_TAG", "")


def test_ordered_results_in_task_order_and_in_flight_bounded():
    got, most = [], []
    submitted = []

    def tasks():
        for x in range(40):
            submitted.append(x)
            most.append(len(submitted) - len(got))
            yield x

    run = run_tasks(square, tasks(), lambda t, r: got.append((t, r)), workers=2, in_flight=3)
    assert got == [(x, x * x) for x in range(40)]
    assert (run.submitted, run.delivered, run.error, run.stopped) == (40, 40, None, False)
    assert max(most) <= 3  # never more than in_flight taken and not yet delivered
    assert multiprocessing.active_children() == []


def test_as_completed_delivers_everything_once():
    got = []
    run = run_tasks(square, range(30), lambda t, r: got.append(r), workers=2, ordered=False)
    assert sorted(got) == [x * x for x in range(30)] and run.delivered == 30


def test_a_failing_task_stops_the_run_and_is_returned_not_raised():
    got = []
    tasks = [*range(5), -1, *range(6, 100)]
    run = run_tasks(square, tasks, lambda t, r: got.append(t), workers=2, in_flight=4)
    assert isinstance(run.error, ValueError) and "negative -1" in str(run.error)
    assert got == list(range(run.delivered)) and run.delivered <= 5  # an ordered prefix
    assert run.submitted < len(tasks)  # stopped submitting
    assert multiprocessing.active_children() == []


def test_an_error_or_refusal_of_on_result_ends_the_run():
    def refuse_at_7(task, result):
        return task != 7

    run = run_tasks(square, range(50), refuse_at_7, workers=2, in_flight=4)
    assert run.refused and run.delivered == 8 and run.error is None

    def fail_at_3(task, result):
        if task == 3:
            raise OSError(28, "No space left on device")

    run = run_tasks(square, range(50), fail_at_3, workers=2, in_flight=4)
    assert isinstance(run.error, OSError) and run.delivered == 3


def test_initializer_runs_in_each_worker_and_workers_are_other_processes():
    tags, pids = [], []
    run_tasks(tag, range(6), lambda t, r: tags.append(r), workers=2, initializer=remember,
              initargs=("ready",))  # fmt: skip
    run_tasks(pid_of, range(6), lambda t, r: pids.append(r), workers=2)
    assert tags == ["ready"] * 6
    assert os.getpid() not in pids


@pytest.mark.parametrize("after_stop", ["deliver", "discard"])
def test_a_stop_reaches_running_tasks_and_results_are_delivered_or_discarded(after_stop):
    got = []
    started = time.monotonic()
    run = run_tasks(
        until_stopped,
        range(20),
        lambda t, r: got.append(r),
        workers=2,
        in_flight=2,
        should_stop=lambda: time.monotonic() - started > 0.3,
        after_stop=after_stop,
    )
    assert run.stopped and run.submitted == 2  # nothing submitted after the stop
    assert got == ([True, True] if after_stop == "deliver" else [])
    assert time.monotonic() - started < 20  # the tasks saw the stop, not their deadline


def test_local_runs_tasks_here_while_workers_start():
    pids = []
    run_tasks(pid_of, range(40), lambda t, r: pids.append(r), workers=2, local=pid_of)
    assert len(pids) == 40
    assert os.getpid() in pids  # the parent decoded while the pool started


def test_an_interrupt_in_the_parent_stops_and_joins_the_workers():
    def interrupt(task, result):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks(square, range(100), interrupt, workers=2)
    assert multiprocessing.active_children() == []


def test_small_work_stays_in_this_process_unless_a_pool_saves_its_start_up(monkeypatch):
    from seqstudio.core import process_pool

    monkeypatch.delenv(process_pool.START_SECONDS_ENV, raising=False)
    monkeypatch.setattr(process_pool, "_server_up", False)
    assert not process_pool.pool_worth_starting(0.5, 2)  # saves 0.25 s < a cold start
    assert process_pool.pool_worth_starting(2.0, 2)
    assert not process_pool.pool_worth_starting(100.0, 1)
    monkeypatch.setattr(process_pool, "_server_up", True)  # later pools fork in ms
    assert process_pool.pool_worth_starting(0.5, 2)
    monkeypatch.setenv(process_pool.START_SECONDS_ENV, "0")
    assert process_pool.pool_worth_starting(0.001, 2)


def test_a_small_export_with_two_workers_runs_in_this_process(tmp_path, monkeypatch):
    from seqstudio.core import process_pool
    from seqstudio.core.export import ExportOptions, export_dataset
    from seqstudio.core.spec import GenerationSpec

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for 200 images")

    monkeypatch.delenv(process_pool.START_SECONDS_ENV, raising=False)
    monkeypatch.setattr(process_pool, "_server_up", False)
    monkeypatch.setattr(process_pool, "run_tasks", no_pool)
    spec = GenerationSpec(digits="14543", width=200, seed=1)
    result = export_dataset(spec, 200, tmp_path / "two", ExportOptions(workers=2))
    export_dataset(spec, 200, tmp_path / "one", ExportOptions(workers=1))
    assert result.complete
    one = sorted(
        (p.relative_to(tmp_path / "one"), p.read_bytes()) for p in (tmp_path / "one").rglob("*.png")
    )
    two = sorted(
        (p.relative_to(tmp_path / "two"), p.read_bytes()) for p in (tmp_path / "two").rglob("*.png")
    )
    assert one == two and len(one) == 200


def test_a_trial_export_can_insist_on_the_pool(tmp_path, monkeypatch):
    """The app's speed trial times a larger export, which will use the pool."""
    from seqstudio.core import process_pool
    from seqstudio.core.export import ExportOptions, prepare_export, run_export
    from seqstudio.core.spec import GenerationSpec

    started = []
    real = process_pool.run_tasks

    def spy(*args, **kwargs):
        started.append(kwargs["workers"])
        return real(*args, **kwargs)

    monkeypatch.delenv(process_pool.START_SECONDS_ENV, raising=False)
    monkeypatch.setattr(process_pool, "_server_up", False)
    monkeypatch.setattr(process_pool, "run_tasks", spy)
    spec = GenerationSpec(digits="14543", width=200, seed=1)
    job = prepare_export(spec, 200, tmp_path / "trial", ExportOptions(workers=2))
    job.pool = "always"
    assert run_export(job).complete and started == [2]


def write_pid_and_wait(fifo: str) -> bool:
    """A task that outlives its parent unless the worker notices the parent is gone."""
    with open(fifo, "w") as handle:  # the test reads the pids as they come (no polling)
        handle.write(f"{os.getpid()}\n")
    return wait_for_stop(120)  # a killed parent never asks: far longer than the test waits


def _read_pids(fifo: str, count: int, timeout: float) -> list[int]:
    """Read ``count`` pid lines from ``fifo``, waiting at most ``timeout`` seconds."""
    import select

    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(fifo, os.O_WRONLY)  # so a writer closing does not end the stream
    data = b""
    try:
        deadline = time.monotonic() + timeout
        while data.count(b"\n") < count:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            data += os.read(fd, 4096)
    finally:
        os.close(keep_open)
        os.close(fd)
    return [int(line) for line in data.split()]


def _exited_within(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` (not our child) ends within ``timeout`` seconds (pidfd)."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0]) or not _alive(pid)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return "\nState:\tZ" not in handle.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on pidfds (Linux)")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    # `kill -9` of the CLI (or the OOM killer) must not leave workers running forever:
    # they were blocked on their queues, whose other ends they hold themselves.
    import signal
    import subprocess
    import sys

    fifo = str(tmp_path / "pids")
    os.mkfifo(fifo)
    script = (
        "import sys\n"
        "from seqstudio.core.process_pool import run_tasks\n"
        "from tests.test_process_pool import write_pid_and_wait\n"
        f"run_tasks(write_pid_and_wait, [{fifo!r}] * 2, lambda t, r: None, workers=2)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=root)
    pids: list[int] = []
    try:
        pids = _read_pids(fifo, 2, timeout=60)
        assert len(pids) == 2, "the workers never started"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert all(_exited_within(pid, 10) for pid in pids), "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
