"""The registry of augmentation operations: the single source of truth.

Every operation seqstudio can apply is one :class:`~seqstudio.core.augment.operation.Operation`
object in :data:`OPS` — its parameter schema and its behaviour (sampling, pixels, width
bound, record) together. The GUI builds its widgets from it, the CLI prints help from it,
validation (:func:`seqstudio.core.augment.spec.parse_pipeline`) checks against it and the
engine (:mod:`seqstudio.core.augment.engine`) calls it. Adding an operation is one class
in a stage module plus its instance in that module's list.

Two stages:

``digit``
    Applied to each glyph before layout, so boxes and masks are measured on the
    transformed glyph (:mod:`~seqstudio.core.augment.glyph_ops`).
``image``
    Applied to the composed image, before ``spec.invert``; geometric and blurring ops
    move the instance mask and boxes with the ink (:mod:`~seqstudio.core.augment.image_ops`).

Ranges (``float_range``/``int_range``) are ``[lo, hi]`` pairs with ``lo ≤ hi``; a value
is drawn uniformly from them for every image (or glyph) that the op is applied to.
Limits are chosen so that no op can push a digit fully out of its glyph cell or the
image; if a draw ever did, generation raises an error instead of writing a wrong label.
"""

from __future__ import annotations

from seqstudio.core.augment.colour_ops import COLOUR_OPS
from seqstudio.core.augment.domain_ops import DOMAIN_OPS
from seqstudio.core.augment.glyph_ops import DIGIT_OPS
from seqstudio.core.augment.image_ops import IMAGE_OPS
from seqstudio.core.augment.operation import Operation, OpSchema, ParamSchema

__all__ = ["KINDS", "OPS", "STAGES", "Operation", "OpSchema", "ParamSchema", "ops_for_stage"]

KINDS = ("float", "int", "bool", "choice", "float_range", "int_range", "folder")
STAGES = ("digit", "image")

OPS: dict[str, Operation] = {op.op: op for op in (*DIGIT_OPS, *DOMAIN_OPS, *IMAGE_OPS, *COLOUR_OPS)}
"""Every operation, by name, in display order (digit ops first)."""


def ops_for_stage(stage: str) -> list[Operation]:
    """The operations of one stage (``"digit"`` or ``"image"``), in display order."""
    if stage not in STAGES:
        raise ValueError(f"{stage!r} is not a stage (one of: {', '.join(STAGES)})")
    return [op for op in OPS.values() if op.stage == stage]
