"""Reference per-stance peak force, impulse and time-jump check (numpy)."""

from __future__ import annotations

import numpy as np


def stance_force(force_n, time_s, starts, stops):
    """Peak force (N) over each stance's frames [c, e) with a value and trapezoidal impulse (N s) from the
    contact frame to the toe-off frame e included (the last frame when e is past the data)."""
    peak, impulse = [], []
    for c, e in zip(starts, stops, strict=True):
        f = np.asarray(force_n[c:e], dtype=np.float64)
        known = f[~np.isnan(f)]  # missing frames are left out of the peak
        peak.append(known.max() if known.size else np.nan)
        last = min(e, len(force_n) - 1)
        g = np.asarray(force_n[c : last + 1], dtype=np.float64)
        impulse.append(np.trapezoid(g, time_s[c : last + 1]) if g.size > 1 else 0.0)
    return np.array(peak), np.array(impulse)


def stance_time_jumps(time_s, starts, stops, max_dt_s):
    """True where a frame interval within [start-1, stop] exceeds max_dt_s."""
    out = []
    for c, e in zip(starts, stops, strict=True):
        seg = time_s[max(c - 1, 0) : min(e, len(time_s) - 1) + 1]
        out.append(bool(np.any(np.diff(seg) > max_dt_s)))
    return np.array(out, dtype=bool)


def sensor_peaks(values, starts, stops):
    """Largest finite value (float64) of each sensor over frames [start, max(stop, start + 1)),
    NaN for a sensor without one: one row per range."""
    out = []
    for a, b in zip(starts, stops, strict=True):
        seg = np.asarray(values[a : max(b, a + 1)], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            known = np.where(np.isnan(seg), -np.inf, seg).max(axis=0)
        out.append(np.where(np.isnan(seg).all(axis=0), np.nan, known))
    return np.array(out, dtype=np.float64).reshape(len(out), np.shape(values)[1])
