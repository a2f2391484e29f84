"""Thresholds of the recommender as data: ``thresholds.json``, each value with its unit and source.

Three kinds live in the file:

* ``literature`` -- published cut-offs (Davis et al. 2016 VALR, Cavanagh & Rodgers 1987 arch
  index) with the reference;
* ``conventions`` -- sensorkit choices where the literature or the selection guide gives no
  number (e.g. what counts as a heavy runner), each saying so;
* ``calibrated`` -- cut-points of the sparse-insole indicators fitted on simulated cohorts by
  ``benchmarks/recommend_cohort.py`` (command, date, cohort and method recorded in
  ``calibrated.provenance``), per strike pattern.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Cutpoints", "Threshold", "Thresholds", "load_thresholds"]

_DEFAULT_FILE = "thresholds.json"
SCHEMA = "sensorkit.recommend.thresholds/1"


@dataclass(frozen=True)
class Threshold:
    """One named threshold.

    Attributes
    ----------
    name : str
    value : Any
        A number (or a list, e.g. hard surfaces).
    unit : str
    source : str
        Reference, or "sensorkit convention: ..." with the reason.
    """

    name: str
    value: Any
    unit: str
    source: str


@dataclass(frozen=True)
class Cutpoints:
    """Three-class cut-points of one indicator for one strike pattern.

    ``value <= lower`` gives ``classes[0]``, ``value >= upper`` gives ``classes[2]``, anything
    in between ``classes[1]`` (so boundary values are deterministic and inclusive, as in
    docs/methods.md "high arch <= 0.21, flat >= 0.26"). ``value <= severe_lower`` or
    ``value >= severe_upper`` marks a severe case of the outer class.

    Attributes
    ----------
    indicator, strike : str
    lower, upper, severe_lower, severe_upper : float
    classes : tuple of str
        Labels from low to high indicator values.
    unit : str
    source : str
    """

    indicator: str
    strike: str
    lower: float
    upper: float
    severe_lower: float
    severe_upper: float
    classes: tuple[str, str, str]
    unit: str
    source: str

    def classify(self, value: float) -> tuple[str | None, bool]:
        """``(label, severe)`` of ``value``; ``(None, False)`` for NaN."""
        if value is None or not math.isfinite(value):
            return None, False
        if value <= self.lower:
            return self.classes[0], value <= self.severe_lower
        if value >= self.upper:
            return self.classes[2], value >= self.severe_upper
        return self.classes[1], False

    def rule_for(self, label: str | None) -> str:
        """The comparison that gives ``label``, e.g. ``">= 0.4374 -> flat"``."""
        if label == self.classes[0]:
            return f"<= {self.lower:.4g} -> {label}"
        if label == self.classes[2]:
            return f">= {self.upper:.4g} -> {label}"
        return f"between {self.lower:.4g} and {self.upper:.4g} -> {self.classes[1]}"

    def describe(self) -> str:
        """The rule as text, e.g. ``"<= 0.35 high, >= 0.44 flat"``."""
        return (
            f"<= {self.lower:.4g} {self.classes[0]}, >= {self.upper:.4g} {self.classes[2]} "
            f"(severe <= {self.severe_lower:.4g} / >= {self.severe_upper:.4g})"
        )


class Thresholds:
    """Access to the threshold data (see the module docstring).

    Parameters
    ----------
    data : dict
        The parsed JSON document.
    origin : str
        Where it came from (a path or ``"builtin"``).
    """

    def __init__(self, data: dict[str, Any], origin: str = "builtin") -> None:
        if data.get("schema") != SCHEMA:
            raise ValueError(
                f"thresholds file {origin}: schema must be {SCHEMA!r}, got {data.get('schema')!r}"
            )
        self.data = data
        self.origin = origin

    def literature(self, name: str) -> Threshold:
        """A published threshold by name (e.g. ``"valr_high_bw_s"``)."""
        return self._entry("literature", name)

    def convention(self, name: str) -> Threshold:
        """A sensorkit convention by name (e.g. ``"heavy_runner_kg"``)."""
        return self._entry("conventions", name)

    def value(self, name: str) -> Any:
        """Value of a literature or convention threshold."""
        for block in ("literature", "conventions"):
            if name in self.data.get(block, {}):
                return self.data[block][name]["value"]
        raise KeyError(f"unknown threshold {name!r}")

    def cutpoints(self, indicator: str, strike: str) -> Cutpoints | None:
        """Calibrated cut-points of ``indicator`` for ``strike`` (``"any"`` for pooled strikes).

        Returns None when the calibration found the indicator unusable for that strike
        pattern (or it was not calibrated).
        """
        block = self.data.get("calibrated", {}).get("indicators", {}).get(indicator)
        if block is None:
            return None
        entry = block.get("per_strike", {}).get(strike)
        if not entry:
            return None
        return Cutpoints(
            indicator=indicator,
            strike=strike,
            lower=float(entry["lower"]),
            upper=float(entry["upper"]),
            severe_lower=float(entry["severe_lower"]),
            severe_upper=float(entry["severe_upper"]),
            classes=tuple(block["classes"]),
            unit=block.get("unit", ""),
            source=self.calibration_source(),
        )

    def arch_index_cutpoints(self) -> Cutpoints:
        """Footprint arch-index cut-points (Cavanagh & Rodgers 1987) for area-measuring inputs."""
        high = self.literature("arch_index_high_max")
        flat = self.literature("arch_index_flat_min")
        width = float(flat.value) - float(high.value)
        return Cutpoints(
            indicator="arch_index",
            strike="any",
            lower=float(high.value),
            upper=float(flat.value),
            severe_lower=float(high.value) - width,
            severe_upper=float(flat.value) + width,
            classes=("high", "normal", "flat"),
            unit="ratio",
            source=high.source,
        )

    @property
    def calibration(self) -> dict[str, Any]:
        """The ``calibrated`` block (provenance, layout, cut-points)."""
        return self.data.get("calibrated", {})

    def calibration_source(self) -> str:
        """Short provenance of the calibrated cut-points."""
        prov = self.calibration.get("provenance", {})
        return (
            f"calibrated on simulated cohorts ({prov.get('cohort_summary', 'see thresholds.json')}); "
            f"{prov.get('command', '')} on {prov.get('date', '?')}"
        ).strip()

    def with_calibration(self, calibrated: dict[str, Any]) -> Thresholds:
        """A copy whose ``calibrated`` block is replaced (used by the calibration script)."""
        data = copy.deepcopy(self.data)
        data["calibrated"] = calibrated
        return Thresholds(data, origin=self.origin)

    def to_dict(self) -> dict[str, Any]:
        """The document (a deep copy)."""
        return copy.deepcopy(self.data)

    def _entry(self, block: str, name: str) -> Threshold:
        try:
            e = self.data[block][name]
        except KeyError:
            raise KeyError(f"no {block} threshold named {name!r}") from None
        return Threshold(name=name, value=e["value"], unit=e.get("unit", ""), source=e["source"])


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """Load the thresholds (the built-in ``thresholds.json`` by default).

    Parameters
    ----------
    path : str or Path, optional
        Another thresholds file of the same schema.

    Returns
    -------
    Thresholds
    """
    if path is None:
        text = resources.files("sensorkit.recommend").joinpath(_DEFAULT_FILE).read_text(encoding="utf-8")
        return Thresholds(json.loads(text), origin="builtin")
    p = Path(path)
    return Thresholds(json.loads(p.read_text(encoding="utf-8")), origin=str(p))
