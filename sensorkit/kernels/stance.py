"""Per-stance force summaries: peak force, force-time integral (impulse), each sensor's peak,
time-jump check.

A stance is the half-open frame range [contact_index, toe_off_index) from
:func:`sensorkit.kernels.events.detect_contacts`.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["sensor_peaks", "stance_force", "stance_time_jumps"]


@numba.njit(cache=True, nogil=True)
def stance_force(
    force_n: np.ndarray, time_s: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Peak force and impulse of each stance.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Baseline-corrected total force in N.
    time_s : ndarray, shape (n,), float64
        Frame times in s.
    starts, stops : ndarray of int64, shape (m,)
        Stance frame ranges [start, stop).

    Returns
    -------
    peak_force_n : ndarray, shape (m,), float64
        Largest force of the stance frames [start, stop) in N, missing (NaN) frames left out;
        NaN when there is no frame with a value.
    impulse_Ns : ndarray, shape (m,), float64
        Trapezoidal force-time integral in N s from the contact frame to the toe-off frame
        ``stop`` included (the last frame when ``stop`` is past the data), i.e. over the
        contact time ``time_s[stop] - time_s[start]``, the window of the pressure-time integral
        (docs/methods.md). NaN when the toe-off frame is missing (a stance ending in a hole).
    """
    m = starts.shape[0]
    n = force_n.shape[0]
    peak = np.full(m, np.nan)
    impulse = np.zeros(m)
    for s in range(m):
        c = starts[s]
        e = stops[s]
        last = min(e, n - 1)  # the toe-off frame: the integral spans the contact time t[e] - t[c]
        best = -np.inf
        acc = 0.0
        for k in range(c, last + 1):
            f = np.float64(force_n[k])
            if k < e and f > best:
                best = f
            if k < last:
                acc += 0.5 * (f + np.float64(force_n[k + 1])) * (time_s[k + 1] - time_s[k])
        if best > -np.inf:  # (a stance of missing frames only has no peak)
            peak[s] = best
        impulse[s] = acc
    return peak, impulse


@numba.njit(cache=True, nogil=True)
def stance_time_jumps(
    time_s: np.ndarray, starts: np.ndarray, stops: np.ndarray, max_dt_s: float
) -> np.ndarray:
    """True for stances whose frames, or the frame before them, are separated by a time jump.

    Parameters
    ----------
    time_s : ndarray, shape (n,), float64
        Frame times in s.
    starts, stops : ndarray of int64, shape (m,)
        Stance frame ranges [start, stop).
    max_dt_s : float
        Largest frame-to-frame interval that is not a gap (s); sensorkit uses 1.5 periods,
        the same rule as :class:`sensorkit.Recording` gap detection.

    Returns
    -------
    ndarray of bool, shape (m,)
    """
    m = starts.shape[0]
    n = time_s.shape[0]
    out = np.zeros(m, dtype=np.bool_)
    for s in range(m):
        lo = max(starts[s], 1)
        hi = min(stops[s], n - 1)
        for k in range(lo, hi + 1):
            if time_s[k] - time_s[k - 1] > max_dt_s:
                out[s] = True
                break
    return out


def sensor_peaks(values: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Largest value of each sensor in each stance, missing (NaN) frames left out.

    Parameters
    ----------
    values : ndarray, shape (n, S), float32, row- or column-major
        Per-sensor values (N or kPa).
    starts, stops : ndarray of int64, shape (m,)
        Frame ranges [start, stop), 0 <= start < n; a range with stop <= start is the frame
        ``start`` alone.

    Returns
    -------
    ndarray, shape (m, S), float64
        The largest finite value (``np.fmax.reduce`` over the frames); NaN for a sensor with
        no value in the range. Reference: sensorkit/reference/stance.py.
    """
    # each sensor's frames down the transposed array: contiguous for a column-major side
    return _sensor_peaks_by_sensor(values.T, starts, stops)


@numba.njit(cache=True, nogil=True)
def _sensor_peaks_by_sensor(by_sensor: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """:func:`sensor_peaks` of ``by_sensor`` = ``values.T``, shape (S, n)."""
    m = starts.shape[0]
    s_count = by_sensor.shape[0]
    out = np.empty((m, s_count))
    for j in range(s_count):  # sensor by sensor: one sweep along each sensor's frames
        for s in range(m):
            a = starts[s]
            row = by_sensor[j, a : max(stops[s], a + 1)]
            # four running maxima over interleaved frames (independent, so they overlap in the
            # pipeline; a maximum does not depend on the order); NaN never compares larger
            b0 = -np.inf
            b1 = -np.inf
            b2 = -np.inf
            b3 = -np.inf
            k = 0
            while k + 4 <= row.shape[0]:
                v0 = row[k]
                v1 = row[k + 1]
                v2 = row[k + 2]
                v3 = row[k + 3]
                b0 = v0 if v0 > b0 else b0
                b1 = v1 if v1 > b1 else b1
                b2 = v2 if v2 > b2 else b2
                b3 = v3 if v3 > b3 else b3
                k += 4
            while k < row.shape[0]:
                v0 = row[k]
                b0 = v0 if v0 > b0 else b0
                k += 1
            best = max(max(b0, b1), max(b2, b3))
            if best == -np.inf and not np.any(row == -np.inf):
                best = np.nan  # no value at all (every frame missing)
            out[s, j] = best
    return out
