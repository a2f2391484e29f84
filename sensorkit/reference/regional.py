"""Reference regional loads per stance (numpy)."""

from __future__ import annotations

import numpy as np

N_REGIONS = 4


def regional_loads(values, time_s, baseline_n, starts, stops, region_index, ml_index, kpa_per_n):
    """Regional impulse (N s), peak force (N), peak pressure (kPa); medial/lateral impulse (N s)."""
    m = len(starts)
    impulse = np.zeros((m, N_REGIONS))
    peak_f = np.full((m, N_REGIONS), np.nan)
    peak_p = np.full((m, N_REGIONS), np.nan)
    ml_imp = np.zeros((m, 2))
    for s, (c, e) in enumerate(zip(starts, stops, strict=True)):
        last = min(e, len(values) - 1)  # impulses to the toe-off frame included, peaks over [c, e)
        whole = values[c : last + 1].astype(np.float64) - baseline_n.astype(np.float64)
        t = time_s[c : last + 1]
        f = whole[: e - c]
        for r in range(N_REGIONS):
            cols = region_index == r
            if not cols.any():  # a region the layout does not cover is unknown, not zero
                impulse[s, r] = np.nan
                continue
            if f.shape[0] == 0:
                continue
            impulse[s, r] = np.trapezoid(whole[:, cols].sum(axis=1), t) if len(t) > 1 else 0.0
            regional = f[:, cols].sum(axis=1)
            known = regional[~np.isnan(regional)]  # missing frames are left out of the peak
            peak_f[s, r] = known.max() if known.size else np.nan
            pressure = f[:, cols] * kpa_per_n[cols]  # sensors of unknown area are left out
            if np.isfinite(pressure).any():
                peak_p[s, r] = np.nanmax(pressure)
        for q in range(2):
            cols = ml_index == q
            if cols.any() and len(t) > 1:
                ml_imp[s, q] = np.trapezoid(whole[:, cols].sum(axis=1), t)
    return impulse, peak_f, peak_p, ml_imp
