"""Batch analysis of a whole :class:`sensorkit.Recording`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensorkit import kernels as K
from sensorkit.analysis.context import (
    SideContext,
    estimate_baseline_n,
    estimate_threshold_n,
    make_context,
)
from sensorkit.analysis.params import G_M_S2, AnalysisParams
from sensorkit.analysis.pressure import mask_pressure_metrics
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.selection import finalize_steps
from sensorkit.analysis.stances import hole_markers, measure_stances, segmentation_force
from sensorkit.analysis.standing import standing_periods
from sensorkit.analysis.summary import asymmetry_table, summarize, trends
from sensorkit.recording import Recording, validate_body_mass_kg

__all__ = ["analyze", "analyze_side_arrays", "side_context"]


def analyze(
    recording: Recording,
    body_mass_kg: float | None = None,
    params: AnalysisParams | None = None,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    exclude_steps: Iterable[int] = (),
    exclude_bouts: Iterable[int] = (),
    **kwargs,
) -> Analysis:
    """Gait events, temporal parameters, loading, COP, regional loads and asymmetry.

    Parameters
    ----------
    recording : Recording, str, Path or DataFrame
        One or two insoles (N or kPa; kPa is converted with the layout's sensor areas). A
        path is read with :func:`sensorkit.read`; a DataFrame with
        :meth:`Recording.from_dataframe`.
    body_mass_kg : float, optional
        Body mass in kg; default ``recording.body_mass_kg``. It only converts units: the BW
        columns are NaN without it, and steps and timings never depend on it.
    params : AnalysisParams, optional
        All parameters at once; or give individual ones as keyword arguments
        (``min_contact_s=0.05, max_bridge_s=0.1, ...``; see :class:`AnalysisParams`).
    start_s, end_s : float, optional
        Analyse only this time window of the recording (s, on its time axis).
    exclude_steps : iterable of int
        Rows of the steps table (as returned without exclusions) to leave out of summaries;
        they stay in ``steps`` with the reason ``"excluded by user"``.
    exclude_bouts : iterable of int
        Bouts (the ``bout`` column) to leave out of summaries, likewise.

    Returns
    -------
    Analysis

    Raises
    ------
    TypeError
        When ``recording`` is not something that holds a recording.
    ValueError
        An ``exclude_steps`` row or ``exclude_bouts`` bout that the analysis does not have.

    Notes
    -----
    Definitions and sources: ``docs/methods.md`` (contact detection with a noise-adaptive
    threshold on a low-passed force; plausibility and steady-state selection; walking force
    features; VALR/VILR after Milner et al. 2006 with the Blackmore et al. 2016 fallback;
    strike index after Cavanagh & Lafortune 1980; CPEI after Song et al. 1996 -- an
    approximation on sparse insoles --; symmetry index and angle with bootstrap intervals).
    All values are insole-derived; loading rates read lower than on force plates.
    """
    recording = _as_recording(recording)
    if params is None:
        params = AnalysisParams.from_kwargs(**kwargs)
    elif kwargs:
        params = params.replace(**kwargs)
    full_duration = recording.duration_s
    if start_s is not None or end_s is not None:
        recording = recording.slice_time(start_s, end_s)
    mass = validate_body_mass_kg(body_mass_kg) if body_mass_kg is not None else recording.body_mass_kg
    weight_n = float(mass) * G_M_S2 if mass is not None else None
    parts, cop_arrays, baselines, contexts, segs, noises = [], {}, {}, {}, {}, {}
    sides = recording.sides
    # hole markers: one for the time axis, shared by the sides (each side's context has the
    # recording's rate and the gap factor's step)
    axis = (recording.rate_hz, params.gap_factor / recording.rate_hz)
    missing = hole_markers(recording.time, np.nan, *axis) if sides else None

    def one_side(side: str) -> tuple:
        values = K.sensor_array(recording.forces_n(side))  # column-major sides stay so (no copy)
        ctx, seg, noise, cop = side_context(recording, side, values, params, weight_n)
        own = missing if (ctx.rate_hz, ctx.max_dt_s) == axis else None  # (None: made for the side)
        local, cop = analyze_side_arrays(ctx, recording.time, values, seg, cop, own)
        return ctx, seg, noise, local, cop

    with _side_pool(recording) as pool:  # the two feet side by side (their kernels release the GIL)
        done = list(pool.map(one_side, sides))
    for side, (ctx, seg, noise, local, cop) in zip(sides, done, strict=True):
        noises[side] = noise
        parts.append(local)
        cop_arrays[side] = (recording.time, *cop)
        baselines[side] = ctx.baseline_n
        contexts[side] = ctx
        segs[side] = (seg, cop[2])
    del done
    local = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()
    steps, info = finalize_steps(
        local, params, weight_n, recording.rate_hz, tuple(exclude_steps), tuple(exclude_bouts)
    )
    steps.attrs.update(
        {
            "force_units": "BW" if weight_n is not None else "N",
            "body_mass_kg": mass,
            "note": "insole-derived values; loading rates read lower than on force plates",
        }
    )
    asymmetry = asymmetry_table(steps, info.activity, params)
    summary = summarize(steps, info.activity, params, asymmetry)
    summary.attrs.update(
        {
            "activity": info.activity,
            "loading_rate_method": info.loading_rate_method,
            "loading_rate_note": info.loading_rate_note,
            "body_mass_kg": mass,
            "symmetry_index_sign": "positive = left larger; SA signed like SI",
        }
    )
    standing = None
    if "left" in segs and "right" in segs:
        standing = standing_periods(
            recording.time,
            segs["left"][0],
            segs["right"][0],
            segs["left"][1],
            segs["right"][1],
            contexts["left"].on_threshold_n,
            contexts["right"].on_threshold_n,
            params,
        )
    layout = recording.layout
    pressure = _mask_pressure(recording, steps, baselines)
    return Analysis(
        steps=steps,
        summary=summary,
        asymmetry=asymmetry,
        trends=trends(steps, info.activity, params),
        standing=standing,
        pressure=pressure,
        gaps=recording.gaps.copy(),
        params=params,
        body_mass_kg=None if mass is None else float(mass),
        baseline_n=baselines,
        thresholds_n={
            s: {"on": c.on_threshold_n, "off": c.off_threshold_n, "noise_sd": noises[s]}
            for s, c in contexts.items()
        },
        cop_arrays=cop_arrays,
        info=info,
        selection={
            "start_s": start_s,
            "end_s": end_s,
            "excluded_steps": sorted(int(i) for i in exclude_steps),
            "excluded_bouts": sorted(int(i) for i in exclude_bouts),
            "recording_duration_s": full_duration,
        },
        source={
            "subject": recording.subject_id,
            "subject_from_file_name": bool(recording.metadata.get("subject_from_file_name")),
            "subject_naming": recording.metadata.get("subject_naming"),
            "recording_body_mass_kg": recording.body_mass_kg,  # the file's own; body_mass_kg= may override
            "origin": _origin(recording),
            "format": recording.metadata.get("format"),
            "rate_hz": recording.rate_hz,
            "n_frames": recording.n_frames,
            "layout": layout.name,
            "foot_length_mm": layout.foot_length_mm,
            "foot_width_mm": layout.foot_width_mm,
        },
    )


def _origin(recording: Recording) -> str | None:
    """Where a recording came from, as its maker named it: the name of the file a reader read
    (never its folder), or what generated it (``sensorkit.simulate``); None when nothing says."""
    src = recording.metadata.get("source")
    return Path(src).name if isinstance(src, (str, Path)) and str(src) else None


#: Frames x sensors from which a two-insole recording's sides are analysed in two threads.
_THREADED_VALUES = 1 << 22


class _Serial:
    """``map`` in the calling thread (a short recording, or one insole)."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def map(fn: Callable[[str], Any], items: Iterable[str]) -> list:
        return [fn(item) for item in items]


def _side_pool(recording: Recording) -> ThreadPoolExecutor | _Serial:
    """Two threads for the two sides of a long two-insole recording, else :class:`_Serial`.

    Each side's work is independent and its kernels (Numba ``nogil``) and large numpy
    operations release the GIL, so on two cores the feet run side by side; the results are
    the same as one after the other (tests/test_analysis_threads.py).
    """
    n_values = recording.n_frames * recording.n_sensors
    if len(recording.sides) < 2 or n_values < _THREADED_VALUES or (os.cpu_count() or 1) < 2:
        return _Serial()
    if recording.units != "N":  # each thread would hold its side's forces, converted from kPa, at once
        return _Serial()
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="sensorkit-side")


