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


# frames averaged together in one pass of the blocked loop (accumulators stay in L1 cache)
_BLOCK = 256


@numba.njit(cache=True, nogil=True)
def _window_mean(force_n: np.ndarray, half_width: int, k: int) -> float:
    """Mean of the finite values in frames k-h..k+h (clipped), summed left to right."""
    n = force_n.shape[0]
    acc = 0.0
    cnt = 0
    for j in range(max(0, k - half_width), min(n, k + half_width + 1)):
        v = force_n[j]
        if v == v:
            acc += np.float64(v)
            cnt += 1
    return acc / cnt


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

    Notes
    -----
    Each value is a direct sum of its own window in float64, left to right (not a running
    sum), so it depends only on its window: streaming chunks give bit-identical results to
    one batch call. Frames with a full window are summed in blocks, one window offset at a
    time across the block (every frame still adds its window left to right, so the bits
    are those of the plain loop; the block's lanes run in parallel, where one frame's sum
    waits on each add). A missing value adds +0.0, which leaves the sum's bits unchanged:
    the sum starts at +0.0 and so is never -0.0. Reference: sensorkit/reference/filters.py.
    """
    n = force_n.shape[0]
    out = np.empty(n, dtype=np.float32)
    h = half_width
    if h <= 0:
        for k in range(n):
            out[k] = force_n[k]
        return out
    acc = np.empty(_BLOCK, dtype=np.float64)
    cnt = np.empty(_BLOCK, dtype=np.int64)
    k0 = h
    while k0 < n - h:
        m = min(_BLOCK, n - h - k0)
        for i in range(m):
            acc[i] = 0.0
            cnt[i] = 0
        for d in range(-h, h + 1):
            src = force_n[k0 + d : k0 + d + m]
            for i in range(m):
                v = np.float64(src[i])
                finite = v == v
                acc[i] += v if finite else 0.0
                cnt[i] += 1 if finite else 0
        for i in range(m):
            k = k0 + i
            if force_n[k] != force_n[k]:
                out[k] = np.nan
            else:
                out[k] = acc[i] / cnt[i]
        k0 += m
    # frames whose window is clipped by an end of the array
    for k in list(range(min(h, n))) + list(range(max(h, n - h), n)):
        if force_n[k] != force_n[k]:
            out[k] = np.nan
        else:
            out[k] = _window_mean(force_n, h, k)
    return out
