"""Reference symmetry index (Robinson 1987) and symmetry angle (Zifchock 2008), numpy."""

from __future__ import annotations

import numpy as np


def symmetry_index(left, right):
    """(L - R) / (0.5 (L + R)) x 100 %, NaN when signs differ or L + R = 0."""
    left = np.asarray(left, dtype=np.float64)
    right = np.asarray(right, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        si = (left - right) / (0.5 * (left + right)) * 100.0
    bad = (left * right < 0) | (left + right == 0) | np.isnan(left) | np.isnan(right)
    return np.where(bad, np.nan, si)


def symmetry_angle(left, right):
    """-(45 - atan(L/R) deg) / 90 x 100 % (positive = left larger), with Zifchock's correction."""
    left = np.asarray(left, dtype=np.float64)
    right = np.asarray(right, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 45.0 - np.degrees(np.arctan(left / right))
    d = np.where(np.abs(d) > 90.0, d - 180.0, d)
    return np.where((right == 0) | np.isnan(left) | np.isnan(right), np.nan, -d / 90.0 * 100.0)
