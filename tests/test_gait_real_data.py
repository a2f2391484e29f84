"""Gait analysis checked against references nobody here wrote: Moticon's own gait report for the
same recordings, published healthy-control values for the PhysioNet walks, and the simulator's
truth under packet loss (issue 12)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.layout import SensorLayout

DATA = Path(__file__).parent / "data"
MOTICON = DATA / "moticon-opengo"
PHYSIONET = DATA / "physionet-gaitpdb"
RECORDINGS = ("230927_102114", "230927_102137")


def _total_force_layout() -> SensorLayout:
    """One 'sensor' per side carrying Moticon's own total force (no sensor positions needed)."""
    return SensorLayout(
        name="total-force",
        x_mm=[0.0],
        y_mm=[130.0],
        area_mm2=[np.nan],
        region=["midfoot"],
        ml=["central"],
        foot_length_mm=260.0,
        foot_width_mm=100.0,
        outline_mm=np.zeros((0, 2)),
    )


def _moticon_total_force(path: Path) -> sk.Recording:
    names = None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("# time"):
                names = line[2:].rstrip("\n").split("\t")
                break
    df = pd.read_csv(path, sep="\t", comment="#", header=None, names=names)
    return sk.Recording.from_arrays(
        time=df["time"].to_numpy(),
        left=df["left total force[N]"].to_numpy(np.float32)[:, None],
        right=df["right total force[N]"].to_numpy(np.float32)[:, None],
        layout=_total_force_layout(),
        units="N",
    )


