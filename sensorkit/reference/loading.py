"""Reference impact peak, VALR and VILR per stance (numpy; see sensorkit.kernels.loading)."""

from __future__ import annotations

import numpy as np

METHOD_NONE, METHOD_IMPACT, METHOD_13PCT, METHOD_WINDOW = 0, 1, 2, 3


def _first_crossing(t, f, level):
    """Interpolated first time f reaches level (t[0] if already there), NaN if never."""
    hit = np.flatnonzero(f >= level)
    if hit.size == 0:
        return np.nan
    j = hit[0]
    if j == 0:
        return t[0]
    return np.interp(level, [f[j - 1], f[j]], [t[j - 1], t[j]])


def _max_slope(t, f, t_lo, t_hi):
    slopes = np.diff(f) / np.diff(t)
    window = (t[1:] > t_lo) & (t[:-1] < t_hi)
    return slopes[window].max() if window.any() else np.nan


def loading_rates(
    force_n,
    force_vilr_n,
    time_s,
    starts,
    stops,
    impact_window_frac,
    impact_min_height_frac,
    impact_min_dip_frac,
    dip_window_frac,
    fallback,
    reference_stance_frac,
    window_lo_frac,
    window_hi_frac,
    level_lo_frac,
    level_hi_frac,
):
    """Impact index, impact peak (N), VALR (N/s), VILR (N/s), method code, window start/end (s)."""
    force = np.asarray(force_n, dtype=np.float64)
    force_vilr = np.asarray(force_vilr_n, dtype=np.float64)
    out = {k: [] for k in ("idx", "peak", "valr", "vilr", "method", "lo", "hi")}

    def push(idx=-1, peak=np.nan, valr=np.nan, vilr=np.nan, method=METHOD_NONE, lo=np.nan, hi=np.nan):
        for k, v in zip(out, (idx, peak, valr, vilr, method, lo, hi), strict=True):
            out[k].append(v)

    for c, e in zip(starts, stops, strict=True):
        if e - c < 3:
            push()
            continue
        t_c = time_s[c]
        dur = time_s[e] - t_c
        j0 = c - 1 if c >= 1 and not np.isnan(force[c - 1]) else c
        f, t = force[c:e], time_s[c:e]
        tau = (t - t_c) / dur
        peak_force = f.max()
        p = -1
        for i in range(1, len(f) - 1):
            if tau[i] > impact_window_frac:
                break
            if not (f[i] > f[i - 1] and f[i + 1] <= f[i]) or f[i] < impact_min_height_frac * peak_force:
                continue
            after = f[i + 1 :]
            tau_after = tau[i + 1 :]
            stop = np.flatnonzero((after > f[i]) | (tau_after > dip_window_frac))
            dip = after[: stop[0]] if stop.size else after
            lowest = min(f[i], dip.min()) if dip.size else f[i]
            if lowest <= f[i] - impact_min_dip_frac * peak_force:
                p = c + i
                break
        if p >= 0:
            ref = force[p]
            tt, ff = time_s[j0 : p + 1], force[j0 : p + 1]
            method = METHOD_IMPACT
        elif fallback == METHOD_WINDOW:
            t3, t12 = t_c + window_lo_frac * dur, t_c + window_hi_frac * dur
            f3, f12 = np.interp([t3, t12], t, f)
            vilr = _max_slope(t, force_vilr[c:e], t3, t12)
            push(valr=(f12 - f3) / (t12 - t3), vilr=vilr, method=METHOD_WINDOW, lo=t3, hi=t12)
            continue
        else:
            t_ref = t_c + reference_stance_frac * dur
            ref = float(np.interp(t_ref, t, f))
            if not ref > 0:
                push(method=METHOD_13PCT)
                continue
            keep = time_s[j0:e] <= t_ref
            keep[0] = True
            tt = np.append(time_s[j0:e][keep], t_ref)
            ff = np.append(force[j0:e][keep], ref)
            method = METHOD_13PCT
        t20 = _first_crossing(tt, ff, level_lo_frac * ref)
        t80 = _first_crossing(tt, ff, level_hi_frac * ref)
        if not t80 > t20:
            push(idx=p, peak=ref if p >= 0 else np.nan, method=method)
            continue
        valr = (level_hi_frac - level_lo_frac) * ref / (t80 - t20)
        vilr = _max_slope(time_s[j0:e], force_vilr[j0:e], t20, t80)
        push(idx=p, peak=ref if p >= 0 else np.nan, valr=valr, vilr=vilr, method=method, lo=t20, hi=t80)
    return (
        np.array(out["idx"], dtype=np.int64),
        np.array(out["peak"], dtype=np.float64),
        np.array(out["valr"], dtype=np.float64),
        np.array(out["vilr"], dtype=np.float64),
        np.array(out["method"], dtype=np.int64),
        np.array(out["lo"], dtype=np.float64),
        np.array(out["hi"], dtype=np.float64),
    )
