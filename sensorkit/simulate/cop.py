"""Centre-of-pressure paths of simulated stance phases (sensorkit frame: mm, x positive medial).

The COP moves from the strike location (heel, midfoot or forefoot) to the hallux at
toe-off. Its medio-lateral course depends on the foot type: a flat (pronating) foot drifts
medially in mid-stance, a high-arched (supinating) foot stays lateral (a simplification of
Song et al. 1996 and De Cock et al. 2008; the simulator is a test signal, not a foot model).
Paths are kept strictly inside the convex hull of the sensors so that sensor loads can
reproduce them exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FOOT_TYPE_ML_SHIFT",
    "StrikePath",
    "clip_to_polygon",
    "convex_hull",
    "cop_path",
    "shrink_polygon",
    "strike_path",
]

#: Mid-stance medial shift of the COP as a fraction of foot width (positive = medial).
FOOT_TYPE_ML_SHIFT = {"flat": 0.10, "normal": 0.0, "high": -0.08}

# Control points (normalised stance time, fraction of foot length) of the AP path.
_Y_PATHS = {
    "rearfoot": ((0.0, 0.12), (0.1, 0.16), (0.3, 0.45), (0.5, 0.64), (0.8, 0.73), (1.0, 0.86)),
    "midfoot": ((0.0, 0.47), (0.15, 0.49), (0.4, 0.62), (0.8, 0.73), (1.0, 0.86)),
    "forefoot": ((0.0, 0.75), (0.2, 0.69), (0.5, 0.70), (0.8, 0.75), (1.0, 0.86)),
}
# Control points (normalised stance time, fraction of foot width, + medial) of the base ML path.
_X_PATH = ((0.0, -0.04), (0.3, -0.08), (0.6, 0.0), (0.85, 0.12), (1.0, 0.20))


class StrikePath:
    """Control points of the COP path for one strike pattern (normalised units)."""

    def __init__(self, strike: str) -> None:
        if strike not in _Y_PATHS:
            raise ValueError(f"strike must be one of {sorted(_Y_PATHS)}, not {strike!r}")
        pts = np.array(_Y_PATHS[strike])
        self.y_tau, self.y_frac = pts[:, 0], pts[:, 1]
        xpts = np.array(_X_PATH)
        self.x_tau, self.x_frac = xpts[:, 0], xpts[:, 1]


def strike_path(strike: str) -> StrikePath:
    """The :class:`StrikePath` of ``strike`` ("rearfoot", "midfoot" or "forefoot")."""
    return StrikePath(strike)


def cop_path(
    tau: np.ndarray,
    path: StrikePath,
    foot_length_mm: float,
    foot_width_mm: float,
    y_offset_frac: np.ndarray,
    ml_shift_frac: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """COP (x, y) in mm at normalised stance times ``tau`` (before clipping to the sensors).

    Parameters
    ----------
    tau : ndarray
        Normalised stance time in [0, 1].
    path : StrikePath
        Control points of the strike pattern.
    foot_length_mm, foot_width_mm : float
        Foot size in mm.
    y_offset_frac : ndarray or float
        Per-step shift of the whole AP path, fraction of foot length, fading to 0 at toe-off.
    ml_shift_frac : ndarray or float
        Mid-stance medial shift, fraction of foot width (``sin(pi tau)`` profile).
    """
    y = np.interp(tau, path.y_tau, path.y_frac) + y_offset_frac * (1.0 - tau)
    x = np.interp(tau, path.x_tau, path.x_frac) + ml_shift_frac * np.sin(np.pi * tau)
    return x * foot_width_mm, y * foot_length_mm


def convex_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Convex hull of points as an anticlockwise (K, 2) array (Andrew's monotone chain)."""
    pts = sorted(set(zip(np.asarray(x, float).tolist(), np.asarray(y, float).tolist(), strict=True)))
    if len(pts) < 3:
        raise ValueError("a convex hull needs at least 3 distinct sensor positions")

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = np.array(lower[:-1] + upper[:-1], dtype=float)
    if hull.shape[0] < 3:
        raise ValueError("sensor positions are collinear: the COP cannot be placed")
    return hull


def clip_to_polygon(x: np.ndarray, y: np.ndarray, polygon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move points into a convex polygon: clip y to its extent, then x to its width at that y.

    Parameters
    ----------
    x, y : ndarray
        Points in mm.
    polygon : ndarray, shape (K, 2)
        Convex polygon vertices (x, y) in mm.
    """
    px, py = polygon[:, 0], polygon[:, 1]
    y = np.clip(y, py.min(), py.max())
    x_lo = np.full(y.shape, np.inf)
    x_hi = np.full(y.shape, -np.inf)
    k = polygon.shape[0]
    for i in range(k):
        x0, y0 = px[i], py[i]
        x1, y1 = px[(i + 1) % k], py[(i + 1) % k]
        lo, hi = min(y0, y1), max(y0, y1)
        on_edge = (y >= lo) & (y <= hi)
        if y1 == y0:
            xa = np.where(on_edge, min(x0, x1), np.inf)
            xb = np.where(on_edge, max(x0, x1), -np.inf)
        else:
            xe = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            xa = np.where(on_edge, xe, np.inf)
            xb = np.where(on_edge, xe, -np.inf)
        x_lo = np.minimum(x_lo, xa)
        x_hi = np.maximum(x_hi, xb)
    return np.clip(x, x_lo, x_hi), y


def shrink_polygon(polygon: np.ndarray, factor: float) -> np.ndarray:
    """Scale a polygon about its vertex centroid by ``factor`` (< 1 shrinks)."""
    c = polygon.mean(axis=0)
    return c + (polygon - c) * factor
