"""Report figures: an Analysis (and, where per-sensor data is needed, its Recording) in, a
matplotlib :class:`~matplotlib.figure.Figure` out. Pure: nothing is shown or written.

Feet are drawn from above: the layout outline and sensor positions go through
:meth:`SensorLayout.lab_x_mm`, so the left foot has its medial side (big toe) on the right
and the right foot on the left, like looking down at your own feet.

The ``plot_*`` functions at the end are the notebook entry points behind
``Analysis.plot_cop()``, ``Analysis.plot_forces()``, ``Analysis.plot_summary()`` and
``Recording.plot_forces()``.

>>> import sensorkit as sk
>>> rec = sk.simulate(duration_s=10, seed=1)
>>> fig = cop_paths_figure(sk.analyze(rec), rec)
>>> [ax.get_title() for ax in fig.axes]
['Left foot: COP paths (28 steps)', 'Right foot: COP paths (28 steps)']
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from sensorkit.analysis.result import Analysis
from sensorkit.analysis.summary import reliable_mask
from sensorkit.layout import SensorLayout
from sensorkit.quantities import format_value, quantity
from sensorkit.recording import Recording
from sensorkit.report.data import (
    cop_step_paths,
    flagged_metric_names,
    force_scale,
    layouts_for,
    mean_cop_path,
    missing_time_s,
    sensor_peaks,
    sides_of,
    steady_steps,
    step_curves,
    valr_windows_s,
)
from sensorkit.report.style import (
    FLAG_COLOR,
    GAP_COLOR,
    MEAN_COLOR,
    OUTLINE_EDGE,
    OUTLINE_FILL,
    SIDE_COLORS,
    new_figure,
    styled,
)

__all__ = [
    "asymmetry_figure",
    "cop_paths_figure",
    "force_curves_figure",
    "gaps_timeline_figure",
    "peak_map_figure",
    "plot_cop",
    "plot_forces",
    "plot_recording_forces",
    "plot_summary",
    "trends_figure",
]

_MAX_DRAWN_STEPS = 300  # per side; more add ink, not information, and slow rendering
_TREND_WINDOW_STEPS = 15  # rolling mean over this many steps of one side
#: Points drawn per side and series in session-long plots (trends, timeline): long sessions are
#: thinned for display only; every number in tables and captions uses all steps.
MAX_DRAWN_POINTS = 1500


# -- feet from above -------------------------------------------------------------------
def _draw_foot(ax: Axes, layout: SensorLayout, *, sensors: bool = True) -> None:
    """Insole outline and sensor positions of ``layout`` in top view, with medial/lateral labels."""
    outline = layout.outline_mm
    if outline.shape[0] >= 3:
        xy = np.column_stack([layout.lab_x_mm(outline[:, 0]), outline[:, 1]])
        ax.add_patch(
            Polygon(xy, closed=True, facecolor=OUTLINE_FILL, edgecolor=OUTLINE_EDGE, lw=1.0, zorder=0)
        )
    if sensors:
        ax.scatter(
            layout.lab_x_mm(), layout.y_mm, s=14, facecolor="white", edgecolor="#999999", lw=0.6, zorder=1
        )
    # the insole or sensor sheet, which may reach beyond the foot (an F-Scan sheet: the foot's
    # size comes from its footprint)
    xs = np.concatenate((np.abs(layout.x_mm), np.abs(outline[:, 0]) if outline.shape[0] else []))
    ys = np.concatenate((layout.y_mm, outline[:, 1] if outline.shape[0] else []))
    half = max(0.5 * layout.foot_width_mm, float(xs.max())) + 12.0
    length = max(layout.foot_length_mm, float(ys.max()))
    medial_right = layout.side == "left"
    ax.set_xlim(-half - 4.0, half + 4.0)
    ax.set_ylim(-8.0, length + 22.0)
    ax.set_aspect("equal")
    y_lab = length + 12.0
    ax.text(
        half if medial_right else -half,
        y_lab,
        "medial",
        ha="right" if medial_right else "left",
        va="center",
        fontsize=8,
        color="#555555",
    )
    ax.text(
        -half if medial_right else half,
        y_lab,
        "lateral",
        ha="left" if medial_right else "right",
        va="center",
        fontsize=8,
        color="#555555",
    )
    ax.set_xlabel("medio-lateral position (mm, top view)")
    ax.set_ylabel("distance from heel (mm)")
    ax.grid(False)


def _foot_axes(fig: Figure, sides: tuple[str, ...]) -> dict[str, Axes]:
    axes = fig.subplots(1, max(len(sides), 1), squeeze=False)[0]
    return dict(zip(sides, axes, strict=False))


def _no_data(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#777777")


def cop_paths_figure(
    analysis: Analysis, recording: Recording | None = None, *, layout: SensorLayout | str | None = None
) -> Figure:
    """Centre-of-pressure path of every steady-state step over each insole outline (top view).

    Thin lines are single steps (at most 300 per side, spread over the session), the black
    line is the mean path (each step resampled over 0-100 % of stance), the dot marks initial
    contact.

    Parameters
    ----------
    analysis : Analysis
    recording : Recording, optional
        Supplies the layouts; otherwise ``layout`` or the layout named in ``analysis.source``.
    layout : SensorLayout or str, optional

    Returns
    -------
    Figure
        One axes per side, titled e.g. ``"Left foot: COP paths (42 steps)"``.
    """
    layouts = layouts_for(analysis, recording, layout)
    sides = sides_of(analysis)
    with styled():
        fig = new_figure(3.4 * max(len(sides), 1) + 0.6, 5.6)
        for side, ax in _foot_axes(fig, sides).items():
            lay = layouts[side]
            _draw_foot(ax, lay)
            paths = cop_step_paths(analysis, side, _MAX_DRAWN_STEPS)
            n_valid = len(steady_steps(analysis, side))
            alpha = float(np.clip(12.0 / max(len(paths), 1), 0.12, 0.6))
            for px, py in paths:
                ax.plot(lay.lab_x_mm(px), py, color=SIDE_COLORS[side], lw=0.7, alpha=alpha, zorder=2)
            mx, my = mean_cop_path(paths)
            if mx.size:
                ax.plot(lay.lab_x_mm(mx), my, color=MEAN_COLOR, lw=2.0, zorder=3, label="mean path")
                ax.plot(
                    lay.lab_x_mm(mx[:1]),
                    my[:1],
                    "o",
                    color=MEAN_COLOR,
                    ms=5,
                    zorder=4,
                    label="initial contact",
                )
                ax.legend(loc="lower center", ncols=2, fontsize=7)
            else:
                _no_data(ax, "no steady-state steps")
            drawn = f", {len(paths)} drawn" if len(paths) < n_valid else ""
            ax.set_title(f"{side.capitalize()} foot: COP paths ({n_valid} steps{drawn})")
    return fig


#: Layouts with more sensors than this (pedar's 99, an F-Scan grid's ~1000) get no value
#: label per sensor, only the colour scale and the highest value in the title.
MAX_LABELLED_SENSORS = 32


def peak_map_figure(recording: Recording, analysis: Analysis) -> Figure:
    """Per-sensor mean per-step peak pressure (kPa), or peak force (N) where areas are unknown.

    Each sensor is a disc at its position on the outline (top view), coloured on one scale
    shared by both feet and labelled with its value (up to :data:`MAX_LABELLED_SENSORS`
    sensors; denser layouts give their highest value in the title); nothing is interpolated
    between sensors.

    Returns
    -------
    Figure
        One axes per side plus a colour bar with the unit.
    """
    sides = sides_of(analysis)
    peaks = {s: sensor_peaks(recording, analysis, s) for s in sides}
    vmax = max((float(np.nanmax(p.values)) for p in peaks.values() if p.values.size), default=1.0)
    norm = Normalize(vmin=0.0, vmax=vmax if vmax > 0 else 1.0)
    cmap = "YlOrRd"
    with styled():
        fig = new_figure(3.4 * max(len(sides), 1) + 1.4, 5.6)
        mappable = None
        quantity, unit = "force", "N"
        for side, ax in _foot_axes(fig, sides).items():
            lay = recording.layout_for(side)
            peak = peaks[side]
            quantity, unit = peak.quantity, peak.unit
            _draw_foot(ax, lay, sensors=False)
            area = lay.area_mm2 if lay.has_areas else np.full(lay.n_sensors, 150.0)
            radius_mm = np.sqrt(area / np.pi)
            size_pt2 = (radius_mm * 2.2) ** 2  # roughly to scale at the default figure size
            mappable = ax.scatter(
                lay.lab_x_mm(),
                lay.y_mm,
                s=size_pt2,
                c=peak.values,
                cmap=cmap,
                norm=norm,
                edgecolor="#333333",
                lw=0.6,
                zorder=2,
            )
            labelled = lay.n_sensors <= MAX_LABELLED_SENSORS  # a value per sensel is unreadable
            for x, y, v in zip(lay.lab_x_mm(), lay.y_mm, peak.values, strict=True) if labelled else ():
                dark = norm(v) > 0.6
                ax.text(
                    x,
                    y,
                    f"{v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    zorder=3,
                    color="white" if dark else "black",
                )
            basis = f"mean of {peak.n_steps} steps" if peak.n_steps else "session maximum"
            if not labelled and peak.values.size and np.isfinite(peak.values).any():
                basis += f", highest {float(np.nanmax(peak.values)):.0f} {unit}"
            ax.set_title(f"{side.capitalize()} foot: peak {quantity} ({unit})\n{basis}")
        if mappable is not None:
            fig.colorbar(mappable, ax=fig.axes, shrink=0.7, label=f"peak {quantity} ({unit})")
    return fig


def force_curves_figure(analysis: Analysis) -> Figure:
    """Total vertical force of each step aligned at initial contact, with the VALR window shaded.

    Thin lines are single steps, the black line their mean; the shaded band spans the
    median start and end of the window VALR was measured over (20-80 % of the impact peak,
    or of the 13 %-of-stance force when there is none).

    Returns
    -------
    Figure
        One axes per side sharing the force axis (BW when body mass is known, else N).
    """
    sides = sides_of(analysis)
    _, unit = force_scale(analysis)
    rate_unit = f"{unit}/s"
    with styled():
        fig = new_figure(4.2 * max(len(sides), 1), 3.6)
        axes = fig.subplots(1, max(len(sides), 1), squeeze=False, sharey=True)[0]
        for side, ax in zip(sides, axes, strict=False):
            curves = step_curves(analysis, side, _MAX_DRAWN_STEPS)
            ax.set_xlabel("time since initial contact (ms)")
            ax.set_ylabel(f"vertical force ({unit})")
            if not curves.t_s:
                _no_data(ax, "no steady-state steps")
                ax.set_title(f"{side.capitalize()} foot: force per step")
                continue
            alpha = float(np.clip(6.0 / len(curves.t_s), 0.06, 0.5))
            for t, f in zip(curves.t_s, curves.force, strict=True):
                ax.plot(t * 1e3, f, color=SIDE_COLORS[side], lw=0.7, alpha=alpha)
            t_end = max(float(t[-1]) for t in curves.t_s)
            grid = np.linspace(0.0, t_end, 200)
            ax.plot(grid * 1e3, curves.mean(grid), color=MEAN_COLOR, lw=1.8, label="mean")
            starts, ends = valr_windows_s(curves.steps)  # the windows the analysis measured
            lo, hi = (
                (float(np.nanmedian(starts)), float(np.nanmedian(ends)))
                if np.isfinite(starts).any() and np.isfinite(ends).any()
                else (math.nan, math.nan)
            )
            valr_col = f"valr_{unit.lower()}_s"
            summary = analysis.summary  # the mean sk.analyze reports (reliable VALRs only)
            valr = float(summary.loc[valr_col, side]) if valr_col in summary.index else math.nan
            if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
                ax.axvspan(
                    lo * 1e3,
                    hi * 1e3,
                    color=SIDE_COLORS[side],
                    alpha=0.18,
                    lw=0,
                    label=(  # short: a long label pushed the legend over the next axes
                        f"VALR window; mean {format_value(valr_col, valr)} {rate_unit}"
                        if math.isfinite(valr)
                        else "VALR window (median)"
                    ),
                )
            ax.legend(loc="upper right", fontsize=7)
            drawn = f", {len(curves.t_s)} drawn" if len(curves.t_s) < curves.n_total else ""
            unsummarised = (
                "; VALR unreliable: too few samples" if math.isfinite(lo) and not math.isfinite(valr) else ""
            )
            ax.set_title(
                f"{side.capitalize()} foot: force per step\n({curves.n_total} steps{drawn}{unsummarised})",
                fontsize=9,
            )
            ax.set_xlim(left=-15.0)
        # once every side is drawn: the axis is shared, and fixing it after the first side cut
        # the second side's peaks off (pedar's right foot, 966 N on an axis ending at 865 N)
        axes[0].set_ylim(bottom=0.0)
    return fig


def _display_spans(start_s: np.ndarray, end_s: np.ndarray, min_width_s: float) -> list[tuple[float, float]]:
    """``(start, width)`` bars of intervals, each at least ``min_width_s`` wide (visible), overlaps merged.

    Display only: 57 000 gaps of an 8-hour session drawn as 57 000 rectangles took a second
    and look the same as the few hundred bars they merge into at this width.
    """
    if not start_s.size:
        return []
    order = np.argsort(start_s, kind="stable")
    a = start_s[order]
    b = np.maximum(end_s[order], a + min_width_s)
    reach = np.maximum.accumulate(b)
    new = np.ones(a.size, dtype=bool)
    new[1:] = a[1:] > reach[:-1]  # starts after everything before it ends: a new bar
    first = np.flatnonzero(new)
    last = np.r_[first[1:], a.size] - 1
    return [(float(a[i]), float(reach[j] - a[i])) for i, j in zip(first, last, strict=True)]


def _spread_index(n: int, k: int) -> np.ndarray:
    """At most ``k`` indices spread evenly over range(n), first and last included (display thinning)."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def _trend_time(analysis: Analysis) -> tuple[float, str]:
    steps = analysis.steps
    span = float(steps["t_contact_s"].max() - steps["t_contact_s"].min()) if len(steps) else 0.0
    return (1.0 / 60.0, "min") if span > 180.0 else (1.0, "s")


