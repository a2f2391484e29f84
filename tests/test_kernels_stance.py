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
