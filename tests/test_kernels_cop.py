"""COP and total-force kernels against the naive numpy reference and exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit import kernels, reference


def _random_frames(rng: np.random.Generator, n: int, s: int) -> np.ndarray:
    values = (rng.random((n, s)) * 200.0).astype(np.float32)
    values[rng.random(n) < 0.3] = 0.0  # swing frames
    values[rng.random(n) < 0.05] = np.nan  # missing frames
    return values


@pytest.mark.parametrize("n_sensors", [1, 8, 16, 33])
def test_cop_frames_matches_reference_on_random_frames(n_sensors):
    rng = np.random.default_rng(n_sensors)
    values = _random_frames(rng, 2000, n_sensors)
    x = rng.normal(0, 30, n_sensors).astype(np.float32)
    y = rng.uniform(0, 260, n_sensors).astype(np.float32)
    base = rng.uniform(0, 2, n_sensors).astype(np.float32)
    got = kernels.cop_frames(values, x, y, base, 40.0)
    want = reference.cop_frames(values, x, y, base, 40.0)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-3)
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))


def test_cop_is_nan_below_threshold_and_in_missing_frames():
    values = np.array([[1.0, 1.0], [50.0, 50.0], [np.nan, np.nan]], dtype=np.float32)
    xy = np.array([0.0, 100.0], dtype=np.float32)
    x, y, f = kernels.cop_frames(values, xy, xy, np.zeros(2, np.float32), 20.0)
    assert np.isnan(x[0]) and np.isnan(y[0]) and f[0] == pytest.approx(2.0)
    assert x[1] == pytest.approx(50.0) and f[1] == pytest.approx(100.0)
    assert np.isnan(f[2]) and np.isnan(x[2])


def test_cop_of_single_loaded_sensor_is_that_sensors_position():
    values = np.zeros((3, 4), dtype=np.float32)
    values[:, 2] = 300.0
    x_mm = np.array([1, 2, 3, 4], dtype=np.float32)
    y_mm = np.array([10, 20, 30, 40], dtype=np.float32)
    x, y, _ = kernels.cop_frames(values, x_mm, y_mm, np.zeros(4, np.float32), 1.0)
    assert np.all(x == 3.0) and np.all(y == 30.0)


def test_baseline_is_subtracted_before_weighting():
    values = np.array([[10.0, 110.0]], dtype=np.float32)
    pos = np.array([0.0, 100.0], dtype=np.float32)
    base = np.array([10.0, 10.0], dtype=np.float32)
    x, _, f = kernels.cop_frames(values, pos, pos, base, 1.0)
    assert f[0] == pytest.approx(100.0)
    assert x[0] == pytest.approx(100.0)


def test_total_force_matches_reference():
    rng = np.random.default_rng(5)
    values = _random_frames(rng, 500, 16)
    base = rng.uniform(0, 3, 16).astype(np.float32)
    np.testing.assert_allclose(
        kernels.total_force(values, base), reference.total_force(values, base), rtol=1e-5, atol=1e-3
    )


def test_cop_rows_do_not_depend_on_how_the_array_is_split():
    rng = np.random.default_rng(9)
    values = _random_frames(rng, 1000, 16)
    pos = rng.uniform(0, 200, 16).astype(np.float32)
    base = np.zeros(16, np.float32)
    whole = kernels.cop_frames(values, pos, pos, base, 10.0)
    parts = [
        kernels.cop_frames(np.ascontiguousarray(values[i : i + 7]), pos, pos, base, 10.0)
        for i in range(0, 1000, 7)
    ]
    for k in range(3):
        np.testing.assert_array_equal(whole[k], np.concatenate([p[k] for p in parts]))
