"""Per-stance COP path, regional loads, peak/impulse and time-jump kernels vs references and exact values."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit import kernels, reference


def _random_steps(rng, n):
    starts, stops = [], []
    k = int(rng.integers(0, 5))
    while k < n - 60:
        length = int(rng.integers(1, 50))
        starts.append(k)
        stops.append(k + length)
        k += length + int(rng.integers(1, 10))
    return np.array(starts, np.int64), np.array(stops, np.int64)


def test_stance_force_matches_reference():
    rng = np.random.default_rng(1)
    n = 3000
    t = np.cumsum(rng.uniform(0.005, 0.015, n))
    f = rng.uniform(0, 1000, n).astype(np.float32)
    starts, stops = _random_steps(rng, n)
    for g, w in zip(
        kernels.stance_force(f, t, starts, stops), reference.stance_force(f, t, starts, stops), strict=True
    ):
        np.testing.assert_allclose(g, w, rtol=1e-9)


def test_impulse_of_constant_force_is_force_times_duration():
    t = np.arange(101) * 0.01
    f = np.full(101, 700.0, np.float32)
    peak, impulse = kernels.stance_force(f, t, np.array([0]), np.array([101]))
    assert peak[0] == 700.0 and impulse[0] == pytest.approx(700.0)


def test_impulse_spans_the_contact_time_up_to_the_toe_off_frame():
    # piecewise-linear force, contact at frame 1 and toe-off at frame 6 (the first frame below
    # threshold): the exact integral over the contact time t[6] - t[1] is 0.01 s x 850 N = 8.5 N s;
    # stopping at the last loaded frame gave 8.0 N s (the PTI already ran to the toe-off frame)
    t = np.arange(8) * 0.01
    f = np.array([0, 100, 200, 300, 200, 100, 0, 0], np.float32)
    starts, stops = np.array([1]), np.array([6])
    peak, impulse = kernels.stance_force(f, t, starts, stops)
    assert peak[0] == 300.0 and impulse[0] == pytest.approx(8.5)
    values = np.zeros((8, 4), np.float32)
    values[:, 0] = f  # one heel sensor carries it all
    args = (
        values,
        t,
        np.zeros(4, np.float32),
        starts,
        stops,
        np.array([0, 1, 2, 3]),
        np.array([-1, 0, 1, -1]),
    )
    imp, pk, _, ml = kernels.regional_loads(*args, np.full(4, 10.0))
    assert imp[0, 0] == pytest.approx(8.5) and pk[0, 0] == 300.0 and np.all(imp[0, 1:] == 0.0)
    ref_imp, ref_pk, _, _ = reference.regional_loads(*args, np.full(4, 10.0))
    np.testing.assert_allclose(imp, ref_imp)
    np.testing.assert_allclose(pk, ref_pk)
    assert np.all(ml[0] == 0.0)
    # a stance whose toe-off frame is missing (it ended in a hole) has no known impulse
    f_hole = f.copy()
    f_hole[6] = np.nan
    assert np.isnan(kernels.stance_force(f_hole, t, starts, stops)[1][0])


def test_time_jumps_match_reference_and_include_the_frame_before_contact():
    rng = np.random.default_rng(2)
    n = 2000
    dt = np.where(rng.random(n) < 0.01, 0.05, 0.01)
    t = np.cumsum(dt)
    starts, stops = _random_steps(rng, n)
    got = kernels.stance_time_jumps(t, starts, stops, 0.015)
    np.testing.assert_array_equal(got, reference.stance_time_jumps(t, starts, stops, 0.015))
    t2 = np.arange(20) * 0.01
    t2[10:] += 1.0  # jump between frames 9 and 10
    assert kernels.stance_time_jumps(t2, np.array([10]), np.array([15]), 0.015)[0]
    assert not kernels.stance_time_jumps(t2, np.array([11]), np.array([15]), 0.015)[0]


def test_cop_path_metrics_match_reference():
    rng = np.random.default_rng(3)
    n = 3000
    t = np.cumsum(rng.uniform(0.005, 0.015, n))
    x = rng.normal(0, 20, n).astype(np.float32)
    y = np.cumsum(rng.normal(3, 5, n)).astype(np.float32) % 260
    x[rng.random(n) < 0.1] = np.nan
    y[np.isnan(x)] = np.nan
    starts, stops = _random_steps(rng, n)
    args = (x, y, t, starts, stops, 260.0, 100.0, 2.0 / 3.0)
    for g, w in zip(kernels.cop_path_metrics(*args), reference.cop_path_metrics(*args), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize(
    ("seed", "min_force_frac", "bin_s"),
    [(0, 0.1, 0.01), (1, 0.1, 0.01), (2, 0.0, 0.01), (3, 0.5, 0.03), (4, 0.1, 0.0), (5, 0.25, 0.005)],
)
def test_cop_path_points_match_reference(seed, min_force_frac, bin_s):
    # irregular time steps (bins are by time, not frames), NaN COP and force, negative
    # (baseline-corrected) and zero forces, stances of 1-49 frames
    rng = np.random.default_rng(300 + seed)
    n = 4000
    t = np.cumsum(rng.uniform(0.001, 0.012, n))
    x = rng.normal(0, 20, n).astype(np.float32)
    y = rng.uniform(0, 260, n).astype(np.float32)
    f = rng.uniform(-20, 900, n).astype(np.float32)
    f[rng.random(n) < 0.05] = 0.0
    f[rng.random(n) < 0.03] = np.nan
    x[rng.random(n) < 0.05] = np.nan
    y[rng.random(n) < 0.05] = np.nan
    starts, stops = _random_steps(rng, n)
    args = (x, y, f, t, starts, stops, min_force_frac, bin_s)
    gx, gy = kernels.cop_path_points(*args)
    wx, wy = reference.cop_path_points(*args)
    assert gx.dtype == gy.dtype == np.float32 and gx.shape == (n,)
    np.testing.assert_array_equal(np.isnan(gx), np.isnan(wx))
    np.testing.assert_array_equal(np.isnan(gy), np.isnan(wy))
    assert np.isfinite(gx).sum() > 200  # not vacuous
    np.testing.assert_allclose(gx, wx, rtol=1e-6, atol=1e-4, equal_nan=True)
    np.testing.assert_allclose(gy, wy, rtol=1e-6, atol=1e-4, equal_nan=True)
    # frames outside every stance never carry a point
    inside = np.zeros(n, bool)
    for c, e in zip(starts, stops, strict=True):
        inside[c:e] = True
    assert np.isnan(gx[~inside]).all()


def test_cop_path_points_are_force_weighted_means_of_10_ms_bins_of_the_loaded_frames():
    # one stance, frames 0..7 at t = 0, 3, 6, 12, 15, 18, 24, 27 ms (bins of 10 ms from contact:
    # [0, 10), [10, 20), [20, 30) ms). Peak 400 N, so 10 % = 40 N: frame 0 (30 N) is left out.
    t = np.array([0.000, 0.003, 0.006, 0.012, 0.015, 0.018, 0.024, 0.027, 0.030])
    f = np.array([30, 100, 300, 400, 200, 200, 50, 39.9, 0], np.float32)
    x = np.array([99, 10, 20, -5, 5, 11, 7, 99, 0], np.float32)
    y = np.array([0, 30, 50, 100, 110, 130, 200, 250, 0], np.float32)
    xp, yp = kernels.cop_path_points(x, y, f, t, np.array([0]), np.array([8]), 0.1, 0.01)
    # bin 0: frames 1, 2 -> x (100 x 10 + 300 x 20) / 400 = 17.5, y (3000 + 15000) / 400 = 45,
    # at frame 2; bin 1: frames 3-5 -> x (-2000 + 1000 + 2200) / 800 = 1.5, y (40000 + 22000 +
    # 26000) / 800 = 110, at frame 5; bin 2: frame 6 only (frame 7, 39.9 N, is below 40 N)
    want_x = [np.nan, np.nan, 17.5, np.nan, np.nan, 1.5, 7.0, np.nan, np.nan]
    want_y = [np.nan, np.nan, 45.0, np.nan, np.nan, 110.0, 200.0, np.nan, np.nan]
    np.testing.assert_allclose(xp, want_x, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(yp, want_y, rtol=1e-6, equal_nan=True)
    # the path metrics then run on those points: AP excursion 200 - 45 = 155 mm, path
    # |(17.5, 45) -> (1.5, 110)| + |(1.5, 110) -> (7, 200)|
    _, ap, ml, path, _, _ = kernels.cop_path_metrics(
        xp, yp, t, np.array([0]), np.array([8]), 250.0, 100.0, 2.0 / 3.0
    )
    assert ap[0] == pytest.approx(155.0) and ml[0] == pytest.approx(16.0)
    assert path[0] == pytest.approx(np.hypot(16.0, 65.0) + np.hypot(5.5, 90.0), rel=1e-6)
    # bin_s = 0 keeps every loaded frame as its own point
    xp0, _ = kernels.cop_path_points(x, y, f, t, np.array([0]), np.array([8]), 0.1, 0.0)
    np.testing.assert_allclose(xp0, [np.nan, 10, 20, -5, 5, 11, 7, np.nan, np.nan], equal_nan=True)


def test_straight_cop_path_has_zero_cpei_and_exact_excursions():
    t = np.arange(11) * 0.01
    y = np.linspace(20, 220, 11).astype(np.float32)
    x = np.linspace(-10, 10, 11).astype(np.float32)
    strike, ap, ml, path, vel, cpei = kernels.cop_path_metrics(
        x, y, t, np.array([0]), np.array([10]), 250.0, 100.0, 2.0 / 3.0
    )
    assert strike[0] == pytest.approx(8.0)
    assert ap[0] == pytest.approx(180.0) and ml[0] == pytest.approx(18.0)
    assert vel[0] == pytest.approx(path[0] / 0.1)
    assert cpei[0] == pytest.approx(0.0, abs=1e-6)


def test_cpei_is_positive_when_path_bows_laterally():
    t = np.arange(5) * 0.01
    y = np.array([0, 100, 200, 260, 300], np.float32)
    x = np.array([0, -20, -30, 0, 0], np.float32)  # lateral = negative x
    cpei = kernels.cop_path_metrics(x, y, t, np.array([0]), np.array([5]), 300.0, 100.0, 2.0 / 3.0)[5]
    assert cpei[0] == pytest.approx(30.0)  # x_line 0, x_cop -30 at y = 200 mm; width 100 mm


def test_regional_loads_match_reference_and_split_medial_lateral():
    rng = np.random.default_rng(4)
    n, s = 2000, 16
    t = np.cumsum(rng.uniform(0.005, 0.015, n))
    values = rng.uniform(0, 100, (n, s)).astype(np.float32)
    base = rng.uniform(0, 2, s).astype(np.float32)
    region = rng.integers(0, 4, s).astype(np.int64)
    ml = rng.integers(-1, 2, s).astype(np.int64)
    kpa = np.where(rng.random(s) < 0.2, np.nan, rng.uniform(5, 10, s))
    starts, stops = _random_steps(rng, n)
    args = (values, t, base, starts, stops, region, ml, kpa)
    for g, w in zip(kernels.regional_loads(*args), reference.regional_loads(*args), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_kernels_match_references_with_missing_frames_empty_stances_and_the_last_frame():
    """Missing (all-NaN) frames inside stances, empty stances and a stance ending at the last
    frame: the peaks leave missing frames out (NaN when none has a value) in the kernels and the
    references alike; they disagreed (the kernel skipped NaN, the reference returned it, and a
    stance of missing frames only got a peak of -inf)."""
    rng = np.random.default_rng(11)
    n, s = 1500, 16
    t = np.cumsum(rng.uniform(0.005, 0.015, n))
    values = rng.uniform(0, 100, (n, s)).astype(np.float32)
    values[rng.random(n) < 0.03] = np.nan  # whole missing frames
    values[700:712] = np.nan  # a stance of missing frames only (below)
    force = values.sum(axis=1).astype(np.float32)
    starts, stops = _random_steps(rng, n - 100)
    starts = np.concatenate([starts, [700, 900, n - 20]]).astype(np.int64)
    stops = np.concatenate([stops, [712, 900, n]]).astype(np.int64)  # all missing, empty, to the end
    for g, w in zip(kernels.stance_force(force, t, starts, stops), reference.stance_force(force, t, starts, stops),
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(g, w, rtol=1e-9, equal_nan=True)
    peak, _ = kernels.stance_force(force, t, starts, stops)
    assert np.isnan(peak[-3]) and np.isnan(peak[-2]) and np.isfinite(peak[-1])
    base = rng.uniform(0, 2, s).astype(np.float32)
    region = np.arange(s, dtype=np.int64) % 4
    ml = (np.arange(s, dtype=np.int64) % 3) - 1
    args = (values, t, base, starts, stops, region, ml, np.full(s, 7.5))
    for g, w in zip(kernels.regional_loads(*args), reference.regional_loads(*args), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_regional_impulses_add_up_to_total_impulse():
    rng = np.random.default_rng(5)
    t = np.arange(200) * 0.01
    values = rng.uniform(0, 100, (200, 6)).astype(np.float32)
    zero = np.zeros(6, np.float32)
    region = np.array([0, 0, 1, 2, 2, 3], np.int64)
    starts, stops = np.array([10]), np.array([150])
    imp = kernels.regional_loads(values, t, zero, starts, stops, region, np.full(6, -1), np.ones(6))[0]
    _, total = kernels.stance_force(kernels.total_force(values, zero), t, starts, stops)
    assert imp.sum() == pytest.approx(total[0], rel=1e-5)


# ---------------------------------------------------------------------------------------
# Walking force features and strike index (issue 12) against their references
# ---------------------------------------------------------------------------------------


def test_walking_features_of_an_analytic_double_hump():
    # 1 kHz; force 0 until 50 ms, up to 1000 N at 150 ms (10 kN/s), down to a 600 N valley at
    # 300 ms, up to 1100 N at 450 ms, down to 0 at 550 ms (11 kN/s). First loaded frame 51,
    # first unloaded frame 550: stance 51 ms .. 550 ms (0.499 s), midpoint 300.5 ms.
    t = np.arange(0, 0.7, 0.001)
    f = np.interp(t, [0.0, 0.05, 0.15, 0.30, 0.45, 0.55], [0.0, 0.0, 1000.0, 600.0, 1100.0, 0.0])
    out = kernels.walking_features(f.astype(np.float32), t, np.array([51]), np.array([550]), 0.2, 0.8)
    assert out.shape == (1, 12)
    first, first_pct, valley, valley_pct, second, second_pct, loading, unloading = out[0, :8]
    load_start, load_end, unload_start, unload_end = out[0, 8:]
    dur = 0.499
    assert first == pytest.approx(1000.0, rel=1e-5) and first_pct == pytest.approx(100 * 0.099 / dur)
    assert valley == pytest.approx(600.0, rel=1e-5) and valley_pct == pytest.approx(100 * 0.249 / dur)
    assert second == pytest.approx(1100.0, rel=1e-5) and second_pct == pytest.approx(100 * 0.399 / dur)
    # 20 -> 80 % of the first peak on a 10 kN/s ramp; 80 -> 20 % of the second on an 11 kN/s one
    assert loading == pytest.approx(10_000.0, rel=1e-4)
    assert unloading == pytest.approx(11_000.0, rel=1e-4)
    # the rates' windows (columns 8-11): 200 N at 50 + 20 = 70 ms and 800 N at 50 + 80 = 130 ms
    # on the rise; 880 N at 450 + 20 = 470 ms and 220 N at 450 + 80 = 530 ms on the way down
    assert load_start == pytest.approx(0.070, abs=1e-6) and load_end == pytest.approx(0.130, abs=1e-6)
    assert unload_start == pytest.approx(0.470, abs=1e-6) and unload_end == pytest.approx(0.530, abs=1e-6)
    # the window is the rate's: 60 % of the peak over its duration
    assert loading == pytest.approx(0.6 * first / (load_end - load_start), rel=1e-9)
    assert unloading == pytest.approx(0.6 * second / (unload_end - unload_start), rel=1e-9)


def test_walking_peaks_are_local_maxima_so_a_single_hump_has_none():
    # a half-sine (one hump, as in running), 1 kHz, stance frames 0..300: its maximum (frame
    # 150) lies in one half only; the other half rises (or falls) monotonically, so its largest
    # value sits at the half's edge and is not a local maximum: no first/second peak at all
    t = np.arange(0, 0.4, 0.001)
    f = np.where(t <= 0.3, 1000.0 * np.sin(np.pi * t / 0.3), 0.0).astype(np.float32)
    out = kernels.walking_features(f, t, np.array([1]), np.array([300]), 0.2, 0.8)
    assert np.isnan(out).all()
    np.testing.assert_array_equal(np.isnan(reference.walking_features(f, t, [1], [300], 0.2, 0.8)), True)
    # a shoulder on the rise (a plateau, then the hump's top in the second half) is no peak
    # either: only a frame above its successor and not below its predecessor is a local maximum
    g = np.interp(t, [0.0, 0.01, 0.05, 0.10, 0.20, 0.25, 0.30], [0, 0, 600, 600, 900, 0, 0]).astype(
        np.float32
    )
    assert np.isnan(kernels.walking_features(g, t, np.array([11]), np.array([250]), 0.2, 0.8)).all()
    # ... while a small real bump in the first half is one: 700 N at 60 ms (frame 60)
    h = np.interp(t, [0.0, 0.01, 0.06, 0.08, 0.20, 0.25], [0, 0, 700, 650, 900, 0]).astype(np.float32)
    out = kernels.walking_features(h, t, np.array([11]), np.array([250]), 0.2, 0.8)[0]
    assert out[0] == pytest.approx(700.0) and out[4] == pytest.approx(900.0)
    assert out[2] == pytest.approx(650.0)  # the valley: 650 N at 80 ms, the minimum between them


def test_walking_features_are_undefined_with_a_missing_frame_or_a_too_short_stance():
    t = np.arange(0, 0.2, 0.01)
    f = np.interp(t, [0.0, 0.05, 0.1, 0.15], [0.0, 500.0, 300.0, 600.0]).astype(np.float32)
    f[8] = np.nan
    out = kernels.walking_features(f, t, np.array([1, 12]), np.array([15, 14]), 0.2, 0.8)
    assert np.isnan(out).all()
    none = np.zeros(0, np.int64)
    assert kernels.walking_features(f, t, none, none, 0.2, 0.8).shape == (0, 12)


def _walking_signal(rng, n):
    """Random double-hump stances with noise, some missing frames, and their frame ranges."""
    t = np.cumsum(rng.uniform(0.004, 0.012, n))
    f = np.zeros(n)
    starts, stops = [], []
    k = int(rng.integers(0, 5))
    while k < n - 150:
        length = int(rng.integers(2, 120))
        tau = np.linspace(0, 1, length)
        hump = (
            rng.uniform(300, 900) * np.sin(np.pi * tau) + rng.uniform(0, 400) * np.sin(3 * np.pi * tau) ** 2
        )
        f[k : k + length] = np.maximum(hump + rng.normal(0, rng.choice([0.0, 5.0, 40.0]), length), 0.0) + 25.0
        starts.append(k)
        stops.append(k + length)
        k += length + int(rng.integers(1, 30))
    f[rng.random(n) < 0.003] = np.nan
    return t, f.astype(np.float32), np.array(starts, np.int64), np.array(stops, np.int64)


@pytest.mark.parametrize("seed", range(6))
def test_walking_features_match_reference(seed):
    rng = np.random.default_rng(100 + seed)
    t, f, starts, stops = _walking_signal(rng, 5000)
    got = kernels.walking_features(f, t, starts, stops, 0.2, 0.8)
    want = reference.walking_features(f, t, starts, stops, 0.2, 0.8)
    assert got.shape == want.shape == (starts.size, 12)
    assert np.isfinite(got[:, 0]).mean() > 0.5  # most stances measured: the comparison is not vacuous
    # the rates' windows too (columns 8-11), and each rate is 60 % of its peak over its window
    assert np.isfinite(got[:, 8]).mean() > 0.4 and np.isfinite(got[:, 10]).mean() > 0.4
    np.testing.assert_allclose(got[:, 6], 0.6 * got[:, 0] / (got[:, 9] - got[:, 8]), rtol=1e-9)
    np.testing.assert_allclose(got[:, 7], 0.6 * got[:, 4] / (got[:, 11] - got[:, 10]), rtol=1e-9)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_strike_index_is_the_force_weighted_cop_over_early_stance():
    # 100 Hz: frames c, c+1, c+2 carry 100 N at y 20 mm, 300 N at 100 mm, 500 N at 200 mm.
    # A 15 ms window holds c and c+1: (100 x 20 + 300 x 100) / 400 = 80 mm of 200 mm = 40 %.
    t = np.arange(10) * 0.01
    y = np.array([np.nan, 20, 100, 200, 200, 200, np.nan, np.nan, np.nan, np.nan], np.float32)
    f = np.array([0, 100, 300, 500, 500, 500, 0, 0, 0, 0], np.float32)
    starts, stops = np.array([1]), np.array([6])
    assert kernels.strike_index(y, f, t, starts, stops, 0.015, 200.0)[0] == pytest.approx(40.0)
    # a zero window is the contact frame alone (the older single-frame reading): 20 / 200
    assert kernels.strike_index(y, f, t, starts, stops, 0.0, 200.0)[0] == pytest.approx(10.0)
    # no COP in the window: undefined
    assert np.isnan(kernels.strike_index(y, f, t, np.array([6]), np.array([9]), 0.015, 200.0)[0])


@pytest.mark.parametrize("window_s", [0.0, 0.01, 0.015, 0.05])
def test_strike_index_matches_reference(window_s):
    rng = np.random.default_rng(int(window_s * 1000))
    n = 3000
    t = np.cumsum(rng.uniform(0.001, 0.012, n))
    y = rng.uniform(0, 260, n).astype(np.float32)
    f = rng.uniform(-5, 800, n).astype(np.float32)  # a few negative (baseline-corrected) weights
    y[rng.random(n) < 0.1] = np.nan
    f[rng.random(n) < 0.02] = np.nan
    starts, stops = _random_steps(rng, n)
    got = kernels.strike_index(y, f, t, starts, stops, window_s, 265.0)
    want = reference.strike_index(y, f, t, starts, stops, window_s, 265.0)
    assert np.isfinite(got).mean() > 0.8
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, equal_nan=True)


# ---------------------------------------------------------------------------------------
# Each sensor's peak per stance (the report's peak map) against its reference
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["C", "F", "F sliced"])
@pytest.mark.parametrize("s", [1, 16, 99])
def test_sensor_peaks_match_reference_and_np_fmax(order, s):
    rng = np.random.default_rng(s)
    n = 2000
    values = rng.normal(40, 30, (n, s)).astype(np.float32)
    values[rng.random((n, s)) < 0.05] = np.nan
    values[rng.random(n) < 0.02] = np.nan  # whole missing frames
    values[100:130] = np.nan  # a stance of missing frames only
    values = np.asarray(values, order=order[0])
    if order == "F sliced":
        values = values[5:-5]
    starts = np.sort(rng.choice(values.shape[0] - 1, 60, replace=False)).astype(np.int64)
    stops = np.minimum(starts + rng.integers(-3, 400, 60), values.shape[0] - 1).astype(np.int64)
    starts[0], stops[0] = 95, 95 + 3  # (after the slice) inside the missing block
    got = kernels.sensor_peaks(values, starts, stops)
    assert got.shape == (60, s) and got.dtype == np.float64
    np.testing.assert_array_equal(got, reference.sensor_peaks(values, starts, stops))
    with np.errstate(invalid="ignore"):
        fmax = [np.fmax.reduce(values[a : max(b, a + 1)], axis=0) for a, b in zip(starts, stops, strict=True)]
    np.testing.assert_array_equal(got, np.array(fmax, dtype=np.float64))


def test_sensor_peaks_hand_worked():
    v = np.array([[1.0, np.nan], [5.0, np.nan], [3.0, 2.0], [np.nan, 7.0]], np.float32)
    got = kernels.sensor_peaks(v, np.array([0, 1, 2, 3]), np.array([2, 1, 4, 0]))
    # [0, 2) -> 5, NaN; frame 1 alone (stop <= start) -> 5, NaN; [2, 4) -> 3, 7; frame 3 -> NaN, 7
    np.testing.assert_array_equal(got, [[5.0, np.nan], [5.0, np.nan], [3.0, 7.0], [np.nan, 7.0]])
