"""Analytic running stances with known metrics, for checking the analysis at any rate and noise.

Each stance is a closed-form force curve: an impact transient (a linear or raised-cosine rise to
the impact peak, then a dip) on top of a half-sine active peak. Its true metrics come from the
continuous curve on a 1 us grid with the definitions of docs/methods.md, never from
sensorkit's own sampled pipeline: contact and toe-off at a given threshold, VALR (20-80 % of the
impact peak), VILR (largest slope in that window) and the strike index of a fixed load
distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording

__all__ = ["WAVEFORMS", "AnalyticStance", "analytic_run", "true_metrics"]

_FINE_DT_S = 1e-6


@dataclass(frozen=True)
class AnalyticStance:
    """One stance shape.

    Attributes
    ----------
    name : str
    rise : {"linear", "cosine"}
        Shape of the rise to the impact peak.
    rise_s : float
        Time from contact to the impact peak (s).
    impact_n : float
        Impact peak height (N) above the active curve's value there.
    contact_s : float
        Stance duration (s).
    active_n : float
        Height of the half-sine active peak (N).
    """

    name: str
    rise: str
    rise_s: float
    impact_n: float
    contact_s: float = 0.25
    active_n: float = 1700.0

    def force(self, tau: np.ndarray) -> np.ndarray:
        """Force (N) at times ``tau`` (s) from contact; 0 outside [0, contact_s]."""
        tau = np.asarray(tau, dtype=np.float64)
        inside = (tau >= 0) & (tau <= self.contact_s)
        active = self.active_n * np.sin(np.pi * np.clip(tau, 0, self.contact_s) / self.contact_s) ** 2
        r = np.clip(tau / self.rise_s, 0.0, None)
        if self.rise == "linear":
            up = np.clip(r, 0.0, 1.0)
        else:
            up = 0.5 * (1.0 - np.cos(np.pi * np.clip(r, 0.0, 1.0)))
        # after the peak the transient falls linearly back to the active curve over its rise time
        down = 1.0 - np.clip((tau - self.rise_s) / self.rise_s, 0.0, 1.0)
        bump = self.impact_n * np.where(tau <= self.rise_s, up, down)
        return np.where(inside, active + bump, 0.0)


#: The waveform families of the accuracy table (docs/methods.md "Impact loading rate").
WAVEFORMS = (
    AnalyticStance("linear rise", "linear", rise_s=0.030, impact_n=1100.0),
    AnalyticStance("smooth impact", "cosine", rise_s=0.030, impact_n=1100.0),
    AnalyticStance("fast impact", "cosine", rise_s=0.012, impact_n=1100.0),
)


def true_metrics(
    stance: AnalyticStance, threshold_n: float, levels: tuple[float, float] = (0.2, 0.8)
) -> dict:
    """Metrics of the continuous curve (1 us grid).

    Parameters
    ----------
    stance : AnalyticStance
    threshold_n : float
        Contact threshold (N) at which contact and toe-off are timed.
    levels : tuple of float
        VALR levels as fractions of the impact peak.

    Returns
    -------
    dict
        ``contact_time_s`` (at the threshold), ``impact_peak_n``, ``valr_n_s``, ``vilr_n_s``.
    """
    tau = np.arange(0.0, stance.contact_s + _FINE_DT_S, _FINE_DT_S)
    f = stance.force(tau)
    above = np.flatnonzero(f >= threshold_n)
    contact = tau[above[-1]] - tau[above[0]] if above.size else np.nan
    d = np.diff(f)
    k = int(np.flatnonzero((d[:-1] >= 0) & (d[1:] < 0) & (f[1:-1] > threshold_n))[0]) + 1  # first local max
    peak = f[k]
    t_lo = tau[np.argmax(f[: k + 1] >= levels[0] * peak)]
    t_hi = tau[np.argmax(f[: k + 1] >= levels[1] * peak)]
    window = (tau >= t_lo) & (tau <= t_hi)
    slope = np.gradient(f, tau)
    return {
        "contact_time_s": float(contact),
        "impact_peak_n": float(peak),
        "valr_n_s": float((levels[1] - levels[0]) * peak / (t_hi - t_lo)),
        "vilr_n_s": float(slope[window].max()),
    }


def analytic_run(
    stance: AnalyticStance,
    rate_hz: float,
    *,
    noise_n: float = 0.0,
    strides: int = 20,
    stride_s: float = 0.7,
    phase_s: float = 0.0,
    seed: int = 0,
    layout: SensorLayout | str = "ref16",
) -> tuple[Recording, float]:
    """A running recording of identical analytic stances, alternating feet with a flight phase.

    The load is spread over the sensors with fixed weights (heel-heavy), so the COP is constant
    and the true strike index is known.

    Parameters
    ----------
    stance : AnalyticStance
    rate_hz : float
        Sampling rate (Hz).
    noise_n : float
        Gaussian noise per sensor (N, SD).
    strides, stride_s : int, float
        Number of strides and stride time (s).
    phase_s : float
        Offset of the first contact from a sample instant (s): varies sampling phase.
    seed : int
    layout : SensorLayout or str

    Returns
    -------
    recording : Recording
        In N, both sides.
    strike_index_pct : float
        The true strike index of the load distribution.
    """
    lay = load_layout(layout) if isinstance(layout, str) else layout
    y = np.asarray(lay.y_mm, dtype=np.float64)
    weights = np.exp(-y / (0.3 * lay.foot_length_mm))
    weights /= weights.sum()
    strike_pct = float(100.0 * np.dot(weights, y) / lay.foot_length_mm)
    duration = strides * stride_s + 0.5
    t = np.arange(0.0, duration, 1.0 / rate_hz)
    rng = np.random.default_rng(seed)
    sides = {}
    for k, side in enumerate(("left", "right")):
        total = np.zeros_like(t)
        for s in range(strides):
            t0 = 0.2 + phase_s + s * stride_s + k * stride_s / 2.0
            total += stance.force(t - t0)
        values = total[:, None] * weights[None, :]
        if noise_n:
            values = values + rng.normal(0.0, noise_n, values.shape)
        sides[side] = values.astype(np.float32)
    rec = Recording.from_arrays(time=t, left=sides["left"], right=sides["right"], layout=lay, units="N")
    return rec, strike_pct
