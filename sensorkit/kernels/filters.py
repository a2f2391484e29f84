"""Low-pass filtering of total force for event detection and VILR.

* Centred moving average over ``2 h + 1`` frames, ignoring missing frames inside the window;
  a missing frame stays missing. Its -3 dB cut-off is about 0.443 fs / (2 h + 1) (a boxcar's
  response); it is linear-phase, so a symmetric rise keeps its threshold crossing. It is used
  for events and for VILR only; metrics are measured on the unfiltered force
  (docs/methods.md "Gait events").
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["moving_average"]


@numba.njit(cache=True, nogil=True)
def moving_average(force_n: np.ndarray, half_width: int) -> np.ndarray:
    """Centred moving average, NaN-aware.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Signal (NaN = missing frame).
    half_width : int
        h >= 0: the window spans frames k-h..k+h (clipped at the ends of the array).

    Returns
    -------
    ndarray, shape (n,), float32
        Mean of the finite values in each window; NaN where ``force_n`` is NaN.
    """
    n = force_n.shape[0]
    out = np.empty(n, dtype=np.float32)
    if half_width <= 0:
        for k in range(n):
            out[k] = force_n[k]
        return out
    # a direct sum per window (not a running sum), so every frame's value depends only on
    # its window: streaming chunks give bit-identical results to one batch call
    for k in range(n):
        if force_n[k] != force_n[k]:
            out[k] = np.nan
            continue
        acc = 0.0
        cnt = 0
        for j in range(max(0, k - half_width), min(n, k + half_width + 1)):
            v = force_n[j]
            if v == v:
                acc += np.float64(v)
                cnt += 1
        out[k] = acc / cnt
    return out
