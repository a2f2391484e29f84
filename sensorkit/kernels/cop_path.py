"""Per-stance COP path metrics: strike index, excursions, velocity, CPEI.

Definitions (docs/methods.md):

* Strike index (Cavanagh & Lafortune 1980, J Biomech 13:397): y_cop at initial contact /
  foot length x 100 %.
* AP / ML excursion: range of y / x of the COP samples from contact to toe-off (mm).
* COP velocity: COP path length / contact time (mm/s).
* CPEI (Song et al. 1996, J Am Podiatr Med Assoc 86:16): distance of the COP path from the
  straight line joining its first and last points, measured where the path crosses the
  distal third of the foot (y = ``distal_frac`` x foot length), as % of foot width;
  positive = path lateral of the line. With a sparse insole the COP path is a coarse
  interpolation between sensors, so this is an **approximation** of the force-plate CPEI.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["cop_path_metrics"]


@numba.njit(cache=True, nogil=True)
def cop_path_metrics(
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    time_s: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    foot_length_mm: float,
    foot_width_mm: float,
    distal_frac: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """COP path metrics of each stance.

    Parameters
    ----------
    x_mm, y_mm : ndarray, shape (n,), float32
        COP per frame in mm, NaN where undefined.
    time_s : ndarray, shape (n,), float64
        Frame times in s.
    starts, stops : ndarray of int64, shape (m,)
        Stance frame ranges [contact, toe-off); ``stops`` must index an existing frame.
    foot_length_mm, foot_width_mm : float
        Insole length and width in mm.
    distal_frac : float
        Where CPEI is measured, as a fraction of foot length from the heel (2/3).

    Returns
    -------
    strike_index_pct, ap_excursion_mm, ml_excursion_mm, path_length_mm, velocity_mm_s, cpei_pct : ndarray
        float64, shape (m,), NaN where undefined (no valid COP sample, no distal crossing).
    """
    m = starts.shape[0]
    strike = np.full(m, np.nan)
    ap = np.full(m, np.nan)
    ml = np.full(m, np.nan)
    path = np.full(m, np.nan)
    vel = np.full(m, np.nan)
    cpei = np.full(m, np.nan)
    y_d = distal_frac * foot_length_mm
    for s in range(m):
        c = starts[s]
        e = stops[s]
        y0 = np.float64(y_mm[c]) if e > c else np.nan
        strike[s] = 100.0 * y0 / foot_length_mm
        xmin = np.inf
        xmax = -np.inf
        ymin = np.inf
        ymax = -np.inf
        length = 0.0
        first = -1
        last = -1
        x_cross = np.nan
        for k in range(c, e):
            xk = np.float64(x_mm[k])
            yk = np.float64(y_mm[k])
            if xk != xk or yk != yk:
                continue
            xmin = min(xmin, xk)
            xmax = max(xmax, xk)
            ymin = min(ymin, yk)
            ymax = max(ymax, yk)
            if last >= 0:
                xl = np.float64(x_mm[last])
                yl = np.float64(y_mm[last])
                length += np.sqrt((xk - xl) ** 2 + (yk - yl) ** 2)
                if x_cross != x_cross and yl < y_d <= yk:
                    x_cross = xl + (xk - xl) * (y_d - yl) / (yk - yl)
            else:
                first = k
            last = k
        if first < 0:
            continue
        ap[s] = ymax - ymin
        ml[s] = xmax - xmin
        path[s] = length
        dur = time_s[e] - time_s[c]
        if dur > 0:
            vel[s] = length / dur
        x0 = np.float64(x_mm[first])
        y0f = np.float64(y_mm[first])
        x1 = np.float64(x_mm[last])
        y1 = np.float64(y_mm[last])
        if x_cross == x_cross and y0f < y_d < y1:
            x_line = x0 + (y_d - y0f) / (y1 - y0f) * (x1 - x0)
            cpei[s] = 100.0 * (x_line - x_cross) / foot_width_mm
    return strike, ap, ml, path, vel, cpei
