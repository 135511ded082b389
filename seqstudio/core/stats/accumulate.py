"""Exact, mergeable accumulators: integer sums per channel, merged across workers.

Channel rules of a group (decided once all its images are counted):

* ``as_rgb``: every image counts as RGB, as Pillow's ``convert("RGB")`` does it —
  gray is repeated into R, G and B and alpha is dropped. (Unlike Pillow, 16-bit gray
  keeps its full precision instead of being clipped to 8 bits.)
* otherwise the group is reported in its widest layout: ``L`` when all images are
  gray; ``RGB`` as soon as one is colour (gray images then count as R = G = B);
  ``RGBA`` as soon as one is RGBA (images without alpha then count as opaque, alpha = 1).
  Alpha of gray+alpha images is dropped unless the group is RGBA. A group that mixes
  channel counts says so in ``GroupStats.mixed_channels`` and ``channel_note``.

Every pixel weighs the same, whatever the size of its image: the sums are over pixels,
not over per-image means.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from seqstudio.core.stats.decode import DecodedImage
from seqstudio.core.stats.model import GroupStats

_FULL = 65535
_LAYOUT_CHANNELS = {"gray": 1, "gray+alpha": 2, "rgb": 3, "rgba": 4}


@dataclass
class _Sums:
    """Pixel count, sum and sum of squares of one channel, in 16-bit units."""

    n: int = 0
    s1: int = 0
    s2: int = 0

    def add(self, n: int, s1: int, s2: int) -> None:
        self.n += n
        self.s1 += s1
        self.s2 += s2

    def merge(self, other: _Sums) -> None:
        self.add(other.n, other.s1, other.s2)

    def mean_std(self) -> tuple[float, float]:
        if self.n == 0:
            return float("nan"), float("nan")
        mean = self.s1 / (self.n * _FULL)  # int / int: correctly rounded
        var = max(self.n * self.s2 - self.s1 * self.s1, 0) / (self.n * self.n * _FULL * _FULL)
        return mean, var**0.5


@dataclass
class GroupAccumulator:
    """Counts and exact channel sums of a group of images; :meth:`merge` adds another."""

    image_count: int = 0
    total_bytes: int = 0
    formats: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    sizes: Counter[tuple[int, int]] = field(default_factory=Counter)
    layouts: Counter[str] = field(default_factory=Counter)
    gray: _Sums = field(default_factory=_Sums)
    color: list[_Sums] = field(default_factory=lambda: [_Sums(), _Sums(), _Sums()])
    alpha: _Sums = field(default_factory=_Sums)

    def add(self, image: DecodedImage, nbytes: int) -> None:
        """Count one decoded image of ``nbytes`` bytes."""
        self.image_count += 1
        self.total_bytes += nbytes
        self.formats[image.format] += 1
        self.modes[image.mode] += 1
        self.sizes[(image.width, image.height)] += 1
        self.layouts[image.layout] += 1
        n = image.width * image.height
        sums = image.sums
        if image.layout in ("gray", "gray+alpha"):
            self.gray.add(n, *sums[0])
            colour_channels = 1
        else:
            for acc, (s1, s2) in zip(self.color, sums[:3], strict=True):
                acc.add(n, s1, s2)
            colour_channels = 3
        if image.layout in ("gray+alpha", "rgba"):
            self.alpha.add(n, *sums[colour_channels])

    def merge(self, other: GroupAccumulator) -> None:
        """Add everything ``other`` counted."""
        self.image_count += other.image_count
        self.total_bytes += other.total_bytes
        self.formats.update(other.formats)
        self.modes.update(other.modes)
        self.sizes.update(other.sizes)
        self.layouts.update(other.layouts)
        self.gray.merge(other.gray)
        for mine, theirs in zip(self.color, other.color, strict=True):
            mine.merge(theirs)
        self.alpha.merge(other.alpha)

    def finalize(self, name: str, as_rgb: bool = False) -> GroupStats:
        """The :class:`GroupStats` of what was counted (see the module docstring)."""
        channels, sums, note = self._channels(as_rgb)
        stats = [s.mean_std() for s in sums]
        widths = [w for w, _ in self.sizes]
        heights = [h for _, h in self.sizes]
        counts = {_LAYOUT_CHANNELS[k] for k in self.layouts}
        return GroupStats(
            name=name,
            image_count=self.image_count,
            total_bytes=self.total_bytes,
            formats=dict(self.formats.most_common()),
            modes=dict(self.modes.most_common()),
            sizes={f"{w}x{h}": c for (w, h), c in self.sizes.most_common()},
            width_range=(min(widths), max(widths)) if widths else (0, 0),
            height_range=(min(heights), max(heights)) if heights else (0, 0),
            channels=channels,
            mean=tuple(m for m, _ in stats),
            std=tuple(s for _, s in stats),
            pixel_count=sums[0].n if sums else 0,
            layouts=dict(sorted(self.layouts.items(), key=lambda kv: _LAYOUT_CHANNELS[kv[0]])),
            mixed_channels=len(counts) > 1,
            channel_note=note,
        )

    def _channels(self, as_rgb: bool) -> tuple[tuple[str, ...], list[_Sums], str]:
        if self.image_count == 0:
            return (), [], ""
        has = self.layouts
        has_gray = bool(has["gray"] or has["gray+alpha"])
        has_colour = bool(has["rgb"] or has["rgba"])
        has_alpha = bool(has["gray+alpha"] or has["rgba"])
        if not has_colour and not as_rgb:
            note = "alpha dropped (reported only in RGBA groups)" if has["gray+alpha"] else ""
            return ("L",), [self.gray], note
        rgb = []
        for acc in self.color:
            total = _Sums()
            total.merge(acc)
            total.merge(self.gray)  # gray counts as R = G = B
            rgb.append(total)
        notes = []
        if has_gray:
            notes.append("gray images counted as R=G=B")
        if as_rgb or not has["rgba"]:
            if has_alpha:
                notes.append("alpha dropped")
            prefix = "converted to RGB like Pillow convert('RGB')" if as_rgb else ""
            return ("R", "G", "B"), rgb, "; ".join(filter(None, [prefix, *notes]))
        alpha = _Sums()
        alpha.merge(self.alpha)
        opaque = rgb[0].n - self.alpha.n  # pixels of images without alpha count as alpha = 1
        alpha.add(opaque, opaque * _FULL, opaque * _FULL * _FULL)
        if has["rgb"] or has["gray"]:
            notes.append("images without alpha counted as opaque (A=1)")
        return ("R", "G", "B", "A"), [*rgb, alpha], "; ".join(notes)