def trends_figure(analysis: Analysis) -> Figure:
    """Per-step contact time, VALR and peak force over the session (fatigue check).

    Dots are single steps, lines a rolling mean over 15 steps of that side; the legend
    gives each side's linear trend as % of its mean per minute.

    Returns
    -------
    Figure
        Three stacked axes sharing the time axis (s, or min for sessions over 3 min).
    """
    _, unit = force_scale(analysis)
    rate = ("loading_rate", "loading rate") if analysis.activity == "walking" else ("valr", "VALR")
    metrics = (
        ("contact_time_s", 1e3, "contact time (ms)"),
        (f"{rate[0]}_{unit.lower()}_s", 1.0, f"{rate[1]} ({unit}/s)"),
        (f"peak_force_{unit.lower()}", 1.0, f"peak force ({unit})"),
    )
    t_scale, t_unit = _trend_time(analysis)
    with styled():
        fig = new_figure(8.0, 6.4)
        axes = fig.subplots(len(metrics), 1, sharex=True, squeeze=False)[:, 0]
        by_side = {side: steady_steps(analysis, side) for side in sides_of(analysis)}  # once, not per panel
        for ax, (col, k, label) in zip(axes, metrics, strict=True):
            ax.set_ylabel(label)
            has_steps = False
            unplotted = []  # sides measured but with no reliable value
            for side in sides_of(analysis):
                steps = by_side[side]
                if not len(steps) or col not in steps:
                    continue
                has_steps = True
                t = steps["t_contact_s"].to_numpy() * t_scale
                measured = steps[col].to_numpy(dtype=np.float64) * k
                v = np.where(_rate_reliable(steps, col), measured, np.nan)  # as the summary
                if not np.isfinite(v).any():
                    if np.isfinite(measured).any():
                        unplotted.append(side)
                    continue  # an empty line and a legend read as a measured flat trend
                roll = pd.Series(v).rolling(_TREND_WINDOW_STEPS, center=True, min_periods=3).mean().to_numpy()
                shown = _spread_index(t.shape[0], MAX_DRAWN_POINTS)  # display only; roll uses all steps
                t, v, roll = t[shown], v[shown], roll[shown]
                ok = np.isfinite(v)
                ax.plot(t[ok], v[ok], ".", ms=2.5, color=SIDE_COLORS[side], alpha=0.35)
                ax.plot(
                    t,
                    roll,
                    color=SIDE_COLORS[side],
                    lw=1.6,
                    label=side,
                )
            if ax.lines:
                note = "".join(f"; {side}: unreliable, not plotted" for side in unplotted)
                ax.set_title(_trend_text(analysis, col) + note, fontsize=8, loc="left")
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
            elif unplotted:  # nothing drawn, but measured: every value unreliable
                _no_data(
                    ax,
                    "unreliable at this sampling rate (too few samples in the 20-80 % window): not plotted",
                )
            else:
                _no_data(ax, "not measured" if has_steps else "no steady-state steps")
        axes[-1].set_xlabel(f"time of initial contact ({t_unit})")
        fig.suptitle("Per-step metrics over the session, both feet (fatigue check)")
    return fig


