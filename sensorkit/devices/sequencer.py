"""Sample sequencing helpers: board counters that wrap, and host times that never go back.

Small, stateful pieces the device layer applies to every block of samples:

* :class:`CounterUnwrapper` turns a board clock that wraps at its counter width (Arduino
  ``millis()`` in a 16-bit field wraps after 65.5 s, ``micros()`` at 2**32 us = 71.6 min)
  into one increasing count, so a wrap is a continuation and not a device restart.
* :class:`MonotonicSlew` places blocks on the host clock so that sample times never go
  back, and a change of the clock map (a new time-sync fit, a faster packet arrival in the
  arrival-time fallback) is absorbed gradually (slewed, as NTP does) instead of making the
  times jump back or forward.
* :class:`FrameCounter` reads a device's frame counter: what was lost, repeated or restarted.
* :class:`SampleSequencer` numbers and times the samples of a CSV-line or profile stream
  with the pieces above (and :class:`~sensorkit.devices.arrival.ArrivalClock` for samples
  that carry no time).

All depend only on the values they are fed (and arrival times), so a replay of a capture gives the live
times bit for bit.
"""

from __future__ import annotations

import itertools

import numpy as np

from sensorkit.devices.arrival import FALL_TOL_S, soft_late_s

__all__ = [
    "COUNTER_BACK_WINDOW",
    "COUNTER_DUPLICATE_S",
    "COUNTER_SLACK_S",
    "SLEW_MAX_S",
    "SLEW_RATE",
    "WRAP_MAX_STEP_S",
    "CounterUnwrapper",
    "FrameCounter",
    "MonotonicSlew",
    "SampleSequencer",
]

#: Largest plausible forward step of a board clock across a wrap (s): a value that goes back
#: by more than ``2**width - this`` is a restart (a new boot counts from 0), not a wrap.
WRAP_MAX_STEP_S = 5.0
#: A counter width is only guessed when its span is at least this many times WRAP_MAX_STEP_S
#: (a 16-bit microsecond counter, 65 ms, cannot be told from a restart).
_SPAN_FACTOR = 10
#: Fraction of elapsed time by which a clock-map correction is absorbed: 1 % moves a 10 ms
#: correction into the times over 1 s, and changes no sample spacing by more than 1 %.
SLEW_RATE = 0.01
#: Corrections that would move times forward by more than this (s) are applied at once
#: (a forward step cannot break the order of the samples); backward ones are always slewed.
SLEW_MAX_S = 0.5
#: Frame counters: the last this many sample counters kept are remembered, to recognise repeats.
COUNTER_BACK_WINDOW = 64
#: A counter value delivered at most this long before (arrival time, s) is a repeated frame
#: (BLE stacks can deliver a notification twice, at once); older, it is a restart counting afresh.
COUNTER_DUPLICATE_S = 1.0
#: A forward counter step that would make more samples missing than the host clock allows
#: (elapsed arrival time + this, in s) is a restart of the counter, not a loss.
COUNTER_SLACK_S = 1.0


