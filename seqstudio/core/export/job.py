"""The validated export job every stage of an export works from.

:func:`~seqstudio.core.export.plan.prepare_export` builds an :class:`ExportJob` after
checking every input and the folder; the folder, scheduler and engine modules read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seqstudio.core.augment import output_channels
from seqstudio.core.export import writers
from seqstudio.core.export.options import ExportOptions
from seqstudio.core.export.splits import ExportPlan, SplitInfo
from seqstudio.core.spec import GenerationSpec


@dataclass
class ExportJob:
    """One checked export: what to draw, how to write it, where, and what is there already.

    Attributes
    ----------
    spec : GenerationSpec
        What to draw.
    options : ExportOptions
        How to write it.
    plan : ExportPlan
        Splits, sequence lines and the numbering of every image.
    out_dir : Path
        The dataset folder.
    settings : dict
        What makes the dataset what it is (recorded in ``dataset.json``, compared on resume).
    classes : tuple of str
        The glyph source's class names.
    max_glyphs, max_chars : int
        The most glyphs / label characters one image can have.
    vectorised : dict
        ``(split, line) -> bool``: whether that generator has a fast batch path.
    previous : dict, optional
        The ``dataset.json`` found when resuming.
    bytes_per_image : float
        Disk space one image takes (with its records), estimated from real samples.
    workers : int
        Worker processes to use (``options.workers``, or as many cores as the memory
        budget allows).
    max_chunk : int
        The most images one unit of work may hold within the memory budget.
    peak_memory : float
        Estimated peak memory of the whole export, in bytes.
    pool : {"auto", "always"}
        With several workers: ``"auto"`` starts the process pool only when it would save
        more than its start-up (see :func:`seqstudio.core.process_pool.pool_worth_starting`);
        ``"always"`` starts it anyway (a trial run that times a larger export, which
        will use the pool).
    """

    spec: GenerationSpec
    options: ExportOptions
    plan: ExportPlan
    out_dir: Path
    settings: dict
    classes: tuple[str, ...]
    max_glyphs: int
    max_chars: int
    vectorised: dict = field(default_factory=dict)
    previous: dict | None = None
    bytes_per_image: float = 0.0
    workers: int = 1
    max_chunk: int = 1 << 30
    peak_memory: float = 0.0
    pool: str = "auto"

    @property
    def mask_dtype(self) -> np.dtype:
        """The dtype of instance masks (uint8 up to 254 glyphs per image)."""
        return np.dtype(np.uint8 if self.max_glyphs < 255 else np.uint16)

    def npz_layout(self, info: SplitInfo) -> dict:
        """``{array name: (dtype, shape)}`` of one split's npz arrays."""
        spec = self.spec
        layout = writers.npz_layout(
            info.count,
            spec.height,
            spec.width,
            self.max_glyphs,
            self.max_chars,
            self.mask_dtype,
            channels=output_channels(spec.augment),
        )
        if not self.options.masks:
            del layout["masks"]
        return layout
