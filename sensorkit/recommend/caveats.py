"""Caveats added to every recommendation (docs/methods.md "Always add"), tied to the runner's inputs.

Replacement: the guide says every 6-12 months depending on volume. sensorkit turns that into an
interval from a stated distance budget (``insole_budget_km``): ``min(12 months, budget / monthly
distance)``, so high mileage means sooner than 6 months; the insole age gives the date due.
"""

from __future__ import annotations

import datetime as dt
import math

from sensorkit.recommend.classify import Classification
from sensorkit.recommend.findings import Finding
from sensorkit.recommend.items import Item
from sensorkit.recommend.runner import RunnerProfile
from sensorkit.recommend.thresholds import Thresholds

__all__ = ["DAYS_PER_MONTH", "WEEKS_PER_MONTH", "build_caveats", "replacement_plan"]

WEEKS_PER_MONTH = 52.0 / 12.0
DAYS_PER_MONTH = 365.25 / 12.0
_GUIDE = "insole-selection guide (domain/insoles-for-back-pain-running.txt) and docs/methods.md 'Always add'"


def _always(name: str) -> Finding:
    return Finding(
        name="always",
        value=name,
        threshold="added to every recommendation",
        source=_GUIDE,
        kind="derived",
        outcome="applies",
    )


def replacement_plan(
    runner: RunnerProfile, th: Thresholds, today: dt.date
) -> tuple[str, list[Finding], dict]:
    """Replacement advice: text, findings, and the numbers (interval months, due date, km used).

    Parameters
    ----------
    runner : RunnerProfile
    th : Thresholds
    today : date

    Returns
    -------
    text : str
    findings : list of Finding
    plan : dict
        ``interval_months``, ``due_date`` (ISO or None), ``replace_now`` (bool or None),
        ``km_used`` (or None), ``budget_km``.
    """
    budget = th.convention("insole_budget_km")
    m_max = float(th.value("replace_months_max"))
    m_min = float(th.value("replace_months_min"))
    findings = [
        Finding(
            "replace_interval_guide",
            f"{m_min:g}-{m_max:g}",
            "months",
            "replace every 6-12 months",
            th.literature("replace_months_max").source,
            kind="derived",
            outcome="applies",
        )
    ]
    plan: dict = {
        "interval_months": None,
        "due_date": None,
        "replace_now": None,
        "km_used": None,
        "budget_km": float(budget.value),
    }
    if runner.weekly_km is None or runner.weekly_km <= 0:
        text = f"Replace the insoles every {m_min:g}-{m_max:g} months, sooner if you run a lot."
        if runner.weekly_km is None:
            text += " (Give your weekly distance for a computed interval.)"
        interval = m_max
    else:
        monthly = runner.weekly_km * WEEKS_PER_MONTH
        interval = min(m_max, float(budget.value) / monthly)
        plan["interval_months"] = round(interval, 1)
        findings.append(
            Finding(
                "weekly_km",
                float(runner.weekly_km),
                "km",
                f"budget {budget.value:g} km",
                budget.source,
                kind="input",
                outcome=f"{interval:.1f} months",
            )
        )
        text = (
            f"Replace about every {interval:.1f} months: {runner.weekly_km:g} km a week spends the assumed "
            f"{budget.value:g} km cushioning budget in {float(budget.value) / monthly:.1f} months"
            + (f", capped at {m_max:g} months." if interval >= m_max else ".")
        )
        if interval < m_min:
            text += f" That is sooner than the usual {m_min:g}-{m_max:g} months because of the high mileage."
    if runner.insole_age_months is not None:
        age = float(runner.insole_age_months)
        findings.append(
            Finding(
                "insole_age_months",
                age,
                "months",
                f"replace at {interval:.1f} months",
                "runner input",
                kind="input",
            )
        )
        remaining = interval - age
        if runner.weekly_km:
            plan["km_used"] = round(age * runner.weekly_km * WEEKS_PER_MONTH)
        if remaining <= 0:
            plan["replace_now"] = True
            text += f" Your insoles are {age:g} months old: replace them now."
        else:
            plan["replace_now"] = False
            due = today + dt.timedelta(days=math.floor(remaining * DAYS_PER_MONTH))
            plan["due_date"] = due.isoformat()
            text += f" Your insoles are {age:g} months old: next replacement due around {due.isoformat()}."
    return text, findings, plan