class CounterUnwrapper:
    """Unwrap a board timestamp counter that wraps at ``2**bits`` ticks.

    Parameters
    ----------
    bits : int or None
        Counter width (16, 32 or 64). None: guess it, trying 16 and 32 bits, from where the
        counter goes back (see :data:`WRAP_MAX_STEP_S`).
    tick_us : float
        Length of one counter tick in microseconds (1 for ``micros()``, 1000 for ``millis()``).

    Notes
    -----
    A step back from ``prev`` to ``new`` is a wrap at width ``w`` when ``prev < 2**w`` and
    ``new + 2**w - prev`` (the forward distance modulo ``2**w``) is at most
    :data:`WRAP_MAX_STEP_S`; anything else that goes back is left alone (the caller sees a
    restart).
    """

    def __init__(self, bits: int | None = None, tick_us: float = 1.0) -> None:
        if bits is not None and bits not in (16, 32, 64):
            raise ValueError(f"counter width must be 16, 32 or 64 bits, not {bits}")
        self.tick_us = float(tick_us)
        max_step = WRAP_MAX_STEP_S * 1e6 / self.tick_us
        if bits is None:
            self.widths = tuple(w for w in (16, 32) if (1 << w) >= _SPAN_FACTOR * max_step)
        else:
            self.widths = () if bits == 64 else (bits,)
        self._max_step = max_step
        self._epoch = 0  # ticks added to raw values since the counter was first seen
        self._prev: int | None = None
        #: Number of wraps seen so far.
        self.wraps = 0

    def reset(self) -> None:
        """Forget the counter (the device rebooted or a new stream began)."""
        self._epoch = 0
        self._prev = None

    def unwrap(self, raw: np.ndarray) -> np.ndarray:
        """Counter values ``raw`` (n,) as an increasing uint64 count (restarts still go back).

        Parameters
        ----------
        raw : numpy.ndarray
            (n,) unsigned counter values in ticks, in arrival order.

        Returns
        -------
        numpy.ndarray
            (n,) uint64 ticks with every wrap undone.
        """
        raw = np.asarray(raw, dtype=np.uint64)
        if raw.size == 0 or not self.widths:
            if raw.size:
                self._prev = int(raw[-1])
            return raw + np.uint64(self._epoch) if self._epoch else raw
        prev = np.empty(raw.size, dtype=np.int64)
        vals = raw.astype(np.int64, copy=False) if raw.max() < (1 << 63) else None
        if vals is None:  # 64-bit values: cannot wrap at 16 or 32 bits
            self._prev = int(raw[-1])
            return raw + np.uint64(self._epoch) if self._epoch else raw
        prev[1:] = vals[:-1]
        prev[0] = vals[0] if self._prev is None else self._prev
        offset = np.empty(raw.size, dtype=np.int64)
        epoch, start = self._epoch, 0
        for i in np.flatnonzero(vals < prev).tolist():
            offset[start:i] = epoch
            p, v = int(prev[i]), int(vals[i])
            wrapped = next(
                (1 << w for w in self.widths if p < (1 << w) and v + (1 << w) - p <= self._max_step), 0
            )
            if wrapped:
                self.wraps += 1
                epoch += wrapped
            else:
                epoch = 0  # a restart: the new boot counts afresh (and goes back, as it should)
            start = i
        offset[start:] = epoch
        out = vals + offset
        self._epoch = epoch
        self._prev = int(vals[-1])
        return out.astype(np.uint64)


class MonotonicSlew:
    """Host times of sample blocks that never go back, with clock-map corrections slewed.

    Parameters
    ----------
    rate : float
        Fraction of elapsed time by which a correction is absorbed (:data:`SLEW_RATE`).
    max_forward_s : float
        Forward corrections larger than this are applied at once (:data:`SLEW_MAX_S`).

    Attributes
    ----------
    lag_s : float
        Output time minus mapped time at the last sample placed (s): the correction still
        being absorbed.
    n_back : int
        Blocks whose mapped times would have gone back (absorbed, not applied).
    """

    def __init__(self, rate: float = SLEW_RATE, max_forward_s: float = SLEW_MAX_S) -> None:
        if not 0.0 < rate < 1.0:
            raise ValueError("the slew rate is a fraction in (0, 1)")
        self.rate = float(rate)
        self.max_forward_s = float(max_forward_s)
        self.last_s: float | None = None
        self.lag_s = 0.0
        self.n_back = 0

    def place(self, mapped: np.ndarray, anchor_s: float | None, step_s: float) -> np.ndarray:
        """Output times of one block.

        Parameters
        ----------
        mapped : numpy.ndarray
            (n,) strictly increasing host times (s) of the block under the current clock map.
        anchor_s : float or None
            Host time (s), under the *current* map, of the previous block's last sample, when
            this block continues the same device clock; None after a restart (a new clock).
        step_s : float
            Nominal sample period (s): a block that would start at or before the previous
            sample after a restart starts one period after it.

        Returns
        -------
        numpy.ndarray
            (n,) float64 host times, strictly increasing and after every earlier output.
        """
        mapped = np.asarray(mapped, dtype=np.float64)
        last = self.last_s
        if last is None or mapped.size == 0:
            out = mapped
        elif anchor_s is not None:
            lag = last - anchor_s  # how far the output is ahead of the current map
            if lag < -self.max_forward_s:
                lag = 0.0  # a large forward correction: step (order is kept)
            if mapped[0] <= last:
                self.n_back += 1
            if lag == 0.0:
                out = mapped
            else:
                absorbed = self.rate * (mapped - anchor_s)
                out = mapped + np.sign(lag) * np.maximum(abs(lag) - absorbed, 0.0)
        else:
            out = mapped
            if mapped[0] <= last:
                self.n_back += 1
                out = mapped + (last + step_s - float(mapped[0]))
        if last is not None and out.size and not float(out[0]) > last:
            out = np.nextafter(np.maximum(out, last), np.inf)
        if out.size:
            self.last_s = float(out[-1])
            self.lag_s = float(out[-1] - mapped[-1])
        return out


