"""A :class:`Finding`: one measured value or runner input, the threshold it was compared to, and the source."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Finding", "fmt_value"]


@dataclass(frozen=True)
class Finding:
    """Evidence behind a classification, a recommendation or a caveat.

    Attributes
    ----------
    name : str
        What was looked at (``"arch_indicator"``, ``"body_mass_kg"``, ``"surface"`` ...).
    value : Any
        The value (a float, or a string for inputs such as the surface); NaN/None when missing.
    unit : str
        Unit of ``value`` ("" for ratios and labels).
    threshold : str
        The rule it was compared with, as text (e.g. ``">= 0.44 -> flat (rearfoot)"``).
    source : str
        Reference, calibration provenance, or "runner input".
    side : {"left", "right", "both"}
        Which foot the value belongs to.
    kind : {"measured", "input", "derived"}
        Measured from the recording, given by the runner, or derived from other findings.
    outcome : str
        What the comparison gave (``"flat"``, ``"high"``, ``"yes"`` ...).
    """

    name: str
    value: Any
    unit: str = ""
    threshold: str = ""
    source: str = ""
    side: str = "both"
    kind: str = "measured"
    outcome: str = ""

    def text(self) -> str:
        """One line: ``name (side) = value unit -> outcome [threshold; source]``."""
        side = "" if self.side == "both" else f" ({self.side})"
        unit = f" {self.unit}" if self.unit and self.unit not in ("", "label") else ""
        out = f" -> {self.outcome}" if self.outcome else ""
        rule = f" [{self.threshold}]" if self.threshold else ""
        return f"{self.name}{side} = {fmt_value(self.value)}{unit}{out}{rule}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        value = self.value
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif hasattr(value, "item"):  # numpy scalar
            value = value.item()
        return {
            "name": self.name,
            "value": value,
            "unit": self.unit,
            "threshold": self.threshold,
            "source": self.source,
            "side": self.side,
            "kind": self.kind,
            "outcome": self.outcome,
        }


def fmt_value(value: Any) -> str:
    """Compact text of a finding value (3-4 significant digits, "n/a" for missing)."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        v = float(value)
        if not math.isfinite(v):
            return "n/a"
        return f"{v:.4g}"
    return str(value)
