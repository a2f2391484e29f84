"""Reference per-stance COP path metrics (numpy)."""

from __future__ import annotations

import numpy as np


def cop_path_metrics(x_mm, y_mm, time_s, starts, stops, foot_length_mm, foot_width_mm, distal_frac):
    """Strike index %, AP/ML excursion mm, path length mm, velocity mm/s, CPEI % per stance."""
    rows = []
    y_d = distal_frac * foot_length_mm
    for c, e in zip(starts, stops, strict=True):
        x = np.asarray(x_mm[c:e], dtype=np.float64)
        y = np.asarray(y_mm[c:e], dtype=np.float64)
        strike = 100.0 * float(y_mm[c]) / foot_length_mm
        ok = ~(np.isnan(x) | np.isnan(y))
        x, y = x[ok], y[ok]
        if x.size == 0:
            rows.append((strike, np.nan, np.nan, np.nan, np.nan, np.nan))
            continue
        length = float(np.hypot(np.diff(x), np.diff(y)).sum())
        dur = time_s[e] - time_s[c]
        vel = length / dur if dur > 0 else np.nan
        cpei = np.nan
        up = np.flatnonzero((y[:-1] < y_d) & (y[1:] >= y_d))
        if up.size and y[0] < y_d < y[-1]:
            i = up[0]
            x_cross = x[i] + (x[i + 1] - x[i]) * (y_d - y[i]) / (y[i + 1] - y[i])
            x_line = np.interp(y_d, [y[0], y[-1]], [x[0], x[-1]])
            cpei = 100.0 * (x_line - x_cross) / foot_width_mm
        rows.append((strike, np.ptp(y), np.ptp(x), length, vel, cpei))
    out = np.array(rows, dtype=np.float64).reshape(-1, 6)
    return tuple(out[:, i] for i in range(6))


def cop_path_points(x_mm, y_mm, force_n, time_s, starts, stops, min_force_frac, bin_s):
    """Force-weighted bin means of the COP over frames >= min_force_frac of the stance peak."""
    n = len(x_mm)
    xp = np.full(n, np.nan, dtype=np.float32)
    yp = np.full(n, np.nan, dtype=np.float32)
    x = np.asarray(x_mm, np.float64)
    y = np.asarray(y_mm, np.float64)
    f = np.asarray(force_n, np.float64)
    for c, e in zip(starts, stops, strict=True):
        k = np.arange(c, e)
        if not k.size:
            continue
        peak = max(0.0, np.nanmax(f[k]) if np.isfinite(f[k]).any() else 0.0)
        keep = k[(f[k] >= min_force_frac * peak) & (f[k] > 0) & np.isfinite(x[k]) & np.isfinite(y[k])]
        if not keep.size:
            continue
        bins = ((time_s[keep] - time_s[c]) / bin_s).astype(np.int64) if bin_s > 0 else keep
        for b in np.unique(bins):
            sel = keep[bins == b]
            w = f[sel]
            xp[sel[-1]] = np.sum(w * x[sel]) / np.sum(w)
            yp[sel[-1]] = np.sum(w * y[sel]) / np.sum(w)
    return xp, yp
