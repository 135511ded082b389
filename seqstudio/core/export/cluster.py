"""Run an export's units on Dask distributed: an existing cluster or a ``LocalCluster``.

The client submits one task per unit (:mod:`seqstudio.core.export.units`); each worker
generates, encodes and writes its units straight to the destination (a shared folder or
an fsspec URL every worker can reach) and returns only an image count. The client then
assembles the manifests in index order (:mod:`seqstudio.core.export.merge`).

Dask re-runs the tasks of a worker that dies (up to ``RETRIES`` times per unit); a unit
run twice writes the same bytes. If the client itself dies, running the export again
with ``resume`` skips every unit whose part manifests exist.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.unit_runner import UnitConfig, runner_for
from seqstudio.core.export.units import Unit

#: Re-runs of a unit whose worker died, beyond Dask's own ``allowed-failures``.
RETRIES = 2
CONNECT_TIMEOUT = "20s"
POLL_SECONDS = 0.1


def run_dask_unit(config: UnitConfig, unit: Unit) -> int:
    """Dask task: run one unit on this worker (its generators are built once per worker)."""
    return runner_for(config).run(unit)


class DaskExecutor:
    """Runs units as Dask tasks.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://HOST:PORT``); ``None`` starts a
        ``LocalCluster`` of ``workers`` single-threaded worker processes for the run.
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``).
    """

    def __init__(self, scheduler: str | None = None, workers: int = 1) -> None:
        self.scheduler = scheduler
        self.workers = workers

    def check(self) -> None:
        """Connect to ``scheduler`` once (nothing else): fail early, before anything is written.

        Raises
        ------
        ExportError
            The scheduler cannot be reached, or Dask is not installed.
        """
        if self.scheduler:
            with self.client():
                pass

    @contextlib.contextmanager
    def client(self) -> Iterator:
        """A connected ``distributed.Client`` (and its local cluster, closed afterwards)."""
        try:
            from distributed import Client, LocalCluster
        except ModuleNotFoundError:
            raise ExportError(
                "--cluster dask needs Dask distributed: pip install 'seqstudio[cluster]'"
            ) from None
        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - refused, timed out, or not a Dask scheduler
                reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
                raise ExportError(
                    f"cannot reach the Dask scheduler {self.scheduler}: {reason}"
                ) from None
            with client:
                yield client
            return
        with (
            LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client

    def run(
        self,
        config: UnitConfig,
        units: list[Unit],
        on_done: Callable[[Unit, int], None],
        should_stop: Callable[[], bool],
    ) -> None:
        """Submit every unit, report each as it ends; cancel the rest if asked to stop."""
        if not units:
            return
        from distributed import wait

        with self.client() as client:
            shared = client.scatter(config, broadcast=True)
            futures = {
                client.submit(
                    run_dask_unit,
                    shared,
                    unit,
                    key=f"seqstudio-unit-{config.token}-{unit.seq}",
                    retries=RETRIES,
                    pure=False,
                ): unit
                for unit in units
            }
            pending = set(futures)
            try:
                while pending:
                    if should_stop():
                        client.cancel(list(pending))
                        return
                    with contextlib.suppress(TimeoutError):
                        wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                    for future in [f for f in pending if f.done()]:
                        pending.discard(future)
                        on_done(futures[future], _result(future))
            except BaseException:
                client.cancel(list(pending))
                raise


def _result(future) -> int:
    try:
        return future.result()
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        raise ExportError(
            f"a Dask worker cannot write{where}: {exc.strerror or exc} (finish with resume)"
        ) from None
    except Exception as exc:  # KilledWorker and friends: name them, keep the resume hint
        if type(exc).__name__ == "KilledWorker":
            raise ExportError(
                f"Dask workers died running a unit ({exc}); finish with resume"
            ) from None
        raise
