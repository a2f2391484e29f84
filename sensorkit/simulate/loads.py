"""Spread a total force over the sensors of an insole so that it lands exactly on a given COP.

For each frame the sensor loads are the maximum-entropy distribution closest to a prior
(a Gaussian footprint around the COP, times a per-sensor weight that encodes the arch)
under the constraints ``sum(f) = F`` and ``sum(f * (x, y)) / F = (x_cop, y_cop)``. The
solution is an exponential tilt of the prior, ``f_i ~ w_i exp(theta . d_i)``, found by
Newton's method on the convex log-partition function. All loads are positive, their sum is
F and their COP is the requested one to ~1e-9 mm whenever the COP lies strictly inside the
convex hull of the sensors.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["distribute_loads"]

_MAX_NEWTON_ITERATIONS = 80
_TOLERANCE = 1e-11  # on the mean offset, in units of the footprint width
_MAX_STEP = 8.0


@numba.njit(cache=True, parallel=True)
def distribute_loads(
    force_n: np.ndarray,
    cop_x_mm: np.ndarray,
    cop_y_mm: np.ndarray,
    sensor_x_mm: np.ndarray,
    sensor_y_mm: np.ndarray,
    sensor_weight: np.ndarray,
    sigma_x_mm: float,
    sigma_y_mm: float,
    out: np.ndarray,
) -> int:
    """Fill ``out`` (n, S) float32 with sensor loads in N; return how many frames did not converge.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float64
        Total force per frame in N; frames with ``force_n <= 0`` get zero loads.
    cop_x_mm, cop_y_mm : ndarray, shape (n,), float64
        Target COP per frame in mm.
    sensor_x_mm, sensor_y_mm : ndarray, shape (S,), float64
        Sensor positions in mm.
    sensor_weight : ndarray, shape (S,), float64
        Positive prior weight per sensor (e.g. larger on the midfoot for a flat foot).
    sigma_x_mm, sigma_y_mm : float
        Widths of the Gaussian footprint prior in mm.
    out : ndarray, shape (n, S), float32
        Output array.
    """
    n = force_n.shape[0]
    s = sensor_x_mm.shape[0]
    failures = 0
    for i in numba.prange(n):
        f_total = force_n[i]
        if not f_total > 0.0:
            for j in range(s):
                out[i, j] = 0.0
            continue
        dx = np.empty(s)
        dy = np.empty(s)
        logw = np.empty(s)
        e = np.empty(s)
        for j in range(s):
            dx[j] = (sensor_x_mm[j] - cop_x_mm[i]) / sigma_x_mm
            dy[j] = (sensor_y_mm[j] - cop_y_mm[i]) / sigma_y_mm
            logw[j] = np.log(sensor_weight[j]) - 0.5 * (dx[j] * dx[j] + dy[j] * dy[j])
        tx = 0.0
        ty = 0.0
        converged = False
        z = 1.0
        for _ in range(_MAX_NEWTON_ITERATIONS):
            m = -np.inf
            for j in range(s):
                v = logw[j] + tx * dx[j] + ty * dy[j]
                if v > m:
                    m = v
            z = 0.0
            mx = 0.0
            my = 0.0
            for j in range(s):
                e[j] = np.exp(logw[j] + tx * dx[j] + ty * dy[j] - m)
                z += e[j]
                mx += e[j] * dx[j]
                my += e[j] * dy[j]
            mx /= z
            my /= z
            if abs(mx) < _TOLERANCE and abs(my) < _TOLERANCE:
                converged = True
                break
            cxx = 0.0
            cxy = 0.0
            cyy = 0.0
            for j in range(s):
                p = e[j] / z
                ax = dx[j] - mx
                ay = dy[j] - my
                cxx += p * ax * ax
                cxy += p * ax * ay
                cyy += p * ay * ay
            det = cxx * cyy - cxy * cxy
            if not det > 1e-300:
                break
            # Newton step on log Z(theta): gradient (mx, my), Hessian = covariance.
            stx = -(cyy * mx - cxy * my) / det
            sty = -(-cxy * mx + cxx * my) / det
            norm = np.sqrt(stx * stx + sty * sty)
            if norm > _MAX_STEP:
                stx *= _MAX_STEP / norm
                sty *= _MAX_STEP / norm
            tx += stx
            ty += sty
        if not converged:
            failures += 1
        for j in range(s):
            out[i, j] = f_total * e[j] / z
    return failures


def distribute_loads_reference(
    force_n: np.ndarray,
    cop_x_mm: np.ndarray,
    cop_y_mm: np.ndarray,
    sensor_x_mm: np.ndarray,
    sensor_y_mm: np.ndarray,
    sensor_weight: np.ndarray,
    sigma_x_mm: float,
    sigma_y_mm: float,
) -> np.ndarray:
    """Plain numpy version of :func:`distribute_loads` (all frames at once); for tests and benchmarks."""
    dx = (sensor_x_mm[None, :] - cop_x_mm[:, None]) / sigma_x_mm
    dy = (sensor_y_mm[None, :] - cop_y_mm[:, None]) / sigma_y_mm
    logw = np.log(sensor_weight)[None, :] - 0.5 * (dx**2 + dy**2)
    theta = np.zeros((force_n.shape[0], 2))
    for _ in range(_MAX_NEWTON_ITERATIONS):
        a = logw + theta[:, :1] * dx + theta[:, 1:] * dy
        p = np.exp(a - a.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        mx = (p * dx).sum(axis=1)
        my = (p * dy).sum(axis=1)
        if np.all(np.abs(mx) < _TOLERANCE) and np.all(np.abs(my) < _TOLERANCE):
            break
        ax = dx - mx[:, None]
        ay = dy - my[:, None]
        cxx = (p * ax * ax).sum(axis=1)
        cxy = (p * ax * ay).sum(axis=1)
        cyy = (p * ay * ay).sum(axis=1)
        det = cxx * cyy - cxy * cxy
        step = np.stack([-(cyy * mx - cxy * my) / det, -(-cxy * mx + cxx * my) / det], axis=1)
        norm = np.linalg.norm(step, axis=1, keepdims=True)
        step *= np.minimum(1.0, _MAX_STEP / np.maximum(norm, 1e-300))
        done = (np.abs(mx) < _TOLERANCE) & (np.abs(my) < _TOLERANCE)
        theta += np.where(done[:, None], 0.0, step)
    a = logw + theta[:, :1] * dx + theta[:, 1:] * dy
    p = np.exp(a - a.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loads = np.where(force_n[:, None] > 0, force_n[:, None] * p, 0.0)
    return loads.astype(np.float32)