def _rate_reliable(steps: pd.DataFrame, col: str) -> np.ndarray:
    """:func:`sensorkit.analysis.summary.reliable_mask`, all steps for a metric that is no rate."""
    ok = reliable_mask(steps, col)
    return np.ones(len(steps), dtype=bool) if ok is None else ok


def _trend_text(analysis: Analysis, col: str) -> str:
    """The session trend of ``col`` with its interval from ``analysis.trends``, or why there is none."""
    trends = analysis.trends
    base = col.replace("_bw_s", "_n_s").replace("_bw", "_n")
    if base not in trends.index:
        p = analysis.params
        return (
            f"no trend reported: needs {p.min_trend_s / 60:g} min and {p.min_trend_steps} steady steps per side"
            if not len(trends)
            else "no trend reported"
        )
    r = trends.loc[base]
    mean = r["slope_per_min"] / r["change_pct_per_min"] * 100.0 if r["change_pct_per_min"] else np.nan
    lo = 100.0 * r["ci_low_per_min"] / mean if mean else np.nan
    hi = 100.0 * r["ci_high_per_min"] / mean if mean else np.nan
    return f"trend {r['change_pct_per_min']:+.2f} %/min (95% CI {lo:+.2f} to {hi:+.2f}), {int(r['n_steps'])} steps"


