"""Counter-based random numbers: image ``i`` depends only on (seed, i), never on order.

Each random value is a pure function of ``(seed, image index, stream, k)`` — a
SplitMix64-style hash, vectorised in numpy — so one image, a batch of images, or images
spread over any number of worker processes all get exactly the same numbers, and no
generator state is ever carried from one image to the next.

Streams keep the different kinds of draw apart, so that (for example) changing the
spacing never changes which glyphs are drawn.
"""

from __future__ import annotations

import functools

import numpy as np

STREAM_LENGTH = 1
STREAM_LABELS = 2
STREAM_GLYPHS = 3
STREAM_GAPS = 4
STREAM_ALIGN = 5
STREAM_AUGMENT = 6
STREAM_EXACT = 7
STREAM_FIT = 8

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S32, _S11 = (np.uint64(s) for s in (30, 27, 31, 32, 11))
_INV_2_53 = 1.0 / 2.0**53


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijective avalanche on uint64 (wraps by design)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def image_keys(seed: int, indices: np.ndarray) -> np.ndarray:
    """A 64-bit key per image, from the run's seed and the images' indices."""
    indices = np.asarray(indices, dtype=np.uint64)
    with np.errstate(over="ignore"):
        seed_key = _mix(np.array([seed], dtype=np.uint64) * _GOLDEN + _GOLDEN)
        return _mix(seed_key ^ (indices * _GOLDEN))


def raw_draws(keys: np.ndarray, stream: int, count: int) -> np.ndarray:
    """``(len(keys), count)`` uint64 random words for ``stream``."""
    counters = (np.uint64(stream) << _S32) + np.arange(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix(keys[:, None] ^ _mix(counters * _GOLDEN + _GOLDEN)[None, :])


def uniform(keys: np.ndarray, stream: int, count: int) -> np.ndarray:
    """``(len(keys), count)`` floats uniform in [0, 1) with 53 random bits each."""
    return (raw_draws(keys, stream, count) >> _S11).astype(np.float64) * _INV_2_53


def integers(keys: np.ndarray, stream: int, count: int, low, high) -> np.ndarray:
    """``(len(keys), count)`` int64 uniform in [low, high], both ends included.

    ``low`` and ``high`` may be scalars or arrays broadcasting to ``(len(keys), count)``.
    The bias from mapping 53 random bits onto the range is below 2**-40 for any range
    this package uses.
    """
    span = np.asarray(high, dtype=np.int64) - np.asarray(low, dtype=np.int64) + 1
    values = np.asarray(low, dtype=np.int64) + np.floor(uniform(keys, stream, count) * span).astype(
        np.int64
    )
    return np.minimum(values, np.asarray(high, dtype=np.int64))


def seed_for(keys: np.ndarray, stream: int) -> np.ndarray:
    """A non-negative 63-bit integer seed per image, for libraries that take a seed."""
    return (raw_draws(keys, stream, 1)[:, 0] >> np.uint64(1)).astype(np.int64)


# ---------------------------------------------------------------------------------
# Scalar twins of the functions above, in plain Python integers: the same numbers,
# bit for bit (tests check it), without numpy's per-call overhead for one image.
_MASK = (1 << 64) - 1
_M1_INT, _M2_INT, _GOLDEN_INT = int(_M1), int(_M2), int(_GOLDEN)


def _mix_int(z: int) -> int:
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    return z ^ (z >> 31)


@functools.lru_cache(maxsize=65536)
def _counter_hash(stream: int, k: int) -> int:
    """The key-independent half of :meth:`ImageRandom.raw`, computed once per (stream, k)."""
    counter = ((stream << 32) + k) & _MASK
    return _mix_int((counter * _GOLDEN_INT + _GOLDEN_INT) & _MASK)


def image_key(seed: int, index: int) -> int:
    """The key of one image (equal to ``image_keys(seed, [index])[0]``)."""
    seed_key = _mix_int((seed * _GOLDEN_INT + _GOLDEN_INT) & _MASK)
    return _mix_int(seed_key ^ ((index * _GOLDEN_INT) & _MASK))


class ImageRandom:
    """The random numbers of one image, drawn with plain Python integers.

    Parameters
    ----------
    key : int
        The image's key from :func:`image_key`.
    """

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key

    def raw(self, stream: int, k: int) -> int:
        """Random word ``k`` of ``stream``."""
        return _mix_int(self.key ^ _counter_hash(stream, k))

    def uniform(self, stream: int, k: int) -> float:
        """Uniform float in [0, 1)."""
        return (self.raw(stream, k) >> 11) * _INV_2_53

    def uniforms(self, stream: int, count: int) -> list[float]:
        """Uniform floats ``0 … count − 1`` of ``stream`` (as :meth:`uniform`, in one call)."""
        key = self.key
        return [(_mix_int(key ^ _counter_hash(stream, k)) >> 11) * _INV_2_53 for k in range(count)]

    def integer(self, stream: int, k: int, low: int, high: int) -> int:
        """Uniform integer in [low, high], both ends included."""
        return min(low + int(self.uniform(stream, k) * (high - low + 1)), high)

    def integers(self, stream: int, count: int, low: int, high: int) -> list[int]:
        """``count`` uniform integers in [low, high]."""
        return [self.integer(stream, k, low, high) for k in range(count)]

    def seed(self, stream: int) -> int:
        """A non-negative 63-bit seed (equal to :func:`seed_for` for this image)."""
        return self.raw(stream, 0) >> 1
