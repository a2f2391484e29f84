"""A simulated mis-calibrated insole pair: true forces -> raw ADC counts, with the true errors.

The insole's sensors follow known response curves (default the ref16 FSR curves) but the
pair is mis-calibrated the way real insoles are:

* a zero offset per sensor (ADC offset plus shoe preload), in counts;
* a sensitivity error per insole: the nominal curve reads ``sensitivity`` x the true force,
  so the correcting body-weight gain is ``1 / sensitivity``;
* a slow linear zero drift per sensor, counts/min;
* Gaussian ADC noise (counts), quantisation to integers, and saturation at the response's
  ``saturation_counts``.

:func:`simulate_raw` converts a simulated :class:`~sensorkit.recording.Recording` in N to
counts; :func:`simulate_guided_session` produces the postures of the guided calibration
(seated with one foot lifted, quiet standing on both feet, on the left foot, on the right
foot). Both expose the truth (:class:`InsoleErrors`, the true forces) for tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sensorkit.calibrate.convert import values_to_counts
from sensorkit.calibrate.response import SensorResponse, load_response
from sensorkit.layout import SIDES, SensorLayout, load_layout
from sensorkit.recording import Recording
from sensorkit.simulate.loads import distribute_loads

__all__ = [
    "GUIDED_POSTURES",
    "InsoleErrors",
    "RawSession",
    "simulate_guided_session",
    "simulate_raw",
]

G = 9.81  # m/s^2, as in docs/methods.md

#: Share of body weight on (left, right) in each posture of the guided procedure.
GUIDED_POSTURES = {
    "lift_left": (0.0, 0.10),  # seated, left foot held up, right foot resting
    "lift_right": (0.10, 0.0),
    "both": (0.5, 0.5),
    "left": (1.0, 0.0),  # standing on the left foot only
    "right": (0.0, 1.0),
}
_SEATED = ("lift_left", "lift_right")

# Quiet-standing sway (Winter 1995 orders of magnitude): weight shifts between feet of a few
# % BW at ~0.2-0.3 Hz, vertical force ripple ~1 % BW on one foot, COP sway of a few mm.
_SHIFT_BW, _SHIFT_HZ = 0.03, 0.23
_RIPPLE_BW, _RIPPLE_HZ = 0.01, 1.3
_COP_SWAY_Y_MM, _COP_SWAY_X_MM, _COP_SWAY_HZ = 6.0, 3.0, 0.4
_STANDING_COP_Y_FRAC, _SEATED_COP_Y_FRAC = 0.42, 0.35
_PRIOR_SIGMA_X_FRAC, _PRIOR_SIGMA_Y_FRAC = 0.35, 0.14


@dataclass(frozen=True, eq=False)
class InsoleErrors:
    """The true calibration errors of a simulated insole pair.

    Attributes
    ----------
    response : SensorResponse
        The sensors' true response curves (the nominal ones).
    offset_counts : dict
        Side -> (S,) zero offsets at t = 0, counts.
    sensitivity : dict
        Side -> factor by which the nominal curve over-reads the true force.
    drift_counts_per_min : dict
        Side -> (S,) linear zero drift, counts/min.
    noise_counts : float
        Standard deviation of the ADC noise, counts.
    """

    response: SensorResponse
    offset_counts: dict
    sensitivity: dict
    drift_counts_per_min: dict
    noise_counts: float = 1.0

    @classmethod
    def random(
        cls,
        seed: int = 0,
        *,
        response: str | SensorResponse = "ref16-fsr",
        offset_range_counts: tuple[float, float] = (10.0, 120.0),
        sensitivity_sd: float = 0.12,
        drift_sd_counts_per_min: float = 1.5,
        noise_counts: float = 1.0,
    ) -> InsoleErrors:
        """Random but reproducible errors for both sides.

        Parameters
        ----------
        seed : int
            Random seed.
        response : str or SensorResponse
            True (nominal) response curves.
        offset_range_counts : (float, float)
            Offsets are uniform in this range, counts.
        sensitivity_sd : float
            Standard deviation of the sensitivity factor around 1 (limited to 0.7-1.4).
        drift_sd_counts_per_min : float
            Standard deviation of each sensor's drift rate, counts/min.
        noise_counts : float
            ADC noise standard deviation, counts.
        """
        resp = load_response(response)
        rng = np.random.default_rng(seed)
        s = resp.n_sensors
        offsets, sens, drift = {}, {}, {}
        for side in SIDES:
            offsets[side] = rng.uniform(*offset_range_counts, s)
            sens[side] = float(np.clip(1.0 + rng.normal(0.0, sensitivity_sd), 0.7, 1.4))
            drift[side] = rng.normal(0.0, drift_sd_counts_per_min, s)
        return cls(resp, offsets, sens, drift, float(noise_counts))

    def true_gain(self, side: str) -> float:
        """The body-weight gain a perfect calibration finds for ``side`` (1 / sensitivity)."""
        return 1.0 / self.sensitivity[side]

    def offset_at(self, side: str, time_s: float | np.ndarray) -> np.ndarray:
        """True zero offsets (counts) at ``time_s``: shape (S,) for a scalar, (n, S) for an array."""
        t = np.asarray(time_s, dtype=np.float64)
        return self.offset_counts[side] + self.drift_counts_per_min[side] * (t[..., None] / 60.0)

    def counts(
        self, side: str, time_s: np.ndarray, forces_n: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Raw counts (n, S) uint16 that this insole reports for true sensor forces (n, S) in N."""
        resp = self.response
        ideal = values_to_counts(forces_n * self.sensitivity[side], resp, 0.0)
        c = ideal + self.offset_at(side, time_s)
        if self.noise_counts > 0:
            c = c + rng.normal(0.0, self.noise_counts, c.shape)
        c = np.clip(np.rint(c), 0, resp.saturation_counts)
        return c.astype(np.uint16)


