"""The report's tables as HTML: summary, steps, gaps, standing periods, per-mask pressure, window.

Every number is a value :func:`sensorkit.analyze` computed, shown in the display unit and
fixed precision of :mod:`sensorkit.quantities` (contact times in ms, forces with 2 decimals,
SI and SA with 1 decimal); user text is escaped. Where the analysis says a value could not be
computed ("not enough data"), the table says so in words instead of a dash.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.analysis.pressure import baseline_kpa
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.summary import recorded_sides, reliable_mask
from sensorkit.errors import printable
from sensorkit.quantities import display_name, format_number, format_value, quantity
from sensorkit.recording import Recording
from sensorkit.report.data import missing_time_s, steady_steps

__all__ = [
    "MAX_STEP_ROWS",
    "STEP_MAIN_COLUMNS",
    "SUMMARY_ROWS",
    "e",
    "gap_counts",
    "gaps_section",
    "params_table",
    "pressure_table",
    "standing_table",
    "steps_section",
    "summary_table",
    "table",
    "window_rows",
]

#: Summary rows in report order; ``{f}`` is ``bw`` or ``n``, ``{I}`` ``BWs`` or ``Ns``.
SUMMARY_ROWS = (
    "cadence_spm",
    "contact_time_s",
    "stride_time_s",
    "step_time_s",
    "swing_time_s",
    "stance_pct_gait_cycle",
    "double_support_s",
    "flight_time_s",
    "peak_force_{f}",
    "first_peak_{f}",
    "valley_{f}",
    "second_peak_{f}",
    "loading_rate_{f}_s",
    "unloading_rate_{f}_s",
    "impact_peak_{f}",
    "valr_{f}_s",
    "vilr_{f}_s",
    "impulse_{I}",
    "strike_index_pct",
    "cop_ap_excursion_mm",
    "cop_ml_excursion_mm",
    "cop_velocity_mm_s",
    "cpei_pct",
    "arch_indicator",
    "ml_ratio",
)
#: Columns of the short steps table (the rest is in the collapsible full table).
STEP_MAIN_COLUMNS = (
    "side",
    "t_contact_s",
    "contact_time_s",
    "stride_time_s",
    "peak_force_{f}",
    "valr_{f}_s",
    "loading_rate_{f}_s",
    "strike_pattern",
    "steady_state",
    "exclude_reason",
)
#: Above this many stances the steps are not listed in the page (use the CSV/JSON export).
MAX_STEP_ROWS = 2000
_NOT_ENOUGH = "not enough data"


def e(value: Any) -> str:
    """HTML-escaped text of ``value``; control characters (from a file name, a device) are
    written as ``\\xNN`` so that the page holds no raw ESC or BEL bytes."""
    return html.escape(printable(str(value)), quote=True)


def table(
    header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "", text_cols: Sequence[int] = ()
) -> str:
    """A table of already-escaped cells; ``header`` is escaped here; ``text_cols`` align left."""
    left = set(text_cols)

    def cell(tag: str, k: int, content: str) -> str:
        return f'<{tag} class="text">{content}</{tag}>' if k in left else f"<{tag}>{content}</{tag}>"

    head = "".join(cell("th", k, e(h)) for k, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", k, c) for k, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _units(analysis: Analysis) -> dict[str, str]:
    bw = analysis.force_units == "BW"
    return {"f": "bw" if bw else "n", "I": "BWs" if bw else "Ns"}


def _shown_rows(analysis: Analysis, column: str) -> Iterable[str]:
    """The summary rows the report shows, in :data:`SUMMARY_ROWS` order: those with a value in
    ``column`` (``"both"``, or one insole's side), less walking's flight time (always 0 in
    walking, a foot being always down: no information)."""
    summary, units = analysis.summary, _units(analysis)
    for template in SUMMARY_ROWS:
        key = template.format(**units)
        if key not in summary.index or not np.isfinite(summary.loc[key, column]):
            continue
        if key == "flight_time_s" and analysis.activity == "walking":
            continue
        yield key


def summary_table(analysis: Analysis) -> str:
    """Left, right, both, CV, SI [95 % CI], SA and the asymmetry status of every summarised metric
    (one insole: :func:`one_insole_summary_table`)."""
    summary, asym = analysis.summary, analysis.asymmetry
    sides = recorded_sides(summary)
    if len(sides) == 1:
        return one_insole_summary_table(analysis, sides[0])
    rows = []
    for key in _shown_rows(analysis, "both"):
        r = summary.loc[key]
        q = quantity(key)
        a = asym.loc[key] if key in asym.index else None
        status = "" if a is None else str(a["status"])
        flagged = a is not None and bool(a["flag"])
        if key == "cadence_spm":
            si = ""
        elif status == _NOT_ENOUGH:
            si = f'<span class="na">{_NOT_ENOUGH}</span>'
        elif not np.isfinite(r["symmetry_index_pct"]):
            si = f'<span class="na">{e(status or "n/a")}</span>'
        else:
            si = format_number(r["symmetry_index_pct"], 1, signed=True)
            if np.isfinite(r["si_ci_low_pct"]):
                si += (
                    f" [{format_number(r['si_ci_low_pct'], 1, signed=True)}, "
                    f"{format_number(r['si_ci_high_pct'], 1, signed=True)}]"
                )
            if flagged:
                si = f'<span class="flag">{si} ⚑</span>'
        sa = "" if key == "cadence_spm" else format_number(r["symmetry_angle_pct"], 1, signed=True)
        cv = format_number(r.get("both_cv_pct", np.nan), 1)
        limit = a["limit_pct"] if a is not None else np.nan
        counts = "" if a is None or key == "cadence_spm" else f"{int(a['n_left'])} / {int(a['n_right'])}"
        rows.append(
            (
                e(q.header),
                *(format_number(r[c], q.decimals, scale=q.scale) for c in ("left", "right", "both")),
                counts,
                cv,
                si,
                sa,
                f"&plusmn;{format_number(limit, 0)}" if np.isfinite(limit) else "",
                e(status),
            )
        )
    note = (
        "<p class='sub'>Means over the steady-state steps of the main activity "
        f"({e(analysis.activity)}); steps L / R: how many have the value (a value whose window "
        "touches a data gap, or a loading rate on too few samples, is not counted). SI = (L − R) / (0.5 (L + R)) × 100 %, positive = left larger "
        "(Robinson et al. 1987 and Herzog et al. 1989 write right minus left), with its 95 % bootstrap "
        "interval over steps; SA = symmetry angle (Zifchock et al. 2008), signed like SI; CV = coefficient "
        "of variation over both feet. A metric is flagged ⚑ only when the whole interval lies beyond its "
        "limit (sensorkit's choices, not published bounds: 3-5 % for times, healthy gait being not "
        "perfectly symmetric, Sadeghi et al. 2000, Patterson et al. 2008; 10 % for forces, whose limits of "
        "normal depend on the variable, Herzog et al. 1989; 15 % for rates, the force limit widened; docs/methods.md, "
        f"Asymmetry); fewer than {analysis.params.min_steps_asymmetry} steady-state steps on a side give "
        f"“{_NOT_ENOUGH}” (docs/methods.md). The midfoot load share and the medial-lateral ratio "
        "(midfoot and forefoot sensors) describe where the load went, and CPEI is approximated from the "
        "insole's sensors; none of them is a foot type.</p>"
    )
    if not rows:
        return f'<p class="na">No summary: {_NOT_ENOUGH} (no steady-state steps).</p>'
    header = (
        "metric",
        "left",
        "right",
        "both",
        "steps L / R",
        "CV %",
        "SI % [95% CI]",
        "SA %",
        "limit %",
        "asymmetry",
    )
    return table(header, rows, text_cols=(0, 9)) + note


def one_insole_summary_table(analysis: Analysis, side: str) -> str:
    """The summary of one insole: its means, step counts and CV, without the empty other side,
    the "both" column that repeats it, and symmetry columns that cannot have a value."""
    summary = analysis.summary
    rows = []
    for key in _shown_rows(analysis, side):
        r = summary.loc[key]
        q = quantity(key)
        n = analysis.asymmetry.loc[key, f"n_{side}"] if key in analysis.asymmetry.index else None
        rows.append(
            (
                e(q.header),
                format_number(r[side], q.decimals, scale=q.scale),
                "" if n is None or key == "cadence_spm" else str(int(n)),
                format_number(r.get(f"{side}_cv_pct", np.nan), 1),
            )
        )
    if not rows:
        return f'<p class="na">No summary: {_NOT_ENOUGH} (no steady-state steps).</p>'
    note = (
        f"<p class='sub'>Steps on the {e(side)} insole only: no symmetry index or asymmetry, which need both "
        "insoles, and no step time, double support or flight time (they need the other foot's "
        f"contacts). Means over the steady-state steps of the main activity ({e(analysis.activity)}); "
        "steps: how many have the value (a value whose window touches a data gap, or a loading "
        "rate on too few samples, is not counted); CV = coefficient of variation over its steps. "
        "The midfoot load share and the medial-lateral ratio describe where the load went, and "
        "CPEI is approximated from the insole's sensors; none of them is a foot type.</p>"
    )
    return table(("metric", side, "steps", "CV %"), rows, text_cols=(0,)) + note


def _non_empty(df: pd.DataFrame) -> list[str]:
    """Columns holding at least one value (not all NaN / None / empty text)."""
    keep = []
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            if s.map(lambda v: v is not None and v == v and str(v) != "").any():
                keep.append(col)
        elif s.notna().any():
            keep.append(col)
    return keep


def _step_rows(df: pd.DataFrame, columns: Sequence[str]) -> list[tuple[str, ...]]:
    """Formatted cells; a rate too few samples support (``reliable_mask``) reads "70.3 (unreliable)",
    since summaries, flags and advice leave it out (docs/methods.md, sampling rate)."""
    cells = []
    for c in columns:
        text = df[c].map(lambda v, c=c: e(format_value(c, v)))
        ok = reliable_mask(df, c) if pd.api.types.is_float_dtype(df[c]) else None
        if ok is not None:
            shown = np.isfinite(df[c].to_numpy(np.float64))
            text = text.where(ok | ~shown, text + " (unreliable)")
        cells.append(text.tolist())
    index = [str(i) for i in df.index]
    return [(i, *row) for i, row in zip(index, zip(*cells, strict=True), strict=True)]


def steps_section(analysis: Analysis) -> str:
    """A short steps table that fits the page, and the full table (non-empty columns) collapsible.

    Force columns are shown in the report's force unit only (BW with a body mass, else N);
    columns empty for every step (e.g. regional peak pressures of a force insole) are dropped.
    """
    steps = analysis.steps
    if not len(steps):
        return f'<p class="na">No stances detected: {_NOT_ENOUGH}.</p>'
    if len(steps) > MAX_STEP_ROWS:
        return (
            f"<p>{len(steps)} stances: too many to list in a page; export them with "
            "<code>sensorkit analyze FILE --steps steps.csv</code> (or <code>--json</code>).</p>"
        )
    u = _units(analysis)
    other = "n" if u["f"] == "bw" else "bw"
    drop_twin = [
        c
        for c in steps.columns
        if c.endswith((f"_{other}", f"_{other}_s")) or c == ("impulse_Ns" if other == "n" else "impulse_BWs")
    ]
    # the other activity's counts and flags (0 and "no" on every step) say nothing
    activities = set(steps["activity"]) if "activity" in steps else set()
    if "running" not in activities:
        drop_twin += [c for c in ("valr_samples", "valr_reliable") if c in steps.columns]
    if "walking" not in activities:
        drop_twin += [c for c in ("loading_rate_samples", "unloading_rate_samples") if c in steps.columns]
    full = steps.drop(columns=drop_twin)
    full = full[_non_empty(full)]
    main = [c for c in (t.format(**u) for t in STEP_MAIN_COLUMNS) if c in full.columns]
    text_cols = [k + 1 for k, c in enumerate(main) if quantity(c).unit == "" and c != "bout"]
    short = table(("#", *(display_name(c) for c in main)), _step_rows(full, main), "steps", (0, *text_cols))
    full_text = [k + 1 for k, c in enumerate(full.columns) if quantity(c).unit == ""]
    long = table(
        ("#", *(display_name(c) for c in full.columns)),
        _step_rows(full, list(full.columns)),
        "steps",
        (0, *full_text),
    )
    dropped = len(steps.columns) - len(drop_twin) - len(full.columns)
    return (
        f"<p>{len(steps)} stances; # is the row of <code>res.steps</code> (use it with "
        "<code>--exclude-steps</code>). Times since the start of the recording.</p>"
        f'<div class="scroll">{short}</div>'
        f'<details class="noprint"><summary>All {len(full.columns)} columns'
        + (f" ({dropped} always-empty columns left out)" if dropped else "")
        + f'</summary><div class="scroll">{long}</div></details>'
    )


def _edge_gaps(gaps: pd.DataFrame, t0: float, t1: float, period_s: float) -> np.ndarray:
    """(k,) bool: the gaps that touch the first frame ``t0`` or the last ``t1`` (s), within ``period_s``."""
    start = gaps["start_s"].to_numpy(dtype=np.float64)
    end = gaps["end_s"].to_numpy(dtype=np.float64)
    return (start <= t0 + period_s) | (end >= t1 - period_s)


def gap_counts(gaps: pd.DataFrame, recording: Recording | None) -> tuple[int, int]:
    """``(inside, at_edges)``: gaps inside the session, and gaps touching its first or last frame.

    A gap at an edge means one insole started or stopped before the other (a capture's
    devices never start on the same sample); it is not a dropout.

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=2, seed=1)
    >>> g = pd.DataFrame({"start_s": [0.5, 1.97], "end_s": [0.6, 1.99], "side": "left", "n_missing": 1, "reason": "dropout"})
    >>> gap_counts(g, rec)
    (1, 1)
    """
    if not len(gaps):
        return 0, 0
    if recording is None or not recording.n_frames:
        return len(gaps), 0
    t0, t1 = float(recording.time[0]), float(recording.time[-1])
    period = 1.5 / recording.rate_hz if recording.rate_hz else 0.0
    edge = int(np.count_nonzero(_edge_gaps(gaps, t0, t1, period)))
    return len(gaps) - edge, edge


#: Gap rows listed in a report; a session with more lists its longest ones (the numbers stay exact).
MAX_GAP_ROWS = 100


def capture_note(recording: Recording | None) -> str:
    """What the capture file itself says about its completeness (CAPTURE.md, reading rules), as
    sentences for the report: not closed or still being recorded, cut, damaged ranges; ``""``
    for a complete file or another format."""
    if recording is None:
        return ""
    md = recording.metadata
    notes = []
    unfinished = md.get("capture_unfinished") or None
    cut = md.get("capture_cut") or None
    if isinstance(unfinished, dict) and unfinished.get("being_written"):
        notes.append(
            "The capture was still being recorded when it was read: this report covers what had been "
            "written by then."
        )
    elif isinstance(unfinished, dict):
        last = unfinished.get("session_s")
        when = (
            ""
            if last is None
            else f" Its last record is at {format_number(float(last), 2)} s of the session."
        )
        notes.append(
            "The capture was not closed: the recording stopped without closing the file (the recorder "
            "was killed or crashed, the power failed or the disk filled), so up to "
            f"{format_number(float(unfinished.get('fsync_interval_s', 1.0)), 1)} s of data after its last "
            f"record may be missing.{when}"
        )
    if isinstance(cut, dict):
        notes.append(
            f"The capture file ends inside a record (byte {e(cut.get('offset'))} of {e(cut.get('file_size'))}); "
            "everything before it is included."
        )
    # a damaged header (offset 0) was replaced by its copy: no samples lost there
    damaged = [d for d in md.get("capture_damaged") or [] if isinstance(d, dict) and d.get("offset")]
    if damaged:
        notes.append(
            f"{len(damaged)} damaged byte range(s) of the capture file were skipped; their samples are gaps."
        )
    return " ".join(notes)


def gaps_section(analysis: Analysis, recording: Recording | None) -> str:
    """Missing-data intervals, telling gaps at the edges (one insole started or stopped first) from
    dropouts, after what the capture file says of its completeness (:func:`capture_note`)."""
    note = capture_note(recording)
    note_html = f"<p><strong>{note}</strong></p>" if note else ""
    return note_html + _gaps_text(analysis, recording)


def _gaps_text(analysis: Analysis, recording: Recording | None) -> str:
    gaps = analysis.gaps
    recorder = None
    if recording is not None:
        stats = recording.metadata.get("link_stats") or {}
        if stats:  # one count per link: both sides of a two-foot device report the same one
            links: dict = {}  # (each side's copy was taken at its own last chunk: the larger is newer)
            for side, st in stats.items():
                if isinstance(st, dict):
                    key = st.get("stream", side)
                    links[key] = max(links.get(key, 0), int(st.get("gaps", 0)))
            recorder = sum(links.values())
    recorder_text = (
        ""
        if recorder is None
        else f" The recorder logged {recorder} link gap(s) (lost packets, lost links or pauses) during capture."
    )
    if not len(gaps):
        return f"<p>No missing data.{recorder_text}</p>"
    if recording is not None and recording.n_frames:
        t0, t1 = float(recording.time[0]), float(recording.time[-1])
        period = 1.5 / recording.rate_hz if recording.rate_hz else 0.0
    else:
        t0, t1, period = -np.inf, np.inf, 0.0
    rate = float(analysis.source["rate_hz"])
    length = missing_time_s(gaps, rate)
    rows = []
    edges = _edge_gaps(gaps, t0, t1, period)
    n_edge = int(np.count_nonzero(edges))
    listed = np.arange(len(gaps))
    if len(gaps) > MAX_GAP_ROWS:  # display only: the edge gaps and the longest others, in time order
        edge_rows = np.flatnonzero(edges)
        inner = np.flatnonzero(~edges)
        inner = inner[np.argsort(-length[inner], kind="stable")][: max(MAX_GAP_ROWS - edge_rows.size, 0)]
        listed = np.sort(np.concatenate([edge_rows, inner]))
    records = gaps.iloc[listed].to_dict(orient="records")  # only the rows listed (57 000 in 8 h at 1 % loss)
    for i, g in zip(listed, records, strict=True):
        edge = bool(edges[i])
        kind = (
            "at the recording's start/end (one insole started or stopped first)" if edge else str(g["reason"])
        )
        rows.append(  # the missing frames themselves: one period inside the gap's open interval
            (
                format_number(float(g["start_s"]) + 1.0 / rate, 3),
                format_number(float(g["start_s"]) + int(g["n_missing"]) / rate, 3),  # as many as missing
                format_number(length[i], 3),
                e(g["side"]),
                e(int(g["n_missing"])),
                e(kind),
            )
        )
    inside = len(gaps) - n_edge
    return (
        f"<p>{inside} interval(s) without data inside the session"
        + (
            f" and {n_edge} at its start or end, where one insole started or stopped before the other"
            if n_edge
            else ""
        )
        + f" ({format_number(float(length.sum()), 2)} s missing in all, each insole's gaps counted)."
        + " They are never filled in. A value whose window touches one is not measured (–, with the "
        "reason in the steps table's gap note), so the summary's counts per metric can be lower than "
        "its steps; a step's times still count when its contact and toe-off were both recorded."
        + recorder_text
        + (
            f" Listed: {len(listed)} of the {len(gaps)}, those at the start or end and the longest others, "
            "in time order; every interval is in the analysis output "
            "(<code>sensorkit analyze FILE --json</code>, <code>gaps</code>)."
            if len(gaps) > MAX_GAP_ROWS
            else ""
        )
        + "</p>"
        + table(
            (
                "first missing (s)",
                "last missing (s)",
                "missing (s)",
                "side",
                "frames missing",
                "where / reason",
            ),
            rows,
            text_cols=(3, 5),
        )
    )


def standing_table(analysis: Analysis) -> str:
    """Standing periods with the left foot's share of the load, or why there are none."""
    st = analysis.standing
    if st is None:
        return "<p>Standing balance needs both insoles.</p>"
    if not len(st):
        return f"<p>No standing periods of at least {format_number(analysis.params.min_standing_s, 1)} s.</p>"
    rows = []
    for r in st.to_dict(orient="records"):
        status = str(r.get("status", ""))
        si = (
            f'<span class="na">{_NOT_ENOUGH}</span>'
            if status == _NOT_ENOUGH
            else format_number(r["symmetry_index_pct"], 1, signed=True)
            + f" [{format_number(r['ci_low_pct'], 1, signed=True)}, {format_number(r['ci_high_pct'], 1, signed=True)}]"
        )
        rows.append(
            (
                format_number(r["start_s"], 1),
                format_number(r["end_s"], 1),
                format_number(r["duration_s"], 1),
                format_number(r["left_share_pct"], 1),
                si,
                e(status),
            )
        )
    from sensorkit.analysis.params import ASYMMETRY_LIMITS_PCT
    from sensorkit.analysis.standing import MAX_LIFT_S, MIN_STANDING_SHARE

    limit = ASYMMETRY_LIMITS_PCT["standing_force_n"]
    return table(
        ("start (s)", "end (s)", "duration (s)", "left share (% of load)", "SI % [95% CI]", "status"),
        rows,
        text_cols=(5,),
    ) + (
        "<p class='sub'>Periods within this recording with both feet loaded and no step (a foot "
        f"under {format_number(100 * MIN_STANDING_SHARE, 0)} % of the load for less than "
        f"{format_number(MAX_LIFT_S, 0)} s is lifted), for at least "
        f"{format_number(analysis.params.min_standing_s, 1)} s: the person standing while it was recorded, "
        "not a standardised weight-bearing test. Left share = left / (left + right) of the median "
        "0.25 s block loads; the SI's 95 % interval resamples those blocks. Status against a "
        f"&plusmn;{format_number(limit, 0)} % limit, a sensorkit choice, not a published bound: healthy "
        "adults stand with a small left-right asymmetry on average and shift their weight between "
        "postures (Prado-Rico &amp; Duarte 2019; docs/methods.md, Asymmetry).</p>"
    )