def _matched(name: str, side: str, **params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our valid steps and the vendor's, matched by initial contact (within 0.15 s)."""
    res = sk.analyze(_moticon_total_force(MOTICON / f"{name}.txt"), **params)
    ours = res.steps[res.steps["valid"] & (res.steps["side"] == side)]
    vendor = pd.read_csv(MOTICON / f"{name}_vendor_{side}_steps.csv")
    rows = []
    for _, v in vendor.iterrows():
        m = ours[(ours["t_contact_s"] - v["Initial contact (s)"]).abs() < 0.15]
        if len(m):
            rows.append((m.iloc[0], v))
    return ours, vendor, rows


@pytest.mark.parametrize("name", RECORDINGS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_valid_step_count_equals_the_vendor_report(name, side):
    # vendor: 7 + 7 and 9 + 9 steps; before the fix a missing row split stances (7/6 of 15/14)
    ours, vendor, rows = _matched(name, side)
    assert abs(len(ours) - len(vendor)) <= 1
    assert len(rows) >= len(vendor) - 1  # and they are the same steps


@pytest.mark.parametrize("name", RECORDINGS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_walking_force_features_agree_with_the_vendor_per_step(name, side):
    # Both read the same total-force channel, so peaks of the same step must agree; the
    # tolerances allow for a flat double hump where the two tools may pick the other sample.
    _, _, rows = _matched(name, side)
    for ours_col, vendor_col, tol in (
        ("first_peak_n", "First peak (N)", 0.02),
        ("second_peak_n", "Second peak (N)", 0.02),
        ("valley_n", "Local minimum between peaks (N)", 0.06),
    ):
        err = [abs(o[ours_col] - v[vendor_col]) / v[vendor_col] for o, v in rows if np.isfinite(o[ours_col])]
        assert len(err) >= len(rows) - 2  # a step with a data hole has no whole-stance metrics
        assert np.median(err) <= tol, (ours_col, err)


_WALK = (
    ("first_peak_n", "first_peak_pct_stance", "First peak (N)", "First peak timing (as % of stance)"),
    (
        "valley_n",
        "valley_pct_stance",
        "Local minimum between peaks (N)",
        "Local minimum timing (as % of stance)",
    ),
    ("second_peak_n", "second_peak_pct_stance", "Second peak (N)", "Second peak timing (as % of stance)"),
)


def _vendor_frame(time_s, force_n, vendor_row, value_col, pct_col):
    """The frame of a vendor value: equal to it, nearest its reported time (its times are off our
    10 ms grid by up to 13 ms)."""
    t = vendor_row["Initial contact (s)"] + vendor_row[pct_col] / 100.0 * vendor_row["Stance (s)"]
    near = np.flatnonzero((np.abs(time_s - t) < 0.035) & (force_n == vendor_row[value_col]))
    assert near.size, (vendor_row["Initial contact (s)"], value_col)
    return near[np.argmin(np.abs(time_s[near] - t))]


def test_walking_force_features_against_the_vendor_step_by_step():
    """docs/methods.md claimed "Moticon's gait report lists the same per step"; on the slow walk 5 of
    14 first peaks differed by more than 20 N (up to 254 N). The agreement actually achieved, why
    the rest differ, and that the docs state these figures."""
    counts = {}
    behind = []
    for name in RECORDINGS:
        for side in ("left", "right"):
            for o, v in _matched(name, side)[2]:
                if not np.isfinite(o["first_peak_n"]):
                    continue  # a data hole in the stance: no whole-stance metrics
                for ours, _, theirs, _ in _WALK:
                    d = abs(o[ours] - v[theirs])
                    c = counts.setdefault((name, ours), [0, 0, 0, 0.0])
                    c[0] += 1
                    c[1] += d <= 1.0
                    c[2] += d > 20.0
                    c[3] = max(c[3], d)
                if abs(o["first_peak_n"] - v["First peak (N)"]) > 1.0:
                    # Moticon's first peak is an earlier, lower local maximum than the first half's largest
                    assert v["First peak (N)"] < o["first_peak_n"]
                    assert v["First peak timing (as % of stance)"] < o["first_peak_pct_stance"]
                    behind.append(
                        (
                            o["first_peak_n"] - v["First peak (N)"],
                            v["First peak timing (as % of stance)"],
                            o["first_peak_pct_stance"],
                        )
                    )
    fast, slow = RECORDINGS
    for ours, *_ in _WALK:
        assert counts[(fast, ours)][:3] == [11, 11, 0], (ours, counts[(fast, ours)])
    assert counts[(slow, "first_peak_n")] == [14, 9, 5, 254.0]
    assert counts[(slow, "valley_n")][:3] == [14, 8, 6]
    assert counts[(slow, "second_peak_n")][:3] == [14, 10, 4]
    gap, pct_theirs, pct_ours = np.array(behind).T
    assert len(behind) == 5 and round(gap.min()) == 24 and round(gap.max()) == 254
    assert (
        round(pct_theirs.min()),
        round(pct_theirs.max()),
        round(pct_ours.min()),
        round(pct_ours.max()),
    ) == (21, 30, 43, 48)

    # Moticon's own steps (all 32): its valley is the smallest force between its peaks, its first
    # peak (but one) the largest from contact to the valley; it is seldom the first local maximum
    # and mostly the first half's largest, sensorkit's rule
    n = valley_between = first_before = first_local = first_half = 0
    for name in RECORDINGS:
        rec = _moticon_total_force(MOTICON / f"{name}.txt")
        t = rec.time
        for side in ("left", "right"):
            f = getattr(rec, side)[:, 0].astype(np.float64)
            for _, v in pd.read_csv(MOTICON / f"{name}_vendor_{side}_steps.csv").iterrows():
                i1, iv, i2 = (_vendor_frame(t, f, v, val, pct) for _, _, val, pct in _WALK)
                a = int(np.argmin(np.abs(t - v["Initial contact (s)"])))
                b = int(np.argmin(np.abs(t - v["Toe off (s)"])))
                local = [k for k in range(a + 1, b) if f[k - 1] <= f[k] > f[k + 1]]
                half = [k for k in local if t[k] < v["Initial contact (s)"] + v["Stance (s)"] / 2]
                n += 1
                valley_between += np.nanmin(f[i1 : i2 + 1]) == f[iv]
                first_before += np.nanmax(f[a : iv + 1]) == f[i1]
                first_local += f[local[0]] == f[i1]
                first_half += np.nanmax(f[half]) == f[i1]
    assert (n, valley_between, first_before, first_local, first_half) == (32, 32, 31, 6, 27)

    doc = (Path(__file__).resolve().parents[1] / "docs" / "methods.md").read_text(encoding="utf-8")
    doc = " ".join(doc.split())
    assert "lists the same per step" not in doc
    for said in (
        "within 1 N on all 11 matched steps",
        "within 1 N on 9, 8 and 10 of 14 steps",
        "more than 20 N on 5, 6 and 4 (up to 254 N",
        "On all 32 of its steps",
        "on 31 its first peak",
        "(6 of 32 steps; sensorkit's rule gives Moticon's first peak on 27)",
        "(21-30 % of its stance, 24-254 N below",
        "(43-48 % of stance here)",
    ):
        assert said in doc, said


@pytest.mark.parametrize("name", RECORDINGS)
def test_contact_and_stance_times_against_the_vendor(name):
    # Moticon ends stance at about 90-110 N of its total force (read off at its toe-off times),
    # sensorkit at its noise-adaptive threshold (the 20 N floor here): our stance is longer by
    # 40-120 ms and initial contact agrees within 50 ms. At the vendor's level (100 N) stance
    # agrees within 25 ms (median) - the events themselves match.
    for side in ("left", "right"):
        _, _, rows = _matched(name, side)
        ic = [o["t_contact_s"] - v["Initial contact (s)"] for o, v in rows]
        stance = [o["contact_time_s"] - v["Stance (s)"] for o, v in rows if np.isfinite(o["contact_time_s"])]
        assert np.max(np.abs(ic)) <= 0.05
        assert 0.0 <= np.median(stance) <= 0.12
        _, _, rows = _matched(name, side, threshold_floor_n=100.0)
        stance = [o["contact_time_s"] - v["Stance (s)"] for o, v in rows if np.isfinite(o["contact_time_s"])]
        assert abs(np.median(stance)) <= 0.025


@pytest.mark.parametrize("name", RECORDINGS)
def test_impulse_against_the_vendors_mean_force_times_stance(name):
    # Moticon reports each stance's mean total force and its duration: their product is the
    # force-time integral over its stance. Ours integrates over our (longer, at the 20 N floor)
    # contact time, so it is up to 2 % higher; at the vendor's level (100 N) every step agrees
    # within 2 % and the median within 1.2 % (measured 0.3-0.9 %).
    for side in ("left", "right"):
        for floor, low, high in ((None, 0.0, 0.02), (100.0, -0.012, 0.012)):
            _, _, rows = _matched(name, side, **({} if floor is None else {"threshold_floor_n": floor}))
            rel = [
                o["impulse_Ns"] / (v["Mean total force during stance phase (N)"] * v["Stance (s)"]) - 1
                for o, v in rows
                if np.isfinite(o["impulse_Ns"])
            ]
            assert len(rel) >= 4 and low <= np.median(rel) <= high, (side, floor, rel)
            assert np.max(np.abs(rel)) <= 0.02, (side, floor, rel)


@pytest.mark.parametrize("name", RECORDINGS)
def test_stride_swing_and_double_support_against_the_vendor(name):
    # Stride time does not depend on the threshold: median within one frame (10 ms), every
    # stride within 35 ms (3.5 frames). Swing and initial double support depend on toe-off, so they are
    # compared at the vendor's level (100 N): medians within 25 ms.
    for side in ("left", "right"):
        _, _, rows = _matched(name, side)
        stride = [o["stride_time_s"] - v["Stride time (s)"] for o, v in rows]
        stride = [e for e in stride if np.isfinite(e)]
        assert len(stride) >= 3
        assert abs(np.median(stride)) <= 0.010 and np.max(np.abs(stride)) <= 0.035
        _, _, rows = _matched(name, side, threshold_floor_n=100.0)
        for ours, theirs in (
            ("swing_time_s", "Swing (s)"),
            ("initial_double_support_s", "Double support (s)"),
        ):
            e = [o[ours] - v[theirs] for o, v in rows if np.isfinite(o[ours]) and np.isfinite(v[theirs])]
            assert len(e) >= 3 and abs(np.median(e)) <= 0.025, (ours, e)


@pytest.mark.parametrize("name", RECORDINGS)
def test_cop_excursions_against_the_vendors_gait_line(name):
    # Moticon's gait line per step: its width is the side-to-side range of its COP path and
    # its length the heel-to-toe distance from start to end, as fractions of the insole
    # (Moticon's y and x, swapped against ours). The estimated layout's millimetre scale is
    # its assumed insole (290 x 100 mm), so fraction x that size is directly comparable.
    # Measured on the matched steps with a COP path (25 of 32; a data hole inside a stance
    # leaves no whole-stance metrics): ML excursion median +0.9 / +2.4 mm, 21 of 25 within
    # 5 mm; AP excursion (our range of y, at least start-to-end) median +3.8 / +10.0 mm and
    # never shorter (Moticon trims the path's end more: its stance is 40-120 ms shorter).
    rec = sk.read(MOTICON / f"{name}.txt")
    length, width = rec.layout.foot_length_mm, rec.layout.foot_width_mm
    steps = sk.analyze(rec).steps
    ml, ap = [], []
    for side in ("left", "right"):
        ours = steps[steps["valid"] & (steps["side"] == side)]
        for _, v in pd.read_csv(MOTICON / f"{name}_vendor_{side}_steps.csv").iterrows():
            m = ours[(ours["t_contact_s"] - v["Initial contact (s)"]).abs() < 0.15]
            if len(m) and np.isfinite(m.iloc[0]["cop_ml_excursion_mm"]):
                ml.append(m.iloc[0]["cop_ml_excursion_mm"] - v["Gaitline width"] * width)
                ap.append(m.iloc[0]["cop_ap_excursion_mm"] - v["Gaitline length"] * length)
    assert len(ml) >= 11, len(ml)
    assert -1.0 <= np.median(ml) <= 3.0, ml
    assert np.mean(np.abs(ml) <= 5.0) >= 0.7, ml
    assert 0.0 <= np.min(ap) and np.median(ap) <= 12.0, ap


def test_a_missing_row_inside_a_stance_does_not_split_it():
    rec = _moticon_total_force(MOTICON / "230927_102114.txt")
    left = rec.left[:, 0]
    assert np.isnan(left[300:]).sum() >= 6  # the export really has holes after the start
    res = sk.analyze(rec)
    st = res.steps[res.steps["valid"]]
    assert st["contact_time_s"].min() > 0.5  # no half stances
    bridged = res.steps[res.steps["gap_in_stance"] & res.steps["valid"]]
    assert len(bridged) >= 1
    # a bridged stance keeps its events (unless one fell inside the hole: then it says so);
    # whole-stance metrics over the hole are not measured
    in_hole = bridged["exclude_reason"] == "contact or toe-off inside a data gap"
    assert bridged.loc[~in_hole, "contact_time_s"].notna().all() and (~in_hole).any()
    assert bridged.loc[in_hole, "contact_time_s"].isna().all()
    assert bridged["peak_force_n"].isna().all()
    assert (bridged["gap_note"] != "").all()


def test_a_flicker_while_standing_is_not_a_step():
    # cases/blip_while_standing.txt: 43 N (0.06 BW) for 0.1 s on the left insole while standing
    rec = _moticon_total_force(MOTICON / "blip_while_standing.txt")
    res = sk.analyze(rec)
    assert not res.steps["valid"].any()
    # and in the whole file it neither becomes a step nor raises flags
    full = sk.analyze(_moticon_total_force(MOTICON / "230927_102114.txt"), body_mass_kg=70)
    early = full.steps[(full.steps["side"] == "left") & (full.steps["t_contact_s"] < 2.9)]
    assert not early["valid"].any()
    assert not full.asymmetry.loc["contact_time_s", "flag"]
    assert not full.asymmetry.loc["peak_force_n", "flag"]


def test_standing_before_walking_is_reported_with_a_consistent_share():
    res = sk.analyze(_moticon_total_force(MOTICON / "230927_102114.txt"))
    first = res.standing.iloc[0]
    assert first["start_s"] <= 0.6 and first["end_s"] >= 2.0  # the 60 ms hole at 1.08 s is bridged
    left, right = first["left_force_n"], first["right_force_n"]
    assert first["left_share_pct"] == pytest.approx(100 * left / (left + right))
    assert first["symmetry_index_pct"] == pytest.approx(200 * (left - right) / (left + right))


@pytest.mark.parametrize(("name", "mass"), [("GaCo01_01", 83), ("GaCo03_01", 101), ("GaCo04_02", 65)])
def test_physionet_walks_match_published_healthy_controls(name, mass):
    # Frenkel-Toledo et al. 2005, J NeuroEng Rehabil 2:23, Table 2 (walking on level ground,
    # healthy controls of the same lab and insole system, comfortable speed): swing
    # 35.27 +/- 1.97 % of the gait cycle, stride time 1.08 +/- 0.09 s, stride-time CV
    # 1.94 +/- 0.36 %. These older adults' 2-minute corridor walks include turns and the
    # accelerations around them: swing and stride within 2 SD; stride CV 3.1-3.8 % here
    # (above the controls' mean; the turns' neighbourhood is not removed by the steady-state
    # rule), so it is only held below 5 %.
    res = sk.analyze(sk.read(PHYSIONET / f"{name}.txt"), body_mass_kg=mass)
    s = res.summary
    swing_pct = 100.0 - s.loc["stance_pct_gait_cycle", "both"]
    assert 35.27 - 2 * 1.97 <= swing_pct <= 35.27 + 2 * 1.97
    assert 1.08 - 2 * 0.09 <= s.loc["stride_time_s", "both"] <= 1.08 + 2 * 0.09
    assert s.loc["stride_time_s", "both_cv_pct"] < 5.0
    assert s.loc["step_time_s", "both_cv_pct"] < 6.0  # before: 47 % (non-adjacent neighbours)
    assert res.activity == "walking"
    # turns (contacts of 2 s and more) never enter the summaries
    steady = res.steps[res.steps["steady_state"]]
    assert steady["contact_time_s"].max() < 1.5
    assert (res.steps.loc[res.steps["contact_time_s"] > 2.0, "steady_state"] == False).all()  # noqa: E712
    # walking gets walking features, not running loading rates
    assert np.isfinite(s.loc["first_peak_bw", "both"]) and np.isnan(s.loc["valr_bw_s", "both"])


def test_healthy_walks_raise_at_most_one_asymmetry_flag():
    # before: 8-12 red flags per healthy control from one 10 % limit on single-step means
    for name, mass in (("GaCo01_01", 83), ("GaCo03_01", 101), ("GaCo04_02", 65)):
        res = sk.analyze(sk.read(PHYSIONET / f"{name}.txt"), body_mass_kg=mass)
        flagged = res.asymmetry.index[res.asymmetry["flag"].to_numpy(bool)]
        metrics = {m.replace("_bw_s", "_n_s").replace("_bw", "_n").replace("_BWs", "_Ns") for m in flagged}
        # at most one metric (its N and BW rows are the same finding); GaCo01's left foot has a
        # weaker push-off (second peak SI -11.6 %, 95 % CI -12.5 to -10.7)
        assert len(metrics) <= 1, res.asymmetry[res.asymmetry["flag"]]


def test_body_mass_only_converts_units():
    # before: GaCo01 contact time 0.811 s without a mass, 0.793 s with it
    rec = sk.read(PHYSIONET / "GaCo01_01.txt")
    a = sk.analyze(rec)
    b = sk.analyze(rec, body_mass_kg=83)
    assert list(a.steps.columns) == list(b.steps.columns)
    for col in ("t_contact_s", "t_toe_off_s", "contact_time_s", "peak_force_n", "valid", "exclude_reason"):
        pd.testing.assert_series_equal(a.steps[col], b.steps[col])
    assert a.steps["peak_force_bw"].isna().all()
    np.testing.assert_allclose(b.steps["peak_force_bw"], b.steps["peak_force_n"] / (83 * 9.81))


def test_summary_rows_are_numeric_and_counts_are_integers():
    res = sk.analyze(sk.read(PHYSIONET / "GaCo01_01.txt"), body_mass_kg=83)
    assert res.summary.loc["valr_bw_s"].dtype == np.float64
    assert all(dt == np.float64 for dt in res.summary.dtypes)
    assert res.counts.dtypes.map(lambda d: d == np.int64).all()
    assert res.steps["valr_samples"].dtype == np.int64
    assert res.asymmetry["flag"].dtype == bool


@pytest.mark.parametrize("loss", [0.01, 0.05])
def test_packet_loss_neither_splits_nor_loses_steps(loss):
    # before: sim loss=0.05 gave 256 steps for 170 real ones and excluded 86 %
    rec = sk.simulate(duration_s=60, seed=3, rate_hz=500, dropout=loss, noise=2.0)
    truth = rec.metadata["ground_truth"].steps
    true_n = int(truth["complete"].sum())
    res = sk.analyze(rec)
    found = int(res.steps["valid"].sum())
    assert abs(found - true_n) <= max(1, int(0.01 * true_n))
    assert res.steps.loc[res.steps["valid"], "contact_time_s"].min() > 0.15  # none split


def test_not_enough_steps_is_said_as_such():
    rec = sk.simulate(duration_s=2.0, seed=1)
    res = sk.analyze(rec)
    assert (res.asymmetry["status"].isin(["not enough data", "not applicable"])).all()
    assert not res.asymmetry["flag"].any()


def test_analysis_window_and_manual_exclusion_are_recorded():
    rec = sk.read(PHYSIONET / "GaCo01_01.txt")
    res = sk.analyze(rec, start_s=10.0, end_s=40.0, exclude_steps=[3])
    assert res.steps["t_contact_s"].min() >= 10.0 and res.steps["t_toe_off_s"].max() <= 40.0
    assert res.steps.loc[3, "exclude_reason"] == "excluded by user"
    assert not res.steps.loc[3, "steady_state"]
    assert res.selection["start_s"] == 10.0 and res.selection["excluded_steps"] == [3]


def _standing_recording(standing_s: float, left_n: float = 407.0, right_n: float = 244.0) -> sk.Recording:
    """1 s unloaded, ``standing_s`` with both feet loaded (+2 N noise per sensor), 1 s unloaded."""
    rate = 100.0
    t = np.arange(0.0, standing_s + 2.0, 1.0 / rate)
    on = (t >= 1.0) & (t < 1.0 + standing_s)
    rng = np.random.default_rng(0)
    lay = sk.load_layout("ref16")
    w = np.full(lay.n_sensors, 1.0 / lay.n_sensors)
    sides = {}
    for side, load in (("left", left_n), ("right", right_n)):
        v = (on * load)[:, None] * w[None, :] + rng.normal(0.0, 2.0, (t.size, lay.n_sensors))
        sides[side] = v.astype(np.float32)
    return sk.Recording.from_arrays(time=t, left=sides["left"], right=sides["right"], layout=lay, units="N")


@pytest.mark.parametrize("standing_s", [3.0, 29.0])
def test_standing_still_is_not_a_step_but_a_standing_period(standing_s):
    # before: standing still for 3 s or 29 s was a stance that entered the means
    res = sk.analyze(_standing_recording(standing_s))
    assert not res.steps["valid"].any()
    assert (res.steps["exclude_reason"] == "contact too long (standing or not a step)").all()
    assert len(res.standing) == 1
    st = res.standing.iloc[0]
    assert st["duration_s"] == pytest.approx(standing_s, abs=0.05)
    # 407 N vs 244 N: left carries 62.5 %, an asymmetry to report, not "no asymmetry"
    assert st["left_share_pct"] == pytest.approx(100 * 407 / 651, abs=0.5)
    assert st["status"] == "asymmetric"
    assert st["symmetry_index_pct"] == pytest.approx(200 * (407 - 244) / 651, abs=1.0)


def _run_cli(*args: str):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", ["no steps", "dead insole", "one foot"])
def test_too_little_data_is_never_called_no_asymmetry(tmp_path, case):
    rec = sk.simulate(duration_s=20, seed=2, rate_hz=200)
    if case == "no steps":
        rec = _standing_recording(5.0)
    elif case == "dead insole":
        rec = sk.Recording.from_arrays(
            time=rec.time, left=rec.left, right=np.zeros_like(rec.right), layout=rec.layout, units="N"
        )
    else:
        rec = sk.Recording.from_arrays(time=rec.time, left=rec.left, layout=rec.layout, units="N")
    res = sk.analyze(rec)
    assert not res.asymmetry["flag"].any()
    assert set(res.asymmetry["status"]) <= {"not enough data", "not applicable"}
    path = tmp_path / "rec.csv"
    sk.write(rec, path)
    out = _run_cli("analyze", str(path))
    assert out.returncode == 0, out.stderr
    if case == "no steps":
        assert "not enough data" in out.stdout
    else:  # steps on one insole only: the terminal says why there is no asymmetry
        assert "asymmetry: needs both insoles (steps on the left one only)" in out.stdout
    assert "no asymmetry" not in out.stdout


def test_no_trend_from_a_short_session():
    # before: the report's fatigue check gave -19 to +27 %/min on 30 s of a runner who does not fatigue
    for seed in (1, 2, 3):
        res = sk.analyze(sk.simulate(duration_s=30, seed=seed, rate_hz=200))
        assert res.trends.empty


def test_trend_of_a_steady_runner_contains_zero():
    res = sk.analyze(sk.simulate(duration_s=360, seed=4, rate_hz=200), min_trend_s=300.0)
    assert not res.trends.empty
    for metric, row in res.trends.iterrows():
        assert row["ci_low_per_min"] <= 0.0 <= row["ci_high_per_min"], metric


def test_a_bout_can_be_excluded_by_hand():
    res = sk.analyze(sk.read(PHYSIONET / "GaCo01_01.txt"), exclude_bouts=[0])
    assert not res.steps.loc[res.steps["bout"] == 0, "steady_state"].any()
    assert res.selection["excluded_bouts"] == [0]


def test_the_other_activity_s_metrics_are_not_applicable_not_missing_data():
    # a real PhysioNet walk has no VALR, VILR or impact peak by definition (running only):
    # its asymmetry says "not applicable", never "not enough data" (the cohort table and the
    # report said the latter); its walking metrics are measured
    walk = sk.analyze(sk.read(next(PHYSIONET.glob("*.txt"))))
    assert walk.activity == "walking"
    status = walk.asymmetry["status"]
    for name in ("valr_n_s", "valr_bw_s", "vilr_n_s", "impact_peak_n", "impact_peak_bw"):
        if name in status:
            assert status[name] == "not applicable", name
    assert status["first_peak_n"] not in ("not applicable", "not enough data")
    # and a simulated run's walking force features are not applicable
    run = sk.analyze(sk.simulate(duration_s=30, seed=2))
    assert run.activity == "running"
    assert run.asymmetry.loc["loading_rate_n_s", "status"] == "not applicable"
    assert run.asymmetry.loc["first_peak_bw", "status"] == "not applicable"
    assert run.asymmetry.loc["valr_bw_s", "status"] not in ("not applicable", "not enough data")


def test_metrics_without_any_value_say_why_instead_of_not_enough_data():
    # a PhysioNet walk (8 force sensors, 100 Hz) with no body mass: dozens of steps a side, but
    # no BW values, no pressures and no VILR. "Not enough data" (fewer than 5 steps) was wrong.
    walk = sk.analyze(sk.read(next(PHYSIONET.glob("*.txt"))))
    asym = walk.asymmetry
    assert min(asym.loc["peak_force_n", ["n_left", "n_right"]]) > 20
    assert asym.loc["peak_force_bw", "status"] == "not measured: no body mass"
    assert asym.loc["heel_peak_pressure_kpa", "status"] == "not measured: no sensor areas (force insole)"
    assert asym.loc["peak_force_n", "status"] not in ("not enough data",) and not asym.loc[
        "peak_force_n", "status"
    ].startswith("not measured")
    # with a body mass, the BW twin is measured like its N metric
    massed = sk.analyze(sk.read(next(PHYSIONET.glob("*.txt"))), body_mass_kg=70)
    assert massed.asymmetry.loc["peak_force_bw", "status"] == massed.asymmetry.loc["peak_force_n", "status"]
    # a 100 Hz run: VILR needs 500 Hz
    run = sk.analyze(sk.simulate(duration_s=30, seed=2, rate_hz=100))
    assert run.asymmetry.loc["vilr_n_s", "status"] == "not measured: below 500 Hz"
    # with a body mass, a BW twin gives its N metric's reason, not "no body mass"
    run = sk.analyze(sk.simulate(duration_s=30, seed=2, rate_hz=100), body_mass_kg=70)
    assert run.asymmetry.loc["vilr_bw_s", "status"] == "not measured: below 500 Hz"


def _postures(*parts: tuple[float, float]) -> sk.Recording:
    """1 s unloaded, then (seconds, left share) postures of 700 N in all, then 1 s unloaded."""
    rate = 100.0
    share = np.concatenate([np.full(round(d * rate), f) for d, f in parts])
    n = share.size + 200
    left, right = np.zeros(n), np.zeros(n)
    left[100:-100], right[100:-100] = 700.0 * share, 700.0 * (1.0 - share)
    lay = sk.load_layout("ref16")
    w = np.full(lay.n_sensors, 1.0 / lay.n_sensors, dtype=np.float32)
    return sk.Recording.from_arrays(
        time=np.arange(n) / rate,
        left=(left[:, None] * w).astype(np.float32),
        right=(right[:, None] * w).astype(np.float32),
        layout=lay,
        units="N",
    )


@pytest.mark.parametrize(
    ("parts", "shares"),
    [
        (((10.0, 0.08),), [8.0]),  # leaning on the right foot (the left offloaded)
        (((10.0, 0.08), (0.5, 0.92)), [8.0]),  # then a short shift: not a posture of its own
        (((5.0, 0.08), (5.0, 0.92)), [8.0, 92.0]),  # leaning right, then left: two periods
        (((3.0, 0.5), (0.3, 0.05), (3.0, 0.5)), [50.0, 50.0]),  # a foot lifted for 0.3 s: a step
    ],
)
def test_standing_that_leans_on_one_foot_is_still_standing(parts, shares):
    """Keeping turns out of standing (a lifted foot reading 20-60 N) must not drop a stance that
    leans on one foot (an injured leg offloaded), nor mix two postures into one share. A first
    version dropped 8/92 entirely, and dropped the whole stretch after one short shift."""
    res = sk.analyze(_postures(*parts))
    assert res.standing["left_share_pct"].round(0).tolist() == shares
    if shares == [8.0]:
        assert res.standing.iloc[0]["status"] == "asymmetric"
        assert res.standing.iloc[0]["duration_s"] == pytest.approx(10.0, abs=0.3)


def test_loading_rates_vary_more_from_step_to_step_than_peak_forces_on_the_bundled_walks():
    """docs/methods.md gives this as the reason the rates' asymmetry limit (15 %) is wider than the
    forces' (10 %), in place of an unsourced "12-16 % step-to-step spread of rates on insoles"."""
    files = [PHYSIONET / f"{n}.txt" for n in ("GaCo01_01", "GaCo03_01", "GaCo04_02")]
    files += [MOTICON / f"{n}.txt" for n in RECORDINGS]
    rate_cv, force_cv = [], []
    for path in files:
        summary = sk.analyze(sk.read(path)).summary
        rate_cv.append(float(summary.loc["loading_rate_n_s", "both_cv_pct"]))
        force_cv.append(float(summary.loc["peak_force_n", "both_cv_pct"]))
    assert 10.0 <= min(rate_cv) and max(rate_cv) < 30.0  # "10-29 %"
    assert 2.0 <= min(force_cv) and max(force_cv) < 5.0  # "2-4 %"
    assert min(rate_cv) > 2 * max(force_cv)
