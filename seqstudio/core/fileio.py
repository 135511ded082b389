"""Small file helpers shared by the CLI, the app and the core."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
        Permission bits of the new file (``mkstemp`` would otherwise leave 0o600).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_user_text(path: str | Path, field: str) -> str:
    """Read a UTF-8 text file the user named, or raise a ``SpecError`` for ``field``.

    The message names the file and the reason (missing, unreadable, not UTF-8).
    """
    from seqstudio.core.errors import SpecError

    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SpecError(field, f"cannot read {path}: {reason}") from None
