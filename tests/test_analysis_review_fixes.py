"""The analysis fixes after the independent review (docs/methods.md), each pinned to a known value.

(a) step time from the adjacent contralateral stance only; (b) a user's exclusion keeps the step
valid and its neighbours' temporal parameters; (c) the toe-off threshold sits above the unloaded
level (a dense pressure grid whose clipped noise adds ~20 N when unloaded); (d) standing from the
first frame, without unloaded blocks, with the share from paired block medians; (e) the COP path
on 10 ms bins of the loaded frames is rate- and noise-stable; (f) loading rates from too few
samples make an "unreliable" asymmetry status; (g, h) stances cut by the start or the end of the
data stay in the table (batch and streaming); (i) the 13 % VALR fallback only for rearfoot
strikers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.analysis import StreamingAnalyzer
from sensorkit.layout import SensorLayout

DATA = Path(__file__).parent / "data"
GACO01 = DATA / "physionet-gaitpdb" / "GaCo01_01.txt"

RATE_HZ = 100.0
DT = 1.0 / RATE_HZ
MASS_KG = 70.0
BW_N = MASS_KG * 9.81
LAYOUT = sk.load_layout("ref16")
HEEL, FORE = 0, 9
STRIDE_FRAMES = 80
# a 30-frame stance (0.30 s) in BW per frame from its contact frame; frame c-1 is 0
STANCE_BW = np.array([0.1, 0.4, 1.0, 0.8, 0.9, 1.2, 1.5, 1.8, 2.0, *np.linspace(1.9, 0.1, 21)])


def _square_gait(n_frames, first_contact, nan_frames=None):
    """Stances every 0.8 s per side from ``first_contact[side]`` (a frame, may be negative: the
    data then starts inside that stance); contact frame on the heel sensor, the rest on the
    forefoot sensor; ``nan_frames[side]`` = [(a, b), ...] set to NaN."""
    nan_frames = nan_frames or {}
    t = np.arange(n_frames) * DT
    values = {}
    for side in ("left", "right"):
        v = np.zeros((n_frames, LAYOUT.n_sensors))
        for c in range(first_contact[side], n_frames, STRIDE_FRAMES):
            f = STANCE_BW * BW_N
            for j, fj in enumerate(f):
                if 0 <= c + j < n_frames:
                    v[c + j, HEEL if j == 0 else FORE] = fj
        for a, b in nan_frames.get(side, ()):
            v[a:b] = np.nan
        values[side] = v
    return sk.Recording.from_arrays(
        t, values["left"], values["right"], layout=LAYOUT, body_mass_kg=MASS_KG, rate_hz=RATE_HZ
    )


def _stream(res, rec, chunks):
    """StreamingAnalyzer.finish() after feeding ``rec`` in chunks of the given sizes (cycled)."""
    sa = StreamingAnalyzer.from_analysis(res, rec.layout, rec.rate_hz)
    i, k = 0, 0
    while i < rec.n_frames:
        size = chunks[k % len(chunks)]
        sa.feed(
            rec.time[i : i + size], rec.forces_n("left")[i : i + size], rec.forces_n("right")[i : i + size]
        )
        i += size
        k += 1
    return sa.finish()


# ---------------------------------------------------------------------------------------
# (a) step time, double support and flight: the adjacent stance of the other foot only
# ---------------------------------------------------------------------------------------


def test_gaco01_steady_state_step_time_comes_from_the_adjacent_contralateral_contact():
    # before the review a step could take a contralateral contact two stances away (after a
    # dropped neighbour): steady step times up to ~1.2 s and a step-time CV of 47 %
    res = sk.analyze(sk.read(GACO01))
    steps = res.steps
    steady = steps[steps["steady_state"] & (steps["activity"] == "walking")]
    # (a steady step whose adjacent contralateral stance is not a valid step has none)
    assert steady["step_time_s"].notna().mean() > 0.95
    steady = steady[steady["step_time_s"].notna()]
    st = steady["step_time_s"].to_numpy()
    assert len(st) > 100
    assert st.max() < 0.8
    cv = 100.0 * st.std(ddof=1) / st.mean()
    assert cv < 6.0
    assert res.summary.loc["step_time_s", "both_cv_pct"] == pytest.approx(cv, rel=1e-9)
    # independently: each step time is this contact minus the other foot's last contact before
    # it, and that contact lies after this foot's previous contact (it is the adjacent one)
    t_c, side = steps["t_contact_s"].to_numpy(), steps["side"].to_numpy()
    for i, row in steady.iterrows():
        mine = t_c[(side == row["side"]) & (t_c < row["t_contact_s"])]
        theirs = t_c[(side != row["side"]) & (t_c < row["t_contact_s"])]
        assert theirs.size and (not mine.size or theirs.max() > mine.max()), i
        assert row["step_time_s"] == pytest.approx(row["t_contact_s"] - theirs.max(), abs=1e-9)


# ---------------------------------------------------------------------------------------
# (b) a user's exclusion takes a step out of the summaries only
# ---------------------------------------------------------------------------------------


def test_excluding_a_step_keeps_it_valid_and_leaves_its_neighbours_unchanged():
    rec = sk.simulate(duration_s=6, seed=1)
    base = sk.analyze(rec)
    res = sk.analyze(rec, exclude_steps=[10])
    # row 10 (left, contact 3.61 s) and row 11 (right, 3.97 s): 3.97 - 3.61 = 0.36 s
    assert base.steps.loc[10, "side"] == "left" and base.steps.loc[11, "side"] == "right"
    assert base.steps.loc[11, "step_time_s"] == pytest.approx(0.36, abs=1e-9)
    assert res.steps.loc[11, "step_time_s"] == pytest.approx(0.36, abs=1e-9)
    row = res.steps.loc[10]
    assert row["valid"] and not row["steady_state"] and row["exclude_reason"] == "excluded by user"
    assert base.steps.loc[10, "steady_state"]
    assert row["step_time_s"] == pytest.approx(0.36, abs=1e-9)  # 3.61 - 3.25, its own neighbours
    # nothing else changes: every other row and every other column of row 10 are identical
    changed = ["steady_state", "exclude_reason"]
    pd.testing.assert_frame_equal(res.steps.drop(index=10), base.steps.drop(index=10))
    pd.testing.assert_series_equal(res.steps.loc[10].drop(changed), base.steps.loc[10].drop(changed))
    # ... and the summaries lose exactly that step
    assert res.counts.loc["left", "n_steady_state"] == base.counts.loc["left", "n_steady_state"] - 1
    assert res.counts.loc["left", "n_valid"] == base.counts.loc["left", "n_valid"]


# ---------------------------------------------------------------------------------------
# (c) toe-off threshold above the unloaded level: a 32 x 32 pressure grid
# ---------------------------------------------------------------------------------------


def _grid_layout():
    gx, gy = np.meshgrid(np.arange(32) * 3.0 - 46, np.arange(32) * 8.0 + 5)
    x, y = gx.ravel(), gy.ravel()
    region = np.where(y < 80, "heel", np.where(y < 150, "midfoot", np.where(y < 220, "forefoot", "toes")))
    return SensorLayout(
        name="grid1024",
        x_mm=x,
        y_mm=y,
        area_mm2=np.full(x.size, 25.0),
        region=list(region),
        ml=list(np.where(x > 0, "medial", "lateral")),
        foot_length_mm=260.0,
        foot_width_mm=100.0,
        outline_mm=np.zeros((0, 2)),
        value_kind="pressure",
    )


def test_dense_pressure_grid_with_clipped_noise_finds_every_stance():
    # 1 kHz, 2 s, 1024 sensels of 25 mm2; 2 kPa noise clipped at 0 kPa has a mean of
    # 2 / sqrt(2 pi) = 0.80 kPa = 0.020 N per sensel, so the unloaded foot reads ~20 N in total,
    # just under the ~21 N contact threshold. The old toe-off threshold (0.8 x 21 = 16.9 N) lay
    # below that: no stance ever ended and none was found. Now it lies 80 % of the way from the
    # unloaded level to the threshold.
    lay = _grid_layout()
    src = sk.simulate(duration_s=2.0, seed=3, rate_hz=1000)
    w = np.exp(-lay.y_mm / 80.0)
    w /= w.sum()
    rng = np.random.default_rng(0)

    def kpa(total_n):
        p = total_n[:, None] * w[None, :] / 25.0 * 1e3 + rng.normal(0, 2.0, (total_n.size, w.size))
        return np.clip(p, 0, None).astype(np.float32)

    rec = sk.Recording.from_arrays(
        time=src.time, left=kpa(src.left.sum(1)), right=kpa(src.right.sum(1)), layout=lay, units="kPa"
    )
    res = sk.analyze(rec)
    truth = src.metadata["ground_truth"].steps
    complete = truth[truth["complete"]]
    assert len(complete) == 5 and len(truth) == 6  # the 6th is cut by the end of the data
    unloaded = 2.0 / np.sqrt(2 * np.pi) * 25e-3 * lay.n_sensors  # 20.4 N
    for side in ("left", "right"):
        th = res.thresholds_n[side]
        assert unloaded - 1.0 < th["off"] < th["on"] < unloaded + 2.0
    valid = res.steps[res.steps["valid"]]
    assert len(valid) == 5
    for _, t in complete.iterrows():
        near = valid[
            (valid["side"] == t["side"]) & (np.abs(valid["t_contact_s"] - t["t_contact_threshold_s"]) < 0.01)
        ]
        assert len(near) == 1
        assert near["contact_time_s"].iloc[0] == pytest.approx(
            t["t_toe_off_threshold_s"] - t["t_contact_threshold_s"], abs=0.02
        )
    rest = res.steps[~res.steps["valid"]]
    assert rest["exclude_reason"].tolist() == ["truncated by the end of the data"]


# ---------------------------------------------------------------------------------------
# (d) standing from the first frame: no unloaded block, paired block medians
# ---------------------------------------------------------------------------------------


def test_standing_from_the_first_frame_gives_one_period_and_the_exact_share():
    # 30 s at 100 Hz, 407 N left and 244 N right spread over 16 sensors, 2 N noise per sensor.
    # No block is unloaded, so the unloaded level is the sensors' zero (before: the threshold
    # came from the standing load itself and no standing was found).
    n = 3000
    t = np.arange(n) * DT
    rng = np.random.default_rng(0)
    sides = {
        side: (np.full((n, 16), load / 16) + rng.normal(0.0, 2.0, (n, 16))).astype(np.float32)
        for side, load in (("left", 407.0), ("right", 244.0))
    }
    rec = sk.Recording.from_arrays(time=t, left=sides["left"], right=sides["right"], layout=LAYOUT, units="N")
    res = sk.analyze(rec)
    assert res.standing is not None and len(res.standing) == 1
    row = res.standing.iloc[0]
    assert row["start_s"] == 0.0 and row["end_s"] == pytest.approx(29.99)
    share = 100 * 407 / (407 + 244)  # 62.52 %
    si = 200 * (407 - 244) / (407 + 244)  # +50.08 %
    assert row["left_share_pct"] == pytest.approx(share, abs=1.0)
    assert row["left_share_pct"] == pytest.approx(62.5, abs=0.1)
    assert row["symmetry_index_pct"] == pytest.approx(si, abs=1.0)
    assert row["ci_low_pct"] <= row["symmetry_index_pct"] <= row["ci_high_pct"]
    assert row["status"] == "asymmetric"
    # the thresholds rest on the noise above zero: 5 noise SDs of the total (2 N x 4 = 8 N)
    for side in ("left", "right"):
        assert res.thresholds_n[side]["on"] == pytest.approx(40.0, rel=0.1)


# ---------------------------------------------------------------------------------------
# (e) COP path on 10 ms bins of the loaded frames
# ---------------------------------------------------------------------------------------


def test_cop_path_is_stable_across_rate_and_noise_and_stays_on_the_insole():
    metrics = ["cop_path_length_mm", "cop_ap_excursion_mm"]
    clean = sk.analyze(sk.simulate(duration_s=20, seed=1, rate_hz=100))
    rec = sk.simulate(duration_s=20, seed=1, rate_hz=1000, noise=5)
    noisy = sk.analyze(rec)
    # before: 5 N of noise at 1 kHz made path length 1153 mm (x 6) and AP excursion 278 mm
    for m in metrics:
        assert noisy.summary.loc[m, "both"] == pytest.approx(clean.summary.loc[m, "both"], rel=0.05), m
    span = float(np.ptp(rec.layout.y_mm))  # 219.95 mm between the heel and toe sensors
    for res in (clean, noisy):
        ap = res.steps["cop_ap_excursion_mm"].dropna()
        assert len(ap) > 50 and ap.max() <= span


# ---------------------------------------------------------------------------------------
# (f) loading rates from too few samples: an "unreliable" asymmetry status
# ---------------------------------------------------------------------------------------


def test_valr_at_100_hz_is_unreliable_and_says_so():
    res = sk.analyze(sk.simulate(duration_s=20, seed=1, rate_hz=100))
    assert res.activity == "running" and res.info.loading_rate_method == "impact_peak"
    steady = res.steps[res.steps["steady_state"]]
    counts = steady["side"].value_counts()
    assert min(counts["left"], counts["right"]) >= res.params.min_steps_asymmetry
    assert (steady["valr_samples"] < 3).all() and not steady["valr_reliable"].any()
    for metric in ("valr_bw_s", "valr_n_s"):
        row = res.asymmetry.loc[metric]
        assert row["status"].startswith("unreliable") and not row["flag"]
        assert np.isnan(res.summary.loc[metric, "both"])


# ---------------------------------------------------------------------------------------
# (g, h) stances cut by the start or the end of the data
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_nan", [1, 12])  # bridged (<= 100 ms) and long (> 100 ms) leading holes
def test_stance_loaded_at_the_first_valid_frame_after_missing_frames_is_truncated(n_nan):
    # the left stance runs from frame -10 to 19 (so the data begins inside it), its first
    # n_nan frames are missing. Before the review it was "cut by a data gap" (long hole) or a
    # valid step whose contact lay "inside a data gap" (short hole).
    rec = _square_gait(400, {"left": -10, "right": 30}, nan_frames={"left": [(0, n_nan)]})
    res = sk.analyze(rec)
    left = res.steps[res.steps["side"] == "left"]
    first = left.iloc[0]
    assert first["t_contact_s"] == pytest.approx(n_nan * DT) and first["t_toe_off_s"] == pytest.approx(0.20)
    assert first["exclude_reason"] == "truncated by the start of the data"
    assert first["truncated"] and not first["valid"] and np.isnan(first["contact_time_s"])
    # the next left stance (frame 70) is an ordinary valid step
    assert left.iloc[1]["valid"] and left.iloc[1]["t_contact_s"] == pytest.approx(0.70)
    # the first right stance (frame 30) has no step time: its adjacent left stance is not valid
    right = res.steps[res.steps["side"] == "right"].iloc[0]
    assert right["t_contact_s"] == pytest.approx(0.30) and np.isnan(right["step_time_s"])


def test_stance_open_at_the_end_of_the_data_is_listed_in_batch_and_streaming():
    # left contacts at frames 50, 130, ..., 370; the data ends at frame 384, 15 frames into the
    # last left stance: contact 3.70 s, toe-off = the last frame, 3.84 s
    rec = _square_gait(385, {"left": 50, "right": 90})
    res = sk.analyze(rec)
    last = res.steps.iloc[-1]
    assert last["side"] == "left"
    assert last["t_contact_s"] == pytest.approx(3.70) and last["t_toe_off_s"] == pytest.approx(3.84)
    assert last["exclude_reason"] == "truncated by the end of the data"
    assert last["truncated"] and not last["valid"] and np.isnan(last["contact_time_s"])
    # every complete stance before it is there: left 50..290 (4), right 90..330 (4)
    assert res.steps["side"].value_counts().to_dict() == {"left": 5, "right": 4}
    assert res.steps.iloc[:-1]["valid"].all()
    assert res.steps.iloc[:-1]["t_toe_off_s"].max() == pytest.approx(3.60)
    for chunks in ([1], [7], [37], [rec.n_frames], [3, 50, 1, 19]):
        pd.testing.assert_frame_equal(_stream(res, rec, chunks), res.steps, check_exact=True)


def test_simulated_recording_cut_mid_stance_equals_in_streaming():
    rec = sk.simulate(duration_s=6, seed=1, rate_hz=100)
    full = sk.analyze(rec).steps
    k = full[full["side"] == "left"].index[2]
    t_mid = round(0.5 * (full.loc[k, "t_contact_s"] + full.loc[k, "t_toe_off_s"]), 2)
    cut = rec.slice_time(None, t_mid + 1e-6)  # frames up to and including t_mid
    res = sk.analyze(cut)
    last = res.steps.iloc[-1]
    assert last["t_contact_s"] == pytest.approx(full.loc[k, "t_contact_s"])
    assert last["t_toe_off_s"] == pytest.approx(cut.time[-1]) and cut.time[-1] == pytest.approx(t_mid)
    assert last["exclude_reason"] == "truncated by the end of the data" and not last["valid"]
    assert len(res.steps) == k + 1  # every stance that began before the end
    for chunks in ([1], [13], [cut.n_frames]):
        pd.testing.assert_frame_equal(_stream(res, cut, chunks), res.steps, check_exact=True)


# ---------------------------------------------------------------------------------------
# (i) the 13 % VALR fallback only for rearfoot strikers
# ---------------------------------------------------------------------------------------


def test_forefoot_runner_gets_no_valr_while_a_rearfoot_runner_keeps_the_impact_peak_method():
    fore = sk.analyze(sk.simulate(duration_s=20, seed=2, rate_hz=1000, strike="forefoot"))
    assert fore.activity == "running"
    steady = fore.steps[fore.steps["steady_state"]]
    assert (steady["strike_pattern"] == "forefoot").all() and steady["impact_peak_n"].isna().all()
    assert fore.info.loading_rate_method == "none"
    assert "rearfoot" in fore.info.loading_rate_note and "no VALR" in fore.info.loading_rate_note
    assert set(steady["loading_rate_method"]) == {"none"} and steady["valr_bw_s"].isna().all()
    for metric in ("valr_bw_s", "valr_n_s", "vilr_bw_s"):
        assert fore.summary.loc[metric, ["left", "right", "both"]].isna().all(), metric
    rear = sk.analyze(sk.simulate(duration_s=20, seed=2, rate_hz=1000))
    assert rear.info.loading_rate_method == "impact_peak"
    assert rear.summary.loc["valr_bw_s", "both"] > 0
    assert set(rear.steps[rear.steps["steady_state"]]["loading_rate_method"]) == {"impact_peak"}


# ---------------------------------------------------------------------------------------
# Steady state: gait initiation and termination trimmed
# ---------------------------------------------------------------------------------------


def test_first_and_last_step_of_each_foot_in_a_bout_are_not_steady():
    # the square gait: every stride 0.8 s and contact 0.3 s, so only the trim makes the first
    # step of each foot unsteady; the last one has no stride (the data ends) anyway
    res = sk.analyze(_square_gait(648, {"left": 50, "right": 90}))
    steps = res.steps
    assert steps["valid"].all() and (steps["bout"] == 0).all()
    for side in ("left", "right"):
        mine = steps[steps["side"] == side]
        first, last = mine.index[0], mine.index[-1]
        assert not steps.loc[first, "steady_state"] and not steps.loc[last, "steady_state"]
        assert steps.loc[first, "exclude_reason"].startswith("first or last steps of a bout")
        assert steps.loc[last, "exclude_reason"] == "no stride (end of bout or data gap)"
        # the last step that has a stride is the end of the bout's gait: trimmed as well
        assert not steps.loc[mine.index[-2], "steady_state"]
        assert steps.loc[mine.index[-2], "exclude_reason"].startswith("first or last steps of a bout")
        assert steps.loc[mine.index[1:-2], "steady_state"].all()
    # without the trim the first steps are steady
    untrimmed = sk.analyze(_square_gait(648, {"left": 50, "right": 90}), steady_trim_steps=0).steps
    assert untrimmed["steady_state"].sum() == steps["steady_state"].sum() + 4


def test_steady_state_reasons_are_not_cut_short():
    # was: np.where on '' and a 35-character string made a fixed-width array that cut longer reasons
    steps = sk.analyze(sk.simulate(duration_s=6, seed=1)).steps
    reasons = set(steps["exclude_reason"])
    assert "first or last steps of a bout (gait initiation or termination)" in reasons


def test_a_toe_off_inside_a_short_hole_leaves_the_strides_and_step_times_that_need_contacts_only():
    """A one-frame hole at a toe-off made the stance's and its neighbours' strides and step
    times NaN; only the values that use that toe-off are unknown. (Moticon 230927_102114: the
    left stride from 5.83 s was NaN, the vendor's report gives 1.272 s.)"""
    # left contacts at frames 50, 130, 210, 290; the stance from 130 ends at frame 160 (its last
    # loaded frame 159): frame 160 missing puts its toe-off inside the hole
    rec = _square_gait(400, {"left": 50, "right": 90}, nan_frames={"left": [(160, 161)]})
    res = sk.analyze(rec)
    left = res.steps[res.steps["side"] == "left"].set_index("t_contact_s")
    right = res.steps[res.steps["side"] == "right"].set_index("t_contact_s")
    holed = left.loc[1.30]
    assert holed["exclude_reason"] == "contact or toe-off inside a data gap" and not holed["steady_state"]
    assert holed["stride_time_s"] == pytest.approx(0.80)  # contact to next contact: both known
    assert holed["step_time_s"] == pytest.approx(0.40)  # from the right contact at 0.90 s
    for unknown in ("contact_time_s", "swing_time_s", "stance_pct_gait_cycle", "terminal_double_support_s"):
        assert np.isnan(holed[unknown]), unknown
    assert left.loc[0.50, "stride_time_s"] == pytest.approx(0.80)  # the stride into it (was NaN)
    nxt = right.loc[1.70]  # the right stance after it: its step time needs the left contact only
    assert nxt["step_time_s"] == pytest.approx(0.40)
    assert np.isnan(nxt["initial_double_support_s"])  # that one needs the left toe-off
    # the streaming analyser gives the same table
    pd.testing.assert_frame_equal(_stream(res, rec, [7, 13]), res.steps, check_exact=True)


def test_moticon_left_stride_before_a_toe_off_in_a_hole_matches_the_vendor():
    rec = sk.read(DATA / "moticon-opengo" / "230927_102114.txt")
    steps = sk.analyze(rec).steps
    left = steps[steps["side"] == "left"].set_index("t_contact_s")
    vendor = pd.read_csv(DATA / "moticon-opengo" / "230927_102114_vendor_left_steps.csv")
    theirs = vendor.loc[(vendor["Initial contact (s)"] - 5.83).abs() < 0.05, "Stride time (s)"].item()
    assert theirs == pytest.approx(1.272)
    assert left.loc[5.83, "stride_time_s"] == pytest.approx(theirs, abs=0.011)  # one frame at 100 Hz


def test_a_stance_cut_by_the_end_of_the_data_has_no_stance_metrics_like_one_cut_by_the_start():
    """A stance the end of the data cut kept its peak force, impulse, COP and regional values
    (pedar's last stance: 861.9 N, 390 N s), which read like a real step's; one cut by the start
    had none. Both are now "not measured", with the reason in gap_note."""
    rec = _square_gait(
        345, {"left": -10, "right": 90}
    )  # the first left cut by the start, the last right by the end
    res = sk.analyze(rec)
    steps = res.steps
    cut = steps[steps["truncated"]]
    assert sorted(cut["exclude_reason"]) == [
        "truncated by the end of the data",
        "truncated by the start of the data",
    ]
    for name in ("peak_force_n", "impulse_Ns", "cop_path_length_mm", "heel_impulse_Ns", "strike_index_pct"):
        assert cut[name].isna().all(), name
    assert (cut["gap_note"] == "part of the stance is outside the data: its metrics are not measured").all()
    whole = steps[~steps["truncated"]]
    assert whole["peak_force_n"].notna().all() and len(whole) >= 6
    assert (whole["gap_note"] == "").all()
    # the peak of a whole stance: STANCE_BW's 2.0 BW on the forefoot sensor
    assert whole["peak_force_n"].max() == pytest.approx(2.0 * BW_N, rel=1e-5)
    pd.testing.assert_frame_equal(_stream(res, rec, [11, 5]), res.steps, check_exact=True)


def test_a_second_short_hole_before_the_toe_off_is_confirmed_keeps_it_unknown():
    """Holes at frames 160 and 163: the second replaced the first in the state machine, so the
    toe-off at 160 lost its flag and was used as known (contact 0.30 s, swing 0.50 s)."""
    rec = _square_gait(400, {"left": 50, "right": 90}, nan_frames={"left": [(160, 161), (163, 164)]})
    res = sk.analyze(rec)
    holed = res.steps[(res.steps["side"] == "left")].set_index("t_contact_s").loc[1.30]
    assert holed["exclude_reason"] == "contact or toe-off inside a data gap"
    for unknown in ("contact_time_s", "swing_time_s", "stance_pct_gait_cycle"):
        assert np.isnan(holed[unknown]), unknown
    assert holed["stride_time_s"] == pytest.approx(0.80)
    pd.testing.assert_frame_equal(_stream(res, rec, [7, 13]), res.steps, check_exact=True)


def test_no_cv_from_fewer_than_five_values():
    """F-Scan's test walk has two steady-state strides of 32 ms frames: both 1.152 s, and the
    summary printed a stride-time CV of 0.0 %, which reads as perfectly regular gait."""
    from pathlib import Path

    from sensorkit.analysis.summary import MIN_CV_VALUES

    fscan = Path(__file__).parent / "data" / "pressure-mats" / "fscan_testL.asf"
    res = sk.analyze(sk.read(fscan))
    assert res.asymmetry.loc["stride_time_s", "n_left"] == 2
    assert res.summary.loc["stride_time_s", "left"] == pytest.approx(1.152)
    assert np.isnan(res.summary.loc["stride_time_s", ["left_cv_pct", "both_cv_pct"]].astype(float)).all()
    # five values or more: the CV as defined (SD with ddof=1 / mean)
    walk = sk.analyze(sk.read(Path(__file__).parent / "data" / "physionet-gaitpdb" / "GaCo01_01.txt"))
    steady = walk.steps[walk.steps["steady_state"] & (walk.steps["side"] == "left")]["stride_time_s"].dropna()
    assert len(steady) >= MIN_CV_VALUES == 5
    expected = 100 * steady.std(ddof=1) / steady.mean()
    assert walk.summary.loc["stride_time_s", "left_cv_pct"] == pytest.approx(expected)


def test_excluding_a_step_or_bout_that_does_not_exist_is_an_error():
    """`--exclude-steps 5000` (a typo for 500) was accepted silently and the step stayed in."""
    rec = sk.simulate(duration_s=10, seed=1)
    n = len(sk.analyze(rec).steps)
    with pytest.raises(
        ValueError, match=rf"exclude_steps: no step 5000 in the steps table \(rows 0-{n - 1}\)"
    ):
        sk.analyze(rec, exclude_steps=[3, 5000])
    with pytest.raises(ValueError, match="exclude_bouts: no bout 7 in this recording"):
        sk.analyze(rec, exclude_bouts=[7])
    kept = sk.analyze(rec, exclude_steps=[3])
    assert kept.steps.loc[3, "exclude_reason"] == "excluded by user"
