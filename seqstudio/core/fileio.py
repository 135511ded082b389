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
