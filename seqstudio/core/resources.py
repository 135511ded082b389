"""Locate files bundled with seqstudio through :mod:`importlib.resources`."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


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
