"""Errors of the statistics engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from seqstudio.core.errors import SeqstudioError

if TYPE_CHECKING:
    from seqstudio.core.stats.model import DatasetStats


class StatsInputError(SeqstudioError, ValueError):
    """The folder to scan cannot be used (missing, a file, unreadable, empty, no images)."""


class StatsCancelledError(SeqstudioError):
    """The scan was cancelled through its cancel check.

    Parameters
    ----------
    partial : DatasetStats
        What had been counted before the scan stopped (``complete`` is ``False``).
    """

    def __init__(self, partial: DatasetStats) -> None:
        self.partial = partial
        super().__init__(
            f"statistics cancelled after {partial.files_done} of {partial.files_total} image files"
        )
