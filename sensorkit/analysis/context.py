"""Per-side constants of an analysis: layout arrays, thresholds in N, frame counts, baseline.

Built once per side and shared by batch and streaming analysis, so both run the kernels
with exactly the same inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sensorkit.analysis.params import AnalysisParams
from sensorkit.kernels import METHOD_13PCT, METHOD_WINDOW
from sensorkit.layout import REGIONS, SensorLayout

__all__ = ["SideContext", "estimate_baseline_n", "estimate_threshold_n", "half_width_for", "make_context"]

_ML_CODES = {"medial": 0, "lateral": 1}
_ML_REGIONS = ("midfoot", "forefoot")  # docs/methods.md: medial-lateral ratio over midfoot and forefoot
_KPA_PER_N_MM2 = 1e3  # pressure (kPa) = force (N) / area (mm^2) x 1e3
_BASELINE_SAMPLE_FRAMES = 100_000  # frames inspected by the baseline estimate (subsampled)
_BASELINE_SAMPLE_VALUES = 1_600_000  # ... and at most this many values (fewer frames when S > 16)
_BASELINE_MIN_FRAMES = 4_000  # ... but never fewer frames than this (or all of them)
_BASELINE_UPPER_PCT = 95.0
_BOXCAR_3DB = 0.443  # a boxcar of width w (s) has its -3 dB point near 0.443 / w Hz
_NOISE_BLOCK_S = 0.1  # blocks of the noise estimate (s)
_NOISE_MAX_BLOCKS = 1000
_LOADED_FRAC = 0.25  # "unloaded" blocks above this share of the loaded level are not unloaded
_MAD_TO_SD_INV = 0.6745  # median |x| of a standard normal: SD = median|x| / 0.6745


@dataclass(frozen=True)
class SideContext:
    """Everything the kernels need for one side, in kernel dtypes.

    Attributes
    ----------
    side : str
    x_mm, y_mm, baseline_n : ndarray (S,), float32
    region_index, ml_index : ndarray (S,), int64
    kpa_per_n : ndarray (S,), float64
    foot_length_mm, foot_width_mm : float
    on_threshold_n, off_threshold_n : float
        Contact / toe-off thresholds in N on the low-passed total force (never from body mass).
    min_on_frames, min_off_frames : int
    event_half_width, vilr_half_width : int
        Half widths (frames) of the moving averages for events and for VILR.
    max_bridge_frames : int
        Longest hole bridged for segmentation.
    refine_events : bool
        Whether events found on the low-passed force are re-timed on the unfiltered force
        (when its noise is small against the threshold; see :func:`estimate_threshold_n`).
    rate_hz : float
    max_dt_s : float
    weight_n : float or None
        Body weight m g in N, None when the mass is unknown.
    params : AnalysisParams
    """

    side: str
    x_mm: np.ndarray
    y_mm: np.ndarray
    baseline_n: np.ndarray
    region_index: np.ndarray
    ml_index: np.ndarray
    kpa_per_n: np.ndarray
    foot_length_mm: float
    foot_width_mm: float
    on_threshold_n: float
    off_threshold_n: float
    min_on_frames: int
    min_off_frames: int
    event_half_width: int
    vilr_half_width: int
    max_bridge_frames: int
    rate_hz: float
    max_dt_s: float
    weight_n: float | None
    params: AnalysisParams
    refine_events: bool = False

    @property
    def fallback_code(self) -> int:
        """Kernel code of the loading-rate fallback."""
        return METHOD_13PCT if self.params.loading_rate_fallback == "13pct_stance" else METHOD_WINDOW


def half_width_for(width_s: float, rate_hz: float) -> int:
    """Half width h of the odd moving-average window (2h + 1 frames) closest to ``width_s``."""
    return max(0, round((width_s * rate_hz - 1.0) / 2.0))


def frames_for(duration_s: float, rate_hz: float) -> int:
    """Whole frames covering ``duration_s`` at ``rate_hz`` (at least 1)."""
    return max(1, math.ceil(duration_s * rate_hz - 1e-9))


def make_context(
    layout: SensorLayout,
    side: str,
    *,
    params: AnalysisParams,
    rate_hz: float,
    weight_n: float | None,
    baseline_n: np.ndarray | None = None,
    threshold_n: float | None = None,
    noise_sd_n: float | None = None,
    off_threshold_n: float | None = None,
) -> SideContext:
    """Build the :class:`SideContext` of one side.

    Parameters
    ----------
    layout : SensorLayout
        Layout of this side.
    side : {"left", "right"}
    params : AnalysisParams
    rate_hz : float
        Nominal sampling rate in Hz.
    weight_n : float or None
        Body weight in N (m g), or None.
    baseline_n : ndarray (S,), optional
        Per-sensor offset in N; zeros when None.
    threshold_n : float, optional
        Contact threshold in N (from :func:`estimate_threshold_n`); ``params.threshold_floor_n``
        when None. Body mass never changes it.
    noise_sd_n : float, optional
        SD of the unfiltered total force's noise (N); events are re-timed on the unfiltered
        force when ``params.threshold_noise_sd`` such SDs fit under the threshold. Unknown
        (None): no re-timing.
    off_threshold_n : float, optional
        Toe-off threshold in N; default ``params.off_threshold_frac`` of the contact threshold.
        :func:`estimate_threshold_n` places it between the unloaded level and the contact
        threshold, so that the hysteresis never falls below the unloaded force.
    """
    n_s = layout.n_sensors
    on = (
        params.threshold_floor_n if threshold_n is None else max(float(threshold_n), params.threshold_floor_n)
    )
    region_index = np.array([REGIONS.index(r) for r in layout.region], dtype=np.int64)
    ml_index = np.array(
        [
            _ML_CODES.get(m, -1) if r in _ML_REGIONS else -1
            for r, m in zip(layout.region, layout.ml, strict=True)
        ],
        dtype=np.int64,
    )
    if layout.measures_pressure:
        kpa_per_n = _KPA_PER_N_MM2 / np.asarray(layout.area_mm2, dtype=np.float64)
    else:  # force sensors carry regional load: no pressure (see SensorLayout.measures_pressure)
        kpa_per_n = np.full(n_s, np.nan)
    base = np.zeros(n_s, np.float32) if baseline_n is None else np.asarray(baseline_n, np.float32)
    if base.shape != (n_s,):
        raise ValueError(f"{side} baseline_n must have {n_s} values (one per sensor), got {base.shape}")
    return SideContext(
        side=side,
        x_mm=np.ascontiguousarray(layout.x_mm, dtype=np.float32),
        y_mm=np.ascontiguousarray(layout.y_mm, dtype=np.float32),
        baseline_n=np.ascontiguousarray(base),
        region_index=region_index,
        ml_index=ml_index,
        kpa_per_n=np.ascontiguousarray(kpa_per_n),
        foot_length_mm=float(layout.foot_length_mm),
        foot_width_mm=float(layout.foot_width_mm),
        on_threshold_n=float(on),
        off_threshold_n=float(
            on * params.off_threshold_frac if off_threshold_n is None else min(off_threshold_n, on)
        ),
        min_on_frames=frames_for(params.min_contact_s, rate_hz),
        min_off_frames=frames_for(params.min_swing_s, rate_hz),
        event_half_width=half_width_for(params.event_filter_s, rate_hz),
        vilr_half_width=half_width_for(_BOXCAR_3DB / params.vilr_filter_hz, rate_hz),
        max_bridge_frames=math.floor(params.max_bridge_s * rate_hz + 1e-9),
        rate_hz=float(rate_hz),
        max_dt_s=params.gap_factor / rate_hz,
        weight_n=weight_n,
        params=params,
        refine_events=noise_sd_n is not None and params.threshold_noise_sd * noise_sd_n <= on,
    )


def estimate_baseline_n(values: np.ndarray, params: AnalysisParams) -> np.ndarray:
    """Per-sensor swing offset (N) of one side, or zeros (see ``AnalysisParams.baseline``).

    The per-sensor median of the frames whose total force lies in the lowest
    ``baseline_quantile``; negative estimates are clipped to 0. Inspects evenly spaced
    frames: at most 1e5, and at most 1.6e6 values but never fewer than 4000 frames (1e5
    frames up to 16 sensors, 4000 at 1024 sensels), so it costs little on long recordings
    and on high-resolution insoles.

    Accuracy of the subsample (issue 17: the median over 1e5 frames of 1024 sensels was 85 %
    of the analysis time): up to 16 sensors nothing changes. With more sensors the median is
    taken over 800 low frames (20 % of 4000) instead of up to 20,000; its standard error is
    1.2533 sigma / sqrt(800) = 0.044 sigma of the swing noise sigma (large-sample variance of
    the median of a normal sample; Kendall & Stuart), and
    ``tests/test_baseline_subsample.py`` checks on simulated 1024-sensel insoles that every
    sensor's estimate lies within 0.25 sigma of the median over all frames (SD of the
    difference < 0.06 sigma; measured 0.038 sigma, max 0.17 sigma over 6 x 1024 sensels)
    and recovers known offsets within 0.3 sigma. Cost at 1024 sensels: ~25 ms per side
    instead of ~450 ms for 60 s at 1 kHz.

    Parameters
    ----------
    values : ndarray, shape (n, S), float32
        Per-sensor forces in N (NaN frames ignored).
    params : AnalysisParams

    Returns
    -------
    ndarray, shape (S,), float32
    """
    n_s = values.shape[1]
    zero = np.zeros(n_s, dtype=np.float32)
    if params.baseline == "none":
        return zero
    budget = min(_BASELINE_SAMPLE_FRAMES, max(_BASELINE_MIN_FRAMES, _BASELINE_SAMPLE_VALUES // max(n_s, 1)))
    stride = max(1, values.shape[0] // budget)
    sample = np.ascontiguousarray(values[::stride])  # rows, whatever the side's memory order: the same sums
    sample = sample[np.isfinite(sample).all(axis=1)]
    if sample.shape[0] < 2:
        return zero
    total = sample.sum(axis=1, dtype=np.float64)
    k = max(1, int(params.baseline_quantile * sample.shape[0]))
    low = np.argpartition(total, k - 1)[:k]
    base = np.maximum(np.median(sample[low], axis=0), 0.0).astype(np.float32)
    if base.sum() > params.baseline_max_frac * np.percentile(total, _BASELINE_UPPER_PCT):
        return zero
    return base


def estimate_threshold_n(
    force_n: np.ndarray, force_lp_n: np.ndarray, half_width: int, params: AnalysisParams, rate_hz: float
) -> tuple[float, float, float]:
    """Noise-adaptive contact and toe-off thresholds (N) of one side (docs/methods.md "Gait events").

    The recording is cut into 0.1 s blocks (at most ~1000 of them, evenly spread); the
    unloaded ones are the lowest ``threshold_quantile`` of block means. Within them the noise
    SD of the unfiltered force comes from successive differences (median |dF| / (0.6745
    sqrt 2)): selecting whole blocks does not bias the differences the way selecting single
    low frames would. Threshold = the median low-passed force of those blocks +
    ``threshold_noise_sd`` noise SDs scaled to the low-pass (/ sqrt(2 h + 1), white noise),
    never below ``threshold_floor_n``. The toe-off threshold is ``off_threshold_frac`` of the
    way from the unloaded level to it. When even the lowest blocks are loaded (a recording
    that is mostly standing: their level exceeds a quarter of the 95th percentile block), the
    unloaded level is taken as 0 (the sensors' zero).

    Parameters
    ----------
    force_n : ndarray, shape (n,)
        Unfiltered, baseline-corrected total force in N (NaN frames ignored).
    force_lp_n : ndarray, shape (n,)
        The same after the event low-pass.
    half_width : int
        The low-pass half width h (frames).
    params : AnalysisParams
    rate_hz : float

    Returns
    -------
    threshold_n : float
        Contact threshold in N.
    noise_sd_n : float
        Noise SD of the unfiltered force in N (NaN when it cannot be estimated).
    off_threshold_n : float
        Toe-off threshold in N.
    """
    floor = float(params.threshold_floor_n)
    block = max(2, round(_NOISE_BLOCK_S * rate_hz))
    n_blocks = force_n.shape[0] // block
    if n_blocks < 3:
        return floor, float("nan"), floor * params.off_threshold_frac
    pick = np.unique(np.linspace(0, n_blocks - 1, min(n_blocks, _NOISE_MAX_BLOCKS)).astype(np.int64))
    rows = (pick[:, None] * block + np.arange(block)[None, :]).ravel()
    raw = np.asarray(force_n[rows], dtype=np.float64).reshape(pick.size, block)
    lp = np.asarray(force_lp_n[rows], dtype=np.float64).reshape(pick.size, block)
    finite = np.isfinite(raw)
    counts = finite.sum(axis=1)
    means = np.where(counts > 0, np.where(finite, raw, 0.0).sum(axis=1) / np.maximum(counts, 1), np.nan)
    ok = np.isfinite(means)
    if ok.sum() < 3:
        return floor, float("nan"), floor * params.off_threshold_frac
    k = max(3, int(params.threshold_quantile * ok.sum()))
    order = np.flatnonzero(ok)[np.argsort(means[ok])[:k]]
    d = np.diff(raw[order], axis=1).ravel()
    d = d[np.isfinite(d)]
    centre_vals = lp[order].ravel()
    centre_vals = centre_vals[np.isfinite(centre_vals)]
    if d.size < 5 or not centre_vals.size:
        return floor, float("nan"), floor * params.off_threshold_frac
    centre = float(np.median(centre_vals))
    if centre > _LOADED_FRAC * float(np.percentile(means[ok], _BASELINE_UPPER_PCT)):
        centre = 0.0  # no unloaded block at all: trust the sensors' zero
    noise = float(np.median(np.abs(d))) / (_MAD_TO_SD_INV * np.sqrt(2.0))
    noise_lp = noise / np.sqrt(2 * half_width + 1)
    on = float(max(floor, centre + params.threshold_noise_sd * noise_lp))
    low = min(centre, on)
    return on, noise, float(low + params.off_threshold_frac * (on - low))