@dataclass(frozen=True, eq=False)
class RawSession:
    """Raw counts of a simulated insole pair with the truth behind them.

    Attributes
    ----------
    time_s : ndarray, shape (n,)
        Frame times, s.
    left, right : ndarray, shape (n, S), uint16
        Raw ADC counts.
    layout : SensorLayout
        Layout of the left insole.
    insole : InsoleErrors
        The true calibration errors.
    forces_n : dict
        Side -> (n, S) float32 true sensor forces, N.
    body_mass_kg : float
        Subject mass, kg.
    phases : DataFrame
        For guided sessions: ``phase``, ``start_s``, ``end_s`` of each held posture.
    recording : Recording or None
        The true-force recording the counts were made from (:func:`simulate_raw`).
    """

    time_s: np.ndarray
    left: np.ndarray
    right: np.ndarray
    layout: SensorLayout
    insole: InsoleErrors
    forces_n: dict
    body_mass_kg: float
    phases: pd.DataFrame = field(default_factory=pd.DataFrame)
    recording: Recording | None = None

    @property
    def rate_hz(self) -> float:
        """Sampling rate, Hz."""
        return float(1.0 / np.median(np.diff(self.time_s)))

    def chunks(self, chunk_s: float = 0.1) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield ``(time_s, left_counts, right_counts)`` chunks of about ``chunk_s`` each."""
        step = max(1, round(chunk_s * self.rate_hz))
        for lo in range(0, self.time_s.size, step):
            hi = lo + step
            yield self.time_s[lo:hi], self.left[lo:hi], self.right[lo:hi]


def simulate_raw(rec: Recording, insole: InsoleErrors | None = None, *, seed: int = 0) -> RawSession:
    """Raw counts that a mis-calibrated insole pair would report for a recording in N.

    Parameters
    ----------
    rec : Recording
        True forces (e.g. from :func:`sensorkit.simulate`), units N, both sides, no gaps.
    insole : InsoleErrors, optional
        The errors; default ``InsoleErrors.random(seed)``.
    seed : int
        Seed of the errors (when ``insole`` is None) and of the ADC noise.
    """
    if rec.units != "N":
        raise ValueError(f"simulate_raw needs a recording in N, got {rec.units}")
    if rec.left is None or rec.right is None:
        raise ValueError("simulate_raw needs both insoles")
    if np.isnan(rec.left).any() or np.isnan(rec.right).any():
        raise ValueError("simulate_raw needs a recording without dropouts (simulate with dropout=0)")
    insole = insole if insole is not None else InsoleErrors.random(seed)
    if insole.response.n_sensors != rec.n_sensors:
        raise ValueError(
            f"response {insole.response.name!r} has {insole.response.n_sensors} sensors, "
            f"the recording {rec.n_sensors}"
        )
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    counts = {s: insole.counts(s, rec.time, rec.values(s), rng) for s in SIDES}
    return RawSession(
        time_s=rec.time,
        left=counts["left"],
        right=counts["right"],
        layout=rec.layout,
        insole=insole,
        forces_n={s: rec.values(s) for s in SIDES},
        body_mass_kg=float(rec.body_mass_kg or 70.0),
        recording=rec,
    )


def simulate_guided_session(
    insole: InsoleErrors | None = None,
    *,
    body_mass_kg: float = 70.0,
    seed: int = 0,
    postures: Sequence[str] = ("lift_left", "lift_right", "both", "left", "right"),
    hold_s: float = 6.0,
    transition_s: float = 1.5,
    rate_hz: float = 100.0,
    t0_s: float = 0.0,
    layout: SensorLayout | str = "ref16",
) -> RawSession:
    """Raw counts of a subject following the guided calibration.

    The subject starts seated with both feet resting lightly, then holds each posture of
    ``postures`` (see :data:`GUIDED_POSTURES`) for ``hold_s`` with smooth transitions of
    ``transition_s`` in between, swaying as people do when standing still.

    Parameters
    ----------
    insole : InsoleErrors, optional
        The errors; default ``InsoleErrors.random(seed)``.
    body_mass_kg : float
        Subject mass in kg.
    seed : int
        Seed of the errors (when ``insole`` is None), the sway phases and the ADC noise.
    postures : sequence of str
        Postures in order.
    hold_s, transition_s : float
        Duration of each held posture and of each transition, s.
    rate_hz : float
        Sampling rate, Hz.
    t0_s : float
        Time of the first frame, s (the offsets drift from t = 0).
    layout : SensorLayout or str
        Insole layout.
    """
    unknown = [p for p in postures if p not in GUIDED_POSTURES]
    if unknown:
        raise ValueError(f"unknown posture(s) {unknown}; use {sorted(GUIDED_POSTURES)}")
    insole = insole if insole is not None else InsoleErrors.random(seed)
    lay = load_layout(layout) if isinstance(layout, str) else layout.for_side("left")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    weight = body_mass_kg * G

    # Piecewise posture script: (start, end, from-shares, to-shares); seated-resting at first.
    shares = [(0.08, 0.08), *(GUIDED_POSTURES[p] for p in postures)]
    seated = [True, *(p in _SEATED for p in postures)]
    total_s = transition_s + len(postures) * (hold_s + transition_s)
    n = round(total_s * rate_hz)
    t = t0_s + np.arange(n) / rate_hz
    tr = t - t0_s
    share = np.tile(np.asarray(shares[-1], dtype=np.float64), (n, 1))  # the last posture is kept
    is_seated = np.full(n, seated[-1])
    rows = []
    for k in range(len(postures)):
        a = transition_s + k * (hold_s + transition_s)  # hold k starts (after its transition)
        ramp = (tr >= a - transition_s) & (tr < a)
        w = 0.5 - 0.5 * np.cos(np.pi * (tr[ramp] - (a - transition_s)) / transition_s)
        share[ramp] = np.outer(1 - w, shares[k]) + np.outer(w, shares[k + 1])
        is_seated[ramp] = seated[k] and seated[k + 1]
        hold = (tr >= a) & (tr < a + hold_s)
        share[hold] = shares[k + 1]
        is_seated[hold] = seated[k + 1]
        rows.append({"phase": postures[k], "start_s": t0_s + a, "end_s": t0_s + a + hold_s})
    phase = rng.uniform(0, 2 * np.pi, 6)
    shift = _SHIFT_BW * np.sin(2 * np.pi * _SHIFT_HZ * tr + phase[0])
    both_loaded = (share[:, 0] > 0) & (share[:, 1] > 0) & ~is_seated
    forces = {}
    for i, side in enumerate(SIDES):
        ripple = _RIPPLE_BW * np.sin(2 * np.pi * _RIPPLE_HZ * tr + phase[1 + i])
        f = share[:, i] * (1.0 + np.where(is_seated, 0.0, ripple))
        f = f + np.where(both_loaded, shift if side == "left" else -shift, 0.0)
        total = np.maximum(f, 0.0) * weight
        y_frac = np.where(is_seated, _SEATED_COP_Y_FRAC, _STANDING_COP_Y_FRAC)
        cy = y_frac * lay.foot_length_mm + _COP_SWAY_Y_MM * np.sin(
            2 * np.pi * _COP_SWAY_HZ * tr + phase[3 + i]
        )
        cx = _COP_SWAY_X_MM * np.sin(2 * np.pi * 0.7 * _COP_SWAY_HZ * tr + phase[5])
        forces[side] = _spread(total, cx, cy, lay)
    counts = {s: insole.counts(s, t, forces[s], rng) for s in SIDES}
    return RawSession(
        time_s=t,
        left=counts["left"],
        right=counts["right"],
        layout=lay,
        insole=insole,
        forces_n=forces,
        body_mass_kg=float(body_mass_kg),
        phases=pd.DataFrame(rows, columns=["phase", "start_s", "end_s"]),
    )


def _spread(total_n: np.ndarray, cop_x_mm: np.ndarray, cop_y_mm: np.ndarray, lay: SensorLayout) -> np.ndarray:
    """Sensor forces (n, S) float32 summing to ``total_n`` with their COP at the given point."""
    out = np.zeros((total_n.size, lay.n_sensors), dtype=np.float32)
    failures = distribute_loads(
        np.ascontiguousarray(total_n, dtype=np.float64),
        np.ascontiguousarray(cop_x_mm, dtype=np.float64),
        np.ascontiguousarray(cop_y_mm, dtype=np.float64),
        lay.x_mm,
        lay.y_mm,
        np.ones(lay.n_sensors),
        _PRIOR_SIGMA_X_FRAC * lay.foot_width_mm,
        _PRIOR_SIGMA_Y_FRAC * lay.foot_length_mm,
        out,
    )
    if failures:
        raise RuntimeError(f"load distribution failed on {failures} frames (simulator bug)")
    return out
