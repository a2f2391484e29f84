"""Session-level decisions over the local per-stance rows: which stances are steps, bouts and
their activity, steady state, temporal parameters across both feet, the trial's loading-rate
method, and which metrics a data gap leaves unmeasured.

Everything here is a function of the table of local rows (:mod:`sensorkit.analysis.stances`),
so batch analysis and a finished stream give the same final table; while a stream is live
these values are provisional (docs/methods.md "Streaming").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sensorkit.analysis.params import AnalysisParams
from sensorkit.analysis.stances import REGION_NAMES

__all__ = [
    "RUNNING_ONLY",
    "STEP_COLUMNS",
    "WALKING_ONLY",
    "TrialInfo",
    "finalize_columns",
    "finalize_steps",
    "main_activity",
]

#: Metrics of a whole stance: not measured when data is missing inside the stance.
_WHOLE_STANCE = (
    "peak_force_n",
    "impulse_Ns",
    "first_peak_n",
    "first_peak_pct_stance",
    "valley_n",
    "valley_pct_stance",
    "second_peak_n",
    "second_peak_pct_stance",
    "unloading_rate_n_s",
    "cop_ap_excursion_mm",
    "cop_ml_excursion_mm",
    "cop_path_length_mm",
    "cop_velocity_mm_s",
    "cpei_pct",
    "medial_impulse_Ns",
    "lateral_impulse_Ns",
    *(f"{r}_{k}" for r in REGION_NAMES for k in ("impulse_Ns", "peak_force_n", "peak_pressure_kpa")),
)
#: Metrics of early stance: not measured when data is missing before ``_EARLY_FRAC`` of stance.
_EARLY = ("impact_peak_n", "valr_n_s", "vilr_n_s", "loading_rate_n_s")
_EARLY_FRAC = 0.5
_RUNNING_DUTY_FACTOR = 0.5  # contact / stride below this: running (one-foot recordings)
#: Metrics measured for running steps only, and for walking steps only (docs/methods.md "Activity").
RUNNING_ONLY = ("impact_peak_n", "valr_n_s", "vilr_n_s")
WALKING_ONLY = (
    "first_peak_n",
    "first_peak_pct_stance",
    "valley_n",
    "valley_pct_stance",
    "second_peak_n",
    "second_peak_pct_stance",
    "loading_rate_n_s",
    "unloading_rate_n_s",
)
#: N-based force columns and their BW twins (NaN without a body mass).
_BW_TWINS = {
    "peak_force_n": "peak_force_bw",
    "impact_peak_n": "impact_peak_bw",
    "valr_n_s": "valr_bw_s",
    "vilr_n_s": "vilr_bw_s",
    "first_peak_n": "first_peak_bw",
    "valley_n": "valley_bw",
    "second_peak_n": "second_peak_bw",
    "loading_rate_n_s": "loading_rate_bw_s",
    "unloading_rate_n_s": "unloading_rate_bw_s",
    "impulse_Ns": "impulse_BWs",
}

#: Columns of :attr:`Analysis.steps`, in order (docs/methods.md "Steps table").
STEP_COLUMNS = (
    "side",
    "t_contact_s",
    "t_toe_off_s",
    "valid",
    "steady_state",
    "exclude_reason",
    "bout",
    "activity",
    "contact_time_s",
    "stride_time_s",
    "swing_time_s",
    "step_time_s",
    "stance_pct_gait_cycle",
    "initial_double_support_s",
    "terminal_double_support_s",
    "double_support_s",
    "flight_time_s",
    "peak_force_n",
    "peak_force_bw",
    "impulse_Ns",
    "impulse_BWs",
    "first_peak_n",
    "first_peak_bw",
    "first_peak_pct_stance",
    "valley_n",
    "valley_bw",
    "valley_pct_stance",
    "second_peak_n",
    "second_peak_bw",
    "second_peak_pct_stance",
    "loading_rate_n_s",
    "loading_rate_bw_s",
    "unloading_rate_n_s",
    "unloading_rate_bw_s",
    "loading_rate_samples",
    "unloading_rate_samples",
    "impact_peak_n",
    "impact_peak_bw",
    "valr_n_s",
    "valr_bw_s",
    "vilr_n_s",
    "vilr_bw_s",
    "loading_rate_method",
    "valr_window_start_s",
    "valr_window_end_s",
    "valr_samples",
    "valr_reliable",
    "strike_index_pct",
    "strike_pattern",
    "cop_ap_excursion_mm",
    "cop_ml_excursion_mm",
    "cop_path_length_mm",
    "cop_velocity_mm_s",
    "cpei_pct",
    "arch_indicator",
    "ml_ratio",
    *(f"{r}_impulse_Ns" for r in REGION_NAMES),
    *(f"{r}_peak_force_n" for r in REGION_NAMES),
    *(f"{r}_peak_pressure_kpa" for r in REGION_NAMES),
    "medial_impulse_Ns",
    "lateral_impulse_Ns",
    "gap_in_stance",
    "gap_note",
    "truncated",
)


@dataclass(frozen=True)
class TrialInfo:
    """Session-level facts decided from the steps.

    Attributes
    ----------
    typical_peak_n : float
        Median peak force of the plausible stances (N): the reference of the low-peak rule.
    loading_rate_method : str
        The one VALR method of the trial's running steps: ``"impact_peak"``, the fallback
        name (rearfoot strikers only), or ``"none"``.
    activity : str
        The activity with most steady-state steps (or, without any, most valid steps):
        ``"walking"``, ``"running"``, or ``"none"``.
    loading_rate_note : str
        Why that method (or none) was used.
    """

    typical_peak_n: float
    loading_rate_method: str
    activity: str
    loading_rate_note: str = ""


def finalize_steps(
    local: pd.DataFrame,
    params: AnalysisParams,
    weight_n: float | None,
    rate_hz: float,
    exclude_steps: tuple[int, ...] = (),
    exclude_bouts: tuple[int, ...] = (),
) -> tuple[pd.DataFrame, TrialInfo]:
    """The steps table from the local rows of both sides.

    Parameters
    ----------
    local : DataFrame
        Concatenated output of :func:`sensorkit.analysis.stances.measure_stances` with
        ``side`` and ``long_holes`` columns, any order.
    params : AnalysisParams
    weight_n : float or None
        Body weight m g (N), for the BW columns only.
    rate_hz : float
        Nominal rate (VILR needs ``params.vilr_min_rate_hz``).
    exclude_steps : tuple of int
        Row numbers (in the final order) the user excluded; they get the reason
        ``"excluded by user"``.
    exclude_bouts : tuple of int
        Bouts the user excluded (same reason); bouts are numbered before exclusions.

    Returns
    -------
    steps : DataFrame
        Columns :data:`STEP_COLUMNS`, sorted by contact time then side.
    info : TrialInfo
    """
    if not len(local):
        return _empty_steps(), TrialInfo(np.nan, "none", "none")
    out, info = finalize_columns(local, params, weight_n, rate_hz, exclude_steps, exclude_bouts)
    return pd.DataFrame({c: out[c] for c in STEP_COLUMNS}), info


def finalize_columns(
    local: Mapping[str, np.ndarray] | pd.DataFrame,
    params: AnalysisParams,
    weight_n: float | None,
    rate_hz: float,
    exclude_steps: tuple[int, ...] = (),
    exclude_bouts: tuple[int, ...] = (),
) -> tuple[dict[str, np.ndarray], TrialInfo]:
    """:func:`finalize_steps` as one array per column of :data:`STEP_COLUMNS`, for at least one
    local row (a mapping of column arrays or a DataFrame); what a live stream uses to decide its
    newest steps without building DataFrames."""
    side_all = np.asarray(local["side"])
    order = np.lexsort(((side_all == "right").astype(np.int64), np.asarray(local["t_contact_s"])))

    def col(name: str, dtype: type) -> np.ndarray:
        return np.asarray(local[name]).astype(dtype, copy=False)[order]

    n = order.shape[0]
    p = params
    side = col("side", object)
    t_c = col("t_contact_s", np.float64)
    t_o = col("t_toe_off_s", np.float64)
    contact = t_o - t_c
    holes = col("long_holes", np.int64)
    event_gap = col("event_in_gap", bool)  # a stance whose event time lies in a short hole
    contact_gap = col("contact_in_gap", bool)  # its contact time is unknown
    toe_off_gap = col("toe_off_in_gap", bool)  # its toe-off time is unknown
    cut = col("cut_by_gap", bool)  # a stance a long hole cut or began after
    open_end = col("open_end", bool)  # the data ended during this stance
    start_truncated = col("truncated", bool)
    truncated = start_truncated | open_end

    # -- strides: next contact of the same foot, nothing missing in between; a stride needs the
    #    two contacts only (a toe-off inside a short hole leaves it, and its neighbours', known)
    nxt = np.full(n, -1, dtype=np.int64)
    for s in ("left", "right"):
        idx = np.flatnonzero(side == s)
        nxt[idx[:-1]] = idx[1:]
    has_next = nxt >= 0
    j = np.where(has_next, nxt, 0)
    stride = np.where(has_next, t_c[j] - t_c, np.nan)
    stride_ok = (
        has_next
        & (holes[j] == holes)
        & ~(contact_gap | cut | truncated)
        & ~np.where(
            has_next, contact_gap[j] | cut[j] | start_truncated[j], True
        )  # an open end's contact is known
        & (stride <= p.max_stride_s)
    )
    stride = np.where(stride_ok, stride, np.nan)
    # the contact time where both its events are known: compared with a stride, which a toe-off
    # inside a hole no longer hides, an approximate contact would decide plausibility and bouts
    known_contact = np.where(event_gap | cut | truncated, np.nan, contact)

    # -- plausibility
    reason = np.full(n, "", dtype=object)
    peak_any = col("peak_force_n", np.float64)
    in_bounds = (contact >= p.min_contact_time_s) & (contact <= p.max_contact_time_s)
    candidates = in_bounds & ~event_gap & ~cut & ~truncated & np.isfinite(peak_any)
    typical = float(np.median(peak_any[candidates])) if candidates.any() else np.nan
    rules = [
        (open_end, "truncated by the end of the data"),
        (truncated, "truncated by the start of the data"),
        (cut, "cut by a data gap too long to bridge"),
        (contact < p.min_contact_time_s, "contact too short"),
        (contact > p.max_contact_time_s, "contact too long (standing or not a step)"),
        (
            np.isfinite(typical) & (peak_any < p.min_peak_frac * typical),
            "peak below the session's typical stance",
        ),
        (np.isfinite(stride) & (known_contact >= stride), "contact not shorter than its stride"),
    ]
    for mask, text in rules:
        reason = np.where((reason == "") & mask, text, reason)
    valid = reason == ""
    # a user's exclusion takes a step out of the summaries, not out of the gait: it stays a
    # valid step and its neighbours keep their temporal parameters
    user = np.zeros(n, dtype=bool)
    unknown = sorted(int(i) for i in exclude_steps if not 0 <= int(i) < n)
    if unknown:  # a typo (5000 for 500) was ignored, and the summary kept the step
        raise ValueError(
            f"exclude_steps: no step {', '.join(map(str, unknown))} in the steps table "
            + (f"(rows 0-{n - 1})" if n else "(no stances)")
        )
    for i in exclude_steps:
        user[int(i)] = True

    # -- bouts of valid steps (both feet), split by pauses and by turns or standing (a stance
    #    too long, or not shorter than its stride, between two valid steps)
    bout = np.full(n, -1, dtype=np.int64)
    vidx = np.flatnonzero(valid)
    if vidx.size:
        interrupt = np.cumsum(
            (contact > p.max_contact_time_s) | (np.isfinite(stride) & (known_contact >= stride))
        )
        breaks = (np.diff(t_c[vidx]) > p.bout_break_s) | (np.diff(interrupt[vidx]) > 0)
        bout[vidx] = np.concatenate(([0], np.cumsum(breaks)))

    # -- temporal parameters across both feet: only with the *adjacent* stance of the other foot
    #    (the last one that began before this contact and after this foot's previous contact,
    #    and the first one after it and before this foot's next contact), and only when that
    #    stance is a valid, timed step of the same bout
    step_time = np.full(n, np.nan)
    init_ds = np.full(n, np.nan)
    term_ds = np.full(n, np.nan)
    flight = np.full(n, np.nan)
    timed = valid & ~contact_gap  # the contact time is known
    toe_known = ~toe_off_gap
    prev_same = np.full(n, -np.inf)
    next_same = np.full(n, np.inf)
    for s_ in ("left", "right"):
        idx = np.flatnonzero(side == s_)
        prev_same[idx[1:]] = t_c[idx[:-1]]
        next_same[idx[:-1]] = t_c[idx[1:]]
    for s_, other in (("left", "right"), ("right", "left")):
        mine = np.flatnonzero(timed & (side == s_))
        theirs = np.flatnonzero(side == other)  # every stance of the other foot, valid or not
        if not mine.size or not theirs.size:
            continue
        oc = t_c[theirs]
        k_prev = np.searchsorted(oc, t_c[mine], side="left") - 1
        k_next = k_prev + 1
        ip = theirs[np.maximum(k_prev, 0)]
        inx = theirs[np.minimum(k_next, theirs.size - 1)]
        ok_prev = (k_prev >= 0) & timed[ip] & (bout[ip] == bout[mine]) & (t_c[ip] > prev_same[mine])
        ok_next = (
            (k_next < theirs.size) & timed[inx] & (bout[inx] == bout[mine]) & (t_c[inx] < next_same[mine])
        )
        # each parameter only from event times that are known (not inside a hole)
        step_time[mine] = np.where(ok_prev, t_c[mine] - t_c[ip], np.nan)
        init_ds[mine] = np.where(
            ok_prev & toe_known[ip] & toe_known[mine],
            np.clip(np.minimum(t_o[ip], t_o[mine]) - t_c[mine], 0, None),
            np.nan,
        )
        ends_known = ok_next & toe_known[mine]
        term_ds[mine] = np.where(ends_known, np.clip(t_o[mine] - t_c[inx], 0, None), np.nan)
        flight[mine] = np.where(ends_known, np.clip(t_c[inx] - t_o[mine], 0, None), np.nan)

    # -- activity per bout: flight phases between the feet; with one foot only, the duty factor
    #    (running has contact < 50 % of the stride, walking more; docs/methods.md "Activity")
    activity = np.full(n, "", dtype=object)
    for b in np.unique(bout[bout >= 0]):
        members = bout == b
        fl = flight[members]
        fl = fl[np.isfinite(fl)]
        if fl.size:
            running = np.mean(fl > 0) >= p.running_flight_frac
        else:
            duty = known_contact[members] / stride[members]
            duty = duty[np.isfinite(duty)]
            running = duty.size > 0 and np.median(duty) < _RUNNING_DUTY_FACTOR
        activity[members] = "running" if running else "walking"

    # -- steady state within each bout and side
    steady = valid & np.isfinite(stride) & ~event_gap
    steady_reason = np.full(
        n, "", dtype=object
    )  # object: reasons of any length (a fixed-width array cuts them)
    steady_reason[valid & ~np.isfinite(stride)] = "no stride (end of bout or data gap)"
    steady_reason = np.where(valid & event_gap, "contact or toe-off inside a data gap", steady_reason)
    for b in np.unique(bout[bout >= 0]):
        for s in ("left", "right"):
            members = np.flatnonzero((bout == b) & (side == s) & steady)
            if not members.size:
                continue
            med_stride = np.median(stride[members])
            med_contact = np.median(contact[members])
            far_stride = np.abs(stride[members] / med_stride - 1.0) > p.steady_band_frac
            far_contact = np.abs(contact[members] / med_contact - 1.0) > p.steady_band_frac
            st_ = step_time[members]
            med_step = np.nanmedian(st_) if np.isfinite(st_).any() else np.nan
            far_step = np.isfinite(st_) & (np.abs(st_ / med_step - 1.0) > p.steady_band_frac)
            steady_reason[members[far_step]] = "step time far from the bout's median"
            steady_reason[members[far_stride]] = "stride far from the bout's median"
            steady_reason[members[far_contact & ~far_stride]] = "contact far from the bout's median"
            steady[members[far_stride | far_contact | far_step]] = False
    # gait initiation and termination: the first and last steps of each foot in a bout
    if p.steady_trim_steps:
        k = p.steady_trim_steps
        for b in np.unique(bout[bout >= 0]):
            for s_ in ("left", "right"):
                members = np.flatnonzero((bout == b) & (side == s_))
                # the last steps that could count
                with_stride = members[np.isfinite(stride[members]) & ~event_gap[members]]
                ends = np.concatenate((members[:k], with_stride[-k:]))
                trim = ends[steady[ends]]
                steady[trim] = False
                steady_reason[trim] = "first or last steps of a bout (gait initiation or termination)"
    reason = np.where(valid, steady_reason, reason)
    if exclude_bouts:
        known = set(bout[bout >= 0].tolist())
        missing = sorted(int(b) for b in exclude_bouts if int(b) not in known)
        if missing:
            raise ValueError(
                f"exclude_bouts: no bout {', '.join(map(str, missing))} in this recording "
                + (f"(bouts {min(known)}-{max(known)})" if known else "(no bouts)")
            )
        user |= np.isin(bout, np.asarray(exclude_bouts, dtype=np.int64)) & (bout >= 0)
    steady &= ~user
    reason = np.where(user, "excluded by user", reason)

    out: dict[str, np.ndarray] = {
        "side": side,
        "t_contact_s": t_c,
        "t_toe_off_s": t_o,
        "valid": valid,
        "steady_state": steady,
        "exclude_reason": reason,
        "bout": bout,
        "activity": activity,
        "contact_time_s": known_contact,
        "stride_time_s": stride,
        "swing_time_s": stride - known_contact,
        "step_time_s": step_time,
        "stance_pct_gait_cycle": 100.0 * known_contact / stride,
        "initial_double_support_s": init_ds,
        "terminal_double_support_s": term_ds,
        "double_support_s": init_ds + term_ds,
        "flight_time_s": flight,
    }
    for name in (
        "peak_force_n",
        "impulse_Ns",
        *WALKING_ONLY,
        "impact_peak_n",
        "strike_index_pct",
        "cop_ap_excursion_mm",
        "cop_ml_excursion_mm",
        "cop_path_length_mm",
        "cop_velocity_mm_s",
        "cpei_pct",
        "medial_impulse_Ns",
        "lateral_impulse_Ns",
        *(f"{r}_{k}" for k in ("impulse_Ns", "peak_force_n", "peak_pressure_kpa") for r in REGION_NAMES),
    ):
        out[name] = col(name, np.float64)

    # -- the trial's one loading-rate method, over its steady running steps
    is_run = activity == "running"
    has_impact = col("has_impact_peak", bool)
    run_steady = steady & is_run
    method, note = "none", "no steady-state running steps"
    if run_steady.any():
        si_run = col("strike_index_pct", np.float64)[run_steady]
        rearfoot = np.mean(si_run < p.strike_rearfoot_max_pct) if np.isfinite(si_run).any() else 0.0
        if np.mean(has_impact[run_steady]) >= 0.5:
            method, note = "impact_peak", "impact peaks in most steps (Milner et al. 2006)"
        elif rearfoot >= 0.5:
            method = p.loading_rate_fallback
            note = "no impact peaks; rearfoot strikes: the fallback of Blackmore et al. 2016"
        else:
            note = (
                "no impact peaks and mostly non-rearfoot strikes: the 13 % fallback is validated in "
                "rearfoot strikers only (Blackmore et al. 2016), so no VALR"
            )
    key = "impact" if method == "impact_peak" else "fallback"
    valr = col(f"valr_{key}_n_s", np.float64)
    vilr = col(f"vilr_{key}_n_s", np.float64)
    samples = col(f"valr_{key}_samples", np.int64)
    w_lo = col(f"valr_{key}_start_s", np.float64)
    w_hi = col(f"valr_{key}_end_s", np.float64)
    if method == "none":
        valr = vilr = w_lo = w_hi = np.full(n, np.nan)
        samples = np.zeros(n, dtype=np.int64)
    if rate_hz < p.vilr_min_rate_hz:
        vilr = np.full(n, np.nan)
    out["valr_n_s"] = valr
    out["vilr_n_s"] = vilr
    out["valr_window_start_s"] = w_lo
    out["valr_window_end_s"] = w_hi
    out["valr_samples"] = samples
    out["loading_rate_method"] = np.where(is_run, method, "").astype(object)

    # -- activity-specific metrics
    for name in RUNNING_ONLY:
        out[name] = np.where(is_run, out[name], np.nan)
    out["valr_samples"] = np.where(is_run, out["valr_samples"], 0)
    for name in ("valr_window_start_s", "valr_window_end_s"):
        out[name] = np.where(is_run, out[name], np.nan)
    for name in WALKING_ONLY:
        out[name] = np.where(activity == "walking", out[name], np.nan)

    # -- metrics whose window touches missing data are not measured; the start or end of the
    #    data inside a stance is missing data too (only part of the stance was recorded)
    gap = col("gap_in_stance", bool)
    frac = col("gap_at_stance_frac", np.float64)
    early = (gap & ~(frac > _EARLY_FRAC)) | truncated
    strike_gap = (gap & ~(frac * contact > p.strike_window_s)) | truncated
    gap = gap | truncated
    for name in _WHOLE_STANCE:
        out[name] = np.where(gap, np.nan, out[name])
    for name in _EARLY:
        out[name] = np.where(early, np.nan, out[name])
    out["strike_index_pct"] = np.where(strike_gap, np.nan, out["strike_index_pct"])
    out["valr_samples"] = np.where(early, 0, out["valr_samples"])
    walking = activity == "walking"
    out["loading_rate_samples"] = np.where(walking & ~early, col("loading_rate_samples", np.int64), 0)
    out["unloading_rate_samples"] = np.where(walking & ~gap, col("unloading_rate_samples", np.int64), 0)
    notes = np.where(gap, "missing data in stance: whole-stance metrics not measured", "")
    notes = np.where(
        early, "missing data in early stance: loading and whole-stance metrics not measured", notes
    )
    notes = np.where(truncated, "part of the stance is outside the data: its metrics are not measured", notes)
    out["gap_note"] = notes.astype(object)
    out["gap_in_stance"] = col("gap_in_stance", bool)
    out["truncated"] = truncated
    out["valr_reliable"] = np.isfinite(out["valr_n_s"]) & (out["valr_samples"] >= p.min_valr_samples)

    # -- strike pattern (running), foot-loading indicators
    si = out["strike_index_pct"]
    pattern = np.where(
        si < p.strike_rearfoot_max_pct,
        "rearfoot",
        np.where(si <= p.strike_forefoot_min_pct, "midfoot", "forefoot"),
    ).astype(object)
    pattern[np.isnan(si)] = "unknown"
    pattern[~is_run] = ""
    out["strike_pattern"] = pattern
    heel, mid, fore = (out[f"{r}_impulse_Ns"] for r in REGION_NAMES[:3])
    no_toes = heel + mid + fore
    med, lat = out["medial_impulse_Ns"], out["lateral_impulse_Ns"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["arch_indicator"] = np.where(no_toes > 0, mid / no_toes, np.nan)
        out["ml_ratio"] = np.where(med + lat > 0, (med - lat) / (med + lat), np.nan)
    for name_n, name_bw in _BW_TWINS.items():
        out[name_bw] = out[name_n] / weight_n if weight_n else np.full(n, np.nan)

    return out, TrialInfo(typical, method, main_activity(activity, steady, valid), note)


def main_activity(activity: np.ndarray, steady: np.ndarray, valid: np.ndarray) -> str:
    """The activity of most steady-state steps, or without any, of most valid steps; a tie goes
    to the activity that occurs first; ``"none"`` without valid steps.

    Parameters
    ----------
    activity : ndarray (n,) of str
        Per-stance activity (``""`` outside bouts).
    steady, valid : ndarray (n,) of bool
    """
    counts = Counter(activity[steady].tolist())
    if not counts:  # too short for a steady state: the activity of the valid steps
        counts = Counter(activity[valid & (activity != "")].tolist())
    return str(max(counts, key=counts.__getitem__)) if counts else "none"


def _empty_steps() -> pd.DataFrame:
    text = {"side", "exclude_reason", "activity", "loading_rate_method", "strike_pattern", "gap_note"}
    flags = {"valid", "steady_state", "valr_reliable", "gap_in_stance", "truncated"}
    ints = {"bout", "valr_samples", "loading_rate_samples", "unloading_rate_samples"}
    cols = {}
    for c in STEP_COLUMNS:
        dtype = "object" if c in text else "bool" if c in flags else "int64" if c in ints else "float64"
        cols[c] = pd.Series(dtype=dtype)
    return pd.DataFrame(cols)
