"""Reference centred moving average (numpy; see sensorkit.kernels.filters)."""

from __future__ import annotations

import numpy as np


def moving_average(force_n, half_width):
    """Mean of the finite values in frames k-h..k+h; NaN where the input is NaN."""
    f = np.asarray(force_n, dtype=np.float64)
    n = f.size
    out = np.full(n, np.nan, dtype=np.float32)
    for k in range(n):
        if np.isnan(f[k]):
            continue
        window = f[max(0, k - half_width) : min(n, k + half_width + 1)]
        out[k] = np.nanmean(window)
    return out
