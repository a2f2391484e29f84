"""Sensor response curves: the data that turns offset-corrected ADC counts into N or kPa.

Built-in curves are JSON files in ``calibration/sensors/`` (shipped in the wheel as
``sensorkit/_calibration/sensors``), schema ``sensorkit.sensor-response/1`` described in
``calibration/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sensorkit.assets import builtin_names, read_asset_json
from sensorkit.calibrate.power_law import PowerLawModel
from sensorkit.calibrate.table import TableModel
from sensorkit.errors import CalibrationError

__all__ = ["RESPONSE_SCHEMA", "ResponseModel", "SensorResponse", "builtin_responses", "load_response"]

RESPONSE_SCHEMA = "sensorkit.sensor-response/1"
ResponseModel = PowerLawModel | TableModel
_MODELS = {"power_law": PowerLawModel, "table": TableModel}
_UNITS = ("N", "kPa")


@dataclass(frozen=True, eq=False)
class SensorResponse:
    """Response curves of the sensors of one insole, with the ADC they are read through.

    Parameters
    ----------
    name : str
        Name of the curve set (built-in: see :func:`builtin_responses`).
    model : PowerLawModel or TableModel
        Per-sensor curve from offset-corrected counts to values.
    adc_bits : int
        ADC resolution in bits; valid counts are ``0 .. 2**adc_bits - 1``.
    saturation_counts : float
        Counts at or above this are flagged as saturated (the sensor stops responding).
    units : {"N", "kPa"}
        Units of the model output.
    layout : str
        Name of the layout the sensors belong to ("" when not tied to one).
    description, source : str
        What the curves are and where they come from.
    assumptions : list of str
        Circuit and model assumptions.
    circuit : dict
        Free-form circuit description (divider, resistor values).
    """

    name: str
    model: ResponseModel
    adc_bits: int
    saturation_counts: float
    units: str = "N"
    layout: str = ""
    description: str = ""
    source: str = ""
    assumptions: list = field(default_factory=list)
    circuit: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (isinstance(self.adc_bits, int | np.integer) and 1 <= int(self.adc_bits) <= 24):
            raise CalibrationError(
                f"response {self.name!r}: adc_bits must be an integer 1-24, got {self.adc_bits!r}"
            )
        if self.units not in _UNITS:
            raise CalibrationError(f"response {self.name!r}: units must be 'N' or 'kPa', not {self.units!r}")
        if not (0 < self.saturation_counts <= self.full_scale_counts):
            raise CalibrationError(
                f"response {self.name!r}: saturation_counts={self.saturation_counts!r} must be in "
                f"1..{self.full_scale_counts} (the {self.adc_bits}-bit full scale)"
            )
        if isinstance(self.model, PowerLawModel) and self.model.full_scale_counts != self.full_scale_counts:
            raise CalibrationError(
                f"response {self.name!r}: the power-law full scale {self.model.full_scale_counts:g} "
                f"differs from the ADC full scale {self.full_scale_counts}"
            )
        object.__setattr__(self, "adc_bits", int(self.adc_bits))
        object.__setattr__(self, "saturation_counts", float(self.saturation_counts))

    @property
    def full_scale_counts(self) -> int:
        """Largest valid count, ``2**adc_bits - 1``."""
        return (1 << int(self.adc_bits)) - 1

    @property
    def n_sensors(self) -> int:
        """Number of sensors S."""
        return self.model.n_sensors

    def to_dict(self) -> dict:
        """JSON-ready ``sensorkit.sensor-response/1`` mapping."""
        return {
            "schema": RESPONSE_SCHEMA,
            "name": self.name,
            "layout": self.layout,
            "description": self.description,
            "source": self.source,
            "assumptions": list(self.assumptions),
            "circuit": dict(self.circuit),
            "adc_bits": self.adc_bits,
            "full_scale_counts": self.full_scale_counts,
            "saturation_counts": self.saturation_counts,
            "units": self.units,
            "model": self.model.to_dict(),
        }

    @classmethod
    def from_dict(cls, spec: dict, *, origin: str = "<dict>") -> SensorResponse:
        """Build from a ``sensorkit.sensor-response/1`` mapping.

        Raises
        ------
        CalibrationError
            Wrong schema, missing fields, unknown model type or invalid numbers.
        """
        if not isinstance(spec, dict) or spec.get("schema") != RESPONSE_SCHEMA:
            got = spec.get("schema") if isinstance(spec, dict) else type(spec).__name__
            raise CalibrationError(f"response {origin}: schema must be {RESPONSE_SCHEMA!r}, got {got!r}")
        try:
            bits = spec["adc_bits"]
            full_scale = (1 << int(bits)) - 1
            if "full_scale_counts" in spec and int(spec["full_scale_counts"]) != full_scale:
                raise CalibrationError(
                    f"response {origin}: full_scale_counts={spec['full_scale_counts']} contradicts "
                    f"adc_bits={bits} (full scale {full_scale})"
                )
            model_spec = spec["model"]
            kind = model_spec.get("type")
            if kind not in _MODELS:
                raise CalibrationError(
                    f"response {origin}: unknown model type {kind!r}", hint=f"use one of {sorted(_MODELS)}"
                )
            names = model_spec.get("sensor_names")
            if kind == "power_law":
                model = PowerLawModel.from_dict(model_spec, full_scale_counts=full_scale)
            else:
                model = TableModel.from_dict(model_spec, n_sensors=None if names is None else len(names))
            if names is not None and len(names) != model.n_sensors:
                raise CalibrationError(
                    f"response {origin}: {len(names)} sensor names for {model.n_sensors} sensor curves"
                )
            return cls(
                name=str(spec["name"]),
                model=model,
                adc_bits=bits,
                saturation_counts=float(spec.get("saturation_counts", full_scale)),
                units=spec.get("units", "N"),
                layout=str(spec.get("layout", "")),
                description=str(spec.get("description", "")),
                source=str(spec.get("source", "")),
                assumptions=list(spec.get("assumptions", [])),
                circuit=dict(spec.get("circuit", {})),
            )
        except KeyError as exc:
            raise CalibrationError(f"response {origin}: missing field {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise CalibrationError(f"response {origin}: {exc}") from None


def builtin_responses() -> list[str]:
    """Names of the built-in response curve sets (``calibration/sensors/*.json``)."""
    return builtin_names("sensors")


def load_response(name_or_path: str | Path | SensorResponse) -> SensorResponse:
    """Load built-in response curves by name, or a response JSON file by path.

    Parameters
    ----------
    name_or_path : str, Path or SensorResponse
        A built-in name (``"ref16-fsr"``), a path to a ``.json`` file, or an already loaded
        response (returned as is).

    Raises
    ------
    CalibrationError
        Unknown name, unreadable file, or a file that breaks the schema.
    """
    if isinstance(name_or_path, SensorResponse):
        return name_or_path
    spec, path = read_asset_json("sensors", name_or_path, "sensor response curves")
    return SensorResponse.from_dict(spec, origin=str(path))
