"""What a layout can say about foot loading, and what a uniform load looks like on it.

The foot-loading indicators of the analysis (docs/methods.md "Foot-loading indicators") depend
on where a layout has sensors: ``arch_indicator`` is the midfoot share of the heel + midfoot +
forefoot force-time integral, and ``ml_ratio`` = (medial - lateral) / (medial + lateral) over the
midfoot and forefoot sensors. A perfectly uniform load already gives a layout-specific value
(0.308 and -0.333 on ``ref16``, 0.286 and 0 on ``physionet8``), so the recommender describes a
measured value relative to that baseline instead of against fixed cut-points.

Uniform load: every sensor carries the same pressure. A pressure layout's sensors then carry
force in proportion to their area; a force layout reports one force per sensor patch, so every
sensor carries the same force (force layouts without areas have no other choice). On a sensel
grid read with its recording (F-Scan), only the sensels under the foot (``grid["footprint"]``)
carry it: the sheet's unloaded margins are not foot (Tekscan's test file: ``ml_ratio`` -0.39
and ``arch_indicator`` 0.27 on the footprint, against -0.14 and 0.35 on the whole sheet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sensorkit.layout import SensorLayout

__all__ = ["Coverage", "UniformBaseline", "layout_coverage", "uniform_baseline"]

_ML_REGIONS = ("midfoot", "forefoot")


@dataclass(frozen=True)
class UniformBaseline:
    """Indicator values of a uniform load on a layout.

    Attributes
    ----------
    layout : str
    arch_indicator : float
        Midfoot share of heel + midfoot + forefoot load (NaN without those regions).
    ml_ratio : float
        (medial - lateral) / (medial + lateral) over midfoot and forefoot (NaN without both).
    weighting : {"area", "equal"}
        Sensor weights used: sensing area (pressure layouts) or equal (force layouts).
    """

    layout: str
    arch_indicator: float
    ml_ratio: float
    weighting: str


@dataclass(frozen=True)
class Coverage:
    """Whether a layout can describe the midfoot and medial-lateral loading.

    Attributes
    ----------
    midfoot : bool
        At least one midfoot sensor and one heel or forefoot sensor.
    medial_lateral : bool
        Medial and lateral sensors in the midfoot or forefoot.
    missing : tuple of str
        What is missing, in words (empty when both are covered).
    """

    midfoot: bool
    medial_lateral: bool
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Both covered."""
        return self.midfoot and self.medial_lateral


def _on_foot(layout: SensorLayout) -> np.ndarray:
    """(S,) bool: the sensors under the foot (a sensel grid's footprint), else all."""
    if layout.grid is not None and layout.grid.get("footprint") is not None:
        return np.asarray(layout.grid["footprint"], dtype=bool)
    return np.ones(layout.n_sensors, dtype=bool)


def _weights(layout: SensorLayout) -> tuple[np.ndarray, str]:
    area = np.asarray(layout.area_mm2, dtype=np.float64)
    on_foot = _on_foot(layout).astype(np.float64)
    if layout.value_kind == "pressure" and np.all(np.isfinite(area)) and np.all(area > 0):
        return area * on_foot, "area"
    return on_foot, "equal"


def uniform_baseline(layout: SensorLayout) -> UniformBaseline:
    """``arch_indicator`` and ``ml_ratio`` of a uniform load on ``layout`` (see the module docstring).

    Parameters
    ----------
    layout : SensorLayout

    Returns
    -------
    UniformBaseline

    Examples
    --------
    >>> from sensorkit.layout import load_layout
    >>> b = uniform_baseline(load_layout("ref16"))
    >>> round(b.arch_indicator, 3), round(b.ml_ratio, 3)
    (0.308, -0.333)
    """
    w, weighting = _weights(layout)
    region = np.asarray(layout.region)
    ml = np.asarray(layout.ml)
    no_toes = w[np.isin(region, ("heel", "midfoot", "forefoot"))].sum()
    mid = w[region == "midfoot"].sum()
    arch = float(mid / no_toes) if no_toes > 0 and mid > 0 else math.nan
    in_ml = np.isin(region, _ML_REGIONS)
    med = w[in_ml & (ml == "medial")].sum()
    lat = w[in_ml & (ml == "lateral")].sum()
    ratio = float((med - lat) / (med + lat)) if med > 0 and lat > 0 else math.nan
    return UniformBaseline(layout.name, arch, ratio, weighting)


def layout_coverage(layout: SensorLayout) -> Coverage:
    """Does ``layout`` have the sensors a foot-loading description needs? On a sensel grid with
    a footprint, only the sensels under the foot count (as for :func:`uniform_baseline`)."""
    region = np.where(_on_foot(layout), np.asarray(layout.region), "")
    ml = np.asarray(layout.ml)
    midfoot = bool((region == "midfoot").any() and np.isin(region, ("heel", "forefoot")).any())
    in_ml = np.isin(region, _ML_REGIONS)
    med_lat = bool((in_ml & (ml == "medial")).any() and (in_ml & (ml == "lateral")).any())
    missing = []
    if not midfoot:
        missing.append("no midfoot sensor (with heel or forefoot sensors to compare)")
    if not med_lat:
        missing.append("no medial and lateral sensors in the midfoot or forefoot")
    return Coverage(midfoot, med_lat, tuple(missing))
