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
        Trapezoidal force-time integral per region in N s.
    peak_force_n : ndarray, shape (m, 4)
        Largest regional force in N.
    peak_pressure_kpa : ndarray, shape (m, 4)
        Largest single-sensor pressure in the region in kPa (NaN if areas unknown).
    ml_impulse_Ns : ndarray, shape (m, 2)
        Medial and lateral force-time integrals in N s.
    """
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
    for s in range(m):
        c = starts[s]
        e = stops[s]
        for r in range(N_REGIONS):
            peak_f[s, r] = -np.inf
            peak_p[s, r] = -np.inf
        for k in range(c, e):
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
                if p > peak_p[s, r]:
                    peak_p[s, r] = p
            for r in range(N_REGIONS):
                if cur[r] > peak_f[s, r]:
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
