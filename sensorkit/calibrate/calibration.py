"""The :class:`Calibration` of an insole pair and its JSON file format ``sensorkit.calibration/1``.

A calibration holds, per side, the sensor response curves (embedded, so a file replays
without the built-in assets), the zero offsets in counts, the body-weight gain, when it was
made and what the procedure measured. ``to_dict()``/``from_dict()`` round-trip exactly, so a
recording header can carry it and a replay reproduces the same newtons.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sensorkit._json import load_json
from sensorkit.calibrate.convert import Converted, counts_to_values
from sensorkit.calibrate.response import SensorResponse, load_response
from sensorkit.errors import CalibrationError
from sensorkit.layout import SIDES, SensorLayout, builtin_layouts, load_layout
from sensorkit.outputs import atomic_output

__all__ = ["CALIBRATION_SCHEMA", "Calibration", "SideCalibration", "utc_now"]

CALIBRATION_SCHEMA = "sensorkit.calibration/1"


def utc_now() -> str:
    """Current UTC time as ISO 8601 with seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True, eq=False)
class SideCalibration:
    """Calibration of one insole.

    Parameters
    ----------
    side : {"left", "right"}
    response : SensorResponse
        Response curves of its sensors.
    offset_counts : array_like, shape (S,)
        Zero offset per sensor in counts (0 .. saturation).
    gain : float
        Body-weight gain (dimensionless, > 0).
    timestamp_utc : str
        When the offsets and gain were measured (ISO 8601).
    procedure : dict
        What the procedure measured for this side (JSON-ready numbers, pass/fail).
    """

    side: str
    response: SensorResponse
    offset_counts: np.ndarray
    gain: float = 1.0
    timestamp_utc: str = ""
    procedure: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise CalibrationError(f"side must be 'left' or 'right', not {self.side!r}")
        off = np.asarray(self.offset_counts, dtype=np.float64).reshape(-1)
        if off.size == 1:
            off = np.full(self.response.n_sensors, off[0])
        if off.size != self.response.n_sensors:
            raise CalibrationError(
                f"{self.side} calibration: {off.size} offsets for {self.response.n_sensors} sensors"
            )
        if not (
            np.all(np.isfinite(off)) and np.all(off >= 0) and np.all(off < self.response.saturation_counts)
        ):
            raise CalibrationError(
                f"{self.side} calibration: zero offsets must be counts in 0..{self.response.saturation_counts:g}",
                hint="an offset at saturation means a sensor is loaded or shorted during tare",
            )
        gain = float(self.gain)
        if not (np.isfinite(gain) and gain > 0):
            raise CalibrationError(f"{self.side} calibration: gain must be positive, got {self.gain!r}")
        off.setflags(write=False)
        object.__setattr__(self, "offset_counts", off)
        object.__setattr__(self, "gain", gain)

    @property
    def n_sensors(self) -> int:
        """Number of sensors S."""
        return self.response.n_sensors

    def convert(self, counts: np.ndarray) -> Converted:
        """Raw counts (n, S) -> values (n, S) in the response units, with the saturation mask."""
        return counts_to_values(counts, self.response, self.offset_counts, self.gain, side=self.side)

    def to_dict(self) -> dict:
        """JSON-ready mapping (one entry of ``sides`` in the file format)."""
        return {
            "offset_counts": self.offset_counts.tolist(),
            "gain": self.gain,
            "timestamp_utc": self.timestamp_utc,
            "response": self.response.to_dict(),
            "procedure": self.procedure,
        }

    @classmethod
    def from_dict(cls, side: str, spec: dict) -> SideCalibration:
        """Build one side from its ``sides`` entry."""
        try:
            response = spec["response"]
            response = (
                load_response(response) if isinstance(response, str) else SensorResponse.from_dict(response)
            )
            return cls(
                side=side,
                response=response,
                offset_counts=np.asarray(spec["offset_counts"], dtype=np.float64),
                gain=float(spec.get("gain", 1.0)),
                timestamp_utc=str(spec.get("timestamp_utc", "")),
                procedure=dict(spec.get("procedure", {})),
            )
        except KeyError as exc:
            raise CalibrationError(f"{side} calibration lacks the field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"{side} calibration: {exc}") from None


@dataclass(frozen=True, eq=False)
class Calibration:
    """Calibration of an insole pair (or a single insole).

    Parameters
    ----------
    layout : str or SensorLayout
        The insole layout (built-in name, or a layout object that is embedded in the file).
    sides : dict
        ``{"left": SideCalibration, "right": SideCalibration}``; one side may be absent.
    foot_length_mm : float, optional
        Foot length the layout is scaled to, mm.
    body_mass_kg : float, optional
        Subject mass used for the gain, kg.
    created_utc : str
        When the calibration was made (ISO 8601).
    procedure : dict
        Procedure results shared by both sides (steps, checks, ``passed``).
    """

    layout: str | SensorLayout
    sides: dict
    foot_length_mm: float | None = None
    body_mass_kg: float | None = None
    created_utc: str = ""
    procedure: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.sides:
            raise CalibrationError("a calibration needs at least one side")
        lay = self.layout_for("left")
        for side, cal in self.sides.items():
            if side not in SIDES or not isinstance(cal, SideCalibration) or cal.side != side:
                raise CalibrationError(
                    f"sides must map 'left'/'right' to their SideCalibration (bad key {side!r})"
                )
            if cal.n_sensors != lay.n_sensors:
                raise CalibrationError(
                    f"{side} calibration has {cal.n_sensors} sensors but layout {lay.name!r} has {lay.n_sensors}",
                    hint="use response curves made for this layout",
                )

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def nominal(
        cls,
        layout: str | SensorLayout = "ref16",
        response: str | SensorResponse | None = None,
        *,
        foot_length_mm: float | None = None,
    ) -> Calibration:
        """An uncalibrated pair: nominal curves, zero offsets, unit gains."""
        resp = load_response(response if response is not None else _default_response(layout))
        now = utc_now()
        sides = {s: SideCalibration(s, resp, np.zeros(resp.n_sensors), 1.0, now) for s in SIDES}
        return cls(layout, sides, foot_length_mm=foot_length_mm, created_utc=now)

    # -- access ---------------------------------------------------------------------------
    @property
    def layout_name(self) -> str:
        """Name of the layout."""
        return self.layout.name if isinstance(self.layout, SensorLayout) else str(self.layout)

    def layout_for(self, side: str) -> SensorLayout:
        """The layout of ``side``, scaled to :attr:`foot_length_mm`.

        Raises
        ------
        CalibrationError
            Unknown layout name.
        """
        if isinstance(self.layout, SensorLayout):
            lay = self.layout if self.foot_length_mm is None else self.layout.scaled(self.foot_length_mm)
            return lay.for_side(side)
        return load_layout(self.layout, foot_length_mm=self.foot_length_mm, side=side)

    def side(self, side: str) -> SideCalibration:
        """Calibration of one side.

        Raises
        ------
        CalibrationError
            When that side was not calibrated.
        """
        if side not in self.sides:
            raise CalibrationError(
                f"this calibration has no {side} insole (sides: {', '.join(self.sides)})",
                hint=f"calibrate the {side} insole too",
            )
        return self.sides[side]

    @property
    def passed(self) -> bool | None:
        """Whether the procedure passed its checks (None when no procedure was run)."""
        return self.procedure.get("passed")

    # -- file format -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready ``sensorkit.calibration/1`` mapping (see calibration/README.md)."""
        layout: str | dict = self.layout_name
        if isinstance(self.layout, SensorLayout) and self.layout.name not in builtin_layouts():
            layout = self.layout.to_dict()
        return {
            "schema": CALIBRATION_SCHEMA,
            "created_utc": self.created_utc,
            "layout": layout,
            "foot_length_mm": self.foot_length_mm,
            "body_mass_kg": self.body_mass_kg,
            "sides": {s: c.to_dict() for s, c in self.sides.items()},
            "procedure": self.procedure,
        }

    @classmethod
    def from_dict(cls, spec: dict) -> Calibration:
        """Build from a ``sensorkit.calibration/1`` mapping.

        Raises
        ------
        CalibrationError
            Wrong schema, unknown layout, or inconsistent sides.
        """
        if not isinstance(spec, dict) or spec.get("schema") != CALIBRATION_SCHEMA:
            got = spec.get("schema") if isinstance(spec, dict) else type(spec).__name__
            raise CalibrationError(f"not a calibration: schema must be {CALIBRATION_SCHEMA!r}, got {got!r}")
        try:
            layout = spec["layout"]
            if isinstance(layout, dict):
                layout = SensorLayout.from_dict(layout)
            elif layout not in builtin_layouts():
                load_layout(layout)  # raises the unknown-layout error
            sides = {s: SideCalibration.from_dict(s, v) for s, v in spec["sides"].items()}
            return cls(
                layout=layout,
                sides=sides,
                foot_length_mm=spec.get("foot_length_mm"),
                body_mass_kg=spec.get("body_mass_kg"),
                created_utc=str(spec.get("created_utc", "")),
                procedure=dict(spec.get("procedure", {})),
            )
        except KeyError as exc:
            raise CalibrationError(f"calibration lacks the field {exc.args[0]!r}") from None

    def save(self, path: str | Path) -> Path:
        """Write the calibration as JSON; returns the path."""
        p = Path(path)
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"
        with atomic_output(p) as tmp:  # a failed write keeps the calibration it would replace
            tmp.write_text(text, encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        """Read a calibration JSON file."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CalibrationError(f"cannot read calibration file {path}: {exc}") from exc
        spec = load_json(data, source=str(path), what="calibration file",  # depth-limited (no RecursionError)
                         error=lambda msg: CalibrationError(f"cannot read calibration file {path}: {msg}"))  # fmt: skip
        return cls.from_dict(spec)

    def __repr__(self) -> str:
        gains = ", ".join(f"{s}={c.gain:.3f}" for s, c in self.sides.items())
        return f"Calibration({self.layout_name!r}, gains: {gains}, passed={self.passed})"


def _default_response(layout: str | SensorLayout) -> str:
    name = layout.name if isinstance(layout, SensorLayout) else str(layout)
    if name == "ref16":
        return "ref16-fsr"
    raise CalibrationError(
        f"no built-in response curves for layout {name!r}", hint="pass response= (a response JSON file)"
    )
