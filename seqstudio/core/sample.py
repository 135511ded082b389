"""What generation produces: one image (:class:`Sample`) or many (:class:`SampleBatch`), with exact labels, boxes and masks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from seqstudio.core.spec import GenerationSpec


@dataclass(frozen=True, eq=False)
class Sample:
    """One generated image and everything known about it.

    Attributes
    ----------
    index : int
        The image's index in its run; with the spec's seed it determines every pixel.
    key : int
        The 64-bit random key derived from (seed, index).
    image : numpy.ndarray
        ``(height, width)`` uint8; bright ink on black unless the spec inverts it.
    labels : tuple of str
        The label of each glyph, left to right.
    boxes : numpy.ndarray
        ``(n, 4)`` int32 ``[x, y, w, h]`` of each glyph's ink in the output image.
    glyph_indices : numpy.ndarray
        ``(n,)`` index of each glyph in its pool (``pool``).
    pool : str
        The pool the glyphs came from (``"train"`` or ``"test"``).
    gaps : tuple of int
        The realised gaps in layout pixels, left to right (with ``spacing_scope="edges"``
        the first and last are the outer margins); negative gaps overlap neighbouring
        glyphs. Multiply by ``params["scale_x"]`` for output pixels when the sequence was
        resampled.
    mask : numpy.ndarray or None
        ``(height, width)`` instance mask: 0 background, k for the k-th glyph's ink
        (uint8, or uint16 beyond 254 glyphs). ``None`` when masks were not asked for.
    params : dict
        Realised random parameters: ``offset_x`` (left padding), ``scale_x`` and
        ``scale_y`` (resampling applied to the laid-out sequence; with ``fit="pad"``
        below 1 only for an image shrunk to fit because augmented glyphs did not fit even
        at the minimum gaps) and, with augmentation, each operation's drawn values.
    """

    index: int
    key: int
    image: np.ndarray
    labels: tuple[str, ...]
    boxes: np.ndarray
    glyph_indices: np.ndarray
    pool: str
    gaps: tuple[int, ...]
    mask: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        index: int,
        key: int,
        image: np.ndarray,
        labels: tuple[str, ...],
        boxes: np.ndarray,
        glyph_indices: np.ndarray,
        pool: str,
        gaps: tuple[int, ...],
        mask: np.ndarray | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        # One dict update, not the ten frozen-dataclass setattr calls of a generated
        # __init__: one-at-a-time generation makes ~40,000 of these a second.
        self.__dict__.update(
            index=index,
            key=key,
            image=image,
            labels=labels,
            boxes=boxes,
            glyph_indices=glyph_indices,
            pool=pool,
            gaps=gaps,
            mask=mask,
            params={} if params is None else params,
        )

    @property
    def label(self) -> str:
        """The label text, e.g. ``"14543"``."""
        return "".join(self.labels)

    def to_dict(self, *, seed: int | None = None, glyph_indices=None) -> dict[str, Any]:
        """JSON-ready metadata (everything but the pixels and the mask).

        The one definition of a record's fields and their order, shared by the app,
        ``generate --json`` and every export manifest (which puts ``file_name`` or ``row``
        first): ``label``, ``digits``, ``boxes``, ``gaps``, ``params``, ``pool``,
        ``glyph_indices``, ``index``, ``seed`` (when given) and ``key`` (16 hex digits).

        Parameters
        ----------
        seed : int, optional
            The run's seed, recorded when given.
        glyph_indices : array-like, optional
            Glyph indices to record instead of :attr:`glyph_indices` (an export records
            indices in the source pool, not in its split's part of it).
        """
        glyphs = self.glyph_indices if glyph_indices is None else glyph_indices
        record: dict[str, Any] = {
            "label": self.label,
            "digits": list(self.labels),
            "boxes": self.boxes.tolist(),
            "gaps": list(self.gaps),
            "params": self.params,
            "pool": self.pool,
            "glyph_indices": np.asarray(glyphs).tolist(),
            "index": self.index,
        }
        if seed is not None:
            record["seed"] = seed
        record["key"] = f"{self.key:016x}"
        return record


class Rows(Sequence):
    """A read-only list of an array's rows, each made when it is read.

    What a vectorised batch gives as :attr:`SampleBatch.boxes`, ``glyph_indices``,
    ``gaps`` and ``params``: indexing, slicing, iteration, ``len`` and ``==`` with a list
    behave as for the list of those rows, without making one Python object per image up
    front.

    Parameters
    ----------
    array : numpy.ndarray
        One row per image.
    make : callable, optional
        Turns a row's ``tolist()`` into the item (``None``: the item is the row itself,
        a view of ``array``).
    """

    __slots__ = ("_array", "_make")

    def __init__(self, array: np.ndarray, make: Callable[[Any], Any] | None = None) -> None:
        self._array = array
        self._make = make

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Rows(self._array[index], self._make)
        row = self._array[index]
        return row if self._make is None else self._make(row.tolist())

    def __iter__(self) -> Iterator[Any]:
        if self._make is None:
            return iter(self._array)
        return map(self._make, self._array.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, Rows)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({list(self)!r})"


def gap_tuple(row: list[int]) -> tuple[int, ...]:
    """One image's gaps as :attr:`Sample.gaps` holds them."""
    return tuple(row)


