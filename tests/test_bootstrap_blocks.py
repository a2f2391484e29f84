"""The exact bootstrap drawn in blocks equals the straightforward one-array bootstrap bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit.analysis import summary


def straightforward(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return values[rng.integers(0, values.size, (resamples, values.size))].mean(axis=1)


@pytest.mark.parametrize("n", [1, 5, 37, 100, 200])
@pytest.mark.parametrize("resamples", [1, 999, 2000])
def test_blocked_bootstrap_means_equal_one_array(n, resamples):
    values = np.random.default_rng(n).normal(700.0, 40.0, n)
    got = summary.bootstrap_means(values, resamples, np.random.default_rng(11))
    np.testing.assert_array_equal(got, straightforward(values, resamples, 11))


def test_bootstrap_si_interval_is_unchanged_by_blocking():
    left = np.random.default_rng(1).normal(1.20, 0.05, 80)
    right = np.random.default_rng(2).normal(1.10, 0.05, 90)
    si, low, high = summary.bootstrap_si(left, right, 2000, seed=3)
    rng = np.random.default_rng(3)
    ml = left[rng.integers(0, 80, (2000, 80))].mean(axis=1)
    mr = right[rng.integers(0, 90, (2000, 90))].mean(axis=1)
    boot = summary.symmetry_index(ml, mr)
    assert (low, high) == tuple(float(x) for x in np.percentile(boot[np.isfinite(boot)], (2.5, 97.5)))
    assert 7.0 < si < 11.0 and low < si < high  # 2 x (1.20 - 1.10) / (1.20 + 1.10) = 8.7 %


def test_recommender_mean_interval_is_the_exact_bootstrap_up_to_200_steps_and_its_normal_limit_above():
    from sensorkit.recommend.rules import _SEED, mean_interval

    small = np.random.default_rng(4).normal(0.30, 0.05, 150)
    mean, lo, hi = mean_interval(small)
    means = straightforward(small, 2000, _SEED)
    assert (lo, hi) == tuple(float(x) for x in np.percentile(means, (2.5, 97.5)))
    large = np.random.default_rng(5).normal(0.30, 0.05, 40_000)
    mean, lo, hi = mean_interval(large)
    se = large.std() / np.sqrt(large.size)  # the normal limit: mean +- 1.96 SE, up to resampling noise
    assert mean == pytest.approx(large.mean())
    assert lo == pytest.approx(mean - 1.96 * se, abs=0.1 * se) and hi == pytest.approx(
        mean + 1.96 * se, abs=0.1 * se
    )
