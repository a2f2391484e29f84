"""Pressure metrics per anatomical mask and stance: peak pressure, pressure-time integral, contact area.

For pressure layouts with masks (:attr:`sensorkit.layout.SensorLayout.mask`: F-Scan grids,
pedar, the estimated Moticon layout), the numbers pressure-measurement systems report per
mask region and step. Every metric is taken on the baseline-corrected pressure
p_i(t) = max(v_i(t) - b_i, 0): the sensor's reading minus its swing offset b_i (the per-sensor
baseline the forces are corrected with, :func:`sensorkit.analysis.context.estimate_baseline_n`,
docs/methods.md "Force and centre of pressure", converted to kPa with the sensor's area), never
below zero. An offset left in counts a sensor that reads 20 kPa with the foot in the air as
loaded and lifts its mask's peak-pressure curve (four left sensors of the bundled pedar sample).

* **peak pressure** (kPa): the highest sensor pressure in the mask during the stance;
* **pressure-time integral** (kPa s): the integral over the stance of the mask's peak
  pressure curve, max_i p_i(t) over the mask's sensors, by the trapezoid rule over the
  frames. This is the "peak pressure curve" definition discussed by Melai et al., Gait &
  Posture 34(3):379-383, 2011 (the alternative, the mean of per-sensor integrals, is lower
  for large masks);
* **contact area** (mm^2): the largest, over the stance, summed area of the mask's sensors
  whose baseline-corrected pressure exceeds ``contact_threshold_kpa`` (default
  :data:`CONTACT_THRESHOLD_KPA`).

A stance with a missing frame (NaN) inside gets NaN metrics and ``has_gap = True``: a gap is
never bridged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensorkit.layout import MASKS, SensorLayout
from sensorkit.recording import Recording

__all__ = ["CONTACT_THRESHOLD_KPA", "PRESSURE_METRIC_COLUMNS", "baseline_kpa", "mask_pressure_metrics"]

#: Pressure (kPa) above which a sensor counts as in contact. 10 kPa is the threshold the
#: pressuRe R package uses by default for pedar contact area (``force_pedar(...,
#: threshold = 10)``); it sits above the noise of capacitive and resistive insoles.
CONTACT_THRESHOLD_KPA = 10.0
#: Columns of the table :func:`mask_pressure_metrics` returns.
PRESSURE_METRIC_COLUMNS = (
    "side",
    "stance",
    "t_start_s",
    "t_end_s",
    "mask",
    "n_sensors",
    "peak_pressure_kpa",
    "pti_kpa_s",
    "contact_area_mm2",
    "has_gap",
)


def mask_pressure_metrics(
    recording: Recording,
    side: str,
    t_start_s: np.ndarray,
    t_end_s: np.ndarray,
    *,
    baseline_n: np.ndarray | None = None,
    contact_threshold_kpa: float = CONTACT_THRESHOLD_KPA,
) -> pd.DataFrame:
    """Peak pressure, pressure-time integral and contact area per mask and stance of one side.

    Parameters
    ----------
    recording : Recording
        A recording in kPa whose layout for ``side`` has anatomical masks and sensor areas.
    side : {"left", "right"}
    t_start_s, t_end_s : array_like, shape (k,)
        Stance intervals (s, on ``recording.time``); frames with start <= t <= end belong to
        a stance.
    baseline_n : array_like, shape (S,), optional
        Per-sensor swing offset in N, as :attr:`sensorkit.analysis.Analysis.baseline_n` holds
        it for ``side`` (:func:`sensorkit.analysis.context.estimate_baseline_n`); converted to
        kPa with the layout's sensor areas and subtracted from every reading, the result
        clipped at 0 kPa. None: no offset (the readings as recorded).
    contact_threshold_kpa : float
        Contact threshold for the area (kPa), applied to the baseline-corrected pressure.

    Returns
    -------
    DataFrame
        One row per stance and mask present in the layout (in :data:`~sensorkit.layout.MASKS`
        order), columns :data:`PRESSURE_METRIC_COLUMNS`: ``peak_pressure_kpa`` (kPa),
        ``pti_kpa_s`` (kPa s), ``contact_area_mm2`` (mm^2), ``n_sensors`` in the mask,
        ``has_gap`` (True when a frame in the stance is missing; the metrics are then NaN).

    Raises
    ------
    ValueError
        Values not in kPa, a layout without masks or areas, intervals of different lengths
        or ending before they start, a baseline with other than one value per sensor.
    """
    if recording.units != "kPa":
        raise ValueError(f"pressure metrics need values in kPa, this recording is in {recording.units}")
    layout = recording.layout_for(side)
    if not layout.mask:
        raise ValueError(f"layout {layout.name!r} has no anatomical masks")
    if not layout.has_areas:
        raise ValueError(f"layout {layout.name!r} has no sensor areas, so contact area is unknown")
    starts = np.atleast_1d(np.asarray(t_start_s, dtype=np.float64))
    ends = np.atleast_1d(np.asarray(t_end_s, dtype=np.float64))
    if starts.shape != ends.shape or starts.ndim != 1:
        raise ValueError(
            f"t_start_s and t_end_s must be 1-D of one length, got {starts.shape} and {ends.shape}"
        )
    if np.any(ends < starts):
        raise ValueError(f"stance {int(np.flatnonzero(ends < starts)[0])} ends before it starts")
    values = recording.values(side)
    time = recording.time
    masks = [(m, layout.mask_of(m)) for m in MASKS if m in layout.mask]
    area = layout.area_mm2
    base_kpa = baseline_kpa(layout, baseline_n)
    rows = []
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        lo = int(np.searchsorted(time, a, side="left"))
        hi = int(np.searchsorted(time, b, side="right"))
        p = values[lo:hi].astype(np.float64)
        t = time[lo:hi]
        gap = bool(p.shape[0] == 0 or np.isnan(p).any())
        if base_kpa is not None:
            p = np.maximum(p - base_kpa, 0.0)  # NaN (a missing frame) stays NaN
        for name, sel in masks:
            row = {
                "side": side,
                "stance": k,
                "t_start_s": float(a),
                "t_end_s": float(b),
                "mask": name,
                "n_sensors": int(sel.sum()),
                "peak_pressure_kpa": np.nan,
                "pti_kpa_s": np.nan,
                "contact_area_mm2": np.nan,
                "has_gap": gap,
            }
            if not gap:
                pm = p[:, sel]
                peak_curve = pm.max(axis=1)
                row["peak_pressure_kpa"] = float(peak_curve.max())
                row["pti_kpa_s"] = float(np.sum((peak_curve[1:] + peak_curve[:-1]) * np.diff(t)) / 2.0)
                row["contact_area_mm2"] = float(((pm > contact_threshold_kpa) @ area[sel]).max())
            rows.append(row)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PRESSURE_METRIC_COLUMNS})
    return pd.DataFrame(rows, columns=list(PRESSURE_METRIC_COLUMNS))


def baseline_kpa(layout: SensorLayout, baseline_n: np.ndarray | None) -> np.ndarray | None:
    """Per-sensor offset in kPa from one in N (:attr:`sensorkit.analysis.Analysis.baseline_n`).

    Divides by the float32 kPa-to-N factor :meth:`sensorkit.Recording.forces_n` multiplies
    with, so an offset estimated from those forces returns to the reading it came from (to
    float32 precision).

    Parameters
    ----------
    layout : SensorLayout
        The side's layout (with sensor areas).
    baseline_n : array_like, shape (S,), or None

    Returns
    -------
    ndarray, shape (S,), float64, or None
        The offsets in kPa; None for None.

    Raises
    ------
    ValueError
        ``baseline_n`` does not hold one value per sensor.
    """
    if baseline_n is None:
        return None
    base = np.asarray(baseline_n, dtype=np.float64)
    if base.shape != (layout.n_sensors,):
        raise ValueError(
            f"baseline_n must have {layout.n_sensors} values (one per sensor), got shape {base.shape}"
        )
    return base / layout.pressure_to_force_factor().astype(np.float32).astype(np.float64)
