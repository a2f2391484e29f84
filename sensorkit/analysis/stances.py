"""Per-stance measurements of one side: runs the stance kernels and assembles local columns.

"Local" means each value depends only on the frames of its stance (and the frame before
it), so batch (:func:`sensorkit.analyze`, whole arrays) and streaming
(:class:`StreamingAnalyzer`, a buffer holding the stance) produce identical rows. What
depends on the whole session (plausibility against the typical stance, bouts, activity,
steady state, the trial's loading-rate method, temporal parameters across both feet) is
decided afterwards by :mod:`sensorkit.analysis.selection`.
"""

from __future__ import annotations

import numpy as np

from sensorkit import kernels as K
from sensorkit.analysis.context import SideContext

__all__ = [
    "EVENT_COLUMNS",
    "REGION_NAMES",
    "first_hole_time",
    "hole_markers",
    "measure_stances",
    "segmentation_force",
]

REGION_NAMES = ("heel", "midfoot", "forefoot", "toes")
#: Columns measured for every stance, also a contact too long to be a step.
EVENT_COLUMNS = frozenset(
    {
        "t_contact_s",
        "t_toe_off_s",
        "contact_time_s",
        "event_in_gap",
        "contact_in_gap",
        "toe_off_in_gap",
        "cut_by_gap",
        "truncated",
        "open_end",
        "gap_in_stance",
        "gap_at_stance_frac",
    }
)
_IMPOSSIBLE = 2.0  # an impact-height fraction no local maximum reaches: forces the fallback


_HOLE_BLOCK = 1 << 20  # frames per block of time differences in hole_markers


def hole_markers(time_s: np.ndarray, prev_time_s: float, rate_hz: float, max_dt_s: float) -> np.ndarray:
    """Frames absent from the time axis just before each frame (0 when none).

    Parameters
    ----------
    time_s : ndarray, shape (k,)
        Frame times in s.
    prev_time_s : float
        Time of the frame before ``time_s[0]`` (NaN when none).
    rate_hz : float
        Nominal rate in Hz.
    max_dt_s : float
        Largest interval that is not a time jump.

    Returns
    -------
    ndarray of int64, shape (k,)
    """
    n = time_s.shape[0]
    out = np.zeros(n, dtype=np.int64)
    # in blocks: the time differences of a day-long recording would be a second (n,) float64
    for a in range(0, n, _HOLE_BLOCK):
        b = min(a + _HOLE_BLOCK, n)
        dt = np.diff(time_s[a:b], prepend=prev_time_s if a == 0 else time_s[a - 1])
        with np.errstate(invalid="ignore"):
            jump = np.flatnonzero(dt > max_dt_s)
        if jump.size:
            out[a + jump] = np.maximum(1, np.rint(dt[jump] * rate_hz).astype(np.int64) - 1)
    return out


def segmentation_force(ctx: SideContext, force_n: np.ndarray) -> np.ndarray:
    """The low-passed total force that events are detected on (float32, NaN kept)."""
    return K.moving_average(force_n, ctx.event_half_width)


