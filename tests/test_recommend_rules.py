"""Recommender rules on indicators built from plain numbers: each METHODS.md rule fires on its case
and not on its neighbours; boundaries, ties and missing inputs are deterministic."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from sensorkit.recommend import Indicators, RunnerProfile, classify, load_thresholds, recommend
from sensorkit.recommend.calibration import balanced_accuracy, confusion_matrix, fit_boundary, fit_cutpoints
from sensorkit.recommend.caveats import replacement_plan

TH = load_thresholds()
TODAY = dt.date(2026, 1, 15)
STRIKE = "rearfoot"
PRON = ("ml_ratio", "midstance_cop_x_pct", "cpei_pct")


def _value(indicator: str, label: str, strike: str = STRIKE, severe: bool = False) -> float:
    """An indicator value well inside ``label``'s band (or beyond the severe cut-point)."""
    cp = TH.cutpoints(indicator, strike)
    width = cp.upper - cp.lower
    if label == cp.classes[1]:
        return 0.5 * (cp.lower + cp.upper)
    if label == cp.classes[0]:
        return cp.severe_lower - 0.1 * width if severe else cp.lower - 0.2 * width
    return cp.severe_upper + 0.1 * width if severe else cp.upper + 0.2 * width


def make(
    arch: str = "normal",
    pronation: str = "neutral",
    *,
    valr: float = 40.0,
    mass: float | None = 70.0,
    exc: float = 25.0,
    severe: bool = False,
    n_steps: int = 40,
    cadence: float = 170.0,
    **extra,
) -> Indicators:
    """Indicators of a runner of the given classes (both sides alike)."""
    values = {
        "arch_indicator": _value("arch_indicator", arch, severe=severe),
        "strike_pattern": STRIKE,
        "strike_share": 1.0,
        "n_steps": n_steps,
        "valr": valr,
        "cop_ml_excursion_pct": exc,
        "contact_time_s": 0.25,
        "stride_time_s": 0.7,
        "loading_rate_method": "impact_peak",
    }
    for name in PRON:
        values[name] = _value(name, pronation, severe=severe)
    values.update(extra)
    return Indicators.from_values(body_mass_kg=mass, cadence_spm=cadence, rate_hz=200.0, **values)


def rec(ind: Indicators, **runner):
    runner.setdefault("body_mass_kg", ind.body_mass_kg)
    return recommend(ind, today=TODAY, **runner)


# --- foot rules -------------------------------------------------------------------------------


def test_high_arch_rule_fires_on_high_arch_and_supination():
    adv = rec(make("high", "supinated"), surface="track")
    assert "high_arch_supination" in adv.rules_fired
    assert (adv.arch_support.choice, adv.cushioning.choice, adv.rigidity.choice) == (
        "neutral/accommodating",
        "soft",
        "flexible",
    )


def test_flat_rule_fires_on_flat_arch_and_pronation():
    adv = rec(make("flat", "pronated"), surface="track")
    assert "flat_pronation" in adv.rules_fired
    assert (adv.arch_support.choice, adv.cushioning.choice, adv.rigidity.choice) == (
        "strong pronation control",
        "dense",
        "semi-rigid",
    )


def test_neutral_rule_fires_on_normal_feet_only():
    adv = rec(make("normal", "neutral"), surface="track")
    assert adv.rules_fired == ["neutral"]
    assert (adv.arch_support.choice, adv.cushioning.choice, adv.rigidity.choice) == (
        "moderate",
        "moderate",
        "semi-rigid",
    )
    for neighbour in (
        ("flat", "neutral"),
        ("normal", "pronated"),
        ("high", "neutral"),
        ("normal", "supinated"),
    ):
        assert "neutral" not in rec(make(*neighbour), surface="track").rules_fired


def test_conflicting_arch_and_pronation_fall_back_to_neutral_and_say_so():
    adv = rec(make("flat", "supinated"), surface="track")
    assert adv.rules_fired[0] == "neutral"
    assert adv.arch_support.choice == "moderate"
    assert any("De Cock" in r for r in adv.low_confidence)
    assert "opposite" in adv.arch_support.statement


