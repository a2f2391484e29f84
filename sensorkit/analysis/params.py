"""Analysis parameters: every threshold and window in one place, with units and sources."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

__all__ = ["G_M_S2", "AnalysisParams"]

#: Standard gravity in m/s^2 (METHODS.md: BW = m g).
G_M_S2 = 9.81

_FALLBACKS = ("13pct_stance", "3_12pct_window")
_BASELINES = ("auto", "none")


@dataclass(frozen=True)
class AnalysisParams:
    """Parameters of :func:`sensorkit.analyze` and :class:`StreamingAnalyzer`.

    Defaults follow METHODS.md; entries marked *sensorkit choice* are not from the
    literature and are documented so results can be reproduced.

    Parameters
    ----------
    threshold_bw : float
        Contact threshold in body weights (METHODS.md: 5 % BW).
    threshold_n_without_mass : float
        Contact threshold in N when body mass is unknown (METHODS.md: 20 N).
    off_threshold_frac : float
        Toe-off threshold as a fraction of the contact threshold (hysteresis; METHODS.md: 0.8).
    min_contact_s : float
        Force must stay above threshold this long to count as contact (METHODS.md: 50 ms).
    min_swing_s : float
        Force must stay below the off-threshold this long to count as toe-off (METHODS.md: 50 ms).
    baseline : {"auto", "none"}
        Per-sensor swing offset removed before everything else. ``"auto"`` estimates it per
        recording and side as the per-sensor median of the frames whose total force is in
        the lowest ``baseline_quantile`` (swing frames; PhysioNet gaitpdb insoles show
        offsets of up to tens of N). *sensorkit choice.*
    baseline_quantile : float
        Fraction of frames (lowest total force) treated as swing for the baseline estimate.
    baseline_max_frac : float
        The estimate is rejected (baseline 0) when its total exceeds this fraction of the
        95th percentile of total force: the recording has too little swing (standing).
    impact_window_frac : float
        Impact peak searched within this leading fraction of stance (METHODS.md: 30 %).
    impact_min_height_frac : float
        Impact peak must reach this fraction of the stance peak force. *sensorkit choice*
        (noise guard).
    impact_min_dip_frac : float
        Dip after the impact peak, as a fraction of the stance peak force. *sensorkit choice*
        (noise guard; 3 % keeps 2 N-per-sensor noise on a 16-sensor insole from posing as
        an impact peak, while the simulator's rearfoot transients still qualify).
    impact_dip_window_frac : float
        The dip must come before this fraction of stance. *sensorkit choice.*
    loading_rate_fallback : {"13pct_stance", "3_12pct_window"}
        Reference without an impact peak (METHODS.md).
    fallback_reference_frac : float
        Stance fraction of the fallback reference force (METHODS.md: 13 %).
    fallback_window_frac : tuple of float
        The fixed fallback window (METHODS.md: 3-12 % of stance).
    loading_levels_frac : tuple of float
        VALR measured between these fractions of the reference peak (METHODS.md: 20-80 %).
    strike_rearfoot_max_pct, strike_forefoot_min_pct : float
        Strike-index bands (Cavanagh & Lafortune 1980: 33.3 %, 66.7 %).
    cpei_distal_frac : float
        CPEI measured at this fraction of foot length (distal third; Song et al. 1996).
    max_stride_s : float
        Longer intervals between contacts of one foot are not strides (a missed step or a
        pause). *sensorkit choice.*
    gap_factor : float
        A frame interval above this many nominal periods is a time jump (as in Recording).
    asymmetry_flag_pct : float
        |SI| above this is flagged (Herzog et al. 1989 convention: 10 %).
    """

    threshold_bw: float = 0.05
    threshold_n_without_mass: float = 20.0
    off_threshold_frac: float = 0.8
    min_contact_s: float = 0.050
    min_swing_s: float = 0.050
    baseline: str = "auto"
    baseline_quantile: float = 0.2
    baseline_max_frac: float = 0.5
    impact_window_frac: float = 0.30
    impact_min_height_frac: float = 0.2
    impact_min_dip_frac: float = 0.03
    impact_dip_window_frac: float = 0.5
    loading_rate_fallback: str = "13pct_stance"
    fallback_reference_frac: float = 0.13
    fallback_window_frac: tuple[float, float] = field(default=(0.03, 0.12))
    loading_levels_frac: tuple[float, float] = field(default=(0.2, 0.8))
    strike_rearfoot_max_pct: float = 100.0 / 3.0
    strike_forefoot_min_pct: float = 200.0 / 3.0
    cpei_distal_frac: float = 2.0 / 3.0
    max_stride_s: float = 3.0
    gap_factor: float = 1.5
    asymmetry_flag_pct: float = 10.0

    def __post_init__(self) -> None:
        checks = [
            (self.threshold_bw > 0, "threshold_bw must be > 0"),
            (self.threshold_n_without_mass > 0, "threshold_n_without_mass must be > 0"),
            (0 < self.off_threshold_frac <= 1, "off_threshold_frac must be in (0, 1]"),
            (self.min_contact_s >= 0 and self.min_swing_s >= 0, "minimum durations must be >= 0 s"),
            (self.baseline in _BASELINES, f"baseline must be one of {_BASELINES}"),
            (0 < self.baseline_quantile < 1, "baseline_quantile must be in (0, 1)"),
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
            (self.strike_rearfoot_max_pct <= self.strike_forefoot_min_pct, "strike bands overlap"),
            (self.max_stride_s > 0 and self.gap_factor > 1, "max_stride_s > 0 and gap_factor > 1"),
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
