"""Independent review tests: answers derived by hand from METHODS.md on analytic signals.

Tests marked ``xfail(strict=True)`` pin down defects found in review: they fail on the
current code and will turn into XPASS (an error, because strict) once the defect is fixed,
so the marker must then be removed.

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
BW_N = MASS_KG * 9.81  # METHODS.md: BW = m g, g = 9.81
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
):
    """Stances every 0.8 s per side; force on the heel sensor at the contact frame
    (``contact_split`` = shares of heel and forefoot sensor there), on the forefoot sensor after."""
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
        for a, b in nan_frames.get(side, ()):
            v[a:b] = np.nan
        values[side] = v
    return sk.Recording.from_arrays(
        t, values["left"], values["right"], layout=LAYOUT, body_mass_kg=body_mass_kg, rate_hz=RATE_HZ
    )


def _clean(steps: pd.DataFrame) -> pd.DataFrame:
    return steps[~steps["touches_gap"] & ~steps["truncated"]]


# ---------------------------------------------------------------------------------------
# Loading rates (METHODS.md "Impact loading rate")
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
    np.testing.assert_allclose(steps["impact_peak_bw"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(steps["valr_bw_s"], 45.0, rtol=1e-5)


def test_vilr_is_largest_sample_slope_inside_the_20_80_window():
    # Sample intervals overlapping (3.33 ms, 16.67 ms): (c, c+1) 30 BW/s and (c+1, c+2) 60 BW/s;
    # (c-1, c) ends at contact, before the 20 % point, and is not in the window.
    steps = _clean(sk.analyze(_recording()).steps)
    np.testing.assert_allclose(steps["vilr_bw_s"], 60.0, rtol=1e-5)
    np.testing.assert_allclose(steps["peak_force_bw"], 2.0, rtol=1e-6)


def test_valr_without_impact_peak_uses_force_at_13pct_of_stance():
    # Contact time 0.30 s -> 13 % point at 39 ms, between c+3 (0.6) and c+4 (0.9):
    # ref = 0.6 + 0.9 * 0.3 = 0.87 BW. 20 % = 0.174 BW at (0.074/0.1) * 10 ms = 7.4 ms;
    # 80 % = 0.696 BW at 30 + (0.096/0.3) * 10 = 33.2 ms. VALR = 0.6 * 0.87 / 0.0258 s.
    steps = _clean(sk.analyze(_recording(NO_IMPACT_STANCE_BW)).steps)
    assert set(steps["loading_rate_method"]) == {"13pct_stance"}
    assert steps["impact_peak_bw"].isna().all()
    np.testing.assert_allclose(steps["contact_time_s"], 0.30, atol=1e-9)
    np.testing.assert_allclose(steps["valr_bw_s"], 0.6 * 0.87 / 0.0258, rtol=1e-5)
    # slopes of the intervals overlapping (7.4 ms, 33.2 ms): 10, 10, 30, 30 BW/s
    np.testing.assert_allclose(steps["vilr_bw_s"], 30.0, rtol=1e-5)


def test_fixed_3_to_12pct_window_fallback_is_the_average_slope_over_that_window():
    # 3 % = 9 ms: F = 0.1 + 0.9 * 0.1 = 0.19 BW; 12 % = 36 ms: F = 0.6 + 0.6 * 0.3 = 0.78 BW.
    res = sk.analyze(_recording(NO_IMPACT_STANCE_BW), loading_rate_fallback="3_12pct_window")
    steps = _clean(res.steps)
    assert set(steps["loading_rate_method"]) == {"3_12pct_window"}
    np.testing.assert_allclose(steps["valr_bw_s"], (0.78 - 0.19) / 0.027, rtol=1e-5)
    np.testing.assert_allclose(steps["vilr_bw_s"], 30.0, rtol=1e-5)


def test_forces_and_rates_are_in_newtons_when_body_mass_is_unknown():
    res = sk.analyze(_recording(body_mass_kg=None))
    assert res.thresholds_n == pytest.approx({"on": 20.0, "off": 16.0})  # METHODS: 20 N
    steps = _clean(res.steps)
    assert "valr_bw_s" not in steps and res.steps.attrs["force_units"] == "N"
    np.testing.assert_allclose(steps["valr_n_s"], 45.0 * BW_N, rtol=1e-5)
    np.testing.assert_allclose(steps["peak_force_n"], 2.0 * BW_N, rtol=1e-6)


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
def test_strike_index_is_cop_y_at_the_initial_contact_frame(split, expected_pct, pattern):
    # after the contact frame all force is on the forefoot sensor: only frame c decides
    steps = _clean(sk.analyze(_recording(contact_split=split)).steps)
    np.testing.assert_allclose(steps["strike_index_pct"], expected_pct, atol=1e-3)
    assert set(steps["strike_pattern"]) == {pattern}


def test_contact_and_toe_off_frames_and_stride_time_of_square_stances():
    steps = _clean(sk.analyze(_recording()).steps)
    left = steps[steps["side"] == "left"]
    # contacts at frames 50, 130, 210, ...; toe-off is the first unloaded frame (c + 30)
    np.testing.assert_allclose(left["t_contact_s"], (50 + 80 * np.arange(len(left))) * DT, atol=1e-12)
    np.testing.assert_allclose(left["contact_time_s"], 0.30, atol=1e-9)
    assert np.isnan(left["stride_time_s"].iloc[0])
    np.testing.assert_allclose(left["stride_time_s"].iloc[1:], 0.8, atol=1e-9)
    # METHODS cadence: 60 x steps of both feet / time = 60 x 2 / 0.8 s = 150 spm
    assert sk.analyze(_recording()).cadence_spm == pytest.approx(150.0)


def test_symmetry_index_is_positive_when_left_is_larger_and_angle_follows_zifchock():
    res = sk.analyze(_recording(scale={"left": 1.1, "right": 0.9}))
    row = res.summary.loc["valr_bw_s"]
    assert row["left"] == pytest.approx(45.0 * 1.1, rel=1e-5)
    assert row["right"] == pytest.approx(45.0 * 0.9, rel=1e-5)
    # Robinson: (L - R) / (0.5 (L + R)) x 100 = 0.2 / 1.0 x 100 = +20 %
    assert row["symmetry_index_pct"] == pytest.approx(20.0, rel=1e-5)
    # Zifchock: (45 - atan(L/R) deg) / 90 x 100
    sa = (45.0 - math.degrees(math.atan(1.1 / 0.9))) / 90.0 * 100.0
    assert row["symmetry_angle_pct"] == pytest.approx(sa, rel=1e-5)
    assert bool(row["asymmetry_flag"])  # |SI| > 10 %
    assert not bool(res.summary.loc["contact_time_s", "asymmetry_flag"])


def test_step_touching_a_gap_is_flagged_and_left_out_of_the_summary():
    # NaN frames 140-144 fall inside the left stance starting at frame 130
    res = sk.analyze(_recording(nan_frames={"left": [(140, 145)]}))
    left = res.steps[res.steps["side"] == "left"]
    # the stance 1.30-1.60 s is cut by the gap into rows before and after it: all flagged
    hit = left[(left["t_contact_s"] < 1.60) & (left["t_toe_off_s"] > 1.30)]
    assert len(hit) >= 1 and hit["touches_gap"].all()
    assert res.summary.loc["n_steps_excluded", "left"] == float(len(hit))
    assert res.summary.loc["n_steps", "left"] == float(len(left) - len(hit))
    assert res.summary.loc["valr_bw_s", "left"] == pytest.approx(45.0, rel=1e-5)
    assert res.summary.loc["contact_time_s", "left"] == pytest.approx(0.30, abs=1e-9)
    # gaps are reported, never filled: the COP and force of those frames stay NaN
    cop = res.cop[(res.cop["side"] == "left") & res.cop["time_s"].between(1.395, 1.445)]
    assert cop["force_n"].isna().all() and cop["y_mm"].isna().all()


def test_stride_spanning_a_data_gap_is_not_measured():
    # Left stances at frames 50, 130, 210, 290, 370, ...; NaN frames 260-360 swallow the
    # whole stance at 290-319 and begin and end in swing, so no remaining stance touches the
    # gap -- but the interval 210 -> 370 is not a stride (one contact is missing).
    res = sk.analyze(_recording(nan_frames={"left": [(260, 361)]}))
    left = res.steps[res.steps["side"] == "left"]
    strides = left["stride_time_s"].dropna().to_numpy()
    np.testing.assert_allclose(strides, 0.8, atol=1e-9)
    assert res.summary.loc["stride_time_s", "left"] == pytest.approx(0.8)
    assert not bool(res.summary.loc["stride_time_s", "asymmetry_flag"])
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
    sa = StreamingAnalyzer(LAYOUT, RATE_HZ, body_mass_kg=MASS_KG, baseline_n=batch.baseline_n)
    for lo in range(0, rec.n_frames, chunk):
        sa.feed(rec.time[lo : lo + chunk], rec.left[lo : lo + chunk], rec.right[lo : lo + chunk])
    left = sa.steps[sa.steps["side"] == "left"]
    np.testing.assert_allclose(left["stride_time_s"].dropna(), 0.8, atol=1e-9)
    assert left["stride_time_s"].isna().sum() >= 2  # the first stance, and the one after the gap
    pd.testing.assert_frame_equal(sa.steps, batch.steps, check_exact=True)


def test_no_step_is_shorter_than_the_minimum_contact_duration():
    # Without body mass: on = 20 N, off = 16 N. One frame at 25 N, then 60 frames at 18 N
    # (between the thresholds), then 0. F is above the contact threshold for one frame
    # (10 ms < 50 ms), so METHODS gives no contact; any step reported must last >= 50 ms.
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
    assert res.steps["touches_gap"].sum() >= 3
    for chunk in (1, 13, 800):
        sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
        for i in range(0, rec.n_frames, chunk):
            sa.feed(rec.time[i : i + chunk], rec.left[i : i + chunk], rec.right[i : i + chunk])
        pd.testing.assert_frame_equal(sa.steps, res.steps, check_exact=True)


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
def test_contact_kernel_matches_reference_on_edge_inputs(force):
    f = force.astype(np.float32)
    got = kernels.detect_contacts(f, 0, 20.0, 16.0, 1, 1, kernels.new_event_state())
    want = reference.detect_contacts(f, 20.0, 16.0, 1, 1)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_per_stance_kernels_accept_no_stances():
    f = np.zeros(5, np.float32)
    t = np.arange(5) * DT
    none = np.zeros(0, np.int64)
    peak, imp = kernels.stance_force(f, t, none, none)
    assert peak.shape == imp.shape == (0,)
    out = kernels.loading_rates(f, t, none, none, 0.3, 0.2, 0.03, 0.5, 2, 0.13, 0.03, 0.12, 0.2, 0.8)
    assert all(a.shape == (0,) for a in out)
    out = kernels.cop_path_metrics(f, f, t, none, none, 265.0, 100.0, 2 / 3)
    assert all(a.shape == (0,) for a in out)


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
    """METHODS VALR without impact peak on one densely sampled stance: contact and toe-off at the
    5 % BW crossings (interpolated), reference = F at 13 % of that stance, 20/80 % crossings
    interpolated."""
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
