import numpy as np
import pytest

import sensorkit as sk
from sensorkit.simulate import cop as cop_mod
from sensorkit.simulate import simulate
from sensorkit.simulate.loads import distribute_loads, distribute_loads_reference
from sensorkit.simulate.truth import step_truth, strike_pattern


@pytest.fixture(scope="module")
def run():
    return simulate(duration_s=20, seed=11, rate_hz=200)


def test_same_seed_gives_identical_recordings():
    a = simulate(duration_s=5, seed=3, noise=2.0, dropout=0.05)
    b = simulate(duration_s=5, seed=3, noise=2.0, dropout=0.05)
    np.testing.assert_array_equal(a.left, b.left)
    np.testing.assert_array_equal(a.right, b.right)
    c = simulate(duration_s=5, seed=4, noise=2.0, dropout=0.05)
    assert not np.array_equal(a.left, c.left, equal_nan=True)


def test_sensor_forces_sum_to_the_generated_total(run):
    truth = run.metadata["ground_truth"]
    for side in ("left", "right"):
        total = run.values(side).astype(np.float64).sum(axis=1)
        np.testing.assert_allclose(total, truth.sides[side].force_n, rtol=1e-5, atol=1e-3)


def test_cop_of_sensor_loads_equals_the_generated_cop(run):
    truth = run.metadata["ground_truth"]
    lay = run.layout
    for side in ("left", "right"):
        v = run.values(side).astype(np.float64)
        f = v.sum(axis=1)
        on = f > 1.0
        x = (v[on] * lay.x_mm).sum(axis=1) / f[on]
        y = (v[on] * lay.y_mm).sum(axis=1) / f[on]
        np.testing.assert_allclose(x, truth.sides[side].cop_x_mm[on], atol=1e-3)
        np.testing.assert_allclose(y, truth.sides[side].cop_y_mm[on], atol=1e-3)
        swing = truth.sides[side].force_n == 0
        assert np.isnan(truth.sides[side].cop_x_mm[swing]).all()
        assert not np.isnan(truth.sides[side].cop_x_mm[~swing]).any()


def test_load_kernel_matches_numpy_reference():
    lay = sk.load_layout("ref16")
    rng = np.random.default_rng(5)
    n = 500
    force = rng.uniform(0, 2000, n)
    force[::7] = 0.0
    hull = cop_mod.shrink_polygon(cop_mod.convex_hull(lay.x_mm, lay.y_mm), 0.9)
    x, y = cop_mod.clip_to_polygon(rng.uniform(-60, 60, n), rng.uniform(0, 260, n), hull)
    w = rng.uniform(0.3, 2.5, lay.n_sensors)
    out = np.zeros((n, lay.n_sensors), np.float32)
    failures = distribute_loads(force, x, y, lay.x_mm, lay.y_mm, w, 35.0, 37.0, out)
    ref = distribute_loads_reference(force, x, y, lay.x_mm, lay.y_mm, w, 35.0, 37.0)
    assert failures == 0
    np.testing.assert_allclose(out, ref, rtol=2e-5, atol=1e-3)
    assert (out >= 0).all()
    on = force > 0
    cop_x = (out[on] * lay.x_mm).sum(axis=1) / out[on].sum(axis=1)
    np.testing.assert_allclose(cop_x, x[on], atol=1e-3)


def test_ground_truth_matches_requested_gait(run):
    truth = run.metadata["ground_truth"]
    steps = truth.steps[truth.steps.complete]
    assert truth.gait == "run"
    assert (steps.strike_pattern == "rearfoot").all()
    assert (steps.loading_rate_method == "impact_peak").all()
    # cadence from the contacts of both feet
    contacts = np.sort(truth.steps.t_contact_s.to_numpy())
    assert 60.0 / np.median(np.diff(contacts)) == pytest.approx(170.0, rel=0.03)
    # contact time at 3 m/s: 0.8 / (3 + 0.2) s, with 2% jitter
    assert steps.contact_time_s.median() == pytest.approx(0.25, rel=0.03)
    assert 40 < steps.valr_bw_s.median() < 140  # rearfoot runners on force plates: ~40-100 BW/s
    assert 2.2 < steps.peak_force_bw.median() < 2.8


@pytest.mark.parametrize(("strike", "pattern"), [("midfoot", "midfoot"), ("forefoot", "forefoot")])
def test_strike_pattern_sets_strike_index_and_impact(strike, pattern):
    truth = simulate(duration_s=10, seed=2, strike=strike).metadata["ground_truth"]
    assert (truth.steps.strike_pattern == pattern).all()
    assert truth.steps.impact_peak_bw.isna().all()
    assert (truth.steps.loading_rate_method == "13pct_stance").all()


