"""Regional loads per stance: force-time integrals, peak forces, peak pressures.

Regions follow the layout's labels (heel, midfoot, forefoot, toes; medial / lateral), see
:class:`sensorkit.SensorLayout`. Used by the arch indicator (midfoot impulse / impulse
without toes; Cavanagh & Rodgers 1987 transferred from footprint area to force-time
integral, docs/methods.md) and the medial-lateral ratio.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["N_REGIONS", "regional_loads"]

#: Regions in output column order: heel, midfoot, forefoot, toes.
N_REGIONS = 4


@numba.njit(cache=True, nogil=True)
def regional_loads(
    values: np.ndarray,
    time_s: np.ndarray,
    baseline_n: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    region_index: np.ndarray,
    ml_index: np.ndarray,
    kpa_per_n: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Regional impulse, peak force and peak pressure, and medial/lateral impulse, per stance.

    Parameters
    ----------
    values : ndarray, shape (n, S), float32
        Per-sensor forces in N.
    time_s : ndarray, shape (n,), float64
        Frame times in s.
    baseline_n : ndarray, shape (S,), float32
        Per-sensor offset in N subtracted first.
    starts, stops : ndarray of int64, shape (m,)
        Stance frame ranges [contact, toe-off).
    region_index : ndarray of int64, shape (S,)
        0 heel, 1 midfoot, 2 forefoot, 3 toes.
    ml_index : ndarray of int64, shape (S,)
        0 medial, 1 lateral, -1 not counted (central sensors, heel and toes: the
        medial-lateral ratio uses midfoot and forefoot sensors only).
    kpa_per_n : ndarray of float64, shape (S,)
        1e3 / area_mm2 per sensor (pressure in kPa per N of force); NaN when unknown.

    Returns
    -------
    impulse_Ns : ndarray, shape (m, 4)
        Trapezoidal force-time integral per region in N s from the contact frame to the
        toe-off frame included (the contact time, as for the total impulse).
    peak_force_n : ndarray, shape (m, 4)
        Largest regional force in N.
    peak_pressure_kpa : ndarray, shape (m, 4)
        Largest single-sensor pressure in the region in kPa (NaN if areas unknown).
    ml_impulse_Ns : ndarray, shape (m, 2)
        Medial and lateral force-time integrals in N s, over the same window.
    """
    m = starts.shape[0]
    s_count = values.shape[1]
    impulse = np.zeros((m, N_REGIONS))
    peak_f = np.full((m, N_REGIONS), np.nan)
    peak_p = np.full((m, N_REGIONS), np.nan)
    ml_imp = np.zeros((m, 2))
    # sensors grouped by region, and the medial and lateral ones, each group in sensor order:
    # every sum runs over the same sensors in the same order as one pass over all sensors would,
    # in registers instead of through an indexed accumulator (2.3x faster at 1024 sensels)
    r_first = np.zeros(N_REGIONS + 1, dtype=np.int64)
    for j in range(s_count):
        r_first[region_index[j] + 1] += 1
    for r in range(N_REGIONS):
        r_first[r + 1] += r_first[r]
    by_region = np.empty(s_count, dtype=np.int64)
    fill = r_first[:N_REGIONS].copy()
    for j in range(s_count):
        r = region_index[j]
        by_region[fill[r]] = j
        fill[r] += 1
    n_ml = np.zeros(2, dtype=np.int64)
    for j in range(s_count):
        if ml_index[j] >= 0:
            n_ml[ml_index[j]] += 1
    medial = np.empty(n_ml[0], dtype=np.int64)
    lateral = np.empty(n_ml[1], dtype=np.int64)
    a = 0
    b = 0
    for j in range(s_count):
        if ml_index[j] == 0:
            medial[a] = j
            a += 1
        elif ml_index[j] == 1:
            lateral[b] = j
            b += 1
    base = baseline_n.astype(np.float64)
    cur = np.zeros(N_REGIONS)
    prev = np.zeros(N_REGIONS)
    n = values.shape[0]
    for s in range(m):
        c = starts[s]
        e = stops[s]
        last = min(e, n - 1)  # impulses run to the toe-off frame (the contact time); peaks stop before it
        pf = np.full(N_REGIONS, -np.inf)
        pp = np.full(N_REGIONS, -np.inf)
        prev_med = 0.0
        prev_lat = 0.0
        imp_med = 0.0
        imp_lat = 0.0
        for k in range(c, last + 1):
            row = values[k]
            in_stance = k < e
            for r in range(N_REGIONS):
                acc = 0.0
                peak = pp[r]
                for i in range(r_first[r], r_first[r + 1]):
                    j = by_region[i]
                    f = np.float64(row[j]) - base[j]
                    acc += f
                    p = f * kpa_per_n[j]
                    if in_stance and p > peak:
                        peak = p
                pp[r] = peak
                cur[r] = acc
                if in_stance and acc > pf[r]:
                    pf[r] = acc
            med = 0.0
            for j in medial:
                med += np.float64(row[j]) - base[j]
            lat = 0.0
            for j in lateral:
                lat += np.float64(row[j]) - base[j]
            if k > c:
                dt = time_s[k] - time_s[k - 1]
                for r in range(N_REGIONS):
                    impulse[s, r] += 0.5 * (cur[r] + prev[r]) * dt
                imp_med += 0.5 * (med + prev_med) * dt
                imp_lat += 0.5 * (lat + prev_lat) * dt
            for r in range(N_REGIONS):
                prev[r] = cur[r]
            prev_med = med
            prev_lat = lat
        ml_imp[s, 0] = imp_med
        ml_imp[s, 1] = imp_lat
        for r in range(N_REGIONS):
            if r_first[r + 1] == r_first[r]:  # a region the layout does not cover is unknown, not zero
                impulse[s, r] = np.nan
            else:
                peak_f[s, r] = pf[r] if pf[r] != -np.inf else np.nan
            peak_p[s, r] = pp[r] if pp[r] != -np.inf else np.nan
    return impulse, peak_f, peak_p, ml_imp
