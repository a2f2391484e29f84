"""Calibration of live streams: raw-count chunks of a device -> chunks in N (or kPa).

A device that sends raw ADC counts (DEVICE_INFO units 0, e.g. an FSR insole) yields
:class:`~sensorkit.devices.chunk.Chunk` objects in ``"counts"``. :class:`ChunkCalibrator`
converts each chunk with the :class:`~sensorkit.calibrate.calibration.Calibration` of its
side, the way :func:`~sensorkit.calibrate.apply.apply_calibration` converts whole arrays:

* values become the layout's units (``value = gain * curve(counts - offset)``);
* readings at or above the response's ``saturation_counts`` keep the curve's value (a lower
  bound of the load, never clipped) and are flagged in ``chunk.saturated``; the calibrator
  counts them per sensor (:attr:`ChunkCalibrator.saturated_per_sensor`) and warns once
  per side with a :class:`~sensorkit.calibrate.apply.SaturationWarning`;
* ``chunk.counts`` keeps the raw counts.

The conversion of a reading depends only on that reading (the Numba kernel is always
used for power-law curves, whatever the chunk size), so a replay that cuts the same
stream into other chunks gives bit-identical values.

Without a calibration a raw-count stream stays in counts; whatever needs physical units
calls :func:`require_physical_units`, which raises :class:`UncalibratedError` with a hint.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from sensorkit.calibrate.apply import SaturationWarning, _to_layout_units
from sensorkit.calibrate.calibration import Calibration
from sensorkit.calibrate.convert import counts_to_values
from sensorkit.errors import CalibrationError

__all__ = [
    "CALIBRATION_HINT",
    "ChunkCalibrator",
    "UncalibratedError",
    "as_calibration",
    "require_physical_units",
]

#: What to tell a user whose data is still in raw counts.
CALIBRATION_HINT = (
    "calibrate the insoles once (sensorkit calibrate URL --mass KG -o cal.json), then pass "
    "--calibration cal.json (Python: calibration='cal.json')"
)


class UncalibratedError(CalibrationError):
    """Values are raw ADC counts but physical units (N, kPa, body weights) are needed."""


def require_physical_units(units: str, what: str) -> None:
    """Raise :class:`UncalibratedError` unless ``units`` are physical (N or kPa).

    Parameters
    ----------
    units : str
        Units of the data (``"N"``, ``"kPa"``, ``"counts"``, ``"mV"``).
    what : str
        What needs physical units, for the message (e.g. ``"a Recording"``).
    """
    if units in ("N", "kPa"):
        return
    if units == "counts":
        raise UncalibratedError(
            f"the device sends raw ADC counts and no calibration was given, so {what} cannot be made "
            "(it needs N or kPa)",
            hint=CALIBRATION_HINT,
        )
    raise UncalibratedError(f"values are in {units}, so {what} cannot be made (it needs N or kPa)")


def as_calibration(spec: Calibration | dict | str | Path | None) -> Calibration | None:
    """A :class:`Calibration` from an object, its ``to_dict()`` mapping or a JSON file path.

    Raises
    ------
    CalibrationError
        Unreadable file or not a calibration.
    """
    if spec is None or isinstance(spec, Calibration):
        return spec
    if isinstance(spec, dict):
        return Calibration.from_dict(spec)
    if isinstance(spec, str | Path):
        return Calibration.load(spec)
    raise CalibrationError(
        f"calibration must be a Calibration, its dict or a JSON file path, not {type(spec).__name__}"
    )


class ChunkCalibrator:
    """Converts raw-count chunks to physical units with one :class:`Calibration`.

    Parameters
    ----------
    calibration : Calibration
        Calibration of the insole(s); chunks of a side it lacks raise :class:`CalibrationError`.
    warn : bool
        Warn (:class:`SaturationWarning`) the first time each side saturates.

    Attributes
    ----------
    saturated_per_sensor : dict
        Side -> (S,) int64 number of saturated readings per sensor so far.
    """

    def __init__(self, calibration: Calibration, *, warn: bool = True) -> None:
        self.calibration = calibration
        self.warn = warn
        self.saturated_per_sensor: dict[str, np.ndarray] = {}
        self._units = {s: calibration.layout_for(s).units for s in calibration.sides}

    def units(self, side: str) -> str:
        """Units of the converted values of ``side`` (the layout's: ``"N"`` or ``"kPa"``)."""
        return self._units.get(side) or self.calibration.layout_for("left").units

    def check(
        self, side: str, *, units: str, sensor_count: int, adc_bits: int | None, source: str = "device"
    ) -> None:
        """Check that a device's stream can be converted; raise :class:`CalibrationError` if not.

        Parameters
        ----------
        side : str
            The device's side.
        units : str
            Units the device sends (must be ``"counts"``).
        sensor_count : int
            Sensors per sample.
        adc_bits : int or None
            The device's ADC resolution (checked against the response curves when given).
        source : str
            Device name for messages.
        """
        if units != "counts":
            raise CalibrationError(
                f"{source} already sends {units}; a calibration converts raw ADC counts only",
                hint="open it without a calibration",
            )
        if side not in self.calibration.sides:
            only = next(iter(self.calibration.sides)) if len(self.calibration.sides) == 1 else None
            if side not in ("left", "right"):
                hint = "say which foot it is in the URL (?side=left)"
            elif only is not None:
                hint = (
                    f"if this is the {only} insole, say side={only} in its URL; otherwise calibrate it "
                    "(sensorkit calibrate URL --mass KG), or a pair together (sensorkit calibrate URL_LEFT "
                    "URL_RIGHT --mass KG: one calibration file holds the pair)"
                )
            else:
                hint = "calibrate this insole (sensorkit calibrate URL --mass KG)"
            raise CalibrationError(
                f"{source} is the {side} insole but the calibration covers {', '.join(self.calibration.sides)}",
                hint=hint,
            )
        sc = self.calibration.side(side)
        if sc.n_sensors != sensor_count:
            raise CalibrationError(
                f"{source} has {sensor_count} sensors but the {side} calibration has {sc.n_sensors}",
                hint="use the calibration made for this insole",
            )
        if adc_bits is not None and int(adc_bits) != sc.response.adc_bits:
            raise CalibrationError(
                f"{source} has a {adc_bits}-bit ADC but the response curves {sc.response.name!r} "
                f"are for {sc.response.adc_bits} bits",
                hint="use response curves (and a calibration) made for this insole's ADC",
            )

    def __call__(self, chunk: Any) -> Any:
        """The chunk in physical units (chunks not in counts are returned unchanged)."""
        if chunk.units != "counts":
            return chunk
        side = chunk.side
        sc = self.calibration.side(side)
        conv = counts_to_values(chunk.values, sc.response, sc.offset_counts, sc.gain, side=side, kernel=True)
        values = _to_layout_units(conv.values, sc, self.calibration.layout_for(side))
        per_sensor = conv.saturated_per_sensor
        if per_sensor.any():
            total = self.saturated_per_sensor.get(side)
            first = total is None or not total.any()
            self.saturated_per_sensor[side] = per_sensor if total is None else total + per_sensor
            if first and self.warn:
                names = self.calibration.layout_for(side).sensor_names
                hit = ", ".join(names[j] for j in np.flatnonzero(per_sensor))
                warnings.warn(
                    f"{side} insole saturated ({hit}); saturated values are lower bounds of the load, "
                    "flagged in chunk.saturated and counted in session.saturation",
                    SaturationWarning,
                    stacklevel=3,
                )
        else:
            self.saturated_per_sensor.setdefault(side, np.zeros(per_sensor.shape, dtype=np.int64))
        return replace(
            chunk, values=values, units=self.units(side), saturated=conv.saturated, counts=chunk.values
        )
