"""Reference per-stance peak force, impulse and time-jump check (numpy)."""

from __future__ import annotations

import numpy as np


def stance_force(force_n, time_s, starts, stops):
    """Peak force (N) and trapezoidal impulse (N s) over each stance's frames."""
    peak, impulse = [], []
    for c, e in zip(starts, stops, strict=True):
        f = np.asarray(force_n[c:e], dtype=np.float64)
        peak.append(f.max() if f.size else np.nan)
        impulse.append(np.trapezoid(f, time_s[c:e]) if f.size > 1 else 0.0)
    return np.array(peak), np.array(impulse)


def stance_time_jumps(time_s, starts, stops, max_dt_s):
    """True where a frame interval within [start-1, stop] exceeds max_dt_s."""
    out = []
    for c, e in zip(starts, stops, strict=True):
        seg = time_s[max(c - 1, 0) : min(e, len(time_s) - 1) + 1]
        out.append(bool(np.any(np.diff(seg) > max_dt_s)))
    return np.array(out, dtype=bool)
