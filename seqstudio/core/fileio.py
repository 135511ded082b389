"""Small file helpers shared by the CLI, the app and the core."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

_TMP_COUNTER = itertools.count()


def write_atomic(path: str | Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a hidden temporary file in the same folder, which is then renamed over
    ``path``; on any failure the temporary file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or Path
        Destination; its folder must exist.
    data : bytes
        The complete new content.
    mode : int
        Permission bits of the new file (exactly these, whatever the umask).
    """
    head, name = os.path.split(os.fspath(path))
    # Unique per process and call (no two writers share a temporary file); cheaper than
    # tempfile.mkstemp's random names, which matters at thousands of files.
    while True:
        tmp = os.path.join(head, f".{name}.{os.getpid()}-{next(_TMP_COUNTER)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
            break
        except FileExistsError:  # left by a crashed process that had our pid: next name
            continue
    try:
        try:
            os.fchmod(fd, mode)  # exactly ``mode``, whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


#: Largest user text file read whole (spec, preset, sequences file, config), bytes.
MAX_TEXT_BYTES = 64 << 20
#: Deepest nesting of JSON arrays/objects accepted anywhere.
MAX_JSON_DEPTH = 64
#: Most digits of an integer in a JSON file (a 64-bit seed has 20).
MAX_JSON_INT_DIGITS = 40
_LONG_DIGITS = re.compile(rf"\d{{{MAX_JSON_INT_DIGITS + 1},}}")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """Read a regular file of at most ``limit`` bytes, never blocking and never reading more.

    FIFOs, sockets, devices (``/dev/zero``) and folders are refused without reading:
    the file is opened non-blocking (a FIFO with no writer cannot hang) and checked
    with ``fstat`` first; at most ``limit + 1`` bytes are ever read.

    Raises
    ------
    OSError
        Missing or unreadable (``strerror`` says why).
    ValueError
        Not a regular file, or larger than ``limit`` (the message says which).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a folder"
                if stat.S_ISDIR(info.st_mode)
                else "a FIFO (named pipe)"
                if stat.S_ISFIFO(info.st_mode)
                else "a device or socket"
            )
            raise ValueError(f"{path} is {kind}, not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{path} is {info.st_size:,} bytes, more than the limit {limit:,}")
        chunks, size = [], 0
        while size <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
        if size > limit:
            raise ValueError(f"{path} is more than the limit of {limit:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_user_text(path: str | Path, field: str, limit: int = MAX_TEXT_BYTES) -> str:
    """Read a UTF-8 text file the user named, or raise a ``SpecError`` for ``field``.

    Only regular files of at most ``limit`` bytes are read (see :func:`read_bounded`).
    The message names the file and the reason (missing, unreadable, not a regular
    file, too large, not UTF-8).
    """
    from seqstudio.core.errors import SpecError

    path = Path(path)
    try:
        return read_bounded(path, limit).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            field, f"cannot read {path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except ValueError as exc:
        raise SpecError(field, f"cannot read {exc}") from None
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SpecError(field, f"cannot read {path}: {reason}") from None


class JsonLimitError(ValueError):
    """JSON nested deeper than :data:`MAX_JSON_DEPTH` or with an over-long integer."""


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_JSON_INT_DIGITS:
        raise JsonLimitError(
            f"holds a number with {digits:,} digits (at most {MAX_JSON_INT_DIGITS})"
        )
    return int(text)


def json_depth(value: Any) -> int:
    """Nesting depth of a decoded JSON value (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(text: str | bytes) -> Any:
    """``json.loads`` with limits: nesting depth and integer length.

    Raises
    ------
    json.JSONDecodeError
        Not JSON.
    JsonLimitError
        Nested deeper than :data:`MAX_JSON_DEPTH` levels, or an integer of more than
        :data:`MAX_JSON_INT_DIGITS` digits (the message says which).
    """
    # Fast path (a 200,000-line manifest): both limits can only be reached when the text
    # holds that many opening brackets or that long a run of digits; str.count and one
    # regex search run in C, the checks below in Python only when needed.
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    long_number = _LONG_DIGITS.search(raw) is not None
    try:
        value = json.loads(text, parse_int=_bounded_int) if long_number else json.loads(text)
    except RecursionError:
        raise JsonLimitError(f"is nested more than {MAX_JSON_DEPTH} levels deep") from None
    deep = raw.count("[") + raw.count("{") > MAX_JSON_DEPTH
    if deep and json_depth(value) > MAX_JSON_DEPTH:
        raise JsonLimitError(f"is nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def load_json_file(path: str | Path, field: str, limit: int = MAX_TEXT_BYTES) -> Any:
    """Read and parse a user's JSON file; any problem is one ``SpecError`` for ``field``."""
    from seqstudio.core.errors import SpecError

    text = read_user_text(path, field, limit)
    try:
        return parse_json(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            field, f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except JsonLimitError as exc:
        raise SpecError(field, f"{path} {exc}") from None


#: Longest manifest line read (a metadata.jsonl record of 256 glyphs is ~20 KB).
MAX_LINE_CHARS = 1 << 20


def bounded_lines(handle, limit: int = MAX_LINE_CHARS):
    """The lines of a text file, but ``None`` in place of any line over ``limit`` characters.

    An over-long line is skipped in blocks, never held whole in memory, so a 2 GB
    "line" costs time proportional to its length but no memory.
    """
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith("\n"):
            while True:  # skip the rest of it
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith("\n"):
                    break
            yield None
            continue
        yield line


def contained_path(base: str, value: object) -> str | None:
    """``base/value`` normalised, if it stays inside the root; ``None`` otherwise.

    Purely lexical: nothing on disk is touched. Absolute paths, paths that climb out
    with ``..``, NUL characters and non-strings give ``None``. ``base`` is a folder
    relative to the root (``""`` for the root itself), with ``/`` separators.
    """
    import posixpath

    if not isinstance(value, str) or not value or "\x00" in value:
        return None
    value = value.replace("\\", "/")
    if value.startswith("/") or (len(value) > 1 and value[1] == ":"):
        return None
    joined = posixpath.normpath(posixpath.join(base, value))
    if joined == ".." or joined.startswith("../") or joined.startswith("/") or joined == ".":
        return None
    return joined
