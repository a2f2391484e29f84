"""``sk.recommend``: insole advice from an analysis and what the user states, gated by what was measured."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sensorkit.recommend.advice import Advice, Suppressed
from sensorkit.recommend.caveats import build_caveats, referral
from sensorkit.recommend.facts import gather_facts
from sensorkit.recommend.result import Recommendation
from sensorkit.recommend.rules import activity_advice, standing_advice, standing_suppressed
from sensorkit.recommend.runner import RunnerProfile

__all__ = ["recommend"]

_MASS_MISMATCH_FRAC = 0.05


def recommend(
    analysis: Any,
    *,
    recording: Any = None,
    body_mass_kg: float | None = None,
    arch: str | None = None,
    arch_source: str = "not given",
    pain_severity: float | None = None,
    pain_weeks: float | None = None,
    other_symptoms: bool | None = None,
    back_pain: bool | None = None,
    surface: str | None = None,
    weekly_km: float | None = None,
    insole_age_months: float | None = None,
    today: dt.date | None = None,
) -> Recommendation:
    """Insole advice for the activity a recording shows, from what it supports and what the user states.

    Parameters
    ----------
    analysis : Analysis
        Result of :func:`sensorkit.analyze`.
    recording : Recording, optional
        The analysed recording: gives the layout (for custom layouts) and whether the values come
        from a measured calibration (raw counts converted with the nominal calibration count as
        uncalibrated). Without it a built-in layout is looked up by name and calibration is
        assumed.
    body_mass_kg : float, optional
        Body mass in kg (default: the analysis'). Only reported: no rule changes with mass (see
        Malisoux et al. 2020).
    arch : {"low", "neutral", "high"}, optional
        Arch type the user states (wet-footprint test or clinician). The only source of arch
        advice: insole loads are described, never turned into a foot type.
    arch_source : {"wet-footprint test", "clinician", "not given"}
    pain_severity : float, optional
        Back-pain severity 0-10; 7 or more sends the user to a professional first.
    pain_weeks : float, optional
        How long the back pain has lasted; 6 weeks or more (persistent) sends the user to a
        professional.
    other_symptoms : bool, optional
        The back pain comes with other symptoms; sends the user to a professional.
    back_pain : bool, optional
        Whether the user has back pain (implied by ``pain_severity > 0``).
    surface : {"road", "trail", "track", "treadmill"}, optional
        Recorded; no rule uses it.
    weekly_km : float, optional
        Weekly distance in km (replacement interval).
    insole_age_months : float, optional
        Age of the current insoles (replacement date).
    today : date, optional
        Reference date for the replacement date (default today).

    Returns
    -------
    Recommendation
        ``str()`` is the text card, ``.html()`` the report card, ``.to_dict()`` the JSON.

    Raises
    ------
    ValueError
        For inputs outside their range (mass, pain scale, unknown arch type ...).

    Notes
    -----
    Rules and gates: docs/methods.md "Recommendation", :mod:`sensorkit.recommend.rules`,
    :mod:`sensorkit.recommend.facts`. Running advice comes only from running steps and walking
    advice only from walking steps; topics the data do not support are listed with the reason.

    Examples
    --------
    >>> import sensorkit as sk
    >>> res = sk.analyze(sk.simulate(duration_s=20, seed=1, rate_hz=500))
    >>> adv = sk.recommend(res, arch="high", arch_source="wet-footprint test")
    >>> adv.activity, adv.get("arch_support").basis
    ('running', 'stated')
    """
    notes: list[str] = []
    analysis_mass = getattr(analysis, "body_mass_kg", None)
    mass = body_mass_kg
    if mass is None and analysis_mass is not None:
        mass = float(analysis_mass)
        notes.append(f"body mass {mass:g} kg taken from the recording")
    elif (
        mass is not None
        and analysis_mass is not None
        and abs(float(mass) - float(analysis_mass)) > (_MASS_MISMATCH_FRAC * float(analysis_mass))
    ):
        notes.append(
            f"body mass given ({float(mass):g} kg) differs from the one the analysis used ({float(analysis_mass):g} kg); "
            "loading rates stay in the analysis' body weights"
        )
    runner = RunnerProfile(
        body_mass_kg=None if mass is None else float(mass),
        surface=surface,
        weekly_km=None if weekly_km is None else float(weekly_km),
        back_pain=back_pain,
        pain_severity=None if pain_severity is None else float(pain_severity),
        pain_weeks=None if pain_weeks is None else float(pain_weeks),
        other_symptoms=other_symptoms,
        insole_age_months=None if insole_age_months is None else float(insole_age_months),
        arch=arch,
        arch_source=arch_source if arch is not None else "not given",
    )
    if surface is not None:
        notes.append(
            f"surface '{surface}' recorded; no trial ties the running surface to an insole choice, so no rule uses it"
        )
    if arch is not None and arch_source == "not given":
        notes.append("arch type stated without saying how it was found (a wet-footprint test or a clinician)")
    facts = gather_facts(analysis, recording)
    if facts.calibrated is not None:
        notes.append(facts.calibration_note)
    counts = dict(facts.n_steps)
    activity = facts.activity
    advice, suppressed = [], []
    no_advice = ""
    if activity in ("running", "walking"):
        advice, suppressed = activity_advice(analysis, facts, runner)
    else:
        standing = standing_advice(facts)
        if standing:
            activity = "standing"
            advice, suppressed = standing_suppressed(standing, runner)
        else:
            activity = "none"
            no_advice = (
                f"No advice: the recording has no valid steps (left {counts.get('left', 0)}, right "
                f"{counts.get('right', 0)}) and no standing period, so nothing was measured to base advice on."
            )
    if activity == "none":
        ref = referral(runner)
        caveats = [ref] if ref.basis == "stated" else []
        plan: dict = {}
    else:
        caveats, plan = build_caveats(runner, today or dt.date.today(), activity)
    advice, suppressed, caveats = _professional_first(advice, suppressed, caveats)
    if not any(c.topic == "replace" for c in caveats):
        plan = {}  # the replacement item was held back: no plan either (to_dict showed replace_now)
    return Recommendation(
        activity=activity,
        advice=advice,
        suppressed=suppressed,
        caveats=caveats,
        runner=runner,
        no_advice_reason=no_advice,
        replacement=plan,
        notes=notes,
        counts=counts,
    )


def _professional_first(
    advice: list[Advice], suppressed: list[Suppressed], caveats: list[Advice]
) -> tuple[list[Advice], list[Suppressed], list[Advice]]:
    """Withhold the product advice (cushioning, arch support, firmness, material) and the
    self-directed care (break-in, fit, replacement, exercises) when the user's pain sends them
    to a professional first: the card said "see a doctor before changing insoles or training"
    and then advised insoles and back exercises (a clinician's review: pain of 7/10 with other
    symptoms needs an assessment before self-directed exercise). The referral, what the
    back-pain reviews found and the descriptions of what was measured stay."""
    first = next(
        (c for c in caveats if c.topic == "professional" and c.title == "See a professional first"), None
    )
    if first is None:
        return advice, suppressed, caveats
    held = [a for a in advice if a.kind == "advice"] + [c for c in caveats if c.topic in _SELF_CARE]
    reason = (
        "your pain comes first: see a professional before choosing insoles or training (under 'See a "
        "professional first'); this can follow their assessment"
    )
    return (
        [a for a in advice if a.kind != "advice"],
        [*suppressed, *(Suppressed(a.topic, a.title, reason) for a in held)],
        [c for c in caveats if c.topic not in _SELF_CARE],
    )


#: Care the user would do on their own, held back while their pain needs a professional first.
_SELF_CARE = ("break_in", "fit", "replace", "strength_mobility_form")
