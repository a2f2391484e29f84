"""regional_loads grouped by region gives the straightforward one-pass kernel's results bit for bit (issue 17)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sensorkit import kernels

N_REGIONS = 4


# The kernel as it was before it grouped the sensors by region: one pass over every sensor
# of every frame, accumulating into indexed per-region sums. The definition the optimised
# kernel must reproduce exactly.
@numba.njit(cache=False)
def _straightforward_regional_loads(
    values: np.ndarray,
    time_s: np.ndarray,
    baseline_n: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    region_index: np.ndarray,
    ml_index: np.ndarray,
    kpa_per_n: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    m = starts.shape[0]
    s_count = values.shape[1]
    impulse = np.zeros((m, N_REGIONS))
    peak_f = np.full((m, N_REGIONS), np.nan)
    peak_p = np.full((m, N_REGIONS), np.nan)
    ml_imp = np.zeros((m, 2))
    cur = np.zeros(N_REGIONS)
    prev = np.zeros(N_REGIONS)
    cur_ml = np.zeros(2)
    prev_ml = np.zeros(2)
    has_sensor = np.zeros(N_REGIONS, dtype=np.bool_)
    for j in range(s_count):
        has_sensor[region_index[j]] = True
    n = values.shape[0]
    for s in range(m):
        c = starts[s]
        e = stops[s]
        for r in range(N_REGIONS):
            peak_f[s, r] = -np.inf
            peak_p[s, r] = -np.inf
        for k in range(c, min(e, n - 1) + 1):  # impulses to the toe-off frame e, peaks over [c, e)
            for r in range(N_REGIONS):
                cur[r] = 0.0
            cur_ml[0] = 0.0
            cur_ml[1] = 0.0
            for j in range(s_count):
                f = np.float64(values[k, j]) - np.float64(baseline_n[j])
                r = region_index[j]
                cur[r] += f
                q = ml_index[j]
                if q >= 0:
                    cur_ml[q] += f
                p = f * kpa_per_n[j]
                if k < e and p > peak_p[s, r]:
                    peak_p[s, r] = p
            for r in range(N_REGIONS):
                if k < e and cur[r] > peak_f[s, r]:
                    peak_f[s, r] = cur[r]
            if k > c:
                dt = time_s[k] - time_s[k - 1]
                for r in range(N_REGIONS):
                    impulse[s, r] += 0.5 * (cur[r] + prev[r]) * dt
                ml_imp[s, 0] += 0.5 * (cur_ml[0] + prev_ml[0]) * dt
                ml_imp[s, 1] += 0.5 * (cur_ml[1] + prev_ml[1]) * dt
            for r in range(N_REGIONS):
                prev[r] = cur[r]
            prev_ml[0] = cur_ml[0]
            prev_ml[1] = cur_ml[1]
        for r in range(N_REGIONS):
            if not has_sensor[r]:  # a region the layout does not cover is unknown, not zero
                impulse[s, r] = np.nan
                peak_f[s, r] = np.nan
            if peak_f[s, r] == -np.inf:
                peak_f[s, r] = np.nan
            if peak_p[s, r] == -np.inf:
                peak_p[s, r] = np.nan
    return impulse, peak_f, peak_p, ml_imp


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("s", [1, 6, 16, 99, 1024])
@pytest.mark.parametrize("order", ["C", "F", "F sliced"])
def test_grouped_regional_loads_equal_the_one_pass_kernel_bit_for_bit(seed, s, order):
    # the kernel sums blocks of 256 frames, reading each sensor's frames down its column:
    # stances shorter and longer than a block (up to 700 frames), both layouts, values exactly
    # 0.0 and -0.0 (a tie of the peak pressure keeps the first, as a running peak would)
    rng = np.random.default_rng(seed)
    n = 1500 if s < 1024 else 600
    t = np.cumsum(rng.uniform(0.0005, 0.0015, n))
    values = rng.normal(40, 30, (n, s)).astype(np.float32)  # negative after the baseline too
    values[rng.random((n, s)) < 0.01] = np.nan
    values[rng.random((n, s)) < 0.05] = 0.0
    values[rng.random((n, s)) < 0.05] = -0.0
    if seed == 4:  # nothing above zero: the peaks are ties of 0.0 and -0.0
        values = rng.choice(np.array([0.0, -0.0, -5.0, np.nan], np.float32), (n, s), p=[0.4, 0.4, 0.19, 0.01])
    values = np.asarray(values, order=order[0])
    if order == "F sliced":  # a time window of a column-major side: neither layout
        values, t, n = values[3:-2], t[3:-2], n - 5
    base = np.where((rng.random(s) < 0.5) | (seed == 4), 0.0, rng.uniform(0, 2, s)).astype(np.float32)
    region = rng.integers(0, 4 if seed % 3 else 3, s).astype(np.int64)  # seed 0, 3: no toes at all
    ml = rng.integers(-1, 2, s).astype(np.int64)
    kpa = np.where(rng.random(s) < 0.2, np.nan, rng.uniform(5, 10, s))
    starts, stops = [], []
    k = 0
    while k < n - 5:
        length = int(rng.integers(0, 700 if seed % 2 else 60))  # empty stances included
        starts.append(k)
        stops.append(min(k + length, n))
        k += length + int(rng.integers(1, 8))
    args = (values, t, base, np.array(starts, np.int64), np.array(stops, np.int64), region, ml, kpa)
    row_major = (np.ascontiguousarray(values), *args[1:])
    for got, want in zip(
        kernels.regional_loads(*args), _straightforward_regional_loads(*row_major), strict=True
    ):
        assert got.tobytes() == want.tobytes()
