"""Sample numbering, gaps and host times of the binary protocol's PRESSURE packets.

A :class:`PacketSequencer` turns each PRESSURE packet (first sample number, device time of
sample 0, period) into unwrapped sample numbers and host times, and says what happened
before it: nothing, lost packets (the u32 sample counter jumped forward), a duplicate
(already delivered), a new stream of the same boot (counter back, device time forward), or
a device restart (announced by a boot DEVICE_INFO, or the device time went back). Times are
the device clock mapped by the device's :class:`~sensorkit.devices.clock.ClockMap` and
placed by :class:`~sensorkit.devices.sequencer.MonotonicSlew` (never back; corrections
slewed). It depends only on the packets and their arrival times, so replays agree.
"""

from __future__ import annotations

import numpy as np

from sensorkit.devices.clock import ClockMap
from sensorkit.devices.sequencer import MonotonicSlew
from sensorkit.protocol import PressureSamples, sample_timestamps_us

__all__ = ["PacketSequencer"]

_U32 = 1 << 32
_RESTART_SLACK_US = (
    1_000_000  # a counter back by k samples whose time is back by more than k periods + this restarted
)
_OFFSETS_KEPT = 64  # cached sample-offset arrays (one per (period, n))


class PacketSequencer:
    """Numbering and host times of one device's PRESSURE packets (PROTOCOL.md 5.1, 7).

    Parameters
    ----------
    clock : ClockMap
        The device's clock map (shared with the TIME_SYNC handling).

    Attributes
    ----------
    boot_pending : bool
        Set by the device when a DEVICE_INFO announced a boot while samples flowed.
    lost : bool
        Set by the device when the link was lost since the last sample.
    time_back : int
        Blocks placed after a restart whose mapped times would have gone back.
    """

    def __init__(self, clock: ClockMap) -> None:
        self.clock = clock
        self.slew = MonotonicSlew()
        self.boot_pending = False
        self.lost = False
        self.time_back = 0
        self._next_u32: int | None = None
        self._next_unwrapped = 0
        self._last_time: float | None = None
        self._last_dev_us: int | None = None
        self._period_us = 0.0
        self._after_glitch = False
        self._offsets: dict[tuple[int, int], np.ndarray] = {}

    @property
    def started(self) -> bool:
        """True once a packet was placed."""
        return self._next_u32 is not None

    def place(
        self, p: PressureSamples, t: float, side: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict | None] | None:
        """Host times (n,) s, sample numbers (n,), the packet's values (n, S) and the gap before them.

        Parameters
        ----------
        p : PressureSamples
            The packet.
        t : float
            Its arrival time on the host clock (s).
        side : str
            Side named in a gap.

        Returns
        -------
        tuple or None
            ``(times, seq, values, gap)``: ``values`` are the packet's raw values (only the new
            ones when it partly overlaps samples already delivered), ``gap`` a dict with the
            keys of ``sensorkit.recording.GAP_COLUMNS`` or None. None when every sample of the
            packet was already delivered (a duplicate).
        """
        n = p.values.shape[0]
        first = p.first_sample_seq
        # p.timestamps_us with the offsets cached per (period, n): the same uint64 arithmetic
        key = (p.period_ns, n)
        offsets = self._offsets.get(key)
        if offsets is None:
            if len(self._offsets) > _OFFSETS_KEPT:
                self._offsets.clear()
            offsets = self._offsets[key] = sample_timestamps_us(0, p.period_ns, n)
            offsets.flags.writeable = False
        dev_us = offsets + np.uint64(p.t0_us)
        last_us = (p.t0_us + int(offsets[-1])) & 0xFFFF_FFFF_FFFF_FFFF  # dev_us[-1] (uint64 wraps)
        self._period_us = p.period_ns / 1000.0
        if not self.clock.synced:
            self.clock.add_arrival(float(last_us), t * 1e6)
        self.clock.add_packet(float(last_us), t * 1e6)
        missing = 0
        reason = None
        restarted = False
        if self._next_u32 is None:
            unwrapped = first
        else:
            jump = (first - self._next_u32) % _U32
            # device time never goes back on one boot (PROTOCOL.md 7), so a boot announcement
            # followed by earlier timestamps is a restart whatever the sample counter does
            boot = self.boot_pending and self._last_dev_us is not None and p.t0_us < self._last_dev_us
            if jump == 0 and not boot:
                unwrapped = self._next_unwrapped
            elif jump < _U32 // 2 and not boot:
                missing = jump
                unwrapped = self._next_unwrapped + jump
                reason = "link lost" if self.lost else "packet loss"
            else:
                back = _U32 - jump
                # counter back but device time forward: the same boot numbering a new stream
                # from 0 (STOP then START, or a START re-sent to a board that went idle)
                new_stream = (
                    not self.boot_pending and self._last_dev_us is not None and p.t0_us > self._last_dev_us
                )
                restarted = (
                    new_stream
                    or self.boot_pending  # announced (time back, or the sample counter went back)
                    or self.lost  # reconnected (a replugged USB board powers up again)
                    or (
                        self._last_dev_us is not None
                        and p.t0_us + back * self._period_us + _RESTART_SLACK_US < self._last_dev_us
                    )
                )
                if not restarted:
                    if back >= n:
                        return None
                    # partial overlap: keep only the new samples
                    p = PressureSamples(
                        p.seq, int(dev_us[back]), (first + back) % _U32, p.period_ns, p.bits, p.values[back:]
                    )
                    return self.place(p, t, side)
                if not (self.boot_pending or new_stream):  # same clock, or reset at the boot already
                    self.clock.reset()
                    self.clock.add_arrival(float(last_us), t * 1e6)
                unwrapped = self._next_unwrapped
                if self.lost:
                    reason = "link lost"
                else:
                    reason = "stream restart" if new_stream else "device restart"
        # slew only across a device clock that runs on: after a restart, or a block whose
        # device time went back although its samples follow on (a clock glitch), and the block
        # after such a glitch, the times are placed afresh (never back, counted in time_back)
        glitch = self._last_dev_us is not None and not restarted and p.t0_us <= self._last_dev_us
        same_clock = (
            not (restarted or self.boot_pending or glitch or self._after_glitch)
            and self._last_dev_us is not None
        )
        self._after_glitch = glitch
        self.boot_pending = False
        times = self._times(dev_us, self._last_dev_us if same_clock else None)
        gap = None
        if reason is not None and self._last_time is not None:
            if restarted:
                # the sample counter restarted: count the gap from the host clock, and number it
                period_s = self._period_us * 1e-6
                missing = (
                    max(round((float(times[0]) - self._last_time) / period_s) - 1, 0) if period_s > 0 else 0
                )
                unwrapped += missing
            gap = {"start_s": self._last_time, "end_s": float(times[0]), "side": side,
                   "n_missing": int(missing), "reason": reason}  # fmt: skip
        self.lost = False
        self._next_u32 = (first + n) % _U32
        self._next_unwrapped = unwrapped + n
        self._last_time = float(times[-1])
        self._last_dev_us = last_us
        seq = np.arange(unwrapped, unwrapped + n, dtype=np.int64)
        return times, seq, p.values, gap

    def _times(self, dev_us: np.ndarray, anchor_us: int | None) -> np.ndarray:
        """Host times of a block: never back, clock-map corrections slewed.

        ``anchor_us``: device time of the previous sample when this block continues its clock
        (None after a restart: a block that would start before the last sample follows it by
        one period, counted in :attr:`time_back`).
        """
        mapped = self.clock.to_host_s(dev_us)
        anchor = None if anchor_us is None else float(self.clock.to_host_s(np.array([anchor_us]))[0])
        back = self.slew.n_back
        step = self._period_us * 1e-6 if self._period_us > 0 else 0.0
        times = self.slew.place(mapped, anchor, step)
        if self.slew.n_back != back and anchor is None:
            self.time_back += 1
        return times