#: Swing offsets (kPa) a report names sensor by sensor; smaller ones are noise-level.
NAMED_OFFSET_KPA = 1.0


def offsets_note(analysis: Analysis, recording: Recording | None) -> str:
    """Which sensors had a swing offset removed (at least :data:`NAMED_OFFSET_KPA`), in kPa, per
    side (``Analysis.baseline_n`` over each sensor's area); ``""`` when none or unknown."""
    if recording is None or recording.units != "kPa":
        return ""
    parts = []
    for side in recording.sides:
        base = analysis.baseline_n.get(side)
        lay = recording.layout_for(side)
        if base is None or not lay.has_areas:
            continue
        kpa = baseline_kpa(lay, base)
        named = [(lay.sensor_names[j], kpa[j]) for j in np.flatnonzero(kpa >= NAMED_OFFSET_KPA)]
        if named:
            parts.append(f"{side} " + ", ".join(f"{e(n)} ({format_number(v, 0)} kPa)" for n, v in named))
    if not parts:
        return ""
    return " Offsets removed (the sensor's reading with the foot in the air): " + "; ".join(parts) + "."


def pressure_table(analysis: Analysis, recording: Recording | None = None) -> str | None:
    """Mean over steady-state steps (as every summary of the report) of peak pressure,
    pressure-time integral and contact area per mask and side, and the number of steps with a
    value (a step whose stance touches a data gap has none); with ``recording``, the sensors
    whose swing offset was removed (:func:`offsets_note`).

    None when the analysis has no per-mask pressure (force insoles, layouts without masks).
    """
    p = analysis.pressure
    if p is None or not len(p):
        return None
    p = p[p["step"].isin(steady_steps(analysis).index)]
    if not len(p):
        return None
    metrics = [c for c in ("peak_pressure_kpa", "pti_kpa_s", "contact_area_mm2") if c in p.columns]
    sides = [s for s in ("left", "right") if (p["side"] == s).any()]
    grouped = p.groupby(["mask", "side"], sort=False)[metrics].mean()
    counts = p.groupby(["mask", "side"], sort=False)[metrics[0]].count()  # steps with a value
    header = ["mask"]
    for m in metrics:
        header += [f"{display_name(m)} {s}" for s in sides]
    header.append("steps")
    rows = []
    for mask in dict.fromkeys(p["mask"]):
        row = [e(mask)]
        for m in metrics:
            for s in sides:
                v = grouped.loc[(mask, s), m] if (mask, s) in grouped.index else np.nan
                row.append(format_value(m, v))
        row.append(" / ".join(str(int(counts.get((mask, s), 0))) for s in sides))
        rows.append(row)
    return table(header, rows) + (
        "<p class='sub'>Per anatomical mask: mean over steady-state steps of the peak pressure, the pressure-time "
        "integral of the mask's peak-pressure curve and the contact area above the contact threshold, each "
        "sensor's swing offset removed as for the forces "
        "(sensorkit.analysis.pressure; masks are approximate on vendor layouts)."
        + offsets_note(analysis, recording)
        + "</p>"
    )


