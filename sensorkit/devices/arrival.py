"""Sample times of a stream without a device clock: the sample count, dejittered against arrival.

A CSV board that prints ``v0,...,v15`` lines, or a device profile without a timestamp field,
says nothing about when its samples were taken; the host only knows when the bytes arrived.
Arrival times jitter: USB-serial adapters hold bytes for up to 16 ms (FTDI's latency timer),
the device reader gathers bytes for 15 ms after each read (``batch_s``), BLE delivers once per
connection interval. Pinning each block's last sample to its arrival, as sensorkit did before
2026-11-30, turned that jitter into sample intervals of 0.5-1.6 periods, read back as "time jump"
gaps (171 in 6 s from a board printing at exactly 100 Hz through a pseudo-terminal).

:class:`ArrivalClock` instead places sample ``k`` at ``offset + k * period``:

* ``period`` is the board's real sample period, fitted by least squares to the lowest arrival
  of each :data:`BIN_S` of arrival time (the least delayed block of each bin lies closest to
  the true sampling line; boards run a few per cent off their nominal rate), pooled over the
  segments between gaps, over the last :data:`FIT_BINS` bins;
* ``offset`` is the lower envelope of ``arrival - k * period`` over the last
  :data:`ENVELOPE_S` of arrivals: the least delayed block arrived at its sampling time plus the
  smallest latency, which nothing can measure (the times are that latency early at most).

The sample count ``k`` includes the samples known to be missing (a frame counter's losses, a
lost link's outage), so the line continues across a gap. A **pause** (a board that stops
sampling, bytes lost on the way) leaves the count behind the arrivals: every later block
arrives late by the pause. A block whose last sample is late by more than
:func:`soft_late_s` starts a *late run*; the run is a pause when it lasts
:data:`CONFIRM_S` of arrival time and :data:`CONFIRM_BLOCKS` blocks, every block late, and the
lateness does not fall by more than :func:`soft_late_s` over it (a backlog being delivered
catches up; a pause does not). The run's smallest lateness is then the pause. A burst after a
stall (held samples delivered together) ends a run at its last block, which is fresh: the last
sample a read returns is at most the read's gathering time old.

Known limit: a pause is found :data:`CONFIRM_S` after it, so the samples of that time are
placed as if they continued the ones before it, up to the pause early; the gap then follows
them. (Deciding at once would call every delayed BLE or UDP burst a gap, the reason a silence
rule was dropped before.) Only the samples and their arrival times are used, so a replay of a
capture gives the live times bit for bit.
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = [
    "BIN_S",
    "CONFIRM_BLOCKS",
    "CONFIRM_S",
    "ENVELOPE_S",
    "FIT_BINS",
    "FIT_MIN_SPAN_S",
    "ArrivalClock",
    "soft_late_s",
]

#: Width (s of arrival time) of the bins whose least delayed block feeds the period fit.
BIN_S = 0.1
#: Bins kept for the period fit (60 s at BIN_S).
FIT_BINS = 600
#: The period is fitted once the bins span this long (s, summed over segments); before, it is nominal.
FIT_MIN_SPAN_S = 0.3
#: Arrival time (s) over which the lower envelope (the offset) is taken.
ENVELOPE_S = 2.0
#: A late run is a pause once it has lasted this long (s of arrival time) ...
CONFIRM_S = 0.3
#: ... and has this many blocks.
CONFIRM_BLOCKS = 3
#: The fitted period stays within this factor of the nominal one (a degenerate fit otherwise).
PERIOD_LIMIT = 4.0


def soft_late_s(period_s: float) -> float:
    """Lateness (s) above which a block may follow a pause: 3 periods, and at least 50 ms.

    50 ms is above the delays that arrive with every read (15 ms of gathering, 16 ms of an FTDI
    latency timer, a 7.5-30 ms BLE connection interval), so jitter never starts a late run.
    """
    return max(3.0 * period_s, 0.05)


class ArrivalClock:
    """The sampling line of a stream timed by arrival: ``time(k) = offset + k * period``.

    Parameters
    ----------
    rate_hz : float
        Nominal sample rate (Hz): the period until one is fitted, and the centre of the range
        a fit may take (a factor :data:`PERIOD_LIMIT` either way).

    Attributes
    ----------
    period_s : float
        Current sample period (s), nominal until fitted.
    offset_s : float or None
        Host time (s) of sample 0 on the current line; None before the first block.
    fitted : bool
        True once the period was fitted.
    fit_period_s : float or None
        The last fitted period (s) before it is kept within :data:`PERIOD_LIMIT`.
    fit_span_s : float
        Arrival time (s) the last fit spanned, summed over segments.
    """

    def __init__(self, rate_hz: float) -> None:
        self.nominal_period_s = 1.0 / float(rate_hz)
        self.period_s = self.nominal_period_s
        self.offset_s: float | None = None
        self.fitted = False
        self.fit_period_s: float | None = None
        self.fit_span_s = 0.0
        self._seg = 0
        self._env: deque[tuple[float, float]] = deque()  # (k, t) of this segment's recent blocks
        self._min: deque[tuple[float, float, float]] = deque()  # (t, residual, k): sliding minimum
        self._bins: deque[tuple[int, float, float]] = deque(maxlen=FIT_BINS)  # (segment, k, t)
        self._bin: tuple[float, float, float] | None = None  # open bin: (start t, k, t) of its lowest block
        # late run: arrival of its first block, its first, lowest and highest lateness, blocks
        self._run: tuple[float, float, float, float, int] | None = None

    # ------------------------------------------------------------------ the line
    def to_host_s(self, k: np.ndarray) -> np.ndarray:
        """Host times (s, float64) of sample numbers ``k`` (n,) on the current line."""
        assert self.offset_s is not None
        return self.offset_s + np.asarray(k, dtype=np.float64) * self.period_s

    def late_s(self, k_last: int, t: float) -> float:
        """How late (s) a block whose last sample is number ``k_last`` arrived at ``t``, against the line."""
        if self.offset_s is None:
            return 0.0
        return t - k_last * self.period_s - self.offset_s

    # ------------------------------------------------------------------ blocks
    def restart(self) -> None:
        """A new segment: the next block sets the line's offset afresh (after a gap of unknown phase)."""
        self._seg += 1
        self._env.clear()
        self._min.clear()
        self._close_bin()
        self._run = None
        self.offset_s = None

    def add(self, k_last: int, t: float) -> float | None:
        """Add a block whose last sample is number ``k_last``, arrived at host time ``t`` (s).

        Returns
        -------
        float or None
            The pause (s) this block confirms (see the module notes), or None. After a pause
            the caller counts the missing samples, calls :meth:`restart` and adds the block
            again with its new number.
        """
        late = self.late_s(k_last, t)
        soft = soft_late_s(self.period_s)
        # until the first fit the period may be a few per cent off: lateness is then the rate's
        if self.fitted and self.offset_s is not None and late > soft:
            if self._run is None:
                self._run = (t, late, late, late, 1)
            else:
                first_t, first, low, high, n = self._run
                self._run = (first_t, first, min(low, late), max(high, late), n + 1)
            first_t, first, low, high, n = self._run
            # later and later: the period is wrong (a rate off the nominal one), and the fit
            # must see it; steady: a pause, if it lasts; falling: a backlog being delivered
            if high - first <= soft:
                if low >= first - soft and t - first_t >= CONFIRM_S and n >= CONFIRM_BLOCKS:
                    return low
                return None  # a late block moves neither the envelope nor the fit
        else:
            self._run = None
        self._take(float(k_last), t)
        return None

    def _take(self, k: float, t: float) -> None:
        """Add a block to the envelope and the period fit."""
        r = t - k * self.period_s
        mins = self._min
        while mins and mins[-1][1] >= r:
            mins.pop()
        mins.append((t, r, k))
        self._env.append((k, t))
        while self._env[0][1] < t - ENVELOPE_S:
            self._env.popleft()
        while mins[0][0] < t - ENVELOPE_S:
            mins.popleft()
        self.offset_s = mins[0][1]
        b = self._bin
        if b is None or t - b[0] >= BIN_S:
            self._close_bin()
            self._bin = (t, k, t)
            if self._refit():
                self._rebuild()
        elif r < b[2] - b[1] * self.period_s:
            self._bin = (b[0], k, t)

    def _close_bin(self) -> None:
        if self._bin is not None:
            self._bins.append((self._seg, self._bin[1], self._bin[2]))
            self._bin = None

    def _refit(self) -> bool:
        """Fit the period to the bins (pooled within segments); True when it changed."""
        if len(self._bins) < 3:
            return False
        a = np.array(self._bins, dtype=np.float64)
        seg, k, t = a[:, 0], a[:, 1], a[:, 2]
        _, idx, counts = np.unique(seg, return_inverse=True, return_counts=True)
        k_mean = np.bincount(idx, weights=k) / counts
        t_mean = np.bincount(idx, weights=t) / counts
        t_max = np.full(counts.shape, -np.inf)
        t_min = np.full(counts.shape, np.inf)
        np.maximum.at(t_max, idx, t)
        np.minimum.at(t_min, idx, t)
        span = float((t_max - t_min).sum())
        if span < FIT_MIN_SPAN_S:
            return False
        dk = k - k_mean[idx]
        sxx = float(dk @ dk)
        if sxx <= 0.0:
            return False
        period = float(dk @ (t - t_mean[idx])) / sxx
        self.fit_period_s, self.fit_span_s = period, span
        lo, hi = self.nominal_period_s / PERIOD_LIMIT, self.nominal_period_s * PERIOD_LIMIT
        period = min(max(period, lo), hi)
        self.fitted = True
        if period == self.period_s:
            return False
        self.period_s = period
        return True

    def _rebuild(self) -> None:
        """The sliding minimum of this segment's blocks under a new period."""
        self._min.clear()
        for k, t in self._env:
            r = t - k * self.period_s
            while self._min and self._min[-1][1] >= r:
                self._min.pop()
            self._min.append((t, r, k))
        if self._min:
            self.offset_s = self._min[0][1]
