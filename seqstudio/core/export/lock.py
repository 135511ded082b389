"""An OS lock on an export folder, held for the whole time anything writes to it.

:func:`export_lock` takes an exclusive ``fcntl.flock`` on ``DIR/.seqstudio.lock`` and
records the holder's pid in it. A second writer (another CLI run, the app, a shard of a
distributed runner) gets an :class:`ExportLockedError` naming that pid at once instead
of corrupting the folder. The kernel drops the lock when its holder dies, so a lock
file left by a killed process is simply taken over (its pid is rewritten). The lock is
re-entrant within one process: the engine takes it again under a runner that already
holds it. The file is removed when the outermost holder releases it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from seqstudio.core.export.errors import ExportError

LOCK_NAME = ".seqstudio.lock"

_held: dict[str, list] = {}  # real path of the folder -> [fd, depth]
_guard = threading.Lock()


class ExportLockedError(ExportError):
    """Another process holds the folder's lock; ``pid`` is its process id (or ``None``)."""

    def __init__(self, folder: Path, pid: int | None) -> None:
        self.folder = folder
        self.pid = pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(
            f"{folder} is being written by {who}; wait for it to finish or stop it "
            f"(the lock is {folder / LOCK_NAME})"
        )


def _key(folder: Path) -> str:
    return os.path.realpath(folder)


def _read_pid(path: Path) -> int | None:
    try:
        with open(path, "rb") as handle:
            text = handle.read(32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and len(text) < 12 else None


def _holder_pid(path: Path, wait: float = 0.5) -> int | None:
    """The pid in a lock file another process holds, waiting up to ``wait`` seconds for it.

    The holder writes its pid just after taking the lock; a writer that finds the lock
    taken in between reads an empty file, so it looks again for a moment.
    """
    deadline = time.monotonic() + wait
    while True:
        pid = _read_pid(path)
        if pid or time.monotonic() >= deadline:
            return pid
        time.sleep(0.01)


def lock_holder(folder: str | Path) -> int | None:
    """The pid holding ``folder``'s export lock, ``0`` if held with no pid, else ``None``.

    Changes nothing on disk; the lock of this very process counts as not held.
    """
    import fcntl

    folder = Path(folder)
    path = folder / LOCK_NAME
    if _key(folder) in _held:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return _holder_pid(path) or 0
            return None
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def export_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the export lock of ``folder`` (which must exist) for the ``with`` block.

    Parameters
    ----------
    folder : str or Path
        The export folder.

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    ExportLockedError
        Another process holds the lock (never waits).
    ExportError
        The lock file cannot be created (read-only folder, not a folder).
    """
    import fcntl

    folder = Path(folder)
    key = _key(folder)
    path = folder / LOCK_NAME
    with _guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
        else:
            _held[key] = [_acquire(folder, path, fcntl), 1]
    try:
        yield path
    finally:
        with _guard:
            entry = _held[key]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[key]
                with contextlib.suppress(OSError):
                    os.unlink(path)  # while still locked: nobody can hold the unlinked file
                os.close(entry[0])


def _acquire(folder: Path, path: Path, fcntl) -> int:
    for _ in range(100):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            reason = exc.strerror or exc
            raise ExportError(f"cannot lock {folder}: cannot create {path}: {reason}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ExportLockedError(folder, _holder_pid(path)) from None
            raise ExportError(f"cannot lock {folder}: {exc.strerror or exc}") from None
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder removed it between our open and flock: try again
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd
    raise ExportError(f"cannot lock {folder}: its lock file keeps changing")