@pytest.mark.parametrize(
    ("valr", "mass", "surface", "fires"),
    [
        (80.0, 95.0, "road", True),  # all three factors
        (80.0, 95.0, "trail", True),  # high VALR + heavy
        (80.0, 70.0, "road", True),  # high VALR + hard surface
        (40.0, 95.0, "road", True),  # heavy + hard surface
        (80.0, 70.0, "trail", False),  # one factor each: neighbours
        (40.0, 95.0, "trail", False),
        (40.0, 70.0, "road", False),
        (40.0, 70.0, "trail", False),
    ],
)
def test_high_loading_rule_needs_two_of_three_factors(valr, mass, surface, fires):
    adv = rec(make("normal", "neutral", valr=valr, mass=mass), surface=surface)
    assert ("high_loading" in adv.rules_fired) is fires
    assert (adv.cushioning.choice == "dense") is fires
    assert any(e.choice == "gel heel pad" for e in adv.extras) is (fires or valr > 66)
    if fires:
        assert adv.materials[0].choice == "polyurethane"


def test_high_loading_keeps_soft_cushioning_for_a_light_high_arched_runner_but_adds_gel():
    adv = rec(make("high", "supinated", valr=90.0, mass=60.0), surface="road")
    assert "high_loading" in adv.rules_fired
    assert adv.cushioning.choice == "soft"
    assert "not heavy" in adv.cushioning.statement
    assert any(e.choice == "gel heel pad" for e in adv.extras)
    heavy = rec(make("high", "supinated", valr=90.0, mass=100.0), surface="road")
    assert heavy.cushioning.choice == "moderate"
    assert heavy.rigidity.choice == "semi-rigid"


def test_soft_unstable_rule_fires_only_on_soft_cushioning_with_large_sway():
    limit = TH.calibration["cop_ml_excursion_pct_unstable"]["value"]
    adv = rec(make("high", "supinated", exc=limit + 1.0), surface="track")
    assert "soft_unstable" in adv.rules_fired
    assert adv.cushioning.choice == "moderate"
    assert adv.rigidity.choice == "semi-rigid"
    at_limit = rec(make("high", "supinated", exc=limit), surface="track")  # strictly greater is needed
    assert "soft_unstable" not in at_limit.rules_fired
    not_soft = rec(make("normal", "neutral", exc=limit + 5.0), surface="track")
    assert "soft_unstable" not in not_soft.rules_fired


def test_severe_rule_gives_rigid_support_and_custom_orthotics():
    adv = rec(make("flat", "pronated", severe=True), surface="track")
    assert "severe" in adv.rules_fired
    assert adv.rigidity.choice == "rigid"
    assert adv.materials[0].choice == "carbon fiber" or any(
        m.choice == "carbon fiber" and m.suitable for m in adv.materials
    )
    assert adv.caveat("custom_orthotics") is not None
    mild = rec(make("flat", "pronated"), surface="track")
    assert "severe" not in mild.rules_fired and mild.caveat("custom_orthotics") is None
    high = rec(make("high", "supinated", severe=True), surface="track")
    assert "severe" in high.rules_fired and high.rigidity.choice != "rigid"
    assert high.caveat("custom_orthotics") is not None


# --- boundaries and ties ----------------------------------------------------------------------


def test_arch_cut_points_are_inclusive_and_deterministic():
    cp = TH.cutpoints("arch_indicator", STRIKE)
    for value, label in (
        (cp.upper, "flat"),
        (np.nextafter(cp.upper, -1.0), "normal"),
        (cp.lower, "high"),
        (np.nextafter(cp.lower, 1.0), "normal"),
    ):
        ind = make(arch_indicator=float(value))
        assert classify(ind).arch == label
        assert classify(ind).arch == label  # same answer twice


def test_arch_index_from_area_uses_cavanagh_rodgers_thresholds():
    for value, label in ((0.21, "high"), (0.2101, "normal"), (0.26, "flat"), (0.2599, "normal")):
        call = classify(make(arch_index=value)).overall.arch
        assert call.label == label
        assert call.findings[0].name == "arch_index"
        assert "Cavanagh" in call.findings[0].source


def test_valr_boundary_is_strictly_above_66_bw_s():
    assert classify(make(valr=66.0)).impact.label == "typical"
    assert classify(make(valr=66.0001)).impact.label == "high"
    assert "Davis" in classify(make(valr=70.0)).impact.findings[0].source


def test_heavy_boundary_and_cadence_boundary():
    at = rec(make(valr=40.0, mass=90.0), surface="road")
    below = rec(make(valr=40.0, mass=89.99), surface="road")
    assert "high_loading" in at.rules_fired and "high_loading" not in below.rules_fired
    form = rec(make(cadence=160.0)).caveat("strength_mobility_form")
    assert "below" not in form.statement
    low = rec(make(cadence=150.0)).caveat("strength_mobility_form")
    assert "below 160" in low.statement and "Heiderscheit" in low.statement
    assert "158-165" in low.statement  # 150 x 1.05 .. 1.10


