"""Which posture of the guided calibration a subject holds, frame by frame, from raw counts.

Works before any calibration: each insole's total force is read through the nominal
response curves with zero offsets and unit gain, and compared with body weight. The bands
tolerate sensitivity errors of about +-30 % and offsets of a few hundred counts in total:

=============  ====================================================================
posture        condition (F = nominal force / body weight)
=============  ====================================================================
``lift_left``  F_left < 5 % and F_right < 50 % (seated, left foot held up)
``lift_right`` F_right < 5 % and F_left < 50 % (when both are under 5 %, the table says
               ``lift_left``; the guided steps accept either foot's lift condition alone)
``left``       F_right < 5 % and F_left >= 70 % (standing on the left foot)
``right``      F_left < 5 % and F_right >= 70 %
``both``       both >= 25 % and the sum within 70-130 %
``moving``     anything else
=============  ====================================================================

One insole alone (:func:`classify_one_insole`, F its nominal force / body weight):
``unloaded`` when F < 5 % (that foot held up, seated or standing on the other foot),
``both`` when 25 % <= F < 70 % (standing on both feet gives about 50 %), the insole's side
(``left`` or ``right``) when F >= 70 % (standing on that foot only), ``moving`` otherwise
(5-25 %). One insole cannot tell these apart as surely as a pair: a sensitivity error of
+30 % makes 55 % of body weight read as standing on that foot
(:data:`sensorkit.calibrate.defaults.ONE_INSOLE_BOTH_FEET_SHARE` catches the gain that follows).
"""

from __future__ import annotations

import numpy as np

from sensorkit.calibrate import defaults as D
from sensorkit.calibrate.calibration import SideCalibration

__all__ = ["ONE_INSOLE_POSTURES", "POSTURES", "classify_one_insole", "classify_postures", "side_force_n"]

POSTURES = ("lift_left", "lift_right", "both", "left", "right", "moving")
#: Postures read from one insole alone (:func:`classify_one_insole`).
ONE_INSOLE_POSTURES = ("unloaded", "both", "left", "right", "moving")


def side_force_n(cal: SideCalibration, counts: np.ndarray) -> np.ndarray:
    """Total force (n,) of one insole in N through a (possibly nominal) calibration."""
    values = cal.response.model.to_values(np.asarray(counts, dtype=np.float64) - cal.offset_counts)
    return cal.gain * values.sum(axis=1)


def classify_postures(
    left_bw: np.ndarray,
    right_bw: np.ndarray,
    *,
    unloaded_bw: float = D.POSTURE_UNLOADED_BW,
    seated_max_bw: float = D.POSTURE_SEATED_MAX_BW,
    one_foot_min_bw: float = D.POSTURE_ONE_FOOT_MIN_BW,
    both_min_bw: float = D.POSTURE_BOTH_FEET_MIN_BW,
    total_range_bw: tuple[float, float] = D.POSTURE_TOTAL_RANGE_BW,
) -> np.ndarray:
    """Posture name per frame (see the module table).

    Parameters
    ----------
    left_bw, right_bw : ndarray, shape (n,)
        Total force of each insole in body weights.
    unloaded_bw, seated_max_bw, one_foot_min_bw, both_min_bw : float
        Thresholds in body weights.
    total_range_bw : (float, float)
        Range of the summed force when standing on both feet, body weights.

    Returns
    -------
    ndarray of str, shape (n,)
        One of :data:`POSTURES` per frame.
    """
    fl = np.asarray(left_bw, dtype=np.float64)
    fr = np.asarray(right_bw, dtype=np.float64)
    lo, hi = total_range_bw
    total = fl + fr
    conditions = [
        (fl < unloaded_bw) & (fr < seated_max_bw),
        (fr < unloaded_bw) & (fl < seated_max_bw),
        (fr < unloaded_bw) & (fl >= one_foot_min_bw),
        (fl < unloaded_bw) & (fr >= one_foot_min_bw),
        (fl >= both_min_bw) & (fr >= both_min_bw) & (total >= lo) & (total <= hi),
    ]
    return np.select(conditions, ["lift_left", "lift_right", "left", "right", "both"], default="moving")


def classify_one_insole(
    bw: np.ndarray,
    side: str,
    *,
    unloaded_bw: float = D.POSTURE_UNLOADED_BW,
    both_min_bw: float = D.POSTURE_BOTH_FEET_MIN_BW,
    one_foot_min_bw: float = D.POSTURE_ONE_FOOT_MIN_BW,
) -> np.ndarray:
    """Posture per frame read from one insole: ``"unloaded"``, ``"both"``, ``side`` or ``"moving"``.

    Parameters
    ----------
    bw : ndarray, shape (n,)
        Total force of the insole in body weights.
    side : {"left", "right"}
        The foot wearing it.
    unloaded_bw, both_min_bw, one_foot_min_bw : float
        Thresholds in body weights (module docstring).

    Returns
    -------
    ndarray of str, shape (n,)
        One of :data:`ONE_INSOLE_POSTURES` per frame.
    """
    f = np.asarray(bw, dtype=np.float64)
    return np.select(
        [f < unloaded_bw, f >= one_foot_min_bw, f >= both_min_bw],
        ["unloaded", side, "both"],
        default="moving",
    )
