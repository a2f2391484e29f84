"""Assemble one self-contained HTML page: inline CSS, PNGs as base64 data URIs, no scripts.

A Content-Security-Policy meta tag forbids every network request (images may only be
``data:`` URIs), so opening the report never reaches out, even if a future edit slips in
an external reference.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sensorkit.analysis.result import Analysis
from sensorkit.recording import Recording
from sensorkit.report.data import valid_steps
from sensorkit.report.figure_set import RenderedFigure
from sensorkit.report.recommendation import RecommendationBlock

__all__ = ["CSP", "build_html"]

#: No network access at all: only inline styles and data: images.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#222;
 margin:0;background:#fafafa;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px} h2{font-size:1.2em;margin:32px 0 8px;border-bottom:1px solid #ddd;
 padding-bottom:4px} .sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;font-size:.88em;margin:8px 0} th,td{padding:3px 10px;text-align:right;
 border-bottom:1px solid #eee} th{background:#f3f3f3} td:first-child,th:first-child{text-align:left}
table.meta td{text-align:left} table.meta td:first-child{color:#666;padding-right:18px}
.flag{color:#b00020;font-weight:bold}
figure{margin:12px 0 24px} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.86em;color:#555;max-width:880px}
.note{background:#fff8e1;border-left:4px solid #e69f00;padding:8px 12px;font-size:.9em}
.hook{background:#f3f3f3;border:1px dashed #999;padding:8px 12px;font-size:.9em}
pre.card{background:#f6f8fa;border:1px solid #ddd;padding:12px;white-space:pre-wrap;font-size:.88em}
nav a{margin-right:12px;font-size:.9em} details{margin:8px 0} footer{color:#888;font-size:.8em;margin-top:40px}
"""

_SUMMARY_ROWS = (
    ("cadence_spm", "cadence", "steps/min"),
    ("contact_time_s", "contact time", "s"),
    ("stride_time_s", "stride time", "s"),
    ("swing_time_s", "swing time", "s"),
    ("stance_pct_gait_cycle", "stance", "% gait cycle"),
    ("double_support_s", "double support", "s"),
    ("flight_time_s", "flight time", "s"),
    ("peak_force_{f}", "peak force", "{F}"),
    ("first_peak_{f}", "first peak", "{F}"),
    ("valley_{f}", "valley", "{F}"),
    ("second_peak_{f}", "second peak", "{F}"),
    ("loading_rate_{f}_s", "loading rate", "{F}/s"),
    ("unloading_rate_{f}_s", "unloading rate", "{F}/s"),
    ("impact_peak_{f}", "impact peak", "{F}"),
    ("valr_{f}_s", "VALR", "{F}/s"),
    ("vilr_{f}_s", "VILR", "{F}/s"),
    ("impulse_{I}", "impulse", "{F}·s"),
    ("strike_index_pct", "strike index", "% foot length"),
    ("cop_ap_excursion_mm", "COP AP excursion", "mm"),
    ("cop_ml_excursion_mm", "COP ML excursion", "mm"),
    ("cop_velocity_mm_s", "COP velocity", "mm/s"),
    ("cpei_pct", "CPEI (approx.)", "% foot width"),
    ("arch_indicator", "arch indicator (midfoot impulse share)", ""),
    ("ml_ratio", "medial-lateral ratio (+ medial)", ""),
)
_MAX_STEP_ROWS = 2000


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 3) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _e(value)
    return "–" if not math.isfinite(v) else f"{v:.{digits}g}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _meta_table(recording: Recording, analysis: Analysis, title: str) -> str:
    md = recording.metadata
    steps = analysis.steps
    n_valid = len(valid_steps(analysis))
    mass = analysis.body_mass_kg
    rows = [
        ("recording", _e(md.get("source", title))),
        ("format", _e(md.get("format", "–"))),
        (
            "duration",
            f"{recording.duration_s:.1f} s at {recording.rate_hz:g} Hz ({recording.n_frames} frames)",
        ),
        ("insoles", _e(" + ".join(recording.sides))),
        (
            "layout",
            f"{_e(recording.layout.name)}: {recording.n_sensors} sensors per insole, values in "
            f"{_e(recording.units)}",
        ),
        (
            "body mass",
            "unknown (forces in N)" if mass is None else f"{mass:g} kg (forces in body weights, BW)",
        ),
        ("steps", f"{len(steps)} detected, {n_valid} valid, {len(steps) - n_valid} left out (gap or cut)"),
        ("cadence", f"{_num(analysis.cadence_spm, 4)} steps/min (both feet)"),
        ("data gaps", f"{len(analysis.gaps)}"),
    ]
    return _table(("", ""), rows, "meta").replace("<thead><tr><th></th><th></th></tr></thead>", "")