def test_pronation_vote_tie_goes_to_the_ml_ratio():
    ind = make(
        ml_ratio=_value("ml_ratio", "pronated"),
        midstance_cop_x_pct=_value("midstance_cop_x_pct", "neutral"),
        cpei_pct=float("nan"),
    )
    call = classify(ind).overall.pronation
    assert call.label == "pronated"
    assert any("partly disagree" in n for n in call.notes)


def test_opposite_pronation_votes_are_inconclusive_not_guessed():
    ind = make(
        ml_ratio=_value("ml_ratio", "pronated"),
        midstance_cop_x_pct=_value("midstance_cop_x_pct", "supinated"),
    )
    c = classify(ind)
    assert c.pronation == "inconclusive"
    adv = rec(ind)
    assert adv.confidence == "low"


def test_material_ranking_is_deterministic():
    a = rec(make("normal", "neutral"), surface="track").to_dict()
    b = rec(make("normal", "neutral"), surface="track").to_dict()
    assert a == b
    ranks = [m["choice"] for m in a["materials"]]
    assert sorted(ranks) == sorted(["EVA", "polyurethane", "gel", "carbon fiber"])
    assert ranks[0] == "EVA"


# --- missing inputs and confidence ------------------------------------------------------------


def test_unknown_mass_gives_no_impact_category_and_says_so():
    ind = make(mass=None, valr=2000.0)  # N/s
    adv = recommend(ind, today=TODAY)
    assert adv.classification.impact.label == "unknown"
    assert any("body mass" in r for r in adv.low_confidence)
    assert adv.runner.body_mass_kg is None
    # The runner's mass converts N/s to BW/s: 2000 / (50 x 9.81) = 4.1 BW/s.
    with_mass = recommend(ind, body_mass_kg=50.0, today=TODAY)
    assert with_mass.classification.impact.label == "typical"


def test_no_indicators_degrade_to_the_neutral_default_with_a_finding():
    ind = Indicators.from_values(n_steps=0, body_mass_kg=70.0)
    adv = recommend(ind, today=TODAY)
    assert adv.classification.arch == "unknown"
    assert adv.arch_support.choice == "moderate"
    assert adv.arch_support.findings[0].name == "foot_indicators"
    assert adv.confidence == "low"
    assert any("valid steps" in r for r in adv.low_confidence)
    json.dumps(adv.to_dict(), allow_nan=False)
    str(adv)


def test_few_steps_and_gaps_lower_confidence():
    few = rec(make(n_steps=5))
    assert any("only 5 valid steps" in r for r in few.low_confidence)
    gaps = rec(make(n_steps=40, n_excluded=20))
    assert any("data gaps" in r for r in gaps.low_confidence)
    assert rec(make()).low_confidence == []


def test_unknown_strike_uses_pooled_cut_points_or_says_unknown():
    c = classify(make(strike_pattern="unknown", strike_share=float("nan")))
    # The pooled arch cut-point is unusable (strike matters), so arch is unknown, not guessed.
    assert c.arch == "unknown"
    assert any("strike pattern unknown" in r for r in c.low_confidence)


def test_missing_runner_inputs_are_noted_not_guessed():
    adv = recommend(make(), today=TODAY)
    assert any("surface not given" in n for n in adv.notes)
    assert "6-12 months" in adv.caveat("replace").statement
    assert adv.replacement["interval_months"] is None


# --- caveats ----------------------------------------------------------------------------------

ALWAYS = ("not_a_diagnosis", "break_in", "replace", "fit", "professional", "strength_mobility_form")


@pytest.mark.parametrize("foot", [("flat", "pronated"), ("normal", "neutral"), ("high", "supinated")])
@pytest.mark.parametrize("pain", [None, 0, 3, 6.9, 7, 10])
def test_caveats_always_present_and_severe_pain_sends_to_a_professional(foot, pain):
    adv = rec(make(*foot), pain_severity=pain)
    topics = [c.topic for c in adv.caveats]
    for topic in ALWAYS:
        assert topic in topics
    first = adv.caveat("see_professional_first")
    if pain is not None and pain >= 7:
        assert first is not None and topics[0] == "see_professional_first"
        assert "doctor or physical therapist" in first.statement
        assert "see a doctor" in str(adv).lower()
    else:
        assert first is None
    assert "doctor or physical therapist" in adv.caveat("professional").statement


