"""Total vertical force and centre of pressure (COP) per frame.

Definitions (docs/methods.md): F = sum of sensor forces (N); x_cop = sum(F_i x_i) / F and
y_cop = sum(F_i y_i) / F over the sensors of one insole; COP is undefined (NaN) when F is
below the contact threshold.

The loop runs over contiguous (S,) rows with float32 accumulators and reassociation
allowed, so LLVM vectorises the per-row dot products; outputs are float32 to keep the
written bytes small (the kernel is memory-bound).
"""

from __future__ import annotations

import numba
import numpy as np

from sensorkit.kernels._config import SAFE_FASTMATH

__all__ = ["cop_frames", "cop_frames_into", "total_force"]


@numba.njit(cache=True, fastmath=SAFE_FASTMATH, nogil=True)
def total_force(values: np.ndarray, baseline_n: np.ndarray) -> np.ndarray:
    """Total vertical force per frame.

    Parameters
    ----------
    values : ndarray, shape (n, S), float32, C-contiguous
        Per-sensor forces in N; a missing frame is all-NaN.
    baseline_n : ndarray, shape (S,), float32
        Per-sensor offset in N subtracted from every frame (zeros for none).

    Returns
    -------
    ndarray, shape (n,), float32
        sum_i (values[:, i] - baseline_n[i]) in N; NaN for missing frames.
    """
    n, s = values.shape
    b_total = np.float32(0.0)
    for j in range(s):
        b_total += baseline_n[j]
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        acc = np.float32(0.0)
        for j in range(s):
            acc += values[i, j]
        out[i] = acc - b_total
    return out


@numba.njit(cache=True, fastmath=SAFE_FASTMATH, nogil=True)
def cop_frames_into(
    values: np.ndarray,
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    baseline_n: np.ndarray,
    min_force_n: float,
    out_x: np.ndarray,
    out_y: np.ndarray,
    out_f: np.ndarray,
) -> None:
    """:func:`cop_frames` writing into preallocated float32 (n,) outputs (no allocation).

    Freshly allocated output pages cost a page fault on first touch, which on large arrays
    takes longer than the arithmetic; callers that reuse buffers avoid it.
    """
    n, s = values.shape
    b_f = np.float32(0.0)
    b_x = np.float32(0.0)
    b_y = np.float32(0.0)
    for j in range(s):
        b_f += baseline_n[j]
        b_x += baseline_n[j] * x_mm[j]
        b_y += baseline_n[j] * y_mm[j]
    thr = np.float32(min_force_n)
    nan = np.float32(np.nan)
    for i in range(n):
        f = np.float32(0.0)
        mx = np.float32(0.0)
        my = np.float32(0.0)
        for j in range(s):
            v = values[i, j]
            f += v
            mx += v * x_mm[j]
            my += v * y_mm[j]
        f -= b_f
        out_f[i] = f
        if f >= thr and f > 0:  # COP is undefined without force, whatever the threshold
            out_x[i] = (mx - b_x) / f
            out_y[i] = (my - b_y) / f
        else:
            out_x[i] = nan
            out_y[i] = nan


@numba.njit(cache=True, fastmath=SAFE_FASTMATH, nogil=True)
def cop_frames(
    values: np.ndarray,
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    baseline_n: np.ndarray,
    min_force_n: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre of pressure and total force per frame (docs/methods.md "Force and center of pressure").

    Parameters
    ----------
    values : ndarray, shape (n, S), float32, C-contiguous
        Per-sensor forces in N; a missing frame is all-NaN.
    x_mm, y_mm : ndarray, shape (S,), float32
        Sensor positions in mm (x positive medial, y anterior from the heel end).
    baseline_n : ndarray, shape (S,), float32
        Per-sensor offset in N subtracted before weighting (zeros for none).
    min_force_n : float
        COP is NaN when the baseline-corrected total force is below this (N).

    Returns
    -------
    x_cop_mm, y_cop_mm, force_n : ndarray, shape (n,), float32
        COP in mm (NaN below ``min_force_n`` or in missing frames) and total force in N.

    Notes
    -----
    Uses sum((v_i - b_i) w_i) = sum(v_i w_i) - sum(b_i w_i), so the baseline costs three
    constants rather than a subtraction per sample.
    """
    n = values.shape[0]
    out_x = np.empty(n, dtype=np.float32)
    out_y = np.empty(n, dtype=np.float32)
    out_f = np.empty(n, dtype=np.float32)
    cop_frames_into(values, x_mm, y_mm, baseline_n, min_force_n, out_x, out_y, out_f)
    return out_x, out_y, out_f
