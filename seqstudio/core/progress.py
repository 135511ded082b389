"""Progress reporting and cooperative cancellation for long tasks (export, statistics).

The core knows nothing of Qt: a long task takes a ``progress`` callback that receives
:class:`Progress` snapshots and a ``cancel`` callable it polls between units of work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """A snapshot of a long task's progress.

    Attributes
    ----------
    done : int
        Units finished so far.
    total : int
        Units in the whole task (0 when unknown).
    elapsed : float
        Seconds since the task started.
    """

    done: int
    total: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Units per second so far (0 before the first unit)."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Estimated seconds left, or ``None`` while no rate is known."""
        if self.total <= 0 or self.rate <= 0:
            return None
        return max(self.total - self.done, 0) / self.rate

    @property
    def fraction(self) -> float:
        """Share of the task done, in [0, 1] (0 when the total is unknown)."""
        return min(self.done / self.total, 1.0) if self.total > 0 else 0.0


ProgressCallback = Callable[[Progress], None]
CancelCheck = Callable[[], bool]


class ProgressTracker:
    """Build :class:`Progress` snapshots and throttle callbacks to a few per second.

    Parameters
    ----------
    total : int
        Units in the whole task.
    callback : callable or None
        Receives snapshots; ``None`` makes :meth:`advance` a counter only.
    min_interval : float
        Least seconds between two callbacks (the last one is always sent by :meth:`finish`).
    """

    def __init__(self, total: int, callback: ProgressCallback | None, min_interval: float = 0.1):
        self.total = total
        self.done = 0
        self._callback = callback
        self._min_interval = min_interval
        self._start = time.perf_counter()
        self._last_sent = float("-inf")

    def snapshot(self) -> Progress:
        """The progress now."""
        return Progress(self.done, self.total, time.perf_counter() - self._start)

    def advance(self, units: int = 1) -> None:
        """Count ``units`` more as done and call back if enough time has passed."""
        self.done += units
        now = time.perf_counter()
        if self._callback is not None and now - self._last_sent >= self._min_interval:
            self._last_sent = now
            self._callback(self.snapshot())

    def finish(self) -> Progress:
        """Send (and return) the final snapshot."""
        final = self.snapshot()
        if self._callback is not None:
            self._callback(final)
        return final


def format_duration(seconds: float | None) -> str:
    """Format seconds as ``"1:02:03"``, ``"2:03"`` or ``"?"`` when unknown."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
