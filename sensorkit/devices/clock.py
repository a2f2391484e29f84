"""Mapping a device clock onto the host clock: offset and drift fitted from time-sync exchanges.

A SYNC_TIME exchange gives four timestamps: host send ``t1``, device receive ``t2``, device
send ``t3`` and host receive ``t4`` (PROTOCOL.md, TIME_SYNC). Its midpoint pairs device time
``(t2 + t3) / 2`` with host time ``(t1 + t4) / 2``, exact when both path delays are equal, with
an error bound of half the round trip. :class:`ClockMap` keeps the latest exchanges and fits
``host = device + a + c * (device - ref)`` by weighted least squares, so ``c`` is the drift
(1e-6 = 1 ppm).

Each exchange is weighted by the inverse square of its error: half its round trip taken as
the bound of a uniform error, so ``round_trip / (2 * sqrt(3))``. The exchanges with the
smallest round trips thus set the offset (PROTOCOL.md 6.3: keep the estimates with the
smallest round trips), while slower ones still carry the drift: a host that got busy after the
first exchanges (every later round trip ten times the first ones) must not leave the drift
unfitted until those first exchanges leave the window, and a reply held up on the way (a
round trip of 100 ms among ones of 1 ms) weighs 1e-4 of the others. The slope is drawn
towards 0 by a prior of 0 +- :data:`DRIFT_PRIOR_PPM` (three times a quartz crystal's
tolerance), so that one slow exchange a second after the first ones cannot set a wild drift
(a midpoint 2.5 ms late, which alone reads as 2500 ppm, moves it by 104 ppm). Good exchanges
outweigh the prior within seconds (four at connection, then one a second, all with 100 us
round trips: the fitted drift is 99.7 % of the true one after 2 s). Its limit: over a link
whose round trips are tens of ms (Bluetooth LE), a board whose clock is off by more than a
quartz (a ceramic resonator, 1000 ppm and more) is corrected by 77 % of its drift with 30 ms
round trips and a full window.

An exchange cannot tell a steady drift from a host that is slow on one way only: a busy host
that notes ``t4`` late (its reader waits for the CPU) makes every midpoint late by up to half
the round trip, and the line through them then maps samples late by up to about 1.5 times
that. The sample packets bound that error from one side: a sample is taken before it
arrives, so the offset is lowered until no packet of the last second maps after its own
arrival (:meth:`ClockMap.add_packet`; the least delayed packet of each tenth of a second is
kept). A busy host that is slow on the way out (``t1`` noted early) is not bounded this way.

Devices that never answer SYNC_TIME fall back to the packet arrival times: the smallest
``arrival - device time`` seen bounds the offset from above (one-way latency), without drift
correction.
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["ClockMap"]

SYNC_WINDOW = 32  # exchanges kept for the fit (32 s at one exchange per second)
RTT_FLOOR_US = 20.0  # round trips below this weigh as this (timestamp resolution and jitter)
MIN_SPAN_FOR_DRIFT_US = 500_000  # fit drift only over at least 0.5 s of device time
DRIFT_PRIOR_PPM = 300.0  # prior standard deviation of the drift (quartz: within +-100 ppm)
MAX_DRIFT = 2000e-6  # crystals are within +-100 ppm; 2000 ppm bounds a bad fit
ARRIVAL_WINDOW = 256  # arrival points kept for the fallback offset
CAUSAL_BIN_US = 100_000  # the least delayed packet of each 0.1 s of device time,
CAUSAL_BINS = 10  # over the last second, bounds the offset from above


class ClockMap:
    """Device-to-host clock mapping for one device.

    Parameters
    ----------
    window : int
        Number of time-sync exchanges kept for the fit.

    Attributes
    ----------
    n_syncs : int
        Exchanges received so far.
    """

    def __init__(self, window: int = SYNC_WINDOW) -> None:
        self._syncs: deque[tuple[float, float, float]] = deque(maxlen=window)  # dev_mid, host_mid, rtt
        self._arrivals: deque[float] = deque(maxlen=ARRIVAL_WINDOW)
        # [bin number, device time (us), arrival - device time (us)] of the least delayed packet per bin
        self._recent: deque[list[float]] = deque(maxlen=CAUSAL_BINS)
        self._ref_us: float | None = None
        self._a_us = 0.0
        self._fit_a_us = 0.0  # the offset the exchanges give, before the arrival bound
        self._c = 0.0
        self._fitted = False
        self.n_syncs = 0

    @property
    def synced(self) -> bool:
        """True once at least one time-sync exchange was used."""
        return self._fitted

    @property
    def drift_ppm(self) -> float:
        """Fitted rate error of the device clock relative to the host clock, ppm (positive = device fast)."""
        return (1.0 / (1.0 + self._c) - 1.0) * 1e6

    @property
    def offset_us(self) -> float:
        """Fitted ``host - device`` in microseconds at the reference point."""
        return self._a_us

    def reset(self) -> None:
        """Forget everything (the device rebooted: its clock restarted)."""
        self.__init__(self._syncs.maxlen or SYNC_WINDOW)

    def add_sync(self, t1_us: int, t2_us: int, t3_us: int, t4_us: int) -> None:
        """Add one exchange (host send, device receive, device send, host receive), in us."""
        rtt = float((t4_us - t1_us) - (t3_us - t2_us))
        if rtt < 0:
            return  # impossible: a corrupted or foreign reply
        dev_mid = (t2_us + t3_us) / 2.0
        host_mid = (t1_us + t4_us) / 2.0
        if self._ref_us is None:
            self._ref_us = dev_mid
        self._syncs.append((dev_mid, host_mid, rtt))
        self.n_syncs += 1
        self._fit()

    def add_arrival(self, device_us: float, host_us: float) -> None:
        """Add a one-way point: a sample stamped ``device_us`` arrived at host time ``host_us``."""
        if self._fitted:
            return
        self._arrivals.append(host_us - device_us)
        self._a_us = min(self._arrivals)
        self._ref_us = device_us if self._ref_us is None else self._ref_us

    def add_packet(self, device_us: float, host_us: float) -> None:
        """Add a sample packet whose last sample is stamped ``device_us`` and which arrived at ``host_us``.

        A sample is taken before it arrives, so the map may never put it later than its
        arrival: the least delayed packet of each tenth of a second, over the last second,
        bounds the offset from above (module docstring).
        """
        delay = host_us - device_us
        b = float(device_us // CAUSAL_BIN_US)
        if self._recent and b <= self._recent[-1][0]:
            last = self._recent[-1]
            if b < last[0] or delay >= last[2]:
                return  # a device time back (a restart resets the map), or no new least delay
            last[1], last[2] = device_us, delay
        else:
            self._recent.append([b, device_us, delay])
        if self._fitted:
            self._bound_by_arrivals()

    def _bound_by_arrivals(self) -> None:
        ref = self._ref_us if self._ref_us is not None else 0.0
        cap = min(d - self._c * (dev - ref) for _, dev, d in self._recent) if self._recent else np.inf
        self._a_us = min(self._fit_a_us, cap)

    def _fit(self) -> None:
        pts = np.array(self._syncs, dtype=np.float64)
        x = pts[:, 0] - self._ref_us
        y = pts[:, 1] - pts[:, 0]  # host - device
        w = (2.0 * np.sqrt(3.0) / np.maximum(pts[:, 2], RTT_FLOOR_US)) ** 2  # 1 / error variance
        xm = float((w * x).sum() / w.sum())
        ym = float((w * y).sum() / w.sum())
        if x.size >= 2 and (x.max() - x.min()) >= MIN_SPAN_FOR_DRIFT_US:
            sxx = float((w * (x - xm) ** 2).sum())
            sxy = float((w * (x - xm) * (y - ym)).sum())
            # posterior mean of the slope under the prior 0 +- DRIFT_PRIOR_PPM
            c = sxy / (sxx + (1e6 / DRIFT_PRIOR_PPM) ** 2)
            c = min(max(c, -MAX_DRIFT), MAX_DRIFT)
        else:
            c = self._c if self._fitted else 0.0
        self._fit_a_us, self._c, self._fitted = ym - c * xm, c, True
        self._bound_by_arrivals()

    def to_host_s(self, device_us: np.ndarray) -> np.ndarray:
        """Host times in s of device timestamps in us.

        Parameters
        ----------
        device_us : numpy.ndarray
            Device timestamps in microseconds (any integer or float dtype).

        Returns
        -------
        numpy.ndarray
            float64 seconds on the host clock.
        """
        ref = self._ref_us if self._ref_us is not None else 0.0
        rel = np.asarray(device_us, dtype=np.float64) - ref
        return (rel * (1.0 + self._c) + (ref + self._a_us)) * 1e-6