class FrameCounter:
    """Lost, repeated and restarted frames of a stream from its frame counter (a profile's ``sequence``).

    Parameters
    ----------
    bits : int or None
        Width of the counter in the frame (it wraps at ``2**bits``); None or 64: no wrap.
    per_frame : int
        Samples per frame: the counter values fed are per sample (frame x ``per_frame`` +
        place in the frame), so they step by 1 and wrap at ``2**bits x per_frame``.
    rate_hz : float
        Nominal sample rate (Hz), for the plausibility check of a forward step.

    Notes
    -----
    Each sample's counter is compared with the last one kept: a step of 1 follows on. A value
    delivered within the last :data:`COUNTER_DUPLICATE_S` (arrival time) is a duplicate:
    dropped and counted (BLE stacks can deliver a notification twice). Forward by ``k`` is
    ``k - 1`` lost samples, unless that many samples could not have been sent since the last
    arrival (:data:`COUNTER_SLACK_S`); anything else that goes back is a restart, whose gap
    is measured on the host clock. The counter must number the frames of one foot (or frames
    carrying both feet); a counter shared by frames of alternating feet is not one.
    """

    def __init__(self, bits: int | None, per_frame: int, rate_hz: float) -> None:
        self.modulus = (1 << bits) * per_frame if bits is not None and bits < 64 else None
        self.rate_hz = float(rate_hz)
        self.last: int | None = None
        self.last_t: float | None = None
        #: Samples dropped as repeats of samples already delivered.
        self.duplicates = 0
        self._recent: dict[int, float] = {}  # counter -> arrival time, of the last samples kept

    def screen(self, counter: np.ndarray, t: float, lost: bool
               ) -> tuple[np.ndarray, list[tuple[int, int | None, str]]]:  # fmt: skip
        """Which samples to keep, and the gaps before some of the kept ones.

        Parameters
        ----------
        counter : numpy.ndarray
            (n,) uint64 sample counters, in arrival order.
        t : float
            Host arrival time of the block (s).
        lost : bool
            The link was lost since the last sample (the gap's reason is ``link lost``).

        Returns
        -------
        (keep, gaps)
            ``keep`` (n,) bool; ``gaps`` a list of ``(start, n_missing, reason)``: ``start``
            indexes the kept samples, ``n_missing`` counts the samples lost before it (None
            when the counter restarted: the gap is then measured on the host clock).
        """
        c = counter.astype(np.int64)
        n = c.shape[0]
        keep = np.ones(n, dtype=bool)
        gaps: list[tuple[int, int | None, str]] = []
        m = self.modulus
        last = self.last
        if n and last is not None and not lost:
            steps = np.diff(c, prepend=last)
            if m is not None:
                steps %= m
            if (steps == 1).all():  # the usual case: it follows on
                self._kept(c[-COUNTER_BACK_WINDOW:].tolist(), t)
                self.last, self.last_t = int(c[-1]), t
                return keep, gaps
        elapsed = t - self.last_t if self.last_t is not None else 0.0
        n_kept = 0
        kept_set: set[int] = set()
        for i in range(n):
            ci = int(c[i])
            if last is not None:
                step = (ci - last) % m if m is not None else ci - last
                if step == 1 and not lost:
                    last, n_kept = ci, n_kept + 1
                    kept_set.add(ci)
                    continue
                seen = self._recent.get(ci)
                if (seen is not None and t - seen <= COUNTER_DUPLICATE_S) or ci in kept_set:
                    keep[i] = False  # a repeat of a sample just delivered
                    self.duplicates += 1
                    continue
                missing: int | None = step - 1 if step > 0 else None
                if missing is not None and missing / self.rate_hz > elapsed + COUNTER_SLACK_S:
                    missing = None  # more lost than could have been sent since: the counter restarted
                if missing is None or missing > 0:
                    reason = "link lost" if lost else "packet loss" if missing else "device restart"
                    gaps.append((n_kept, missing, reason))
            lost = False
            last, n_kept = ci, n_kept + 1
            kept_set.add(ci)
        self._kept(c[keep][-COUNTER_BACK_WINDOW:].tolist(), t)
        self.last, self.last_t = last, t
        return keep, gaps

    def _kept(self, values: list[int], t: float) -> None:
        for v in values:
            self._recent[v] = t
        if len(self._recent) > 4 * COUNTER_BACK_WINDOW:  # keep the newest only
            newest = sorted(self._recent.items(), key=lambda kv: kv[1])[-COUNTER_BACK_WINDOW:]
            self._recent = dict(newest)


