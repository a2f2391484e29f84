"""Device chunks of a left/right pair -> the guided procedure's ``(time, left, right)`` frames.

:func:`~sensorkit.calibrate.guided.run_guided_calibration` wants frames of both insoles on
one time axis. A live pair yields chunks of each side separately, in arrival order, each
sample already on the host clock (the device layer maps every device clock onto the host
clock with a drift-corrected fit of its time-sync exchanges). :class:`PairedFrames` puts
them together the way :mod:`sensorkit.devices.assemble` does for recordings:

* the **left** samples are the time axis;
* each left sample takes the **right** sample nearest in host time, if it is within
  ``tolerance`` (half a sample period by default), each right sample used at most once;
* a left sample without such a partner (a lost right packet, a clock slip) is dropped,
  never interpolated, and so are right samples nobody took (both counted in
  :attr:`PairedFrames.dropped`).

A left sample is decided once a right sample at or after its time has arrived, so frames
lag the later of the two devices by at most one chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from sensorkit.errors import CalibrationError

__all__ = ["PairedFrames", "raw_counts"]

Frames = tuple[np.ndarray, np.ndarray, np.ndarray]


def raw_counts(chunk: Any) -> np.ndarray:
    """The raw ADC counts (n, S) of a chunk: its ``counts`` when calibrated, else its values in counts.

    Raises
    ------
    CalibrationError
        When the chunk holds physical units without the counts they came from.
    """
    if getattr(chunk, "counts", None) is not None:
        return chunk.counts
    if chunk.units == "counts":
        return chunk.values
    raise CalibrationError(
        f"the {chunk.side} device sends {chunk.units}, not raw ADC counts; the guided calibration "
        "needs the counts",
        hint="calibrate insoles that send raw counts (DEVICE_INFO units 0), e.g. sim://?units=counts",
    )


class PairedFrames:
    """Iterate ``(time_s (n,), left (n, S), right (n, S))`` frames from a pair's chunks.

    Parameters
    ----------
    chunks : iterable of Chunk
        Chunks of the ``"left"`` and ``"right"`` devices (e.g. an open pair Session).
    period_s : float
        Sample period of the devices, s.
    tolerance : float
        Largest time difference of a pair of samples, in sample periods (default 0.5).

    Attributes
    ----------
    paired : int
        Frames yielded so far.
    dropped : dict
        Side -> samples dropped for lack of a partner.
    """

    def __init__(self, chunks: Iterable[Any], *, period_s: float, tolerance: float = 0.5) -> None:
        if not period_s > 0:
            raise CalibrationError(f"period_s must be positive, got {period_s!r}")
        self._chunks = chunks
        self.tolerance_s = float(tolerance) * float(period_s)
        self.paired = 0
        self.dropped = {"left": 0, "right": 0}
        self._t: dict[str, np.ndarray] = {}
        self._c: dict[str, np.ndarray] = {}

    def __iter__(self) -> Iterator[Frames]:
        for chunk in self._chunks:
            if chunk.side not in ("left", "right"):
                raise CalibrationError(
                    f"a chunk of the {chunk.side!r} insole: the guided calibration needs a left/right pair",
                    hint="open both insoles (two URLs, or a URL that opens a pair); set ?side= when a device does not say",
                )
            counts = raw_counts(chunk)
            if chunk.n == 0:
                continue
            side = chunk.side
            if side in self._t:
                self._t[side] = np.concatenate([self._t[side], chunk.time])
                self._c[side] = np.concatenate([self._c[side], counts])
            else:
                self._t[side], self._c[side] = chunk.time, counts
            frames = self._pair()
            if frames is not None:
                yield frames
        for side, t in self._t.items():  # never partnered: dropped
            self.dropped[side] += int(t.shape[0])
        self._t.clear()
        self._c.clear()

    def _pair(self) -> Frames | None:
        if "left" not in self._t or "right" not in self._t:
            return None
        lt, lc, rt, rc = self._t["left"], self._c["left"], self._t["right"], self._c["right"]
        if lt.shape[0] == 0 or rt.shape[0] == 0:
            return None
        k = int(np.searchsorted(lt, rt[-1], side="right"))  # left samples with a right one at or after them
        if k == 0:
            return None
        t = lt[:k]
        idx = np.searchsorted(rt, t)
        if rt.shape[0] > 1:
            idx = np.clip(idx, 1, rt.shape[0] - 1)
            idx = np.where(np.abs(rt[idx - 1] - t) <= np.abs(rt[idx] - t), idx - 1, idx)
        else:
            idx = np.zeros(k, dtype=np.intp)
        ok = np.abs(rt[idx] - t) <= self.tolerance_s
        ok[1:] &= idx[1:] != idx[:-1]  # a right sample pairs once (the earlier left sample wins)
        used = idx[ok]
        self.dropped["left"] += int(k - ok.sum())
        keep_from = int(used[-1]) + 1 if used.size else 0
        later = rt > t[-1]
        keep = np.zeros(rt.shape[0], dtype=bool)
        keep[keep_from:] = later[keep_from:]
        self.dropped["right"] += int(rt.shape[0] - used.size - keep.sum())
        self._t["left"], self._c["left"] = lt[k:], lc[k:]
        self._t["right"], self._c["right"] = rt[keep], rc[keep]
        if not ok.any():
            return None
        self.paired += int(ok.sum())
        return t[ok], lc[:k][ok], rc[used]
