"""``sk.recommend``: insole suggestion from an analysis and the runner's inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sensorkit.recommend.caveats import build_caveats
from sensorkit.recommend.classify import classify
from sensorkit.recommend.features import Indicators
from sensorkit.recommend.findings import Finding
from sensorkit.recommend.result import Recommendation
from sensorkit.recommend.rules import choose
from sensorkit.recommend.runner import RunnerProfile
from sensorkit.recommend.thresholds import Thresholds, load_thresholds

__all__ = ["recommend"]

#: Summary metrics whose flagged left-right asymmetry gets a side note (BW or N variants).
ASYMMETRY_METRICS = ("valr_bw_s", "valr_n_s", "peak_force_bw", "peak_force_n", "contact_time_s")
_MASS_MISMATCH_FRAC = 0.05


def recommend(
    analysis: Any,
    *,
    body_mass_kg: float | None = None,
    surface: str | None = None,
    weekly_km: float | None = None,
    back_pain: bool | None = None,
    pain_severity: float | None = None,
    insole_age_months: float | None = None,
    thresholds: Thresholds | None = None,
    today: dt.date | None = None,
) -> Recommendation:
    """Suggest insole arch support, cushioning, rigidity and materials, with the reasons.

    Parameters
    ----------
    analysis : Analysis or Indicators
        Result of :func:`sensorkit.analyze` (or indicators built from plain numbers).
    body_mass_kg : float, optional
        Body mass in kg; default the analysis' mass. Without any mass, loading rates stay in N/s
        and the impact category is "unknown".
    surface : {"road", "trail", "track", "treadmill"}, optional
        Usual running surface.
    weekly_km : float, optional
        Weekly distance in km (sets the replacement interval).
    back_pain : bool, optional
        Whether the runner has back pain.
    pain_severity : float, optional
        Back-pain severity 0-10 (7 or more: see a professional first).
    insole_age_months : float, optional
        Age of the current insoles in months (sets the replacement date).
    thresholds : Thresholds, optional
        Default: the built-in ``thresholds.json``.
    today : date, optional
        Reference date for the replacement date (default: today).

    Returns
    -------
    Recommendation

    Notes
    -----
    Rules: docs/methods.md "Recommendation rules", after the insole-selection guide
    (see :mod:`sensorkit.recommend.rules`). The result is a suggestion, not a diagnosis.

    Examples
    --------
    >>> import sensorkit as sk
    >>> res = sk.analyze(sk.simulate(duration_s=20, seed=1, foot_type="flat", body_mass_kg=95))
    >>> adv = sk.recommend(res, surface="road")
    >>> adv.arch_support.choice, adv.cushioning.choice
    ('strong pronation control', 'dense')
    """
    th = thresholds or load_thresholds()
    analysis_mass = getattr(analysis, "body_mass_kg", None)
    notes: list[str] = []
    mass_from = "input"
    mass = body_mass_kg
    if mass is None and analysis_mass is not None:
        mass, mass_from = float(analysis_mass), "measured"
        notes.append(f"body mass {mass:g} kg taken from the recording")
    elif mass is not None and analysis_mass is not None:
        if abs(float(mass) - float(analysis_mass)) > _MASS_MISMATCH_FRAC * float(analysis_mass):
            notes.append(
                f"body mass given ({float(mass):g} kg) differs from the recording's ({float(analysis_mass):g} kg); "
                "the given mass is used for the rules, the analysis' BW units are kept"
            )
    runner = RunnerProfile(
        body_mass_kg=None if mass is None else float(mass),
        surface=surface,
        weekly_km=None if weekly_km is None else float(weekly_km),
        back_pain=back_pain,
        pain_severity=None if pain_severity is None else float(pain_severity),
        insole_age_months=None if insole_age_months is None else float(insole_age_months),
    )
    cls = classify(analysis, body_mass_kg=runner.body_mass_kg, thresholds=th)
    asym = _asymmetry_findings(analysis, th)
    choices = choose(cls, runner, th, mass_from=mass_from, asymmetry=asym)
    caveats, plan = build_caveats(
        cls, runner, th, severe_findings=choices.severe_findings, today=today or dt.date.today()
    )
    for name, value in (
        ("surface", surface),
        ("weekly_km", weekly_km),
        ("body_mass_kg", runner.body_mass_kg),
    ):
        if value is None:
            notes.append(f"{name} not given: rules that need it were not applied")
    notes.extend(cls.indicators.notes)
    return Recommendation(
        classification=cls,
        runner=runner,
        arch_support=choices.arch_support,
        cushioning=choices.cushioning,
        rigidity=choices.rigidity,
        materials=choices.materials,
        extras=choices.extras,
        side_notes=choices.side_notes,
        caveats=caveats,
        low_confidence=list(cls.low_confidence),
        rules_fired=choices.rules_fired,
        replacement=plan,
        notes=notes,
        thresholds_origin=th.origin,
    )


def _asymmetry_findings(analysis: Any, th: Thresholds) -> list[Finding]:
    """Flagged left-right asymmetries of selected summary metrics (none for bare indicators)."""
    if isinstance(analysis, Indicators):
        return []
    asym = getattr(analysis, "asymmetry", None)
    if asym is None or "flag" not in getattr(asym, "columns", ()):
        return []
    out = []
    for metric in ASYMMETRY_METRICS:
        if metric in asym.index and bool(asym.loc[metric, "flag"]):
            r = asym.loc[metric]
            out.append(
                Finding(
                    metric,
                    float(r["symmetry_index_pct"]),
                    "%",
                    f"95 % interval [{r['ci_low_pct']:+.1f}, {r['ci_high_pct']:+.1f}] % beyond the "
                    f"{r['limit_pct']:g} % limit (positive = left larger)",
                    "docs/methods.md (Asymmetry); Herzog et al. 1989, Med Sci Sports Exerc 21:110",
                    kind="measured",
                    outcome="flagged",
                )
            )
    return out
