"""Augmentation: a validated op list in the generation spec, applied exactly and reproducibly.

* :mod:`~seqstudio.core.augment.schema` — :data:`OPS`, the registry of every op (single
  source of truth); each op is an :class:`~seqstudio.core.augment.operation.Operation`
  holding its parameter schema, sampling, pixels, width bound and record.
* :mod:`~seqstudio.core.augment.glyph_ops` / :mod:`~seqstudio.core.augment.image_ops` —
  the operations of each stage; :mod:`~seqstudio.core.augment.domain_ops` (domain
  randomisation of digits) and :mod:`~seqstudio.core.augment.colour_ops` (RGB colour,
  backgrounds, illumination).
* :mod:`~seqstudio.core.augment.spec` — :class:`AugmentOp` and :func:`parse_pipeline`.
* :mod:`~seqstudio.core.augment.presets` — bundled presets ``none``, ``light``,
  ``scan-like``, ``heavy`` and user preset files.
* :mod:`~seqstudio.core.augment.engine` — :class:`Augmenter`, called by the generator.
* :mod:`~seqstudio.core.augment.imgaug_backend` — the only module importing imgaug, lazily.

Importing this package does not import imgaug; the first op that needs it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from seqstudio.core.augment.colour_ops import output_channels
from seqstudio.core.augment.presets import list_presets, load_preset
from seqstudio.core.augment.schema import OPS, OpSchema, ParamSchema, ops_for_stage
from seqstudio.core.augment.spec import AugmentOp, parse_pipeline

if TYPE_CHECKING:
    from seqstudio.core.augment.engine import Augmenter

__all__ = [
    "OPS",
    "AugmentOp",
    "build_augmenter",
    "OpSchema",
    "ParamSchema",
    "list_presets",
    "load_preset",
    "ops_for_stage",
    "output_channels",
    "parse_pipeline",
]


def build_augmenter(spec: Any) -> Augmenter | None:
    """The :class:`~seqstudio.core.augment.engine.Augmenter` for a spec, or ``None``.

    Parameters
    ----------
    spec : GenerationSpec
        The spec whose ``augment`` list to apply.

    Returns
    -------
    Augmenter or None
        ``None`` when no op is enabled (the engine and OpenCV are then not imported).
    """
    if not any(op.enabled for op in spec.augment):
        return None
    from seqstudio.core.augment.engine import Augmenter

    return Augmenter(spec)
