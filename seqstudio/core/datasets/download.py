"""Download the full MNIST files: mirrors in order, resumable, verified, atomic.

Each file is fetched into ``NAME.part`` next to its final place. A transfer cut short
(dropped connection, timeout, cancel) keeps the ``.part`` so the next mirror, or the next
run, resumes it with an HTTP ``Range`` request. A complete ``.part`` is checked — size,
gzip magic, MD5 — and only then renamed to ``NAME`` with :func:`os.replace`; a file that
fails a check is deleted. So a file under its final name is always a verified one, and a
``.part`` is never read as data.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from seqstudio.core.datasets.mirrors import MNIST_MANIFEST, Manifest, RemoteFile, resolve_mirrors
from seqstudio.core.datasets.watchdog import Watchdog, WatchedHTTPHandler, WatchedHTTPSHandler
from seqstudio.core.errors import SeqstudioError
from seqstudio.core.progress import CancelCheck, ProgressCallback, ProgressTracker

CHUNK = 64 * 1024
#: Largest file fetched when the manifest gives no size (MNIST's largest is 9.9 MB).
MAX_DOWNLOAD_BYTES = 256 << 20
#: Slowest average rate accepted once :data:`RATE_GRACE` seconds have passed (bytes/s).
MIN_RATE = 4096
RATE_GRACE = 20.0
#: Default overall deadline of a whole download, in seconds.
DEFAULT_DEADLINE = 1800.0
PART_SUFFIX = ".part"
GZIP_MAGIC = b"\x1f\x8b"
USER_AGENT = "seqstudio-data-download"
StatusCallback = Callable[[str], None]


class DownloadError(SeqstudioError):
    """A download that could not be completed; the message says why, per mirror."""


class DownloadCancelled(DownloadError):
    """The ``cancel`` check returned true; partial ``.part`` files are kept for resuming."""


class _MirrorFailed(Exception):
    """One mirror could not deliver one file; ``network`` marks unreachable hosts."""

    def __init__(self, message: str, network: bool = False, keep_part: bool = False):
        super().__init__(message)
        self.network = network
        self.keep_part = keep_part


def download_mnist(
    dest: str | Path | None = None,
    mirrors: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    timeout: float = 30.0,
    manifest: Manifest = MNIST_MANIFEST,
    status: StatusCallback | None = None,
    validate: bool = True,
    deadline: float = DEFAULT_DEADLINE,
    min_rate: float = MIN_RATE,
) -> Path:
    """Fetch the MNIST files into ``dest``, trying each mirror in turn.

    Files already in ``dest`` that match their digest are kept; a file there that does not
    match is replaced. Safe to call from a worker thread (no Qt, no global state).

    Parameters
    ----------
    dest : str or Path, optional
        Target folder; default :func:`~seqstudio.core.datasets.store.mnist_download_dir`.
    mirrors : sequence of str, optional
        Base URLs tried in order; default from
        :func:`~seqstudio.core.datasets.mirrors.resolve_mirrors`.
    progress : callable, optional
        Receives :class:`~seqstudio.core.progress.Progress` in bytes (``total`` is the
        manifest's total size, or 0 when a size is unpublished).
    cancel : callable, optional
        Polled between chunks; when it returns true the download stops with
        :class:`DownloadCancelled`.
    timeout : float
        Seconds a connection or a read may stall before the mirror is given up.
    manifest : Manifest
        The files and digests (tests and other IDX datasets pass their own).
    status : callable, optional
        Receives one-line messages: which file from where, resumes, mirror failures.
    validate : bool
        Load the finished folder with :func:`seqstudio.core.glyphs.load_idx_pools`.
    deadline : float
        Seconds the whole download may take; a connection still open then is closed
        (a server trickling bytes cannot hold it forever).
    min_rate : float
        Bytes per second a transfer must average after its first
        :data:`RATE_GRACE` seconds; a slower mirror is given up for the next.

    Every file is capped at its manifest size, or :data:`MAX_DOWNLOAD_BYTES` when the
    manifest gives none, so an endless stream cannot fill the disk.

    Returns
    -------
    Path
        The folder holding every verified file.

    Raises
    ------
    DownloadError
        No mirror delivered a file (each mirror's reason is given; an unreachable network
        is named as such), the folder cannot be written, or the disk is full.
    DownloadCancelled
        ``cancel`` returned true.
    """
    from seqstudio.core.datasets.store import mnist_download_dir

    folder = Path(dest).expanduser() if dest is not None else mnist_download_dir()
    mirror_list = resolve_mirrors(mirrors)
    created = [p for p in (folder, *folder.parents) if not p.exists()]  # innermost first
    _prepare_folder(folder)
    say = status or (lambda message: None)
    tracker = ProgressTracker(manifest.total_size, progress)
    limits = _Limits(time.monotonic() + deadline, deadline, float(min_rate), float(timeout))
    try:
        for remote in manifest.files:
            _fetch_file(remote, folder, mirror_list, tracker, cancel, limits, say)
    except BaseException:
        _remove_empty(created)  # leave no trace of a download that kept nothing
        raise
    tracker.finish()
    if validate:
        from seqstudio.core.glyphs import load_idx_pools

        load_idx_pools(folder)
    return folder


def _remove_empty(folders: list[Path]) -> None:
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            return


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"{folder}: cannot create the data folder ({_reason(exc)})") from None
    probe = folder / ".seqstudio-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DownloadError(f"{folder}: the data folder is not writable ({_reason(exc)})") from None


def _fetch_file(
    remote: RemoteFile,
    folder: Path,
    mirrors: Sequence[str],
    tracker: ProgressTracker,
    cancel: CancelCheck | None,
    limits: _Limits,
    say: StatusCallback,
) -> None:
    final = folder / remote.name
    part = folder / (remote.name + PART_SUFFIX)
    if final.exists():
        problem = _check_file(final, remote)
        if problem is None:
            tracker.advance(final.stat().st_size)
            say(f"{remote.name}: already downloaded and verified")
            return
        say(f"{remote.name}: existing file is invalid ({problem}); downloading it again")
        final.unlink()
    failures = []
    counted = 0  # bytes of this file already reported to the tracker
    for mirror in mirrors:
        url = mirror + remote.name
        for attempt in range(2):
            resuming = part.exists() and part.stat().st_size > 0
            try:
                counted = _transfer(url, part, remote, tracker, counted, cancel, limits, say)
                problem = _check_file(part, remote)
                if problem is not None:
                    raise _MirrorFailed(problem)
            except _MirrorFailed as exc:
                if not exc.keep_part:
                    part.unlink(missing_ok=True)
                    tracker.advance(-counted)
                    counted = 0
                    if attempt == 0 and resuming:
                        # The old first half may be what spoiled the file: retry it whole.
                        say(f"{remote.name}: {exc} after resuming; downloading it whole")
                        continue
                failures.append((mirror, exc))
                if len(mirrors) > 1:
                    say(f"{remote.name}: {mirror} failed ({exc})")
                break
            else:
                _commit(part, final)
                return
    raise _summary(remote, part, failures)


def _transfer(
    url: str,
    part: Path,
    remote: RemoteFile,
    tracker: ProgressTracker,
    counted: int,
    cancel: CancelCheck | None,
    limits: _Limits,
    say: StatusCallback,
) -> int:
    """Append the rest of ``url`` to ``part``; return the bytes of ``part`` now counted."""
    if limits.left() <= 0:
        raise DownloadError(
            f"{remote.name}: the download ran past its deadline of {limits.total:,.0f} s; "
            "run it again to resume (or give a longer --deadline)"
        )
    cap = remote.size if remote.size is not None else MAX_DOWNLOAD_BYTES
    offset = part.stat().st_size if part.exists() else 0
    if remote.size is not None and offset >= remote.size:
        if offset > remote.size:
            part.unlink()
            offset = 0
        else:
            tracker.advance(offset - counted)
            return offset  # complete already: just verify it
    tracker.advance(offset - counted)
    counted = offset
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    watchdog = Watchdog()
    # Headers must come within a few timeouts, the body by the overall deadline.
    watchdog.arm(min(limits.left(), 3 * limits.timeout))
    opener = urllib.request.build_opener(
        WatchedHTTPHandler(watchdog), WatchedHTTPSHandler(watchdog)
    )
    try:
        response = opener.open(request, timeout=limits.timeout)
    except urllib.error.HTTPError as exc:
        watchdog.disarm()
        if exc.code == 416 and offset:
            part.unlink(missing_ok=True)  # server disagrees on our partial file
            raise _MirrorFailed(f"HTTP 416 for a resume at byte {offset}") from None
        raise _MirrorFailed(f"HTTP {exc.code} {exc.reason}", keep_part=True) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        watchdog.disarm()
        reason = "no answer before the deadline" if watchdog.fired else _reason(exc)
        raise _MirrorFailed(reason, network=True, keep_part=True) from None
    watchdog.arm(limits.left())
    with response, watchdog:
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise _MirrorFailed(
                f"served an HTML page ({content_type}) instead of gzip data", keep_part=True
            )
        if offset and response.status == 206:
            start = _content_range_start(response.headers.get("Content-Range", ""))
            if start != offset:
                raise _MirrorFailed(
                    f"answered a resume at byte {offset} with range start {start}", keep_part=True
                )
            say(f"{remote.name}: resuming at byte {offset} from {url}")
            mode = "ab"
        else:
            if offset:
                say(f"{remote.name}: {url} does not resume; downloading it whole")
            tracker.advance(-counted)
            counted = offset = 0
            mode = "wb"
            say(f"{remote.name}: downloading from {url}")
        length = response.headers.get("Content-Length")
        expected_end = (
            offset + int(length) if length and length.isdigit() and len(length) < 19 else None
        )
        if expected_end is not None and expected_end > cap:
            what = "the expected" if remote.size is not None else "the limit of"
            raise _MirrorFailed(f"announced {expected_end:,} bytes, more than {what} {cap:,}")
        written = offset
        started, start_bytes = time.monotonic(), written
        with open(part, mode) as fh:
            while True:
                if cancel is not None and cancel():
                    raise DownloadCancelled(
                        f"download cancelled; {part.name} keeps {written} bytes to resume from"
                    )
                try:
                    chunk = response.read1(CHUNK)  # returns what has arrived: rate is checked
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    _flush(fh)
                    why = "the deadline passed" if watchdog.fired else _reason(exc)
                    raise _MirrorFailed(
                        f"transfer broke off after {written} bytes ({why})",
                        network=True,
                        keep_part=True,
                    ) from None
                elapsed = time.monotonic() - started
                if elapsed > RATE_GRACE and (written - start_bytes) < limits.min_rate * elapsed:
                    _flush(fh)
                    raise _MirrorFailed(
                        f"too slow: {written - start_bytes:,} bytes in {elapsed:,.0f} s "
                        f"(minimum {limits.min_rate:,.0f} bytes/s)",
                        network=True,
                        keep_part=True,
                    )
                if not chunk:
                    break
                if written == 0 and not chunk.startswith(GZIP_MAGIC[: len(chunk)]):
                    html = chunk.lstrip()[:1] == b"<"
                    kind = "an HTML page" if html else "data that is not gzip"
                    raise _MirrorFailed(f"served {kind} instead of gzip data")
                if written + len(chunk) > cap:
                    what = "the expected" if remote.size is not None else "the limit of"
                    raise _MirrorFailed(f"sent more than {what} {cap:,} bytes")
                _write(fh, chunk, part)
                written += len(chunk)
                tracker.advance(len(chunk))
                counted += len(chunk)
            _flush(fh)
    if expected_end is not None and written < expected_end:
        message = f"transfer broke off after {written} of {expected_end} bytes"
        raise _MirrorFailed(message, network=True, keep_part=True)
    return counted


@dataclass(frozen=True)
class _Limits:
    end: float  # time.monotonic() of the overall deadline
    total: float
    min_rate: float
    timeout: float

    def left(self) -> float:
        return self.end - time.monotonic()


def _write(fh, chunk: bytes, part: Path) -> None:
    try:
        fh.write(chunk)
    except OSError as exc:
        raise _disk_error(exc, part) from None


def _flush(fh) -> None:
    try:
        fh.flush()
        os.fsync(fh.fileno())
    except OSError as exc:
        raise _disk_error(exc, Path(fh.name)) from None


def _disk_error(exc: OSError, part: Path) -> DownloadError:
    part.unlink(missing_ok=True)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DownloadError(
            f"{part.parent}: disk full while writing {part.name[: -len(PART_SUFFIX)]}; "
            "free some space and run the download again (nothing was kept)"
        )
    return DownloadError(f"{part}: cannot write ({_reason(exc)}); nothing was kept")


def _content_range_start(value: str) -> int | None:
    # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _check_file(path: Path, remote: RemoteFile) -> str | None:
    """Why ``path`` is not the expected file, or ``None`` if it is."""
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        return (
            f"truncated: {size} of {remote.size} bytes"
            if size < remote.size
            else (f"{size} bytes, expected {remote.size}")
        )
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        head = fh.read(2)
        if head != GZIP_MAGIC:
            return "not a gzip file"
        digest.update(head)
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != remote.md5:
        return f"MD5 {digest.hexdigest()} does not match the published {remote.md5}"
    return None


def _commit(part: Path, final: Path) -> None:
    os.replace(part, final)
    try:
        fd = os.open(final.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "host name not found (no network?)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _summary(remote: RemoteFile, part: Path, failures: list) -> DownloadError:
    details = "; ".join(f"{mirror}: {exc}" for mirror, exc in failures)
    kept = f" ({part.name} is kept to resume from)" if part.exists() else ""
    if failures and all(exc.network for _, exc in failures):
        return DownloadError(
            f"cannot reach any MNIST mirror for {remote.name} — {details}{kept}. "
            "Check the network or pass --mirror URL; the bundled 5,000-digit subset still works"
        )
    return DownloadError(f"no mirror delivered a valid {remote.name} — {details}{kept}")
