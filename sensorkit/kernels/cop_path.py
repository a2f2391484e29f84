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

__all__ = ["cop_path_metrics", "cop_path_points"]


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


@numba.njit(cache=True, nogil=True)
def cop_path_points(
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    force_n: np.ndarray,
    time_s: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    min_force_frac: float,
    bin_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The COP path points of each stance: force-weighted means over ``bin_s`` bins of the
    frames carrying at least ``min_force_frac`` of the stance's peak force.

    A COP near the contact threshold is mostly sensor noise, and per-frame noise adds path
    length in proportion to the sampling rate; bins of a fixed duration over the loaded part of
    stance make path length, velocity and excursions comparable across rates and noise
    (docs/methods.md "Force and centre of pressure").

    Parameters
    ----------
    x_mm, y_mm : ndarray, shape (n,), float32
        COP per frame (NaN where undefined).
    force_n : ndarray, shape (n,), float32
        Total force per frame (the weights).
    time_s : ndarray, shape (n,), float64
    starts, stops : ndarray of int64, shape (m,)
    min_force_frac : float
        Frames below this fraction of the stance peak are left out (0.1).
    bin_s : float
        Bin duration in s (0.01); 0 keeps every frame.

    Returns
    -------
    x_path, y_path : ndarray, shape (n,), float32
        NaN except at the last frame of each bin, which holds the bin's COP.
    """
    n = x_mm.shape[0]
    xp = np.full(n, np.nan, dtype=np.float32)
    yp = np.full(n, np.nan, dtype=np.float32)
    for s in range(starts.shape[0]):
        c = starts[s]
        e = stops[s]
        peak = 0.0
        for k in range(c, e):
            fk = np.float64(force_n[k])
            if fk > peak:
                peak = fk
        thr = min_force_frac * peak
        t0 = time_s[c]
        cur = -1
        sw = 0.0
        sx = 0.0
        sy = 0.0
        last = -1
        for k in range(c, e):
            fk = np.float64(force_n[k])
            xk = np.float64(x_mm[k])
            yk = np.float64(y_mm[k])
            if not (fk >= thr and fk > 0 and xk == xk and yk == yk):
                continue
            b = int((time_s[k] - t0) / bin_s) if bin_s > 0 else k
            if b != cur and cur >= 0 and sw > 0:
                xp[last] = sx / sw
                yp[last] = sy / sw
                sw = 0.0
                sx = 0.0
                sy = 0.0
            cur = b
            sw += fk
            sx += fk * xk
            sy += fk * yk
            last = k
        if cur >= 0 and sw > 0:
            xp[last] = sx / sw
            yp[last] = sy / sw
    return xp, yp
