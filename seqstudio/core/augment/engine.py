"""The augmentation engine: realise each op's random values, apply them, keep labels true.

:class:`Augmenter` is what :class:`~seqstudio.core.generator.SequenceGenerator` calls
through its two hooks:

* :meth:`Augmenter.augment_glyph` — per digit, before layout. The glyph cell is padded
  so that no ink is clipped horizontally; the result keeps the cell (widened only where
  ink left it), so the generator measures boxes on the transformed glyph.
* :meth:`Augmenter.augment_image` — per image, after composition and before
  ``spec.invert``. Moving ops (warps, blurs) transform the image, the clean ink and each
  glyph's ownership identically; the mask and boxes are then recomputed from them.

Random values are pure functions of (spec, seed, image index): op ``i`` on glyph ``j``
draws from ``ImageRandom(rand.raw(STREAM_AUGMENT, 1 + j))`` on stream ``i`` (the image
stage uses ``k = 0``), so results never depend on order, batching or workers. The
realised values of the digit ops travel explicitly: :meth:`Augmenter.augment_glyph_recorded`
returns them with the glyph and the generator hands them to
:meth:`Augmenter.augment_image`, which records them.

Each op is an :class:`~seqstudio.core.augment.operation.Operation` from the registry
:data:`~seqstudio.core.augment.schema.OPS`: the engine only asks it to sample, apply,
bound and record itself.

Label guarantee (tested): after augmentation, ``mask > 0`` exactly where the *clean ink*
is > 0 — the image as it would be without the photometric ops (noise, salt and pepper,
brightness/contrast, JPEG, dropout, invert), which do not move ink — and box ``k`` is the
tight bounding box of ``mask == k``. Without photometric ops the clean ink is the image,
so every pixel with ``image > 0`` lies in its glyph's box.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seqstudio.core import rng
from seqstudio.core.augment.image_layers import ImageLayers
from seqstudio.core.augment.kernels import bounding_box, warp_affine
from seqstudio.core.augment.operation import Operation, OpRandom
from seqstudio.core.augment.schema import OPS
from seqstudio.core.augment.spec import AugmentOp
from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec

__all__ = ["Augmenter", "boxes_from_mask", "run_glyph_ops"]

GlyphRecords = list[dict[str, Any]]
"""The realised values of every digit op on one glyph, in pipeline order."""


class _Plan:
    """One enabled op of a pipeline: its index, settings and operation."""

    __slots__ = ("index", "op", "operation", "probability")

    def __init__(self, index: int, op: AugmentOp) -> None:
        self.index = index
        self.op = op
        self.operation: Operation = OPS[op.op]
        self.probability = op.probability

    def realise(
        self, sub: rng.ImageRandom, shared: rng.ImageRandom | None = None, glyph: int | None = None
    ) -> tuple[bool, dict[str, Any], OpRandom | None]:
        """Whether the op applies, and its drawn values, for one glyph or image."""
        i = self.index
        p = self.probability
        if p < 1.0 and not (p > 0.0 and sub.uniform(i, 0) < p):
            return False, {}, None
        r = OpRandom(sub, i, shared, glyph)
        return True, self.operation.sample(r, self.op.params), r

    def record(self, applied: bool, values: dict[str, Any]) -> dict[str, Any]:
        """The manifest record of one realisation."""
        record: dict[str, Any] = {"op": self.op.op, "index": self.index, "applied": applied}
        if applied:
            record.update(self.operation.record(values))
        return record


class Augmenter:
    """Apply a spec's augmentation pipeline, exactly and reproducibly.

    Parameters
    ----------
    spec : GenerationSpec
        The spec whose ``augment`` list to apply (disabled ops are skipped).
    """

    def __init__(self, spec: GenerationSpec) -> None:
        self.spec = spec
        enabled = [(i, op) for i, op in enumerate(spec.augment) if op.enabled]
        self._digit = [_Plan(i, op) for i, op in enabled if op.stage == "digit"]
        self._image = [_Plan(i, op) for i, op in enabled if op.stage == "image"]
        self._bounds: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------ digit stage
    def augment_glyph(self, glyph: np.ndarray, rand: rng.ImageRandom, j: int) -> np.ndarray:
        """Apply the digit-stage ops to glyph ``j`` of an image (records not kept).

        See :meth:`augment_glyph_recorded`.
        """
        return self.augment_glyph_recorded(glyph, rand, j)[0]

    def augment_glyph_recorded(
        self, glyph: np.ndarray, rand: rng.ImageRandom, j: int
    ) -> tuple[np.ndarray, GlyphRecords]:
        """Apply the digit-stage ops to glyph ``j`` of an image; return it and its records.

        Parameters
        ----------
        glyph : numpy.ndarray
            ``(H, w)`` uint8, ink bright on black.
        rand : ImageRandom
            The image's random numbers.
        j : int
            Position of the glyph in the sequence.

        Returns
        -------
        (numpy.ndarray, list of dict)
            ``(H, w')`` uint8 with ``w' ≥ w``: the original cell, widened symmetrically
            only as far as ink moved out of it; and the realised values of every digit
            op (pass them to :meth:`augment_image` as ``glyph_records[j]``).
        """
        if not self._digit:
            return glyph, []
        steps, records = self._glyph_steps(rand, j)
        if not steps:
            return glyph, records
        height, width = glyph.shape
        pad = max(self._bound(width, height) - width, 0) // 2 + 2
        work = run_glyph_ops(glyph, pad, [(op, values, r) for _, op, values, r in steps])
        first, _, ink_width, _ = bounding_box(work)
        if ink_width == 0:
            if glyph.any():
                names = ", ".join(f"augment[{i}] {op.op}" for i, op, _, _ in steps)
                raise SpecError(
                    f"augment[{steps[-1][0]}]",
                    f"the digit ops ({names}) erased glyph {j} entirely for this seed; "
                    "narrow their ranges (a digit must keep some ink)",
                )
            return work[:, pad : pad + width], records
        left = min(pad, first)
        right = max(pad + width - 1, first + ink_width - 1)
        # Trim symmetrically about the cell so the glyph stays centred in its slot.
        grow = max(pad - left, right - (pad + width - 1))
        return np.ascontiguousarray(work[:, pad - grow : pad + width + grow]), records

    def _glyph_steps(self, rand: rng.ImageRandom, j: int) -> tuple[list, GlyphRecords]:
        """Draw glyph ``j``'s digit-op values once: the applied steps and all records."""
        sub = rng.ImageRandom(rand.raw(rng.STREAM_AUGMENT, 1 + j))
        shared = rng.ImageRandom(rand.raw(rng.STREAM_AUGMENT, 0))
        steps = []
        records = []
        for plan in self._digit:
            applied, values, r = plan.realise(sub, shared, j)
            records.append(plan.record(applied, values))
            if applied:
                steps.append((plan.index, plan.operation, values, r))
        return steps, records

    def glyph_records(self, rand: rng.ImageRandom, j: int) -> GlyphRecords:
        """The realised digit-op values of glyph ``j``, drawn without touching pixels."""
        return self._glyph_steps(rand, j)[1]

    # ------------------------------------------------------------------ width bounds
    def _bound(self, width: int, height: int) -> int:
        """Upper bound of the ink width after the digit ops, for ink anywhere in a cell."""
        key = (width, height)
        if key not in self._bounds:
            half = np.array([(width - 1) / 2])
            self._bounds[key] = int(
                _width_bound(self._digit, half, np.array([height / 2]), height)[0]
            )
        return self._bounds[key]

    def glyph_width_bounds(
        self, pool: Any, members: np.ndarray, crop: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the laid-out width of glyphs ``members`` of ``pool`` after the digit ops.

        The bound follows each glyph's ink (``pool.ink_extents``) through the largest
        values of every digit op's ranges, so a generator can check up front that the
        output width holds any augmented sequence.

        Parameters
        ----------
        pool : GlyphPool
            Glyphs at the output height (``widths``, ``ink_extents``, ``images``).
        members : numpy.ndarray
            Pool indices of the glyphs.
        crop : bool
            Whether the generator crops each glyph to its ink columns.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Smallest and largest possible laid-out width of each glyph.
        """
        cells = np.asarray(pool.widths[members], dtype=np.int64)
        ext = np.asarray(pool.ink_extents[members], dtype=np.float64)
        height = int(pool.images.shape[1])
        ink_widths = (ext[:, 1] - ext[:, 0] + 1).astype(np.int64)
        laid = ink_widths if crop else cells
        if not self._digit:
            return laid, laid
        cx, cy = (cells - 1) / 2, (height - 1) / 2
        half_w = np.maximum(cx - ext[:, 0], ext[:, 1] - cx)
        half_h = np.maximum(cy - ext[:, 2], ext[:, 3] - cy)
        ink_bound = _width_bound(self._digit, half_w, half_h, height)
        if not crop:
            return cells, np.maximum(cells, ink_bound)
        shrinks = any(p.operation.may_narrow(p.op.params) for p in self._digit)
        return (np.ones_like(laid) if shrinks else laid), np.maximum(ink_bound, 1)

    # ------------------------------------------------------------------ image stage
    def augment_image(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        boxes: np.ndarray,
        rand: rng.ImageRandom,
        params: dict,
        glyph_records: list[GlyphRecords] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply the image-stage ops; transform the mask and boxes with moving ops.

        Also records the realised values of every op in ``params["augment"]`` (image
        stage) and ``params["glyph_augment"][j]`` (digit stage, glyph ``j``).

        Parameters
        ----------
        image : numpy.ndarray
            ``(H, W)`` uint8 composed image (ink bright, before ``spec.invert``).
        mask : numpy.ndarray
            ``(H, W)`` uint8/uint16 instance mask (k for glyph k's ink).
        boxes : numpy.ndarray
            ``(n, 4)`` int32 ``[x, y, w, h]`` ink boxes.
        rand : ImageRandom
            The image's random numbers.
        params : dict
            Realised parameters of the image; updated in place.
        glyph_records : list of list of dict, optional
            The records :meth:`augment_glyph_recorded` returned for each glyph; drawn
            again (the same values) when not given.

        Returns
        -------
        (image, mask, boxes)
            Same shapes and dtypes as given.
        """
        count = len(boxes)
        if self._digit:
            if glyph_records is None:
                glyph_records = [self.glyph_records(rand, j) for j in range(count)]
            params["glyph_augment"] = list(glyph_records)
        if not self._image:
            return image, mask, boxes
        sub = rng.ImageRandom(rand.raw(rng.STREAM_AUGMENT, 0))
        layers = ImageLayers(image, mask, count)
        records = []
        last_moving: _Plan | None = None
        for plan in self._image:
            applied, values, r = plan.realise(sub)
            records.append(plan.record(applied, values))
            if applied and r is not None:  # r is None exactly when the op is not applied
                plan.operation.apply_image(layers, values, r)
                if layers.moved and plan.operation.moving:
                    last_moving = plan
        params["augment"] = records
        out = layers.image
        if out.dtype != np.uint8 or out.shape[:2] != image.shape[:2]:  # pragma: no cover
            raise RuntimeError(f"augmentation changed the image to {out.dtype} {out.shape}")
        if not layers.moved:
            return out, mask, boxes
        new_mask = layers.result_mask()
        new_boxes = boxes_from_mask(new_mask, count)
        lost = np.flatnonzero(
            (new_boxes[:, 2] == 0) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0) & _had_ink(mask, count)
        )
        if len(lost):
            assert last_moving is not None  # the layers moved, so a moving op was applied
            raise SpecError(
                f"augment[{last_moving.index}]",
                f"op {last_moving.op.op!r} pushed digit {int(lost[0])} fully out of the image for this "
                "seed; narrow its range",
            )
        return out, new_mask, new_boxes


def run_glyph_ops(
    glyph: np.ndarray, pad: int, steps: list[tuple[Operation | str, dict, OpRandom]]
) -> np.ndarray:
    """Apply realised digit ops to a glyph padded by ``pad`` columns on each side.

    Consecutive affine ops (rotate, shear, scale, translate, ...) are composed into one
    matrix and applied with a single bilinear warp (one interpolation, not several); an
    affine op whose matrix depends on the pixels gets the glyph as it is at that point.

    Parameters
    ----------
    glyph : numpy.ndarray
        ``(H, w)`` uint8 glyph.
    pad : int
        Columns of background added on each side.
    steps : list of (Operation or str, dict, OpRandom)
        Each op (or its name) with its realised values and random numbers.

    Returns
    -------
    numpy.ndarray
        ``(H, w + 2 * pad)`` uint8; the caller trims it.
    """
    height, width = glyph.shape
    work = np.zeros((height, width + 2 * pad), np.uint8)
    work[:, pad : pad + width] = glyph
    cx, cy = pad + (width - 1) / 2, (height - 1) / 2
    cell = (pad, pad + width - 1, height)
    matrix = None
    for op, values, rand in steps:
        operation = OPS[op] if isinstance(op, str) else op
        if operation.affine:
            if operation.needs_pixels and matrix is not None:
                work, matrix = warp_affine(work, matrix), None
            m = operation.matrix(values, work, cx, cy, height)
            matrix = m if matrix is None else m @ matrix
            continue
        if matrix is not None:
            work, matrix = warp_affine(work, matrix), None
        work = operation.apply_glyph(work, values, rand, cell)
    if matrix is not None:
        work = warp_affine(work, matrix)
    return work


_PER_LABEL_BOXES = 16  # up to this many glyphs, one bounding-rect scan per label is fastest


def boxes_from_mask(mask: np.ndarray, count: int) -> np.ndarray:
    """``(count, 4)`` int32 tight ``[x, y, w, h]`` boxes of ``mask == k`` (zeros if empty)."""
    boxes = np.zeros((count, 4), np.int32)
    if count == 0:
        return boxes
    if count <= _PER_LABEL_BOXES:
        for k in range(1, count + 1):
            boxes[k - 1] = bounding_box(mask == k)
        return boxes
    cols_any = np.zeros((count + 1, mask.shape[1]), bool)
    rows_any = np.zeros((count + 1, mask.shape[0]), bool)
    ys, xs = np.nonzero(mask)
    labels = mask[ys, xs].astype(np.intp)
    cols_any[labels, xs] = True
    rows_any[labels, ys] = True
    for k in range(1, count + 1):
        cols = np.flatnonzero(cols_any[k])
        if len(cols):
            rows = np.flatnonzero(rows_any[k])
            boxes[k - 1] = (cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1)
    return boxes


def _had_ink(mask: np.ndarray, count: int) -> np.ndarray:
    present = np.zeros(count + 1, bool)
    present[np.unique(mask)] = True
    return present[1:]


def _width_bound(
    plans: list[_Plan], half_w: np.ndarray, half_h: np.ndarray, height: int
) -> np.ndarray:
    """Conservative largest ink width after the digit ops (vectorised over glyphs).

    ``half_w``/``half_h`` bound the ink's distance from the cell centre; each op pushes
    them through its largest parameters (:meth:`Operation.reach`). Vertically ink never
    gets further than ``height / 2`` from the centre (rows outside the frame are cut).
    """
    hw = np.asarray(half_w, np.float64).copy()
    cap = height / 2
    hh = np.minimum(np.asarray(half_h, np.float64), cap)
    warps = 0  # interpolation passes: consecutive affine ops are fused into one warp
    previous_affine = False
    for plan in plans:
        operation = plan.operation
        if operation.affine and (not previous_affine or operation.needs_pixels):
            warps += 1
        previous_affine = operation.affine
        warps += operation.passes
        hw, hh = operation.reach(hw, hh, plan.op.params, height)
        hh = np.minimum(hh, cap)
    # Each interpolation pass can light pixels up to 1 px beyond the exact mapped ink.
    return (np.ceil(2 * (hw + warps)) + 1).astype(np.int64)
