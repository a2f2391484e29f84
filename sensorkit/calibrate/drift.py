"""Zero-drift check over a session: how fast the unloaded readings creep, in N/min.

The zero offsets of FSR insoles creep with temperature and creep of the foam. From the
unloaded frames (swing phases or a lifted foot) of a session, each sensor's offset trend is
a least-squares line of counts against time (counts/min). Because an FSR's sensitivity
depends on load (with a power law it is almost zero at zero load), a count drift is expressed
in newtons at a reference load: one body weight spread evenly over the insole's sensors (or
``reference_load_n`` per sensor when the mass is unknown):

    drift_n_per_min = sum_s slope_s [counts/min] * d value_s / d count  at the reference load

It is the rate at which a standing body-weight reading would change if the drift were not
re-tared. It is compared with a stated limit (default ``DRIFT_LIMIT_N_PER_MIN``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorkit.calibrate import defaults as D
from sensorkit.calibrate.calibration import SideCalibration
from sensorkit.calibrate.gain import body_weight_n
from sensorkit.calibrate.unloaded import detect_unloaded
from sensorkit.errors import CalibrationError

__all__ = ["MIN_DRIFT_SPAN_S", "DriftResult", "check_drift", "drift_at_load", "sensitivity_at_load"]

#: Unloaded frames must span at least this long for a trend, s.
MIN_DRIFT_SPAN_S = 5.0


@dataclass(frozen=True)
class DriftResult:
    """Outcome of :func:`check_drift` for one insole.

    Attributes
    ----------
    slope_counts_per_min : ndarray, shape (S,)
        Offset trend of each sensor, counts/min.
    drift_n_per_min : float
        Resulting force drift at the reference load, N/min (positive: reads more over time).
    limit_n_per_min : float
        The limit it is compared with, N/min.
    exceeds : bool
        ``abs(drift_n_per_min) > limit_n_per_min``.
    span_min : float
        Time between the first and the last unloaded frame used, min.
    n_frames : int
        Unloaded frames used.
    reference_load_n : float
        Load per sensor at which the drift is expressed, N.
    """

    slope_counts_per_min: np.ndarray
    drift_n_per_min: float
    limit_n_per_min: float
    exceeds: bool
    span_min: float
    n_frames: int
    reference_load_n: float

    def to_dict(self) -> dict:
        """JSON-ready mapping."""
        return {
            "slope_counts_per_min": self.slope_counts_per_min.tolist(),
            "drift_n_per_min": self.drift_n_per_min,
            "limit_n_per_min": self.limit_n_per_min,
            "exceeds": self.exceeds,
            "span_min": self.span_min,
            "n_frames": self.n_frames,
            "reference_load_n": self.reference_load_n,
        }


def sensitivity_at_load(cal: SideCalibration, reference_load_n: float) -> np.ndarray:
    """N per count of each sensor (S,) at a load per sensor (N), gain included."""
    load = np.full((1, cal.n_sensors), reference_load_n / cal.gain)
    return cal.response.model.sensitivity(cal.response.model.to_counts(load))[0] * cal.gain


def drift_at_load(cal: SideCalibration, slope_counts_per_min: np.ndarray, reference_load_n: float) -> float:
    """Force drift (N/min) that per-sensor count slopes cause at a load per sensor (N)."""
    return float(np.sum(np.asarray(slope_counts_per_min) * sensitivity_at_load(cal, reference_load_n)))


def check_drift(
    time_s: np.ndarray,
    counts: np.ndarray,
    cal: SideCalibration,
    *,
    unloaded: np.ndarray | None = None,
    body_mass_kg: float | None = None,
    reference_load_n: float = D.DRIFT_REFERENCE_LOAD_N,
    limit_n_per_min: float = D.DRIFT_LIMIT_N_PER_MIN,
) -> DriftResult:
    """Measure the zero drift of one insole over a session.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Frame times in s.
    counts : ndarray, shape (n, S)
        Raw ADC counts of the session.
    cal : SideCalibration
        Calibration of this insole (curves and gain give the N per count).
    unloaded : ndarray, shape (n,), bool, optional
        Unloaded frames; default: detected swing phases.
    body_mass_kg : float, optional
        When given, the reference load is body weight / S per sensor.
    reference_load_n : float
        Reference load per sensor in N when the mass is not given.
    limit_n_per_min : float
        Drift limit in N/min.

    Raises
    ------
    CalibrationError
        When the unloaded frames span less than :data:`MIN_DRIFT_SPAN_S`.
    """
    t = np.asarray(time_s, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    if unloaded is None:
        unloaded = detect_unloaded(t, c, response=cal.response)
    mask = np.asarray(unloaded, dtype=bool) & np.isfinite(c).all(axis=1)
    tt = t[mask]
    span_s = float(tt[-1] - tt[0]) if tt.size else 0.0
    if span_s < MIN_DRIFT_SPAN_S:
        raise CalibrationError(
            f"{cal.side} insole: unloaded frames span {span_s:.1f} s, too short to measure drift "
            f"(need {MIN_DRIFT_SPAN_S:g} s)"
        )
    minutes = (tt - tt.mean()) / 60.0
    cc = c[mask] - c[mask].mean(axis=0)
    slope = (minutes @ cc) / float(minutes @ minutes)
    if body_mass_kg is not None:
        reference_load_n = body_weight_n(body_mass_kg) / cal.n_sensors
    drift = drift_at_load(cal, slope, reference_load_n)
    return DriftResult(
        slope_counts_per_min=slope,
        drift_n_per_min=drift,
        limit_n_per_min=float(limit_n_per_min),
        exceeds=bool(abs(drift) > limit_n_per_min),
        span_min=span_s / 60.0,
        n_frames=int(mask.sum()),
        reference_load_n=float(reference_load_n),
    )
