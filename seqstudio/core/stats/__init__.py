"""Dataset statistics and sample grids for folders of images (Qt-free).

Public API: :func:`compute_dataset_stats`, :func:`make_sample_grid` and the plain-data
results :class:`DatasetStats`, :class:`GroupStats`, :class:`LabelStats`,
:class:`FileProblem`, :class:`GridInfo`.
"""

from seqstudio.core.stats.decode import DEFAULT_MAX_PIXELS
from seqstudio.core.stats.engine import compute_dataset_stats
from seqstudio.core.stats.errors import StatsCancelledError, StatsInputError
from seqstudio.core.stats.grid import GridCell, GridInfo, make_sample_grid
from seqstudio.core.stats.model import DatasetStats, FileProblem, GroupStats, LabelStats

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DatasetStats",
    "FileProblem",
    "GridCell",
    "GridInfo",
    "GroupStats",
    "LabelStats",
    "StatsCancelledError",
    "StatsInputError",
    "compute_dataset_stats",
    "make_sample_grid",
]
