"""Which images the gallery shows: filters by split, label, length, tag and any recorded
augmentation parameter range, and a seeded shuffle (plain Python, run on a worker)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from seqstudio.core.stats.index import FolderIndex, IndexedImage

#: ``SampleFilter.tag`` value that keeps every tagged image.
ANY_TAG = "(any tag)"


@dataclass(frozen=True)
class SampleFilter:
    """What to keep; ``None`` / empty fields keep everything.

    Attributes
    ----------
    split : str or None
        Category (folder) of the image.
    label : str
        The label, exactly.
    min_length, max_length : int or None
        Label length range (images without a label are dropped when either is set).
    param : str or None
        A recorded parameter name (see :func:`~seqstudio.core.stats.records.flatten_params`);
        with ``param_min``/``param_max`` its inclusive range. Images without the
        parameter are dropped when a bound is set.
    tag : str or None
        A tag, or :data:`ANY_TAG`.
    seed : int or None
        Shuffle with this seed (``None``: scan order).
    """

    split: str | None = None
    label: str = ""
    min_length: int | None = None
    max_length: int | None = None
    param: str | None = None
    param_min: float | None = None
    param_max: float | None = None
    tag: str | None = None
    seed: int | None = None


def select_images(
    index: FolderIndex, flt: SampleFilter, tags: dict[str, list[str]] | None = None
) -> list[IndexedImage]:
    """The images of ``index`` that pass ``flt`` (shuffled when it has a seed)."""
    tags = tags or {}
    column = index.params.columns.get(flt.param) if flt.param else None
    ranged = flt.param is not None and (flt.param_min is not None or flt.param_max is not None)
    low = -math.inf if flt.param_min is None else flt.param_min
    high = math.inf if flt.param_max is None else flt.param_max
    lengths = flt.min_length is not None or flt.max_length is not None
    shortest = flt.min_length if flt.min_length is not None else 0
    longest = flt.max_length if flt.max_length is not None else math.inf
    kept = []
    for image in index.images:
        if flt.split is not None and image.category != flt.split:
            continue
        if flt.label and image.label != flt.label:
            continue
        if lengths and (image.label is None or not shortest <= len(image.label) <= longest):
            continue
        if ranged:
            value = column[image.row] if column is not None and image.row >= 0 else math.nan
            if math.isnan(value) or not low <= value <= high:
                continue
        if flt.tag is not None:
            mine = tags.get(image.rel)
            if not mine or (flt.tag != ANY_TAG and flt.tag not in mine):
                continue
        kept.append(image)
    if flt.seed is not None:
        random.Random(flt.seed).shuffle(kept)
    return kept
