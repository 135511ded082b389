"""Gaps that fit: uniform draws over the gap vectors inside [min, max] that fit a width.

The width-first layout (``fit="pad"``) first draws every gap independently and
uniformly from [min, max], as the spacing promises. When those gaps and this image's
glyphs are wider than the image, it draws the gaps again, uniformly over the set

    F = { g ∈ [min, max]^k : g_1 + … + g_k ≤ room }

(``room`` = image width − glyph widths; what is left over is padding). Independent
uniform draws that happen to fit are themselves uniform over ``F``, so the gaps of
every image are exactly uniform over ``F``: independent and uniform whenever the width
holds the widest gaps, and the closest thing to it otherwise.

Sampling ``F`` uses a counting table. With ``h = g − min`` (``0 ≤ h_i ≤ s``,
``s = max − min``) and ``t = room − k·min``, let ``N(j, t)`` be the number of
``h ∈ [0, s]^j`` with sum ≤ ``t``: ``N(0, t) = 1`` and
``N(j, t) = Σ_{v=0..min(s,t)} N(j−1, t−v)`` (a sliding window over a prefix sum).
Gap ``i`` takes value ``v`` with probability ``N(j−1, t−v) / N(j, t)`` (``j`` gaps
left), by inverting its cumulative sum with one uniform number from the image's
counter-based random stream. The table is float64, each row scaled by an exact power of
two so that it neither overflows nor depends on how far it was computed: the
probabilities are exact to float64 rounding (relative error below 1e-12, well under the
2**-40 bias the random-number mapping already allows), and the same table entries, hence
the same bytes, come out whether one image or a batch is drawn.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

#: Uniforms are ``m · 2**-53`` for a 53-bit integer ``m`` (see :mod:`seqstudio.core.rng`).
WORDS = 1 << 53
_INV_WORDS = 1.0 / WORDS
#: Most thresholds one table keeps (~40 bytes each); states past it invert floats per draw.
CUT_BUDGET = 1 << 17


class GapCounts:
    """Prefix sums of the counting table ``N(j, ·)`` for ``k`` gaps of span ``s``.

    Parameters
    ----------
    count : int
        Number of gaps ``k`` (≥ 1).
    span : int
        ``max − min`` (≥ 0).

    Notes
    -----
    Entries depend only on ``(count, span)`` and their own position, never on how far the
    table was grown, so a grown table gives the same draws as a fresh one.
    """

    def __init__(self, count: int, span: int) -> None:
        self.count = count
        self.span = span
        self._prefix = np.zeros((count, 2), np.float64)  # rows j = 0..count-1: [0, S(0), ...]
        self._prefix[:, 1] = 1.0  # N(j, 0) = 1, scaled below
        self._total = -1
        self._lists: list[list[float]] | None = None  # rows as Python floats (one image)
        # _cuts[j][t]: integer thresholds of a step with j gaps after it and budget t
        # (see sample_words); None until first needed.
        self._cuts: list[list[list[int] | None]] = [[] for _ in range(count)]
        self._cut_count = 0
        self._lock = threading.Lock()
        self._exponents = [((span + 1) ** j).bit_length() - 1 for j in range(count)]
        self._grow(0)

    @property
    def total(self) -> int:
        """Largest ``t`` the table covers."""
        return self._total

    def _grow(self, total: int) -> None:
        """Cover every ``t ≤ total`` (a few times more, to grow rarely)."""
        size = max(total, 2 * self._total, 32)
        rows = np.empty((self.count, size + 2), np.float64)
        row = np.ones(size + 1, np.float64)  # N(0, t) = 1 for every t ≥ 0
        previous_exponent = 0
        for j in range(self.count):
            if j > 0:
                prefix = rows[j - 1, 1:]  # S_{j-1}(t), t = 0..size
                window = prefix.copy()
                if self.span < size:  # else every window starts at t = 0: nothing to subtract
                    window[self.span + 1 :] -= prefix[: size - self.span]
                row = np.ldexp(window, previous_exponent - self._exponents[j])
            previous_exponent = self._exponents[j]
            rows[j, 0] = 0.0
            np.cumsum(row, out=rows[j, 1:])
        self._prefix = rows
        self._lists = None
        # Entries never change as the table grows: keep the thresholds found so far.
        self._cuts = [row + [None] * (size + 1 - len(row)) for row in self._cuts]
        self._total = size

    def prefix(self, j: int, total: int) -> np.ndarray:
        """``[0, S_j(0), S_j(1), …]`` covering ``t ≤ total`` (a read-only view)."""
        if total > self._total:
            with self._lock:
                if total > self._total:
                    self._grow(total)
        return self._prefix[j]

    def _python_rows(self, total: int) -> list[list[float]]:
        """The prefix rows as Python floats, covering ``t ≤ total``."""
        lists = self._lists
        if lists is None or total > self._total:
            with self._lock:
                if total > self._total:
                    self._grow(total)
                if self._lists is None:
                    self._lists = self._prefix.tolist()
                lists = self._lists
        return lists

    def sample_one(self, total: int, uniforms: Sequence[float]) -> list[int]:
        """:meth:`sample` for one image, in plain Python floats (the same numbers, bit
        for bit: the same table entries and IEEE operations, ``bisect_left`` for
        ``searchsorted``), without numpy's per-call overhead."""
        t, out = total, []
        for i, u in enumerate(uniforms):
            value = self._invert(self.count - i - 1, t, u)
            out.append(value)
            t -= value
        return out

    def _invert(self, after: int, total: int, u: float) -> int:
        """One step of :meth:`sample` in Python floats, clipped to the step's range."""
        prefix = self._python_rows(total)[after]
        t = total
        top = t if t < self.span else self.span
        high = prefix[t + 1]
        value = t + 1 - bisect_left(prefix, high - u * (high - prefix[t - top]))
        return 0 if value < 0 else (top if value > top else value)

    def sample_words(self, total: int, words: Sequence[int], low: int = 0) -> list[int]:
        """:meth:`sample_one` (plus ``low``) with each uniform given as its 53-bit integer.

        Parameters
        ----------
        total : int
            The budget ``t ≥ 0``.
        words : sequence of int
            One ``m`` in [0, 2**53) per gap, for the uniform ``m · 2**-53`` (as
            :meth:`seqstudio.core.rng.DrawPlan.words` gives them).
        low : int
            Added to every offset (the minimum gap).

        Notes
        -----
        A step with budget ``t`` gives ``#{v < min(t, span) : S(t − v − 1) ≥ S(t) − u·w}``
        (the inversion of :meth:`sample`). Each comparison is monotone in ``u``, so over
        the 2**53 possible uniforms it flips exactly once: :meth:`thresholds` finds where,
        with the same float operations, once per step state, and a draw then counts the
        thresholds ≤ ``m`` (one ``bisect``) — the same values, bit for bit, with no
        float arithmetic per image. Past :data:`CUT_BUDGET` kept thresholds, new states
        invert floats per draw.
        """
        if total > self._total:
            self._python_rows(total)
        cuts = self._cuts
        t, j = total, self.count - 1
        out = []
        for m in words:
            if t == 0:  # no budget left: every remaining offset is 0
                out += [low] * (j + 1)
                break
            cut = cuts[j][t]
            if cut is None and (cut := self.thresholds(j, t)) is None:
                value = self._invert(j, t, m * _INV_WORDS)
            else:
                value = bisect_right(cut, m)
            out.append(low + value)
            t -= value
            j -= 1
        return out

    def thresholds(self, after: int, total: int) -> list[int] | None:
        """The integer thresholds of one step of :meth:`sample_words`.

        Parameters
        ----------
        after : int
            Gaps left after this one (``0 … count − 1``).
        total : int
            The budget ``t`` at this step.

        Returns
        -------
        list of int or None
            Entry ``v`` (``v < min(t, span)``) is the smallest ``m`` in [0, 2**53] whose
            uniform ``m · 2**-53`` gives this step a value above ``v`` (2**53: none
            does). Kept once found; ``None`` when :data:`CUT_BUDGET` thresholds are kept
            and this state is not among them.
        """
        kept = self._cuts[after][total] if total <= self._total else None
        if kept is not None:
            return kept
        top = total if total < self.span else self.span
        if self._cut_count + top > CUT_BUDGET:
            return None
        prefix = self._python_rows(total)[after]
        t = total
        high = prefix[t + 1]
        weight = high - prefix[t - top]
        cut = [_first_word(prefix[t - v], high, weight) for v in range(top)]
        self._cut_count += top
        self._cuts[after][t] = cut
        return cut

    def sample(self, total: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """Offsets ``h`` uniform over ``[0, span]^count`` with sum ≤ ``total``.

        Parameters
        ----------
        total : numpy.ndarray
            ``(n,)`` int64 budget ``t ≥ 0`` of each row.
        uniforms : numpy.ndarray
            ``(n, count)`` float64 in [0, 1), one per gap.

        Returns
        -------
        numpy.ndarray
            ``(n, count)`` int64, each row in ``[0, span]`` and summing to ≤ its budget.
        """
        t = np.asarray(total, dtype=np.int64).copy()
        n = t.shape[0]
        out = np.empty((n, self.count), np.int64)
        top_t = int(t.max()) if n else 0
        for i in range(self.count):
            j = self.count - i  # gaps left, this one included
            prefix = self.prefix(j - 1, top_t)  # prefix[q] = S_{j-1}(q - 1)
            top = np.minimum(t, self.span)
            high = prefix[t + 1]  # S(t)
            weight = high - prefix[t - top]  # Σ_{v ≤ top} N(j-1, t-v)
            target = high - uniforms[:, i] * weight
            if self.span <= 8:  # few values: count them (same predicate as searchsorted)
                value = np.zeros(n, np.int64)
                for v in range(self.span):
                    value += (prefix[np.maximum(t - v, 0)] >= target) & (v < top)
            else:
                first = np.searchsorted(prefix, target, side="left")
                value = np.clip(t + 1 - first, 0, top)
            out[:, i] = value
            t -= value
        return out


def _first_word(below: float, high: float, weight: float) -> int:
    """Smallest ``m`` in [0, 2**53] with ``below ≥ high − (m·2**-53)·weight`` (float
    arithmetic, as the samplers do it; ``2**53`` when no uniform reaches it).

    The right side never grows with ``m`` (IEEE rounding is monotone), so the
    comparison flips once: bracket it from an estimate, then bisect.
    """

    def holds(m: int) -> bool:
        return below >= high - (m * _INV_WORDS) * weight

    estimate = (high - below) / weight if weight > 0 else 0.0
    guess = int(min(max(estimate, 0.0), 1.0) * WORDS)
    guess = min(guess, WORDS - 1)
    step = 1
    if holds(guess):  # answer ≤ guess: find a lower m where it fails
        high_m = guess
        while True:
            low_m = high_m - step
            if low_m < 0:
                low_m = -1
                break
            if not holds(low_m):
                break
            high_m, step = low_m, step * 2
    else:  # answer > guess: find a higher m where it holds
        low_m = guess
        while True:
            high_m = low_m + step
            if high_m >= WORDS:
                high_m = WORDS
                break
            if holds(high_m):
                break
            low_m, step = high_m, step * 2
    while high_m - low_m > 1:  # holds(high_m) (or 2**53), not holds(low_m) (or −1)
        middle = (low_m + high_m) // 2
        if holds(middle):
            high_m = middle
        else:
            low_m = middle
    return high_m


_tables: dict[tuple[int, int], GapCounts] = {}
_tables_lock = threading.Lock()


def gap_counts(count: int, span: int) -> GapCounts:
    """The (shared, growing) :class:`GapCounts` for ``count`` gaps of span ``span``."""
    key = (count, span)
    table = _tables.get(key)
    if table is None:
        with _tables_lock:
            table = _tables.get(key)
            if table is None:
                if len(_tables) >= 64:
                    _tables.clear()
                table = _tables[key] = GapCounts(count, span)
    return table


def feasible_gaps(low: int, high: int, room: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Gap vectors uniform over ``{g ∈ [low, high]^k : Σ g ≤ room}``, one row per image.

    Parameters
    ----------
    low, high : int
        The gap range.
    room : numpy.ndarray
        ``(n,)`` int64 pixels the gaps may use; every row must have ``room ≥ k·low``.
    uniforms : numpy.ndarray
        ``(n, k)`` float64 in [0, 1) from the images' random streams.

    Returns
    -------
    numpy.ndarray
        ``(n, k)`` int64 gaps.
    """
    count = uniforms.shape[1]
    budget = np.asarray(room, dtype=np.int64) - count * low
    if (budget < 0).any():
        raise ValueError("room is below the minimum gaps")
    if count == 0:
        return np.zeros((len(budget), 0), np.int64)
    return low + gap_counts(count, high - low).sample(budget, uniforms)


def count_feasible(low: int, high: int, count: int, room: int) -> int:
    """Exact size of ``{g ∈ [low, high]^count : Σ g ≤ room}`` (integer arithmetic)."""
    span, budget = high - low, room - count * low
    if budget < 0:
        return 0
    row = [1] * (budget + 1)
    for _ in range(count):
        prefix = [0]
        for value in row:
            prefix.append(prefix[-1] + value)
        row = [prefix[t + 1] - prefix[max(t - span, 0)] for t in range(budget + 1)]
    return row[budget]
