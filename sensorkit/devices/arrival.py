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
:func:`soft_late_s` (until the first fit, plus :data:`RATE_ALLOWANCE` of the time since the
segment began, for the nominal period's error) starts a *late run*, whose blocks feed neither
the line nor the fit. The run is judged once it has lasted :data:`CONFIRM_S` of arrival
time and :data:`CONFIRM_BLOCKS` blocks, on its blocks of the last :data:`CONFIRM_S` (at least
twice :data:`CONFIRM_BLOCKS` of them, for streams of a few samples per second) split at the
middle of their arrival times, comparing the lowest lateness of each half:

* the second within :data:`FALL_TOL_S` of the first: a **pause** of the second's lateness (a
  backlog being delivered catches up, a pause does not);
* the second above the first by more than :data:`FALL_TOL_S`: later and later, so the period
  is wrong (a board far off its configured rate): the run's blocks join the line and the fit;
* lower: a backlog catching up, judged again with the next block.

Minima, not single blocks, judge a run, so one block held up on the way does not change the
verdict; and a block that arrives later after the one before it than their sample numbers
allow (by more than the threshold: a new silence, or the head of a burst after a hold) starts
the run again, so each pause is judged from its own end, on the fresher blocks behind it.
A burst after a stall ends a run at its last block, which is fresh: the last sample a read
returns is at most the read's gathering time old.

A pause is found :data:`CONFIRM_S` after it (deciding at once would call every delayed BLE or
UDP burst a gap, the reason a silence rule was dropped before). Meanwhile :attr:`ArrivalClock.pending`
says the blocks are not judged yet, and :class:`~sensorkit.devices.sequencer.SampleSequencer`
holds their samples: when the run is a pause, those as late as the pause are placed after its
gap, on the new line; otherwise all are placed on the line, as if never held. A new silence ends a run, which is
then judged on what it has (:meth:`ArrivalClock.ended_run_pause`: at least
:data:`CONFIRM_BLOCKS` blocks whose samples span :data:`ENDED_RUN_MIN_S`, as late at the end as
at the start: a pause, :attr:`ArrivalClock.retro_pause`); a run it cannot judge is released as
it is (:attr:`ArrivalClock.run_restarted`), so nothing is held longer than one run
(:data:`CONFIRM_S` and :data:`CONFIRM_BLOCKS` blocks). A live device does the same once nothing
has arrived for :func:`soft_late_s` (the next block would end the run: same times), and counts
held samples as received.

