"""Walking force features per stance: first peak, valley, second peak, loading and unloading
rates; and the strike index from the force-weighted COP of early stance.

Definitions (docs/methods.md "Activity" and "Strike pattern"):

* First peak: the largest local maximum of force in the first half of stance (loading
  response); second peak: the largest local maximum in the second half (push-off); valley:
  the smallest force between them (midstance). A half without a local maximum (a single
  hump, as in running) has no peaks: NaN. Each with its time as % of stance (contact = 0 %,
  toe-off = 100 %). Moticon's gait report agrees on double-humped stances but not on flat
  ones, where its valley can fall on the loading ramp (docs/methods.md "Activity").
* Loading rate: slope between the 20 % and 80 % crossings of the first peak on the rise
  (crossings interpolated, as VALR); unloading rate: slope between the 80 % and 20 %
  crossings of the second peak on the way down to toe-off, as a positive number (N/s).
* Strike index (after Cavanagh & Lafortune 1980, J Biomech 13:397): y of the force-weighted
  COP over the frames within ``window_s`` of contact, / foot length x 100 %. The original
  used a force plate, a 50 N threshold and shoe length; an insole only reports positions
  inside its sensor area.
"""

from __future__ import annotations

import numba
import numpy as np

from sensorkit.kernels.loading import _crossing

__all__ = ["strike_index", "walking_features"]


@numba.njit(cache=True, nogil=True)
def _fall_crossing(force_n, time_s, j0, j1, level):
    """First time after j0 that F falls to ``level`` (interpolated), NaN if it never does."""
    for j in range(j0 + 1, j1 + 1):
        f = np.float64(force_n[j])
        if f <= level:
            f0 = np.float64(force_n[j - 1])
            if f0 == f:
                return time_s[j]
            return time_s[j - 1] + (f0 - level) * (time_s[j] - time_s[j - 1]) / (f0 - f)
    return np.nan


@numba.njit(cache=True, nogil=True)
def walking_features(
    force_n: np.ndarray,
    time_s: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    level_lo_frac: float,
    level_hi_frac: float,
) -> np.ndarray:
    """First peak, valley, second peak (N and % of stance), loading and unloading rates.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Baseline-corrected total force in N.
    time_s : ndarray, shape (n,), float64
    starts, stops : ndarray of int64, shape (m,)
        Stance frame ranges [contact, toe-off); ``stops`` indexes an existing frame.
    level_lo_frac, level_hi_frac : float
        Crossing levels of the loading/unloading rates (0.2, 0.8).

    Returns
    -------
    ndarray, shape (m, 12), float64
        Columns: first peak (N), its time (% stance), valley (N), its time (% stance), second
        peak (N), its time (% stance), loading rate (N/s), unloading rate (N/s), then the
        loading window's start and end and the unloading window's start and end (s); NaN
        where undefined (fewer than 3 frames, missing frames, no local maximum in a half).
    """
    m = starts.shape[0]
    out = np.full((m, 12), np.nan)
    n = force_n.shape[0]
    for s in range(m):
        c = starts[s]
        e = stops[s]
        if e - c < 3 or e >= n:
            continue
        t_c = time_s[c]
        dur = time_s[e] - t_c
        if not dur > 0:
            continue
        t_mid = t_c + 0.5 * dur
        p1 = -1
        p2 = -1
        bad = False
        for k in range(c, e):
            if force_n[k] != force_n[k]:
                bad = True
                break
        if bad:
            continue
        # peaks are local maxima (F[k-1] <= F[k] > F[k+1]): the largest one in each half
        for k in range(c + 1, e - 1):
            fk = force_n[k]
            if not (force_n[k - 1] <= fk and fk > force_n[k + 1]):
                continue
            if time_s[k] < t_mid:
                if p1 < 0 or fk > force_n[p1]:
                    p1 = k
            elif p2 < 0 or fk > force_n[p2]:
                p2 = k
        if p1 < 0 or p2 < 0:
            continue
        v = p1
        for k in range(p1, p2 + 1):
            if force_n[k] < force_n[v]:
                v = k
        f1 = np.float64(force_n[p1])
        f2 = np.float64(force_n[p2])
        out[s, 0] = f1
        out[s, 1] = 100.0 * (time_s[p1] - t_c) / dur
        out[s, 4] = f2
        out[s, 5] = 100.0 * (time_s[p2] - t_c) / dur
        if p1 < v < p2:  # a real valley between two peaks
            out[s, 2] = np.float64(force_n[v])
            out[s, 3] = 100.0 * (time_s[v] - t_c) / dur
        j0 = c - 1 if c >= 1 and force_n[c - 1] == force_n[c - 1] else c
        t20 = _crossing(force_n, time_s, j0, p1, level_lo_frac * f1, time_s[p1], f1)
        t80 = _crossing(force_n, time_s, j0, p1, level_hi_frac * f1, time_s[p1], f1)
        if t80 > t20:
            out[s, 6] = (level_hi_frac - level_lo_frac) * f1 / (t80 - t20)
            out[s, 8] = t20
            out[s, 9] = t80
        d80 = _fall_crossing(force_n, time_s, p2, e, level_hi_frac * f2)
        d20 = _fall_crossing(force_n, time_s, p2, e, level_lo_frac * f2)
        if d20 > d80:
            out[s, 7] = (level_hi_frac - level_lo_frac) * f2 / (d20 - d80)
            out[s, 10] = d80
            out[s, 11] = d20
    return out


@numba.njit(cache=True, nogil=True)
def strike_index(
    y_mm: np.ndarray,
    force_n: np.ndarray,
    time_s: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    window_s: float,
    foot_length_mm: float,
) -> np.ndarray:
    """Strike index (% of foot length) from the force-weighted COP y of early stance.

    Parameters
    ----------
    y_mm : ndarray, shape (n,), float32
        COP y per frame in mm (NaN where undefined).
    force_n : ndarray, shape (n,), float32
        Baseline-corrected total force in N (the weights).
    time_s : ndarray, shape (n,), float64
    starts, stops : ndarray of int64, shape (m,)
    window_s : float
        Frames with t <= t_contact + window_s are used (at least the contact frame).
    foot_length_mm : float

    Returns
    -------
    ndarray, shape (m,), float64
        NaN when no frame of the window has a COP.
    """
    m = starts.shape[0]
    out = np.full(m, np.nan)
    for s in range(m):
        c = starts[s]
        e = stops[s]
        t_end = time_s[c] + window_s
        num = 0.0
        den = 0.0
        for k in range(c, e):
            if k > c and time_s[k] > t_end:
                break
            yk = np.float64(y_mm[k])
            fk = np.float64(force_n[k])
            if yk == yk and fk == fk and fk > 0:
                num += fk * yk
                den += fk
        if den > 0:
            out[s] = 100.0 * (num / den) / foot_length_mm
    return out