def window_rows(analysis: Analysis, recording: Recording | None) -> list[tuple[str, str]]:
    """The analysed window and the user's exclusions, as header rows."""
    sel = analysis.selection
    start, end = sel.get("start_s"), sel.get("end_s")
    total = sel.get("recording_duration_s")
    if total is None and recording is not None:
        total = recording.duration_s
    if start is None and end is None:
        window = "whole recording" + (f" ({format_number(total, 1)} s)" if total is not None else "")
    else:
        a = format_number(start if start is not None else 0.0, 1)
        b = format_number(end, 1) if end is not None else "end"
        window = f"{a} s to {b} s" + (f" of {format_number(total, 1)} s" if total is not None else "")
    rows = [("analysis window", window)]
    if sel.get("excluded_steps"):
        rows.append(("steps excluded by the user", ", ".join(str(s) for s in sel["excluded_steps"])))
    if sel.get("excluded_bouts"):
        rows.append(("bouts excluded by the user", ", ".join(str(b) for b in sel["excluded_bouts"])))
    return rows


def params_table(analysis: Analysis) -> str:
    """Every analysis parameter with its value (what produced these numbers)."""
    return table(
        ("parameter", "value"),
        ((e(k), e(v)) for k, v in analysis.params.to_dict().items()),
        text_cols=(0, 1),
    )
