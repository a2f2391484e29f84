"""Analysis parameters: every threshold and window in one place, with units and sources.

Definitions and sources: ``docs/methods.md`` (in the repository).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

__all__ = ["ASYMMETRY_LIMITS_PCT", "ASYMMETRY_LIMIT_SOURCES", "G_M_S2", "AnalysisParams"]

#: Standard gravity in m/s^2 (docs/methods.md: BW = m g).
G_M_S2 = 9.81

_FALLBACKS = ("13pct_stance", "3_12pct_window")
_BASELINES = ("auto", "none")

#: |SI| limits in % per metric (docs/methods.md "Asymmetry"): an asymmetry is flagged only when
#: the whole 95 % bootstrap interval of SI lies beyond the limit. Temporal metrics get 3-5 %, a
#: sensorkit choice: healthy gait is not perfectly symmetric (Sadeghi et al. 2000, Gait Posture
#: 12:34, a review, which gives no bound), and a normative range of an overall temporal symmetry
#: ratio was 0.9-1.1 in 24 healthy controls (Patterson et al. 2008, Arch Phys Med Rehabil 89:304),
#: a different measure with a wider range; force magnitudes get 10 % (in healthy walkers the 95 %
#: limits of symmetry indices depend on the variable, from +/-4 % upward: Herzog et al. 1989, Med
#: Sci Sports Exerc 21:110, who give no one limit for forces); rates get 15 %, the force limit
#: widened because a rate varies more from step to step than the force it rises to (on the
#: bundled real walks its coefficient of variation over steps is 10-29 %, peak force's 2-4 %;
#: no published figure); standing loads get 10 % (healthy adults stand with a small left-right
#: asymmetry on average and shift between postures, Prado-Rico & Duarte 2019, Motor Control
#: 23:553, who give no limit). *sensorkit choice*, documented so that it can be changed.
ASYMMETRY_LIMITS_PCT: dict[str, float] = {
    "contact_time_s": 5.0,
    "stride_time_s": 3.0,
    "swing_time_s": 5.0,
    "step_time_s": 5.0,
    "stance_pct_gait_cycle": 5.0,
    "peak_force_n": 10.0,
    "impulse_Ns": 10.0,
    "first_peak_n": 10.0,
    "second_peak_n": 10.0,
    "valley_n": 10.0,
    "impact_peak_n": 10.0,
    "valr_n_s": 15.0,
    "vilr_n_s": 15.0,
    "loading_rate_n_s": 15.0,
    "unloading_rate_n_s": 15.0,
    "standing_force_n": 10.0,
}

_TEMPORAL = ("contact_time_s", "stride_time_s", "swing_time_s", "step_time_s", "stance_pct_gait_cycle")
_RATES = ("valr_n_s", "vilr_n_s", "loading_rate_n_s", "unloading_rate_n_s")

#: Where each limit of :data:`ASYMMETRY_LIMITS_PCT` comes from, as a key of
#: ``sensorkit.recommend.evidence.CITATIONS``: ``"sadeghi2000"`` for the temporal metrics (their
#: flags cite Patterson et al. 2008 too),
#: ``"herzog1989"`` for force magnitudes in gait, ``"sensorkit"`` for a sensorkit widening of it
#: (the rates), ``"pradorico2019"`` for standing loads (Herzog et al. 1989 is a walking study).
#: A flag cites the source of its own limit (docs/methods.md "Asymmetry").
ASYMMETRY_LIMIT_SOURCES: dict[str, str] = {
    name: "sadeghi2000"
    if name in _TEMPORAL
    else "sensorkit"
    if name in _RATES
    else "pradorico2019"
    if name == "standing_force_n"
    else "herzog1989"
    for name in ASYMMETRY_LIMITS_PCT
}


@dataclass(frozen=True)
class AnalysisParams:
    """Parameters of :func:`sensorkit.analyze` and :class:`StreamingAnalyzer`.

    Defaults follow ``docs/methods.md``; entries marked *sensorkit choice* are not from the
    literature and are documented so results can be reproduced. Segmentation never uses
    body mass: a mass only converts units.

    Parameters
    ----------
    threshold_floor_n : float
        Lowest contact threshold in N (docs/methods.md: insoles need more than the <= 10 N
        force-plate toe-off threshold of Tirosh & Sparrow 2003 because of sensor noise).
    threshold_quantile : float
        The unloaded frames of the threshold estimate: this lowest fraction of the low-passed
        total force (5 %: still unloaded when a recording is mostly standing).
    threshold_noise_sd : float
        Contact threshold = max(floor, unloaded median + this many noise SDs of the low-passed
        total force; the SD from successive differences of the unloaded frames). *sensorkit
        choice.*
    off_threshold_frac : float
        Toe-off hysteresis: the force must fall below this fraction of the contact threshold
        to end a stance (it is still timed at the contact threshold).
    min_contact_s, min_swing_s : float
        Debounce: the (low-passed) force must stay up / down this long (s).
    event_filter_s : float
        Width of the centred moving average applied to total force for event detection only
        (s; the nearest odd number of frames, at least 1). Its -3 dB cut-off is about
        0.443 / width: 40 Hz for 11 frames at 1 kHz. Metrics are measured on the unfiltered
        force, and events are re-timed on it when its noise is small against the threshold.
    max_bridge_s : float
        Missing data up to this long inside a stance is bridged for segmentation only; longer
        holes end the stance. Moticon OpenGo exports have 60-70 ms holes. *sensorkit choice.*
    baseline, baseline_quantile, baseline_max_frac
        Per-sensor swing offset removed before everything else: the per-sensor median of the
        frames whose total force is in the lowest ``baseline_quantile``, rejected (0) when
        its total exceeds ``baseline_max_frac`` of the 95th percentile of total force.
    min_peak_frac : float
        A stance whose peak is below this fraction of the session's typical (median) stance
        peak is not a step ("low peak"). *sensorkit choice.*
    min_contact_time_s, max_contact_time_s : float
        Plausible contact times (s); shorter: "too short", longer: "too long" (standing or not
        a step). *sensorkit choice.*
    steady_band_frac : float
        A valid step is steady-state when its stride time and contact time are within this
        fraction of the bout's median (gait initiation/termination and turns fall outside).
    steady_trim_steps : int
        Steps of each foot at the start and end of a bout left out of the summaries (gait
        initiation and termination, the approach to a turn). *sensorkit choice.*
    bout_break_s : float
        A pause this long between contacts (no foot starting a stance) ends a bout.
    min_standing_s : float
        Both feet loaded without a step for at least this long is standing.
    running_flight_frac : float
        A bout is running when at least this fraction of its steps has a flight phase (no
        foot loaded) before the next contralateral contact, else walking.
    impact_window_frac, impact_min_height_frac, impact_min_dip_frac, impact_dip_window_frac
        Impact peak: first local maximum within the leading fraction of stance, at least the
        given fraction of the stance peak, followed by a dip of the given fraction of the
        stance peak before ``impact_dip_window_frac`` of stance. The last three are noise
        guards (*sensorkit choice*).
    loading_rate_fallback : {"13pct_stance", "3_12pct_window"}
        Reference without an impact peak (Blackmore, Willy & Creaby 2016, J Biomech 49:479).
    fallback_reference_frac : float
        Stance fraction of the fallback reference force (13 %).
    fallback_window_frac : tuple of float
        The fixed fallback window (3-12 % of stance).
    loading_levels_frac : tuple of float
        VALR between these fractions of the reference peak (20-80 %; Milner et al. 2006).
    min_valr_samples : int
        VALR is reliable only with at least this many samples in its 20-80 % window.
    vilr_min_rate_hz : float
        VILR is computed only at this sampling rate or above.
    vilr_filter_hz : float
        Approximate -3 dB cut-off of the moving average applied before VILR (Hz).
    strike_window_s : float
        Strike index from the force-weighted COP over this leading part of stance (s).
    cop_path_min_force_frac, cop_path_bin_s : float
        COP path metrics (excursions, path length, velocity, CPEI) use force-weighted COP means
        over ``cop_path_bin_s`` bins of the frames carrying at least ``cop_path_min_force_frac``
        of the stance peak: a COP near the threshold is noise, and per-frame noise adds path in
        proportion to the rate. *sensorkit choice.*
    strike_rearfoot_max_pct, strike_forefoot_min_pct : float
        Strike-index bands (Cavanagh & Lafortune 1980: 33.3 %, 66.7 %).
    cpei_distal_frac : float
        CPEI measured at this fraction of foot length (Song et al. 1996).
    max_stride_s : float
        Longer intervals between contacts of one foot are not strides.
    gap_factor : float
        A frame interval above this many nominal periods is a time jump (as in Recording).
    min_steps_asymmetry : int
        Fewest valid steady-state steps per side for a symmetry index. *sensorkit choice.*
    bootstrap_resamples : int
        Resamples of the percentile bootstrap behind asymmetry and comparison intervals.
    min_trend_s, min_trend_steps : float, int
        A trend over the session (fatigue check) needs this duration and steps per side.
    """

    threshold_floor_n: float = 20.0
    threshold_noise_sd: float = 5.0
    off_threshold_frac: float = 0.8
    min_contact_s: float = 0.050
    min_swing_s: float = 0.050
    event_filter_s: float = 0.010
    max_bridge_s: float = 0.100
    baseline: str = "auto"
    baseline_quantile: float = 0.2
    threshold_quantile: float = 0.05
    baseline_max_frac: float = 0.5
    min_peak_frac: float = 0.3
    min_contact_time_s: float = 0.08
    max_contact_time_s: float = 2.5
    steady_band_frac: float = 0.2
    steady_trim_steps: int = 1
    bout_break_s: float = 2.5
    min_standing_s: float = 1.0
    running_flight_frac: float = 0.5
    impact_window_frac: float = 0.30
    impact_min_height_frac: float = 0.2
    impact_min_dip_frac: float = 0.03
    impact_dip_window_frac: float = 0.5
    loading_rate_fallback: str = "13pct_stance"
    fallback_reference_frac: float = 0.13
    fallback_window_frac: tuple[float, float] = field(default=(0.03, 0.12))
    loading_levels_frac: tuple[float, float] = field(default=(0.2, 0.8))
    min_valr_samples: int = 3
    vilr_min_rate_hz: float = 500.0
    vilr_filter_hz: float = 60.0
    strike_window_s: float = 0.015
    cop_path_min_force_frac: float = 0.1
    cop_path_bin_s: float = 0.010
    strike_rearfoot_max_pct: float = 100.0 / 3.0
    strike_forefoot_min_pct: float = 200.0 / 3.0
    cpei_distal_frac: float = 2.0 / 3.0
    max_stride_s: float = 3.0
    gap_factor: float = 1.5
    min_steps_asymmetry: int = 5
    bootstrap_resamples: int = 2000
    min_trend_s: float = 300.0
    min_trend_steps: int = 50

    def __post_init__(self) -> None:
        checks = [
            (self.threshold_floor_n > 0, "threshold_floor_n must be > 0"),
            (self.threshold_noise_sd >= 0, "threshold_noise_sd must be >= 0"),
            (0 < self.off_threshold_frac <= 1, "off_threshold_frac must be in (0, 1]"),
            (self.min_contact_s >= 0 and self.min_swing_s >= 0, "minimum durations must be >= 0 s"),
            (self.event_filter_s >= 0 and self.max_bridge_s >= 0, "filter and bridge must be >= 0 s"),
            (self.baseline in _BASELINES, f"baseline must be one of {_BASELINES}"),
            (0 < self.baseline_quantile < 1, "baseline_quantile must be in (0, 1)"),
            (0 < self.threshold_quantile < 1, "threshold_quantile must be in (0, 1)"),
            (0 <= self.min_peak_frac < 1, "min_peak_frac must be in [0, 1)"),
            (
                0 <= self.min_contact_time_s < self.max_contact_time_s,
                "min_contact_time_s must be below max_contact_time_s",
            ),
            (0 < self.steady_band_frac, "steady_band_frac must be > 0"),
            (0 < self.impact_window_frac < 1, "impact_window_frac must be in (0, 1)"),
            (self.loading_rate_fallback in _FALLBACKS, f"loading_rate_fallback must be one of {_FALLBACKS}"),
            (0 < self.fallback_reference_frac < 1, "fallback_reference_frac must be in (0, 1)"),
            (
                0 <= self.fallback_window_frac[0] < self.fallback_window_frac[1] < 1,
                "fallback_window_frac must be increasing fractions of stance",
            ),
            (
                0 < self.loading_levels_frac[0] < self.loading_levels_frac[1] <= 1,
                "loading_levels_frac must be increasing fractions of the peak",
            ),
            (self.min_valr_samples >= 2, "min_valr_samples must be >= 2"),
            (self.strike_window_s >= 0, "strike_window_s must be >= 0"),
            (self.strike_rearfoot_max_pct <= self.strike_forefoot_min_pct, "strike bands overlap"),
            (self.max_stride_s > 0 and self.gap_factor > 1, "max_stride_s > 0 and gap_factor > 1"),
            (self.min_steps_asymmetry >= 2, "min_steps_asymmetry must be >= 2"),
            (self.bootstrap_resamples >= 100, "bootstrap_resamples must be >= 100"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"AnalysisParams: {message}")

    def replace(self, **changes) -> AnalysisParams:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready mapping of every parameter."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_kwargs(cls, **params) -> AnalysisParams:
        """Build from keyword arguments, naming any unknown one."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise TypeError(f"unknown analysis parameter(s) {unknown}; known: {sorted(known)}")
        return cls(**params)
