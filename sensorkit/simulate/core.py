"""``sk.simulate``: a deterministic simulated insole pair with its ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sensorkit.layout import SensorLayout, load_layout
from sensorkit.recording import Recording
from sensorkit.simulate import cop as cop_mod
from sensorkit.simulate import forces
from sensorkit.simulate.loads import distribute_loads
from sensorkit.simulate.truth import step_truth

__all__ = ["GroundTruth", "SideTruth", "simulate"]

G = 9.81  # m/s^2, as in docs/methods.md
FOOT_TYPES = ("normal", "flat", "high")
STRIKES = ("rearfoot", "midfoot", "forefoot")
WALK_RUN_SPEED_MPS = 2.0  # below this the simulated subject walks
DEFAULT_CADENCE_SPM = {"run": 170.0, "walk": 110.0}
WALK_DUTY_FACTOR = 0.62  # stance / stride in walking
RUN_MAX_DUTY_FACTOR = 0.45  # running keeps a flight phase
PACKET_PERIOD_S = 0.01  # a dropped packet loses this much data (at least one frame)

#: Prior weight of midfoot sensors per foot type: flat feet load the midfoot more.
ARCH_MIDFOOT_WEIGHT = {"flat": 2.5, "normal": 1.0, "high": 0.3}
# Footprint prior widths, as fractions of foot length / width.
_SIGMA_Y_FRAC = 0.14
_SIGMA_X_FRAC = 0.35
_HULL_SHRINK = 0.9  # keep the COP inside 90% of the sensor hull

# Step-to-step variability (standard deviations, relative unless stated).
_STRIDE_JITTER = 0.01
_CONTACT_JITTER = 0.02
_AMPLITUDE_JITTER = 0.03
_STRIKE_Y_JITTER_FRAC = 0.01
_ML_SHIFT_JITTER_FRAC = 0.015


@dataclass(frozen=True)
class SideTruth:
    """Noise-free signals of one simulated insole (float32, NaN COP in swing).

    Attributes
    ----------
    force_n : ndarray, shape (n,)
        Total vertical force in N.
    cop_x_mm, cop_y_mm : ndarray, shape (n,)
        Generated COP in mm (sensorkit frame); NaN when the foot is off the ground.
    """

    force_n: np.ndarray
    cop_x_mm: np.ndarray
    cop_y_mm: np.ndarray


@dataclass(frozen=True)
class GroundTruth:
    """What the simulator generated, for checking analysis against.

    Attributes
    ----------
    steps : DataFrame
        One row per stance phase: side, t_contact_s, t_toe_off_s, contact_time_s,
        t_contact_threshold_s / t_toe_off_threshold_s (crossings of 5% BW on the noiseless
        curve), peak_force_bw, impact_peak_bw (NaN when none), valr_bw_s, vilr_bw_s,
        loading_rate_method ("impact_peak" or "13pct_stance"), strike_index_pct,
        strike_pattern, arch_indicator (noiseless midfoot share of the impulse without toes),
        complete (False for a stance cut by the start or end of the recording).
    sides : dict
        ``{"left": SideTruth, "right": SideTruth}``.
    foot_type, strike, gait : str
        Parameters of the simulated runner ("run" or "walk").
    asymmetry : float
        Force asymmetry; the true symmetry index (L - R) / mean of peak force, VALR and
        impulse is ``100 * asymmetry`` %.
    cadence_spm, speed_mps, body_mass_kg, noise, dropout : float
        Parameters used.
    seed : int
        Random seed.
    """

    steps: pd.DataFrame
    sides: dict = field(repr=False)
    foot_type: str = "normal"
    strike: str = "rearfoot"
    gait: str = "run"
    asymmetry: float = 0.0
    cadence_spm: float = 170.0
    speed_mps: float = 3.0
    body_mass_kg: float = 70.0
    noise: float = 0.0
    dropout: float = 0.0
    seed: int = 0

    @property
    def symmetry_index_pct(self) -> float:
        """True symmetry index of force amplitudes, % (positive = left larger)."""
        return 100.0 * self.asymmetry


def simulate(
    duration_s: float = 60.0,
    seed: int = 0,
    rate_hz: float = 100.0,
    foot_type: str = "normal",
    strike: str = "rearfoot",
    cadence_spm: float | None = None,
    speed_mps: float = 3.0,
    body_mass_kg: float = 70.0,
    asymmetry: float = 0.0,
    noise: float = 0.0,
    dropout: float = 0.0,
    layout: SensorLayout | str | None = None,
    foot_length_mm: float | None = None,
    impact_scale: float = 1.0,
    impact_tau_peak: float | None = None,
) -> Recording:
    """Simulate a pair of instrumented insoles during running or walking.

    Parameters
    ----------
    duration_s : float
        Length of the recording in s.
    seed : int
        Random seed; the same arguments and seed give bit-identical recordings.
    rate_hz : float
        Sampling rate in Hz.
    foot_type : {"normal", "flat", "high"}
        Arch type: shifts the mid-stance COP medially (flat) or laterally (high) and loads
        the midfoot more (flat) or less (high).
    strike : {"rearfoot", "midfoot", "forefoot"}
        Foot-strike pattern: where the COP starts and whether an impact transient occurs.
    cadence_spm : float, optional
        Steps per minute (both feet); default 170 running, 110 walking.
    speed_mps : float
        Speed in m/s; below 2 m/s the subject walks (double-bump force profile).
    body_mass_kg : float
        Body mass in kg; forces scale with body weight m g.
    asymmetry : float
        Left/right force asymmetry a: left amplitudes x (1 + a/2), right x (1 - a/2), so the
        symmetry index of peak force and loading rate is 100 a %. In (-1, 1).
    noise : float
        Standard deviation of additive Gaussian sensor noise, N per sensor (not clipped).
    dropout : float
        Probability that a packet (10 ms, at least one frame) of one side is lost; lost
        frames are NaN in that side and listed in ``rec.gaps``.
    layout : SensorLayout or str, optional
        Insole layout (default the 16-sensor reference insole ``"ref16"``).
    foot_length_mm : float, optional
        Scale the layout to this foot length in mm.
    impact_scale : float
        Multiplies the running impact-pulse amplitude (default 1; 0 removes it). With
        ``impact_tau_peak`` it stands in for footwear: softer cushioning gives a smaller,
        slower impact transient. The active peak is unchanged.
    impact_tau_peak : float, optional
        Stance fraction at which the impact pulse peaks (default 0.085; 0.03-0.3).

    Returns
    -------
    Recording
        Force sensors in N; ``rec.metadata["ground_truth"]`` is a :class:`GroundTruth`.

    Examples
    --------
    >>> rec = simulate(duration_s=10, seed=1, foot_type="flat")
    >>> truth = rec.metadata["ground_truth"]
    >>> sorted(truth.steps.side.unique())
    ['left', 'right']
    """
    _check_args(duration_s, rate_hz, foot_type, strike, speed_mps, body_mass_kg, asymmetry, noise, dropout)
    if not (np.isfinite(impact_scale) and 0.0 <= impact_scale <= 3.0):
        raise ValueError(f"impact_scale must be in [0, 3], got {impact_scale!r}")
    tau_peak = forces.IMPACT_TAU_PEAK if impact_tau_peak is None else float(impact_tau_peak)
    if not (np.isfinite(tau_peak) and 0.03 <= tau_peak <= 0.3):
        raise ValueError(f"impact_tau_peak must be a stance fraction in [0.03, 0.3], got {impact_tau_peak!r}")
    if layout is None:
        layout = "ref16"
    if isinstance(layout, str):
        layout = load_layout(layout)
    if foot_length_mm is not None:
        layout = layout.scaled(foot_length_mm)
    layout = layout.for_side("left")
    if layout.value_kind != "force":
        raise ValueError(f"the simulator produces forces in N; layout {layout.name!r} reports pressure")

    gait = "walk" if speed_mps < WALK_RUN_SPEED_MPS else "run"
    cadence = float(cadence_spm) if cadence_spm is not None else DEFAULT_CADENCE_SPM[gait]
    if not 30.0 <= cadence <= 260.0:
        raise ValueError(f"cadence_spm={cadence:g} is outside 30-260 steps/min")
    # Independent random streams, so noise or dropout never change the gait itself.
    rng_steps, rng_noise, rng_drop = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    n = round(duration_s * rate_hz)
    if n < 2:
        raise ValueError(f"duration_s={duration_s} at rate_hz={rate_hz} gives fewer than 2 frames")
    time = np.arange(n, dtype=np.float64) / rate_hz
    weight_n = body_mass_kg * G
    stride_s = 120.0 / cadence
    if gait == "walk":
        contact_s = WALK_DUTY_FACTOR * stride_s
    else:
        contact_s = min(0.8 / (speed_mps + 0.2), RUN_MAX_DUTY_FACTOR * stride_s)

    hull = cop_mod.shrink_polygon(cop_mod.convex_hull(layout.x_mm, layout.y_mm), _HULL_SHRINK)
    path = cop_mod.strike_path(strike)
    weights = np.where(np.asarray(layout.region) == "midfoot", ARCH_MIDFOOT_WEIGHT[foot_type], 1.0).astype(
        np.float64
    )
    sigma_x = _SIGMA_X_FRAC * layout.foot_width_mm
    sigma_y = _SIGMA_Y_FRAC * layout.foot_length_mm

    side_scale = {"left": 1.0 + asymmetry / 2.0, "right": 1.0 - asymmetry / 2.0}
    first_contact = {"left": 0.1 * stride_s, "right": 0.6 * stride_s}
    values: dict[str, np.ndarray] = {}
    truths: dict[str, SideTruth] = {}
    step_tables = []
    for side in ("left", "right"):
        # Step timing: contacts every stride with jitter; the first stance may start before t=0.
        n_steps = int(np.ceil((duration_s + stride_s) / stride_s)) + 1
        starts = first_contact[side] - stride_s + stride_s * np.arange(n_steps)
        starts = starts + rng_steps.normal(0.0, _STRIDE_JITTER * stride_s, n_steps)
        durations = contact_s * (1.0 + rng_steps.normal(0.0, _CONTACT_JITTER, n_steps))
        amp = side_scale[side] * (1.0 + rng_steps.normal(0.0, _AMPLITUDE_JITTER, n_steps))
        y_off = rng_steps.normal(0.0, _STRIKE_Y_JITTER_FRAC, n_steps)
        ml_shift = cop_mod.FOOT_TYPE_ML_SHIFT[foot_type] + rng_steps.normal(
            0.0, _ML_SHIFT_JITTER_FRAC, n_steps
        )
        keep = (starts + durations > time[0]) & (starts < time[-1])
        starts, durations, amp, y_off, ml_shift = (a[keep] for a in (starts, durations, amp, y_off, ml_shift))

        if gait == "run":
            active = forces.active_peak_bw(speed_mps) * amp
            impact = (
                forces.impact_amplitude_bw(speed_mps) * forces.RUN_IMPACT_SCALE[strike] * impact_scale * amp
            )

            def shape(tau, k, _a=active, _i=impact):
                return forces.running_force_bw(tau, _a[k], _i[k], tau_peak)

        else:
            peak = (1.05 + 0.05 * speed_mps) * amp

            def shape(tau, k, _p=peak):
                return forces.walking_force_bw(tau, _p[k])

        # Which stance (if any) each frame belongs to.
        k = np.searchsorted(starts, time, side="right") - 1
        valid_k = k >= 0
        kk = np.where(valid_k, k, 0)
        tau = (time - starts[kk]) / durations[kk]
        in_contact = valid_k & (tau > 0.0) & (tau < 1.0)
        idx = np.flatnonzero(in_contact)
        kc = kk[idx]
        tau_c = tau[idx]
        force = np.zeros(n)
        force[idx] = shape(tau_c, kc) * weight_n
        cx, cy = cop_mod.cop_path(
            tau_c, path, layout.foot_length_mm, layout.foot_width_mm, y_off[kc], ml_shift[kc]
        )
        cx, cy = cop_mod.clip_to_polygon(cx, cy, hull)
        cop_x = np.full(n, np.nan)
        cop_y = np.full(n, np.nan)
        cop_x[idx] = cx
        cop_y[idx] = cy

        # The kernel writes every frame (zeros in swing), so no scatter copy is needed.
        loads = np.empty((n, layout.n_sensors), dtype=np.float32)
        failures = distribute_loads(
            force, cop_x, cop_y, layout.x_mm, layout.y_mm, weights, sigma_x, sigma_y, loads
        )
        if failures:
            raise RuntimeError(f"load distribution did not converge on {failures} frames (simulator bug)")
        arch = _arch_indicator(loads, idx, kc, starts.size, layout)

        table = step_truth(
            side=side,
            starts=starts,
            durations=durations,
            shape=shape,
            path=path,
            layout=layout,
            hull=hull,
            y_off=y_off,
            ml_shift=ml_shift,
            t_first=float(time[0]),
            t_last=float(time[-1]),
        )
        table["arch_indicator"] = arch
        step_tables.append(table)
        truths[side] = SideTruth(force.astype(np.float32), cop_x.astype(np.float32), cop_y.astype(np.float32))
        if noise > 0:
            loads += rng_noise.normal(0.0, noise, loads.shape).astype(np.float32)
        if dropout > 0:
            frames_per_packet = max(1, round(PACKET_PERIOD_S * rate_hz))
            n_packets = -(-n // frames_per_packet)
            lost = rng_drop.random(n_packets) < dropout
            lost_frames = np.repeat(lost, frames_per_packet)[:n]
            loads[lost_frames] = np.nan
        values[side] = loads

    steps = pd.concat(step_tables, ignore_index=True).sort_values(["t_contact_s", "side"])
    steps = steps.reset_index(drop=True)
    truth = GroundTruth(
        steps=steps,
        sides=truths,
        foot_type=foot_type,
        strike=strike,
        gait=gait,
        asymmetry=float(asymmetry),
        cadence_spm=cadence,
        speed_mps=float(speed_mps),
        body_mass_kg=float(body_mass_kg),
        noise=float(noise),
        dropout=float(dropout),
        seed=int(seed),
    )
    metadata = {
        "source": "sensorkit.simulate",
        "simulation": {
            "seed": int(seed),
            "foot_type": foot_type,
            "strike": strike,
            "gait": gait,
            "cadence_spm": cadence,
            "speed_mps": float(speed_mps),
            "asymmetry": float(asymmetry),
            "noise": float(noise),
            "dropout": float(dropout),
            "impact_scale": float(impact_scale),
            "impact_tau_peak": tau_peak,
        },
        "ground_truth": truth,
    }
    return Recording.from_arrays(
        time,
        values["left"],
        values["right"],
        layout=layout,
        units="N",
        body_mass_kg=body_mass_kg,
        metadata=metadata,
        rate_hz=rate_hz,
    )


def _arch_indicator(
    loads: np.ndarray, frames: np.ndarray, step_of_frame: np.ndarray, n_steps: int, layout: SensorLayout
) -> np.ndarray:
    """Noiseless midfoot share of the force-time integral without toes, per step.

    ``frames`` are the stance frames and ``step_of_frame`` the step each belongs to.
    """
    midfoot = layout.region_mask("midfoot").astype(np.float32)
    no_toes = (~layout.region_mask("toes")).astype(np.float32)
    mid = np.bincount(step_of_frame, weights=(loads @ midfoot)[frames], minlength=n_steps)
    base = np.bincount(step_of_frame, weights=(loads @ no_toes)[frames], minlength=n_steps)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(base > 0, mid / base, np.nan)


def _check_args(
    duration_s, rate_hz, foot_type, strike, speed_mps, body_mass_kg, asymmetry, noise, dropout
) -> None:
    if foot_type not in FOOT_TYPES:
        raise ValueError(f"foot_type must be one of {FOOT_TYPES}, not {foot_type!r}")
    if strike not in STRIKES:
        raise ValueError(f"strike must be one of {STRIKES}, not {strike!r}")
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be positive seconds, got {duration_s!r}")
    if not (np.isfinite(rate_hz) and 10.0 <= rate_hz <= 20000.0):
        raise ValueError(f"rate_hz must be 10-20000 Hz, got {rate_hz!r}")
    if not (0.3 <= speed_mps <= 10.0):
        raise ValueError(f"speed_mps={speed_mps!r} is outside 0.3-10 m/s")
    if not (20.0 <= body_mass_kg <= 250.0):
        raise ValueError(f"body_mass_kg={body_mass_kg!r} is outside 20-250 kg (is it in kg?)")
    if not (-1.0 < asymmetry < 1.0):
        raise ValueError(f"asymmetry must be in (-1, 1), got {asymmetry!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0 N, got {noise!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