@pytest.mark.parametrize(
    ("weekly_km", "age", "interval", "now"),
    [(40.0, 3.0, 4.6, False), (40.0, 5.0, 4.6, True), (10.0, 2.0, 12.0, False), (25.0, None, 7.4, None)],
)
def test_replacement_interval_from_weekly_distance_and_age(weekly_km, age, interval, now):
    text, findings, plan = replacement_plan(
        RunnerProfile(weekly_km=weekly_km, insole_age_months=age), TH, TODAY
    )
    assert plan["interval_months"] == pytest.approx(interval, abs=0.05)
    assert plan["replace_now"] is now
    if now is False:
        due = dt.date.fromisoformat(plan["due_date"])
        assert due > TODAY
        assert abs((due - TODAY).days - (interval - age) * 30.44) <= 2
    if now:
        assert "replace them now" in text
    assert any(f.name == "weekly_km" for f in findings)


# --- traceability and output ------------------------------------------------------------------


@pytest.mark.parametrize(
    "ind",
    [
        make("flat", "pronated", valr=90.0, mass=100.0),
        make("high", "supinated", severe=True),
        make("flat", "supinated"),
    ],
)
def test_every_statement_lists_its_findings_with_sources(ind):
    adv = rec(ind, surface="road", weekly_km=30, pain_severity=5, insole_age_months=4)
    card = str(adv)
    for item in adv.items():
        assert item.findings, item.topic
        for f in item.findings:
            assert f.source, (item.topic, f.name)
        first_words = item.statement.split(".")[0][:30]
        assert " ".join(first_words.split()[:3]) in " ".join(card.split())
    d = adv.to_dict()
    json.dumps(d, allow_nan=False)
    for key in ("arch_support", "cushioning", "rigidity"):
        assert d[key]["findings"]
    assert all(m["findings"] for m in d["materials"])
    assert all(c["findings"] for c in d["caveats"])


def test_repr_is_short_and_card_has_sources():
    adv = rec(make("flat", "pronated"), surface="road")
    r = repr(adv)
    assert r.startswith("<Recommendation") and "\n" not in r and len(r) < 200
    card = str(adv)
    assert "Sources:" in card and "[1]" in card
    assert all(len(line) <= 96 for line in card.splitlines())
    assert all(len(line) <= 60 for line in adv.card(width=60).splitlines())


def test_runner_profile_validates_inputs():
    with pytest.raises(ValueError, match="surface"):
        RunnerProfile(surface="sand")
    with pytest.raises(ValueError, match="0-10"):
        RunnerProfile(pain_severity=11)
    with pytest.raises(ValueError, match="kg"):
        RunnerProfile(body_mass_kg=700)
    assert RunnerProfile(pain_severity=3).back_pain is True


# --- thresholds as data and calibration helpers -----------------------------------------------


def test_thresholds_carry_sources_and_calibration_provenance():
    doc = TH.to_dict()
    for block in ("literature", "conventions"):
        for name, entry in doc[block].items():
            assert entry["source"], name
            assert "unit" in entry, name
    prov = doc["calibrated"]["provenance"]
    assert "benchmarks/recommend_cohort.py" in prov["command"]
    dt.date.fromisoformat(prov["date"])
    assert doc["calibrated"]["layout"] == "ref16"
    assert TH.value("valr_high_bw_s") == 66.0
    for strike in ("rearfoot", "midfoot", "forefoot"):
        cp = TH.cutpoints("arch_indicator", strike)
        assert cp.severe_lower < cp.lower < cp.upper < cp.severe_upper


def test_fit_boundary_places_the_cut_mid_gap_and_scores():
    t, ba = fit_boundary(np.array([1.0, 2.0, 3.0]), np.array([5.0, 6.0]))
    assert (t, ba) == (4.0, 1.0)
    cp = fit_cutpoints(
        np.array([0.0, 1, 5, 6, 10, 11]), np.array(["a", "a", "b", "b", "c", "c"]), ("a", "b", "c")
    )
    assert cp["lower"] == 3.0 and cp["upper"] == 8.0
    assert fit_cutpoints(np.array([0.0, 0, 0]), np.array(["a", "b", "c"]), ("a", "b", "c")) is None
    cm = confusion_matrix(["a", "b", "b"], ["a", "b", "unknown"], ("a", "b"))
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1]]
    assert math.isclose(balanced_accuracy(["a", "b", "b"], ["a", "b", "unknown"], ("a", "b")), 0.75)
