"""Hard per-read deadlines for urllib downloads: a timer that shuts the socket down.

A socket timeout bounds each read, not a slow trickle; :class:`Watchdog` bounds the whole
wait. :func:`~seqstudio.core.datasets.download.download_mnist` opens its connections through
:class:`WatchedHTTPHandler` / :class:`WatchedHTTPSHandler`, which hand their sockets to the
watchdog; when it fires, any blocked read returns at once.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.request


class Watchdog:
    """Shuts a connection's socket down when its time is up (unblocking any read)."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.fired = False
        self._timer: threading.Timer | None = None

    def arm(self, seconds: float) -> None:
        """Fire in ``seconds`` (replacing any earlier arming)."""
        self.disarm()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        """Do not fire."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self.fired = True
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Watchdog:
        return self

    def __exit__(self, *exc) -> None:
        self.disarm()


def _watched(base: type, watchdog: Watchdog) -> type:
    class Connection(base):  # type: ignore[misc, valid-type, unused-ignore]
        def connect(self) -> None:
            super().connect()
            watchdog.sockets.append(self.sock)

    return Connection


class WatchedHTTPHandler(urllib.request.HTTPHandler):
    """An HTTP handler whose connections register their socket with ``watchdog``."""

    def __init__(self, watchdog: Watchdog) -> None:
        super().__init__()
        self._connection = _watched(http.client.HTTPConnection, watchdog)

    def http_open(self, req):  # noqa: D102 - urllib API
        return self.do_open(self._connection, req)


class WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    """An HTTPS handler whose connections register their socket with ``watchdog``."""

    def __init__(self, watchdog: Watchdog) -> None:
        super().__init__()
        self._connection = _watched(http.client.HTTPSConnection, watchdog)

    def https_open(self, req):  # noqa: D102 - urllib API
        return self.do_open(self._connection, req, context=self._context)