_ASYM_METRICS = (
    ("contact_time_s", "contact time", "s"),
    ("stride_time_s", "stride time", "s"),
    ("peak_force_{f}", "peak force", "{F}"),
    ("impulse_{I}", "impulse", "{F}·s"),
)
#: The two rate panels: the activity's own loading rates (VALR and VILR are running metrics).
_ASYM_RATES = {
    "running": (("valr_{f}_s", "VALR", "{F}/s"), ("vilr_{f}_s", "VILR", "{F}/s")),
    "walking": (
        ("loading_rate_{f}_s", "loading rate", "{F}/s"),
        ("unloading_rate_{f}_s", "unloading rate", "{F}/s"),
    ),
}


def asymmetry_figure(analysis: Analysis) -> Figure:
    """Left vs right means (± SD over steps) of six metrics, with the symmetry index of each:
    contact and stride time, peak force, impulse, and the activity's two loading rates (VALR
    and VILR running, loading and unloading rate walking).

    SI = (L - R) / (0.5 (L + R)) x 100 % (positive = left larger). Panels of metrics whose
    95 % interval lies beyond the metric's limit (``analysis.asymmetry``) are titled in red.

    Returns
    -------
    Figure
        A 2 x 3 grid of bar panels.
    """
    _, unit = force_scale(analysis)
    f = unit.lower()
    summary = analysis.summary
    asym = analysis.asymmetry
    recorded = sides_of(analysis)
    with styled():
        fig = new_figure(8.0, 5.2)
        axes = fig.subplots(2, 3, squeeze=False).ravel()
        panels = _ASYM_METRICS + _ASYM_RATES.get(analysis.activity, _ASYM_RATES["running"])
        drawn = []
        by_side = {side: steady_steps(analysis, side) for side in ("left", "right")}  # once, not per panel
        for ax, (col_t, name, unit_t) in zip(axes, panels, strict=True):
            col = col_t.format(f=f, I="BWs" if unit == "BW" else "Ns")
            q = quantity(col)  # times in ms, as in the tables
            u = q.unit if q.unit == "ms" else unit_t.format(F=unit)
            drawn.append(col)
            ax.set_ylabel(f"{name} ({u})")
            for k, side in enumerate(("left", "right")):
                steps = by_side[side]
                v = steps[col].to_numpy(dtype=np.float64) if col in steps else np.array([])
                measured = np.isfinite(v)
                v = (
                    v[measured & _rate_reliable(steps, col)] if v.size else v
                )  # as the summary: reliable rates
                if q.unit == "ms":
                    v = v * q.scale
                if v.size:
                    sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
                    ax.bar(k, float(v.mean()), yerr=sd, color=SIDE_COLORS[side], width=0.6, capsize=3,
                           error_kw={"lw": 0.8})  # fmt: skip
                else:  # nothing to draw: a bar of 0 read as a value of 0
                    missing = (
                        "no insole"
                        if side not in recorded
                        else "unreliable"
                        if measured.any()
                        else "not measured"
                        if len(steps)
                        else "no steps"
                    )
                    ax.text(k, 0.0, missing, ha="center", va="bottom", fontsize=7, color="#777777")
            ax.set_xticks([0, 1], ["left", "right"])
            ax.set_xlim(-0.6, 1.6)
            ax.grid(axis="x", visible=False)
            si = float(summary.loc[col, "symmetry_index_pct"]) if col in summary.index else math.nan
            flagged = col in asym.index and bool(asym.loc[col, "flag"])
            status = str(asym.loc[col, "status"]) if col in asym.index else ""
            if len(recorded) < 2:
                status = "one insole"
            short = (status or "not enough data").split(":")[0]  # the reason is in the summary table
            si_text = f"SI {si:+.1f} %" if math.isfinite(si) else f"SI: {short}"
            ax.set_title(
                f"{name}\n{si_text}" + (" (flagged)" if flagged else ""),
                color=FLAG_COLOR if flagged else "black",
            )
        title = "Left vs right, mean ± SD over steady-state steps; SI = (L − R)/mean × 100 %"
        if len(recorded) < 2:
            title += f"\n{recorded[0] if recorded else 'no'} insole only: no left-right comparison"
        else:
            title += "\nred: 95 % interval beyond the metric's limit"
            other = [m for m in flagged_metric_names(analysis) if m not in drawn]
            if other:
                also = "also flagged, see the summary table: " + ", ".join(quantity(m).header for m in other)
                title += "\n" + "\n".join(textwrap.wrap(also, 90))  # one line was cut off the figure
        fig.suptitle(title)
    return fig


