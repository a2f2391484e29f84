"""Ground-truth step metrics of simulated stances, evaluated on a dense noiseless curve.

The definitions are those of docs/methods.md, applied to the continuous force shape sampled at
4001 points per stance (resolution ~0.1 ms for a 0.25 s running stance), independently of
the analysis kernels, so the kernels can be checked against them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sensorkit.layout import SensorLayout
from sensorkit.simulate import cop as cop_mod

__all__ = ["CONTACT_THRESHOLD_BW", "step_truth", "strike_pattern"]

CONTACT_THRESHOLD_BW = 0.05  # docs/methods.md default contact threshold
IMPACT_WINDOW = 0.30  # impact peak searched in the first 30% of stance (contact to toe-off at 5% BW)
FALLBACK_TAU = 0.13  # reference peak at 13% of that stance when there is no impact peak
_DENSE_POINTS = 4001
_CHUNK_STEPS = 256


def strike_pattern(strike_index_pct: np.ndarray) -> np.ndarray:
    """Cavanagh & Lafortune (1980) bands: rearfoot < 33.3% <= midfoot <= 66.7% < forefoot."""
    si = np.asarray(strike_index_pct, dtype=float)
    return np.where(si < 100.0 / 3.0, "rearfoot", np.where(si <= 200.0 / 3.0, "midfoot", "forefoot"))


def step_truth(
    *,
    side: str,
    starts: np.ndarray,
    durations: np.ndarray,
    shape: Callable[[np.ndarray, np.ndarray], np.ndarray],
    path: cop_mod.StrikePath,
    layout: SensorLayout,
    hull: np.ndarray,
    y_off: np.ndarray,
    ml_shift: np.ndarray,
    t_first: float,
    t_last: float,
) -> pd.DataFrame:
    """Table of true step metrics for one side (see :class:`GroundTruth`)."""
    m = starts.size
    tau = np.linspace(0.0, 1.0, _DENSE_POINTS)
    cols = {
        name: np.full(m, np.nan)
        for name in (
            "peak_force_bw",
            "impact_peak_bw",
            "valr_bw_s",
            "vilr_bw_s",
            "t_contact_threshold_s",
            "t_toe_off_threshold_s",
        )
    }
    method = np.empty(m, dtype=object)
    for lo in range(0, m, _CHUNK_STEPS):
        ks = np.arange(lo, min(lo + _CHUNK_STEPS, m))
        f = shape(tau[None, :], ks[:, None])  # (chunk, dense) in BW
        for row, k in enumerate(ks):
            _one_step(f[row], tau, durations[k], starts[k], k, cols, method)
    x0, y0 = cop_mod.cop_path(np.zeros(m), path, layout.foot_length_mm, layout.foot_width_mm, y_off, ml_shift)
    _, y0 = cop_mod.clip_to_polygon(x0, y0, hull)
    strike_index = 100.0 * y0 / layout.foot_length_mm
    return pd.DataFrame(
        {
            "side": side,
            "t_contact_s": starts,
            "t_toe_off_s": starts + durations,
            "contact_time_s": durations,
            "t_contact_threshold_s": cols["t_contact_threshold_s"],
            "t_toe_off_threshold_s": cols["t_toe_off_threshold_s"],
            "peak_force_bw": cols["peak_force_bw"],
            "impact_peak_bw": cols["impact_peak_bw"],
            "valr_bw_s": cols["valr_bw_s"],
            "vilr_bw_s": cols["vilr_bw_s"],
            "loading_rate_method": method,
            "strike_index_pct": strike_index,
            "strike_pattern": strike_pattern(strike_index),
            "complete": (starts >= t_first) & (starts + durations <= t_last),
        }
    )


def _one_step(f, tau, duration, start, k, cols, method) -> None:
    dt = duration * (tau[1] - tau[0])
    cols["peak_force_bw"][k] = f.max()
    above = np.flatnonzero(f >= CONTACT_THRESHOLD_BW)
    if not above.size:
        method[k] = "none"
        return
    # docs/methods.md's stance runs from contact to toe-off at the contact threshold, so the
    # 30% impact window and the 13% fallback reference are fractions of that stance.
    i, j = above[0], above[-1]
    tau_on = _crossing(tau, f, i - 1, i, CONTACT_THRESHOLD_BW)
    tau_off = _crossing(tau, f, j, j + 1, CONTACT_THRESHOLD_BW)
    cols["t_contact_threshold_s"][k] = start + duration * tau_on
    cols["t_toe_off_threshold_s"][k] = start + duration * tau_off
    d = np.diff(f)
    maxima = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1
    maxima = maxima[tau[maxima] <= tau_on + IMPACT_WINDOW * (tau_off - tau_on)]
    if maxima.size:
        ip = int(maxima[0])
        ref = f[ip]
        cols["impact_peak_bw"][k] = ref
        method[k] = "impact_peak"
    else:
        tau_ref = tau_on + FALLBACK_TAU * (tau_off - tau_on)
        ip = int(np.searchsorted(tau, tau_ref))
        ref = float(np.interp(tau_ref, tau, f))
        method[k] = "13pct_stance"
    rising = f[: ip + 1]
    t20 = _first_crossing(tau[: ip + 1], rising, 0.2 * ref)
    t80 = _first_crossing(tau[: ip + 1], rising, 0.8 * ref)
    cols["valr_bw_s"][k] = 0.6 * ref / ((t80 - t20) * duration)
    window = (tau[1:] > t20) & (tau[:-1] < t80)
    cols["vilr_bw_s"][k] = np.max(d[window]) / dt if window.any() else np.nan


def _first_crossing(tau: np.ndarray, f: np.ndarray, level: float) -> float:
    i = int(np.argmax(f >= level))
    return _crossing(tau, f, i - 1, i, level)


def _crossing(tau: np.ndarray, f: np.ndarray, a: int, b: int, level: float) -> float:
    """Linear interpolation of where f crosses ``level`` between grid points a and b."""
    a = max(a, 0)
    b = min(b, tau.size - 1)
    if a == b or f[b] == f[a]:
        return float(tau[a])
    return float(tau[a] + (level - f[a]) * (tau[b] - tau[a]) / (f[b] - f[a]))
