"""Impact peak and vertical loading rates (VALR, VILR) per stance.

Definitions (docs/methods.md "Impact loading rate"; Milner et al. 2006, Med Sci Sports Exerc
38:323; Davis et al. 2016, Br J Sports Med 50:887):

* Impact peak: the first local maximum of F (F[k] > F[k-1] and F[k+1] <= F[k]) within the
  first ``impact_window_frac`` of stance, at least ``impact_min_height_frac`` of the stance's
  peak force, followed by a dip of at least ``impact_min_dip_frac`` of the stance's peak
  force before F exceeds it again (searched up to ``dip_window_frac`` of stance). The two extra conditions
  keep sensor noise from posing as an impact transient; set them to 0 for the bare
  definition.
* VALR: slope of the line from the 20 % to the 80 % point of the reference peak, crossing
  times linearly interpolated between samples, searched from the frame before contact.
* VILR: the largest sample-to-sample slope among the sample intervals overlapping that
  20-80 % window.
* Without an impact peak the reference is the force at 13 % of stance (interpolated;
  Blackmore, Willy & Creaby 2016, J Biomech 49:479, validated as a timing surrogate in
  rearfoot strikers only), or, with ``fallback=METHOD_WINDOW``, the average slope over a
  fixed 3-12 % of stance window (VILR then the largest slope in that window).
* Which method a *trial* uses is decided by the analysis layer (one method per trial,
  docs/methods.md); this kernel reports per stance what it measured.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["METHOD_13PCT", "METHOD_IMPACT", "METHOD_NONE", "METHOD_WINDOW", "loading_rates"]

#: Method codes returned per stance.
METHOD_NONE = 0
METHOD_IMPACT = 1
METHOD_13PCT = 2
METHOD_WINDOW = 3


@numba.njit(cache=True, nogil=True)
def _value_at(force_n, time_s, lo, hi, tq):
    """Force linearly interpolated at time tq, searching sample intervals in [lo, hi]."""
    for k in range(lo, hi):
        if time_s[k + 1] >= tq:
            t0 = time_s[k]
            t1 = time_s[k + 1]
            f0 = np.float64(force_n[k])
            f1 = np.float64(force_n[k + 1])
            if t1 == t0:
                return f1
            return f0 + (f1 - f0) * (tq - t0) / (t1 - t0)
    return np.float64(force_n[hi])


@numba.njit(cache=True, nogil=True)
def _crossing(force_n, time_s, j0, j1, level, t_end, f_end):
    """First time F reaches ``level`` over samples j0..j1, then a virtual end point.

    Returns the interpolated time, or t[j0] when F[j0] is already at or above ``level``,
    or NaN when it never gets there.
    """
    for j in range(j0, j1 + 1):
        f = np.float64(force_n[j])
        if f >= level:
            if j == j0:
                return time_s[j0]
            f0 = np.float64(force_n[j - 1])
            return time_s[j - 1] + (level - f0) * (time_s[j] - time_s[j - 1]) / (f - f0)
    if f_end >= level:
        f0 = np.float64(force_n[j1])
        t0 = time_s[j1]
        if f_end == f0:
            return t0
        return t0 + (level - f0) * (t_end - t0) / (f_end - f0)
    return np.nan


@numba.njit(cache=True, nogil=True)
def _max_slope(force_n, time_s, j0, last, t_lo, t_hi):
    """Largest (F[k+1]-F[k])/(t[k+1]-t[k]) over intervals with t[k+1] > t_lo and t[k] < t_hi."""
    best = np.nan
    for k in range(j0, last):
        if time_s[k] >= t_hi:
            break
        if time_s[k + 1] > t_lo:
            slope = (np.float64(force_n[k + 1]) - np.float64(force_n[k])) / (time_s[k + 1] - time_s[k])
            if not (slope <= best):
                best = slope
    return best


@numba.njit(cache=True, nogil=True)
def loading_rates(
    force_n: np.ndarray,
    force_vilr_n: np.ndarray,
    time_s: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    impact_window_frac: float,
    impact_min_height_frac: float,
    impact_min_dip_frac: float,
    dip_window_frac: float,
    fallback: int,
    reference_stance_frac: float,
    window_lo_frac: float,
    window_hi_frac: float,
    level_lo_frac: float,
    level_hi_frac: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Impact peak, VALR and VILR of each stance, and the VALR window.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Baseline-corrected total force in N.
    force_vilr_n : ndarray, shape (n,), float32
        The force VILR is measured on (the caller low-passes it; docs/methods.md: unfiltered
        sensor noise inflates VILR by tens to hundreds of percent).
    time_s : ndarray, shape (n,), float64
        Frame times in s.
    starts, stops : ndarray of int64, shape (m,)
        Stance frame ranges [contact, toe-off). The frame before ``contact`` is used to
        interpolate the first crossing when it exists and is finite.
    impact_window_frac : float
        Impact peak searched in this leading fraction of stance (0.30).
    impact_min_height_frac : float
        Impact peak must reach this fraction of the stance's peak force.
    impact_min_dip_frac : float
        The dip after the impact peak must fall this fraction of the stance's peak force
        below it (sensor noise is absolute, so the guard scales with the stance, not the
        candidate peak).
    dip_window_frac : float
        The dip must happen before this fraction of stance.
    fallback : int
        :data:`METHOD_13PCT` or :data:`METHOD_WINDOW` when there is no impact peak.
    reference_stance_frac : float
        Stance fraction of the fallback reference force (0.13).
    window_lo_frac, window_hi_frac : float
        Stance fractions of the fixed fallback window (0.03, 0.12).
    level_lo_frac, level_hi_frac : float
        Fractions of the reference peak between which VALR is measured (0.2, 0.8).

    Returns
    -------
    impact_index : ndarray of int64
        Frame of the impact peak, -1 when none.
    impact_peak_n : ndarray of float64
        Impact peak force in N, NaN when none.
    valr_n_s, vilr_n_s : ndarray of float64
        Loading rates in N/s (NaN when undefined, e.g. a stance of < 3 frames).
    method : ndarray of int64
        METHOD_* code per stance.
    window_start_s, window_end_s : ndarray of float64
        Interpolated times of the 20 % and 80 % crossings (the fixed window's ends for
        METHOD_WINDOW); NaN when undefined.
    """
    m = starts.shape[0]
    impact_index = np.full(m, -1, dtype=np.int64)
    impact_peak = np.full(m, np.nan)
    valr = np.full(m, np.nan)
    vilr = np.full(m, np.nan)
    method = np.zeros(m, dtype=np.int64)
    w_lo = np.full(m, np.nan)
    w_hi = np.full(m, np.nan)
    for s in range(m):
        c = starts[s]
        e = stops[s]
        if e - c < 3:
            continue
        t_c = time_s[c]
        dur = time_s[e] - t_c if e < time_s.shape[0] else time_s[e - 1] - t_c
        if not dur > 0:
            continue
        j0 = c
        if c >= 1 and force_n[c - 1] == force_n[c - 1]:
            j0 = c - 1
        peak = -np.inf
        for k in range(c, e):
            if force_n[k] > peak:
                peak = np.float64(force_n[k])
        # -- impact peak: first qualifying local maximum in the impact window
        t_win = t_c + impact_window_frac * dur
        t_dip = t_c + dip_window_frac * dur
        p = -1
        for k in range(c + 1, e - 1):
            if time_s[k] > t_win:
                break
            fk = np.float64(force_n[k])
            if not (fk > force_n[k - 1] and force_n[k + 1] <= fk):
                continue
            if fk < impact_min_height_frac * peak:
                continue
            lowest = fk
            for q in range(k + 1, e):
                fq = np.float64(force_n[q])
                if fq > fk or time_s[q] > t_dip:
                    break
                if fq < lowest:
                    lowest = fq
            if lowest <= fk - impact_min_dip_frac * peak:
                p = k
                break
        if p >= 0:
            ref = np.float64(force_n[p])
            impact_index[s] = p
            impact_peak[s] = ref
            t20 = _crossing(force_n, time_s, j0, p, level_lo_frac * ref, time_s[p], ref)
            t80 = _crossing(force_n, time_s, j0, p, level_hi_frac * ref, time_s[p], ref)
            method[s] = METHOD_IMPACT
        elif fallback == METHOD_WINDOW:
            t3 = t_c + window_lo_frac * dur
            t12 = t_c + window_hi_frac * dur
            f3 = _value_at(force_n, time_s, c, e - 1, t3)
            f12 = _value_at(force_n, time_s, c, e - 1, t12)
            method[s] = METHOD_WINDOW
            valr[s] = (f12 - f3) / (t12 - t3)
            vilr[s] = _max_slope(force_vilr_n, time_s, c, e - 1, t3, t12)
            w_lo[s] = t3
            w_hi[s] = t12
            continue
        else:
            t_ref = t_c + reference_stance_frac * dur
            k_lo = c
            while k_lo + 1 < e - 1 and time_s[k_lo + 1] <= t_ref:
                k_lo += 1
            ref = _value_at(force_n, time_s, c, e - 1, t_ref)
            method[s] = METHOD_13PCT
            if not ref > 0:
                continue
            t20 = _crossing(force_n, time_s, j0, k_lo, level_lo_frac * ref, t_ref, ref)
            t80 = _crossing(force_n, time_s, j0, k_lo, level_hi_frac * ref, t_ref, ref)
        if t80 > t20:
            valr[s] = (level_hi_frac - level_lo_frac) * ref / (t80 - t20)
            vilr[s] = _max_slope(force_vilr_n, time_s, j0, e - 1, t20, t80)
            w_lo[s] = t20
            w_hi[s] = t80
    return impact_index, impact_peak, valr, vilr, method, w_lo, w_hi
