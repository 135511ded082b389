"""Read and write the IDX files MNIST is distributed in (raw or gzip-compressed).

An IDX file is a big-endian header — two zero bytes, a type code, the number of
dimensions, then one 32-bit size per dimension — followed by the data. MNIST uses type
``0x08`` (unsigned byte): images are ``(N, 28, 28)`` and labels ``(N,)``.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from seqstudio.core.errors import DataError

_UBYTE = 0x08
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
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: corrupt gzip data ({exc})") from None
    if len(raw) < 4:
        raise DataError(f"{path}: {len(raw)} bytes is too short for an IDX header")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise DataError(f"{path}: bad IDX magic number 0x{raw[:4].hex()} (expected 0x0000080N)")
    if dtype_code != _UBYTE:
        raise DataError(f"{path}: IDX data type 0x{dtype_code:02x} is not supported (only 0x08, unsigned byte)")
    if expected_ndim is not None and ndim != expected_ndim:
        raise DataError(f"{path}: has {ndim} dimensions, expected {expected_ndim}")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataError(f"{path}: truncated header ({len(raw)} of {header_len} bytes)")
    shape = struct.unpack(f">{ndim}I", raw[4:header_len])
    expected = int(np.prod(shape, dtype=np.int64)) if ndim else 0
    actual = len(raw) - header_len
    if actual != expected:
        kind = "truncated" if actual < expected else "has trailing data"
        raise DataError(
            f"{path}: {kind}: header declares shape {tuple(shape)} = {expected} bytes, file holds {actual}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)


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
    header = struct.pack(">HBB", 0, _UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
