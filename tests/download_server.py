"""A local HTTP mirror for download tests: 127.0.0.1, port 0, files the tests generate.

Each mirror is a URL prefix (``/<mirror>/<file name>``) with a behaviour: serve the file
(with or without Range support), drop the connection part-way, answer an error status,
serve an HTML page, or stall until the test ends. Every request is logged.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from seqstudio.core.datasets import Manifest, RemoteFile
from seqstudio.core.idx import write_idx

FILE_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def make_idx_files(
    folder: Path, train: int = 200, test: int = 50, seed: int = 7
) -> dict[str, bytes]:
    """Write gzip IDX files of random 28x28 "digits" (every class present) with
    :func:`seqstudio.core.idx.write_idx`; return their bytes by name."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", train), ("t10k", test)):
        write_idx(
            folder / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), np.uint8)
        )
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return {name: (folder / name).read_bytes() for name in FILE_NAMES}


def manifest_for(files: dict[str, bytes]) -> Manifest:
    """The manifest (name, md5, size) of generated files."""
    return Manifest(
        tuple(RemoteFile(n, hashlib.md5(d).hexdigest(), len(d)) for n, d in files.items())
    )


@dataclass
class Mirror:
    """How one mirror answers.

    kind: "ok" | "html" | "status" | "drop" | "stall" | "pause" | "trickle" (one byte
    every 50 ms) | "slow-headers" (the status line one byte at a time) | "endless" (gzip
    magic then zeros forever, no Content-Length); ``ranges`` says whether
    Range is honoured; ``drop_after`` bytes are sent by a "drop" mirror on its first
    ``drops`` requests (then it behaves as "ok"); a "pause" mirror sends ``drop_after``
    bytes, then waits for ``MirrorServer.release`` before the rest (a slow transfer a test
    can cancel mid-file); ``files`` overrides the served bytes per name.
    """

    kind: str = "ok"
    ranges: bool = True
    status: int = 500
    drop_after: int = 0
    drops: int = 1
    files: dict[str, bytes] = field(default_factory=dict)


class MirrorServer:
    """A threaded HTTP server serving ``files`` through named mirrors."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.mirrors: dict[str, Mirror] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                server.requests.append((self.path, self.headers.get("Range")))
                _, mirror_name, name = self.path.split("/", 2)
                mirror = server.mirrors.get(mirror_name)
                data = None if mirror is None else mirror.files.get(name, server.files.get(name))
                if mirror is None or data is None:
                    return self._send(404, b"not found", "text/plain")
                if mirror.kind == "stall":
                    server.release.wait(30)
                    return
                if mirror.kind == "slow-headers":  # one byte of the status line at a time
                    for byte in b"HTTP/1.1 200 OK\r\n":
                        if server.release.wait(0.2):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    return
                if mirror.kind == "endless":  # no length, never ends
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-gzip")
                    self.end_headers()
                    self.close_connection = True
                    block = data[:2] + b"\x00" * 65534
                    try:
                        while not server.release.is_set():
                            self.wfile.write(block)
                            block = b"\x00" * 65536
                    except OSError:
                        pass
                    return
                if mirror.kind == "status":
                    return self._send(mirror.status, b"error", "text/plain")
                if mirror.kind == "html":
                    page = b"<!DOCTYPE html><html><body>Please sign in</body></html>"
                    return self._send(200, page, "text/html; charset=utf-8")
                start = 0
                header = self.headers.get("Range")
                if header and mirror.ranges:
                    start = int(header.split("=")[1].split("-")[0])
                    if start >= len(data):
                        return self._send(416, b"", "text/plain")
                body = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "application/x-gzip")
                self.send_header("Content-Length", str(len(body)))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if mirror.kind == "pause" and not server.release.is_set():
                    try:
                        self.wfile.write(body[: mirror.drop_after])
                        self.wfile.flush()
                        server.release.wait(30)
                        self.wfile.write(body[mirror.drop_after :])
                    except OSError:  # the client gave up (cancelled) meanwhile
                        self.close_connection = True
                    return
                if mirror.kind == "trickle":  # one byte at a time, forever slow
                    try:
                        for k in range(len(body)):
                            if server.release.wait(0.05):
                                return
                            self.wfile.write(body[k : k + 1])
                            self.wfile.flush()
                    except OSError:
                        pass
                    return
                if mirror.kind == "drop" and mirror.drops > 0:
                    mirror.drops -= 1
                    self.wfile.write(body[: mirror.drop_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def _send(self, code, body, content_type):
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, mirror: str) -> str:
        """Base URL of ``mirror``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mirror}/"

    def add(self, name: str, **kwargs) -> str:
        """Add a mirror; return its base URL."""
        self.mirrors[name] = Mirror(**kwargs)
        return self.url(name)

    def paths(self, mirror: str) -> list[tuple[str, str | None]]:
        """Requests made to ``mirror``."""
        return [r for r in self.requests if r[0].startswith(f"/{mirror}/")]

    def __enter__(self) -> MirrorServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"
