"""A memory budget: estimate peak memory from the spec and refuse up front, never get killed.

Every entry point (one image, a batch, an export, the CLI, the app) estimates its peak
memory from the spec before allocating anything and raises :class:`MemoryLimitError`
(a :class:`~seqstudio.core.errors.SpecError` naming the field to change, the figure
and the limit) when it would not fit. Batched work is cut into chunks whose size
follows from the budget, so peak memory does not grow with the image count.

The budget is ``SEQSTUDIO_MEMORY_LIMIT`` (bytes, or ``512M``, ``4G``, ``60%`` of RAM)
or, by default, :data:`DEFAULT_FRACTION` of the machine's memory (the smaller of
physical RAM, the cgroup limit and ``RLIMIT_AS``).

The per-pixel figures below were measured with ``tracemalloc`` on this code
(``generate`` with stretch fit or augmentation peaks at ~44 bytes per output pixel; the
vectorised batch path stores 1 byte per pixel, 3 with masks).
"""

from __future__ import annotations

import contextlib
import math
import os
import resource

from seqstudio.core.errors import SpecError

ENV_VAR = "SEQSTUDIO_MEMORY_LIMIT"
DEFAULT_FRACTION = 0.5
#: Transient bytes per output pixel while one image is made (resize, augmentation).
WORKING_PER_PIXEL = 48
#: Fixed cost of a worker process (interpreter, numpy, OpenCV, glyph source).
PROCESS_BASE = 200 << 20
#: Finished images one unit of batched work may hold: enough to amortise per-call costs.
CHUNK_BYTES = 64 << 20
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class MemoryLimitError(SpecError):
    """The work would need more memory than the budget; ``needed`` and ``limit`` in bytes."""

    def __init__(self, field: str, what: str, needed: float, limit: int, hint: str = "") -> None:
        self.needed = needed
        self.limit = limit
        super().__init__(
            field,
            f"{what} needs about {format_bytes(needed)} of memory, more than the limit "
            f"{format_bytes(limit)} (set {ENV_VAR} or --memory-limit to change it)"
            + (f"; {hint}" if hint else ""),
        )


def format_bytes(value: float) -> str:
    """``1536 -> "1.5 KB"`` style text (binary units)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TB"


def machine_memory() -> int:
    """Bytes of memory this process may use: RAM, cgroup limit and ``RLIMIT_AS``, smallest."""
    sizes = []
    with contextlib.suppress(ValueError, OSError, AttributeError):
        sizes.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as handle:
                text = handle.read(64).strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            sizes.append(int(text))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
        sizes.append(soft)
    return min(sizes) if sizes else 4 << 30


def parse_size(text: str, field: str = "memory_limit") -> int:
    """Parse ``"4G"``, ``"512M"``, ``"1073741824"`` or ``"60%"`` (of the machine's memory)."""
    raw = str(text).strip().upper()
    if len(raw) > 32:
        raise SpecError(field, f"{raw[:32]!r}… is not a size such as 4G, 512M or 60%")
    try:
        if raw.endswith("%"):
            share = float(raw[:-1])
            if not 0 < share <= 100:
                raise ValueError
            return int(machine_memory() * share / 100)
        number = raw.rstrip("IB") if raw.endswith(("IB", "B")) and len(raw) > 1 else raw
        unit = number[-1] if number and number[-1] in _UNITS else ""
        value = float(number[: len(number) - len(unit)])
    except ValueError:
        raise SpecError(field, f"{text!r} is not a size such as 4G, 512M or 60%") from None
    if not math.isfinite(value) or value <= 0:
        raise SpecError(field, f"{text!r} is not a positive size")
    return int(value * _UNITS[unit])


def memory_limit() -> int:
    """The budget in bytes (``SEQSTUDIO_MEMORY_LIMIT`` or a fraction of the machine's memory)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return parse_size(configured, ENV_VAR)
    return int(machine_memory() * DEFAULT_FRACTION)


def scaled_pool_bytes(count: int, height: int, max_width: int, pool_height: int) -> int:
    """Bytes of a glyph pool of ``count`` glyphs resized from ``pool_height`` to ``height``."""
    if height == pool_height:
        return 0
    width = max(1, round(max_width * height / max(pool_height, 1)))
    return count * height * width


def image_bytes(height: int, width: int, masks: bool, channels: int = 1) -> int:
    """Bytes one finished image (``channels`` per pixel, and its uint16 mask) takes in a batch."""
    return height * width * (channels + (2 if masks else 0))


def check(field: str, what: str, needed: float, hint: str = "") -> None:
    """Raise :class:`MemoryLimitError` if ``needed`` bytes exceed :func:`memory_limit`."""
    limit = memory_limit()
    if needed > limit:
        raise MemoryLimitError(field, what, needed, limit, hint)
