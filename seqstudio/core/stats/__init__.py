"""Dataset statistics, QA checks, mean/std images, comparisons and sample grids (Qt-free).

Public API: :func:`compute_dataset_stats` (statistics of a folder's images, with masks
counted apart and the QA report in ``stats.qa``), :func:`build_index` (what each file is,
from the folder's manifests), :func:`compare_stats`, :func:`make_sample_grid`,
:class:`TagStore`, and the plain-data results :class:`DatasetStats`, :class:`GroupStats`,
:class:`LabelStats`, :class:`MaskStats`, :class:`QAReport`, :class:`Finding`,
:class:`FileProblem`, :class:`GridInfo`.
"""

import importlib
from typing import TYPE_CHECKING

# Each name is imported from its module on first use (PEP 562), so that ``stats`` on a
# folder does not pay for the comparison, grid (Pillow) and tag modules.
_HOME = {
    "Comparison": "compare",
    "compare_stats": "compare",
    "DEFAULT_MAX_PIXELS": "decode",
    "compute_dataset_stats": "engine",
    "StatsCancelledError": "errors",
    "StatsInputError": "errors",
    "GridCell": "grid",
    "GridInfo": "grid",
    "make_sample_grid": "grid",
    "FolderIndex": "index",
    "IndexedImage": "index",
    "build_index": "index",
    "DatasetStats": "model",
    "FileProblem": "model",
    "Finding": "model",
    "GroupStats": "model",
    "LabelStats": "model",
    "MaskStats": "model",
    "QAReport": "model",
    "TagStore": "tags",
}


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


if TYPE_CHECKING:
    from seqstudio.core.stats.compare import Comparison, compare_stats
    from seqstudio.core.stats.decode import DEFAULT_MAX_PIXELS
    from seqstudio.core.stats.engine import compute_dataset_stats
    from seqstudio.core.stats.errors import StatsCancelledError, StatsInputError
    from seqstudio.core.stats.grid import GridCell, GridInfo, make_sample_grid
    from seqstudio.core.stats.index import FolderIndex, IndexedImage, build_index
    from seqstudio.core.stats.model import (
        DatasetStats,
        FileProblem,
        Finding,
        GroupStats,
        LabelStats,
        MaskStats,
        QAReport,
    )
    from seqstudio.core.stats.tags import TagStore

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "Comparison",
    "DatasetStats",
    "FileProblem",
    "Finding",
    "FolderIndex",
    "GridCell",
    "GridInfo",
    "GroupStats",
    "IndexedImage",
    "LabelStats",
    "MaskStats",
    "QAReport",
    "StatsCancelledError",
    "StatsInputError",
    "TagStore",
    "build_index",
    "compare_stats",
    "compute_dataset_stats",
    "make_sample_grid",
]
