"""What seqstudio runs on: interpreter, library versions and optional extras.

Everything here reads installed distribution metadata only (no library is imported), so
``seqstudio --version`` stays instant; ``seqstudio doctor`` adds live import checks on top.
"""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata

#: (shown name, distribution) of the libraries a bug report needs, in report order.
LIBRARIES = (
    ("numpy", "numpy"),
    ("OpenCV", "opencv-python"),
    ("Qt", "PySide6-Essentials"),
    ("imgaug", "imgaug"),
    ("Pillow", "Pillow"),
    ("matplotlib", "matplotlib"),
    ("platformdirs", "platformdirs"),
)

_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def python_description() -> str:
    """``"3.11.7 (CPython, Linux x86_64)"``: the running interpreter."""
    return (
        f"{platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.system()} {platform.machine()})"
    )


def distribution_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or ``None`` when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    """Installed version of each of :data:`LIBRARIES`, keyed by shown name (``None``: missing)."""
    return {shown: distribution_version(dist) for shown, dist in LIBRARIES}


def version_summary() -> str:
    """One line for ``--version`` and bug reports.

    Examples
    --------
    >>> version_summary()  # doctest: +SKIP
    'seqstudio 0.1.0 (Python 3.11.7, numpy 2.4.6, OpenCV 4.14.0.94, Qt 6.11.3, imgaug 0.4.0)'
    """
    from seqstudio._version import __version__

    versions = library_versions()
    parts = [f"Python {platform.python_version()}"] + [
        f"{shown} {versions[shown] or 'not installed'}"
        for shown in ("numpy", "OpenCV", "Qt", "imgaug")
    ]
    return f"seqstudio {__version__} ({', '.join(parts)})"


def optional_extras() -> dict[str, list[tuple[str, str | None]]]:
    """seqstudio's optional extras (``pip install "seqstudio[NAME]"``) but ``test``.

    Returns
    -------
    dict
        Extra name -> ``[(distribution, installed version or None), ...]`` of the
        requirements it adds on this interpreter, read from seqstudio's own metadata
        (empty when seqstudio runs from a source tree that was not installed).
    """
    from packaging.requirements import Requirement  # a matplotlib dependency

    try:
        requires = metadata.requires("seqstudio") or []
    except metadata.PackageNotFoundError:
        return {}
    extras: dict[str, list[tuple[str, str | None]]] = {}
    for line in requires:
        requirement = Requirement(line)
        marker = _EXTRA_MARKER.search(line)
        if marker is None or marker.group(1) == "test":
            continue
        extra = marker.group(1)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        version = distribution_version(requirement.name)
        extras.setdefault(extra, []).append((requirement.name, version))
    return extras


def executable() -> str:
    """The running interpreter's path (which venv a report came from)."""
    return sys.executable