def side_context(
    recording: Recording, side: str, values: np.ndarray, params: AnalysisParams, weight_n: float | None
) -> tuple[SideContext, np.ndarray, float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The context of one side with its session baseline and noise-adaptive threshold.

    Returns
    -------
    ctx : SideContext
    seg : ndarray (n,), float32
        The low-passed total force events are detected on.
    noise_sd_n : float
        Noise SD of the unfiltered total force (N).
    cop : tuple of ndarray
        x_mm, y_mm, force_n per frame (float32; COP NaN below the contact threshold), from one
        pass over the sensor values.
    """
    baseline = estimate_baseline_n(values, params)
    layout = recording.layout_for(side)
    ctx = make_context(
        layout, side, params=params, rate_hz=recording.rate_hz, weight_n=weight_n, baseline_n=baseline
    )
    # one pass over the sensors: COP without a threshold, masked once the threshold is known
    x, y, total = K.cop_frames(values, ctx.x_mm, ctx.y_mm, ctx.baseline_n, 0.0)
    seg = segmentation_force(ctx, total)
    threshold, noise, off = estimate_threshold_n(total, seg, ctx.event_half_width, params, recording.rate_hz)
    ctx = make_context(
        layout,
        side,
        params=params,
        rate_hz=recording.rate_hz,
        weight_n=weight_n,
        baseline_n=baseline,
        threshold_n=threshold,
        noise_sd_n=noise,
        off_threshold_n=off,
    )
    with np.errstate(invalid="ignore"):
        below = ~(total >= ctx.on_threshold_n)  # as cop_frames: COP only where F >= threshold
    x[below] = np.nan
    y[below] = np.nan
    return ctx, seg, noise, (x, y, total)


def analyze_side_arrays(
    ctx: SideContext,
    time_s: np.ndarray,
    values: np.ndarray,
    seg: np.ndarray | None = None,
    cop: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    missing: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Local per-stance columns and per-frame COP of one side from raw arrays.

    Parameters
    ----------
    ctx : SideContext
    time_s : ndarray (n,) float64
    values : ndarray (n, S) float32, forces in N (row- or column-major, see :func:`sensorkit.kernels.sensor_array`)
    seg : ndarray (n,) float32, optional
        The event force (computed when not given).
    cop : tuple of ndarray, optional
        x_mm, y_mm, force_n per frame from :func:`side_context` (computed when not given).
    missing : ndarray (n,) int64, optional
        :func:`~sensorkit.analysis.stances.hole_markers` of ``time_s`` (computed when not given).

    Returns
    -------
    local : dict of ndarray
        :func:`sensorkit.analysis.stances.measure_stances` columns plus ``side`` and
        ``long_holes``.
    cop : tuple of ndarray
        x_mm, y_mm, force_n per frame (float32).
    """
    if cop is None:
        cop = K.cop_frames(values, ctx.x_mm, ctx.y_mm, ctx.baseline_n, ctx.on_threshold_n)
    x, y, f = cop
    if seg is None:
        seg = segmentation_force(ctx, f)
    if missing is None:
        missing = hole_markers(time_s, np.nan, ctx.rate_hz, ctx.max_dt_s)
    state = K.new_event_state()
    starts, stops, flags, holes = K.detect_contacts(
        seg,
        missing,
        0,
        ctx.on_threshold_n,
        ctx.off_threshold_n,
        ctx.min_on_frames,
        ctx.min_off_frames,
        ctx.max_bridge_frames,
        state,
    )
    tail = K.open_stance(state, time_s.shape[0] - 1)
    if tail[0].size:
        starts, stops, flags, holes = (
            np.concatenate(pair) for pair in zip((starts, stops, flags, holes), tail, strict=True)
        )
    if ctx.refine_events:
        starts, stops = K.refine_events(f, starts, stops, ctx.on_threshold_n, ctx.event_half_width)
    local = measure_stances(ctx, values, time_s, missing, x, y, f, starts, stops, flags)
    local["side"] = np.full(starts.shape[0], ctx.side, dtype=object)
    local["long_holes"] = holes
    return local, (x, y, f)


def _mask_pressure(
    recording: Recording, steps: pd.DataFrame, baselines: dict[str, np.ndarray]
) -> pd.DataFrame | None:
    """Per mask and valid step: peak pressure, PTI, contact area (pressure layouts with masks).

    ``step`` is the row of :attr:`Analysis.steps`; pressures are corrected with each side's
    per-sensor baseline (N, ``baselines[side]``), the one its forces are corrected with; see
    :func:`sensorkit.analysis.pressure.mask_pressure_metrics`.
    """
    layout = recording.layout
    if not (layout.measures_pressure and layout.mask) or not len(steps):
        return None
    parts = []
    for side in recording.sides:
        rows = np.flatnonzero((steps["side"] == side).to_numpy() & steps["valid"].to_numpy())
        if not rows.size:
            continue
        t0 = steps["t_contact_s"].to_numpy()[rows]
        t1 = steps["t_toe_off_s"].to_numpy()[rows]
        table = mask_pressure_metrics(recording, side, t0, t1, baseline_n=baselines[side])
        table.insert(0, "step", rows[table["stance"].to_numpy()])
        parts.append(table.drop(columns="stance"))
    return pd.concat(parts, ignore_index=True) if parts else None


def _as_recording(obj) -> Recording:
    if isinstance(obj, Recording):
        return obj
    from pathlib import Path

    if isinstance(obj, (str, Path)):
        from sensorkit.io import read

        return read(obj)
    if isinstance(obj, pd.DataFrame) and hasattr(Recording, "from_dataframe"):
        return Recording.from_dataframe(obj)
    raise TypeError(
        f"analyze() needs a Recording (or a file path), not {type(obj).__name__}; "
        "read a file with sk.read(path) or build one with sk.Recording.from_arrays(...)"
    )
