"""How export and statistics start their worker processes.

A spawned worker is a fresh interpreter that imports numpy, OpenCV and our worker module
before doing anything: ~0.25 s of CPU each, paid again by every pool. Where the platform
has it (Linux, macOS), workers are instead forked from a *fork server*: one clean
process, started once per session without threads, that has already imported those
modules, so a new worker is ready in milliseconds and shares their memory pages. The
server is started the first time a pool needs a worker (from whatever thread), never by
importing this module; elsewhere (Windows) workers are spawned as before.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

#: Modules the fork server imports once, so that no worker imports them again.
PRELOAD = (
    "numpy",
    "seqstudio.core.cv",
    "seqstudio.core.export.worker",
    "seqstudio.core.stats.worker",
)


def pool_context() -> BaseContext:
    """The multiprocessing context worker pools use.

    Returns
    -------
    multiprocessing.context.BaseContext
        ``forkserver`` with :data:`PRELOAD` where available, else ``spawn``. Neither
        copies this process's threads or state: workers get their inputs explicitly.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # pragma: no cover - Windows
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context