def test_foot_type_orders_midfoot_load_and_medial_cop():
    arch, medial = {}, {}
    for foot in ("flat", "normal", "high"):
        rec = simulate(duration_s=10, seed=8, foot_type=foot)
        truth = rec.metadata["ground_truth"]
        arch[foot] = truth.steps.arch_indicator.median()
        medial[foot] = np.nanmean(truth.sides["left"].cop_x_mm)
    assert arch["flat"] > arch["normal"] > arch["high"]
    assert medial["flat"] > medial["normal"] > medial["high"]


def test_asymmetry_gives_the_stated_symmetry_index():
    truth = simulate(duration_s=30, seed=4, asymmetry=0.1).metadata["ground_truth"]
    s = truth.steps[truth.steps.complete]
    left = s[s.side == "left"].peak_force_bw.mean()
    right = s[s.side == "right"].peak_force_bw.mean()
    si = (left - right) / (0.5 * (left + right)) * 100
    assert truth.symmetry_index_pct == pytest.approx(10.0)
    assert si == pytest.approx(10.0, abs=1.5)  # 3% amplitude jitter over ~40 steps per side


def test_walking_has_a_double_bump_profile():
    rec = simulate(duration_s=10, seed=1, speed_mps=1.2, rate_hz=1000)
    truth = rec.metadata["ground_truth"]
    assert truth.gait == "walk" and truth.cadence_spm == 110
    step = truth.steps[truth.steps.complete].iloc[0]
    t = rec.time
    f = truth.sides[step.side].force_n.astype(float)
    stance = f[(t > step.t_contact_s) & (t < step.t_toe_off_s)]
    d = np.diff(stance)
    peaks = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0))
    assert len(peaks) == 2
    valley = stance[peaks[0] : peaks[1]].min()
    assert 0.7 < valley / stance[peaks[0]] < 0.9


def test_noise_has_the_requested_spread_in_swing():
    rec = simulate(duration_s=10, seed=1, noise=3.0)
    swing = rec.metadata["ground_truth"].sides["left"].force_n == 0
    assert rec.left[swing].std() == pytest.approx(3.0, rel=0.05)


def test_dropout_removes_frames_without_changing_the_rest():
    clean = simulate(duration_s=10, seed=6)
    lossy = simulate(duration_s=10, seed=6, dropout=0.05)
    lost = np.isnan(lossy.left).all(axis=1)
    assert 0.02 < lost.mean() < 0.09
    np.testing.assert_array_equal(lossy.left[~lost], clean.left[~lost])
    gaps = lossy.gaps[lossy.gaps.side == "left"]
    assert gaps.n_missing.sum() == lost.sum()


def test_truth_oracle_gives_exact_valr_of_a_piecewise_linear_curve():
    # rise linearly to 1.5 BW at 10% of a 0.2 s stance, dip, then a plateau: VALR = 1.5 / 0.02 s
    def shape(tau, k):
        return np.interp(tau, [0, 0.1, 0.15, 0.5, 1.0], [0, 1.5, 1.2, 2.0, 0])

    lay = sk.load_layout("ref16")
    hull = cop_mod.shrink_polygon(cop_mod.convex_hull(lay.x_mm, lay.y_mm), 0.9)
    table = step_truth(
        side="left",
        starts=np.array([1.0]),
        durations=np.array([0.2]),
        shape=shape,
        path=cop_mod.strike_path("rearfoot"),
        layout=lay,
        hull=hull,
        y_off=np.zeros(1),
        ml_shift=np.zeros(1),
        t_first=0.0,
        t_last=10.0,
    )
    row = table.iloc[0]
    assert row.impact_peak_bw == pytest.approx(1.5, rel=1e-3)
    assert row.valr_bw_s == pytest.approx(75.0, rel=1e-3)
    assert row.vilr_bw_s == pytest.approx(75.0, rel=1e-3)
    assert row.t_contact_threshold_s == pytest.approx(1.0 + 0.2 * 0.1 * 0.05 / 1.5, abs=1e-6)


def test_strike_pattern_bands():
    assert list(strike_pattern([10, 33.2, 33.4, 66.6, 66.8])) == [
        "rearfoot",
        "rearfoot",
        "midfoot",
        "midfoot",
        "forefoot",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"foot_type": "flatish"}, "foot_type must be one of"),
        ({"strike": "heel"}, "strike must be one of"),
        ({"body_mass_kg": 70000}, "outside 20-250 kg"),
        ({"dropout": 1.5}, "dropout must be a probability"),
        ({"cadence_spm": 1000}, "outside 30-260"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate(duration_s=1, **kwargs)


def test_simulator_works_with_the_physionet_layout():
    rec = simulate(duration_s=5, seed=1, layout="physionet8", speed_mps=1.1)
    truth = rec.metadata["ground_truth"]
    np.testing.assert_allclose(rec.left.sum(axis=1), truth.sides["left"].force_n, rtol=1e-5, atol=1e-3)