def gaps_timeline_figure(analysis: Analysis, recording: Recording | None = None) -> Figure:
    """Timeline of the session per side: steps as ticks, data gaps shaded.

    Steps left out of the summary (whatever the reason: a gap, a first or last step of a bout,
    a step far from the bout's median) are drawn in red.

    Parameters
    ----------
    analysis : Analysis
    recording : Recording, optional
        Sets the time span; otherwise the span of the steps and gaps.

    Returns
    -------
    Figure
        One axes; rows "left" and "right"; time in s.
    """
    sides = sides_of(analysis)
    gaps = analysis.gaps
    steps = analysis.steps
    if recording is not None:
        t0, t1 = float(recording.time[0]), float(recording.time[-1])
    else:
        ends = [steps["t_contact_s"].min(), steps["t_toe_off_s"].max()] if len(steps) else [0.0, 1.0]
        if len(gaps):
            ends += [gaps["start_s"].min(), gaps["end_s"].max()]
        t0, t1 = float(np.nanmin(ends)), float(np.nanmax(ends))
    missing_s = float(missing_time_s(gaps, analysis.source["rate_hz"]).sum())
    with styled():
        fig = new_figure(8.0, 1.2 + 0.55 * max(len(sides), 1))
        ax = fig.subplots()
        rows = {side: k for k, side in enumerate(reversed(sides))}
        for side, k in rows.items():
            ax.broken_barh([(t0, t1 - t0)], (k - 0.4, 0.8), facecolor="#F4F4F4", edgecolor="none")
            s = steps[steps["side"] == side] if len(steps) else steps
            if len(s):
                bad = ~s["steady_state"].astype(bool).to_numpy()
                tc = s["t_contact_s"].to_numpy()
                good = tc[~bad][_spread_index(int((~bad).sum()), MAX_DRAWN_POINTS)]  # display only
                ax.vlines(good, k - 0.3, k + 0.3, color=SIDE_COLORS[side], lw=0.6)
                flagged = tc[bad][_spread_index(int(bad.sum()), MAX_DRAWN_POINTS)]  # display only
                ax.vlines(flagged, k - 0.38, k + 0.38, color=FLAG_COLOR, lw=1.2)
            if len(gaps):
                g = gaps[gaps["side"].isin([side, "both"])]
                spans = _display_spans(
                    g["start_s"].to_numpy(float), g["end_s"].to_numpy(float), (t1 - t0) * 2e-3
                )
                ax.broken_barh(spans, (k - 0.45, 0.9), facecolor=GAP_COLOR, alpha=0.85, edgecolor="none")
        ax.set_yticks(list(rows.values()), list(rows.keys()))
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlim(t0, t1)
        ax.set_xlabel("time (s)")
        ax.grid(axis="y", visible=False)
        title = (
            f"Data coverage: {len(gaps)} gap(s), {missing_s:.2f} s missing (grey); "
            "red: steps left out of the summary"
            if len(gaps)
            else "Data coverage: no gaps; ticks are steps, red: left out of the summary"
        )
        ax.set_title(title)
    return fig


