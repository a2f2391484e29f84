"""Assemble one self-contained HTML page: inline CSS, PNGs as base64 data URIs, no scripts.

A Content-Security-Policy meta tag forbids every network request (images may only be
``data:`` URIs), so opening the report never reaches out, even if a future edit slips in
an external reference. The page states who and when (:mod:`sensorkit.report.identity`), the
analysis window, the sensorkit version and every analysis parameter, and prints on A4 with
headings kept with their content (:mod:`sensorkit.report.css`).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
from collections.abc import Sequence

import numpy as np

from sensorkit.analysis.result import Analysis
from sensorkit.jsonable import to_jsonable
from sensorkit.quantities import format_number
from sensorkit.recording import Recording
from sensorkit.report.css import CSS, PRINT_CSS
from sensorkit.report.data import steady_steps
from sensorkit.report.figure_set import RenderedFigure
from sensorkit.report.identity import SessionIdentity, session_identity
from sensorkit.report.recommendation import RecommendationBlock
from sensorkit.report.references import references_html
from sensorkit.report.sections import (
    e,
    gaps_section,
    params_table,
    pressure_table,
    standing_table,
    steps_section,
    summary_table,
    table,
    window_rows,
)

__all__ = ["CSP", "build_html"]

#: No network access at all: only inline styles and data: images.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_NOTE = (
    '<p class="note">Forces, loading rates and pressures are <b>insole-derived</b>: insoles read lower '
    "loading rates than force plates, so compare like with like. sensorkit is a research tool, not a "
    "medical device; nothing here is a diagnosis.</p>"
)


def _meta(rows: Sequence[tuple[str, str]]) -> str:
    return table(("", ""), ((e(k), v) for k, v in rows), "meta").replace(
        "<thead><tr><th></th><th></th></tr></thead>", ""
    )


def _identity_html(ident: SessionIdentity) -> str:
    return _meta([(k, e(v)) for k, v in ident.rows()])


def _recording_html(recording: Recording, analysis: Analysis) -> str:
    counts = analysis.counts
    mass = analysis.body_mass_kg
    n_valid = int(counts.loc["both", "n_valid"]) if len(counts) else 0
    n_steady = int(counts.loc["both", "n_steady_state"]) if len(counts) else 0
    n_stances = len(analysis.steps)
    rows = [
        (
            "duration",
            f"{format_number(recording.duration_s, 1)} s at {recording.rate_hz:g} Hz"
            + _configured_rate_text(recording)
            + f" ({recording.n_frames} frames)",
        ),
        *_source_rows(recording),
        ("insoles", e(" + ".join(recording.sides))),
        (
            "layout",
            f"{e(recording.layout.name)}: {recording.n_sensors} sensors per insole, values in {e(recording.units)}"
            + "".join(f"; {e(note)}" for note in _position_notes(recording)),
        ),
        *_calibration_rows(recording),
        (
            "body mass",
            "unknown (forces in N)" if mass is None else f"{mass:g} kg (forces in body weights, BW)",
        ),
        ("activity", e(analysis.activity)),
        (
            "steps",
            f"{n_stances} stances, {n_valid} valid steps, {n_steady} steady-state steps summarised",
        ),
        ("cadence", f"{format_number(analysis.cadence_spm, 1)} steps/min ({e(analysis.cadence_basis)})"),
        ("contact threshold", _thresholds_text(analysis, recording)),
        *((k, e(v)) for k, v in window_rows(analysis, recording)),
    ]
    return _meta(rows)


def _calibration_rows(recording: Recording) -> list[tuple[str, str]]:
    """How raw counts became forces, for a recording sensorkit calibrated (none otherwise: the
    file's values are the device's own, as the recommendations' notes say)."""
    if not recording.metadata.get("calibration"):
        return []
    from sensorkit.recommend.facts import calibration_status

    return [("calibration", e(calibration_status(recording)[1]))]


def _configured_rate_text(recording: Recording) -> str:
    """Said when the recorder measured another rate than the device was configured with
    (``metadata["configured_rate_hz"]``, sensorkit/devices/assemble.py)."""
    configured = recording.metadata.get("configured_rate_hz")
    if not isinstance(configured, (int, float)) or isinstance(configured, bool):
        return ""
    return f", measured from the frame times (configured {float(configured):g} Hz)"


def _source_rows(recording: Recording) -> list[tuple[str, str]]:
    """What the file was (the reader's description of its format: the device family) and the
    dataset's citation when the reader knows one (PhysioNet's licence asks for it)."""
    from sensorkit.io.formats import FORMAT_TABLE

    md = recording.metadata
    described = {spec.name: spec.description for spec in FORMAT_TABLE}
    rows = []
    if md.get("format") in described:
        rows.append(("format", e(described[md["format"]])))
    if md.get("citation"):
        rows.append(("data source", e(md["citation"])))
    return rows


def _position_notes(recording: Recording) -> list[str]:
    """What is uncertain about the sensor positions of the recorded sides (foot loading, CPEI
    and strike index rest on them), once per distinct note."""
    notes = [recording.layout_for(side).positions_note for side in recording.sides]
    return [n for k, n in enumerate(notes) if n and n not in notes[:k]]


def _thresholds_text(analysis: Analysis, recording: Recording) -> str:
    """The contact thresholds the events were found at (contact and toe-off times depend on
    them: docs/methods.md, Gait events), and the frame period that bounds every time."""
    parts = [
        f"{side} {format_number(th['on'], 0)} N"
        for side in ("left", "right")
        if (th := analysis.thresholds_n.get(side)) is not None
        and getattr(recording, side) is not None
        # a side with no valid frame has none; one sensor tells, since only whole frames are NaN
        # (Recording.from_arrays), so the header does not scan every value of a long session
        and np.isfinite(getattr(recording, side)[:, 0]).any()
    ]
    text = ", ".join(parts) if parts else "–"
    return e(
        f"{text} (event times depend on it: docs/methods.md, Gait events); times are to the frame, "
        f"{format_number(1000.0 / recording.rate_hz, 1)} ms at {recording.rate_hz:g} Hz"
    )


def _figure_html(fig: RenderedFigure) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    spec = fig.spec
    return (
        f'<figure id="fig-{e(spec.key)}"><img alt="{e(spec.title)}" src="data:image/png;base64,{data}" '
        f'width="{fig.width_px}" height="{fig.height_px}"><figcaption>{e(fig.caption or spec.caption)}</figcaption></figure>'
    )


def _recommendation_html(block: RecommendationBlock) -> str:
    # the recommender's own HTML card (human names, units, evidence, caveats); escaped text otherwise
    from sensorkit.report.recommendation import recommendation_html

    return recommendation_html(block)


def _section(anchor: str, title: str, body: str, *, keep: bool = True) -> str:
    cls = "keep" if keep else "long"
    return f'<section id="{e(anchor)}" class="{cls}"><h2>{e(title)}</h2>{body}</section>'


_MAX_EVENT_ROWS = 500


def _events_table(events) -> str:
    """Markers of the recording (tags, tares, biofeedback cues, vendor step events): time, label, source."""
    rows = "".join(
        f"<tr><td>{float(t):.2f}</td><td>{e(label)}</td><td>{e(source)}</td></tr>"
        for t, label, source in events[["time_s", "label", "source"]]
        .head(_MAX_EVENT_ROWS)
        .itertuples(index=False)
    )
    more = f"<p>{len(events) - _MAX_EVENT_ROWS} more not shown.</p>" if len(events) > _MAX_EVENT_ROWS else ""
    return (
        "<p>Markers stored with the recording (tags, tares, cues, or a device's own step detections), "
        "as recorded. The gait events in this report are sensorkit's own, detected from the force "
        "(the steps table); these markers are not used. A device's own contacts and toe-offs can differ "
        "from sensorkit's by tens of milliseconds, and contact and stance times with them: each detects "
        "contact at its own force threshold (sensorkit's is in the header; docs/methods.md).</p>"
        "<table><thead><tr><th>time (s)</th><th>event</th><th>source</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{more}"
    )


def build_html(
    recording: Recording,
    analysis: Analysis,
    figures: Sequence[RenderedFigure],
    recommendation: RecommendationBlock,
    *,
    identity: SessionIdentity | None = None,
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
    identity : SessionIdentity, optional
        Subject, session, date, condition, notes (default: from the recording's metadata).
    title : str, optional
        Page title; default the identity's title (subject, session, date, or the file name).
    generated : datetime, optional
        Time stamp printed under the title (default now, UTC).

    Returns
    -------
    str
        A complete ``<!DOCTYPE html>`` document with no external references.
    """
    from sensorkit import __version__

    ident = identity or session_identity(recording)
    title = title or f"Gait and loading report: {ident.title()}"
    when = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    sections = [("summary", "Summary")]
    if analysis.standing is not None and len(analysis.standing):
        sections.append(("standing", "Standing"))
    pressure = pressure_table(analysis, recording)
    if pressure is not None:
        sections.append(("pressure", "Pressure per region"))
    sections += [(f"fig-{f.spec.key}", f.spec.title) for f in figures]
    events = getattr(recording, "events", None)
    has_events = events is not None and len(events) > 0
    if has_events:
        sections.append(("events", "Events"))
    sections += [("gaps-table", "Gaps"), ("recommendation", "Recommendation"), ("steps", "Steps")]
    nav = " ".join(f'<a href="#{k}">{e(t)}</a>' for k, t in sections)
    params_json = json.dumps(to_jsonable(analysis.params.to_dict()), sort_keys=True)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="sensorkit {e(__version__)}">',
        f'<meta name="sensorkit-version" content="{e(__version__)}">',
        f'<meta name="sensorkit-params" content="{e(params_json)}">',
        f"<title>{e(title)}</title><style>{CSS}{PRINT_CSS}</style></head><body><main>",
        f"<h1>{e(title)}</h1>",
        f'<p class="sub">Gait and loading analysis of plantar-pressure insole data. Generated {when} '
        f"by sensorkit {e(__version__)}.</p>",
        f"<nav>{nav}</nav>",
        '<section id="identity" class="keep"><div class="ident">',
        _identity_html(ident),
        _recording_html(recording, analysis),
        "</div></section>",
        _NOTE,
        _section("summary", "Summary", summary_table(analysis)),
    ]
    if analysis.standing is not None and len(analysis.standing):
        parts.append(_section("standing", "Standing", standing_table(analysis)))
    if pressure is not None:
        parts.append(_section("pressure", "Pressure per region", pressure))
    for fig in figures:
        parts.append(_section(f"sec-{fig.spec.key}", fig.spec.title, _figure_html(fig)))
    if has_events:
        parts.append(_section("events", "Events", _events_table(events)))
    parts += [
        _section("gaps-table", "Gaps", gaps_section(analysis, recording)),
        _section("recommendation", "Insole recommendation", _recommendation_html(recommendation)),
        _section("steps", "Steps", steps_section(analysis), keep=False),
        _section(
            "parameters",
            "Analysis parameters",
            f"<p>sensorkit {e(__version__)}; methods in docs/methods.md. Steady-state steps in the summary: "
            f"{len(steady_steps(analysis))}.</p>"
            "<details open><summary>Parameters</summary>" + params_table(analysis) + "</details>",
            keep=False,
        ),
    ]
    footer = (
        f"<footer>sensorkit {e(__version__)} · methods: docs/methods.md (contact at a noise-adaptive threshold "
        "on a low-passed force, never from body mass; VALR 20-80 % of the impact peak, Milner et al. 2006; "
        "strike index, Cavanagh &amp; Lafortune 1980)</footer>"
    )
    refs = references_html("\n".join([*parts, footer]))
    if refs:
        parts.append(_section("references", "References", refs, keep=False))
        parts[parts.index(f"<nav>{nav}</nav>")] = f'<nav>{nav} <a href="#references">References</a></nav>'
    parts += [footer, "</main></body></html>"]
    return "\n".join(parts)
