"""What one export call did: :class:`ExportResult`, returned by every export path.

It lives apart from :mod:`~seqstudio.core.export.engine` so that the unit writer
(:mod:`~seqstudio.core.export.unit_export`), which the engine runs, can build one without
importing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportResult:
    """What an export did.

    Attributes
    ----------
    out_dir : Path
        The dataset folder.
    total : int
        Images in the whole dataset.
    written : int
        Images made by this call.
    already_done : int
        Images found complete before this call (``resume``).
    split_counts : dict
        Images per split in the whole dataset.
    cancelled : bool
        The cancel check asked to stop; run again with ``resume`` to finish.
    elapsed : float
        Seconds this call took.
    repaired : int
        Recorded images found missing or damaged and made again (``resume``).
    """

    out_dir: Path
    total: int
    written: int
    already_done: int
    split_counts: dict[str, int]
    cancelled: bool
    elapsed: float
    repaired: int = 0

    @property
    def complete(self) -> bool:
        """Whether every image of the dataset is written and recorded."""
        return self.already_done + self.written == self.total

    @property
    def rate(self) -> float:
        """Images per second made by this call."""
        return self.written / self.elapsed if self.elapsed > 0 else 0.0