# -- notebook entry points -------------------------------------------------------------
def plot_cop(analysis: Analysis, layout: SensorLayout | str | None = None) -> Figure:
    """COP paths over the insole outlines (for ``Analysis.plot_cop()``).

    Examples
    --------
    >>> import sensorkit as sk
    >>> fig = plot_cop(sk.analyze(sk.simulate(duration_s=5, seed=1)))  # layout from the analysis
    >>> len(fig.axes)
    2
    """
    return cop_paths_figure(analysis, layout=layout)


def plot_forces(analysis: Analysis) -> Figure:
    """Force per step aligned at contact with the VALR window (for ``Analysis.plot_forces()``).

    Examples
    --------
    >>> import sensorkit as sk
    >>> fig = plot_forces(sk.analyze(sk.simulate(duration_s=5, seed=1)))
    >>> fig.axes[0].get_ylabel()
    'vertical force (BW)'
    """
    return force_curves_figure(analysis)


def plot_summary(analysis: Analysis) -> Figure:
    """Left vs right bars with symmetry indices (for ``Analysis.plot_summary()``).

    Examples
    --------
    >>> import sensorkit as sk
    >>> len(plot_summary(sk.analyze(sk.simulate(duration_s=5, seed=1))).axes)
    6
    """
    return asymmetry_figure(analysis)


