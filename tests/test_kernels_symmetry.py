"""Symmetry index (Robinson) and symmetry angle (Zifchock)."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit import kernels, reference


def test_symmetry_index_is_positive_when_left_is_larger():
    si = kernels.symmetry_index(np.array([110.0]), np.array([90.0]))
    assert si[0] == pytest.approx(20.0)


def test_symmetry_angle_is_zero_for_equal_sides_and_negative_when_left_is_larger():
    sa = kernels.symmetry_angle(np.array([1.0, 110.0, 90.0]), np.array([1.0, 90.0, 110.0]))
    assert sa[0] == pytest.approx(0.0)
    assert sa[1] < 0 < sa[2]
    # Zifchock: SA = (45 - atan(L/R)) / 90 * 100
    assert sa[1] == pytest.approx((45 - np.degrees(np.arctan(110 / 90))) / 90 * 100)


def test_symmetry_index_is_undefined_when_values_cross_zero():
    si = kernels.symmetry_index(np.array([0.1, 1.0, np.nan]), np.array([-0.1, -1.0, 1.0]))
    assert np.all(np.isnan(si))


def test_symmetry_kernels_match_reference():
    rng = np.random.default_rng(0)
    a = rng.normal(1, 2, 500)
    b = rng.normal(1, 2, 500)
    a[::50] = 0.0
    b[::70] = 0.0
    np.testing.assert_allclose(kernels.symmetry_index(a, b), reference.symmetry_index(a, b), equal_nan=True)
    np.testing.assert_allclose(kernels.symmetry_angle(a, b), reference.symmetry_angle(a, b), equal_nan=True)
