"""What the runner tells us: body mass, usual surface, weekly distance, back pain, insole age."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["SURFACES", "RunnerProfile"]

SURFACES = ("road", "trail", "track", "treadmill")
_MASS_RANGE_KG = (20.0, 250.0)
_PAIN_RANGE = (0.0, 10.0)


@dataclass(frozen=True)
class RunnerProfile:
    """Runner inputs (all optional; missing ones are reported, never guessed).

    Parameters
    ----------
    body_mass_kg : float, optional
        Body mass in kg.
    surface : {"road", "trail", "track", "treadmill"}, optional
        Usual running surface.
    weekly_km : float, optional
        Usual weekly distance in km.
    back_pain : bool, optional
        Whether the runner has back pain. Set to True when ``pain_severity > 0`` and not given.
    pain_severity : float, optional
        Back-pain severity on a 0-10 numeric rating scale.
    insole_age_months : float, optional
        Age of the insoles in use, months.
    """

    body_mass_kg: float | None = None
    surface: str | None = None
    weekly_km: float | None = None
    back_pain: bool | None = None
    pain_severity: float | None = None
    insole_age_months: float | None = None

    def __post_init__(self) -> None:
        if self.body_mass_kg is not None and not (
            _MASS_RANGE_KG[0] <= float(self.body_mass_kg) <= _MASS_RANGE_KG[1]
        ):
            raise ValueError(f"body_mass_kg={self.body_mass_kg!r} is outside 20-250 kg (is it in kg?)")
        if self.surface is not None and self.surface not in SURFACES:
            raise ValueError(f"surface must be one of {SURFACES}, not {self.surface!r}")
        if self.weekly_km is not None and not (math.isfinite(self.weekly_km) and self.weekly_km >= 0):
            raise ValueError(f"weekly_km must be >= 0 km, got {self.weekly_km!r}")
        if self.pain_severity is not None and not (
            _PAIN_RANGE[0] <= float(self.pain_severity) <= _PAIN_RANGE[1]
        ):
            raise ValueError(f"pain_severity must be on the 0-10 scale, got {self.pain_severity!r}")
        if self.insole_age_months is not None and not (
            math.isfinite(self.insole_age_months) and self.insole_age_months >= 0
        ):
            raise ValueError(f"insole_age_months must be >= 0, got {self.insole_age_months!r}")
        if self.back_pain is None and self.pain_severity is not None:
            object.__setattr__(self, "back_pain", bool(self.pain_severity > 0))
        if self.back_pain is False and self.pain_severity:
            raise ValueError("back_pain=False contradicts pain_severity > 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)