def build_caveats(
    cls: Classification,
    runner: RunnerProfile,
    th: Thresholds,
    *,
    severe_findings: tuple[Finding, ...] = (),
    today: dt.date,
) -> tuple[list[Item], dict]:
    """The caveat items (always present, in a fixed order) and the replacement plan numbers."""
    items: list[Item] = []
    pain_sev = float(th.value("pain_severe_min"))
    pain_mod = float(th.value("pain_moderate_min"))
    pain = runner.pain_severity
    pain_f = Finding(
        "pain_severity",
        pain,
        "0-10",
        f">= {pain_sev:g} severe, >= {pain_mod:g} moderate",
        th.convention("pain_severe_min").source,
        kind="input",
        outcome=_pain_band(pain, pain_mod, pain_sev),
    )
    if pain is not None and pain >= pain_sev:
        items.append(
            Item(
                "see_professional_first",
                "",
                f"Your back pain is severe ({pain:g}/10). See a doctor or physical therapist before changing "
                "insoles or training; they can find the cause, which insoles cannot.",
                (pain_f,),
                ("professional",),
            )
        )
    items.append(
        Item(
            "not_a_diagnosis",
            "",
            "This is a suggestion from insole measurements, not a diagnosis. Sparse insoles estimate arch and "
            "pronation indirectly.",
            (_always("not_a_diagnosis"),),
            ("always",),
        )
    )
    items.append(
        Item(
            "break_in",
            "",
            "Break new insoles in gradually: short runs first, then build up the distance.",
            (_always("break_in"),),
            ("always",),
        )
    )
    text, rfind, plan = replacement_plan(runner, th, today)
    items.append(Item("replace", "", text, tuple(rfind), ("always",)))
    items.append(
        Item(
            "fit",
            "",
            "They should fit snugly in the shoe without friction or hot spots; trim to size following the "
            "maker's instructions.",
            (_always("fit"),),
            ("always",),
        )
    )
    prof_text = "See a doctor or physical therapist if pain is severe or persistent."
    prof_f: list[Finding] = [_always("professional")]
    if pain is not None:
        prof_f.append(pain_f)
        if pain_mod <= pain < pain_sev:
            prof_text = (
                f"Your back pain is moderate ({pain:g}/10): if it persists or worsens, see a doctor or "
                "physical therapist."
            )
    elif runner.back_pain:
        prof_f.append(Finding("back_pain", True, "", "", "runner input", kind="input", outcome="yes"))
    items.append(Item("professional", "", prof_text, tuple(prof_f), ("always",)))
    if severe_findings:
        items.append(
            Item(
                "custom_orthotics",
                "",
                "Indicators are beyond the severe cut-points: see a podiatrist or orthotist about custom orthotics "
                "made for your feet.",
                (*severe_findings,),
                ("severe",),
            )
        )
    items.append(_form_item(cls, th))
    return items, plan


def _pain_band(pain: float | None, moderate: float, severe: float) -> str:
    if pain is None:
        return "not given"
    if pain >= severe:
        return "severe"
    if pain >= moderate:
        return "moderate"
    return "mild" if pain > 0 else "none"


def _form_item(cls: Classification, th: Thresholds) -> Item:
    low = th.convention("low_cadence_spm")
    inc = th.literature("cadence_increase_frac")
    cadence = cls.indicators.cadence_spm
    base = (
        "Strength (core: planks, bridges, bird-dogs; glutes and hips), mobility (hamstrings, hip flexors, "
        "lower back) and running form matter as much as insoles."
    )
    findings = [_always("strength_mobility_form")]
    if not math.isfinite(cadence):
        return Item(
            "strength_mobility_form",
            "",
            base + " Cadence could not be measured.",
            tuple(findings),
            ("always",),
        )
    lo, hi = inc.value
    is_low = cadence < float(low.value)
    findings.append(
        Finding(
            "cadence_spm",
            cadence,
            "steps/min",
            f"< {low.value:g} steps/min -> low",
            low.source,
            kind="measured",
            outcome="low" if is_low else "not low",
        )
    )
    text = base + f" Your measured cadence is {cadence:.0f} steps/min."
    if is_low:
        findings.append(
            Finding(
                "cadence_increase",
                f"{lo:.0%}-{hi:.0%}",
                "",
                "step-rate increase",
                inc.source,
                kind="derived",
                outcome=f"{cadence * (1 + lo):.0f}-{cadence * (1 + hi):.0f}",
            )
        )
        text += (
            f" That is below {low.value:g} steps/min (a sensorkit convention). Raising it gradually by "
            f"{lo:.0%}-{hi:.0%} (to about {cadence * (1 + lo):.0f}-{cadence * (1 + hi):.0f}) reduced hip and "
            "knee loading in Heiderscheit et al. 2011; try it with a coach or physical therapist."
        )
    return Item("strength_mobility_form", "", text, tuple(findings), ("always",))
