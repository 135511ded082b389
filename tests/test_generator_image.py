"""``SequenceGenerator.image`` (pixels only, for the classic API) equals ``generate(...).image``."""

from __future__ import annotations

import pytest

from seqstudio.core.augment.presets import load_preset
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

SPECS = [
    {},
    {"invert": True, "crop": True, "align": "random"},
    {"fit": "strict", "spacing_scope": "edges", "width": 230},
    {"fit": "exact", "width": 5 * 28 + 4 * 7},
    {"fit": "scale", "width": 90},
    {"fit": "stretch", "width": 300},
    {"fit": "pad", "width": 165},  # gaps redrawn to fit
    {"spacing_min": -6, "spacing_max": 2, "width": 150},  # overlapping glyphs
    {"augment": load_preset("light")},
]


@pytest.mark.parametrize("changes", SPECS)
def test_image_equals_the_generated_samples_image(changes):
    spec = GenerationSpec(digits="14543", spacing_min=5, spacing_max=10, width=200, seed=3)
    gen = SequenceGenerator(spec.replace(**changes))
    for index, seed in ((0, None), (17, None), (5, 0), (5, 2**63 - 1), (2**40, 99)):
        want = gen.generate(index, masks=False, seed=seed).image
        got = gen.image(index, seed=seed)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()
