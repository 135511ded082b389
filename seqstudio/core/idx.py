"""Read and write the IDX files MNIST is distributed in (raw or gzip-compressed).

An IDX file is a big-endian header — two zero bytes, a type code, the number of
dimensions, then one 32-bit size per dimension — followed by the data. MNIST uses type
``0x08`` (unsigned byte): images are ``(N, 28, 28)`` and labels ``(N,)``.
"""

from __future__ import annotations

import gzip
import math
import os
import stat
import struct
import zlib
from pathlib import Path

import numpy as np

from seqstudio.core.errors import DataError

_UBYTE = 0x08
#: Most dimensions an IDX file may declare.
MAX_IDX_DIMS = 4
#: Largest IDX data read (EMNIST's biggest file is ~0.55 GB inflated).
MAX_IDX_BYTES = 1 << 30
#: Most a gzip-compressed IDX file may inflate (MNIST: ~5×); beyond it, a gzip bomb.
MAX_GZIP_RATIO = 256
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path, expected_ndim: int | None = None) -> np.ndarray:
    """Read an unsigned-byte IDX file into one contiguous uint8 array.

    Parameters
    ----------
    path : str or Path
        The file, raw or gzip-compressed (detected from its first bytes, not its name).
    expected_ndim : int, optional
        Dimensions the file must have (3 for images, 1 for labels).

    Returns
    -------
    numpy.ndarray
        The data, shaped as the header says.

    Raises
    ------
    DataError
        If the file is missing, unreadable, not IDX, not unsigned bytes, has the wrong
        number of dimensions, or is shorter or longer than its header declares.
    """
    path = Path(path)
    try:
        with path.open("rb") as probe:
            if not stat.S_ISREG(os.fstat(probe.fileno()).st_mode):
                raise DataError(f"{path}: is not a regular file")
            compressed = probe.read(2) == _GZIP_MAGIC
            size = os.fstat(probe.fileno()).st_size
            isize = None
            if compressed and size >= 18:
                probe.seek(-4, os.SEEK_END)
                isize = struct.unpack("<I", probe.read(4))[0]  # inflated size mod 2**32
        opener = gzip.open if compressed else open
        with opener(path, "rb") as stream:
            return _read_stream(
                stream, path, expected_ndim, None if compressed else size, isize, size
            )
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not an IDX file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_stream(
    stream,
    path: Path,
    expected_ndim: int | None,
    raw_size: int | None,
    isize: int | None,
    file_size: int,
) -> np.ndarray:
    """Parse and check the header, then read the data straight into its final array.

    The header is checked before anything is allocated: no dimension may be 0, the
    declared size must fit :data:`MAX_IDX_BYTES` and the memory budget, and it must
    agree with the file's size (raw) or the gzip trailer's inflated size, so a small
    gzip declaring gigabytes is refused without inflating it. At most the declared
    size (plus one byte) is ever inflated.
    """
    head = stream.read(4)
    if len(head) < 4:
        raise DataError(f"{path}: {len(head)} bytes is too short for an IDX header")
    zero, dtype_code, ndim = struct.unpack(">HBB", head)
    if zero != 0:
        raise DataError(f"{path}: bad IDX magic number 0x{head.hex()} (expected 0x0000080N)")
    if dtype_code != _UBYTE:
        raise DataError(
            f"{path}: IDX data type 0x{dtype_code:02x} is not supported (only 0x08, unsigned byte)"
        )
    if expected_ndim is not None and ndim != expected_ndim:
        raise DataError(f"{path}: has {ndim} dimensions, expected {expected_ndim}")
    if not 1 <= ndim <= MAX_IDX_DIMS:
        raise DataError(f"{path}: has {ndim} dimensions (allowed: 1 to {MAX_IDX_DIMS})")
    dims = stream.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise DataError(f"{path}: truncated header ({4 + len(dims)} of {4 + 4 * ndim} bytes)")
    shape = struct.unpack(f">{ndim}I", dims)
    if 0 in shape:
        raise DataError(f"{path}: header declares shape {tuple(shape)}, with a dimension of 0")
    expected = math.prod(shape)  # Python ints: no overflow
    header = 4 + 4 * ndim
    if expected > MAX_IDX_BYTES:
        raise DataError(
            f"{path}: header declares shape {tuple(shape)} = {expected:,} bytes, more than the "
            f"limit {MAX_IDX_BYTES:,}"
        )
    if raw_size is None and expected > (1 << 26) and expected > MAX_GZIP_RATIO * file_size:
        raise DataError(
            f"{path}: header declares {expected:,} bytes from {file_size:,} compressed bytes, "
            f"more than {MAX_GZIP_RATIO}× (not glyph images; a gzip bomb?)"
        )
    actual = raw_size if raw_size is not None else isize
    if actual is not None and actual != (header + expected) % (
        1 << 32 if raw_size is None else 1 << 64
    ):
        held = max(actual - header, 0)
        where = "file holds" if raw_size is not None else "gzip data inflates to (mod 4 GiB)"
        problem = "truncated" if held < expected else "has trailing data"
        raise DataError(
            f"{path}: {problem}: header declares shape {tuple(shape)} = {expected:,} bytes, "
            f"{where} {held:,}"
        )
    from seqstudio.core import memory

    limit = memory.memory_limit()
    if expected > limit:
        raise DataError(
            f"{path}: header declares {expected:,} bytes, more than the memory limit {limit:,} "
            f"(set {memory.ENV_VAR} to change it)"
        )
    data = np.empty(expected, np.uint8)
    got = stream.readinto(data.data) if expected else 0
    while 0 < got < expected:
        more = stream.readinto(data.data[got:])
        if not more:
            break
        got += more
    if got < expected:
        raise DataError(
            f"{path}: truncated: header declares shape {tuple(shape)} = {expected:,} bytes, "
            f"file holds {got:,}"
        )
    if stream.read(1):
        raise DataError(
            f"{path}: has trailing data after the {expected} bytes its header declares {tuple(shape)}"
        )
    return data.reshape(shape)


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write a uint8 array as an IDX file.

    Parameters
    ----------
    path : str or Path
        Destination; compressed with gzip when ``compress`` is true, or when it is
        ``None`` and the name ends in ``.gz``.
    array : numpy.ndarray
        uint8 data of 1 to 255 dimensions.
    compress : bool, optional
        Force or forbid gzip compression.
    """
    path = Path(path)
    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"write_idx writes uint8 arrays only, got {array.dtype}")
    header = struct.pack(">HBB", 0, _UBYTE, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    data = header + array.tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
