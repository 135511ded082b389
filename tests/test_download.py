"""download_mnist against a local HTTP mirror (127.0.0.1, never the internet)."""

from __future__ import annotations

import errno
import hashlib
import time

import numpy as np
import pytest
from download_server import FILE_NAMES, MirrorServer, closed_port_url, make_idx_files, manifest_for

from seqstudio.core.datasets import (
    DownloadCancelled,
    DownloadError,
    Manifest,
    RemoteFile,
    download_mnist,
    mnist_download_dir,
)
from seqstudio.core.datasets import download as download_module
from seqstudio.core.glyphs import load_idx_pools


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_idx_files(tmp_path_factory.mktemp("idx"))


@pytest.fixture
def manifest(files):
    return manifest_for(files)


@pytest.fixture
def server(files):
    with MirrorServer(files) as srv:
        yield srv


def assert_complete(folder, files):
    """Every file is in place with the served bytes, and no .part is left."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)
    for name, data in files.items():
        assert (folder / name).read_bytes() == data
    pools = load_idx_pools(folder)
    assert len(pools["train"]) == 200 and len(pools["test"]) == 50


def test_download_into_user_data_dir_with_progress(server, files, manifest):
    url = server.add("good")
    seen = []
    folder = download_mnist(mirrors=[url], manifest=manifest, progress=seen.append)
    assert folder == mnist_download_dir()
    assert str(folder).startswith(str(pytest.importorskip("os").environ["XDG_DATA_HOME"]))
    assert_complete(folder, files)
    assert seen[-1].done == seen[-1].total == sum(len(d) for d in files.values())
    assert all(0 <= p.done <= p.total for p in seen)


def test_verified_files_are_not_fetched_again(server, files, manifest, tmp_path):
    url = server.add("good")
    download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    count = len(server.requests)
    messages = []
    download_mnist(tmp_path, mirrors=[url], manifest=manifest, status=messages.append)
    assert len(server.requests) == count
    assert sum("already downloaded" in m for m in messages) == 4


def test_corrupt_file_under_final_name_is_replaced(server, files, manifest, tmp_path):
    url = server.add("good")
    (tmp_path / FILE_NAMES[1]).write_bytes(b"\x1f\x8bgarbage")
    download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert_complete(tmp_path, files)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"kind": "status", "status": 503}, "HTTP 503"),
        ({"kind": "html"}, "HTML page"),
        ({"kind": "stall"}, "timed out"),
    ],
)
def test_failing_mirror_first_then_next_mirror(server, files, manifest, tmp_path, bad, expected):
    first = server.add("bad", **bad)
    second = server.add("good")
    messages = []
    download_mnist(
        tmp_path, mirrors=[first, second], manifest=manifest, status=messages.append, timeout=0.25
    )
    assert_complete(tmp_path, files)
    assert any(expected in m and first in m for m in messages), messages


def test_html_instead_of_gzip_is_rejected_and_nothing_is_kept(server, manifest, tmp_path):
    # Served as application/x-gzip but the body is an HTML page (a captive portal, say).
    page = b"<html><body>Sign in to the Wi-Fi</body></html>"
    url = server.add("portal", files={n: page for n in FILE_NAMES})
    with pytest.raises(DownloadError, match="HTML page instead of gzip"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert list(tmp_path.iterdir()) == []


def test_truncated_file_is_rejected_and_nothing_is_kept(server, files, manifest, tmp_path):
    name = FILE_NAMES[0]
    url = server.add("short", files={name: files[name][:-1000]})
    with pytest.raises(DownloadError, match=rf"no mirror delivered a valid {name}.*truncated"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert list(tmp_path.iterdir()) == []


def test_wrong_digest_is_rejected_and_nothing_is_kept(server, files, manifest, tmp_path):
    name = FILE_NAMES[2]
    bad = bytearray(files[name])
    bad[-20] ^= 0xFF  # same size, gzip magic intact, different bytes
    url = server.add("tampered", files={name: bytes(bad)})
    with pytest.raises(DownloadError, match="MD5 .* does not match the published"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert (tmp_path / FILE_NAMES[0]).exists()  # earlier files were verified and kept
    assert not (tmp_path / name).exists()
    assert not (tmp_path / (name + ".part")).exists()


def test_dropped_transfer_resumes_from_next_mirror_with_range(server, files, manifest, tmp_path):
    name = FILE_NAMES[0]
    first = server.add("flaky", kind="drop", drop_after=70_000)
    second = server.add("good")
    download_mnist(tmp_path, mirrors=[first, second], manifest=manifest)
    assert_complete(tmp_path, files)
    assert (f"/good/{name}", "bytes=70000-") in server.paths("good")


def test_partial_download_is_kept_and_resumed_on_the_next_run(server, files, manifest, tmp_path):
    name = FILE_NAMES[0]
    url = server.add("flaky", kind="drop", drop_after=100_000)
    with pytest.raises(DownloadError, match=rf"cannot reach any MNIST mirror.*{name}.part is kept"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert not (tmp_path / name).exists()
    assert (tmp_path / (name + ".part")).read_bytes() == files[name][:100_000]
    download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert_complete(tmp_path, files)
    assert server.paths("flaky")[-4] == (f"/flaky/{name}", "bytes=100000-")


def test_server_without_range_support_restarts_the_file(server, files, manifest, tmp_path):
    name = FILE_NAMES[0]
    (tmp_path / (name + ".part")).write_bytes(files[name][:5000])
    url = server.add("noranges", ranges=False)
    download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert_complete(tmp_path, files)


def test_spoiled_partial_file_is_downloaded_whole_again(server, files, manifest, tmp_path):
    name = FILE_NAMES[0]
    (tmp_path / (name + ".part")).write_bytes(b"\x1f\x8b" + b"\x00" * 4998)  # wrong first bytes
    url = server.add("good")
    messages = []
    download_mnist(tmp_path, mirrors=[url], manifest=manifest, status=messages.append)
    assert_complete(tmp_path, files)
    assert any("after resuming; downloading it whole" in m for m in messages)


def test_cancel_keeps_the_partial_file_for_a_resume(server, files, manifest, tmp_path):
    url = server.add("good")
    part_path = tmp_path / (FILE_NAMES[0] + ".part")

    def cancel():  # as a Cancel button pressed once some bytes have arrived
        return part_path.exists() and part_path.stat().st_size > 0

    with pytest.raises(DownloadCancelled, match="cancelled"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest, cancel=cancel)
    assert not (tmp_path / FILE_NAMES[0]).exists()
    part = part_path.read_bytes()
    assert 0 < len(part) < len(files[FILE_NAMES[0]])
    download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert_complete(tmp_path, files)
    assert (f"/good/{FILE_NAMES[0]}", f"bytes={len(part)}-") in server.paths("good")


def test_no_network_names_the_problem_and_bundled_still_works(manifest, tmp_path):
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=[closed_port_url()], manifest=manifest, timeout=2)
    message = str(info.value)
    assert "cannot reach any MNIST mirror" in message and "connection refused" in message
    assert "bundled" in message
    assert list(tmp_path.iterdir()) == []
    from seqstudio.core.glyphs import open_source

    assert len(open_source("bundled").pools["train"]) == 4000


def test_disk_full_is_reported_and_nothing_is_kept(server, manifest, tmp_path, monkeypatch):
    """Simulated: the part file's ``write`` raises a real OSError(ENOSPC) after 64 KiB."""
    real_open = open

    class FullDisk:
        def __init__(self, fh):
            self.fh, self.written = fh, 0

        def write(self, data):
            if self.written >= 65536:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return self.fh.write(data)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(
        download_module, "open", lambda *a, **k: FullDisk(real_open(*a, **k)), raising=False
    )
    url = server.add("good")
    with pytest.raises(DownloadError, match="disk full while writing train-images-idx3-ubyte.gz"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_data_folder_is_reported(manifest, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(DownloadError, match="cannot create the data folder"):
        download_mnist(blocker / "mnist", mirrors=["http://127.0.0.1:9/"], manifest=manifest)
    with pytest.raises(DownloadError, match="cannot create the data folder"):
        download_mnist(blocker, mirrors=["http://127.0.0.1:9/"], manifest=manifest)


@pytest.mark.skipif(
    getattr(__import__("os"), "geteuid", lambda: 0)() == 0, reason="root ignores permissions"
)
def test_read_only_data_folder_is_reported(manifest, tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(DownloadError, match="not writable"):
            download_mnist(tmp_path, mirrors=["http://127.0.0.1:9/"], manifest=manifest)
    finally:
        tmp_path.chmod(0o700)


def test_oversized_file_is_rejected(server, files, manifest, tmp_path):
    name = FILE_NAMES[3]
    url = server.add("long", files={name: files[name] + b"\x00" * 10})
    with pytest.raises(DownloadError, match="more than the expected"):
        download_mnist(tmp_path, mirrors=[url], manifest=manifest)
    assert not (tmp_path / name).exists() and not (tmp_path / (name + ".part")).exists()


def test_real_mnist_manifest_lists_the_published_digests():
    from seqstudio.core.datasets import MNIST_MANIFEST

    digests = {f.name: f.md5 for f in MNIST_MANIFEST.files}
    assert digests == {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    assert MNIST_MANIFEST.total_size == 9912422 + 28881 + 1648877 + 4542
    with pytest.raises(Exception, match="32 hex digits"):
        RemoteFile("x.gz", "nothex")
    assert hashlib.md5(np.zeros(1)).hexdigest()  # hashlib available without OpenSSL FIPS issues


# ---------------------------------------------------------------- hostile servers
def test_a_trickling_mirror_is_given_up_for_the_next(
    server, files, manifest, tmp_path, monkeypatch
):
    monkeypatch.setattr(download_module, "RATE_GRACE", 0.5)
    slow = server.add("trickle", kind="trickle")
    good = server.add("good")
    messages = []
    start = time.monotonic()
    folder = download_mnist(
        tmp_path, mirrors=[slow, good], manifest=manifest, status=messages.append, timeout=5
    )
    assert time.monotonic() - start < 20
    assert all((folder / name).read_bytes() == files[name] for name in FILE_NAMES)
    assert any("too slow" in m and "bytes/s" in m for m in messages)


def test_a_mirror_that_never_finishes_its_headers_hits_the_deadline(server, manifest, tmp_path):
    url = server.add("slow", kind="slow-headers")
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=[url], manifest=manifest, timeout=1, deadline=2)
    assert time.monotonic() - start < 10
    assert "deadline" in str(info.value)


def test_an_endless_stream_without_a_size_is_capped(server, files, tmp_path, monkeypatch):
    monkeypatch.setattr(download_module, "MAX_DOWNLOAD_BYTES", 1 << 20)
    unsized = Manifest(tuple(RemoteFile(f.name, f.md5, None) for f in manifest_for(files).files))
    url = server.add("endless", kind="endless")
    with pytest.raises(DownloadError, match="sent more than the limit of 1,048,576 bytes"):
        download_mnist(tmp_path, mirrors=[url], manifest=unsized)
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 1 << 20
