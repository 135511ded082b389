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
stage uses ``k = 0``), so results never depend on order, batching or workers.

Label guarantee (tested): after augmentation, ``mask > 0`` exactly where the *clean ink*
is > 0 — the image as it would be without the photometric ops (noise, salt and pepper,
brightness/contrast, JPEG, dropout, invert), which do not move ink — and box ``k`` is the
tight bounding box of ``mask == k``. Without photometric ops the clean ink is the image,
so every pixel with ``image > 0`` lies in its glyph's box.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from seqstudio.core import rng
from seqstudio.core.augment import imgaug_backend as backend
from seqstudio.core.augment.spec import AugmentOp
from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec

_NON_SHRINKING = ("digit_blur",)


class _Plan:
    """One enabled op, prepared for fast realisation."""

    __slots__ = ("index", "op", "probability", "ranges", "fixed", "extras")

    def __init__(self, index: int, op: AugmentOp) -> None:
        self.index = index
        self.op = op
        self.probability = op.probability
        schema = op.schema
        self.ranges = []  # (name, is_int, lo, hi, k)
        self.fixed = {}
        for m, ps in enumerate(schema.params):
            value = op.params[ps.name]
            if ps.is_range:
                self.ranges.append((ps.name, ps.kind == "int_range", value[0], value[1], 1 + m))
            else:
                self.fixed[ps.name] = value
        self.extras = backend.REALISE_EXTRAS.get(op.op)

    def realise(self, sub: rng.ImageRandom) -> tuple[bool, dict[str, Any], backend.OpRandom | None]:
        """Whether the op applies, and its drawn values, for one glyph or image."""
        i = self.index
        p = self.probability
        if p < 1.0 and not (p > 0.0 and sub.uniform(i, 0) < p):
            return False, {}, None
        values: dict[str, Any] = {}
        for name, is_int, lo, hi, k in self.ranges:
            if is_int:
                values[name] = sub.integer(i, k, lo, hi)
            else:
                values[name] = lo + (hi - lo) * sub.uniform(i, k)
        values.update(self.fixed)
        r = backend.OpRandom(sub, i)
        if self.extras is not None:
            self.extras(values, r.uniform, self.op.params)
        return True, values, r


