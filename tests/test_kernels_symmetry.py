"""Symmetry index (Robinson) and symmetry angle (Zifchock)."""

from __future__ import annotations

import numpy as np
import pytest

from sensorkit import kernels, reference


def test_symmetry_index_is_positive_when_left_is_larger():
    si = kernels.symmetry_index(np.array([110.0]), np.array([90.0]))
    assert si[0] == pytest.approx(20.0)


def test_symmetry_angle_is_zero_for_equal_sides_and_positive_when_left_is_larger():
    # issue 12: the angle used to be shown with the opposite sign to SI, undocumented. It is
    # now signed like SI (positive = left larger): the published Zifchock value negated.
    sa = kernels.symmetry_angle(np.array([1.0, 110.0, 90.0]), np.array([1.0, 90.0, 110.0]))
    assert sa[0] == pytest.approx(0.0)
    assert sa[1] > 0 > sa[2]
    # Zifchock: SA = (45 - atan(L/R)) / 90 * 100, negated: (atan(110/90) - 45) / 90 * 100 = +6.35 %
    assert sa[1] == pytest.approx((np.degrees(np.arctan(110 / 90)) - 45) / 90 * 100)
    assert sa[1] == pytest.approx(6.3451, abs=1e-4)  # atan(110/90) = 50.7106 deg
    assert sa[2] == pytest.approx(-sa[1])  # swapping the sides flips the sign
    si = kernels.symmetry_index(np.array([110.0, 90.0]), np.array([90.0, 110.0]))
    assert np.all(np.sign(si) == np.sign(sa[1:]))


def test_symmetry_angle_applies_zifchocks_correction_beyond_90_degrees():
    # L/R = -2: 45 - atan(-2) = 108.43 deg > 90, corrected by -180 to -71.57 deg; negated: +79.5 %
    sa = kernels.symmetry_angle(np.array([-2.0]), np.array([1.0]))
    assert sa[0] == pytest.approx((180.0 - 45.0 + np.degrees(np.arctan(-2.0))) / 90.0 * 100.0)
    assert sa[0] == pytest.approx(79.517, abs=1e-3)


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
