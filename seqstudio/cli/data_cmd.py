"""``seqstudio data``: fetch the full MNIST, import an existing copy, list the sources.

``data download`` tries each mirror in turn, resumes partial files and verifies every file
against its published MD5 before putting it in place; ``data import DIR`` checks a folder
of IDX files and remembers it; ``data info`` lists what is available, where, and how many
glyphs each class has per pool.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` subcommand and its ``download``, ``import``, ``info`` actions."""
    parser = subparsers.add_parser(
        "data",
        help="download the full MNIST, import a copy, list the glyph sources",
        description="Manage the digit images seqstudio draws from. The bundled 5,000-digit "
        "subset always works; the full MNIST (70,000 digits) can be downloaded or imported.",
    )
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    download = actions.add_parser(
        "download",
        help="fetch the four MNIST files into the user data folder",
        description="Fetch the four MNIST files from well-known mirrors (tried in order), "
        "resuming partial downloads and checking each file's published MD5. Mirrors: "
        "--mirror, else $SEQSTUDIO_MNIST_MIRRORS, else 'mnist_mirrors' in data.json, "
        "else the built-in list.",
    )
    download.add_argument(
        "--mirror",
        action="append",
        metavar="URL",
        help="base URL of a mirror (repeat for several; replaces the list)",
    )
    download.add_argument(
        "--dest", metavar="DIR", help="target folder (default: the user data folder)"
    )
    download.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds a mirror may stall before the next is tried (default 30)",
    )
    download.add_argument(
        "--deadline",
        type=float,
        default=1800.0,
        metavar="S",
        help="seconds the whole download may take (default 1800); a mirror averaging under "
        "4 KB/s is also given up for the next",
    )
    download.add_argument(
        "--manifest",
        metavar="FILE.json",
        help='other IDX files to fetch: {"files": {NAME: {"md5": HEX, "size": N}}}',
    )
    download.set_defaults(func=run_download)

    imp = actions.add_parser(
        "import",
        help="check a folder holding the MNIST IDX files and remember it",
        description="Check that DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz) and remember it.",
    )
    imp.add_argument("folder", metavar="DIR")
    imp.set_defaults(func=run_import)

    info = actions.add_parser(
        "info", help="list the available glyph sources and their sizes per class"
    )
    info.set_defaults(func=run_info)


def run_download(args: argparse.Namespace) -> int:
    """Download and verify; print the folder on stdout, progress on stderr."""
    from seqstudio.core.datasets import MNIST_MANIFEST, Manifest, download_mnist
    from seqstudio.core.errors import SpecError

    if not 0 < args.timeout <= 3600:
        raise SpecError(
            "--timeout", f"{args.timeout} is outside the allowed range 0 (exclusive) to 3600"
        )
    if not 0 < args.deadline <= 86400:
        raise SpecError(
            "--deadline", f"{args.deadline} is outside the allowed range 0 (exclusive) to 86400"
        )
    manifest = Manifest.load(args.manifest) if args.manifest else MNIST_MANIFEST
    reporter = _ProgressLine(sys.stderr)
    folder = download_mnist(
        Path(args.dest) if args.dest else None,
        mirrors=args.mirror,
        progress=reporter.progress,
        timeout=args.timeout,
        deadline=args.deadline,
        manifest=manifest,
        status=reporter.status,
    )
    reporter.close()
    print(f"downloaded and verified {len(manifest.files)} files in {folder}")
    print(f"use it with: --source idx:{folder}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Validate and remember an IDX folder."""
    from seqstudio.core.datasets import import_idx_folder

    info = import_idx_folder(args.folder)
    print(
        f"imported {info.location}: train {info.pool_size('train')}, test {info.pool_size('test')}"
    )
    print(f"use it with: --source {info.source}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print every source: where it is, its size on disk and per-class counts."""
    from seqstudio.core.datasets import available_sources

    sources = available_sources()
    kinds = {s.kind for s in sources}
    for info in sources:
        where = str(info.location) if info.location is not None else "(inside the package)"
        if not info.available:
            at = f" {info.location}:" if info.location is not None else ""
            print(f"{info.kind}:{at} NOT USABLE: {info.problem}")
            if info.kind == "downloaded":
                print("  run `seqstudio data download` to finish or repair it")
            continue
        disk = f", {info.disk_bytes / 1e6:.1f} MB" if info.disk_bytes else ""
        print(f"{info.kind}: source {info.source!r} at {where}{disk}")
        for pool, counts in info.counts.items():
            per_class = " ".join(f"{label}:{n}" for label, n in counts.items())
            print(f"  {pool:5} {sum(counts.values()):6d}  {per_class}")
    if "downloaded" not in kinds:
        print("downloaded: none yet (`seqstudio data download` fetches the full MNIST, 11.6 MB)")
    if "imported" not in kinds:
        print("imported: none (`seqstudio data import DIR` uses an existing copy of the IDX files)")
    return 0


class _ProgressLine:
    """Download progress on one rewritten stderr line (when a terminal), status lines always."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.open = False
        self.pending: list[str] = []

    def progress(self, p) -> None:
        if not self.tty or p.total <= 0:
            return
        from seqstudio.core.progress import format_duration

        rate = p.rate / 1e6
        line = (
            f"  {p.done / 1e6:6.1f} / {p.total / 1e6:.1f} MB  {100 * p.fraction:3.0f}%"
            f"  {rate:5.2f} MB/s  eta {format_duration(p.eta)}"
        )
        self.stream.write("\r" + line)
        self.stream.flush()
        self.open = True

    def status(self, message: str) -> None:
        # A mirror failure is shown only once a later mirror delivers; if every mirror
        # fails, the error line names each failure, and stays the only line.
        if " failed (" in message:
            self.pending.append(message)
            return
        self.close()
        for line in [*self.pending, message]:
            self.stream.write(f"seqstudio: {line}\n")
        self.pending.clear()
        self.stream.flush()

    def close(self) -> None:
        if self.open:
            self.stream.write("\n")
            self.open = False
