"""Anatomical masks of pressure layouts: heel, midfoot, MTH1, MTH2-3, MTH4-5, hallux, lesser toes.

A mask is a label per sensor (:data:`sensorkit.layout.MASKS`). Pressure systems report
peak pressure, pressure-time integral and contact area per mask. The masks here are
**geometric approximations** of the usual percentage masks, not a vendor's own masks:

1. Each sensor is first put in a longitudinal region (heel, midfoot, forefoot, toes): by
   sensor number where the vendor's numbering defines it (pedar, after pressuRe's
   ``pedar_mask(..., "mask1")``: sensors 1-26 hindfoot, 27-54 midfoot, 55-82 forefoot,
   83-99 toes), or by its position along the footprint's length (:func:`regions_by_length`).
2. The forefoot is split medio-laterally in thirds of its width: medial third MTH1, middle
   third MTH2-3, lateral third MTH4-5 (:data:`MTH_SPLITS`).
3. The toes are split at 35 % of their width from the medial edge: hallux medial, lesser
   toes lateral (the hallux line of pressuRe's ``"mask2"`` percentage mask, Telfer et al.).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sensorkit.layout import REGIONS

__all__ = [
    "HALLUX_WIDTH_FRACTION",
    "LENGTH_BOUNDS",
    "MTH_SPLITS",
    "anatomical_masks",
    "ml_labels",
    "regions_by_length",
]

#: Boundaries of heel | midfoot | forefoot | toes as fractions of the footprint length from
#: its heel end. Chosen so that on the F-Scan example walk the forefoot band holds the
#: metatarsal-head pressure peaks and the toe band the toe prints (an approximation of the
#: usual 30 % hindfoot / 30 % midfoot / forefoot / toes percentage masks).
LENGTH_BOUNDS = (0.30, 0.60, 0.82)
#: Medio-lateral position (0 = lateral edge, 1 = medial edge of the forefoot sensors) where
#: MTH4-5 ends and MTH1 starts.
MTH_SPLITS = (1.0 / 3.0, 2.0 / 3.0)
#: Share of the toe band's width, from its medial edge, that is the hallux.
HALLUX_WIDTH_FRACTION = 0.35


def regions_by_length(y_mm: np.ndarray, y_heel_mm: float, y_toe_mm: float) -> tuple[str, ...]:
    """Longitudinal region of each sensor from its position along the footprint.

    Parameters
    ----------
    y_mm : ndarray, shape (S,)
        Sensor y (mm, anterior).
    y_heel_mm, y_toe_mm : float
        Heel and toe ends of the footprint (mm); sensors outside are clipped to the ends.

    Returns
    -------
    tuple of str
        ``"heel"``, ``"midfoot"``, ``"forefoot"`` or ``"toes"`` per sensor (see
        :data:`LENGTH_BOUNDS`).
    """
    span = max(float(y_toe_mm) - float(y_heel_mm), 1e-9)
    f = np.clip((np.asarray(y_mm, dtype=float) - y_heel_mm) / span, 0.0, 1.0)
    idx = np.searchsorted(np.asarray(LENGTH_BOUNDS), f, side="right")
    return tuple(REGIONS[i] for i in idx)


def _ml_fraction(x: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Position of each sensor in 0 (lateral edge) .. 1 (medial edge) of the member sensors."""
    xs = x[members]
    lo, hi = float(xs.min()), float(xs.max())
    return (x - lo) / (hi - lo) if hi > lo else np.full_like(x, 0.5)


def anatomical_masks(
    x_mm: np.ndarray, region: Sequence[str], within: np.ndarray | None = None
) -> tuple[str, ...]:
    """Anatomical mask of each sensor from its region and medio-lateral position.

    Parameters
    ----------
    x_mm : ndarray, shape (S,)
        Sensor x (mm, positive medial).
    region : sequence of str, length S
        Longitudinal region per sensor (``heel``, ``midfoot``, ``forefoot``, ``toes``).
    within : ndarray of bool, shape (S,), optional
        Sensors whose medio-lateral extent defines the splits (e.g. the footprint of a
        sensel grid, so unloaded insole margins do not shift them); default all.

    Returns
    -------
    tuple of str
        One of :data:`sensorkit.layout.MASKS` per sensor.
    """
    x = np.asarray(x_mm, dtype=float)
    reg = np.asarray(region)
    ref = np.ones(x.shape[0], dtype=bool) if within is None else np.asarray(within, dtype=bool)
    out = np.empty(x.shape[0], dtype=object)
    out[reg == "heel"] = "heel"
    out[reg == "midfoot"] = "midfoot"
    fore = reg == "forefoot"
    if fore.any():
        t = _ml_fraction(x, fore & ref if (fore & ref).any() else fore)
        lo, hi = MTH_SPLITS
        out[fore & (t >= hi)] = "MTH1"
        out[fore & (t >= lo) & (t < hi)] = "MTH2-3"
        out[fore & (t < lo)] = "MTH4-5"
    toes = reg == "toes"
    if toes.any():
        t = _ml_fraction(x, toes & ref if (toes & ref).any() else toes)
        out[toes & (t >= 1.0 - HALLUX_WIDTH_FRACTION)] = "hallux"
        out[toes & (t < 1.0 - HALLUX_WIDTH_FRACTION)] = "lesser_toes"
    return tuple(str(m) for m in out)


def ml_labels(x_mm: np.ndarray, width_mm: float) -> tuple[str, ...]:
    """``medial`` / ``central`` / ``lateral`` per sensor: outside +-width/6 of the long axis."""
    x = np.asarray(x_mm, dtype=float)
    band = float(width_mm) / 6.0
    return tuple("medial" if v > band else "lateral" if v < -band else "central" for v in x)
