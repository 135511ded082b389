"""Exports on a real Dask LocalCluster (2 worker processes) equal a single-machine export."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from unit_helpers import tree

from seqstudio.cli import main
from seqstudio.core.export import ExportError, ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec

distributed = pytest.importorskip("distributed")

SPEC = GenerationSpec(digits="14543", width=200, seed=11)
COUNT = 1500
ARGS = [
    "--count", str(COUNT), "--digits", "14543", "--width", "200", "--seed", "11",
    "--split", "train=0.8,val=0.1,test=0.1", "--annotations", "coco,yolo", "--masks",
]  # fmt: skip
OPTIONS = ExportOptions(
    splits=parse_splits("train=0.8,val=0.1,test=0.1"),
    annotations=("coco", "yolo"),
    masks=True,
    workers=1,
)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("single") / "data"
    export_dataset(SPEC, COUNT, folder, OPTIONS)
    return folder


def _worker_pids(cluster) -> list[int]:
    with distributed.Client(cluster.scheduler_address) as client:
        return sorted(client.run(os.getpid).values())


def test_two_worker_processes_write_the_same_bytes(cluster, single, tmp_path):
    folder = tmp_path / "data"
    pids = _worker_pids(cluster)
    assert len(pids) == 2 and os.getpid() not in pids
    assert main(["export", "-o", str(folder), *ARGS, "--cluster", "dask",
                 "--scheduler", cluster.scheduler_address, "-q"]) == 0  # fmt: skip
    assert tree(folder) == tree(single)


def test_default_local_cluster_writes_parquet_like_a_single_run(tmp_path):
    from unittest import mock

    options = ExportOptions(format="parquet", images_per_file=100, workers=1)
    export_dataset(SPEC, 450, tmp_path / "one", options)
    started = []
    real = distributed.LocalCluster

    def spy(*args, **kwargs):
        started.append(kwargs)
        return real(*args, **kwargs)

    with mock.patch.object(distributed, "LocalCluster", spy):
        code = main(["export", "-o", str(tmp_path / "dask"), "--count", "450", "--digits", "14543", "--seed", "11",
                     "--width", "200", "--format", "parquet", "--images-per-file", "100",
                     "--cluster", "dask", "--workers", "2", "-q"])  # fmt: skip
    assert code == 0
    assert started and started[0]["n_workers"] == 2 and started[0]["processes"]
    assert tree(tmp_path / "dask") == tree(tmp_path / "one")


def test_a_killed_worker_and_resume_complete_it_byte_identically(cluster, single, tmp_path):
    from seqstudio.core.export.cluster import DaskExecutor
    from seqstudio.core.export.unit_export import export_in_units

    folder = tmp_path / "data"
    victim = _worker_pids(cluster)[0]
    killed = []

    def kill_once(progress) -> None:
        if progress.done and not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(progress.done)

    executor = DaskExecutor(cluster.scheduler_address)
    try:
        result = export_in_units(
            SPEC, COUNT, folder, OPTIONS, executor=executor, progress=kill_once
        )
        finished = result.merged
    except ExportError as exc:  # Dask gave up on a unit: the export is resumable
        assert "resume" in str(exc)
        finished = False
    assert killed and killed[0] < COUNT
    if not finished:
        resume = ExportOptions(**{**OPTIONS.__dict__, "resume": True})
        assert export_in_units(SPEC, COUNT, folder, resume, executor=executor).merged
    assert tree(folder) == tree(single)
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def test_a_killed_client_is_finished_by_resume(cluster, single, tmp_path):
    folder = tmp_path / "data"
    parts = folder / ".seqstudio-parts"
    command = [sys.executable, "-m", "seqstudio", "export", "-o", str(folder), *ARGS,
               "--cluster", "dask", "--scheduler", cluster.scheduler_address, "-q"]  # fmt: skip
    client = subprocess.Popen(command, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(parts.rglob("*.jsonl")) and client.poll() is None:
        assert time.monotonic() < deadline
        with contextlib.suppress(subprocess.TimeoutExpired):
            client.wait(timeout=0.05)  # or until it ends
    client.send_signal(signal.SIGKILL)
    client.wait()
    if client.returncode == 0:
        pytest.skip("the export finished before the client could be killed")
    assert not (folder / "train" / "metadata.jsonl").exists()
    resume = ["export", "-o", str(folder), "--resume", "--cluster", "dask",
              "--scheduler", cluster.scheduler_address, "-q"]  # fmt: skip
    assert main(resume) == 0
    assert tree(folder) == tree(single)


def test_unreachable_scheduler_is_one_clear_line(tmp_path, capsys):
    code = main(["export", "-o", str(tmp_path / "d"), "--count", "10", "--cluster", "dask",
                 "--scheduler", "tcp://127.0.0.1:9", "-q"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler tcp://127.0.0.1:9" in err
    assert not (tmp_path / "d").exists()  # refused before anything was written
