"""Batch analysis of a whole :class:`sensorkit.Recording`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sensorkit import kernels as K
from sensorkit.analysis.context import SideContext, estimate_baseline_n, make_context
from sensorkit.analysis.params import G_M_S2, AnalysisParams
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.stances import (
    finalize_columns,
    measure_stances,
    missing_markers,
    steps_frame_columns,
)
from sensorkit.analysis.summary import summarize
from sensorkit.recording import Recording, validate_body_mass_kg

__all__ = ["analyze", "analyze_side_arrays"]

_HALF_PERIOD = 0.5


def analyze(
    recording: Recording,
    body_mass_kg: float | None = None,
    params: AnalysisParams | None = None,
    **kwargs,
) -> Analysis:
    """Gait events, loading rates, COP, regional loads and asymmetry of a recording.

    Parameters
    ----------
    recording : Recording
        One or two insoles (N or kPa; kPa is converted with the layout's sensor areas).
    body_mass_kg : float, optional
        Body mass in kg; default ``recording.body_mass_kg``. Without it forces are reported
        in N and N/s and the contact threshold is ``threshold_n_without_mass``.
    params : AnalysisParams, optional
        All parameters at once; or give individual ones as keyword arguments
        (``threshold_bw=0.05, min_contact_s=0.05, ...``; see :class:`AnalysisParams`).

    Returns
    -------
    Analysis

    Notes
    -----
    Definitions and sources: METHODS.md (contact detection, VALR/VILR after Milner 2006,
    strike index after Cavanagh & Lafortune 1980, CPEI after Song et al. 1996 -- an
    approximation on sparse insoles --, symmetry index after Robinson 1987 and angle after
    Zifchock 2008). All values are insole-derived; loading rates are lower than on force
    plates.
    """
    if params is None:
        params = AnalysisParams.from_kwargs(**kwargs)
    elif kwargs:
        params = params.replace(**kwargs)
    mass = validate_body_mass_kg(body_mass_kg) if body_mass_kg is not None else recording.body_mass_kg
    weight_n = float(mass) * G_M_S2 if mass is not None else None
    parts, cop_arrays, baselines = [], {}, {}
    contexts: dict[str, SideContext] = {}
    for side in recording.sides:
        values = np.ascontiguousarray(recording.forces_n(side), dtype=np.float32)
        baseline = estimate_baseline_n(values, params)
        ctx = make_context(
            recording.layout_for(side),
            side,
            params=params,
            rate_hz=recording.rate_hz,
            weight_n=weight_n,
            baseline_n=baseline,
        )
        cols, cop = analyze_side_arrays(ctx, recording.time, values)
        cols["touches_gap"] |= _declared_gap_overlap(
            recording, side, cols["t_contact_s"], cols["t_toe_off_s"]
        )
        parts.append(cols)
        cop_arrays[side] = (recording.time, *cop)
        baselines[side] = baseline
        contexts[side] = ctx
    steps = pd.DataFrame(steps_frame_columns(parts)) if parts else pd.DataFrame()
    force_units = "BW" if weight_n is not None else "N"
    steps.attrs.update(
        {
            "force_units": force_units,
            "body_mass_kg": mass,
            "note": "insole-derived values; loading rates read lower than on force plates",
        }
    )
    summary = summarize(steps, params)
    summary.attrs.update(
        {
            "force_units": force_units,
            "body_mass_kg": mass,
            "symmetry_index_sign": "positive = left larger",
            "asymmetry_flag_pct": params.asymmetry_flag_pct,
        }
    )
    any_ctx = next(iter(contexts.values()))
    return Analysis(
        steps=steps,
        summary=summary,
        gaps=recording.gaps.copy(),
        params=params,
        body_mass_kg=None if mass is None else float(mass),
        baseline_n=baselines,
        thresholds_n={"on": any_ctx.on_threshold_n, "off": any_ctx.off_threshold_n},
        cop_arrays=cop_arrays,
        source={
            "rate_hz": recording.rate_hz,
            "n_frames": recording.n_frames,
            "layout": recording.layout.name,
            "foot_length_mm": recording.layout.foot_length_mm,
            "foot_width_mm": recording.layout.foot_width_mm,
        },
    )


def analyze_side_arrays(
    ctx: SideContext, time_s: np.ndarray, values: np.ndarray
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Steps-table columns and per-frame COP of one side from raw arrays.

    Parameters
    ----------
    ctx : SideContext
    time_s : ndarray (n,) float64
    values : ndarray (n, S) float32, C-contiguous, forces in N

    Returns
    -------
    columns : dict of ndarray
        See :func:`sensorkit.analysis.stances.finalize_columns`.
    cop : tuple of ndarray
        x_mm, y_mm, force_n per frame (float32).
    """
    x, y, f = K.cop_frames(values, ctx.x_mm, ctx.y_mm, ctx.baseline_n, ctx.on_threshold_n)
    starts, stops, flags = K.detect_contacts(
        f,
        0,
        ctx.on_threshold_n,
        ctx.off_threshold_n,
        ctx.min_on_frames,
        ctx.min_off_frames,
        K.new_event_state(),
    )
    raw = measure_stances(ctx, values, time_s, x, y, f, starts, stops, flags)
    raw["missing_count_at_contact"] = np.cumsum(missing_markers(f, time_s, np.nan, ctx.max_dt_s))[starts]
    return finalize_columns(ctx.side, raw, ctx), (x, y, f)


def _declared_gap_overlap(
    recording: Recording, side: str, t_contact: np.ndarray, t_toe_off: np.ndarray
) -> np.ndarray:
    """True where a stance overlaps a declared gap of this side (or both) in ``recording.gaps``."""
    out = np.zeros(t_contact.shape[0], dtype=bool)
    gaps = recording.gaps
    if not len(gaps) or not t_contact.size:
        return out
    margin = _HALF_PERIOD / recording.rate_hz  # the frame before contact counts, as in the kernels
    mine = gaps[gaps["side"].isin([side, "both"])]
    for start, end in zip(mine["start_s"].to_numpy(), mine["end_s"].to_numpy(), strict=True):
        out |= (t_contact - margin < end) & (t_toe_off > start + margin)
    return out
