"""What the user tells us: body mass, stated arch type, pain, distance, insole age.

Stated information is never guessed from measurements: the arch type comes from the user
(a wet-footprint test or a clinician), and a referral to a professional comes from the pain
the user reports, as the insole guide says, never from an insole measurement.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ARCH_SOURCES", "ARCH_TYPES", "SURFACES", "RunnerProfile"]

SURFACES = ("road", "trail", "track", "treadmill")
#: Arch types the user can state (the guide's three categories).
ARCH_TYPES = ("low", "neutral", "high")
#: How the stated arch type was found.
ARCH_SOURCES = ("wet-footprint test", "clinician", "not given")
_MASS_RANGE_KG = (20.0, 250.0)
_PAIN_RANGE = (0.0, 10.0)


@dataclass(frozen=True)
class RunnerProfile:
    """User inputs (all optional; missing ones are reported, never guessed).

    Parameters
    ----------
    body_mass_kg : float, optional
        Body mass in kg.
    surface : {"road", "trail", "track", "treadmill"}, optional
        Usual running surface (recorded; no rule uses it, since no trial ties surface to an
        insole choice).
    weekly_km : float, optional
        Usual weekly distance in km (sets the replacement interval).
    back_pain : bool, optional
        Whether the user has back pain. Set to True when ``pain_severity > 0`` and not given.
    pain_severity : float, optional
        Back-pain severity on a 0-10 numeric rating scale.
    pain_weeks : float, optional
        How long the pain has lasted, in weeks.
    other_symptoms : bool, optional
        Pain comes with other symptoms (numbness, tingling, weakness, pain down a leg, fever,
        trouble with bladder or bowel).
    insole_age_months : float, optional
        Age of the insoles in use, months.
    arch : {"low", "neutral", "high"}, optional
        Arch type the user states.
    arch_source : {"wet-footprint test", "clinician", "not given"}
        How the stated arch was found.
    """

    body_mass_kg: float | None = None
    surface: str | None = None
    weekly_km: float | None = None
    back_pain: bool | None = None
    pain_severity: float | None = None
    pain_weeks: float | None = None
    other_symptoms: bool | None = None
    insole_age_months: float | None = None
    arch: str | None = None
    arch_source: str = "not given"

    def __post_init__(self) -> None:
        if self.body_mass_kg is not None and not (
            _MASS_RANGE_KG[0] <= float(self.body_mass_kg) <= _MASS_RANGE_KG[1]
        ):
            raise ValueError(f"body_mass_kg={self.body_mass_kg!r} is outside 20-250 kg (is it in kg?)")
        if self.surface is not None and self.surface not in SURFACES:
            raise ValueError(f"surface must be one of {SURFACES}, not {self.surface!r}")
        for name in ("weekly_km", "insole_age_months", "pain_weeks"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be >= 0, got {v!r}")
        if self.pain_severity is not None and not (
            _PAIN_RANGE[0] <= float(self.pain_severity) <= _PAIN_RANGE[1]
        ):
            raise ValueError(f"pain_severity must be on the 0-10 scale, got {self.pain_severity!r}")
        if self.arch is not None and self.arch not in ARCH_TYPES:
            raise ValueError(f"arch must be one of {ARCH_TYPES}, not {self.arch!r}")
        if self.arch_source not in ARCH_SOURCES:
            raise ValueError(f"arch_source must be one of {ARCH_SOURCES}, not {self.arch_source!r}")
        if self.back_pain is None and self.pain_severity is not None:
            object.__setattr__(self, "back_pain", bool(self.pain_severity > 0))
        if self.back_pain is False and self.pain_severity:
            raise ValueError("back_pain=False contradicts pain_severity > 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)
