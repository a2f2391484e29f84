"""Analysis answers worked out by hand from docs/methods.md on analytic signals.

All signals are sampled at 100 Hz with force values set per frame, so every expected number
below is a few lines of arithmetic on those samples (worked out in the comments).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit import kernels, reference
from sensorkit.analysis import StreamingAnalyzer

RATE_HZ = 100.0
DT = 1.0 / RATE_HZ
MASS_KG = 70.0
BW_N = MASS_KG * 9.81  # docs/methods.md: BW = m g, g = 9.81
LAYOUT = sk.load_layout("ref16")
HEEL = 0  # H1: y = 15.9 mm (heel, medial)
FORE = 9  # forefoot medial: y = 190.8 mm
STRIDE_FRAMES = 80  # 0.8 s between contacts of one foot
FIRST_CONTACT = {"left": 50, "right": 90}

# Stance with an impact transient, in BW per frame from the contact frame c (frame c-1 is 0).
# Impact peak 1.0 BW at c+2 (0.02 s, inside the first 30 % = 0.09 s of the 0.30 s stance),
# followed by a dip to 0.8 BW; active peak 2.0 BW at c+8; last loaded frame c+29 (0.1 BW).
IMPACT_STANCE_BW = [0.1, 0.4, 1.0, 0.8, 0.9, 1.2, 1.5, 1.8, 2.0, *np.linspace(1.9, 0.1, 21)]
# Stance without an impact peak: slope 10 BW/s for two frames, then 30 BW/s; strictly rising
# up to its maximum at c+10 (0.10 s, beyond the 30 % impact window), then linearly down.
NO_IMPACT_STANCE_BW = [0.1, 0.2, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 1.9, 1.95, 2.0, *np.linspace(1.9, 0.1, 19)]
assert len(IMPACT_STANCE_BW) == len(NO_IMPACT_STANCE_BW) == 30  # contact time 0.30 s


def _recording(
    profile_bw=IMPACT_STANCE_BW,
    n_frames=800,
    scale=None,
    sides=("left", "right"),
    nan_frames=None,
    contact_split=(1.0, 0.0),
    body_mass_kg=MASS_KG,
    time=None,
    heel_frames=1,
):
    """Stances every 0.8 s per side; force on the heel sensor at the contact frame
    (``contact_split`` = shares of heel and forefoot sensor there), on the forefoot sensor after.
    ``heel_frames`` > 1 keeps the frames after contact on the heel sensor too, up to frame
    c + heel_frames - 1: with 2, the strike window (15 ms: frames c and c+1) sees only the heel,
    a rearfoot strike (strike index 15.9 / 265 = 6.0 %)."""
    scale = scale or {"left": 1.0, "right": 1.0}
    nan_frames = nan_frames or {}
    t = np.arange(n_frames) / RATE_HZ if time is None else time
    values = {}
    for side in ("left", "right"):
        if side not in sides:
            values[side] = None
            continue
        v = np.zeros((n_frames, LAYOUT.n_sensors))
        for c in range(FIRST_CONTACT[side], n_frames - len(profile_bw) - 10, STRIDE_FRAMES):
            f = np.asarray(profile_bw) * BW_N * scale[side]
            v[c, HEEL] = f[0] * contact_split[0]
            v[c, FORE] = f[0] * contact_split[1]
            v[c + 1 : c + len(f), FORE] = f[1:]
            v[c + 1 : c + heel_frames, HEEL] = v[c + 1 : c + heel_frames, FORE]
            v[c + 1 : c + heel_frames, FORE] = 0.0
        for a, b in nan_frames.get(side, ()):
            v[a:b] = np.nan
        values[side] = v
    return sk.Recording.from_arrays(
        t, values["left"], values["right"], layout=LAYOUT, body_mass_kg=body_mass_kg, rate_hz=RATE_HZ
    )


def _clean(steps: pd.DataFrame) -> pd.DataFrame:
    # issue 12 replaced the "touches_gap" column: a stance is a step when ``valid``; a short
    # hole inside it is bridged and marked ``gap_in_stance`` (metrics over it are NaN)
    return steps[steps["valid"] & ~steps["gap_in_stance"] & ~steps["truncated"]]


# ---------------------------------------------------------------------------------------
# Loading rates (docs/methods.md "Impact loading rate")
# ---------------------------------------------------------------------------------------


def test_valr_interpolates_crossings_between_samples():
    # ref = impact peak 1.0 BW. 20 % (0.2 BW) lies between c (0.1) and c+1 (0.4):
    # t20 = 0.1/0.3 * 10 ms = 3.333 ms; 80 % (0.8 BW) between c+1 (0.4) and c+2 (1.0):
    # t80 = 10 ms + 0.4/0.6 * 10 ms = 16.667 ms. VALR = 0.6 BW / 13.333 ms = 45 BW/s
    # (sample-snapped crossings would give 30 or 60 BW/s).
    res = sk.analyze(_recording())
    steps = _clean(res.steps)
    assert len(steps) >= 12
    assert set(steps["loading_rate_method"]) == {"impact_peak"}
    assert res.info.loading_rate_method == "impact_peak"  # one method per trial
    np.testing.assert_allclose(steps["impact_peak_bw"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(steps["valr_bw_s"], 45.0, rtol=1e-5)
    np.testing.assert_allclose(steps["valr_window_start_s"] - steps["t_contact_s"], 0.1 / 0.3 * DT, atol=1e-9)
    np.testing.assert_allclose(
        steps["valr_window_end_s"] - steps["t_contact_s"], DT + 0.4 / 0.6 * DT, atol=1e-9
    )


def test_valr_with_fewer_than_three_samples_in_its_window_is_unreliable_and_left_out_of_the_summary():
    # issue 12: at 100 Hz the 20-80 % window (3.33-16.67 ms after contact) holds one sample
    # (c+1 at 10 ms). The per-step value stays (45 BW/s, exact here), marked unreliable, and
    # the summary does not average it (NaN) nor flag its asymmetry.
    res = sk.analyze(_recording())
    steps = _clean(res.steps)
    assert (steps["valr_samples"] == 1).all() and not steps["valr_reliable"].any()
    assert np.isnan(res.summary.loc["valr_bw_s", "both"])
    # there are enough steps (>= min_steps_asymmetry per side), only their rates are
    # unreliable: the review's status says so instead of "not enough data"
    counts = steps[steps["steady_state"]]["side"].value_counts()
    assert min(counts["left"], counts["right"]) >= res.params.min_steps_asymmetry
    row = res.asymmetry.loc["valr_bw_s"]
    assert row["status"].startswith("unreliable: ") and "samples" in row["status"]
    assert np.isnan(row["symmetry_index_pct"]) and not row["flag"]
    # one insole only: not enough steps on the other side stays "not enough data"
    one = sk.analyze(_recording(sides=("left",)))
    assert one.asymmetry.loc["valr_bw_s", "status"] == "not enough data"


def test_vilr_is_largest_sample_slope_inside_the_20_80_window():
    # issue 12: VILR only at >= 500 Hz (vilr_min_rate_hz), so at 100 Hz it is NaN by default.
    steps = _clean(sk.analyze(_recording()).steps)
    assert steps["vilr_bw_s"].isna().all()
    np.testing.assert_allclose(steps["peak_force_bw"], 2.0, rtol=1e-6)
    # Opting in at 100 Hz: the VILR low-pass (60 Hz) is a 1-frame window here, i.e. none.
    # Sample intervals overlapping (3.33 ms, 16.67 ms): (c, c+1) 30 BW/s and (c+1, c+2) 60 BW/s;
    # (c-1, c) ends at contact, before the 20 % point, and is not in the window.
    steps = _clean(sk.analyze(_recording(), vilr_min_rate_hz=100.0).steps)
    np.testing.assert_allclose(steps["vilr_bw_s"], 60.0, rtol=1e-5)


def test_valr_without_impact_peak_is_not_measured_for_a_midfoot_striker():
    # review: the 13 % fallback is validated in rearfoot strikers only (Blackmore et al. 2016).
    # Here the 15 ms strike window holds c (0.1 BW on the heel, y 15.9 mm) and c+1 (0.2 BW on
    # the forefoot, 190.8 mm): (1.59 + 38.16) / 0.3 = 132.5 mm = 50.0 % of 265 mm, midfoot. No
    # impact peak and no rearfoot strike: no VALR, and the trial says why.
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW), vilr_min_rate_hz=100.0)
    steps = _clean(res.steps)
    np.testing.assert_allclose(steps["strike_index_pct"], 100 * 132.5 / 265.0, atol=1e-3)
    assert set(steps["strike_pattern"]) == {"midfoot"}
    assert res.info.loading_rate_method == "none" and set(steps["loading_rate_method"]) == {"none"}
    assert "rearfoot" in res.info.loading_rate_note and "no VALR" in res.info.loading_rate_note
    assert steps["valr_bw_s"].isna().all() and steps["vilr_bw_s"].isna().all()
    assert (steps["valr_samples"] == 0).all() and not steps["valr_reliable"].any()
    assert np.isnan(res.summary.loc["valr_bw_s", "both"])
    # the impact-peak method does not depend on the strike: the impact profile keeps it
    assert sk.analyze(_recording()).info.loading_rate_method == "impact_peak"


def test_valr_without_impact_peak_uses_force_at_13pct_of_stance():
    # A rearfoot striker (frames c and c+1 on the heel: strike index 6.0 %) without an impact peak.
    # Contact time 0.30 s -> 13 % point at 39 ms, between c+3 (0.6) and c+4 (0.9):
    # ref = 0.6 + 0.9 * 0.3 = 0.87 BW. 20 % = 0.174 BW at (0.074/0.1) * 10 ms = 7.4 ms;
    # 80 % = 0.696 BW at 30 + (0.096/0.3) * 10 = 33.2 ms. VALR = 0.6 * 0.87 / 0.0258 s.
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW, heel_frames=2), vilr_min_rate_hz=100.0)
    steps = _clean(res.steps)
    np.testing.assert_allclose(steps["strike_index_pct"], 100 * 15.9 / 265.0, atol=1e-3)
    assert set(steps["strike_pattern"]) == {"rearfoot"}
    assert res.info.loading_rate_method == "13pct_stance" and "rearfoot" in res.info.loading_rate_note
    assert set(steps["loading_rate_method"]) == {"13pct_stance"}
    assert steps["impact_peak_bw"].isna().all()
    np.testing.assert_allclose(steps["contact_time_s"], 0.30, atol=1e-9)
    np.testing.assert_allclose(steps["valr_bw_s"], 0.6 * 0.87 / 0.0258, rtol=1e-5)
    # samples at 10, 20 and 30 ms lie in (7.4 ms, 33.2 ms): reliable, and summarised
    assert (steps["valr_samples"] == 3).all() and steps["valr_reliable"].all()
    assert res.summary.loc["valr_bw_s", "both"] == pytest.approx(0.6 * 0.87 / 0.0258, rel=1e-5)
    # slopes of the intervals overlapping (7.4 ms, 33.2 ms): 10, 10, 30, 30 BW/s (VILR opted in
    # at 100 Hz, see test_vilr_is_largest_sample_slope_inside_the_20_80_window)
    np.testing.assert_allclose(steps["vilr_bw_s"], 30.0, rtol=1e-5)


def test_fixed_3_to_12pct_window_fallback_is_the_average_slope_over_that_window():
    # 3 % = 9 ms: F = 0.1 + 0.9 * 0.1 = 0.19 BW; 12 % = 36 ms: F = 0.6 + 0.6 * 0.3 = 0.78 BW.
    # (a rearfoot striker, as above: the fallbacks apply to rearfoot strikers only)
    res = sk.analyze(
        _recording(NO_IMPACT_STANCE_BW, heel_frames=2),
        loading_rate_fallback="3_12pct_window",
        vilr_min_rate_hz=100.0,
    )
    steps = _clean(res.steps)
    assert set(steps["loading_rate_method"]) == {"3_12pct_window"}
    np.testing.assert_allclose(steps["valr_bw_s"], (0.78 - 0.19) / 0.027, rtol=1e-5)
    np.testing.assert_allclose(steps["valr_window_start_s"] - steps["t_contact_s"], 0.009, atol=1e-9)
    np.testing.assert_allclose(steps["valr_window_end_s"] - steps["t_contact_s"], 0.036, atol=1e-9)
    np.testing.assert_allclose(steps["vilr_bw_s"], 30.0, rtol=1e-5)


def test_forces_and_rates_are_in_newtons_when_body_mass_is_unknown():
    res = sk.analyze(_recording(body_mass_kg=None))
    # the contact threshold never comes from body mass: the 20 N floor (noise-free swing),
    # off = 0.8 x on (docs/methods.md "Gait events")
    for side in ("left", "right"):
        assert res.thresholds_n[side]["on"] == 20.0
        assert res.thresholds_n[side]["off"] == pytest.approx(16.0)
    steps = _clean(res.steps)
    # issue 12: same columns with or without a mass; BW twins are NaN without one
    assert steps["valr_bw_s"].isna().all() and steps["peak_force_bw"].isna().all()
    assert res.steps.attrs["force_units"] == "N"
    np.testing.assert_allclose(steps["valr_n_s"], 45.0 * BW_N, rtol=1e-5)
    np.testing.assert_allclose(steps["peak_force_n"], 2.0 * BW_N, rtol=1e-6)


def test_body_mass_only_converts_units():
    # issue 12: "Body mass changes timings". With and without a mass the steps table has the
    # same columns and identical events, timings and N values; only the BW twins differ.
    without = sk.analyze(_recording(body_mass_kg=None))
    with_mass = sk.analyze(_recording(body_mass_kg=None), body_mass_kg=MASS_KG)
    assert list(without.steps.columns) == list(with_mass.steps.columns)
    assert without.thresholds_n == with_mass.thresholds_n
    bw = [c for c in with_mass.steps.columns if "_bw" in c or c.endswith("_BWs")]
    assert {"peak_force_bw", "valr_bw_s", "impulse_BWs"} <= set(bw)
    pd.testing.assert_frame_equal(without.steps.drop(columns=bw), with_mass.steps.drop(columns=bw))
    np.testing.assert_allclose(with_mass.steps["peak_force_bw"], with_mass.steps["peak_force_n"] / BW_N)


# ---------------------------------------------------------------------------------------
# Strike index, events, symmetry
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("split", "expected_pct", "pattern"),
    [
        ((1.0, 0.0), 100 * 15.9 / 265.0, "rearfoot"),  # COP on H1 at contact
        ((0.5, 0.5), 100 * (15.9 + 190.8) / 2 / 265.0, "midfoot"),  # 39.0 %
        ((0.0, 1.0), 100 * 190.8 / 265.0, "forefoot"),  # 72.0 %
    ],
)
def test_strike_index_of_a_zero_window_is_cop_y_at_the_initial_contact_frame(split, expected_pct, pattern):
    # after the contact frame all force is on the forefoot sensor: with strike_window_s = 0
    # only frame c decides (the single-frame reading issue 12 replaced as the default)
    steps = _clean(sk.analyze(_recording(contact_split=split), strike_window_s=0.0).steps)
    np.testing.assert_allclose(steps["strike_index_pct"], expected_pct, atol=1e-3)
    assert set(steps["strike_pattern"]) == {pattern}


@pytest.mark.parametrize(
    ("split", "pattern"),
    [((1.0, 0.0), "midfoot"), ((0.5, 0.5), "midfoot"), ((0.0, 1.0), "forefoot")],
)
def test_strike_index_is_the_force_weighted_cop_over_the_first_15_ms(split, pattern):
    # issue 12: strike index from the force-weighted COP over early stance (default 15 ms):
    # frames c (0.1 BW at y_c = split of 15.9 / 190.8 mm) and c+1 (0.4 BW at 190.8 mm);
    # c+2 is 20 ms after contact, outside. (1, 0): (0.1 x 15.9 + 0.4 x 190.8) / 0.5 = 155.82 mm
    # = 58.8 % of 265 mm -- one heel frame no longer decides the pattern on its own.
    y_c = split[0] * 15.9 + split[1] * 190.8
    expected_pct = 100 * (0.1 * y_c + 0.4 * 190.8) / 0.5 / 265.0
    steps = _clean(sk.analyze(_recording(contact_split=split)).steps)
    np.testing.assert_allclose(steps["strike_index_pct"], expected_pct, atol=1e-3)
    assert set(steps["strike_pattern"]) == {pattern}


def test_contact_and_toe_off_frames_and_stride_time_of_square_stances():
    steps = _clean(sk.analyze(_recording()).steps)
    left = steps[steps["side"] == "left"]
    # contacts at frames 50, 130, 210, ...; toe-off is the first unloaded frame (c + 30)
    np.testing.assert_allclose(left["t_contact_s"], (50 + 80 * np.arange(len(left))) * DT, atol=1e-12)
    np.testing.assert_allclose(left["t_toe_off_s"] - left["t_contact_s"], 0.30, atol=1e-9)
    np.testing.assert_allclose(left["contact_time_s"], 0.30, atol=1e-9)
    # a stride runs from this contact to the next one of the same foot: the last has none
    assert np.isnan(left["stride_time_s"].iloc[-1])
    np.testing.assert_allclose(left["stride_time_s"].iloc[:-1], 0.8, atol=1e-9)
    # temporal parameters: swing 0.8 - 0.3 = 0.5 s, stance 37.5 % of the cycle, step time
    # (right contact 0.4 s before each left one) 0.4 s, flight 0.1 s (running: no double support)
    np.testing.assert_allclose(left["swing_time_s"].iloc[:-1], 0.5, atol=1e-9)
    np.testing.assert_allclose(left["stance_pct_gait_cycle"].iloc[:-1], 37.5, atol=1e-6)
    np.testing.assert_allclose(left["step_time_s"].iloc[1:], 0.4, atol=1e-9)
    np.testing.assert_allclose(left["flight_time_s"].iloc[:-1], 0.1, atol=1e-9)
    assert set(steps["activity"]) == {"running"}
    # docs/methods.md cadence: 60 x steps of both feet / time = 60 x 2 / 0.8 s = 150 spm
    assert sk.analyze(_recording()).cadence_spm == pytest.approx(150.0)


def test_symmetry_index_is_positive_when_left_is_larger_and_angle_follows_zifchock():
    # the no-impact profile of a rearfoot striker: its VALR window holds 3 samples at 100 Hz, so
    # VALR is reliable and summarised (the impact profile's is not, see the test above)
    valr = 0.6 * 0.87 / 0.0258
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW, scale={"left": 1.1, "right": 0.9}, heel_frames=2))
    row = res.summary.loc["valr_bw_s"]
    assert row.dtype == np.float64  # issue 12: the summary is float-only, flags live elsewhere
    assert row["left"] == pytest.approx(valr * 1.1, rel=1e-5)
    assert row["right"] == pytest.approx(valr * 0.9, rel=1e-5)
    # Robinson: (L - R) / (0.5 (L + R)) x 100 = 0.2 / 1.0 x 100 = +20 %; every step has the
    # same value, so the bootstrap interval over steps is [20, 20]
    assert row["symmetry_index_pct"] == pytest.approx(20.0, rel=1e-5)
    assert row["si_ci_low_pct"] == pytest.approx(20.0, rel=1e-5)
    assert row["si_ci_high_pct"] == pytest.approx(20.0, rel=1e-5)
    # Zifchock: (45 - atan(L/R) deg) / 90 x 100, which issue 12 signs like SI (positive = left
    # larger; the old test expected the published, opposite sign): +6.35 %
    sa = -(45.0 - math.degrees(math.atan(1.1 / 0.9))) / 90.0 * 100.0
    assert sa > 0
    assert row["symmetry_angle_pct"] == pytest.approx(sa, rel=1e-5)
    # issue 12: per-metric limits (15 % for loading rates) on the whole interval, not one
    # |SI| > 10 % rule: 20 % is beyond 15 %; contact times are equal (SI 0, within 5 %)
    asym = res.asymmetry
    assert asym.loc["valr_bw_s", "limit_pct"] == 15.0
    assert bool(asym.loc["valr_bw_s", "flag"]) and asym.loc["valr_bw_s", "status"] == "asymmetric"
    assert asym.loc["peak_force_bw", "symmetry_index_pct"] == pytest.approx(20.0, rel=1e-5)
    assert bool(asym.loc["peak_force_bw", "flag"])
    assert not bool(asym.loc["contact_time_s", "flag"])
    assert asym.loc["contact_time_s", "status"] == "within limit"


def test_an_asymmetry_inside_its_limit_is_not_flagged():
    # issue 12: the old blanket |SI| > 10 % rule flagged a 12 % loading-rate asymmetry; rates vary
    # more from step to step than forces, so their limit is 15 % and the interval [12, 12] is within it
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW, scale={"left": 1.06, "right": 0.94}, heel_frames=2))
    row = res.asymmetry.loc["valr_bw_s"]
    assert row["symmetry_index_pct"] == pytest.approx(12.0, rel=1e-5)
    assert row["status"] == "within limit" and not bool(row["flag"])
    # the same 12 % on peak force (limit 10 %) is flagged
    assert bool(res.asymmetry.loc["peak_force_bw", "flag"])


def test_asymmetry_needs_enough_steps_per_side():
    # issue 12: one insole gives "not enough data", never "no asymmetry"
    res = sk.analyze(_recording(sides=("left",)))
    assert (res.asymmetry["n_right"] == 0).all()
    applicable = res.asymmetry[res.asymmetry["status"] != "not applicable"]
    assert (applicable["status"] == "not enough data").all()
    assert not res.asymmetry["flag"].any()
    assert res.summary["symmetry_index_pct"].isna().all()


def test_short_gap_inside_a_step_is_bridged_and_only_the_metrics_over_it_are_not_measured():
    # NaN frames 140-144 (50 ms <= max_bridge_s 100 ms) fall inside the left stance 130-159.
    # issue 12: a short hole no longer splits the stance (the old test expected the stance cut
    # in two, both rows flagged "touches_gap"): one stance 1.30-1.60 s, its events and timing
    # kept, the metrics whose window touches the hole NaN with a note. The hole is at 10/30 =
    # 33 % of stance, inside early stance: loading and whole-stance metrics are not measured.
    # (a rearfoot striker, so that the trial has a VALR method: see the 13 % fallback above)
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW, nan_frames={"left": [(140, 145)]}, heel_frames=2))
    left = res.steps[res.steps["side"] == "left"]
    hit = left[(left["t_contact_s"] < 1.60) & (left["t_toe_off_s"] > 1.30)]
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["t_contact_s"] == pytest.approx(1.30) and row["t_toe_off_s"] == pytest.approx(1.60)
    assert row["contact_time_s"] == pytest.approx(0.30) and row["stride_time_s"] == pytest.approx(0.8)
    assert (
        row["valid"] and row["gap_in_stance"] and row["gap_note"].startswith("missing data in early stance")
    )
    assert np.isnan(row["peak_force_n"]) and np.isnan(row["impulse_Ns"]) and np.isnan(row["valr_bw_s"])
    assert np.isnan(row["cop_path_length_mm"]) and row["valr_samples"] == 0 and not row["valr_reliable"]
    assert (~left.drop(hit.index)["gap_in_stance"]).all()
    # nothing else is lost: the summary is that of the other steps (all equal)
    assert res.counts.loc["left", "n_valid"] == len(left)
    assert res.summary.loc["valr_bw_s", "left"] == pytest.approx(0.6 * 0.87 / 0.0258, rel=1e-5)
    assert res.summary.loc["peak_force_bw", "left"] == pytest.approx(2.0, rel=1e-6)
    assert res.summary.loc["contact_time_s", "left"] == pytest.approx(0.30, abs=1e-9)
    # gaps are reported, never filled: the COP and force of those frames stay NaN
    cop = res.cop[(res.cop["side"] == "left") & res.cop["time_s"].between(1.395, 1.445)]
    assert cop["force_n"].isna().all() and cop["y_mm"].isna().all()


def test_gap_late_in_stance_keeps_the_early_stance_metrics():
    # NaN frames 150-151 at 20/30 = 67 % of the stance 130-159: whole-stance metrics are NaN,
    # the loading rate and strike index (early stance) are measured (a rearfoot striker, heel
    # frames c and c+1, so that the trial has a VALR method)
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW, nan_frames={"left": [(150, 152)]}, heel_frames=2))
    row = res.steps[(res.steps["side"] == "left") & np.isclose(res.steps["t_contact_s"], 1.30)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["gap_in_stance"] and row["gap_note"].startswith("missing data in stance")
    assert np.isnan(row["peak_force_n"])
    assert row["valr_bw_s"] == pytest.approx(0.6 * 0.87 / 0.0258, rel=1e-5)
    assert row["strike_index_pct"] == pytest.approx(100 * (0.1 * 15.9 + 0.2 * 15.9) / 0.3 / 265.0)


def test_gap_longer_than_the_bridge_cuts_the_step_and_both_parts_are_excluded():
    # NaN frames 140-154 (150 ms > max_bridge_s 100 ms): the stance is cut in two rows, both
    # excluded with their reason and left out of the summary
    res = sk.analyze(_recording(nan_frames={"left": [(140, 155)]}))
    left = res.steps[res.steps["side"] == "left"]
    hit = left[(left["t_contact_s"] < 1.60) & (left["t_toe_off_s"] > 1.30)]
    assert hit["t_contact_s"].tolist() == pytest.approx([1.30, 1.55])
    assert hit["t_toe_off_s"].tolist() == pytest.approx([1.40, 1.60])
    assert not hit["valid"].any() and hit["contact_time_s"].isna().all()
    assert set(hit["exclude_reason"]) == {"cut by a data gap too long to bridge"}
    assert res.counts.loc["left", "n_valid"] == len(left) - 2
    assert res.summary.loc["contact_time_s", "left"] == pytest.approx(0.30, abs=1e-9)
    # the strides into and out of the hole are not measured
    before = left[np.isclose(left["t_contact_s"], 0.50)]
    assert np.isnan(before["stride_time_s"].iloc[0])


def test_stride_spanning_a_data_gap_is_not_measured():
    # Left stances at frames 50, 130, 210, 290, 370, ...; NaN frames 260-360 swallow the
    # whole stance at 290-319 and begin and end in swing, so no remaining stance touches the
    # gap -- but the interval 210 -> 370 is not a stride (one contact is missing).
    res = sk.analyze(_recording(nan_frames={"left": [(260, 361)]}))
    left = res.steps[res.steps["side"] == "left"]
    strides = left["stride_time_s"].dropna().to_numpy()
    np.testing.assert_allclose(strides, 0.8, atol=1e-9)
    # the stance at 2.10 s has no measurable stride (its next contact is after the hole)
    assert np.isnan(left.loc[np.isclose(left["t_contact_s"], 2.10), "stride_time_s"].iloc[0])
    assert res.summary.loc["stride_time_s", "left"] == pytest.approx(0.8)
    assert not bool(res.asymmetry.loc["stride_time_s", "flag"])
    assert res.cadence_spm == pytest.approx(150.0)


@pytest.mark.parametrize("chunk", [1, 7, 100])
@pytest.mark.parametrize("missing", ["nan", "time_jump"])
def test_streaming_does_not_measure_a_stride_across_missing_data(chunk, missing):
    if missing == "nan":
        rec = _recording(nan_frames={"left": [(260, 361)]})
    else:  # drop frames 260-360 altogether: a jump in the time axis, no NaN
        keep = np.r_[0:260, 361:800]
        full = _recording()
        rec = sk.Recording.from_arrays(
            full.time[keep],
            full.left[keep],
            full.right[keep],
            layout=LAYOUT,
            body_mass_kg=MASS_KG,
            rate_hz=RATE_HZ,
        )
    batch = sk.analyze(rec)
    sa = StreamingAnalyzer.from_analysis(batch, LAYOUT, RATE_HZ)
    for lo in range(0, rec.n_frames, chunk):
        sa.feed(rec.time[lo : lo + chunk], rec.left[lo : lo + chunk], rec.right[lo : lo + chunk])
    final = sa.finish()
    left = final[final["side"] == "left"]
    np.testing.assert_allclose(left["stride_time_s"].dropna(), 0.8, atol=1e-9)
    assert left["stride_time_s"].isna().sum() >= 2  # the stance before the gap, and the last one
    pd.testing.assert_frame_equal(final, batch.steps, check_exact=True)


def test_no_step_is_shorter_than_the_minimum_contact_duration():
    # Without body mass: on = 20 N, off = 16 N. One frame at 25 N, then 60 frames at 18 N
    # (between the thresholds), then 0. F is above the contact threshold for one frame
    # (10 ms < 50 ms), so docs/methods.md gives no contact; any step reported must last >= 50 ms.
    n = 400
    v = np.zeros((n, LAYOUT.n_sensors))
    v[100, HEEL] = 25.0
    v[101:161, HEEL] = 18.0
    rec = sk.Recording.from_arrays(np.arange(n) * DT, v, None, layout=LAYOUT, rate_hz=RATE_HZ)
    steps = sk.analyze(rec, baseline="none").steps
    assert np.all(steps["contact_time_s"] >= 0.050 - 1e-9), steps[["t_contact_s", "contact_time_s"]]


def test_dip_between_thresholds_does_not_split_a_step():
    # hysteresis: a mid-stance dip to 18 N (below on = 20 N, above off = 16 N) keeps one stance
    n = 300
    f = np.zeros(n)
    f[50:150] = 200.0
    f[90:110] = 18.0
    v = np.zeros((n, LAYOUT.n_sensors))
    v[:, HEEL] = f
    rec = sk.Recording.from_arrays(np.arange(n) * DT, v, None, layout=LAYOUT, rate_hz=RATE_HZ)
    steps = sk.analyze(rec, baseline="none").steps
    assert len(steps) == 1
    assert steps["t_contact_s"].iloc[0] == pytest.approx(0.50)
    assert steps["contact_time_s"].iloc[0] == pytest.approx(1.00)


def test_cop_is_undefined_below_the_contact_threshold():
    n = 50
    v = np.zeros((n, LAYOUT.n_sensors))
    v[10:20, HEEL] = 18.0  # between off (16 N) and on (20 N)
    rec = sk.Recording.from_arrays(np.arange(n) * DT, v, None, layout=LAYOUT, rate_hz=RATE_HZ)
    cop = sk.analyze(rec, baseline="none").cop
    assert cop["y_mm"].iloc[10:20].isna().all()


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mass", [0.0, -70.0, 70_000.0, float("nan")])
def test_analyze_rejects_an_implausible_body_mass(mass):
    rec = _recording()
    with pytest.raises(ValueError, match="body_mass_kg"):
        sk.analyze(rec, body_mass_kg=mass)


def test_streaming_equals_batch_with_time_jumps_and_nan_gaps():
    t = np.arange(800) * DT
    t[300:] += 0.37  # a time jump inside a right-foot swing / left stance region
    t[555:] += 0.05
    rec = _recording(time=t, nan_frames={"left": [(455, 460)], "right": [(700, 702)]})
    res = sk.analyze(rec)
    # the 0.37 s jump cuts the left stance at 2.90 s (two excluded rows); the 0.05 s jump and
    # the NaN runs are bridged inside stances (gap_in_stance), and none of them is lost
    assert (res.steps["exclude_reason"] == "cut by a data gap too long to bridge").sum() == 2
    assert res.steps["gap_in_stance"].sum() >= 3
    rng = np.random.default_rng(12)
    for chunks in ([1] * 800, [13] * 62, [800], rng.integers(1, 60, 800).tolist()):
        sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
        i = 0
        for chunk in chunks:
            if i >= rec.n_frames:
                break
            sa.feed(rec.time[i : i + chunk], rec.left[i : i + chunk], rec.right[i : i + chunk])
            i += chunk
        pd.testing.assert_frame_equal(sa.finish(), res.steps, check_exact=True)


# ---------------------------------------------------------------------------------------
# Kernels vs references on edge inputs
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "force",
    [
        np.zeros(0),
        np.array([100.0]),
        np.full(10, np.nan),
        np.zeros(10),
        np.array([100.0, 100.0, np.nan, 100.0, 100.0, 0.0, 0.0]),
    ],
    ids=["empty", "single", "all_nan", "all_zero", "nan_inside"],
)
@pytest.mark.parametrize("bridge", [0, 1, 20])
def test_contact_kernel_matches_reference_on_edge_inputs(force, bridge):
    f = force.astype(np.float32)
    missing = np.zeros(f.size, np.int64)
    got = kernels.detect_contacts(f, missing, 0, 20.0, 16.0, 1, 1, bridge, kernels.new_event_state())
    want = reference.detect_contacts(f, 20.0, 16.0, 1, 1, missing, bridge)
    assert len(got) == len(want) == 4
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_per_stance_kernels_accept_no_stances():
    f = np.zeros(5, np.float32)
    t = np.arange(5) * DT
    none = np.zeros(0, np.int64)
    peak, imp = kernels.stance_force(f, t, none, none)
    assert peak.shape == imp.shape == (0,)
    out = kernels.loading_rates(f, f, t, none, none, 0.3, 0.2, 0.03, 0.5, 2, 0.13, 0.03, 0.12, 0.2, 0.8)
    assert len(out) == 7 and all(a.shape == (0,) for a in out)
    out = kernels.cop_path_metrics(f, f, t, none, none, 265.0, 100.0, 2 / 3)
    assert all(a.shape == (0,) for a in out)
    assert kernels.walking_features(f, t, none, none, 0.2, 0.8).shape == (0, 12)
    xp, yp = kernels.cop_path_points(f, f, f, t, none, none, 0.1, 0.01)
    assert xp.shape == yp.shape == (5,) and np.isnan(xp).all() and np.isnan(yp).all()
    assert all(a.size == 0 for a in kernels.open_stance(kernels.new_event_state(), 4))
    assert kernels.strike_index(f, f, t, none, none, 0.015, 265.0).shape == (0,)


def test_cop_kernel_gives_nan_not_an_error_for_zero_force_with_zero_threshold():
    v = np.zeros((3, 4), np.float32)
    v[1, 0] = 10.0
    x = np.array([0, 1, 2, 3], np.float32)
    base = np.zeros(4, np.float32)
    rx, ry, rf = reference.cop_frames(v, x, x, base, 0.0)
    kx, ky, kf = kernels.cop_frames(v, x, x, base, 0.0)
    np.testing.assert_array_equal(kx, rx.astype(np.float32))
    np.testing.assert_array_equal(ky, ry.astype(np.float32))
    np.testing.assert_array_equal(kf, rf.astype(np.float32))


def test_regional_peak_force_of_a_region_without_sensors_is_nan():
    n = 6
    v = np.full((n, 2), 50.0, np.float32)
    t = np.arange(n) * DT
    args = (
        v,
        t,
        np.zeros(2, np.float32),
        np.array([0], np.int64),
        np.array([5], np.int64),
        np.array([0, 2], np.int64),  # heel and forefoot only: no midfoot, no toes
        np.array([-1, 0], np.int64),
        np.full(2, 10.0),
    )
    k_imp, k_peak, _, _ = kernels.regional_loads(*args)
    r_imp, r_peak, _, _ = reference.regional_loads(*args)
    np.testing.assert_array_equal(k_peak, r_peak)  # [[50, nan, 50, nan]]
    # the impulse of an uncovered region is unknown too (else the arch indicator would read 0)
    assert np.isnan(k_imp[:, [1, 3]]).all() and np.isfinite(k_imp[:, [0, 2]]).all()
    np.testing.assert_allclose(k_imp, r_imp)


# ---------------------------------------------------------------------------------------
# Simulator ground truth vs its own signal
# ---------------------------------------------------------------------------------------


def _methods_valr_13pct_bw_s(force_bw: np.ndarray, time_s: np.ndarray) -> float:
    """VALR without impact peak on one densely sampled stance, as the simulator's truth defines
    it (sensorkit.simulate.truth; the analysis threshold no longer depends on body mass):
    contact and toe-off at the 5 % BW crossings (interpolated), reference = F at 13 % of that
    stance, 20/80 % crossings interpolated."""
    thr = 0.05
    above = np.flatnonzero(force_bw >= thr)
    i, j = above[0], above[-1]
    t_on = np.interp(thr, force_bw[i - 1 : i + 1], time_s[i - 1 : i + 1])
    t_off = np.interp(-thr, -force_bw[j : j + 2], time_s[j : j + 2])
    t_ref = t_on + 0.13 * (t_off - t_on)
    ref = np.interp(t_ref, time_s, force_bw)

    def crossing(level):
        k = np.flatnonzero(force_bw >= level)[0]
        return np.interp(level, force_bw[k - 1 : k + 1], time_s[k - 1 : k + 1])

    return 0.6 * ref / (crossing(0.8 * ref) - crossing(0.2 * ref))


def test_simulator_truth_valr_without_impact_peak_follows_methods_on_its_own_signal():
    rate = 5000.0
    rec = sk.simulate(duration_s=1.0, seed=1, rate_hz=rate, strike="forefoot")
    truth = rec.metadata["ground_truth"]
    force_bw = truth.sides["left"].force_n.astype(np.float64) / (truth.body_mass_kg * 9.81)
    steps = truth.steps[(truth.steps["side"] == "left") & truth.steps["complete"]]
    assert len(steps) >= 1
    for _, s in steps.iterrows():
        assert s["loading_rate_method"] == "13pct_stance"
        lo = int(np.floor(s["t_contact_s"] * rate)) - 2
        hi = int(np.ceil(s["t_toe_off_s"] * rate)) + 2
        want = _methods_valr_13pct_bw_s(force_bw[lo:hi], rec.time[lo:hi])
        assert s["valr_bw_s"] == pytest.approx(want, rel=0.01)


@pytest.mark.parametrize("mass", [0.0, 70000.0, float("nan")])
def test_streaming_analyzer_rejects_an_implausible_body_mass(mass):
    with pytest.raises(ValueError, match="body_mass_kg"):
        StreamingAnalyzer(sk.load_layout("ref16"), 100.0, body_mass_kg=mass)


# ---------------------------------------------------------------------------------------
# No steps, one dead insole, quiet standing (issue 12: "not enough data", never "no asymmetry")
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dead", ["both", "right"])
def test_no_steps_or_a_dead_insole_give_not_enough_data_never_no_asymmetry(dead):
    rec = _recording()
    right = np.zeros_like(rec.right)
    left = np.zeros_like(rec.left) if dead == "both" else rec.left
    rec = sk.Recording.from_arrays(
        rec.time, left, right, layout=LAYOUT, body_mass_kg=MASS_KG, rate_hz=RATE_HZ
    )
    res = sk.analyze(rec)
    assert res.counts.loc["right", "n_valid"] == 0
    assert (res.counts.loc["left", "n_valid"] == 0) == (dead == "both")
    status = set(res.asymmetry["status"])
    assert status <= {"not enough data", "not applicable"} and "not enough data" in status
    assert not res.asymmetry["flag"].any()
    assert (res.summary.dtypes == np.float64).all() and res.summary["symmetry_index_pct"].isna().all()
    assert res.trends.empty  # too short for a trend (issue 12: the fatigue check is absent)


def test_quiet_standing_on_one_leg_more_is_reported_as_an_asymmetry():
    # issue 12: standing with 407 N on the left and 244 N on the right for 5 s. Share 407 / 651
    # = 62.5 %; SI = (407 - 244) / 325.5 x 100 = +50.1 %, constant, so its interval is
    # [50.1, 50.1], beyond the 10 % limit: asymmetric.
    n = 600
    left = np.zeros((n, LAYOUT.n_sensors))
    right = np.zeros((n, LAYOUT.n_sensors))
    left[50:550, HEEL] = 407.0
    right[50:550, HEEL] = 244.0
    rec = sk.Recording.from_arrays(np.arange(n) * DT, left, right, layout=LAYOUT, rate_hz=RATE_HZ)
    res = sk.analyze(rec, baseline="none")
    # a 5 s stance is not a step (longer than max_contact_time_s = 2.5 s)
    assert not res.steps["valid"].any()
    assert set(res.steps["exclude_reason"]) == {"contact too long (standing or not a step)"}
    st = res.standing
    assert len(st) == 1
    row = st.iloc[0]
    assert row["start_s"] == pytest.approx(0.50) and row["duration_s"] == pytest.approx(4.99)
    assert row["left_force_n"] == pytest.approx(407.0) and row["right_force_n"] == pytest.approx(244.0)
    assert row["left_share_pct"] == pytest.approx(100 * 407 / 651)
    si = (407 - 244) / (0.5 * 651) * 100
    assert row["symmetry_index_pct"] == pytest.approx(si)
    assert row["ci_low_pct"] == pytest.approx(si) and row["ci_high_pct"] == pytest.approx(si)
    assert row["status"] == "asymmetric"
