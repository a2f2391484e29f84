"""Insole sensor layouts: where each sensor sits, how big it is, which region it covers.

Coordinate frame (README.md "Files and formats", docs/methods.md): per insole, origin at the heel end of the long axis,
``y`` anterior (towards the toes) in mm, ``x`` medio-lateral in mm with **positive = medial
for both feet**. Because the frame is anatomical, a right-foot layout has the same numbers
as the left one; :meth:`SensorLayout.mirror` only swaps the side. Use
:meth:`SensorLayout.lab_x_mm` for drawing both feet in a top view.

Built-in layouts are JSON files in the top-level ``calibration/layouts/`` folder (shipped
inside the wheel as ``sensorkit/_calibration/layouts``); see ``calibration/README.md`` for
the schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sensorkit._json import Spec, check
from sensorkit.assets import builtin_names, calibration_dir, read_asset_json
from sensorkit.errors import CalibrationError

__all__ = [
    "MASKS",
    "ML_SIDES",
    "POSITIONS",
    "REGIONS",
    "SensorLayout",
    "builtin_layouts",
    "calibration_dir",
    "load_layout",
]

REGIONS = ("heel", "midfoot", "forefoot", "toes")
ML_SIDES = ("medial", "lateral", "central")
SIDES = ("left", "right")
VALUE_KINDS = {"force": "N", "pressure": "kPa"}
#: Anatomical masks of pressure layouts (one per sensor in :attr:`SensorLayout.mask`, "" for
#: none): the regions in which pressure systems report peak pressure, pressure-time
#: integral and contact area. MTH = metatarsal head.
#: How a layout's sensor positions are known: from the maker or a design ("specified"), read
#: off a drawing or given as approximate by the maker ("approximate": pedar, PhysioNet's
#: format.txt "approximately at"; also a device profile's ``[layout] approximate`` grid), or
#: fitted to a device's own outputs ("estimated"). Foot loading, CPEI and strike index
#: inherit the uncertainty, so reports say it.
POSITIONS = {
    "specified": "",
    "approximate": "sensor positions are approximate (from a drawing of the insole or its maker's approximate coordinates, or a device profile's grid where they are not published)",
    "estimated": "sensor positions are estimated (fitted to the device's own force and COP, not published by the maker)",
}
MASKS = ("heel", "midfoot", "MTH1", "MTH2-3", "MTH4-5", "hallux", "lesser_toes")
#: Keys of :attr:`SensorLayout.grid`.
GRID_KEYS = ("rows", "cols", "row_spacing_mm", "col_spacing_mm", "row", "col")


@dataclass(frozen=True, eq=False)
class SensorLayout:
    """Positions, areas and regions of the sensors of one insole.

    Parameters
    ----------
    name : str
        Layout name (built-in names: see :func:`builtin_layouts`).
    x_mm, y_mm : array_like, shape (S,)
        Sensor centres in mm; x positive medial, y from the heel end of the long axis.
    area_mm2 : array_like, shape (S,)
        Sensing area of each sensor in mm^2; NaN where unknown (force sensors may not
        publish it). Needed only to convert pressure (kPa) to force (N) and back.
    region : sequence of str, length S
        One of ``"heel"``, ``"midfoot"``, ``"forefoot"``, ``"toes"`` per sensor.
    ml : sequence of str, length S
        ``"medial"``, ``"lateral"`` or ``"central"`` per sensor.
    foot_length_mm, foot_width_mm : float
        Foot (insole) length and forefoot width in mm.
    outline_mm : array_like, shape (K, 2)
        Insole outline as (x, y) vertices in mm, for drawing.
    side : {"left", "right"}
        Which foot this layout describes.
    value_kind : {"force", "pressure"}
        Sensors report force (N) or pressure (kPa).
    sensor_names : sequence of str, optional
        Names of the sensors; default ``S1..Sn``.
    layout_id : int
        Numeric id used by the wire protocol (0 = not a built-in layout).
    description, source : str
        Free text: what the insole is and where the positions come from.
    positions : {"specified", "approximate", "estimated"}
        How the sensor positions are known (:data:`POSITIONS`): from the maker, a design or a
        grid; read off a drawing; or fitted to the device's outputs.
    mask : sequence of str, optional
        Anatomical mask of each sensor, one of :data:`MASKS` or "" (none); empty when the
        layout has no masks.
    grid : dict, optional
        For sensel grids (pressure mats, F-Scan): ``rows``, ``cols`` (grid size),
        ``row_spacing_mm``, ``col_spacing_mm`` and per sensor its 0-based ``row`` and ``col``
        (lists of length S); optionally ``footprint``, per sensor whether it is under the
        foot of the recording the grid was read with (list of S bools). None for discrete
        sensors.
    """

    name: str
    x_mm: np.ndarray
    y_mm: np.ndarray
    area_mm2: np.ndarray
    region: tuple[str, ...]
    ml: tuple[str, ...]
    foot_length_mm: float
    foot_width_mm: float
    outline_mm: np.ndarray
    side: str = "left"
    value_kind: str = "force"
    sensor_names: tuple[str, ...] = ()
    layout_id: int = 0
    description: str = ""
    source: str = ""
    positions: str = "specified"
    mask: tuple[str, ...] = ()
    grid: dict | None = None
    _region_masks: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        x = np.ascontiguousarray(self.x_mm, dtype=np.float64)
        y = np.ascontiguousarray(self.y_mm, dtype=np.float64)
        n = x.shape[0] if x.ndim == 1 else -1
        if x.ndim != 1 or y.shape != x.shape or n < 1:
            raise ValueError(
                f"layout {self.name!r}: x_mm and y_mm must be 1-D arrays of the same length "
                f"(got shapes {np.shape(self.x_mm)} and {np.shape(self.y_mm)})"
            )
        area = np.asarray(self.area_mm2, dtype=np.float64)
        if area.ndim == 0:
            area = np.full(n, float(area))
        if area.shape != (n,):
            raise ValueError(f"layout {self.name!r}: area_mm2 has {area.size} values for {n} sensors")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ValueError(f"layout {self.name!r}: sensor positions must be finite")
        region = tuple(self.region)
        ml = tuple(self.ml)
        if len(region) != n or len(ml) != n:
            raise ValueError(
                f"layout {self.name!r}: need one region and one ml label per sensor "
                f"({n} sensors, {len(region)} regions, {len(ml)} ml labels)"
            )
        bad = sorted(set(region) - set(REGIONS))
        if bad:
            raise ValueError(f"layout {self.name!r}: unknown region(s) {bad}; use {REGIONS}")
        bad = sorted(set(ml) - set(ML_SIDES))
        if bad:
            raise ValueError(f"layout {self.name!r}: unknown ml label(s) {bad}; use {ML_SIDES}")
        if self.side not in SIDES:
            raise ValueError(f"layout {self.name!r}: side must be 'left' or 'right', not {self.side!r}")
        if self.value_kind not in VALUE_KINDS:
            raise ValueError(
                f"layout {self.name!r}: value_kind must be 'force' or 'pressure', not {self.value_kind!r}"
            )
        if self.positions not in POSITIONS:
            raise ValueError(
                f"layout {self.name!r}: positions must be one of {sorted(POSITIONS)}, not {self.positions!r}"
            )
        if not (self.foot_length_mm > 0 and self.foot_width_mm > 0):
            raise ValueError(f"layout {self.name!r}: foot length and width must be positive mm")
        names = tuple(self.sensor_names) or tuple(f"S{i + 1}" for i in range(n))
        if len(names) != n or len(set(names)) != n:
            raise ValueError(f"layout {self.name!r}: need {n} distinct sensor names")
        _check_areas(self.name, names, area)
        outline = np.asarray(self.outline_mm, dtype=np.float64).reshape(-1, 2)
        for attr, value in (
            ("x_mm", x),
            ("y_mm", y),
            ("area_mm2", area),
            ("outline_mm", outline),
        ):
            value.setflags(write=False)
            object.__setattr__(self, attr, value)
        masks = tuple(self.mask)
        if masks:
            if len(masks) != n:
                raise ValueError(f"layout {self.name!r}: {len(masks)} mask labels for {n} sensors")
            bad = sorted(set(masks) - set(MASKS) - {""})
            if bad:
                raise ValueError(f"layout {self.name!r}: unknown mask(s) {bad}; use {MASKS} or ''")
        object.__setattr__(self, "mask", masks)
        if self.grid is not None:
            object.__setattr__(self, "grid", _check_grid(self.grid, n, self.name))
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "ml", ml)
        object.__setattr__(self, "sensor_names", names)
        object.__setattr__(self, "foot_length_mm", float(self.foot_length_mm))
        object.__setattr__(self, "foot_width_mm", float(self.foot_width_mm))

    # -- basic properties -------------------------------------------------------------
    @property
    def n_sensors(self) -> int:
        """Number of sensors S."""
        return int(self.x_mm.shape[0])

    @property
    def units(self) -> str:
        """Units of the sensor values: ``"N"`` for force sensors, ``"kPa"`` for pressure sensors."""
        return VALUE_KINDS[self.value_kind]

    @property
    def positions_note(self) -> str:
        """How uncertain the sensor positions are, as a phrase for reports ("" when specified)."""
        return POSITIONS[self.positions]

    @property
    def has_areas(self) -> bool:
        """True when every sensor area is known."""
        return bool(np.all(np.isfinite(self.area_mm2)))

    @property
    def measures_pressure(self) -> bool:
        """True when sensor values give plantar pressure (kPa): pressure sensors with known areas.

        A force-sensing insole's per-sensor values are calibrated so that they add up to the
        load on the foot (see ``sensorkit.calibrate``): each value is the load of the
        sensor's region, not the force on its small pad, so dividing it by the pad area does
        not give a pressure. Such layouts report peak force (N) instead.
        """
        return self.value_kind == "pressure" and self.has_areas

    def region_mask(self, region: str | None = None, ml: str | None = None) -> np.ndarray:
        """Boolean mask (S,) of the sensors in a region and/or medial/lateral half.

        Parameters
        ----------
        region : str, optional
            One of :data:`REGIONS`; None means all regions.
        ml : str, optional
            One of :data:`ML_SIDES`; None means both halves.
        """
        key = (region, ml)
        mask = self._region_masks.get(key)
        if mask is None:
            if region is not None and region not in REGIONS:
                raise ValueError(f"unknown region {region!r}; use {REGIONS}")
            if ml is not None and ml not in ML_SIDES:
                raise ValueError(f"unknown ml label {ml!r}; use {ML_SIDES}")
            mask = np.ones(self.n_sensors, dtype=bool)
            if region is not None:
                mask &= np.array([r == region for r in self.region])
            if ml is not None:
                mask &= np.array([m == ml for m in self.ml])
            mask.setflags(write=False)
            self._region_masks[key] = mask
        return mask

    def mask_of(self, name: str) -> np.ndarray:
        """Boolean (S,) of the sensors in anatomical mask ``name`` (one of :data:`MASKS`).

        Raises
        ------
        ValueError
            Unknown mask name, or a layout without masks.
        """
        if name not in MASKS:
            raise ValueError(f"unknown mask {name!r}; use {MASKS}")
        if not self.mask:
            raise ValueError(f"layout {self.name!r} has no anatomical masks")
        return np.array([m == name for m in self.mask], dtype=bool)

    # -- derived layouts --------------------------------------------------------------
    def mirror(self) -> SensorLayout:
        """The same insole for the other foot.

        The sensorkit frame is anatomical (x positive medial on both feet), so the
        coordinates are unchanged and only :attr:`side` flips.
        """
        return replace(self, side="right" if self.side == "left" else "left", _region_masks={})

    def for_side(self, side: str) -> SensorLayout:
        """This layout for ``side`` ("left" or "right")."""
        if side not in SIDES:
            raise ValueError(f"side must be 'left' or 'right', not {side!r}")
        return self if side == self.side else self.mirror()

    def scaled(self, foot_length_mm: float) -> SensorLayout:
        """The layout scaled isotropically to another foot length (mm); areas scale with length^2."""
        if not foot_length_mm > 0:
            raise ValueError(f"foot_length_mm must be positive, got {foot_length_mm}")
        k = float(foot_length_mm) / self.foot_length_mm
        grid = self.grid
        if grid is not None:
            grid = dict(
                grid, row_spacing_mm=grid["row_spacing_mm"] * k, col_spacing_mm=grid["col_spacing_mm"] * k
            )
        return replace(
            self,
            x_mm=self.x_mm * k,
            y_mm=self.y_mm * k,
            area_mm2=self.area_mm2 * k * k,
            outline_mm=self.outline_mm * k,
            foot_length_mm=self.foot_length_mm * k,
            foot_width_mm=self.foot_width_mm * k,
            grid=grid,
            _region_masks={},
        )

    def lab_x_mm(self, x_mm: np.ndarray | float | None = None) -> np.ndarray:
        """Convert anatomical x (positive medial) to a top-view drawing x (positive to the right).

        For a left foot the medial side is to the right, for a right foot to the left.
        """
        x = self.x_mm if x_mm is None else np.asarray(x_mm, dtype=np.float64)
        return x if self.side == "left" else -x

    def pressure_to_force_factor(self) -> np.ndarray:
        """Per-sensor factor (S,) that turns kPa into N: area_mm2 x 1e-3.

        Raises
        ------
        ValueError
            When any sensor area is unknown.
        """
        if not self.has_areas:
            raise ValueError(
                f"layout {self.name!r} has no sensor areas, so pressure cannot be converted to force"
            )
        return self.area_mm2 * 1e-3

    def __repr__(self) -> str:
        return (
            f"SensorLayout({self.name!r}, side={self.side!r}, sensors={self.n_sensors}, "
            f"units={self.units!r}, foot_length_mm={self.foot_length_mm:.0f})"
        )

    def to_dict(self) -> dict:
        """JSON-ready description in millimetres (the ``sensorkit.layout/1`` schema).

        Anatomical masks, when present, are a ``mask`` entry per sensor; a sensel grid is a
        top-level ``grid`` object (see :class:`SensorLayout`).
        """
        spec = {
            "schema": "sensorkit.layout/1",
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "positions": self.positions,
            "layout_id": self.layout_id,
            "value_kind": self.value_kind,
            "units": self.units,
            "coordinates": "mm",
            "reference_foot_length_mm": self.foot_length_mm,
            "foot_width_mm": self.foot_width_mm,
            "sensors": [
                {
                    "name": name,
                    "x_mm": float(x),
                    "y_mm": float(y),
                    "area_mm2": float(a) if np.isfinite(a) else None,
                    "region": r,
                    "ml": m,
                }
                for name, x, y, a, r, m in zip(
                    self.sensor_names, self.x_mm, self.y_mm, self.area_mm2, self.region, self.ml, strict=True
                )
            ],
            "outline": self.outline_mm.tolist(),
        }
        if self.mask:
            for entry, m in zip(spec["sensors"], self.mask, strict=True):
                entry["mask"] = m
        if self.grid is not None:
            spec["grid"] = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in self.grid.items()}
        return spec

    @classmethod
    def from_dict(cls, spec: dict, *, foot_length_mm: float | None = None) -> SensorLayout:
        """Build a layout from a ``sensorkit.layout/1`` mapping (see calibration/README.md).

        Parameters
        ----------
        spec : dict
            Parsed layout JSON.
        foot_length_mm : float, optional
            Scale the layout to this foot length (mm); default the file's reference length.
        """
        return _layout_from_spec(spec, foot_length_mm=foot_length_mm, origin="<dict>")


# -- built-in layouts -------------------------------------------------------------------
def builtin_layouts() -> list[str]:
    """Names of the built-in layouts."""
    return builtin_names("layouts")


def load_layout(
    name_or_path: str | Path, *, foot_length_mm: float | None = None, side: str = "left"
) -> SensorLayout:
    """Load a built-in layout by name, or a layout JSON file by path.

    Parameters
    ----------
    name_or_path : str or Path
        A built-in name (``"ref16"``, ``"physionet8"``, ...) or a path to a JSON file.
    foot_length_mm : float, optional
        Scale to this foot length in mm (default: the layout's reference length).
    side : {"left", "right"}
        Which foot.

    Raises
    ------
    CalibrationError
        Unknown layout name, unreadable file or a file that breaks the schema.
    """
    spec, path = read_asset_json("layouts", name_or_path, "layout")
    layout = _layout_from_spec(spec, foot_length_mm=foot_length_mm, origin=str(path))
    return layout.for_side(side)


_NUM, _STR, _NONE = (float,), (str,), (type(None),)
_SENSOR_SPEC = Spec((dict,), keys={
    "name": Spec((*_STR, int)), "x": Spec(_NUM), "y": Spec(_NUM), "x_mm": Spec(_NUM), "y_mm": Spec(_NUM),
    "area": Spec((*_NUM, *_NONE), 0.0), "area_mm2": Spec((*_NUM, *_NONE), 0.0),
    "region": Spec(_STR), "ml": Spec(_STR),
})  # fmt: skip
#: What a ``sensorkit.layout/1`` mapping must look like (types and ranges of the keys used).
LAYOUT_SPEC = Spec((dict,), required=("schema", "name", "sensors", "reference_foot_length_mm"), keys={
    "schema": Spec(_STR), "name": Spec(_STR, 1, 200), "sensors": Spec((list,), 1, 4096, items=_SENSOR_SPEC),
    "reference_foot_length_mm": Spec(_NUM, 1.0, 1000.0), "width_to_length": Spec(_NUM, 0.01, 10.0),
    "foot_width_mm": Spec(_NUM, 1.0, 1000.0), "coordinates": Spec(_STR), "layout_id": Spec((int,), 0, 65535),
    "outline": Spec((list,), 0, 100_000, items=Spec((list,), 2, 2, items=Spec(_NUM))),
    "value_kind": Spec(_STR), "description": Spec(_STR), "source": Spec(_STR), "positions": Spec(_STR),
})  # fmt: skip


def _layout_from_spec(spec: dict, *, foot_length_mm: float | None, origin: str) -> SensorLayout:
    check(spec, LAYOUT_SPEC, source=origin, error=lambda msg: CalibrationError(f"layout {origin}: {msg}"))
    try:
        if spec.get("schema") != "sensorkit.layout/1":
            raise KeyError("schema (must be 'sensorkit.layout/1')")
        sensors: Sequence[dict] = spec["sensors"]
        ref_len = float(spec["reference_foot_length_mm"])
        coords = spec.get("coordinates", "mm")
        if coords == "normalized":
            width = ref_len * float(spec["width_to_length"])
            x = np.array([s["x"] for s in sensors], dtype=float) * width
            y = np.array([s["y"] for s in sensors], dtype=float) * ref_len
            area = np.array(
                [np.nan if s.get("area") is None else s["area"] for s in sensors], dtype=float
            ) * (ref_len * width)
            outline = np.array(spec.get("outline", []), dtype=float).reshape(-1, 2) * [width, ref_len]
        elif coords == "mm":
            width = float(spec.get("foot_width_mm", ref_len * float(spec.get("width_to_length", 0.38))))
            x = np.array([s["x_mm"] for s in sensors], dtype=float)
            y = np.array([s["y_mm"] for s in sensors], dtype=float)
            area = np.array(
                [np.nan if s.get("area_mm2") is None else s["area_mm2"] for s in sensors], dtype=float
            )
            outline = np.array(spec.get("outline", []), dtype=float).reshape(-1, 2)
        else:
            raise KeyError(f"coordinates (must be 'mm' or 'normalized', got {coords!r})")
        layout = SensorLayout(
            name=str(spec["name"]),
            x_mm=x,
            y_mm=y,
            area_mm2=area,
            region=[s["region"] for s in sensors],
            ml=[s["ml"] for s in sensors],
            foot_length_mm=ref_len,
            foot_width_mm=width,
            outline_mm=outline,
            value_kind=spec.get("value_kind", "force"),
            sensor_names=[s["name"] for s in sensors],
            layout_id=int(spec.get("layout_id", 0)),
            description=spec.get("description", ""),
            source=spec.get("source", ""),
            positions=spec.get("positions", "specified"),
            mask=[s.get("mask", "") for s in sensors] if any("mask" in s for s in sensors) else (),
            grid=spec.get("grid"),
        )
    except KeyError as exc:
        raise CalibrationError(f"layout {origin}: missing or invalid field {exc.args[0]}") from exc
    except (TypeError, ValueError) as exc:
        raise CalibrationError(f"layout {origin}: {exc}") from exc
    if foot_length_mm is not None:
        layout = layout.scaled(foot_length_mm)
    return layout


def _check_areas(name: str, sensor_names: Sequence[str], area: np.ndarray) -> None:
    """Refuse a sensor area of 0 or less, naming the sensors: pressure times a zero area is no
    force, and an offset in N over it an infinite one in kPa. NaN (unknown) is allowed.

    Raises
    ------
    ValueError
        Naming the first sensors with such an area and their values.
    """
    bad = np.flatnonzero(np.isfinite(area) & (area <= 0))
    if bad.size:
        listed = ", ".join(f"{sensor_names[j]} ({area[j]:g} mm^2)" for j in bad[:5])
        more = f" and {bad.size - 5} more" if bad.size > 5 else ""
        raise ValueError(
            f"layout {name!r}: sensor areas must be positive (or NaN if unknown): {listed}{more}"
        )


def _check_grid(grid: dict, n: int, name: str) -> dict:
    """Validate a sensel-grid description; return it with lists of ints for row and col."""
    missing = [k for k in GRID_KEYS if k not in grid]
    if missing:
        raise ValueError(f"layout {name!r}: grid lacks {', '.join(missing)}")
    rows, cols = int(grid["rows"]), int(grid["cols"])
    row = [int(r) for r in grid["row"]]
    col = [int(c) for c in grid["col"]]
    if len(row) != n or len(col) != n:
        raise ValueError(f"layout {name!r}: grid row/col need one entry per sensor ({n})")
    if row and not (0 <= min(row) and max(row) < rows and 0 <= min(col) and max(col) < cols):
        raise ValueError(f"layout {name!r}: grid row/col outside the {rows} x {cols} grid")
    if len(set(zip(row, col, strict=True))) != n:
        raise ValueError(f"layout {name!r}: two sensors share a grid cell")
    spacing = (float(grid["row_spacing_mm"]), float(grid["col_spacing_mm"]))
    if not all(s > 0 for s in spacing):
        raise ValueError(f"layout {name!r}: grid spacing must be positive mm")
    out = {
        "rows": rows,
        "cols": cols,
        "row_spacing_mm": spacing[0],
        "col_spacing_mm": spacing[1],
        "row": row,
        "col": col,
    }
    if grid.get("footprint") is not None:
        foot = list(grid["footprint"])
        if len(foot) != n or not all(isinstance(v, (bool, np.bool_)) for v in foot):
            raise ValueError(f"layout {name!r}: grid footprint needs one true/false per sensor ({n})")
        if not any(foot):
            raise ValueError(f"layout {name!r}: grid footprint holds no sensel")
        out["footprint"] = [bool(v) for v in foot]
    return out