def _summary_table(analysis: Analysis) -> str:
    unit = analysis.force_units
    f = unit.lower()
    summary = analysis.summary
    asym = analysis.asymmetry
    rows = []
    for key_t, name, unit_t in _SUMMARY_ROWS:
        key = key_t.format(f=f, I="BWs" if unit == "BW" else "Ns")
        if key not in summary.index or not np.isfinite(summary.loc[key, "both"]):
            continue
        r = summary.loc[key]
        a = asym.loc[key] if key in asym.index else None
        flagged = a is not None and bool(a["flag"])
        si = _num(r["symmetry_index_pct"])
        if np.isfinite(r["si_ci_low_pct"]):
            si += f" [{_num(r['si_ci_low_pct'])}, {_num(r['si_ci_high_pct'])}]"
        status = "" if a is None else str(a["status"])
        label = f"{_e(name)}" + (f" ({_e(unit_t.format(F=unit))})" if unit_t else "")
        rows.append(
            (
                label,
                _num(r["left"], 4),
                _num(r["right"], 4),
                _num(r["both"], 4),
                f'<span class="flag">{si} ⚑</span>' if flagged else si,
                _num(r["symmetry_angle_pct"]),
                _e(status),
            )
        )
    note = (
        "<p class='sub'>Means over the steady-state steps of the main activity "
        f"({_e(analysis.activity)}). SI = (L − R) / (0.5 (L + R)) × 100 %, positive = left larger "
        "(Robinson et al. 1987 and Herzog et al. 1989 write right minus left), with its 95 % bootstrap "
        "interval over steps; SA = symmetry angle (Zifchock et al. 2008), signed like SI. A metric is "
        "flagged ⚑ only when the whole interval lies beyond its limit (docs/methods.md).</p>"
    )
    return _table(("metric", "left", "right", "both", "SI % [95% CI]", "SA %", "asymmetry"), rows) + note


def _gaps_table(analysis: Analysis) -> str:
    gaps = analysis.gaps
    if not len(gaps):
        return "<p>No missing data.</p>"
    rows = [
        (
            f"{float(g['start_s']):.3f}",
            f"{float(g['end_s']):.3f}",
            f"{float(g['end_s']) - float(g['start_s']):.3f}",
            _e(g["side"]),
            _e(int(g["n_missing"])),
            _e(g["reason"]),
        )
        for g in gaps.to_dict(orient="records")
    ]
    return (
        f"<p>{len(gaps)} interval(s) without data; they are never filled in, and steps that touch one are "
        "listed but left out of the summary.</p>"
        + _table(("start (s)", "end (s)", "length (s)", "side", "frames missing", "reason"), rows)
    )


def _recommendation_html(block: RecommendationBlock) -> str:
    if block.status == "ok":
        return f'<pre class="card">{_e(block.card)}</pre>'
    if block.status == "skipped":
        return "<p>Not requested.</p>"
    # SECTION HOOK: shown until sensorkit.recommend is installed (or when it fails).
    return f'<div class="hook" id="recommendation-hook">Insole recommendation not available: {_e(block.card)}</div>'


