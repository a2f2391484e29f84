"""Vertical ground-reaction force shapes of one stance phase, in body weights.

Shapes are functions of normalised stance time ``tau`` in [0, 1] (0 = contact, 1 = toe-off)
and are exactly zero at both ends.

Running: an active peak (a beta-like bump, peak near mid-stance, about 2.0 + 0.17 v BW at
speed v m/s; cf. Cavanagh & Lafortune 1980, Keller et al. 1996) plus, for rearfoot strikes, a
passive impact transient (a gamma-shaped pulse peaking near 8-9% of stance) that produces the
classic impact peak followed by a dip. Midfoot strikes get a smaller pulse (usually no
distinct peak), forefoot strikes none.

Walking: the double-bump profile (loading-response peak at ~26% of stance, push-off peak at
~74%, mid-stance valley at ~80% of the peaks; cf. Winter 1991).
"""

from __future__ import annotations

import numpy as np

__all__ = ["IMPACT_TAU_PEAK", "RUN_IMPACT_SCALE", "running_force_bw", "walking_force_bw"]

# Active peak: beta-like bump tau^a (1 - tau)^b normalised to 1 at its mode a / (a + b).
_ACTIVE_A = 1.8
_ACTIVE_B = 2.0
_ACTIVE_MODE = _ACTIVE_A / (_ACTIVE_A + _ACTIVE_B)
_ACTIVE_NORM = _ACTIVE_MODE**_ACTIVE_A * (1.0 - _ACTIVE_MODE) ** _ACTIVE_B
# Impact transient: gamma-shaped pulse u^k exp(k (1 - u)), u = tau / tau_peak, value 1 at u = 1.
_IMPACT_TAU_PEAK = 0.085
#: Default stance fraction of the impact-pulse peak.
IMPACT_TAU_PEAK = _IMPACT_TAU_PEAK
_IMPACT_SHARPNESS = 5.0
#: Impact-pulse amplitude per strike pattern, relative to the rearfoot value.
RUN_IMPACT_SCALE = {"rearfoot": 1.0, "midfoot": 0.4, "forefoot": 0.0}

# Walking: base half-sine plus two windowed Gaussian bumps.
_WALK_BASE = 1.4
_WALK_BUMP_WIDTH = 0.09
_WALK_BUMP1_TAU = 0.21
_WALK_BUMP2_TAU = 0.78
_WALK_BUMP2_REL = 0.9


def active_peak_bw(speed_mps: float) -> float:
    """Typical running active peak in BW at ``speed_mps`` (2.0 + 0.17 v)."""
    return 2.0 + 0.17 * speed_mps


def impact_amplitude_bw(speed_mps: float) -> float:
    """Rearfoot impact-pulse amplitude in BW at ``speed_mps`` (grows with speed, 0.95 BW at 3 m/s)."""
    return max(0.35 * speed_mps - 0.1, 0.2)


def running_force_bw(
    tau: np.ndarray, active_bw: np.ndarray, impact_bw: np.ndarray, impact_tau_peak: float = _IMPACT_TAU_PEAK
) -> np.ndarray:
    """Running vertical force in BW at normalised stance times ``tau``.

    Parameters
    ----------
    tau : ndarray
        Normalised stance time in [0, 1].
    active_bw : ndarray or float
        Active-peak amplitude in BW (broadcast against ``tau``).
    impact_bw : ndarray or float
        Impact-pulse amplitude in BW (0 for none).
    impact_tau_peak : float
        Stance fraction at which the impact pulse peaks (default 0.085); a larger value gives a
        slower impact, as softer cushioning does.
    """
    t = np.clip(tau, 0.0, 1.0)
    active = t**_ACTIVE_A * (1.0 - t) ** _ACTIVE_B / _ACTIVE_NORM
    u = t / impact_tau_peak
    pulse = u**_IMPACT_SHARPNESS * np.exp(_IMPACT_SHARPNESS * (1.0 - u))
    # The pulse is ~1e-10 of its peak at toe-off; taper it so the curve is exactly 0 there.
    return active_bw * active + impact_bw * pulse * (1.0 - t)


def walking_force_bw(tau: np.ndarray, peak_bw: np.ndarray) -> np.ndarray:
    """Walking double-bump vertical force in BW; the first (loading-response) peak equals ``peak_bw``."""
    t = np.clip(tau, 0.0, 1.0)
    s = np.sin(np.pi * t)
    w = _WALK_BUMP_WIDTH
    bumps = np.exp(-0.5 * ((t - _WALK_BUMP1_TAU) / w) ** 2) + _WALK_BUMP2_REL * np.exp(
        -0.5 * ((t - _WALK_BUMP2_TAU) / w) ** 2
    )
    return peak_bw * (_WALK_BASE * s + bumps * np.sqrt(s)) / _WALK_PEAK_NORM


def _walk_peak_norm() -> float:
    t = np.linspace(0.0, 0.5, 50001)
    s = np.sin(np.pi * t)
    w = _WALK_BUMP_WIDTH
    bumps = np.exp(-0.5 * ((t - _WALK_BUMP1_TAU) / w) ** 2) + _WALK_BUMP2_REL * np.exp(
        -0.5 * ((t - _WALK_BUMP2_TAU) / w) ** 2
    )
    return float(np.max(_WALK_BASE * s + bumps * np.sqrt(s)))


_WALK_PEAK_NORM = _walk_peak_norm()
