"""Caveats from the insole guide, and the back-pain and referral statements from what the user reports.

Always added (the guide): break new insoles in gradually; fit without friction or hot spots;
replace every 6-12 months; strength, mobility and running form matter too. The back-pain
statement says what the systematic reviews found (Sahar et al. 2007, Cochrane; Chuter et al.
2014). Referral to a professional comes only from what the user reports (severe pain,
persistent pain, other symptoms), as the guide says; never from an insole measurement.

Replacement: the guide says every 6-12 months depending on volume. With a weekly distance the
interval is ``min(12 months, budget / monthly distance)`` for a stated distance budget
(:data:`sensorkit.recommend.conventions.REPLACE_BUDGET_KM`, a sensorkit convention); the
insole age gives the date due.
"""

from __future__ import annotations

import datetime as dt
import math

from sensorkit.recommend import conventions as C
from sensorkit.recommend.advice import Advice
from sensorkit.recommend.evidence import cite
from sensorkit.recommend.runner import RunnerProfile

__all__ = ["DAYS_PER_MONTH", "WEEKS_PER_MONTH", "build_caveats", "referral", "replacement_plan"]

WEEKS_PER_MONTH = 52.0 / 12.0
DAYS_PER_MONTH = 365.25 / 12.0


def replacement_plan(runner: RunnerProfile, today: dt.date) -> tuple[str, dict]:
    """Replacement text and numbers.

    Returns
    -------
    text : str
    plan : dict
        ``interval_months`` (None without a weekly distance), ``due_date`` (ISO or None),
        ``replace_now`` (bool or None), ``km_used`` (or None), ``budget_km``.
    """
    m_min, m_max = C.REPLACE_MONTHS
    budget = C.REPLACE_BUDGET_KM
    plan: dict = {
        "interval_months": None,
        "due_date": None,
        "replace_now": None,
        "km_used": None,
        "budget_km": budget,
    }
    if runner.weekly_km is None or runner.weekly_km <= 0:
        text = f"Replace the insoles every {m_min:g}-{m_max:g} months, sooner with heavy use."
        interval = m_max
    else:
        monthly = runner.weekly_km * WEEKS_PER_MONTH
        interval = min(m_max, budget / monthly)
        plan["interval_months"] = round(interval, 1)
        text = (
            f"Replace about every {interval:.1f} months: {runner.weekly_km:g} km a week uses up an assumed "
            f"{budget:g} km of cushioning (a sensorkit convention) in {budget / monthly:.1f} months"
            + (f", capped at the guide's {m_max:g} months." if interval >= m_max else ".")
        )
    if runner.insole_age_months is not None:
        age = float(runner.insole_age_months)
        if runner.weekly_km:
            plan["km_used"] = round(age * runner.weekly_km * WEEKS_PER_MONTH)
        remaining = interval - age
        if remaining <= 0:
            plan["replace_now"] = True
            text += f" Your insoles are {age:g} months old: consider replacing them."
        else:
            plan["replace_now"] = False
            due = today + dt.timedelta(days=math.floor(remaining * DAYS_PER_MONTH))
            plan["due_date"] = due.isoformat()
            text += f" Your insoles are {age:g} months old: next replacement due around {due.isoformat()}."
    return text, plan


def referral(runner: RunnerProfile) -> Advice:
    """See-a-professional advice: urgent from reported severe or persistent pain or other symptoms."""
    reasons = []
    inputs: dict = {}
    if runner.pain_severity is not None:
        inputs["pain_severity"] = runner.pain_severity
        if runner.pain_severity >= C.PAIN_SEVERE_MIN:
            reasons.append(f"your back pain is severe ({runner.pain_severity:g}/10)")
    if runner.pain_weeks is not None:
        inputs["pain_weeks"] = runner.pain_weeks
        if runner.pain_weeks >= C.PERSISTENT_PAIN_WEEKS and (
            runner.back_pain or runner.pain_severity is None
        ):
            reasons.append(f"it has lasted {runner.pain_weeks:g} weeks")
    if runner.other_symptoms:
        inputs["other_symptoms"] = True
        reasons.append("it comes with other symptoms")
    if reasons:
        text = (
            "See a doctor or physical therapist before changing insoles or training: "
            + ", and ".join(reasons)
            + ". They can find the cause, which insoles cannot."
        )
        return Advice(
            "professional",
            "See a professional first",
            text,
            "any",
            "stated",
            "guide",
            cite("guide"),
            inputs=inputs,
            kind="caveat",
        )
    text = (
        "See a doctor or physical therapist if pain is severe, lasts, or comes with other symptoms (numbness, "
        "tingling, weakness, pain down a leg)."
    )
    if runner.pain_severity is not None and runner.pain_severity >= C.PAIN_MODERATE_MIN:
        text = f"Your back pain is moderate ({runner.pain_severity:g}/10): " + text[0].lower() + text[1:]
    basis = "stated" if inputs else "guide"
    return Advice(
        "professional",
        "When to see a professional",
        text,
        "any",
        basis,
        "guide",
        cite("guide"),
        inputs=inputs,
        kind="caveat",
    )


def back_pain_evidence(runner: RunnerProfile) -> Advice:
    """What the systematic reviews say about insoles and back pain."""
    lead = "You report back pain. " if runner.back_pain else ""
    return Advice(
        "back_pain",
        "Insoles and back pain",
        lead
        + "Systematic reviews found that insoles do not prevent back pain and that the evidence for treating it "
        "with insoles is limited; the guide's back-pain claims are not backed by them. Exercise and a "
        "professional's assessment come first.",
        "any",
        "literature",
        "systematic review",
        cite("sahar2007", "chuter2014"),
        inputs={"back_pain": runner.back_pain} if runner.back_pain is not None else {},
        kind="caveat",
    )


def build_caveats(runner: RunnerProfile, today: dt.date, activity: str) -> tuple[list[Advice], dict]:
    """The caveats in card order, and the replacement plan numbers."""
    guide = cite("guide")
    text, plan = replacement_plan(runner, today)
    strength = "Strength (core: planks, bridges, bird-dogs; glutes and hips)"
    mobility = "mobility (hamstrings, hip flexors, lower back)"
    if activity == "running":
        form = f"{strength}, {mobility} and running form matter as much as insoles."
    else:
        form = f"{strength} and {mobility} matter as much as insoles."
    items = [
        referral(runner),
        back_pain_evidence(runner),
        Advice(
            "break_in",
            "Break in gradually",
            "Wear new insoles for short sessions first, then build up.",
            "any",
            "guide",
            "guide",
            guide,
            kind="caveat",
        ),
        Advice(
            "fit",
            "Fit",
            "They should fit snugly in the shoe without friction or hot spots; trim to size following the maker's "
            "instructions.",
            "any",
            "guide",
            "guide",
            guide,
            kind="caveat",
        ),
        Advice(
            "replace",
            "Replace",
            text,
            "any",
            "stated" if runner.weekly_km or runner.insole_age_months is not None else "guide",
            "guide",
            guide,
            inputs={
                k: v
                for k, v in (("weekly_km", runner.weekly_km), ("insole_age_months", runner.insole_age_months))
                if v is not None
            },
            kind="caveat",
        ),
        Advice(
            "strength_mobility_form",
            "Strength, mobility, form",
            form,
            "any",
            "guide",
            "guide",
            guide,
            kind="caveat",
        ),
    ]
    return items, plan
