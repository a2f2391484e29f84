"""Reference walking force features and strike index (numpy; see sensorkit.kernels.walking)."""

from __future__ import annotations

import numpy as np


def _rise(t, f, level):
    hit = np.flatnonzero(f >= level)
    if not hit.size:
        return np.nan
    j = hit[0]
    return t[0] if j == 0 else np.interp(level, [f[j - 1], f[j]], [t[j - 1], t[j]])


def _fall(t, f, level):
    hit = np.flatnonzero(f[1:] <= level)
    if not hit.size:
        return np.nan
    j = hit[0] + 1
    return np.interp(level, [f[j], f[j - 1]], [t[j], t[j - 1]])


def walking_features(force_n, time_s, starts, stops, level_lo_frac, level_hi_frac):
    """(m, 12): peaks, valley, %s, loading/unloading rate, their windows' start and end (s)."""
    force = np.asarray(force_n, dtype=np.float64)
    out = np.full((len(starts), 12), np.nan)
    for s, (c, e) in enumerate(zip(starts, stops, strict=True)):
        if e - c < 3 or e >= force.size:
            continue
        t, f = time_s[c:e], force[c:e]
        dur = time_s[e] - time_s[c]
        if np.isnan(f).any() or not dur > 0:
            continue
        pct = 100.0 * (t - time_s[c]) / dur
        first = t < time_s[c] + 0.5 * dur
        is_max = np.zeros(f.size, bool)
        is_max[1:-1] = (f[:-2] <= f[1:-1]) & (f[1:-1] > f[2:])
        if not (is_max & first).any() or not (is_max & ~first).any():
            continue
        i1 = int(np.argmax(np.where(is_max & first, f, -np.inf)))
        i2 = int(np.argmax(np.where(is_max & ~first, f, -np.inf)))
        iv = i1 + int(np.argmin(f[i1 : i2 + 1]))
        out[s, [0, 1, 4, 5]] = f[i1], pct[i1], f[i2], pct[i2]
        if i1 < iv < i2:
            out[s, 2:4] = f[iv], pct[iv]
        j0 = c - 1 if c >= 1 and not np.isnan(force[c - 1]) else c
        tr, fr = time_s[j0 : c + i1 + 1], force[j0 : c + i1 + 1]
        t20, t80 = _rise(tr, fr, level_lo_frac * f[i1]), _rise(tr, fr, level_hi_frac * f[i1])
        if t80 > t20:
            out[s, 6] = (level_hi_frac - level_lo_frac) * f[i1] / (t80 - t20)
            out[s, 8:10] = t20, t80
        td, fd = time_s[c + i2 : e + 1], force[c + i2 : e + 1]
        d80, d20 = _fall(td, fd, level_hi_frac * f[i2]), _fall(td, fd, level_lo_frac * f[i2])
        if d20 > d80:
            out[s, 7] = (level_hi_frac - level_lo_frac) * f[i2] / (d20 - d80)
            out[s, 10:12] = d80, d20
    return out


def strike_index(y_mm, force_n, time_s, starts, stops, window_s, foot_length_mm):
    """Force-weighted COP y over the first ``window_s`` of each stance, % of foot length."""
    out = np.full(len(starts), np.nan)
    for s, (c, e) in enumerate(zip(starts, stops, strict=True)):
        idx = np.arange(c, e)
        idx = idx[(time_s[idx] <= time_s[c] + window_s) | (idx == c)]
        y = np.asarray(y_mm, np.float64)[idx]
        w = np.asarray(force_n, np.float64)[idx]
        ok = np.isfinite(y) & np.isfinite(w) & (w > 0)
        if ok.any():
            out[s] = 100.0 * np.sum(w[ok] * y[ok]) / np.sum(w[ok]) / foot_length_mm
    return out
