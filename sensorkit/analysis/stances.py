"""Per-stance metrics of one side: runs the stance kernels and assembles table columns.

Shared by batch (:func:`sensorkit.analyze`, whole arrays) and streaming
(:class:`StreamingAnalyzer`, a buffer holding the stance), so both produce identical rows.
"""

from __future__ import annotations

import numpy as np

from sensorkit import kernels as K
from sensorkit.analysis.context import SideContext

__all__ = [
    "STEP_FLAG_COLUMNS",
    "finalize_columns",
    "measure_stances",
    "missing_markers",
    "steps_frame_columns",
]

_METHOD_LABELS = {
    K.METHOD_NONE: "none",
    K.METHOD_IMPACT: "impact_peak",
    K.METHOD_13PCT: "13pct_stance",
    K.METHOD_WINDOW: "3_12pct_window",
}
_REGION_NAMES = ("heel", "midfoot", "forefoot", "toes")
_MIDFOOT, _TOES = 1, 3
STEP_FLAG_COLUMNS = ("touches_gap", "truncated")


def measure_stances(
    ctx: SideContext,
    values: np.ndarray,
    time_s: np.ndarray,
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    force_n: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    flags: np.ndarray,
) -> dict[str, np.ndarray]:
    """Raw per-stance metrics in N-based units.

    Parameters
    ----------
    ctx : SideContext
    values : ndarray (n, S) float32
        Per-sensor forces (N) of the frames that contain the stances (and the frame before each).
    time_s : ndarray (n,) float64
    x_mm, y_mm, force_n : ndarray (n,) float32
        Output of :func:`sensorkit.kernels.cop_frames` on ``values``.
    starts, stops, flags : ndarray (m,) int64
        Stances from :func:`sensorkit.kernels.detect_contacts`, indices into these arrays.

    Returns
    -------
    dict of ndarray
        Keys as in :func:`finalize_columns` input.
    """
    p = ctx.params
    peak, impulse = K.stance_force(force_n, time_s, starts, stops)
    _, impact_n, valr, vilr, method = K.loading_rates(
        force_n,
        time_s,
        starts,
        stops,
        p.impact_window_frac,
        p.impact_min_height_frac,
        p.impact_min_dip_frac,
        p.impact_dip_window_frac,
        ctx.fallback_code,
        p.fallback_reference_frac,
        p.fallback_window_frac[0],
        p.fallback_window_frac[1],
        p.loading_levels_frac[0],
        p.loading_levels_frac[1],
    )
    strike, ap, ml, path, vel, cpei = K.cop_path_metrics(
        x_mm, y_mm, time_s, starts, stops, ctx.foot_length_mm, ctx.foot_width_mm, p.cpei_distal_frac
    )
    reg_imp, reg_peak, reg_press, ml_imp = K.regional_loads(
        values, time_s, ctx.baseline_n, starts, stops, ctx.region_index, ctx.ml_index, ctx.kpa_per_n
    )
    jumps = K.stance_time_jumps(time_s, starts, stops, ctx.max_dt_s)
    t_c = time_s[starts]
    t_o = time_s[stops]
    return {
        "t_contact_s": t_c,
        "t_toe_off_s": t_o,
        "peak_force_n": peak,
        "impulse_n_s": impulse,
        "impact_peak_n": impact_n,
        "valr_n_s": valr,
        "vilr_n_s": vilr,
        "method": method,
        "strike_index_pct": strike,
        "cop_ap_excursion_mm": ap,
        "cop_ml_excursion_mm": ml,
        "cop_path_length_mm": path,
        "cop_velocity_mm_s": vel,
        "cpei_pct": cpei,
        "regional_impulse_n_s": reg_imp,
        "regional_peak_force_n": reg_peak,
        "regional_peak_pressure_kpa": reg_press,
        "ml_impulse_n_s": ml_imp,
        "touches_gap": ((flags & K.FLAG_GAP) != 0) | jumps,
        "truncated": (flags & K.FLAG_TRUNCATED) != 0,
    }


def missing_markers(
    force_n: np.ndarray, time_s: np.ndarray, prev_time_s: float, max_dt_s: float
) -> np.ndarray:
    """Per frame, 1 where data is missing just before or at it: a NaN frame, or a time jump.

    Parameters
    ----------
    force_n : ndarray, shape (k,)
        Total force per frame (NaN = missing frame).
    time_s : ndarray, shape (k,)
        Frame times in s.
    prev_time_s : float
        Time of the frame before ``time_s[0]`` (NaN when there is none).
    max_dt_s : float
        Largest frame interval that is not a time jump (s).

    Returns
    -------
    ndarray of int64, shape (k,)
        Cumulate it to count missing data between two frames (used for stride times).
    """
    dt = np.diff(time_s, prepend=prev_time_s)
    with np.errstate(invalid="ignore"):
        return (np.isnan(force_n) | (dt > max_dt_s)).astype(np.int64)


