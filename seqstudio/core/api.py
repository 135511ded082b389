"""The classic one-call API: ``generate_numbers_sequence(digits, spacing_range, image_width)``."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from seqstudio.core.errors import SpecError
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.layout import WidthError
from seqstudio.core.spec import GenerationSpec

#: Generators kept for repeated calls (keyed by the spec without its seed).
CACHE_SIZE = 32

_cache: OrderedDict[GenerationSpec, SequenceGenerator] = OrderedDict()
_cache_lock = threading.Lock()
#: The same generators by the classic call's arguments (no augmentation or a preset name).
_by_arguments: OrderedDict[tuple, SequenceGenerator] = OrderedDict()

# The spec's field names as this API calls them.
_PARAMETERS = {
    "width": "image_width",
    "spacing_min": "spacing_range",
    "spacing_max": "spacing_range",
    "digits": "digits",
}


def generate_numbers_sequence(
    digits: Iterable[int] | str,
    spacing_range: Sequence[int],
    image_width: int,
    *,
    height: int = 28,
    fit: str = "pad",
    augment: str | Sequence | None = None,
    seed: int | None = None,
    index: int = 0,
) -> np.ndarray:
    """Generate an image of a handwritten digit sequence.

    Each digit is drawn at random from the MNIST images of its class; each gap between
    neighbouring digits is drawn uniformly from ``spacing_range`` (both ends included);
    the image is exactly ``image_width`` pixels wide, and the digits are never resampled.
    Every width from the narrowest that holds the digits with the minimum gaps up works:
    when the drawn gaps do not fit, they are drawn uniformly from the gaps within
    ``spacing_range`` that do (see ``fit`` in :class:`GenerationSpec`).

    Parameters
    ----------
    digits : iterable of int or str
        The digits, e.g. ``[1, 4, 5, 4, 3]`` or ``"14543"``.
    spacing_range : (int, int)
        Minimum and maximum gap in pixels, min ≤ max; a negative minimum lets digits
        touch or overlap (down to half a digit).
    image_width : int
        Output width in pixels, at least the digits plus the minimum gaps.
    height : int
        Output height (digits are scaled to it, aspect kept); 28 is MNIST's own.
    fit : str
        ``"pad"`` (default), ``"strict"``, ``"exact"``, ``"scale"`` or ``"stretch"``.
    augment : str or list, optional
        An augmentation preset (``"light"``, ``"scan-like"``, ``"heavy"``), a preset
        file, or a list of operations.
    seed : int, optional
        Seed for a reproducible image; ``None`` draws a fresh one on every call.
    index : int
        Which image of the seeded run to return.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(height, image_width)``, values in [0, 1]: 0 is black
        background, 1 is white ink, as in MNIST.

    Raises
    ------
    SpecError
        (a ``ValueError``) naming the parameter, the value and what is allowed — for a
        width, the smallest ``image_width`` that works.
    """
    labels = _digits(digits)
    try:
        low, high = spacing_range
    except (TypeError, ValueError):
        raise SpecError("spacing_range", f"{spacing_range!r} is not a (min, max) pair") from None
    low, high, image_width, height, index = (
        v if type(v) is int else _plain(v) for v in (low, high, image_width, height, index)
    )
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise SpecError(
            "spacing_range", f"({low}, {high}) has its minimum above its maximum (need min ≤ max)"
        )
    if seed is None:
        seed = secrets.randbits(63)  # from the operating system's entropy, as numpy's own
    elif type(seed) is not int:
        seed = _plain(seed)
    try:
        # A call repeated with the same arguments (the usual loop) skips building and
        # checking its spec again: only the seed changes. Only exact ints and strings
        # are keys: 200.0 or True equal 200 or 1 as keys but must still be refused.
        cacheable = (
            type(low) is int
            and type(high) is int
            and type(image_width) is int
            and type(height) is int
            and type(fit) is str
            and (augment is None or type(augment) is str)
        )
        key = (labels, low, high, image_width, height, fit, augment)
        base = _by_arguments.get(key) if cacheable else None
        if base is None:
            spec = GenerationSpec(
                digits=labels,
                spacing_min=low,
                spacing_max=high,
                width=image_width,
                height=height,
                fit=fit,
                augment=_augment(augment),
                seed=0,
            )
            base = _generator(spec)
            if cacheable:
                with _cache_lock:
                    _by_arguments[key] = base
                    while len(_by_arguments) > CACHE_SIZE:
                        _by_arguments.popitem(last=False)
        image = base.image(index, seed=seed)
    except WidthError as exc:
        raise _width_error(exc, image_width, low, high, len(labels)) from None
    except SpecError as exc:
        field = exc.field.split("[")[0].split(".")[0]
        if field in _PARAMETERS:
            raise SpecError(_PARAMETERS[field] + exc.field[len(field) :], exc.message) from None
        raise
    return np.multiply(image, np.float32(1 / 255), dtype=np.float32)


def _plain(value):
    """A numpy integer as a Python int; anything else unchanged (the spec checks it)."""
    return int(value) if isinstance(value, np.integer) else value


_DIGIT_LABELS = tuple("0123456789")


def _digits(digits) -> tuple[str, ...]:
    if isinstance(digits, str):
        if digits.isascii() and digits.isdigit():  # the usual case: nothing more to check
            return tuple(digits)
        labels = tuple(digits)
    elif type(digits) in (list, tuple) and all(type(d) is int and 0 <= d <= 9 for d in digits):
        labels = tuple([_DIGIT_LABELS[d] for d in digits])
        if labels:
            return labels
    else:
        try:
            labels = tuple(digits)
        except TypeError:
            raise SpecError("digits", f"{digits!r} is not a sequence of digits") from None
        for k, d in enumerate(labels):
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d <= 9:
                raise SpecError(f"digits[{k}]", f"{d!r} is not a digit 0-9")
        labels = tuple(str(int(d)) for d in labels)
    if not labels:
        raise SpecError("digits", "is empty (give at least one digit)")
    for k, label in enumerate(labels):
        if label not in "0123456789" or len(label) != 1:
            raise SpecError(f"digits[{k}]", f"{label!r} is not a digit 0-9")
    return labels


def _augment(augment) -> tuple:
    if augment is None:
        return ()
    if isinstance(augment, str):
        from seqstudio.core.augment.presets import load_preset

        return load_preset(augment)
    return augment


def clear_cache() -> None:
    """Forget every generator kept for repeated calls (the next call builds its own)."""
    with _cache_lock:
        _cache.clear()
        _by_arguments.clear()


def _generator(spec: GenerationSpec) -> SequenceGenerator:
    """The generator for ``spec``, built once per spec-without-seed (LRU)."""
    key = spec.replace(seed=0)
    with _cache_lock:
        generator = _cache.get(key)
        if generator is not None:
            _cache.move_to_end(key)
    if generator is None:
        generator = SequenceGenerator(key)
        with _cache_lock:
            _cache[key] = generator
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return generator if spec.seed == 0 else generator.with_seed(spec.seed)


def _width_error(exc: WidthError, width: int, low: int, high: int, count: int) -> SpecError:
    what = f"{count} digit{'s' if count != 1 else ''} with spacing_range ({low}, {high})"
    if exc.minimum is None:
        return SpecError("image_width", f"no image_width fits {what}: {exc.message}")
    if exc.width_range.high is None:
        return SpecError(
            "image_width",
            f"{width} is too small for {what}: "
            f"the smallest image_width that works is {exc.minimum}",
        )
    return SpecError(
        "image_width",
        f"{width} cannot fit {what}: image_width must be one of {exc.width_range.describe()}",
    )
