"""The classic one-call API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from seqstudio.core.errors import SpecError
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

_cache: dict[GenerationSpec, SequenceGenerator] = {}


def generate_numbers_sequence(
    digits: Iterable[int] | str,
    spacing_range: Sequence[int],
    image_width: int,
    *,
    seed: int | None = None,
    index: int = 0,
) -> np.ndarray:
    """Generate an image of a handwritten digit sequence.

    Each digit is drawn at random from the MNIST images of its class; each gap between
    neighbouring digits is drawn uniformly from ``spacing_range`` (both ends included).
    The sequence is centred and padded to ``image_width`` without any resampling.

    Parameters
    ----------
    digits : iterable of int or str
        The digits, e.g. ``[1, 4, 5, 4, 3]`` or ``"14543"``.
    spacing_range : (int, int)
        Minimum and maximum gap in pixels, 0 ≤ min ≤ max.
    image_width : int
        Output width in pixels; must hold the digits and the largest gaps.
    seed : int, optional
        Seed for a reproducible image; ``None`` draws a fresh one.
    index : int
        Which image of the seeded run to return.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(28, image_width)``, values in [0, 1]: 0 is black
        background, 1 is white ink, as in MNIST.

    Raises
    ------
    SpecError
        Naming the parameter, the value and the allowed range, for any invalid input.
    """
    if isinstance(digits, str):
        labels = tuple(digits)
    else:
        try:
            labels = tuple(digits)
        except TypeError:
            raise SpecError("digits", f"{digits!r} is not a sequence of digits") from None
        for k, d in enumerate(labels):
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d <= 9:
                raise SpecError(f"digits[{k}]", f"{d!r} is not a digit 0-9")
        labels = tuple(str(int(d)) for d in labels)
    for k, label in enumerate(labels):
        if label not in "0123456789" or len(label) != 1:
            raise SpecError(f"digits[{k}]", f"{label!r} is not a digit 0-9")
    try:
        low, high = spacing_range
    except (TypeError, ValueError):
        raise SpecError("spacing_range", f"{spacing_range!r} is not a (min, max) pair") from None
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    spec = GenerationSpec(
        digits=labels, spacing_min=low, spacing_max=high, width=image_width, seed=seed
    )
    generator = _cache.get(spec)
    if generator is None:
        if len(_cache) > 64:
            _cache.clear()
        generator = _cache[spec] = SequenceGenerator(spec)
    image = generator.generate(index, masks=False).image
    return image.astype(np.float32) * np.float32(1 / 255)
