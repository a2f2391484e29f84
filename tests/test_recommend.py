"""The recommender gives advice only where the recording supports it, for the activity it shows,
with the measured numbers, evidence grade and real citations behind each item."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import PHYSIONET_MASS_KG

import sensorkit as sk
from sensorkit.calibrate import Calibration, apply_calibration
from sensorkit.cli import main
from sensorkit.layout import builtin_layouts, load_layout
from sensorkit.recommend import GRADES, uniform_baseline
from sensorkit.recommend.baseline import layout_coverage
from sensorkit.recommend.rules import mean_interval
from sensorkit.report.recommendation import make_recommendation, recommendation_html
from sensorkit.simulate.raw import simulate_raw

TODAY = dt.date(2026, 1, 15)
FOOT_TYPE_WORDS = re.compile(r"flat[- ]?f|high arch|low arch|pronat|supinat|cavus|planus", re.I)


def _said(adv) -> str:
    """Everything the recommendation states (not the reference list)."""
    parts = [a.statement for a in adv.items()] + [s.reason for s in adv.suppressed] + adv.notes
    return "\n".join([*parts, adv.no_advice_reason])


def _all_text(adv) -> str:
    return json.dumps(adv.to_dict(), allow_nan=False) + "\n" + str(adv) + "\n" + adv.html()


@pytest.fixture(scope="module")
def walks(physionet_files):
    out = {}
    for f in physionet_files:
        rec = sk.read(f, body_mass_kg=PHYSIONET_MASS_KG[f.stem])
        out[f.stem] = (rec, sk.analyze(rec))
    return out


@pytest.fixture(scope="module")
def run500():
    rec = sk.simulate(duration_s=30, seed=1, rate_hz=500, body_mass_kg=70)
    return rec, sk.analyze(rec)


# --- the three PhysioNet walks --------------------------------------------------------------


@pytest.mark.parametrize("name", ["GaCo01_01", "GaCo03_01", "GaCo04_02"])
def test_physionet_walks_get_walking_advice_only_no_referral_no_severe(walks, name):
    rec, res = walks[name]
    adv = sk.recommend(res, recording=rec, today=TODAY)
    assert adv.activity == "walking"
    assert all(a.activity in ("walking", "any") for a in adv.items())
    assert adv.get("loading_rate") is None and "walking" in adv.why_not("loading_rate")
    assert adv.get("cadence") is None and "walking" in adv.why_not("cadence")
    # "severe" appears only in the guide's condition for seeing a professional, never about a measurement
    said = [a.to_dict() for a in adv.items() if a.topic != "professional"]
    said = json.dumps([{k: v for k, v in a.items() if k != "citations"} for a in said])
    said += json.dumps([s.to_dict() for s in adv.suppressed]) + json.dumps(adv.notes)
    assert "severe" not in said.lower()
    assert adv.get("professional").statement.startswith(
        "See a doctor or physical therapist if pain is severe"
    )
    text = _all_text(adv).lower()
    assert "custom orthotic" not in text and "podiatrist" not in text
    # runners appear only where a walking item names the limit of evidence from runners
    assert "runner" not in _said(adv).lower().replace("lighter runners", "").replace("studies of runners", "")
    cushioning = adv.get("cushioning")
    assert "comes from studies of runners; it has not been tested on walkers" in cushioning.statement
    assert adv.get("professional").basis == "guide"  # nothing measured sends anyone to a professional
    assert not FOOT_TYPE_WORDS.search(_said(adv))
    assert "arch_type" not in json.dumps(adv.to_dict()) and "foot_type" not in json.dumps(adv.to_dict())


def test_referral_comes_from_reported_pain_never_from_measurements(walks):
    rec, res = walks["GaCo01_01"]
    quiet = sk.recommend(res, recording=rec)
    assert quiet.get("professional").title == "When to see a professional"
    for kwargs in ({"pain_severity": 8}, {"pain_weeks": 10}, {"other_symptoms": True}):
        adv = sk.recommend(res, recording=rec, **kwargs)
        ref = adv.get("professional")
        assert ref.title == "See a professional first" and ref.basis == "stated"
        assert ref.statement.endswith("They can find the cause, which insoles cannot.") and ref.inputs
        assert str(adv).splitlines()[1].startswith("!! See a doctor")
        # "see a doctor before changing insoles" came with insole advice (a clinician's review);
        # the custom-orthotics clause ran against the back-pain reviews the card cites
        assert "orthotics" not in str(adv)
        assert not [a for a in adv.advice if a.kind == "advice"]
        held = {s.topic: s.reason for s in adv.suppressed}
        assert {"cushioning", "material"} <= set(held) and "see a professional" in held["cushioning"]
        # and no self-directed care or back exercises before that assessment (a second review)
        assert {"break_in", "fit", "replace", "strength_mobility_form"} <= set(held)
        assert {c.topic for c in adv.caveats} <= {"professional", "back_pain"}
        assert adv.to_dict()["replacement"] in ({}, None)  # no replacement plan either
        assert adv.get("foot_loading") is not None  # what was measured is still described
    stated = sk.recommend(res, recording=rec, arch="low", arch_source="clinician")
    assert "pronation" not in stated.get("arch_support").statement  # no pronation claims (Nielsen 2014)
    mild = sk.recommend(res, recording=rec, pain_severity=3, pain_weeks=2)
    assert mild.get("professional").title == "When to see a professional"


# --- foot loading: described against the layout's uniform load, never a foot type -----------


def test_uniform_baseline_matches_the_issue_figures():
    ref, phy = uniform_baseline(load_layout("ref16")), uniform_baseline(load_layout("physionet8"))
    assert ref.arch_indicator == pytest.approx(4 / 13) and ref.ml_ratio == pytest.approx(-1 / 3)
    assert phy.arch_indicator == pytest.approx(2 / 7) and phy.ml_ratio == 0.0


def _uniform_walk(layout, value: float, duration_s: float = 24.0, rate_hz: float = 100.0):
    """Both insoles, every sensor the same value (N or kPa) times a half-sine per stance; walking timing."""
    t = np.arange(round(duration_s * rate_hz)) / rate_hz
    stride, contact = 1.1, 0.68
    out = {}
    for side, first in (("left", 0.3), ("right", 0.3 + stride / 2)):
        phase = (t - first) % stride
        shape = np.where((t >= first) & (phase < contact), np.sin(np.pi * phase / contact), 0.0)
        out[side] = (shape[:, None] * np.full(layout.n_sensors, value)).astype(np.float32)
    return sk.Recording.from_arrays(
        t, out["left"], out["right"], layout=layout, body_mass_kg=70.0, rate_hz=rate_hz
    )


@pytest.mark.parametrize("name", builtin_layouts())
def test_uniform_load_on_each_builtin_layout_gives_no_foot_type_label(name):
    layout = load_layout(name)
    rec = _uniform_walk(layout, 40.0 if layout.value_kind == "force" else 150.0)
    res = sk.analyze(rec)
    base = uniform_baseline(layout)
    steady = res.steps[res.steps["steady_state"]]
    assert len(steady) >= 20
    # known answer: the analysis' indicators under a uniform load are the layout's baseline
    assert np.allclose(steady["arch_indicator"], base.arch_indicator, rtol=1e-5)
    assert np.allclose(steady["ml_ratio"], base.ml_ratio, atol=1e-5)
    adv = sk.recommend(res, recording=rec)
    loading = adv.get("foot_loading")
    assert loading is not None and loading.kind == "description"
    assert loading.statement.count("not distinguishable from") == 2  # midfoot share and ML ratio
    assert not FOOT_TYPE_WORDS.search(_said(adv))
    assert "arch_type" not in json.dumps(adv.to_dict()) and "foot_type" not in json.dumps(adv.to_dict())
    assert adv.why_not("arch_support").startswith("no arch type stated")


def test_foot_loading_statistic_is_the_summary_mean(walks):
    rec, res = walks["GaCo03_01"]
    adv = sk.recommend(res, recording=rec)
    m = {x.key: x for x in adv.get("foot_loading").measured}
    assert m["arch_indicator"].value == pytest.approx(res.summary.loc["arch_indicator", "both"], rel=1e-9)
    assert m["ml_ratio"].value == pytest.approx(res.summary.loc["ml_ratio", "both"], rel=1e-9)


def test_mean_interval_contains_the_mean_and_collapses_on_constant_values():
    mean, lo, hi = mean_interval(np.array([1.0, 2.0, 3.0, 4.0, np.nan]))
    assert mean == 2.5 and lo < mean < hi
    assert mean_interval(np.full(10, 0.3)) == pytest.approx((0.3, 0.3, 0.3))


def test_layout_without_midfoot_sensors_suppresses_the_foot_loading_description():
    base = load_layout("ref16")
    no_mid = dataclasses.replace(
        base, name="ref16-no-midfoot", region=tuple("forefoot" if r == "midfoot" else r for r in base.region)
    )
    assert not layout_coverage(no_mid).midfoot
    sim = sk.simulate(duration_s=20, seed=3, speed_mps=1.3)
    rec = sk.Recording.from_arrays(
        sim.time, sim.left, sim.right, layout=no_mid, body_mass_kg=70.0, rate_hz=100.0
    )
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    assert adv.get("foot_loading") is None
    assert "no midfoot sensor" in adv.why_not("foot_loading")


# --- gates ------------------------------------------------------------------------------------


def _zeros(duration_s=10.0, rate_hz=100.0):
    t = np.arange(round(duration_s * rate_hz)) / rate_hz
    z = np.zeros((t.size, 16), np.float32)
    return sk.Recording.from_arrays(t, z, z.copy(), layout=load_layout("ref16"), rate_hz=rate_hz)


def test_zero_valid_steps_gives_no_advice_and_one_clear_sentence():
    rec = _zeros()
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    assert adv.activity == "none" and adv.advice == [] and adv.caveats == [] and adv.suppressed == []
    reason = adv.no_advice_reason
    assert reason.startswith("No advice") and reason.count(". ") == 0 and reason.endswith(".")
    assert "left 0, right 0" in reason and reason in " ".join(str(adv).split())
    # a reported severe pain still gets its referral
    pain = sk.recommend(sk.analyze(rec), recording=rec, pain_severity=9)
    assert [c.topic for c in pain.caveats] == ["professional"] and pain.advice == []


def test_few_steps_withhold_measured_items_and_say_why():
    rec = sk.simulate(duration_s=2.0, seed=1, rate_hz=500)
    res = sk.analyze(rec)
    adv = sk.recommend(res, recording=rec)
    assert adv.activity == "running"
    for topic in ("foot_loading", "cadence"):
        assert adv.get(topic) is None
        assert adv.why_not(topic).startswith("not enough steps")
        assert f"at least {res.params.min_steps_asymmetry} per side" in adv.why_not(topic)


def test_100_hz_running_has_no_loading_rate_advice_and_says_the_rate_is_too_slow():
    rec = sk.simulate(duration_s=20, seed=1, rate_hz=100)
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    assert adv.get("loading_rate") is None
    assert adv.why_not("loading_rate").startswith("100 Hz is too slow for loading rate")


def test_unknown_body_mass_withholds_the_bw_comparison():
    sim = sk.simulate(duration_s=20, seed=1, rate_hz=500)
    rec = sk.Recording.from_arrays(sim.time, sim.left, sim.right, layout=sim.layout, rate_hz=500.0)
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    assert "body mass unknown" in adv.why_not("loading_rate")
    assert "give the body mass (--mass KG, or body_mass_kg=)" in adv.why_not("loading_rate")  # how


def test_uncalibrated_raw_counts_withhold_loading_and_foot_loading():
    sim = sk.simulate(duration_s=20, seed=2, rate_hz=500)
    raw = simulate_raw(sim, seed=1)
    nominal = apply_calibration(Calibration.nominal(), raw.time_s, raw.left, raw.right, body_mass_kg=70.0)
    adv = sk.recommend(sk.analyze(nominal), recording=nominal)
    for topic in ("loading_rate", "foot_loading", "asymmetry"):
        assert "uncalibrated" in adv.why_not(topic)
    assert any("nominal calibration" in n for n in adv.notes)


def test_walking_steps_in_a_running_recording_are_not_used_and_said_so():
    run = sk.simulate(duration_s=20, seed=4, rate_hz=200)
    walk = sk.simulate(duration_s=10, seed=4, rate_hz=200, speed_mps=1.3)
    pause = np.zeros((800, 16), np.float32)  # 4 s off the insoles: a new bout
    t = np.arange(run.time.size + pause.shape[0] + walk.time.size) / 200.0
    rec = sk.Recording.from_arrays(
        t,
        np.vstack([run.left, pause, walk.left]),
        np.vstack([run.right, pause, walk.right]),
        layout=run.layout,
        body_mass_kg=70.0,
        rate_hz=200.0,
    )
    res = sk.analyze(rec)
    adv = sk.recommend(res, recording=rec)
    assert adv.activity == "running"
    assert "walking steady-state steps were not used" in adv.why_not("other_activity")


# --- running, standing -------------------------------------------------------------------------


def test_running_advice_reports_the_summary_statistic_and_ignores_body_mass(run500):
    rec, res = run500
    adv = sk.recommend(res, recording=rec, today=TODAY)
    assert adv.activity == "running"
    lr = adv.get("loading_rate")
    (valr,) = lr.measured
    assert valr.value == pytest.approx(res.summary.loc["valr_bw_s", "both"], rel=1e-12)
    assert valr.unit == "BW/s" and "reliable VALR" in valr.statistic
    assert lr.grade == "observational" and {c.key for c in lr.citations} >= {"davis2016"}
    light = sk.recommend(res, recording=rec, body_mass_kg=55.0).get("cushioning")
    heavy = sk.recommend(res, recording=rec, body_mass_kg=110.0).get("cushioning")
    assert light.statement == heavy.statement and "malisoux2020" in {c.key for c in heavy.citations}
    assert "denser foam" in heavy.statement and "no reason" in heavy.statement


def test_low_running_cadence_suggests_a_gradual_increase_with_its_source():
    rec = sk.simulate(duration_s=30, seed=3, rate_hz=200, cadence_spm=150)
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    cad = adv.get("cadence")
    lo, hi = (int(v) for v in re.search(r"to about (\d+)-(\d+)", cad.statement).groups())
    assert (lo, hi) == (round(cad.measured[0].value * 1.05), round(cad.measured[0].value * 1.10))
    assert cad.kind == "advice" and cad.citations[0].key == "heiderscheit2011"


def _standing(duration_s=20.0, rate_hz=100.0, left_share=0.6):
    """Off the insoles 2 s, standing still (left carries left_share of 700 N), off again 2 s."""
    layout = load_layout("ref16")
    t = np.arange(round(duration_s * rate_hz)) / rate_hz
    on = ((t >= 2.0) & (t < duration_s - 2.0)).astype(np.float64)
    rng = np.random.default_rng(1)
    per_sensor = {"left": 700.0 * left_share / 16, "right": 700.0 * (1 - left_share) / 16}
    vals = {
        s: (on[:, None] * per_sensor[s] + rng.normal(0, 0.2, (t.size, 16))).clip(0).astype(np.float32)
        for s in ("left", "right")
    }
    return sk.Recording.from_arrays(
        t, vals["left"], vals["right"], layout=layout, body_mass_kg=70.0, rate_hz=rate_hz
    )


def test_standing_recording_gets_standing_text_and_says_no_insole_choice_follows():
    rec = _standing()
    res = sk.analyze(rec)
    assert res.standing is not None and len(res.standing)
    adv = sk.recommend(res, recording=rec)
    assert adv.activity == "standing"
    (st,) = adv.advice  # a description only: no insole choice from standing load
    assert st.topic == "standing" and st.kind == "description"
    assert st.measured[0].value == pytest.approx(60.0, abs=1.0)
    assert "no insole choice is made" in st.statement
    assert adv.get("break_in") is not None
    assert adv.why_not("loading_rate").startswith("standing only: no steps")
    stated = sk.recommend(res, recording=rec, arch="neutral", arch_source="clinician")
    assert stated.get("arch_support").activity == "standing" and stated.get("arch_support").basis == "stated"


# --- evidence in to_dict ------------------------------------------------------------------------


def test_every_item_carries_grade_real_citations_and_its_numbers(run500, walks):
    for rec, res in (run500, walks["GaCo04_02"]):
        adv = sk.recommend(
            res, recording=rec, arch="low", arch_source="wet-footprint test", pain_severity=5, weekly_km=20
        )
        d = adv.to_dict()
        json.dumps(d, allow_nan=False)
        for item in d["advice"] + d["caveats"]:
            assert item["evidence_grade"] in GRADES
            assert item["citations"]
            for c in item["citations"]:
                assert c["authors"] and c["title"] and c["journal"]
                assert "sensorkit" not in (c["authors"] + c["title"] + c["journal"]).lower()
                assert "docs/methods" not in c["journal"] and "$" not in c["journal"]
                assert c["grade"] == "guide" or isinstance(c["year"], int)
            if item["basis"].startswith("measured"):
                assert item["measured"] and all(
                    m["unit"] is not None and m["statistic"] for m in item["measured"]
                )


def test_stated_arch_is_used_and_the_card_says_so(run500):
    rec, res = run500
    adv = sk.recommend(res, recording=rec, arch="low", arch_source="wet-footprint test")
    arch = adv.get("arch_support")
    assert arch.basis == "stated" and arch.inputs == {"arch": "low", "arch_source": "wet-footprint test"}
    assert "wet-footprint test" in arch.statement and "was not used to decide this" in arch.statement
    assert {"knapik2014", "nielsen2014"} <= {c.key for c in arch.citations}
    with pytest.raises(ValueError, match="arch must be one of"):
        sk.recommend(res, arch="flat")


def test_back_pain_statement_cites_the_reviews(walks):
    rec, res = walks["GaCo01_01"]
    bp = sk.recommend(res, recording=rec, pain_severity=5).get("back_pain")
    assert bp.grade == "systematic review" and {c.key for c in bp.citations} == {"sahar2007", "chuter2014"}
    assert "do not prevent back pain" in bp.statement


def test_replacement_interval_from_weekly_distance_and_age():
    rec = _standing()
    adv = sk.recommend(sk.analyze(rec), weekly_km=40, insole_age_months=2, today=TODAY)
    # 800 km / (40 km x 52/12 weeks) = 4.615 months; 2.615 months = 79.6 days left
    assert adv.replacement["interval_months"] == 4.6 and adv.replacement["due_date"] == "2026-04-04"


# --- the card in the report -------------------------------------------------------------------


def test_report_card_is_html_with_human_names_units_and_the_guides_caveats(run500):
    _rec, res = run500
    block = make_recommendation(res)
    assert block.status == "ok" and block.html.startswith('<section class="sk-card">')
    page = recommendation_html(block)
    assert page == block.html and "<pre" not in page
    assert "Average vertical loading rate (VALR)" in page and "BW/s" in page and "<table>" in page
    assert "valr_bw_s" not in page and "sensorkit recommend" not in page
    for words in (
        "Break in gradually",
        "Fit",
        "every 6-12 months",
        "Strength",
        "doctor or physical therapist",
    ):
        assert words in page
    assert re.search(r"mean of \d+ steady-state running steps", page)


def test_report_card_escapes_user_text():
    block = make_recommendation(sk.analyze(_zeros()))
    assert block.status == "ok"
    from sensorkit.report.recommendation import RecommendationBlock

    assert "&lt;b&gt;" in recommendation_html(RecommendationBlock("error", "<b>boom</b>"))


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_recommend_on_a_walk_prints_walking_advice(physionet_files, capsys):
    assert (
        main(
            [
                "recommend",
                str(physionet_files[0]),
                "--mass",
                "83",
                "--arch",
                "high",
                "--arch-from",
                "clinician",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Insole advice for walking" in out and "You stated a high arch" in out
    assert main(["recommend", str(physionet_files[0]), "--json", "--pain", "8", "--pain-weeks", "8"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["activity"] == "walking" and data["caveats"][0]["title"] == "See a professional first"


def test_cli_recommend_rejects_pain_outside_the_scale(physionet_files):
    with pytest.raises(SystemExit):
        main(["recommend", str(physionet_files[0]), "--pain", "11"])


def test_the_pain_option_is_named_and_described_as_back_pain(physionet_files, capsys):
    """README and --help said `--pain 0-10` while the card took it as back pain ("You report back
    pain."): a knee or foot pain given there was read as back pain."""
    with pytest.raises(SystemExit):
        main(["recommend", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--back-pain 0-10, --pain 0-10 how bad your back pain is, 0 (none) to 10 (worst)" in help_text
    assert "Back pain only: knee, foot or other pain is not asked about" in help_text
    assert "--pain-weeks N how many weeks the back pain has lasted" in help_text
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `sensorkit recommend"))
    assert "--back-pain 0-10" in row and "--pain 0-10" not in row and "back-pain severity" in row
    for flag in ("--back-pain", "--pain"):  # one option, two spellings
        assert main(["recommend", str(physionet_files[0]), "--json", flag, "3"]) == 0
        data = json.loads(capsys.readouterr().out)
        (item,) = [c for c in data["caveats"] if c["topic"] == "back_pain"]
        assert item["statement"].startswith("You report back pain.")


# --- the simulator's cohorts: agreement with its truth, an upper bound ---------------------------


def test_simulated_foot_types_separate_by_loading_pattern_as_an_upper_bound():
    from sensorkit.recommend.agreement import concordance

    rows = []
    for strike in ("rearfoot", "forefoot"):
        for i, ft in enumerate(("high", "normal", "flat")):
            for seed in range(3):
                rec = sk.simulate(
                    duration_s=10,
                    seed=10 * i + seed,
                    foot_type=ft,
                    strike=strike,
                    noise=1.0,
                    rate_hz=200,
                    speed_mps=2.5 + seed,
                    body_mass_kg=55 + 20 * seed,
                )
                res = sk.analyze(rec)
                adv = sk.recommend(res, recording=rec)
                assert not FOOT_TYPE_WORDS.search(_said(adv))  # described, never labelled
                m = {x.key: x.value for x in adv.get("foot_loading").measured}
                rows.append((strike, ft, m["arch_indicator"], m["ml_ratio"]))
    order = ("high", "normal", "flat")
    agree = {}
    for strike in ("rearfoot", "forefoot", "pooled"):
        part = [r for r in rows if strike == "pooled" or r[0] == strike]
        agree[strike] = tuple(concordance([r[k] for r in part], [r[1] for r in part], order) for k in (2, 3))
    print("\nconcordance with the simulator's foot type (midfoot share, ML ratio):", agree)
    for strike in ("rearfoot", "forefoot"):
        assert min(agree[strike]) >= 0.9
    # pooled over strike patterns the midfoot share separates less: forefoot strikers load the midfoot less
    assert agree["pooled"][0] < agree["rearfoot"][0]


def test_cli_recommend_on_running_and_standing_recordings(tmp_path, capsys):
    run, stand = tmp_path / "run.csv", tmp_path / "stand.csv"
    sk.write(sk.simulate(duration_s=20, seed=1, rate_hz=500), run)
    sk.write(_standing(), stand)
    assert main(["recommend", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Insole advice for running" in out and "Impact loading" in out
    assert main(["recommend", str(stand), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["activity"] == "standing" and [a["topic"] for a in data["advice"]] == ["standing"]
    assert main(["recommend", str(stand)]) == 0
    assert "no insole choice is made" in " ".join(capsys.readouterr().out.replace("│", " ").split())


def test_asymmetry_advice_names_each_force_once_in_words_with_its_unit():
    # real walk (PhysioNet GaCo01): second-peak SI -11.6 % [-12.5, -10.7], beyond the 10 % limit;
    # the same force in N and in BW has one symmetry index, so it is one item, not two
    walk = sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt", body_mass_kg=83)
    adv = sk.recommend(walk)
    items = [a for a in adv.to_dict()["advice"] if a["topic"] == "asymmetry"]
    assert len(items) == 1
    # one quantity throughout: the signed symmetry index and its interval (never "% larger" next to it)
    assert items[0]["statement"].startswith(
        "second peak (BW): larger on the right side, symmetry index -11.6 % (95 % interval -12.5 to -10.7 %, "
        "beyond the +/-10 % limit; + = left larger)."
    )
    # a healthy control: a difference between the two insoles' sensors looks the same
    assert "are calibrated alike" in items[0]["statement"]


def test_the_consumer_guide_is_cited_as_what_it_is():
    from sensorkit.recommend.evidence import CITATIONS

    # (no path outside the repository: a reader of the report could not open it)
    assert CITATIONS["guide"].text() == (
        "Unsigned consumer article (n.d.). Insoles for back pain running. Web article, no author, date or "
        "publisher given."
    )


def test_the_calibration_note_of_a_vendor_export_does_not_claim_the_device_recorded_kpa():
    """Moticon exports N/cm², read as kPa: the note said "values recorded in kPa by the device"."""
    rec = sk.read(Path(__file__).parent / "data" / "moticon-opengo" / "230927_102114.txt")
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    note = "values in kPa as the file gives them (calibrated by the device or its software, not by sensorkit)"
    assert note in adv.notes
    assert not any("recorded in" in n for n in adv.notes)
    # F-Scan's header records a walk calibration the user made in Tekscan's software: "calibrated
    # by the device's maker" was wrong for it
    fscan = sk.read(Path(__file__).parent / "data" / "pressure-mats" / "fscan_testL.asf")
    notes = sk.recommend(sk.analyze(fscan), recording=fscan).notes
    assert not any("maker" in n for n in notes) and any("not by sensorkit" in n for n in notes)


def test_one_insole_is_named_as_the_reason_not_a_count_of_zero_steps():
    """F-Scan (left insole only) said "not enough valid steps: left 2, right 0", as if the right
    foot had been recorded and had no steps."""
    rec = sk.read(Path(__file__).parent / "data" / "pressure-mats" / "fscan_testL.asf")
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    why = adv.why_not("asymmetry")
    assert why == "only the left insole was recorded; this needs at least 5 steady-state steps of each foot"


def test_card_wording_a_patient_reads_right():
    """A clinician's review: "Left-right difference (right)" can read as "(correct)"; "replace
    them now" came from an assumed 800 km convention; the largest cushioning trial tested shoe
    midsoles, not insoles."""
    from types import SimpleNamespace

    from sensorkit.recommend.card import _side_label

    assert _side_label(SimpleNamespace(topic="asymmetry", side="right")) == " (larger on the right)"
    assert _side_label(SimpleNamespace(topic="cushioning", side="left")) == " (left foot)"
    assert _side_label(SimpleNamespace(topic="asymmetry", side="both")) == ""
    rec = sk.simulate(duration_s=20, seed=1, rate_hz=500)
    adv = sk.recommend(sk.analyze(rec), recording=rec, weekly_km=60, insole_age_months=14)
    text = adv.get("replace").statement
    assert text.endswith("Your insoles are 14 months old: consider replacing them.") and "now" not in text
    assert "shoes, not insoles" in adv.get("cushioning").statement


def _asymmetry_items(path: str) -> dict[str, dict]:
    """The asymmetry advice of a recording, by the metric each item measured."""
    rec = sk.read(path)
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    return {a["measured"][0]["key"]: a for a in adv.to_dict()["advice"] if a["topic"] == "asymmetry"}


def test_each_asymmetry_flag_cites_its_sources_only_for_what_they_say():
    """Temporal flags (3-5 % limits) cited Sadeghi et al. 2000 for "healthy adults are symmetric
    in time within a few percent": the review finds healthy gait naturally asymmetric and gives
    no bound. The limits are sensorkit's choice; Patterson et al. 2008's normative range is cited
    for what it is."""
    from sensorkit.recommend.evidence import CITATIONS

    items = _asymmetry_items("tests/data/pressure-mats/pedar_example.asc")
    for key in ("contact_time_s", "swing_time_s"):
        assert [c["key"] for c in items[key]["citations"]] == ["sadeghi2000", "patterson2008"]
        statement = items[key]["statement"]
        assert "sensorkit's own choice, not a published bound" in statement
        assert "few percent" not in statement and "0.9-1.1 in 24 healthy controls" in statement
    sadeghi, patterson = CITATIONS["sadeghi2000"], CITATIONS["patterson2008"]
    assert "few percent" not in sadeghi.finding and "gives no limit" in sadeghi.finding
    assert patterson.journal == "Archives of Physical Medicine and Rehabilitation 89(2):304-310"
    assert "0.9-1.1" in patterson.finding and "24 healthy controls" in patterson.finding
    # forces: Herzog et al. 1989 give limits of normal per variable (+/-4 % to over +/-13,000 %),
    # not "left-right differences in force of up to about 10 %"
    force = items["peak_force_n"]
    assert [c["key"] for c in force["citations"]] == ["herzog1989"]
    assert "(10 % for forces) is sensorkit's own choice" in force["statement"]
    assert "about 10 %" not in force["statement"] and "about 10 %" not in CITATIONS["herzog1989"].finding
    assert "+/-4 % to over +/-13,000 %" in CITATIONS["herzog1989"].finding


def test_a_loading_rate_flag_gives_no_unsourced_step_to_step_figure():
    """The 15 % rate limit was justified by "loading rates measured by insoles vary 12-16 % from
    step to step", a figure no source behind sensorkit gives."""
    rec = sk.simulate(duration_s=30, seed=1, rate_hz=500, body_mass_kg=70, asymmetry=0.3)
    adv = sk.recommend(sk.analyze(rec), recording=rec)
    items = {a["measured"][0]["key"]: a for a in adv.to_dict()["advice"] if a["topic"] == "asymmetry"}
    statement = items["valr_bw_s"]["statement"]
    assert "beyond the +/-15 % limit" in statement and "12-16" not in statement
    assert "sensorkit's own" in statement and "varies more from step to step than the force" in statement
    assert [c["key"] for c in items["valr_bw_s"]["citations"]] == ["herzog1989"]


def test_an_uneven_stance_cites_a_standing_study_and_calls_its_limit_sensorkits_choice():
    """The standing loads' 10 % limit mapped to Herzog et al. 1989, a walking study."""
    from sensorkit.analysis.summary import asymmetry_limit_source
    from sensorkit.recommend.evidence import CITATIONS

    assert asymmetry_limit_source("standing_force_n") == "pradorico2019"
    rec = _standing()  # left 60 %: SI +40 %
    (st,) = sk.recommend(sk.analyze(rec), recording=rec).advice
    assert [c.key for c in st.citations] == ["guide", "pradorico2019"]
    assert "a limit of sensorkit's choosing" in st.statement and "Herzog" not in st.statement
    even = _standing(left_share=0.5)
    (st_even,) = sk.recommend(sk.analyze(even), recording=even).advice
    assert [c.key for c in st_even.citations] == ["guide"]  # nothing flagged: no limit to explain
    prado = CITATIONS["pradorico2019"]
    assert prado.short == "Prado-Rico & Duarte 2019" and prado.journal == "Motor Control 23(4):553-565"
    assert "small left-right asymmetry on average" in prado.finding
    assert CITATIONS["herzog1989"].short == "Herzog et al. 1989"  # more than two authors: et al.