def padded_params(offset: int) -> dict[str, Any]:
    """:attr:`Sample.params` of an image padded ``offset`` pixels from the left, unscaled."""
    return {"offset_x": offset, "scale_x": 1.0, "scale_y": 1.0}


@dataclass(frozen=True, eq=False)
class BatchLayout:
    """Where the glyphs of a batch of one fixed sequence went, as arrays.

    The same values as :attr:`SampleBatch.boxes`, ``glyph_indices``, ``gaps`` and the
    ``offset_x`` of ``params``, stacked (no per-image objects to stack again).

    Attributes
    ----------
    boxes : numpy.ndarray
        ``(count, n, 4)`` int32 ``[x, y, w, h]``.
    glyph_indices : numpy.ndarray
        ``(count, n)`` int64.
    gaps : numpy.ndarray
        ``(count, gaps)`` int64.
    offsets : numpy.ndarray
        ``(count,)`` int64 left padding.
    """

    boxes: np.ndarray
    glyph_indices: np.ndarray
    gaps: np.ndarray
    offsets: np.ndarray


@dataclass(frozen=True, eq=False)
class SampleBatch:
    """Many images of one spec, stacked.

    Attributes
    ----------
    start : int
        Index of the first image.
    images : numpy.ndarray
        ``(count, height, width)`` uint8.
    labels : sequence of str
        Label text of each image.
    boxes : sequence of numpy.ndarray
        ``(n, 4)`` int32 ``[x, y, w, h]`` per image.
    glyph_indices : sequence of numpy.ndarray
        Pool index of each glyph, per image.
    masks : numpy.ndarray or None
        ``(count, height, width)`` instance masks, if asked for.
    gaps : sequence of tuple of int, optional
        Realised gaps per image (as :attr:`Sample.gaps`).
    params : sequence of dict, optional
        Realised parameters per image (as :attr:`Sample.params`).

    The sequences are lists, or (for a vectorised batch) :class:`Rows` over ``layout``:
    read-only, with the same items.
    layout : BatchLayout, optional
        The boxes, glyphs, gaps and offsets as arrays: set by the vectorised path
        (fixed sequences, every image with the same number of glyphs).
    """

    start: int
    images: np.ndarray
    labels: Sequence[str]
    boxes: Sequence[np.ndarray]
    glyph_indices: Sequence[np.ndarray]
    masks: np.ndarray | None
    gaps: Sequence[tuple[int, ...]] | None = None
    params: Sequence[dict] | None = None
    layout: BatchLayout | None = None

    @classmethod
    def from_layout(
        cls,
        start: int,
        images: np.ndarray,
        label: str,
        masks: np.ndarray | None,
        layout: BatchLayout,
    ) -> SampleBatch:
        """A batch of one fixed sequence whose per-image records are views of ``layout``."""
        return cls(
            start=start,
            images=images,
            labels=[label] * len(images),
            boxes=Rows(layout.boxes),
            glyph_indices=Rows(layout.glyph_indices),
            masks=masks,
            gaps=Rows(layout.gaps, gap_tuple),
            params=Rows(layout.offsets, padded_params),
            layout=layout,
        )

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @classmethod
    def from_samples(cls, samples: list[Sample], spec: GenerationSpec) -> SampleBatch:
        """Stack individually generated samples."""
        images = (
            np.stack([s.image for s in samples])
            if samples
            else np.zeros((0, spec.height, spec.width), np.uint8)
        )
        masks = None
        if samples and samples[0].mask is not None:
            masks = np.stack([np.asarray(s.mask).astype(np.uint16) for s in samples])
        return cls(
            start=samples[0].index if samples else 0,
            images=images,
            labels=[s.label for s in samples],
            boxes=[s.boxes for s in samples],
            glyph_indices=[s.glyph_indices for s in samples],
            masks=masks,
            gaps=[s.gaps for s in samples],
            params=[s.params for s in samples],
        )
