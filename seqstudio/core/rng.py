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
import struct
from collections.abc import Sequence

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


@functools.lru_cache(maxsize=1024)
def _counter_hashes(stream: int, count: int) -> tuple[int, ...]:
    """``_counter_hash(stream, k)`` for ``k = 0 … count − 1``, as one cached tuple."""
    return tuple(_counter_hash(stream, k) for k in range(count))


@functools.lru_cache(maxsize=64)
def _seed_key(seed: int) -> int:
    return _mix_int((seed * _GOLDEN_INT + _GOLDEN_INT) & _MASK)


def image_key(seed: int, index: int) -> int:
    """The key of one image (equal to ``image_keys(seed, [index])[0]``)."""
    return _mix_int(_seed_key(seed) ^ ((index * _GOLDEN_INT) & _MASK))


def _uniforms(key: int, hashes: tuple[int, ...]) -> list[float]:
    """``(_mix_int(key ^ h) >> 11) / 2**53`` for each ``h``, the mix written out inline."""
    out = []
    for h in hashes:
        z = key ^ h
        z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
        z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
        out.append(((z ^ (z >> 31)) >> 11) * _INV_2_53)
    return out


class DrawPlan:
    """The first draws of several streams of one image, computed together.

    The same numbers as :meth:`ImageRandom.uniforms`, bit for bit (tests check it), in
    about half the time: the draws are lanes 128 bits apart in one Python integer, so
    each step of the mix is one operation for all of them (a lane's 64 × 64-bit product
    fits its 128 bits, and a mask clears what shifts carry in from the lane above).

    Parameters
    ----------
    counts : sequence of (int, int)
        ``(stream, count)`` pairs: draws ``0 … count − 1`` of each stream.
    """

    __slots__ = ("counts", "_hashes", "_lane_mask", "_lanes", "_unpack", "_size")

    def __init__(self, counts: Sequence[tuple[int, int]]) -> None:
        self.counts = tuple((int(stream), int(count)) for stream, count in counts)
        hashes = [h for stream, count in self.counts for h in _counter_hashes(stream, count)]
        self._lanes = sum(1 << (128 * k) for k in range(len(hashes)))
        self._lane_mask = _MASK * self._lanes
        self._hashes = sum(h << (128 * k) for k, h in enumerate(hashes))
        self._size = 16 * len(hashes)
        self._unpack = struct.Struct("<" + "Q8x" * len(hashes)).unpack

    def uniforms(self, key: int) -> dict[int, list[float]]:
        """``{stream: ImageRandom(key).uniforms(stream, count)}`` for every planned stream."""
        values = [m * _INV_2_53 for m in self.words(key)]
        out, first = {}, 0
        for stream, count in self.counts:
            out[stream] = values[first : first + count]
            first += count
        return out

    def words(self, key: int) -> tuple[int, ...]:
        """The 53-bit integers behind every planned draw, streams in plan order.

        ``m * 2**-53`` is the uniform :meth:`uniforms` gives for that draw (exactly).
        """
        lanes = self._lane_mask
        z = (key * self._lanes) ^ self._hashes
        z = ((z ^ (z >> 30)) & lanes) * _M1_INT & lanes
        z = ((z ^ (z >> 27)) & lanes) * _M2_INT & lanes
        # Lanes' upper halves get bits of the lane above: cleared before the shift.
        z = ((z ^ (z >> 31)) & lanes) >> 11
        return self._unpack(z.to_bytes(self._size, "little"))


class ImageRandom:
    """The random numbers of one image, drawn with plain Python integers.

    Parameters
    ----------
    key : int
        The image's key from :func:`image_key`.
    plan : DrawPlan, optional
        Draws to compute at once, up front (the same numbers, faster).
    """

    __slots__ = ("key", "_drawn")

    def __init__(self, key: int, plan: DrawPlan | None = None) -> None:
        self.key = key
        self._drawn = plan.uniforms(key) if plan is not None else None

    def raw(self, stream: int, k: int) -> int:
        """Random word ``k`` of ``stream``."""
        return _mix_int(self.key ^ _counter_hash(stream, k))

    def uniform(self, stream: int, k: int) -> float:
        """Uniform float in [0, 1)."""
        if self._drawn is not None:
            drawn = self._drawn.get(stream)
            if drawn is not None and k < len(drawn):
                return drawn[k]
        return (self.raw(stream, k) >> 11) * _INV_2_53

    def uniforms(self, stream: int, count: int) -> list[float]:
        """Uniform floats ``0 … count − 1`` of ``stream`` (as :meth:`uniform`, in one call)."""
        if self._drawn is not None:
            drawn = self._drawn.get(stream)
            if drawn is not None and count <= len(drawn):
                return drawn[:count]
        if count >= 4:  # lanes beat one mix at a time from about four draws
            return _stream_plan(stream, count).uniforms(self.key)[stream]
        return _uniforms(self.key, _counter_hashes(stream, count))

    def integer(self, stream: int, k: int, low: int, high: int) -> int:
        """Uniform integer in [low, high], both ends included."""
        return min(low + int(self.uniform(stream, k) * (high - low + 1)), high)

    def integers(self, stream: int, count: int, low: int, high: int) -> list[int]:
        """``count`` uniform integers in [low, high] (as :meth:`integer` for k = 0 … count − 1)."""
        span = high - low + 1
        return [min(low + int(u * span), high) for u in self.uniforms(stream, count)]

    def below(self, stream: int, sizes: list[int]) -> list[int]:
        """Integer ``k`` uniform in [0, ``sizes[k]``), for each k (as :meth:`integer`)."""
        return [
            min(int(u * size), size - 1)
            for u, size in zip(self.uniforms(stream, len(sizes)), sizes)
        ]

    def seed(self, stream: int) -> int:
        """A non-negative 63-bit seed (equal to :func:`seed_for` for this image)."""
        return self.raw(stream, 0) >> 1


@functools.lru_cache(maxsize=256)
def _stream_plan(stream: int, count: int) -> DrawPlan:
    return DrawPlan([(stream, count)])