def plot_recording_forces(
    recording: Recording, start_s: float | None = None, stop_s: float | None = None
) -> Figure:
    """Total force per insole over time, gaps shaded (for ``Recording.plot_forces()``).

    Parameters
    ----------
    recording : Recording
    start_s, stop_s : float, optional
        Time window in s (default: the first 10 s, or everything when shorter).

    Examples
    --------
    >>> import sensorkit as sk
    >>> fig = plot_recording_forces(sk.simulate(duration_s=5, seed=1))
    >>> fig.axes[0].get_xlabel()
    'time (s)'
    """
    t = recording.time
    lo = float(t[0]) if start_s is None else float(start_s)
    hi = min(lo + 10.0, float(t[-1])) if stop_s is None else float(stop_s)
    i0, i1 = np.searchsorted(t, [lo, hi])
    i1 = max(int(i1), int(i0) + 2)
    with styled():
        fig = new_figure(8.0, 3.2)
        ax = fig.subplots()
        for side in recording.sides:
            total = recording.forces_n(side)[i0:i1].sum(axis=1, dtype=np.float64)
            ax.plot(t[i0:i1], total, color=SIDE_COLORS[side], lw=1.0, label=side)
        gaps = recording.gaps
        for a, b in zip(gaps["start_s"], gaps["end_s"], strict=True):
            if b >= lo and a <= hi:
                ax.axvspan(a, b, color=GAP_COLOR, alpha=0.35, lw=0)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("total vertical force (N)")
        ax.set_title(f"Total force per insole, {lo:.1f}-{hi:.1f} s (gaps shaded)")
        ax.legend(loc="upper right")
    return fig