def _steps_table(analysis: Analysis) -> str:
    steps = analysis.steps
    if not len(steps):
        return "<p>No steps.</p>"
    if len(steps) > _MAX_STEP_ROWS:
        return f"<p>{len(steps)} steps: too many to list here; use <code>sensorkit analyze --json</code>.</p>"
    df = steps.copy()
    for col in df.columns:
        if pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].map(lambda v: _num(v, 4))
        else:
            df[col] = df[col].map(_e)
    return _table(list(df.columns), df.itertuples(index=False, name=None))


def _figure_html(fig: RenderedFigure) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    spec = fig.spec
    return (
        f'<figure id="fig-{_e(spec.key)}"><img alt="{_e(spec.title)}" src="data:image/png;base64,{data}" '
        f'width="{fig.width_px}" height="{fig.height_px}"><figcaption>{_e(spec.caption)}</figcaption></figure>'
    )


def build_html(
    recording: Recording,
    analysis: Analysis,
    figures: Sequence[RenderedFigure],
    recommendation: RecommendationBlock,
    *,
    title: str | None = None,
    generated: _dt.datetime | None = None,
) -> str:
    """The report page as one HTML string.

    Parameters
    ----------
    recording, analysis
        What the report describes.
    figures : sequence of RenderedFigure
        From :func:`sensorkit.report.figure_set.render_figures`, embedded in this order.
    recommendation : RecommendationBlock
        The recommendation section (see :mod:`sensorkit.report.recommendation`).
    title : str, optional
        Page title; default the recording's source name.
    generated : datetime, optional
        Time stamp printed in the footer (default now, UTC).

    Returns
    -------
    str
        A complete ``<!DOCTYPE html>`` document with no external references.
    """
    from sensorkit import __version__

    source = str(recording.metadata.get("source", "recording"))
    title = title or f"sensorkit report: {source.replace(chr(92), '/').rsplit('/', 1)[-1]}"
    when = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    figs = {f.spec.key: f for f in figures}
    nav = " ".join(
        f'<a href="#{k}">{_e(t)}</a>'
        for k, t in (
            ("summary", "Summary"),
            *((f"fig-{f.spec.key}", f.spec.title) for f in figures),
            ("gaps-table", "Gaps"),
            ("recommendation", "Recommendation"),
            ("steps", "Steps"),
        )
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="sensorkit {_e(__version__)}">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">Gait and loading analysis of plantar-pressure insole data. Generated {when}.</p>',
        f"<nav>{nav}</nav>",
        _meta_table(recording, analysis, title),
        '<p class="note">Forces, loading rates and pressures are <b>insole-derived</b>: insoles read lower '
        "loading rates than force plates, so compare like with like. sensorkit is a research tool, not a "
        "medical device; nothing here is a diagnosis.</p>",
        '<h2 id="summary">Summary</h2>',
        _summary_table(analysis),
    ]
    for fig in figs.values():
        parts.append(f"<h2>{_e(fig.spec.title)}</h2>")
        parts.append(_figure_html(fig))
    parts += [
        '<h2 id="gaps-table">Gaps</h2>',
        _gaps_table(analysis),
        '<h2 id="recommendation">Insole recommendation</h2>',
        _recommendation_html(recommendation),
        '<h2 id="steps">Steps and parameters</h2>',
        f"<details><summary>All {len(analysis.steps)} steps</summary>{_steps_table(analysis)}</details>",
        "<details><summary>Analysis parameters</summary>"
        + _table(("parameter", "value"), ((_e(k), _e(v)) for k, v in analysis.params.to_dict().items()))
        + "</details>",
        f"<footer>sensorkit {_e(__version__)} · methods: docs/methods.md (contact 5 % BW / 20 N with hysteresis; "
        "VALR 20-80 % of impact peak, Milner 2006; strike index, Cavanagh &amp; Lafortune 1980)</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)
