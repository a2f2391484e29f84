"""Is the insole loaded right now? The check behind a safe tare.

Taring a loaded insole subtracts body weight from every later reading (a walker's peaks fall
from ~1750 N to ~700 N), so a device keeps the peak load of its recent chunks in a
:class:`LoadWatch` and refuses to tare while it shows a foot on the insole.
"""

from __future__ import annotations

import collections

import numpy as np

__all__ = ["TARE_MAX_FULL_SCALE", "TARE_MAX_KPA", "TARE_MAX_LOAD_N", "TARE_WINDOW_S", "LoadWatch"]

#: Loaded: the total force exceeds this (N) in the last TARE_WINDOW_S of samples: about 7 % of a
#: 70 kg body weight, far above an unloaded insole's offset and far below any stance
TARE_MAX_LOAD_N = 50.0
TARE_MAX_KPA = 20.0  # pressure insoles: one sensor above this is a foot on it
TARE_MAX_FULL_SCALE = 0.05  # raw counts: summed readings above 5 % of the summed full scale
TARE_WINDOW_S = 1.5  # s: longer than a walking stride (1.1 s at 110 steps/min), so a stance is in it


class LoadWatch:
    """The peak loads of a device's recent chunks, for :meth:`loaded`."""

    def __init__(self) -> None:
        # (host time of the chunk's last sample, max total, max sensor) per chunk
        self._recent: collections.deque = collections.deque(maxlen=256)

    def note(self, times: np.ndarray, values: np.ndarray) -> None:
        """Remember one chunk: (n,) host times in s and (n, S) values in the device's units."""
        if values.size:
            self._recent.append((float(times[-1]), float(values.sum(axis=1).max()), float(values.max())))

    def loaded(self, units: str, *, adc_bits: int | None = None, sensor_count: int = 1,
               scale: float = 1.0) -> str | None:  # fmt: skip
        """Why the insole counts as loaded, or None when it does not.

        Loaded: within the last :data:`TARE_WINDOW_S` of samples, the total force exceeds
        :data:`TARE_MAX_LOAD_N` (units ``"N"``), a sensor exceeds :data:`TARE_MAX_KPA`
        (``"kPa"``), or the total exceeds :data:`TARE_MAX_FULL_SCALE` of the sensors' summed
        full scale (``2**adc_bits - 1`` x ``scale`` each; raw counts and other units). No
        samples yet: not loaded (nothing says otherwise).
        """
        chunks = list(self._recent)  # the reader thread appends meanwhile
        if not chunks:
            return None
        newest = chunks[-1][0]
        recent = [r for r in chunks if r[0] >= newest - TARE_WINDOW_S]
        total = max(r[1] for r in recent)
        peak = max(r[2] for r in recent)
        if units == "N":
            return f"{total:.0f} N" if total > TARE_MAX_LOAD_N else None
        if units == "kPa":
            return f"{peak:.0f} kPa on one sensor" if peak > TARE_MAX_KPA else None
        full = float((1 << int(adc_bits or 16)) - 1) * sensor_count * float(scale)
        if total > TARE_MAX_FULL_SCALE * full:
            return f"{100.0 * total / full:.0f} % of full scale summed over the sensors"
        return None