class SampleSequencer:
    """Numbers and times the samples of a CSV-line or device-profile stream.

    One per side. Samples are numbered consecutively; a gap is found from the frame counter
    when the stream has one (:class:`FrameCounter`, exact), else from the device clock (a
    step of more than 1.5 periods, or a restart: the clock going back after unwrapping) or,
    without a device clock, from a lost link. Device times are mapped by arrival (the
    smallest ``arrival - device time`` seen, :class:`~sensorkit.devices.clock.ClockMap`) and
    placed by :class:`MonotonicSlew`; without a device clock, sample ``k`` is placed on the
    line fitted under the arrival times (:class:`~sensorkit.devices.arrival.ArrivalClock`:
    the board's real period, the least delayed arrival), and samples that arrive late and
    stay late follow a pause (a ``time jump`` gap; the count skips it, unless a frame counter
    numbers the samples: the gap then has no missing samples).

    Parameters
    ----------
    rate_hz : float
        Nominal sample rate (Hz): the spacing of samples without timestamps, and the unit
        in which gaps are counted.
    side : str
        Side named in the gaps.
    clock_bits : int or None
        Width of the device's timestamp counter (see :class:`CounterUnwrapper`).
    tick_us : float
        Length of one timestamp tick in us.
    """

    def __init__(
        self, rate_hz: float, side: str, clock_bits: int | None = None, tick_us: float = 1.0
    ) -> None:
        from sensorkit.devices.arrival import ArrivalClock
        from sensorkit.devices.clock import ClockMap

        self.rate_hz = float(rate_hz)
        self.side = side
        self.clock = ClockMap()
        self.arrival = ArrivalClock(rate_hz)
        self.slew = MonotonicSlew()
        self.unwrapper = CounterUnwrapper(clock_bits, tick_us)
        self.tick_us = float(tick_us)
        self.last_dev_us: int | None = None
        self.last_time: float | None = None
        self.next_seq = 0
        self.lost = False  # the link was lost since the last sample
        self.time_back = 0
        # samples timed by arrival held while the clock judges a late run, oldest first:
        # [first sample number, count, lateness (s), gap reason, samples missing, restart]
        self._held: list[list] = []
        self._last_k: int | None = None  # number of the last sample returned
        self._counted = False  # the last block pushed was numbered by a frame counter
        self.last_arrival_s: float | None = None  # host arrival time (s) of the last block pushed

    def device_us(self, ticks: np.ndarray) -> np.ndarray:
        """Raw timestamp ticks (n,) as unwrapped device microseconds (uint64)."""
        us = self.unwrapper.unwrap(ticks)
        return us * np.uint64(self.tick_us) if self.tick_us != 1.0 else us

    def push(self, values: np.ndarray, dev_us: np.ndarray | None, t: float, *, counted: bool = False,
             gap: tuple[int | None, str] | None = None) -> tuple[np.ndarray, np.ndarray, list[dict]]:  # fmt: skip
        """Times, sample numbers and the gaps before them, for consecutive samples.

        Parameters
        ----------
        values : numpy.ndarray
            (n, S) values (only their count is used).
        dev_us : numpy.ndarray or None
            (n,) unwrapped device times in us, increasing (cut the block where they are not).
        t : float
            Host arrival time of the bytes (s).
        counted : bool
            The stream has a frame counter (:class:`FrameCounter`): it alone says where the
            gaps are, given in ``gap``.
        gap : (n_missing, reason) or None
            With ``counted``: the gap before these samples (``n_missing`` None: measure it on
            the host clock), or None when they follow on.

        Returns
        -------
        (times, seq, gaps)
            (m,) float64 host times in s, (m,) int64 sample numbers, and gap dicts
            (keys of ``sensorkit.recording.GAP_COLUMNS``), of the oldest samples not returned
            yet. ``m`` is ``n`` but for samples timed by arrival: those that arrive late are held
            until the :class:`~sensorkit.devices.arrival.ArrivalClock` has judged whether a
            pause came before them (at most its ``CONFIRM_S`` of arrival time and
            ``CONFIRM_BLOCKS`` blocks): ``m`` is then 0, and a later call, or :meth:`flush`,
            returns them first. Held samples that follow a pause are placed after its gap.
        """
        n = values.shape[0]
        self.last_arrival_s = t
        if dev_us is None:
            return self._push_arrival(n, t, counted, gap)
        period = 1.0 / self.rate_hz
        reason = None
        anchor = self.last_dev_us
        if anchor is not None and int(dev_us[0]) <= anchor:
            self.clock.reset()  # the board's clock went back: it rebooted
            anchor = None
            reason = "link lost" if self.lost else "device restart"
        elif anchor is not None and int(dev_us[0]) - anchor > 1.5e6 * period:
            reason = "link lost" if self.lost else "time jump"
        self.clock.add_arrival(float(dev_us[-1]), t * 1e6)
        mapped = self.clock.to_host_s(dev_us)
        a = None if anchor is None else float(self.clock.to_host_s(np.array([anchor]))[0])
        back = self.slew.n_back
        times = self.slew.place(mapped, a, period)
        if self.slew.n_back != back and a is None:
            self.time_back += 1
        self.last_dev_us = int(dev_us[-1])
        if counted:
            reason = None if gap is None else gap[1]
        missing = 0
        if reason is not None and self.last_time is not None:
            if counted and gap is not None and gap[0] is not None:
                missing = int(gap[0])
            else:
                missing = max(round((float(times[0]) - self.last_time) / period) - 1, 0)
        k0 = self.next_seq + missing  # sample numbers skip the lost ones
        self.next_seq = k0 + times.shape[0]
        return self._emit(times, k0, reason, missing)

    def flush(self) -> tuple[np.ndarray, np.ndarray, list[dict]]:
        """The samples still held (see :meth:`push`), placed: at the end of a stream, when it has
        gone quiet, or before a lost link's gap. The silence ends their late run, which is judged
        as it stands (:meth:`ArrivalClock.ended_run_pause`, as a new silence would): after its
        pause's gap when it stayed as late as it began, else on the current line."""
        out: list = []
        if self._held:
            ended = self.arrival.ended_run_pause()
            if ended is not None:
                self._after_pause(ended, self._counted, self.arrival.period_s, out)
        out.extend(self._release(len(self._held)))
        return self._joined(out)

    def held_silent(self, now: float) -> bool:
        """True when samples are held and nothing arrived for longer than a late block may be
        late (:func:`~sensorkit.devices.arrival.soft_late_s`): the next block would start the
        late run again and place them as they are, so they can be placed now (:meth:`flush`),
        with the same times."""
        return (
            bool(self._held)
            and self.last_arrival_s is not None
            and (now - self.last_arrival_s > soft_late_s(self.arrival.period_s))
        )

    @property
    def n_held(self) -> int:
        """Samples held, not returned yet."""
        return sum(h[1] for h in self._held)

    def _emit(self, times: np.ndarray, k0: int, reason: str | None, missing: int
              ) -> tuple[np.ndarray, np.ndarray, list[dict]]:  # fmt: skip
        """The block's times, its sample numbers from ``k0``, and the gap before it when ``reason``."""
        gaps = []
        if reason is not None and self.last_time is not None:
            gaps.append({"start_s": self.last_time, "end_s": float(times[0]), "side": self.side,
                         "n_missing": int(missing), "reason": reason})  # fmt: skip
        self.lost = False
        n = times.shape[0]
        self.last_time = float(times[-1])
        self._last_k = k0 + n - 1
        return times, np.arange(k0, k0 + n, dtype=np.int64), gaps

    def _push_arrival(self, n: int, t: float, counted: bool, gap: tuple[int | None, str] | None
                      ) -> tuple[np.ndarray, np.ndarray, list[dict]]:  # fmt: skip
        """:meth:`push` of samples without device times: placed on the :class:`ArrivalClock` line.

        A block the clock cannot judge yet (late, in a run younger than its ``CONFIRM_S``) is
        held with those before it. When the run turns out to follow a pause, the held blocks
        as late as the pause are placed after its gap, on the new line (before 2026-12-01 they
        were placed before it, up to the pause early, and could make a step that never was);
        otherwise every held block is placed on the line, as if never held.
        """
        clock = self.arrival
        period = clock.period_s
        self._counted = counted
        reason: str | None = None
        missing = 0
        restart = self.last_time is None and not self._held
        if counted and gap is not None:
            reason = gap[1]
            if gap[0] is not None:
                missing = int(gap[0])  # the line runs on across the lost samples
            else:
                restart = True  # the counter restarted: the outage is measured on the host clock
        elif self.lost and (self.last_time is not None or self._held):
            reason, restart = "link lost", True
        self.lost = False
        out = []
        if restart and self._held:
            out.append(self.flush())  # the samples before the outage, on the line they were on
        if restart and self.last_time is not None:
            # arrival is all that spans an outage: the block's last sample at its arrival
            missing = max(round((t - (n - 1) * period - self.last_time) / period) - 1, 0)
            clock.restart()
        k0 = self.next_seq + missing
        late = clock.late_s(k0 + n - 1, t)
        pause = clock.add(k0 + n - 1, t)
        if clock.retro_pause is not None:  # a new silence ended a short late run that was a pause
            ended, clock.retro_pause = clock.retro_pause, None
            skipped = self._after_pause(ended, counted, period, out)
            k0 += skipped
            late = clock.late_s(k0 + n - 1, t)
            pause = clock.add(k0 + n - 1, t)  # this block, on the line after that pause
        self.next_seq = k0 + n
        if clock.run_restarted:  # the held blocks are judged no more: placed as they are (bounded holding)
            out.extend(self._release(len(self._held)))
        self._held.append([k0, n, late, reason, missing, restart])
        if pause is not None:  # the samples arrive late and stay late: the board paused, or samples were lost
            self._after_pause(pause, counted, period, out)
        elif not clock.pending:
            out.extend(self._release(len(self._held)))
        return self._joined(out)

    def _after_pause(self, pause: float, counted: bool, period: float, out: list) -> int:
        """Place the held blocks around a pause the clock found: those clearly less late than it
        before (on the line they were on), the rest after its gap on the new line; into ``out``.
        Returns the samples the pause skips."""
        clock = self.arrival
        # the held blocks from the last one clearly less late than the pause on follow it
        less = [i for i, h in enumerate(self._held) if h[2] < pause - FALL_TOL_S]
        out.extend(self._release(less[-1] + 1 if less else 0))
        # a frame counter numbers what was sent: the pause is then in time only, nothing missing
        skipped = 0 if counted else max(round(pause / period), 1)
        clock.resume(skipped)
        for h in self._held:
            h[0] += skipped
        self.next_seq += skipped
        if self._held:
            first = self._held[0]
            first[3] = first[3] or "time jump"  # a frame counter's loss in the same block keeps its reason
            first[4] += skipped
            first[5] = True
        out.extend(self._release(len(self._held)))
        return skipped

    def _release(self, count: int) -> list[tuple[np.ndarray, np.ndarray, list[dict]]]:
        """Place the ``count`` oldest held blocks on the clock's current line, in order."""
        clock = self.arrival
        out = []
        for k0, n, _, reason, missing, restart in self._held[:count]:
            mapped = clock.to_host_s(np.arange(k0, k0 + n))
            anchor = None
            if not restart and self._last_k is not None:
                anchor = float(clock.to_host_s(np.array([self._last_k]))[0])
            times = self.slew.place(mapped, anchor, clock.period_s)
            out.append(self._emit(times, k0, reason, missing))
        del self._held[:count]
        return out

    @staticmethod
    def _joined(parts: list[tuple[np.ndarray, np.ndarray, list[dict]]]
                ) -> tuple[np.ndarray, np.ndarray, list[dict]]:  # fmt: skip
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64), []
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            [g for p in parts for g in p[2]],
        )

    def split(self, dev_us: np.ndarray) -> list[tuple[int, int]]:
        """Index ranges of a block where the device clock runs on (cut where it goes back or skips > 1.5 periods)."""
        d = np.diff(dev_us.astype(np.float64))
        cuts = np.flatnonzero((d <= 0) | (d > 1.5e6 / self.rate_hz)) + 1
        bounds = [0, *cuts.tolist(), int(dev_us.shape[0])]
        return list(itertools.pairwise(bounds))
