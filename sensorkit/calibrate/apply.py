"""Apply a :class:`Calibration` to raw counts and get a :class:`~sensorkit.recording.Recording`."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from sensorkit._stack import user_stacklevel
from sensorkit.calibrate.calibration import Calibration, SideCalibration, utc_now
from sensorkit.calibrate.tare import tare_offsets
from sensorkit.errors import CalibrationError
from sensorkit.layout import SensorLayout
from sensorkit.recording import Recording

__all__ = ["SaturationWarning", "apply_calibration", "retare"]


class SaturationWarning(UserWarning):
    """Some sensor readings reached the saturation count; their values are lower bounds."""


def retare(
    cal: Calibration, time_s: np.ndarray, left: np.ndarray | None = None, right: np.ndarray | None = None
) -> Calibration:
    """A copy of ``cal`` with zero offsets re-measured in the swing phases of this data.

    Sides without counts keep their offsets. Raises :class:`CalibrationError` when a side
    has no detectable swing phase.
    """
    sides = dict(cal.sides)
    for side, counts in (("left", left), ("right", right)):
        if counts is None:
            continue
        sc = cal.side(side)
        res = tare_offsets(time_s, counts, response=sc.response, side=side)
        proc = dict(sc.procedure, session_tare=res.to_dict())
        sides[side] = replace(sc, offset_counts=res.offset_counts, timestamp_utc=utc_now(), procedure=proc)
    return replace(cal, sides=sides)


def apply_calibration(
    cal: Calibration,
    time_s: np.ndarray,
    left: np.ndarray | None = None,
    right: np.ndarray | None = None,
    *,
    tare: str | None = None,
    body_mass_kg: float | None = None,
    metadata: dict | None = None,
    rate_hz: float | None = None,
    gaps: list[dict] | None = None,
) -> Recording:
    """Convert raw counts of one or both insoles to a Recording in N (or kPa).

    Parameters
    ----------
    cal : Calibration
        The calibration to apply.
    time_s : ndarray, shape (n,)
        Frame times in s.
    left, right : ndarray, shape (n, S), optional
        Raw ADC counts per insole; at least one. Whole-NaN rows are missing frames.
    tare : {None, "swing"}
        ``"swing"``: re-measure the zero offsets in this data's swing phases first (see
        :func:`retare`); None: use the calibration's offsets.
    body_mass_kg : float, optional
        Subject mass in kg; default the calibration's.
    metadata : dict, optional
        Extra metadata for the recording.
    rate_hz : float, optional
        Nominal rate in Hz (default from the time axis).
    gaps : list of dict, optional
        Known missing-data intervals with their reasons (see
        :meth:`~sensorkit.recording.Recording.from_arrays`).

    Returns
    -------
    Recording
        Values in the layout's units. ``metadata["calibration"]`` is the applied calibration
        (``to_dict()``), ``metadata["saturated"]`` maps each side to its (n, S) boolean mask
        of saturated samples, whose values are lower bounds of the true load.

    Warns
    -----
    SaturationWarning
        When any sample saturated (the warning names the sensors and frame counts).
    """
    if left is None and right is None:
        raise CalibrationError("no counts given: pass left and/or right (frames, sensors) arrays")
    if tare == "swing":
        cal = retare(cal, time_s, left, right)
    elif tare is not None:
        raise CalibrationError(f"tare must be None or 'swing', not {tare!r}")
    layout = cal.layout_for("left")
    values: dict[str, np.ndarray | None] = {"left": None, "right": None}
    saturated: dict[str, np.ndarray] = {}
    for side, counts in (("left", left), ("right", right)):
        if counts is None:
            continue
        sc = cal.side(side)
        conv = sc.convert(counts)
        values[side] = _to_layout_units(conv.values, sc, cal.layout_for(side))
        saturated[side] = conv.saturated
        per_sensor = conv.saturated_per_sensor
        if per_sensor.any():
            names = cal.layout_for(side).sensor_names
            hits = ", ".join(f"{names[j]} x{int(per_sensor[j])}" for j in np.flatnonzero(per_sensor))
            warnings.warn(
                f"{side} insole saturated ({hits} frames); those values are lower bounds, "
                f"see metadata['saturated']",
                SaturationWarning,
                stacklevel=user_stacklevel(),
            )
    md = dict(metadata or {})
    md["calibration"] = cal.to_dict()
    md["saturated"] = saturated
    mass = body_mass_kg if body_mass_kg is not None else cal.body_mass_kg
    return Recording.from_arrays(
        time_s,
        values["left"],
        values["right"],
        layout=layout,
        units=layout.units,
        body_mass_kg=mass,
        metadata=md,
        rate_hz=rate_hz,
        gaps=gaps,
    )


def _to_layout_units(values: np.ndarray, sc: SideCalibration, layout: SensorLayout) -> np.ndarray:
    """Convert response units to the layout's units (N <-> kPa through the sensor areas)."""
    have, want = sc.response.units, layout.units
    if have == want:
        return values
    if not layout.has_areas:
        raise CalibrationError(
            f"response {sc.response.name!r} gives {have} but layout {layout.name!r} reports {want} "
            "and has no sensor areas to convert with"
        )
    factor = layout.pressure_to_force_factor().astype(np.float32)  # kPa -> N
    return values * factor if have == "kPa" else values / factor
