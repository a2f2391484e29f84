"""Indicators the recommender reads from an :class:`~sensorkit.Analysis`, per side and pooled.

Every indicator is a robust summary (median) of the valid steps (no gap, not truncated) of
the *dominant* strike pattern of that side, because the calibrated arch and pronation
thresholds are stated per strike pattern (see ``thresholds.json``). The mid-stance COP
medial shift is computed here from ``Analysis.cop`` (the steps table has no such column).
:meth:`Indicators.from_values` builds the same object from plain numbers, for tests and
for indicators measured elsewhere (e.g. an arch index from a dense pressure mat).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MIDSTANCE_WINDOW_FRAC",
    "STRIKE_PATTERNS",
    "Indicators",
    "SideIndicators",
    "extract_indicators",
    "foot_width_mm_of",
]

STRIKE_PATTERNS = ("rearfoot", "midfoot", "forefoot")
#: Mid-stance window, fractions of stance, over which the COP medial shift is averaged
#: (sensorkit choice: around the 50 % point where a pronating foot's COP is most medial).
MIDSTANCE_WINDOW_FRAC = (0.3, 0.7)
_SIDES = ("left", "right")


@dataclass(frozen=True)
class SideIndicators:
    """Indicator values of one side (or of both sides pooled, ``side="both"``).

    Attributes
    ----------
    side : {"left", "right", "both"}
    n_steps : int
        Valid steps (no gap, not truncated).
    n_excluded : int
        Steps left out because they touch a data gap or are cut by the recording's ends.
    strike_pattern : str
        Dominant strike pattern of the valid steps ("rearfoot", "midfoot", "forefoot"),
        "unknown" when none could be classified.
    strike_share : float
        Fraction of the valid steps with the dominant strike pattern.
    n_indicator_steps : int
        Steps the indicators are taken from (valid steps of the dominant strike pattern).
    arch_indicator : float
        Median midfoot share of the force-time integral without toes (docs/methods.md).
    arch_index : float
        Median footprint arch index (Cavanagh & Rodgers 1987) when the input measures
        contact area (dense mats), else NaN.
    ml_ratio : float
        Median medial-lateral ratio, + medial (docs/methods.md).
    midstance_cop_x_pct : float
        Median mid-stance COP position, % of foot width, + medial (NaN without foot width).
    cpei_pct : float
        Median CPEI, % of foot width (sparse-insole approximation of Song et al. 1996).
    cop_ml_excursion_pct : float
        Median COP medio-lateral excursion, % of foot width (NaN without foot width).
    cop_ml_excursion_mm : float
        Median COP medio-lateral excursion in mm.
    valr : float
        Median VALR in ``force_units``/s over all valid steps.
    vilr : float
        Median VILR, same units.
    force_units : {"BW", "N"}
    loading_rate_method : str
        Most frequent loading-rate reference ("impact_peak", "13pct_stance", ...).
    contact_time_s, stride_time_s : float
        Medians over valid steps.
    """

    side: str
    n_steps: int
    n_excluded: int = 0
    strike_pattern: str = "unknown"
    strike_share: float = math.nan
    n_indicator_steps: int = 0
    arch_indicator: float = math.nan
    arch_index: float = math.nan
    ml_ratio: float = math.nan
    midstance_cop_x_pct: float = math.nan
    cpei_pct: float = math.nan
    cop_ml_excursion_pct: float = math.nan
    cop_ml_excursion_mm: float = math.nan
    valr: float = math.nan
    vilr: float = math.nan
    force_units: str = "BW"
    loading_rate_method: str = "unknown"
    contact_time_s: float = math.nan
    stride_time_s: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (NaN becomes None)."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Indicators:
    """Indicators of a recording: per side and pooled, plus what they were measured with.

    Attributes
    ----------
    sides : dict
        ``{"left": SideIndicators, "right": SideIndicators}`` (a missing insole is absent).
    both : SideIndicators
        Both sides pooled.
    body_mass_kg : float or None
        Body mass the analysis used (None: forces in N).
    cadence_spm : float
        Cadence of both feet, steps/min (NaN when unknown).
    rate_hz : float
        Sampling rate of the recording (NaN when unknown).
    foot_width_mm : float
        Foot width used to normalise COP positions (NaN when unknown).
    n_gaps : int
        Data gaps in the recording.
    notes : list of str
        How the indicators were obtained (assumptions made).
    """

    sides: dict[str, SideIndicators]
    both: SideIndicators
    body_mass_kg: float | None = None
    cadence_spm: float = math.nan
    rate_hz: float = math.nan
    foot_width_mm: float = math.nan
    n_gaps: int = 0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_values(
        cls,
        *,
        left: dict[str, Any] | None = None,
        right: dict[str, Any] | None = None,
        both: dict[str, Any] | None = None,
        body_mass_kg: float | None = 70.0,
        cadence_spm: float = math.nan,
        rate_hz: float = math.nan,
        foot_width_mm: float = math.nan,
        n_gaps: int = 0,
        **common: Any,
    ) -> Indicators:
        """Build indicators from plain numbers (boundary tests, external measurements).

        Parameters
        ----------
        left, right, both : dict, optional
            Field values of :class:`SideIndicators` for that side; ``common`` keyword
            arguments apply to every side first. ``both`` defaults to ``common`` with the
            step counts of the sides added up.
        body_mass_kg, cadence_spm, rate_hz, foot_width_mm, n_gaps
            As in :class:`Indicators`.
        **common
            Field values shared by all sides, e.g. ``arch_indicator=0.47, n_steps=40``.

        Examples
        --------
        >>> ind = Indicators.from_values(arch_indicator=0.5, ml_ratio=0.3, n_steps=30,
        ...                              strike_pattern="rearfoot", strike_share=1.0)
        >>> ind.sides["left"].arch_indicator
        0.5
        """
        units = "BW" if body_mass_kg is not None else "N"
        base = {"n_steps": 0, "force_units": units, **common}
        sides: dict[str, SideIndicators] = {}
        for name, extra in (("left", left), ("right", right)):
            values = {**base, **(extra or {})}
            values.setdefault("n_indicator_steps", values["n_steps"])
            sides[name] = SideIndicators(side=name, **values)
        pooled = {**base, **(both or {})}
        if both is None or "n_steps" not in both:
            pooled["n_steps"] = sum(s.n_steps for s in sides.values())
        pooled.setdefault("n_indicator_steps", pooled["n_steps"])
        return cls(
            sides=sides,
            both=SideIndicators(side="both", **pooled),
            body_mass_kg=body_mass_kg,
            cadence_spm=cadence_spm,
            rate_hz=rate_hz,
            foot_width_mm=foot_width_mm,
            n_gaps=n_gaps,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "sides": {k: v.to_dict() for k, v in self.sides.items()},
            "both": self.both.to_dict(),
            "body_mass_kg": self.body_mass_kg,
            "cadence_spm": _jsonable(self.cadence_spm),
            "rate_hz": _jsonable(self.rate_hz),
            "foot_width_mm": _jsonable(self.foot_width_mm),
            "n_gaps": self.n_gaps,
            "notes": list(self.notes),
        }


def foot_width_mm_of(analysis: Any) -> tuple[float, str | None]:
    """Foot width (mm) of the insole an analysis was made with, and a note on how it was found.

    Looks for ``analysis.source["foot_width_mm"]`` first, then a built-in layout of the name
    in ``analysis.source["layout"]`` (assumed unscaled: the Analysis does not record scaling).
    Returns ``(nan, note)`` when neither is available.
    """
    source = getattr(analysis, "source", {}) or {}
    width = source.get("foot_width_mm")
    if width is not None and math.isfinite(float(width)) and float(width) > 0:
        return float(width), None
    name = source.get("layout")
    if name:
        try:
            from sensorkit.layout import load_layout

            return float(load_layout(str(name)).foot_width_mm), (
                f"foot width {load_layout(str(name)).foot_width_mm:g} mm taken from the built-in "
                f"layout {name!r} (assumed unscaled)"
            )
        except Exception:  # an unknown or custom layout: no width
            pass
    return math.nan, "foot width unknown: COP positions are not normalised and not used"


def extract_indicators(analysis: Any) -> Indicators:
    """Per-side and pooled indicators of an :class:`~sensorkit.Analysis`.

    Parameters
    ----------
    analysis : Analysis
        Result of :func:`sensorkit.analyze`.

    Returns
    -------
    Indicators
    """
    steps: pd.DataFrame = analysis.steps
    units = analysis.force_units
    width, note = foot_width_mm_of(analysis)
    notes = [note] if note else []
    rate = float((getattr(analysis, "source", {}) or {}).get("rate_hz", math.nan))
    if len(steps):
        # the steady-state steps of the main activity, as in the summary (docs/methods.md)
        bad = ~(steps["steady_state"].to_numpy(bool) & (steps["activity"] == analysis.activity).to_numpy())
        midstance = _midstance_cop_x_mm(analysis, steps)
    else:
        bad = np.zeros(0, bool)
        midstance = np.zeros(0)
    steps = steps.assign(_valid=~bad, _midstance_x_mm=midstance) if len(steps) else steps
    sides = {}
    present = set(steps["side"]) if len(steps) else set()
    for side in _SIDES:
        if side in present:
            sides[side] = _summarise(side, steps[steps["side"] == side], units, width)
    both = _summarise("both", steps, units, width)
    gaps = getattr(analysis, "gaps", None)
    return Indicators(
        sides=sides,
        both=both,
        body_mass_kg=analysis.body_mass_kg,
        cadence_spm=float(analysis.cadence_spm),
        rate_hz=rate,
        foot_width_mm=width,
        n_gaps=0 if gaps is None else len(gaps),
        notes=notes,
    )


def _summarise(side: str, steps: pd.DataFrame, units: str, width_mm: float) -> SideIndicators:
    if not len(steps):
        return SideIndicators(side=side, n_steps=0, force_units=units)
    valid = steps[steps["_valid"]]
    n_valid = len(valid)
    rate_suffix = "bw_s" if units == "BW" else "n_s"
    patterns = valid["strike_pattern"].astype(str)
    known = patterns[patterns.isin(STRIKE_PATTERNS)]
    if len(known):
        counts = known.value_counts()
        # Ties between patterns break in STRIKE_PATTERNS order (deterministic).
        best = max(STRIKE_PATTERNS, key=lambda p: (int(counts.get(p, 0)), -STRIKE_PATTERNS.index(p)))
        strike, share = best, float(counts[best]) / n_valid
        chosen = valid[patterns == best]
    else:
        strike, share, chosen = "unknown", math.nan, valid
    methods = valid["loading_rate_method"].astype(str) if n_valid else pd.Series(dtype=str)
    methods = methods[methods != ""].value_counts()
    method = str(methods.index[0]) if len(methods) else "unknown"
    return SideIndicators(
        side=side,
        n_steps=n_valid,
        n_excluded=len(steps) - n_valid,
        strike_pattern=strike,
        strike_share=share,
        n_indicator_steps=len(chosen),
        arch_indicator=_median(chosen, "arch_indicator"),
        arch_index=_median(chosen, "arch_index"),
        ml_ratio=_median(chosen, "ml_ratio"),
        midstance_cop_x_pct=_median(chosen, "_midstance_x_mm") * 100.0 / width_mm,
        cpei_pct=_median(chosen, "cpei_pct"),
        cop_ml_excursion_pct=_median(chosen, "cop_ml_excursion_mm") * 100.0 / width_mm,
        cop_ml_excursion_mm=_median(chosen, "cop_ml_excursion_mm"),
        valr=_median(valid[valid["valr_reliable"]] if "valr_reliable" in valid else valid, f"valr_{rate_suffix}"),
        vilr=_median(valid[valid["valr_reliable"]] if "valr_reliable" in valid else valid, f"vilr_{rate_suffix}"),
        force_units=units,
        loading_rate_method=method,
        contact_time_s=_median(valid, "contact_time_s"),
        stride_time_s=_median(valid, "stride_time_s"),
    )


def _midstance_cop_x_mm(analysis: Any, steps: pd.DataFrame) -> np.ndarray:
    """Mean COP x (mm, + medial) over :data:`MIDSTANCE_WINDOW_FRAC` of each stance (NaN when none)."""
    out = np.full(len(steps), np.nan)
    try:
        cop = analysis.cop
    except Exception:  # an Analysis-like object without COP
        return out
    if not len(cop):
        return out
    lo, hi = MIDSTANCE_WINDOW_FRAC
    sides = steps["side"].to_numpy()
    tc = steps["t_contact_s"].to_numpy(np.float64)
    dur = steps["t_toe_off_s"].to_numpy(np.float64) - tc
    for side in _SIDES:
        rows = np.flatnonzero(sides == side)
        part = cop[cop["side"] == side]
        if not rows.size or not len(part):
            continue
        t = part["time_s"].to_numpy(np.float64)
        x = part["x_mm"].to_numpy(np.float64)
        ok = np.isfinite(x)
        csum = np.concatenate(([0.0], np.cumsum(np.where(ok, x, 0.0))))
        ccount = np.concatenate(([0], np.cumsum(ok)))
        a = np.searchsorted(t, tc[rows] + lo * dur[rows], side="left")
        b = np.searchsorted(t, tc[rows] + hi * dur[rows], side="right")
        n = ccount[b] - ccount[a]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[rows] = np.where(n > 0, (csum[b] - csum[a]) / n, np.nan)
    return out


def _median(frame: pd.DataFrame, column: str) -> float:
    if column not in frame or not len(frame):
        return math.nan
    values = frame[column].to_numpy(np.float64)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value
