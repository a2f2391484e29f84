"""Reference total force and COP: plain numpy in float64 (see sensorkit.kernels.cop)."""

from __future__ import annotations

import numpy as np


def total_force(values: np.ndarray, baseline_n: np.ndarray) -> np.ndarray:
    """Sum of baseline-corrected sensor forces per frame (N)."""
    return (values.astype(np.float64) - baseline_n.astype(np.float64)).sum(axis=1)


def cop_frames(values, x_mm, y_mm, baseline_n, min_force_n):
    """COP (mm) and total force (N) per frame; COP NaN where force < min_force_n."""
    f_i = values.astype(np.float64) - baseline_n.astype(np.float64)
    total = f_i.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (f_i * x_mm.astype(np.float64)).sum(axis=1) / total
        y = (f_i * y_mm.astype(np.float64)).sum(axis=1) / total
    below = ~(total >= min_force_n)
    x[below] = np.nan
    y[below] = np.nan
    return x, y, total