Known limits: live samples arriving late reach the consumer up to :data:`CONFIRM_S` (or
:data:`CONFIRM_BLOCKS` blocks) later than they would unheld. Samples held when their run starts
again, or when the stream goes quiet, ends or loses its link before the verdict, and that
cannot be judged (fewer than :data:`CONFIRM_BLOCKS` blocks, samples spanning less than
:data:`ENDED_RUN_MIN_S`, lateness that moved by more than :data:`FALL_TOL_S`) are placed as if
they continued the ones before them, up to the pause early. A
block read across the end of a pause (a reader or link stalled over it) holds samples from
before and after it with nothing to tell them apart: the whole block is placed after the gap,
its samples from before the pause up to the pause late. A backlog delivered less than about 1.1 times faster than it was
sampled (its lateness falling by less than :data:`FALL_TOL_S` in half of :data:`CONFIRM_S`) is
taken for a pause: false gaps of up to the backlog, times up to that late for tens of seconds
and the fitted rate a few per cent off for a minute (a 1 s backlog drained at 1.05x, measured
by a reviewer). Pauses shorter than :func:`soft_late_s`, or than about 0.1 s before the first
fit (within :data:`RATE_ALLOWANCE`), are not found: their samples are placed up to the pause
early. An insole that sends only while loaded has a period fitted over its stances
alone, each a short segment: within a few per cent (4.4 % at worst over 10 simulated minutes
of 0.6 s stances at 20 Hz with 10 ms mean delays). Only the samples and their arrival times
are used, so a replay of a capture gives the live times (bit for bit, except where records read
separately at the same host time are replayed as one read: then within 1 ns).
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = [
    "BIN_S",
    "CONFIRM_BLOCKS",
    "CONFIRM_S",
    "ENVELOPE_S",
    "FALL_TOL_S",
    "FIT_BINS",
    "FIT_MIN_SPAN_S",
    "RATE_ALLOWANCE",
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
#: A late run is judged once it has lasted this long (s of arrival time) ...
CONFIRM_S = 0.5
#: ... and has this many blocks.
CONFIRM_BLOCKS = 3
#: A late run whose lowest lateness over the second half of the last CONFIRM_S is within this
#: (s) of the first half's lowest is a pause; lower: a backlog catching up, judged again later;
#: higher: the period is wrong.
FALL_TOL_S = 0.025
#: Until the period is fitted, the nominal one may be off by this fraction: the lateness a
#: block may have grows by it with the time since the segment's first block.
RATE_ALLOWANCE = 0.2
#: Silences longer than this many nominal periods, and this long (s), are left out of the
#: arrival rate (``active_samples / active_s``): an insole that sends only while loaded.
ARRIVAL_SILENCE_PERIODS = 10
ARRIVAL_SILENCE_S = 1.0
#: A late run ended by a new silence before CONFIRM_S is judged when its samples span this long
#: (s): twice FALL_TOL_S, so that a burst delivered after a stall shows its fall.
ENDED_RUN_MIN_S = 2.0 * FALL_TOL_S
#: The fitted period stays within this factor of the nominal one (a degenerate fit otherwise).
PERIOD_LIMIT = 4.0
#: Blocks whose arrival time per sample is kept for :attr:`ArrivalClock.median_interval_s`.
INTERVALS_KEPT = 63


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
    fit_rms_s : float
        RMS distance (s) of the fitted bins from the fitted line, within segments (inf before
        a fit): how well one line describes the arrivals.
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
        # late run: (arrival, lateness, k) of its blocks of the last CONFIRM_S
        self._run: deque[tuple[float, float, int]] = deque()
        self._run_start: float | None = None  # arrival of the late run's first block
        self._run_n = 0  # blocks in the late run
        self._seg_t0: float | None = None  # arrival of the segment's first block
        self._prev: tuple[int, float] | None = None  # (k, arrival) of the last block
        #: Arrival time (s) and samples between consecutive blocks, silences left out: their
        #: ratio is the rate samples arrive at, however late (a board far off its rate).
        self.active_s = 0.0
        self.active_samples = 0
        self._intervals: deque[float] = deque(maxlen=INTERVALS_KEPT)  # (arrival gap / samples) per block
        self.fit_rms_s = float("inf")
        #: True when the last block added is in a late run not judged yet: whether it follows
        #: a pause is not known (a caller that can wait holds its samples until it is).
        self.pending = False
        #: True when the last block added started its late run again (a new silence): the
        #: blocks of the run before it are judged no more (their caller places them as they are).
        self.run_restarted = False
        #: Set by :meth:`add` when a new silence ends a late run that stayed as late as it began
        #: (a pause, judged at its end: an insole sending only while loaded, stances shorter than
        #: CONFIRM_S): the pause (s). The block was not added; the caller places the run after
        #: the pause, calls :meth:`resume`, clears this and adds the block again.
        self.retro_pause: float | None = None

    @property
    def median_interval_s(self) -> float | None:
        """Median arrival time per sample (s) between consecutive blocks, over the last
        :data:`INTERVALS_KEPT` blocks (None before 8): a board slower than its configured rate
        has every interval long; an insole that sends only while loaded has most of them at
        its period, and the swings' silences among the few long ones."""
        if len(self._intervals) < 8:
            return None
        return float(np.median(np.fromiter(self._intervals, dtype=np.float64)))

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
        self.pending = False
        self._bin = None  # cut short, its lowest block is the least of fewer: the fit would lean on it
        self._seg += 1
        self._env.clear()
        self._min.clear()
        self._end_run()
        self._seg_t0 = None
        self.offset_s = None

    def _end_run(self) -> None:
        self._run.clear()
        self._run_start = None
        self._run_n = 0

    def add(self, k_last: int, t: float) -> float | None:
        """Add a block whose last sample is number ``k_last``, arrived at host time ``t`` (s).

        Returns
        -------
        float or None
            The pause (s) this block confirms (see the module notes), or None. After a pause
            the caller counts the missing samples and calls :meth:`resume` (the block is then
            on the new line).
        """
        self.pending = self.run_restarted = False
        late = self.late_s(k_last, t)
        soft = soft_late_s(self.period_s)
        if not self.fitted and self._seg_t0 is not None:
            soft += RATE_ALLOWANCE * (t - self._seg_t0)  # the nominal period's possible error
        prev = self._prev
        if (
            prev is not None
            and self._run_start is not None
            and late > soft
            and (t - prev[1]) - (k_last - prev[0]) * self.period_s > soft
        ):  # a new silence ends a late run too short to have been judged: judge it as it stands
            self.retro_pause = self.ended_run_pause()
            if self.retro_pause is not None:
                return None  # this block is not added: the caller resumes after the run's pause, then adds it
        self._prev = (k_last, t)
        held = False  # arrived later after the block before it than their sample numbers allow
        if prev is not None:
            gap_t, gap_k = t - prev[1], k_last - prev[0]
            held = gap_t - gap_k * self.period_s > soft
            if gap_t <= max(ARRIVAL_SILENCE_PERIODS * self.nominal_period_s, ARRIVAL_SILENCE_S):
                self.active_s += gap_t  # the rate samples arrive at, silences (an unloaded insole) left out
                self.active_samples += gap_k
            if gap_k > 0:
                self._intervals.append(gap_t / gap_k)
        if self.offset_s is None or late <= soft:
            self._end_run()  # on time: a late run was a backlog, delivered
            self._take(float(k_last), t)
            return None
        # late: not taken into the line or the fit (a pause would tilt them) until judged
        if held:  # a new silence: the run starts again here (a pause is judged from its own end)
            self.run_restarted = self._run_start is not None
            self._end_run()
        if self._run_start is None:
            self._run_start = t
        self._run_n += 1
        run = self._run
        run.append((t, late, k_last))
        while len(run) > 2 * CONFIRM_BLOCKS and run[0][0] < t - CONFIRM_S:
            run.popleft()  # the last CONFIRM_S, and at least 2 x CONFIRM_BLOCKS blocks (sparse streams)
        if t - self._run_start < CONFIRM_S or self._run_n < CONFIRM_BLOCKS:
            self.pending = True
            return None
        first, second = self._half_minima()
        if first is None or second is None:
            self.pending = True
            return None
        if second > first + FALL_TOL_S:  # later and later: the period is wrong (a rate far off), no pause
            for tt, _, k in run:
                self._take(float(k), tt)
            self._end_run()
            return None
        if second >= first - FALL_TOL_S:
            return second  # late, and not catching up: a pause of the later floor
        return None

    def ended_run_pause(self) -> float | None:
        """The pause (s) a late run ended by a new silence followed, or None when it cannot say.

        The rule of :meth:`add` on the whole run: the lowest lateness of its second half within
        :data:`FALL_TOL_S` of its first half's. The run needs :data:`CONFIRM_BLOCKS` blocks whose
        samples span at least :data:`ENDED_RUN_MIN_S` and 3 periods (a burst delivered after a
        stall falls by the span of its samples, so shorter ones could not show it).
        """
        run = self._run
        if self._run_n < CONFIRM_BLOCKS or len(run) < CONFIRM_BLOCKS:
            return None
        if (run[-1][2] - run[0][2]) * self.period_s < max(ENDED_RUN_MIN_S, 3.0 * self.period_s):
            return None
        first, second = self._half_minima()
        if first is None or second is None or abs(second - first) > FALL_TOL_S:
            return None
        return second

    def _half_minima(self) -> tuple[float | None, float | None]:
        """The lowest lateness (s) of the late run's blocks in each half of their arrival span
        (None for an empty half): what judges a run, in :meth:`add` and :meth:`ended_run_pause`."""
        run = self._run
        mid = 0.5 * (run[0][0] + run[-1][0])
        first = min((x for tt, x, _ in run if tt < mid), default=None)
        second = min((x for tt, x, _ in run if tt >= mid), default=None)
        return first, second

    def resume(self, skipped: int) -> None:
        """After the pause :meth:`add` returned: a new segment through the late run's recent blocks.

        Parameters
        ----------
        skipped : int
            Samples the pause skips (0 when a frame counter numbers the samples): the run's
            block numbers move up by it.
        """
        half = 0.5 * (self._run[0][0] + self._run[-1][0])
        blocks = [(k + skipped, t) for t, _, k in self._run if t >= half]
        self.restart()
        for k, t in blocks:  # the floor they share sets the offset, not one block's delay
            self._take(float(k), t)
        if self._prev is not None:  # the samples skipped never arrived: not in the arrival rate
            self._prev = (self._prev[0] + skipped, self._prev[1])

    def _take(self, k: float, t: float) -> None:
        """Add a block to the envelope and the period fit."""
        if self._seg_t0 is None:
            self._seg_t0 = t
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
        resid = (t - t_mean[idx]) - period * dk
        self.fit_period_s, self.fit_span_s = period, span
        self.fit_rms_s = float(np.sqrt(np.mean(resid**2)))
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
        if not self._env:
            return
        kt = np.array(self._env, dtype=np.float64)
        r = kt[:, 1] - kt[:, 0] * self.period_s
        # the sliding minimum holds the blocks lower than every later one, in order
        later = np.minimum.accumulate(r[::-1])[::-1]
        keep = np.ones(r.size, dtype=bool)
        keep[:-1] = r[:-1] < later[1:]
        self._min.extend(zip(kt[keep, 1].tolist(), r[keep].tolist(), kt[keep, 0].tolist(), strict=True))
        self.offset_s = self._min[0][1]
