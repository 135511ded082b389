"""The generator's two augmentation hooks (per glyph, per image), found lazily.

The augmentation engine lives in :mod:`seqstudio.core.augment`; the generator only needs
an object with ``augment_glyph(glyph, rand, j)`` and
``augment_image(image, mask, boxes, rand, params)``, or ``None`` when the spec has no
enabled augmentation.
"""

from __future__ import annotations

from seqstudio.core.spec import GenerationSpec


def build_augmenter(spec: GenerationSpec):
    """The augmenter for ``spec``, or ``None`` if it augments nothing."""
    if not any(getattr(op, "enabled", True) for op in spec.augment):
        return None
    from seqstudio.core.augment.engine import Augmenter

    return Augmenter(spec)
