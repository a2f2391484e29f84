"""Vectorised conversion of raw ADC counts to N or kPa (and back), with saturation flags.

``value = gain * model(counts - offset_counts)`` per sensor, where ``model`` is the sensor's
response curve (:mod:`sensorkit.calibrate.power_law` or :mod:`sensorkit.calibrate.table`).
Saturated samples (raw counts >= the response's ``saturation_counts``) keep the value the
curve gives and are reported in :attr:`Converted.saturated`; nothing is clipped. Frames that
are entirely NaN (missing) stay NaN and are never flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorkit.calibrate._kernel import power_law_into
from sensorkit.calibrate.power_law import PowerLawModel
from sensorkit.calibrate.response import SensorResponse
from sensorkit.errors import CalibrationError

__all__ = ["Converted", "check_counts", "counts_to_values", "values_to_counts"]

#: Below this many frames the numpy path is used (no kernel dispatch overhead to amortise).
_KERNEL_MIN_FRAMES = 256


@dataclass(frozen=True, eq=False)
class Converted:
    """Result of :func:`counts_to_values`.

    Attributes
    ----------
    values : ndarray, shape (n, S), float32
        Sensor values in the response units (N or kPa).
    saturated : ndarray, shape (n, S), bool
        True where the raw count reached the saturation count: the true load is at least
        the value given, possibly more.
    """

    values: np.ndarray
    saturated: np.ndarray

    @property
    def saturated_per_sensor(self) -> np.ndarray:
        """Number of saturated frames per sensor, shape (S,)."""
        return self.saturated.sum(axis=0)

    @property
    def saturated_frames(self) -> np.ndarray:
        """Indices of frames where any sensor saturated."""
        return np.flatnonzero(self.saturated.any(axis=1))


def check_counts(counts: np.ndarray, response: SensorResponse, *, side: str = "") -> np.ndarray:
    """Validate raw counts (n, S) against the response and ADC; return them as float64.

    Raises
    ------
    CalibrationError
        Wrong shape or sensor count, non-numeric data, partial NaN frames, or counts outside
        ``0 .. 2**adc_bits - 1`` (names the side, frame, sensor and value).
    """
    where = f"{side} " if side else ""
    arr = np.asarray(counts)
    if arr.ndim != 2:
        raise CalibrationError(f"{where}counts must be a 2-D array (frames, sensors), got shape {arr.shape}")
    if arr.shape[1] != response.n_sensors:
        raise CalibrationError(
            f"{where}counts have {arr.shape[1]} sensors but response {response.name!r} has "
            f"{response.n_sensors}",
            hint="check the layout and the response curves belong to this insole",
        )
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise CalibrationError(f"{where}counts must be integers or floats, got dtype {arr.dtype}")
    c = arr.astype(np.float64, copy=False)
    finite = np.isfinite(c)
    if not finite.all():
        partial = np.flatnonzero(finite.any(axis=1) & ~finite.all(axis=1))
        if partial.size or np.isinf(c).any():
            i = int(partial[0]) if partial.size else int(np.flatnonzero(np.isinf(c).any(axis=1))[0])
            raise CalibrationError(
                f"{where}counts of frame {i} are partly missing or infinite; only whole frames may be NaN"
            )
    full = response.full_scale_counts
    with np.errstate(invalid="ignore"):
        bad = (c < 0) | (c > full)
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise CalibrationError(
            f"{where}count {c[i, j]:g} at frame {i}, sensor {j + 1} is outside the {response.adc_bits}-bit "
            f"ADC range 0..{full}",
            hint="the counts may be scaled, signed or from an ADC with more bits than the response says",
        )
    return c


def counts_to_values(
    counts: np.ndarray,
    response: SensorResponse,
    offset_counts: np.ndarray | float = 0.0,
    gain: float = 1.0,
    *,
    side: str = "",
    kernel: bool | None = None,
) -> Converted:
    """Convert raw counts (n, S) to values in the response units.

    Parameters
    ----------
    counts : ndarray, shape (n, S)
        Raw ADC counts (integers or floats; whole-NaN rows mark missing frames).
    response : SensorResponse
        Per-sensor response curves and ADC description.
    offset_counts : float or ndarray, shape (S,)
        Zero offset per sensor in counts (the reading of the unloaded sensor).
    gain : float
        Dimensionless gain applied to every sensor of this insole (body-weight calibration).
    side : str
        Name used in error messages.
    kernel : bool or None
        Power-law curves only: True always uses the Numba kernel, False always numpy, None
        picks by size (the kernel from 256 frames on). Each path gives the same float32 per
        reading whatever the array size, so a caller converting a stream chunk by chunk
        pins one path to get results that do not depend on how the stream was chunked.

    Returns
    -------
    Converted
        Values (float32, N or kPa) and the saturation mask.
    """
    c = check_counts(counts, response, side=side)
    offsets = np.broadcast_to(np.asarray(offset_counts, dtype=np.float64), (response.n_sensors,))
    model = response.model
    use_kernel = c.shape[0] >= _KERNEL_MIN_FRAMES if kernel is None else kernel
    if isinstance(model, PowerLawModel) and use_kernel:
        values = np.empty(c.shape, dtype=np.float32)
        saturated = np.empty(c.shape, dtype=np.bool_)
        power_law_into(
            np.ascontiguousarray(c),
            np.ascontiguousarray(offsets),
            model.scale,
            model.exponent,
            model.full_scale_counts,
            float(gain),
            response.saturation_counts,
            values,
            saturated,
        )
        return Converted(values, saturated)
    values = gain * model.to_values(c - offsets)
    with np.errstate(invalid="ignore"):
        saturated = c >= response.saturation_counts
    return Converted(values.astype(np.float32), saturated)


def values_to_counts(
    values: np.ndarray,
    response: SensorResponse,
    offset_counts: np.ndarray | float = 0.0,
    gain: float = 1.0,
) -> np.ndarray:
    """Inverse of :func:`counts_to_values`: values (n, S) -> raw counts (n, S) float64.

    The counts are not rounded and not limited to the ADC range; the caller (e.g. the
    simulator) decides how to quantise and where the sensor saturates.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != response.n_sensors:
        raise CalibrationError(
            f"values must have shape (frames, {response.n_sensors}) for response {response.name!r}, got {v.shape}"
        )
    if not gain > 0:
        raise CalibrationError(f"gain must be positive, got {gain!r}")
    offsets = np.broadcast_to(np.asarray(offset_counts, dtype=np.float64), (response.n_sensors,))
    return response.model.to_counts(v / gain) + offsets
