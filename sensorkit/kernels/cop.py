"""Total vertical force and centre of pressure (COP) per frame.

Definitions (docs/methods.md): F = sum of sensor forces (N); x_cop = sum(F_i x_i) / F and
y_cop = sum(F_i y_i) / F over the sensors of one insole; COP is undefined (NaN) when F is
below the contact threshold.

The loop runs over contiguous (S,) rows with float32 accumulators and reassociation
allowed, so LLVM vectorises the per-row dot products; outputs are float32 to keep the
written bytes small (the kernel is memory-bound). Sides stored column-major (the Parquet
reader's) are copied to rows a cache-sized tile at a time (:func:`row_tiles`), so every
caller runs the same compiled row loop and gets the same bits.
"""

from __future__ import annotations

from collections.abc import Iterator

import numba
import numpy as np

from sensorkit.kernels._config import SAFE_FASTMATH

__all__ = ["TILE_VALUES", "cop_frames", "cop_frames_into", "row_tiles", "sensor_array", "total_force"]


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


#: Values per tile when a side that is not C-contiguous (column-major, as the Parquet reader
#: gives it, or a slice of one) is copied to rows for :func:`cop_frames_into`: 512 KiB of
#: float32, which stays in a core's L2 cache.
TILE_VALUES = 1 << 17


def sensor_array(values: np.ndarray) -> np.ndarray:
    """``values`` as the kernels take them: float32 (n, S), without a copy when it already is
    float32 and either C-contiguous (rows) or with contiguous columns (column-major, as the
    Parquet reader stores a side, or a frame slice of one); otherwise a C-contiguous float32
    copy.

    Parameters
    ----------
    values : array_like, shape (n, S)

    Returns
    -------
    ndarray, shape (n, S), float32
    """
    arr = np.asarray(values)
    if (
        arr.dtype == np.float32
        and arr.ndim == 2
        and (arr.flags.c_contiguous or arr.strides[0] == arr.itemsize)
    ):
        return arr
    return np.ascontiguousarray(arr, dtype=np.float32)


def row_tiles(values: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(lo, hi, rows)``: the frames ``lo:hi`` of ``values`` as a C-contiguous float32 array.

    A C-contiguous float32 ``values`` is one tile, itself (no copy). Any other memory order
    (a column-major side, a slice of one, a strided view) is copied tile by tile into one
    reused buffer of :data:`TILE_VALUES` values, so a kernel written for rows runs on it
    with the same compiled code, and gives the same bits, as on a row-major copy of the
    whole array (``tests/test_column_major.py``), without that copy.

    Parameters
    ----------
    values : ndarray, shape (n, S)
        Sensor values, any memory order; converted to float32 tile by tile when not already.

    Yields
    ------
    lo, hi : int
        Frame range of the tile.
    rows : ndarray, shape (hi - lo, S), float32, C-contiguous
        Valid until the next tile is yielded (the buffer is reused).
    """
    n, s = values.shape
    if values.dtype == np.float32 and values.flags.c_contiguous:
        yield 0, n, values
        return
    step = max(1, TILE_VALUES // max(s, 1))
    buf = np.empty((min(step, n), s), dtype=np.float32)
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        rows = buf[: hi - lo]
        if values.dtype == np.float32:
            _copy_rows(values, lo, hi, rows)
        else:
            rows[...] = values[lo:hi]
        yield lo, hi, rows


@numba.njit(cache=True, nogil=True)
def _copy_rows(src: np.ndarray, lo: int, hi: int, dst: np.ndarray) -> None:
    """``dst[:] = src[lo:hi]`` row by row: reads S column streams, writes contiguous rows
    (0.018 s for 1 h of 16 sensors at 1 kHz, column-major; NumPy's copy 0.028 s)."""
    s = src.shape[1]
    for i in range(hi - lo):
        for k in range(s):
            dst[i, k] = src[lo + i, k]


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
    values : ndarray, shape (n, S), float32
        Per-sensor forces in N; a missing frame is all-NaN. Any memory order: a
        column-major side goes through :func:`row_tiles`, with the same results.
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
    constants rather than a subtraction per sample. The arithmetic is
    :func:`cop_frames_into`'s, called on C-contiguous rows whatever the input's order.
    """
    n = values.shape[0]
    out_x = np.empty(n, dtype=np.float32)
    out_y = np.empty(n, dtype=np.float32)
    out_f = np.empty(n, dtype=np.float32)
    thr = float(min_force_n)
    for lo, hi, rows in row_tiles(values):
        cop_frames_into(rows, x_mm, y_mm, baseline_n, thr, out_x[lo:hi], out_y[lo:hi], out_f[lo:hi])
    return out_x, out_y, out_f