def finalize_columns(
    side: str,
    raw: dict[str, np.ndarray],
    ctx: SideContext,
    prev_contact_s: float = np.nan,
    prev_excluded: bool = True,
    prev_missing_count: int = 0,
) -> dict[str, np.ndarray]:
    """Steps-table columns (in order) from :func:`measure_stances` output.

    Parameters
    ----------
    side : str
    raw : dict
        From :func:`measure_stances`.
    ctx : SideContext
        Gives body weight (BW units when known, N otherwise) and parameters.
    prev_contact_s : float
        Contact time of this side's previous stance (streaming), NaN when none.
    prev_excluded : bool
        Whether that previous stance touched a gap or was truncated.
    prev_missing_count : int
        Running count of :func:`missing_markers` at that previous contact; with
        ``raw["missing_count_at_contact"]`` it tells whether data went missing between two
        contacts, in which case the stride between them is not measured (METHODS.md).

    Returns
    -------
    dict of ndarray
        Column name -> values, one per stance.
    """
    p = ctx.params
    m = raw["t_contact_s"].shape[0]
    w = ctx.weight_n
    scale = 1.0 / w if w is not None else 1.0
    fu, ru, iu = ("bw", "bw_s", "bw_s") if w is not None else ("n", "n_s", "n_s")
    t_c = raw["t_contact_s"]
    excluded = raw["touches_gap"] | raw["truncated"]
    prev_t = np.concatenate(([prev_contact_s], t_c[:-1])) if m else t_c
    prev_x = np.concatenate(([prev_excluded], excluded[:-1])) if m else excluded
    missing_c = raw["missing_count_at_contact"]
    prev_missing = np.concatenate(([prev_missing_count], missing_c[:-1])) if m else missing_c
    gap_between = missing_c > prev_missing
    stride = t_c - prev_t
    stride = np.where(prev_x | excluded | gap_between | ~(stride <= p.max_stride_s), np.nan, stride)
    si = raw["strike_index_pct"]
    pattern = np.where(
        si < p.strike_rearfoot_max_pct,
        "rearfoot",
        np.where(si <= p.strike_forefoot_min_pct, "midfoot", "forefoot"),
    ).astype(object)
    pattern[np.isnan(si)] = "unknown"
    reg = raw["regional_impulse_n_s"]
    no_toes = reg[:, :_TOES].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        arch = np.where(no_toes > 0, reg[:, _MIDFOOT] / no_toes, np.nan)
        med, lat = raw["ml_impulse_n_s"][:, 0], raw["ml_impulse_n_s"][:, 1]
        ml_ratio = np.where(med + lat > 0, (med - lat) / (med + lat), np.nan)
    cols: dict[str, np.ndarray] = {
        "side": np.full(m, side, dtype=object),
        "t_contact_s": t_c,
        "t_toe_off_s": raw["t_toe_off_s"],
        "contact_time_s": raw["t_toe_off_s"] - t_c,
        "stride_time_s": stride,
        f"peak_force_{fu}": raw["peak_force_n"] * scale,
        f"impact_peak_{fu}": raw["impact_peak_n"] * scale,
        f"valr_{ru}": raw["valr_n_s"] * scale,
        f"vilr_{ru}": raw["vilr_n_s"] * scale,
        "loading_rate_method": np.array([_METHOD_LABELS[int(k)] for k in raw["method"]], dtype=object),
        f"impulse_{iu}": raw["impulse_n_s"] * scale,
        "strike_index_pct": si,
        "strike_pattern": pattern,
        "cop_ap_excursion_mm": raw["cop_ap_excursion_mm"],
        "cop_ml_excursion_mm": raw["cop_ml_excursion_mm"],
        "cop_path_length_mm": raw["cop_path_length_mm"],
        "cop_velocity_mm_s": raw["cop_velocity_mm_s"],
        "cpei_pct": raw["cpei_pct"],
        "arch_indicator": arch,
        "ml_ratio": ml_ratio,
    }
    for r, name in enumerate(_REGION_NAMES):
        cols[f"{name}_impulse_n_s"] = reg[:, r]
    for r, name in enumerate(_REGION_NAMES):
        cols[f"{name}_peak_force_n"] = raw["regional_peak_force_n"][:, r]
    for r, name in enumerate(_REGION_NAMES):
        cols[f"{name}_peak_pressure_kpa"] = raw["regional_peak_pressure_kpa"][:, r]
    cols["medial_impulse_n_s"] = med
    cols["lateral_impulse_n_s"] = lat
    cols["touches_gap"] = raw["touches_gap"]
    cols["truncated"] = raw["truncated"]
    return cols


def steps_frame_columns(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate column dicts (same keys) into one, sorted by contact time then side."""
    if not parts:
        return {}
    keys = list(parts[0])
    cols = {k: np.concatenate([p[k] for p in parts]) for k in keys}
    side_rank = (cols["side"] == "right").astype(np.int64)
    order = np.lexsort((side_rank, cols["t_contact_s"]))
    return {k: v[order] for k, v in cols.items()}
