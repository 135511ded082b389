"""Per-pixel mean and standard-deviation images, summed exactly over workers.

For every folder (category) and every image size within it, the integer sums of each
pixel's values and of their squares are accumulated (``int64``, exact for any count a
disk can hold); merging two accumulators adds the sums. From them, the mean image and
the (population) std image follow in float64, on values scaled to [0, 1] like the
per-channel figures. Grey images give one channel; colour images three (alpha is left
out); 8- and 16-bit images of one size are kept apart (their scales differ).

A folder with more than :data:`MAX_SIZE_GROUPS` sizes keeps the first ones met; the
rest are counted in ``skipped`` (mixed-size foreign folders).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Size groups kept per folder before further sizes are only counted.
MAX_SIZE_GROUPS = 16
_SCALE = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}


#: Images summed in float64 (exact: every partial sum stays below 2**53, as a 16-bit
#: square is below 2**32) before the sums move to the int64 ones.
PENDING_LIMIT = 1 << 20


@dataclass
class _Sums:
    count: int
    s1: np.ndarray
    s2: np.ndarray
    # Not yet in s1/s2: per channel, float64 sums and sums of squares (OpenCV's
    # accumulate/accumulateSquare add an image without the int64 temporaries).
    pending: list[np.ndarray] | None = None
    pending_count: int = 0

    def flush(self) -> None:
        """Move the pending float64 sums (exact integers) into the int64 ones."""
        if not self.pending_count:
            return
        assert self.pending is not None
        for c in range(self.s1.shape[2]):
            self.s1[:, :, c] += self.pending[2 * c].astype(np.int64)
            self.s2[:, :, c] += self.pending[2 * c + 1].astype(np.int64)
        for array in self.pending:
            array.fill(0.0)
        self.pending_count = 0


@dataclass
class PixelMapAccumulator:
    """Exact per-pixel sums per ``(category, width, height, channels, full scale)``."""

    groups: dict[tuple[str, int, int, int, int], _Sums] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, category: str, planes: list[np.ndarray]) -> None:
        """Add one image given as its colour planes (1 grey or 3 RGB, uint8 or uint16)."""
        from seqstudio.core.stats.decode import cv2_module

        first = planes[0]
        height, width = first.shape
        key = (category, width, height, len(planes), _SCALE.get(first.dtype, 65535))
        sums = self.groups.get(key)
        if sums is None:
            if sum(1 for k in self.groups if k[0] == category) >= MAX_SIZE_GROUPS:
                self.skipped[category] = self.skipped.get(category, 0) + 1
                return
            shape = (height, width, len(planes))
            sums = self.groups[key] = _Sums(0, np.zeros(shape, np.int64), np.zeros(shape, np.int64))
        if sums.pending is None:
            sums.pending = [np.zeros((height, width), np.float64) for _ in range(2 * len(planes))]
        cv2 = cv2_module()
        sums.count += 1
        for c, plane in enumerate(planes):
            cv2.accumulate(plane, sums.pending[2 * c])
            cv2.accumulateSquare(plane, sums.pending[2 * c + 1])
        sums.pending_count += 1
        if sums.pending_count >= PENDING_LIMIT:
            sums.flush()

    def flush(self) -> None:
        """Make ``s1``/``s2`` of every group complete (see :class:`_Sums`)."""
        for sums in self.groups.values():
            sums.flush()
            sums.pending = None

    def __getstate__(self) -> dict:
        self.flush()  # a worker's result travels without its float64 buffers
        return self.__dict__.copy()

    def merge(self, other: PixelMapAccumulator) -> None:
        """Add everything ``other`` summed."""
        other.flush()
        for key, theirs in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                self.groups[key] = _Sums(theirs.count, theirs.s1.copy(), theirs.s2.copy())
            else:
                mine.count += theirs.count
                mine.s1 += theirs.s1
                mine.s2 += theirs.s2
        for category, count in other.skipped.items():
            self.skipped[category] = self.skipped.get(category, 0) + count

    def finalize(self, overall_name: str) -> list[PixelMap]:
        """Mean/std images per folder and size, then per size over all folders."""
        self.flush()
        maps = [_finish(category, tuple(key), sums) for (category, *key), sums in self._items()]
        totals: dict[tuple[int, int, int, int], _Sums] = {}
        for (_, *key), sums in self._items():
            total = totals.get(tuple(key))
            if total is None:
                totals[tuple(key)] = _Sums(sums.count, sums.s1.copy(), sums.s2.copy())
            else:
                total.count += sums.count
                total.s1 += sums.s1
                total.s2 += sums.s2
        maps += [_finish(overall_name, key, sums) for key, sums in totals.items()]
        return sorted(maps, key=lambda m: (m.category == overall_name, m.category, -m.count))

    def _items(self):
        return sorted(self.groups.items(), key=lambda kv: kv[0])


@dataclass
class PixelMap:
    """The mean and std image of the images of one folder (or all) that share a size.

    Attributes
    ----------
    category : str
        Folder, or ``"(all)"``.
    width, height : int
        The size.
    channels : str
        ``"L"`` or ``"RGB"``.
    count : int
        Images summed.
    mean, std : numpy.ndarray
        ``(height, width, channels)`` float64 on [0, 1]; ``std`` is the population std.
    """

    category: str
    width: int
    height: int
    channels: str
    count: int
    mean: np.ndarray = field(repr=False)
    std: np.ndarray = field(repr=False)

    @property
    def size(self) -> str:
        """``"WIDTHxHEIGHT"``."""
        return f"{self.width}x{self.height}"

    def describe(self) -> dict:
        """The plain-data part (no arrays), for JSON."""
        return {
            "category": self.category,
            "size": self.size,
            "channels": self.channels,
            "count": self.count,
        }


def _finish(category: str, key, sums: _Sums) -> PixelMap:
    width, height, channels, scale = key
    n = sums.count
    mean = sums.s1 / (n * scale)
    # n*s2 - s1**2 is computed in int64 (exact) while it cannot overflow, else in float64.
    limit = 2**62
    if int(sums.s1.max(initial=0)) ** 2 < limit and n * int(sums.s2.max(initial=0)) < limit:
        diff = (n * sums.s2 - sums.s1 * sums.s1).astype(np.float64)
    else:
        diff = n * sums.s2.astype(np.float64) - sums.s1.astype(np.float64) ** 2
    var = diff / (n * n * scale * scale)
    std = np.sqrt(np.maximum(var, 0.0))
    return PixelMap(category, width, height, "L" if channels == 1 else "RGB", n, mean, std)


#: The std image is written as ``std * STD_PNG_GAIN * 255`` (a std of 0.5, the largest
#: possible on [0, 1], becomes white).
STD_PNG_GAIN = 2.0


def display_pixels(item: PixelMap, which: str = "mean") -> np.ndarray:
    """The 8-bit pixels of the mean (or std, times :data:`STD_PNG_GAIN`) image:
    ``(height, width)`` grey or ``(height, width, 3)`` RGB."""
    values = item.mean if which == "mean" else item.std * STD_PNG_GAIN
    pixels = np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)
    return pixels[:, :, 0] if pixels.shape[2] == 1 else pixels


def write_pixel_map(item: PixelMap, path: str | os.PathLike[str], which: str = "mean") -> Path:
    """Write the mean (or std) image as an 8-bit PNG and its exact values beside it.

    The PNG holds ``round(255 * mean)`` (std: ``round(255 * 2 * std)``, see
    :data:`STD_PNG_GAIN`); ``<path without suffix>.npy`` holds the float64 values
    (``(height, width)`` grey or ``(height, width, 3)`` RGB). Returns the ``.npy`` path.

    Raises
    ------
    StatsInputError
        The files cannot be written.
    """
    from PIL import Image

    from seqstudio.core.stats.errors import StatsInputError

    values = item.mean if which == "mean" else item.std
    values = values[:, :, 0] if values.shape[2] == 1 else values
    pixels = display_pixels(item, which)
    out = Path(path)
    exact = out.with_suffix(".npy")
    try:
        Image.fromarray(pixels, "L" if pixels.ndim == 2 else "RGB").save(out, format="PNG")
        np.save(exact, values)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise StatsInputError(f"cannot write {which} image {str(path)!r}: {reason}") from exc
    return exact


#: Images sampled for the grey-level histogram.
HISTOGRAM_SAMPLE = 1000


@dataclass(frozen=True)
class IntensityHistogram:
    """Grey-level counts (256 bins) over a seeded sample of images."""

    counts: list[int]
    images: int


def intensity_histogram(
    root: str | os.PathLike[str], rels: list[str], sample: int = HISTOGRAM_SAMPLE, seed: int = 0
) -> IntensityHistogram:
    """Grey levels (8-bit; 16-bit scaled by 257, colour as Pillow's ``L``) of a seeded
    sample of at most ``sample`` of ``rels``; unreadable files are skipped."""
    import random

    from seqstudio.core.stats.render import load_display_image

    chosen = random.Random(seed).sample(rels, sample) if len(rels) > sample else rels
    counts = np.zeros(256, np.int64)
    used = 0
    for rel in chosen:
        try:
            pixels = load_display_image(Path(root) / rel)
        except Exception:  # noqa: BLE001 - bad files are the QA checks' business
            continue
        if pixels.ndim == 3:  # ITU-R 601-2 luma, as Pillow's convert("L")
            from PIL import Image

            pixels = np.asarray(Image.fromarray(pixels, "RGB").convert("L"))
        counts += np.bincount(pixels.ravel(), minlength=256)
        used += 1
    return IntensityHistogram(counts.tolist(), used)
