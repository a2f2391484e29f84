"""Tare: the zero offset of each sensor, from frames in which the insole carries no load."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorkit.calibrate.response import SensorResponse
from sensorkit.calibrate.unloaded import detect_unloaded
from sensorkit.errors import CalibrationError

__all__ = ["MIN_TARE_FRAMES", "TareResult", "tare_offsets"]

#: Fewer unloaded frames than this cannot give a trustworthy zero (10 frames = 0.1 s at 100 Hz).
MIN_TARE_FRAMES = 10
#: Samples further than this many robust standard deviations from the median are outliers.
_OUTLIER_SIGMAS = 5.0


@dataclass(frozen=True, eq=False)
class TareResult:
    """Zero offsets of one insole.

    Attributes
    ----------
    offset_counts : ndarray, shape (S,)
        Zero offset of each sensor: mean of its unloaded counts within 5 robust standard
        deviations of their median (robust to outliers, not limited to whole counts).
    noise_counts : ndarray, shape (S,)
        Robust standard deviation (1.4826 MAD) of each sensor's unloaded counts.
    n_frames : int
        Number of unloaded frames used.
    time_s : float
        Mean time of those frames, s (the moment the offsets describe when they drift).
    unloaded : ndarray, shape (n,), bool
        The frames used.
    """

    offset_counts: np.ndarray
    noise_counts: np.ndarray
    n_frames: int
    time_s: float
    unloaded: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready summary (without the frame mask)."""
        return {
            "offset_counts": self.offset_counts.tolist(),
            "noise_counts": self.noise_counts.tolist(),
            "n_frames": self.n_frames,
            "time_s": self.time_s,
        }


def tare_offsets(
    time_s: np.ndarray,
    counts: np.ndarray,
    *,
    unloaded: np.ndarray | None = None,
    response: SensorResponse | None = None,
    side: str = "",
    **detect_kw: float,
) -> TareResult:
    """Zero offsets (counts) of one insole from its unloaded frames.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Frame times in s.
    counts : ndarray, shape (n, S)
        Raw ADC counts.
    unloaded : ndarray, shape (n,), bool, optional
        Frames known to be unloaded (a lifted foot); default: swing phases detected by
        :func:`sensorkit.calibrate.unloaded.detect_unloaded`.
    response : SensorResponse, optional
        Nominal curves, passed to the swing detector.
    side : str
        Name used in error messages.
    **detect_kw
        Parameters of :func:`~sensorkit.calibrate.unloaded.detect_unloaded`.

    Raises
    ------
    CalibrationError
        When fewer than :data:`MIN_TARE_FRAMES` unloaded frames are found.
    """
    t = np.asarray(time_s, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    if unloaded is None:
        unloaded = detect_unloaded(t, c, response=response, **detect_kw)
    mask = np.asarray(unloaded, dtype=bool) & np.isfinite(c).all(axis=1)
    n = int(mask.sum())
    if n < MIN_TARE_FRAMES:
        where = f" the {side} insole" if side else ""
        raise CalibrationError(
            f"cannot tare{where}: only {n} unloaded frames (need {MIN_TARE_FRAMES})",
            hint="record some walking or running (swing phases), or lift the foot for a few seconds",
        )
    sel = c[mask]
    median = np.median(sel, axis=0)
    noise = 1.4826 * np.median(np.abs(sel - median), axis=0)
    # Robust mean: ADC counts are integers, so a median is off by up to half a count; the mean
    # of the samples near the median is not (the noise dithers the quantisation).
    near = np.abs(sel - median) <= _OUTLIER_SIGMAS * np.maximum(noise, 1.0)
    offsets = np.where(near, sel, 0.0).sum(axis=0) / near.sum(axis=0)
    return TareResult(offsets, noise, n, float(t[mask].mean()), mask)
