"""Locate files bundled with seqstudio through :mod:`importlib.resources`."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10 (the alias was removed in 3.14)
    from importlib.abc import Traversable


def resource_root() -> Traversable:
    """The root of the bundled resources.

    From an installed wheel or an editable install this is the ``seqstudio.resources``
    package; from a bare source checkout (the package not installed) it is the checkout's
    ``resources/`` folder.
    """
    try:
        return resources.files("seqstudio.resources")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Traversable:
    """A bundled file or folder, e.g. ``resource_path("mnist", "train-labels-idx1-ubyte.gz")``."""
    node = resource_root()
    for part in parts:
        node = node / part
    return node
