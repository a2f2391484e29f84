"""Numba kernel of the power-law conversion (fused: offset, conductance, power, gain, saturation).

The plain-numpy reference is :meth:`PowerLawModel.to_values` plus the saturation test in
:func:`sensorkit.calibrate.convert.counts_to_values`; ``tests/test_calibration_models.py``
checks that both agree.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["power_law_into"]

_FULL_SCALE_GUARD_COUNTS = 0.5  # same guard as power_law.py


@numba.njit(cache=True, parallel=True, fastmath=False)
def power_law_into(
    counts: np.ndarray,
    offset_counts: np.ndarray,
    scale: np.ndarray,
    exponent: np.ndarray,
    full_scale_counts: float,
    gain: float,
    saturation_counts: float,
    out: np.ndarray,
    saturated: np.ndarray,
) -> None:
    """Fill ``out`` (n, S) float32 with values and ``saturated`` (n, S) bool with the flags."""
    n, s = counts.shape
    for i in numba.prange(n):
        for j in range(s):
            raw = np.float64(counts[i, j])
            c = raw - offset_counts[j]
            den = max(full_scale_counts - c, _FULL_SCALE_GUARD_COUNTS)
            g = c / den
            v = gain * scale[j] * abs(g) ** exponent[j]
            out[i, j] = v if g >= 0 else -v
            saturated[i, j] = raw >= saturation_counts
