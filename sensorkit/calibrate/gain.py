"""Body-weight gain: scale an insole so quiet standing reads the subject's weight.

Standing still, the vertical ground reaction force averages body weight ``m g`` (the centre
of mass does not accelerate on average), so the mean force over a quiet-standing period is
used, not the median: sway moves load between the feet but not its time average. On one foot
that foot carries the whole body weight; on both feet the two insoles together do.
"""

from __future__ import annotations

import numpy as np

from sensorkit.calibrate import defaults as D
from sensorkit.errors import CalibrationError

__all__ = ["body_weight_gain", "body_weight_n"]


def body_weight_n(body_mass_kg: float | None) -> float:
    """Body weight ``m g`` in N.

    Raises
    ------
    CalibrationError
        When the mass is missing or not a plausible number of kilograms (10-400 kg).
    """
    if body_mass_kg is None:
        raise CalibrationError(
            "body mass is needed for the body-weight gain", hint="give the subject's mass in kg (--mass KG)"
        )
    try:
        m = float(body_mass_kg)
    except (TypeError, ValueError):
        raise CalibrationError(f"body mass must be a number of kg, got {body_mass_kg!r}") from None
    if not (np.isfinite(m) and 10.0 <= m <= 400.0):
        raise CalibrationError(
            f"body mass {m:g} kg is outside 10-400 kg",
            hint="give the mass in kilograms, not pounds or newtons",
        )
    return m * D.G_MPS2


def body_weight_gain(
    force_n: np.ndarray, body_mass_kg: float | None, *, what: str = "quiet standing"
) -> float:
    """Gain that makes the mean of ``force_n`` equal body weight.

    Parameters
    ----------
    force_n : ndarray, shape (n,)
        Total force per frame during quiet standing, N, after tare and before any gain:
        one insole when standing on one foot, the sum of both insoles on both feet.
    body_mass_kg : float
        Subject mass in kg.
    what : str
        Name of the period, for error messages.

    Returns
    -------
    float
        Dimensionless gain ``m g / mean(force_n)``.
    """
    weight = body_weight_n(body_mass_kg)
    f = np.asarray(force_n, dtype=np.float64)
    f = f[np.isfinite(f)]
    if f.size == 0:
        raise CalibrationError(f"no frames of {what} to compute a body-weight gain from")
    mean = float(f.mean())
    if not mean > 0.05 * weight:
        raise CalibrationError(
            f"{what} reads {mean:.1f} N, less than 5 % of body weight ({weight:.0f} N)",
            hint="is the subject standing on the insole, and are the response curves right?",
        )
    return weight / mean