class _GlyphRecords(threading.local):
    """The realised digit-op records of the image this thread is generating.

    :meth:`Augmenter.augment_glyph` draws each glyph's values once and keeps their
    records here, keyed by the image's key, for :meth:`Augmenter.augment_image` to
    report; anything missing or from another image is drawn again (same values).
    """

    def __init__(self) -> None:
        self.key: int | None = None
        self.records: dict[int, list[dict[str, Any]]] = {}


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
        self._records = _GlyphRecords()

    # ------------------------------------------------------------------ digit stage
    def augment_glyph(self, glyph: np.ndarray, rand: rng.ImageRandom, j: int) -> np.ndarray:
        """Apply the digit-stage ops to glyph ``j`` of an image.

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
        numpy.ndarray
            ``(H, w')`` uint8 with ``w' ≥ w``: the original cell, widened symmetrically
            only as far as ink moved out of it.
        """
        if not self._digit:
            return glyph
        steps = self._glyph_steps(rand, j)
        if not steps:
            return glyph
        height, width = glyph.shape
        pad = max(self._bound(width, height) - width, 0) // 2 + 2
        work = backend.run_glyph_ops(glyph, pad, [(op, values, r) for _, op, values, r in steps])
        first, _, ink_width, _ = backend.bounding_box(work)
        if ink_width == 0:
            if glyph.any():
                names = ", ".join(f"augment[{i}] {op}" for i, op, _, _ in steps)
                raise SpecError(
                    f"augment[{steps[-1][0]}]",
                    f"the digit ops ({names}) erased glyph {j} entirely for this seed; "
                    "narrow their ranges (a digit must keep some ink)",
                )
            return work[:, pad : pad + width]
        left = min(pad, first)
        right = max(pad + width - 1, first + ink_width - 1)
        # Trim symmetrically about the cell so the glyph stays centred in its slot.
        grow = max(pad - left, right - (pad + width - 1))
        return np.ascontiguousarray(work[:, pad - grow : pad + width + grow])

    def _glyph_steps(self, rand: rng.ImageRandom, j: int) -> list:
        """Draw glyph ``j``'s digit-op values once: the applied steps; records kept."""
        sub = rng.ImageRandom(rand.raw(rng.STREAM_AUGMENT, 1 + j))
        steps = []
        records = []
        for plan in self._digit:
            applied, values, r = plan.realise(sub)
            records.append(_record(plan, applied, values))
            if applied:
                steps.append((plan.index, plan.op.op, values, r))
        cache = self._records
        if cache.key != rand.key:
            cache.key = rand.key
            cache.records = {}
        cache.records[j] = records
        return steps

    def _glyph_records(self, rand: rng.ImageRandom, j: int) -> list[dict[str, Any]]:
        cache = self._records
        if cache.key == rand.key and j in cache.records:
            return cache.records[j]
        sub = rng.ImageRandom(rand.raw(rng.STREAM_AUGMENT, 1 + j))
        return [_record(plan, *plan.realise(sub)[:2]) for plan in self._digit]

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
        shrinks = any(
            p.op.op not in _NON_SHRINKING
            and not (p.op.op == "stroke" and p.op.params["radius"][0] >= 0)
            for p in self._digit
        )
        return (np.ones_like(laid) if shrinks else laid), np.maximum(ink_bound, 1)

    # ------------------------------------------------------------------ image stage
    def augment_image(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        boxes: np.ndarray,
        rand: rng.ImageRandom,
        params: dict,
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

        Returns
        -------
        (image, mask, boxes)
            Same shapes and dtypes as given.
        """
        count = len(boxes)
        if self._digit:
            params["glyph_augment"] = [self._glyph_records(rand, j) for j in range(count)]
            self._records.key = None  # this image is done: keep nothing for the next one
            self._records.records = {}
        if not self._image:
            return image, mask, boxes
        sub = rng.ImageRandom(rand.raw(rng.STREAM_AUGMENT, 0))
        layers = backend.ImageLayers(image, mask, count)
        records = []
        last_moving = None
        for plan in self._image:
            applied, values, r = plan.realise(sub)
            records.append(_record(plan, applied, values))
            if applied:
                backend.IMAGE_OPS[plan.op.op](layers, values, r)
                if layers.moved and plan.op.op in backend.MOVING_IMAGE_OPS:
                    last_moving = plan
        params["augment"] = records
        out = layers.image
        if out.dtype != np.uint8 or out.shape != image.shape:  # pragma: no cover - backend contract
            raise RuntimeError(f"augmentation changed the image to {out.dtype} {out.shape}")
        if not layers.moved:
            return out, mask, boxes
        new_mask = layers.result_mask()
        new_boxes = boxes_from_mask(new_mask, count)
        lost = np.flatnonzero(
            (new_boxes[:, 2] == 0) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0) & _had_ink(mask, count)
        )
        if len(lost):
            raise SpecError(
                f"augment[{last_moving.index}]",
                f"op {last_moving.op.op!r} pushed digit {int(lost[0])} fully out of the image for this "
                "seed; narrow its range",
            )
        return out, new_mask, new_boxes


_PER_LABEL_BOXES = 16  # up to this many glyphs, one bounding-rect scan per label is fastest


def boxes_from_mask(mask: np.ndarray, count: int) -> np.ndarray:
    """``(count, 4)`` int32 tight ``[x, y, w, h]`` boxes of ``mask == k`` (zeros if empty)."""
    boxes = np.zeros((count, 4), np.int32)
    if count == 0:
        return boxes
    if count <= _PER_LABEL_BOXES:
        for k in range(1, count + 1):
            boxes[k - 1] = backend.bounding_box(mask == k)
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


def _record(plan: _Plan, applied: bool, values: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"op": plan.op.op, "index": plan.index, "applied": applied}
    if applied:
        for name, value in values.items():
            if isinstance(value, float):
                value = round(value, 6)
            elif isinstance(value, list):
                value = [round(float(v), 6) for v in value]
            record[name] = value
    return record


def _width_bound(
    plans: list[_Plan], half_w: np.ndarray, half_h: np.ndarray, height: int
) -> np.ndarray:
    """Conservative largest ink width after the digit ops (vectorised over glyphs).

    ``half_w``/``half_h`` bound the ink's distance from the cell centre; they are pushed
    through each op's largest parameters. Vertically ink never gets further than
    ``height / 2`` from the centre (rows outside the frame are cut).
    """
    hw = np.asarray(half_w, np.float64).copy()
    hh = np.minimum(np.asarray(half_h, np.float64), height / 2)
    cap = height / 2
    warps = 0  # interpolation passes: consecutive affine ops are fused into one warp
    previous_affine = False
    for plan in plans:
        op, params = plan.op.op, plan.op.params
        affine = op in backend.AFFINE_OPS
        if affine and not previous_affine:
            warps += 1
        previous_affine = affine
        if op == "rotate":
            a = math.radians(max(abs(v) for v in params["angle"]))
            radius = np.hypot(hw, hh)
            reach_w = np.where(np.arctan2(hh, hw) <= a, radius, hw * math.cos(a) + hh * math.sin(a))
            reach_h = np.where(np.arctan2(hw, hh) <= a, radius, hh * math.cos(a) + hw * math.sin(a))
            hw, hh = reach_w, np.minimum(reach_h, cap)
        elif op == "shear":
            hw = hw + hh * math.tan(math.radians(max(abs(v) for v in params["angle"])))
        elif op == "scale":
            f = params["factor"][1]
            hw, hh = hw * f, np.minimum(hh * f, cap)
        elif op == "translate":
            hw = hw + max(abs(v) for v in params["x"]) * height
            hh = np.minimum(hh + max(abs(v) for v in params["y"]) * height, cap)
        elif op == "elastic":
            hw, hh = hw + params["alpha"][1], np.minimum(hh + params["alpha"][1], cap)
            warps += 1
        elif op == "stroke":
            r = max(params["radius"][1], 0)
            hw, hh = hw + r, np.minimum(hh + r, cap)
        elif op == "digit_blur":
            r = (backend.gaussian_ksize(params["sigma"][1]) - 1) / 2
            hw, hh = hw + r, np.minimum(hh + r, cap)
        elif op == "digit_perspective":
            s = params["strength"][1]
            # Corners move ≤ s·height; allow twice that plus a proportional term.
            hw = hw * (1 + 4 * s) + 2 * s * height
            hh = np.minimum(hh * (1 + 4 * s) + 2 * s * height, cap)
            warps += 1
    # Each interpolation pass can light pixels up to 1 px beyond the exact mapped ink.
    return (np.ceil(2 * (hw + warps)) + 1).astype(np.int64)
