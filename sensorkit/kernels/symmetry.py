"""Left-right asymmetry: symmetry index and symmetry angle.

* Symmetry index (Robinson et al. 1987, J Manipulative Physiol Ther 10:172; Herzog et al.
  1989, Med Sci Sports Exerc 21:110): SI = (X_L - X_R) / (0.5 (X_L + X_R)) x 100 %.
  Those papers write it right minus left; sensorkit's sign is **positive = left larger**,
  stated wherever SI is shown. Undefined (NaN) when the values differ in sign or sum to zero.
* Symmetry angle (Zifchock et al. 2008, Gait Posture 27:622): as published,
  (45 deg - arctan(X_L / X_R)) / 90 deg x 100 %, with the paper's correction (subtract
  180 deg) when 45 deg - arctan(...) exceeds 90 deg in magnitude. sensorkit reports it
  with the **same sign as its SI** (positive = left larger), i.e. the published value
  negated (docs/methods.md "Asymmetry").
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["symmetry_angle", "symmetry_index"]

_HALF = 0.5
_PCT = 100.0
_DEG45 = 45.0
_DEG90 = 90.0
_DEG180 = 180.0


@numba.njit(cache=True, nogil=True)
def symmetry_index(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Robinson symmetry index in % (positive = left larger), element-wise.

    Parameters
    ----------
    left, right : ndarray of float64, same shape (1-D)
        Left and right values of one metric.

    Returns
    -------
    ndarray of float64
        SI in %, NaN where undefined.
    """
    n = left.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        a = left[i]
        b = right[i]
        if a != a or b != b or a * b < 0.0 or a + b == 0.0:
            continue
        out[i] = (a - b) / (_HALF * (a + b)) * _PCT
    return out


@numba.njit(cache=True, nogil=True)
def symmetry_angle(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Zifchock symmetry angle in %, signed like the SI (positive = left larger), element-wise.

    Parameters
    ----------
    left, right : ndarray of float64, same shape (1-D)

    Returns
    -------
    ndarray of float64
        SA in %, NaN where undefined (missing value or right == 0).
    """
    n = left.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        a = left[i]
        b = right[i]
        if a != a or b != b or b == 0.0:
            continue
        d = _DEG45 - np.degrees(np.arctan(a / b))
        if abs(d) > _DEG90:
            d = d - _DEG180
        out[i] = -d / _DEG90 * _PCT
    return out