def measure_stances(
    ctx: SideContext,
    values: np.ndarray,
    time_s: np.ndarray,
    missing_before: np.ndarray,
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    force_n: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    flags: np.ndarray,
    hole_time_s: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Local per-stance measurements in N-based units.

    A contact longer than ``params.max_contact_time_s`` (standing, not a step) keeps only its
    :data:`EVENT_COLUMNS`; its other values are NaN (0 samples, no impact peak).

    Parameters
    ----------
    ctx : SideContext
    values : ndarray (n, S) float32
        Per-sensor forces (N) of frames that contain the stances (and the frame before and
        after each).
    time_s : ndarray (n,) float64
    missing_before : ndarray (n,) int64
        From :func:`hole_markers`.
    x_mm, y_mm, force_n : ndarray (n,) float32
        Output of :func:`sensorkit.kernels.cop_frames` on ``values`` (force unfiltered).
    starts, stops, flags : ndarray (m,) int64
        Stances from :func:`sensorkit.kernels.detect_contacts`, indices into these arrays;
        ``stops`` indexes an existing frame.
    hole_time_s : ndarray (m,), optional
        Time of the first missing data inside each stance (NaN: none), for a caller that no
        longer holds all of a long stance's frames; :func:`first_hole_time` of these arrays
        by default.

    Returns
    -------
    dict of ndarray
        One entry per column, one value per stance (see docs/methods.md "Steps table").
    """
    p = ctx.params
    lo_frac, hi_frac = p.loading_levels_frac
    peak, impulse = K.stance_force(force_n, time_s, starts, stops)
    common = (
        p.impact_window_frac,
        p.impact_min_height_frac,
        p.impact_min_dip_frac,
        p.impact_dip_window_frac,
        ctx.fallback_code,
        p.fallback_reference_frac,
        p.fallback_window_frac[0],
        p.fallback_window_frac[1],
        lo_frac,
        hi_frac,
    )
    no_impact = (*common[:1], _IMPOSSIBLE, *common[2:])
    rates_i, rates_f, paths = _rates_and_paths(
        ctx, force_n, x_mm, y_mm, time_s, starts, stops, common, no_impact
    )
    _, impact_n, valr_i, vilr_i, method_i, lo_i, hi_i = rates_i
    _, _, valr_f, vilr_f, _, lo_f, hi_f = rates_f
    has_impact = method_i == K.METHOD_IMPACT
    _, ap, ml, path, vel, cpei = paths
    strike = K.strike_index(y_mm, force_n, time_s, starts, stops, p.strike_window_s, ctx.foot_length_mm)
    reg_imp, reg_peak, reg_press, ml_imp = K.regional_loads(
        values, time_s, ctx.baseline_n, starts, stops, ctx.region_index, ctx.ml_index, ctx.kpa_per_n
    )
    walk = K.walking_features(force_n, time_s, starts, stops, lo_frac, hi_frac)
    t_c = time_s[starts]
    t_o = time_s[stops]
    dur = t_o - t_c
    if hole_time_s is None:
        hole_time_s = first_hole_time(force_n, missing_before, time_s, starts, stops)
    with np.errstate(invalid="ignore", divide="ignore"):
        hole_frac = (hole_time_s - t_c) / dur
    nan = np.full(starts.shape[0], np.nan)
    n_i = _samples_within(time_s, lo_i, hi_i)
    n_f = _samples_within(time_s, lo_f, hi_f)
    cols: dict[str, np.ndarray] = {
        "t_contact_s": t_c,
        "t_toe_off_s": t_o,
        "contact_time_s": dur,
        "peak_force_n": peak,
        "impulse_Ns": impulse,
        "impact_peak_n": impact_n,
        "has_impact_peak": has_impact,
        "valr_impact_n_s": np.where(has_impact, valr_i, nan),
        "vilr_impact_n_s": np.where(has_impact, vilr_i, nan),
        "valr_impact_start_s": np.where(has_impact, lo_i, nan),
        "valr_impact_end_s": np.where(has_impact, hi_i, nan),
        "valr_impact_samples": np.where(has_impact, n_i, 0),
        "valr_fallback_n_s": valr_f,
        "vilr_fallback_n_s": vilr_f,
        "valr_fallback_start_s": lo_f,
        "valr_fallback_end_s": hi_f,
        "valr_fallback_samples": n_f,
        "strike_index_pct": strike,
        "cop_ap_excursion_mm": ap,
        "cop_ml_excursion_mm": ml,
        "cop_path_length_mm": path,
        "cop_velocity_mm_s": vel,
        "cpei_pct": cpei,
        "first_peak_n": walk[:, 0],
        "first_peak_pct_stance": walk[:, 1],
        "valley_n": walk[:, 2],
        "valley_pct_stance": walk[:, 3],
        "second_peak_n": walk[:, 4],
        "second_peak_pct_stance": walk[:, 5],
        "loading_rate_n_s": walk[:, 6],
        "unloading_rate_n_s": walk[:, 7],
        "loading_rate_samples": _samples_within(time_s, walk[:, 8], walk[:, 9]),
        "unloading_rate_samples": _samples_within(time_s, walk[:, 10], walk[:, 11]),
        "medial_impulse_Ns": ml_imp[:, 0],
        "lateral_impulse_Ns": ml_imp[:, 1],
        "event_in_gap": (flags & K.FLAG_EVENT_IN_HOLE) != 0,
        "contact_in_gap": (flags & K.FLAG_CONTACT_IN_HOLE) != 0,
        "toe_off_in_gap": (flags & K.FLAG_TOE_OFF_IN_HOLE) != 0,
        "cut_by_gap": (flags & K.FLAG_GAP) != 0,
        "truncated": (flags & K.FLAG_TRUNCATED) != 0,
        "open_end": (flags & K.FLAG_OPEN_END) != 0,
        "gap_in_stance": ((flags & K.FLAG_BRIDGED) != 0) | np.isfinite(hole_frac),
        "gap_at_stance_frac": hole_frac,
    }
    for r, name in enumerate(REGION_NAMES):
        cols[f"{name}_impulse_Ns"] = reg_imp[:, r]
        cols[f"{name}_peak_force_n"] = reg_peak[:, r]
        cols[f"{name}_peak_pressure_kpa"] = reg_press[:, r]
    _blank_long_contacts(cols, dur > p.max_contact_time_s)
    return cols


def _blank_long_contacts(cols: dict[str, np.ndarray], long: np.ndarray) -> None:
    """Keep only the events and data-quality columns of contacts longer than
    ``max_contact_time_s``: standing or shuffling, never a step (docs/methods.md "Plausibility").

    Their force, loading, COP and regional values are not measured (NaN, 0 samples, no impact
    peak), so a live stream need not hold the frames of a foot that stays down.
    """
    if not long.any():
        return
    for name, arr in cols.items():
        if name in EVENT_COLUMNS:
            continue
        if arr.dtype == bool:
            arr[long] = False
        elif np.issubdtype(arr.dtype, np.integer):
            arr[long] = 0
        else:
            arr[long] = np.nan


#: Frames handed to the per-stance kernels at a time: a span of whole stances (one stance when
#: it is longer), so the kernels' per-frame temporaries stay small and are reused.
_SPAN_FRAMES = 1 << 18


def _stance_spans(starts: np.ndarray, stops: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(i, j, a, b)``: stances i..j-1 lie within frames [a, b), b = stops[j - 1] + 1 (the
    toe-off frame included), a = starts[i]; at most :data:`_SPAN_FRAMES` frames unless a
    single stance is longer. ``starts`` and ``stops`` increase (one side's stances)."""
    out = []
    i, m = 0, starts.shape[0]
    while i < m:
        a = int(starts[i])
        j = max(i + 1, int(np.searchsorted(stops, a + _SPAN_FRAMES - 1, side="right")))
        out.append((i, j, a, int(stops[j - 1]) + 1))
        i = j
    return out


def _rates_and_paths(
    ctx: SideContext,
    force_n: np.ndarray,
    x_mm: np.ndarray,
    y_mm: np.ndarray,
    time_s: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    common: tuple,
    no_impact: tuple,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """:func:`sensorkit.kernels.loading_rates` (with ``common`` and ``no_impact``) on the
    VILR low-pass, and the COP path metrics, of each stance, span by span
    (:func:`_stance_spans`).

    Each kernel reads only its stances' frames (the loading rates also the frame before
    contact, the low-pass its half width around them), so the values are those of one call
    on the whole arrays; but the low-pass and the path points are (span,) arrays instead of
    (n,) ones: 8 h at 1 kHz made four of 115 MB per foot, written once (page faults).
    """
    m = starts.shape[0]
    n = force_n.shape[0]
    h = ctx.vilr_half_width
    p = ctx.params
    kinds = (np.int64, np.float64, np.float64, np.float64, np.int64, np.float64, np.float64)
    rates_i = [np.empty(m, dtype=k) for k in kinds]
    rates_f = [np.empty(m, dtype=k) for k in kinds]
    paths = [np.empty(m) for _ in range(6)]
    for i, j, a, b in _stance_spans(starts, stops):
        lo = max(a - 1, 0)  # the frame before contact interpolates the first crossing
        st, sp = starts[i:j] - lo, stops[i:j] - lo
        f, t = force_n[lo:b], time_s[lo:b]
        w0, w1 = max(lo - h, 0), min(b + h, n)  # the low-pass's whole windows (clipped as one call)
        f_vilr = K.moving_average(force_n[w0:w1], h)[lo - w0 : b - w0]
        for out, args in ((rates_i, common), (rates_f, no_impact)):
            got = K.loading_rates(f, f_vilr, t, st, sp, *args)
            for o, v in zip(out, got, strict=True):
                o[i:j] = v
            out[0][i:j] = np.where(got[0] >= 0, got[0] + lo, -1)  # impact frame, in the whole arrays
        x_path, y_path = K.cop_path_points(
            x_mm[lo:b], y_mm[lo:b], f, t, st, sp, p.cop_path_min_force_frac, p.cop_path_bin_s
        )
        got = K.cop_path_metrics(
            x_path, y_path, t, st, sp, ctx.foot_length_mm, ctx.foot_width_mm, p.cpei_distal_frac
        )
        for o, v in zip(paths, got, strict=True):
            o[i:j] = v
    return rates_i, rates_f, paths


def first_hole_time(
    force_n: np.ndarray, missing_before: np.ndarray, time_s: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> np.ndarray:
    """Time (s) of the first missing data strictly inside each stance, NaN where none.

    Parameters
    ----------
    force_n : ndarray (n,)
        Total force in N (NaN: a missing frame).
    missing_before : ndarray (n,) int64
        From :func:`hole_markers`.
    time_s : ndarray (n,)
    starts, stops : ndarray (m,) int64
        Contact and toe-off frames; a hole at the toe-off frame counts, one at the contact
        frame does not.

    Returns
    -------
    ndarray (m,) float64
    """
    holes = np.flatnonzero(np.isnan(force_n) | (missing_before > 0))
    out = np.full(starts.shape[0], np.nan)
    if not holes.size or not starts.size:
        return out
    i = np.searchsorted(holes, starts + 1)
    ok = i < holes.size
    first = np.where(ok, holes[np.minimum(i, holes.size - 1)], -1)
    inside = ok & (first <= stops)
    out[inside] = time_s[first[inside]]
    return out


def _samples_within(time_s: np.ndarray, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    """Number of frames with start <= t <= end (0 where the window is undefined)."""
    ok = np.isfinite(start_s) & np.isfinite(end_s)
    lo = np.searchsorted(time_s, np.where(ok, start_s, 0.0), side="left")
    hi = np.searchsorted(time_s, np.where(ok, end_s, 0.0), side="right")
    return np.where(ok, hi - lo, 0).astype(np.int64)
