"""The cohort report: one self-contained HTML page for a batch output (``sensorkit report DIR``).

Distributions of the key metrics per group (condition when the batch had one, else subject),
per-subject asymmetry, data quality per file, and the failures. Figures are embedded PNGs
(matplotlib); every user-supplied text (file names, subjects, conditions, error messages) is
HTML-escaped.
"""

from __future__ import annotations

import base64
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from sensorkit.cohort import Cohort, read_cohort
from sensorkit.outputs import atomic_output
from sensorkit.report.sections import e
from sensorkit.report.style import figure_to_png, new_figure, styled

__all__ = ["COHORT_METRICS", "cohort_html", "write_cohort_report"]

#: (sessions column, label, unit) shown as distributions.
COHORT_METRICS = (
    ("cadence_spm", "cadence", "steps/min"),
    ("contact_time_s_both", "contact time", "s"),
    ("stance_pct_gait_cycle_both", "stance", "% gait cycle"),
    ("stride_time_s_cv_pct", "stride-time variability (CV)", "%"),
    ("peak_force_bw_both", "peak force", "BW"),
    ("valr_bw_s_both", "VALR (reliable steps only)", "BW/s"),
)
#: (metric, label) whose symmetry index is tabulated per subject. Forces in N: a symmetry index
#: has no unit (the same in BW), and the N columns exist without a body mass.
_ASYMMETRY = (
    ("contact_time_s", "contact time"),
    ("stride_time_s", "stride time"),
    ("peak_force_n", "peak force"),
    ("valr_n_s", "VALR"),
)
#: The loading rate of a cohort mostly of walkers (VALR is a running measure).
_WALKING_RATE = ("loading_rate_bw_s_both", "loading rate (walking)", "BW/s")
_WALKING_RATE_ASYMMETRY = ("loading_rate_n_s", "loading rate")


def _mostly_walking(sessions: pd.DataFrame) -> bool:
    activity = sessions.loc[sessions["status"] == "ok", "activity"]
    return bool(len(activity)) and (activity == "walking").mean() > 0.5


def _metrics(sessions: pd.DataFrame) -> tuple:
    """COHORT_METRICS, with the walking loading rate in place of VALR for a walking cohort."""
    return (*COHORT_METRICS[:-1], _WALKING_RATE) if _mostly_walking(sessions) else COHORT_METRICS


def _asymmetry_metrics(sessions: pd.DataFrame) -> tuple:
    return (*_ASYMMETRY[:-1], _WALKING_RATE_ASYMMETRY) if _mostly_walking(sessions) else _ASYMMETRY


_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:4px;break-after:avoid}
table{border-collapse:collapse;font-size:.86em;margin:8px 0;break-inside:avoid} th,td{padding:3px 9px;
border-bottom:1px solid #eee;text-align:right} th{background:#f3f3f3} td:first-child,th:first-child{text-align:left}
.bad{color:#b00020} .sub{color:#666} img{max-width:100%} footer{color:#888;font-size:.8em;margin-top:32px}
@media print{section{break-inside:avoid}}
"""


def _e(value) -> str:
    return e("" if value is None else value)


def _num(value, digits: int = 2) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return f"{v:.{digits}f}" if math.isfinite(v) else "–"


def _subjects_text(sessions: pd.DataFrame, group: str = "subject") -> str:
    """'3 subjects', and the analysed sessions with none (the figures group them as 'unknown'
    when they group by subject)."""
    n = sessions["subject"].nunique()
    text = f"{n} subject{'s' if n != 1 else ''}"
    ok = sessions["status"] == "ok" if "status" in sessions else pd.Series(True, index=sessions.index)
    missing = int((sessions["subject"].isna() & ok).sum())
    if missing:
        shown = ", shown as 'unknown'" if group == "subject" else ""
        text += f" (and {missing} analysed session{'s' if missing != 1 else ''} without one{shown})"
    return text


def _group_column(sessions: pd.DataFrame) -> str:
    cond = sessions["condition"].dropna()
    return "condition" if cond.nunique() > 1 else "subject"


def _distribution_png(sessions: pd.DataFrame, group: str) -> str:
    ok = sessions[sessions["status"] == "ok"].copy()
    ok[group] = ok[group].fillna("unknown").astype(str)
    groups = sorted(set(ok[group])) or ["all"]
    with styled():
        fig = new_figure(8.0, 5.4)
        axes = fig.subplots(2, 3, squeeze=False).ravel()
        rng = np.random.default_rng(0)
        for ax, (col, label, unit) in zip(axes, _metrics(sessions), strict=True):
            if "_bw" in col and not np.isfinite(ok[col].to_numpy(np.float64)).any():
                col, unit = col.replace("_bw", "_n"), unit.replace("BW", "N")  # no body masses: newtons
            data = []
            for g in groups:
                sel = ok if g == "all" else ok[ok[group] == g]
                v = sel[col].to_numpy(np.float64)
                data.append(v[np.isfinite(v)])
            if any(d.size for d in data):
                ax.boxplot([d if d.size else [np.nan] for d in data], showfliers=False)
                for i, d in enumerate(data, start=1):
                    ax.plot(i + rng.uniform(-0.12, 0.12, d.size), d, ".", ms=4, alpha=0.6)
                ax.set_xticks(range(1, len(groups) + 1), groups, rotation=30 if len(groups) > 4 else 0)
            else:
                ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(label, fontsize=9)
            ax.set_ylabel(unit)
        fig.suptitle(f"per session, grouped by {group} (boxes: median and quartiles; dots: sessions)")
    return base64.b64encode(figure_to_png(fig)).decode("ascii")


def _table(headers, rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cohort_html(cohort: Cohort, title: str | None = None) -> str:
    """The cohort page as one HTML string (PNG figures embedded)."""
    from sensorkit import __version__

    s = cohort.sessions
    if "path" in s and s["file"].duplicated(keep=False).any():  # one name in several folders
        s = s.assign(file=[p if isinstance(p, str) else f for f, p in zip(s["file"], s["path"], strict=True)])
    ok = s[s["status"] == "ok"]
    group = _group_column(s)
    title = title or (f"Cohort: {cohort.path.name}" if cohort.path is not None else "Cohort")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class='sub'>{len(s)} sessions ({len(ok)} analysed, {len(s) - len(ok)} failed), "
        f"{_subjects_text(s, group)}, {len(cohort.steps)} stances. Insole-derived values: "
        "means over each session's steady-state steps (docs/methods.md).</p>",
        "<section><h2>Distributions</h2>",
        f"<img alt='metric distributions by {_e(group)}' src='data:image/png;base64,{_distribution_png(s, group)}'>",
        "</section><section><h2>Asymmetry per subject</h2>",
        "<p class='sub'>Symmetry index (%, positive = left larger) of each session, with the status "
        "from its bootstrap interval and the metric's limit; 'not enough data' is never 'no asymmetry'.</p>",
    ]
    rows = []
    asymmetry = _asymmetry_metrics(s)
    for r in ok.itertuples():
        subject = "unknown" if r.subject is None or pd.isna(r.subject) else r.subject  # as the figures say
        cells = [_e(subject), _e(r.file)]
        for m, _ in asymmetry:
            si, status = getattr(r, f"{m}_si_pct"), getattr(r, f"{m}_asymmetry")
            css = " class='bad'" if status == "asymmetric" else ""
            cells.append(f"<span{css}>{_num(si, 1)} ({_e(status or '–')})</span>")
        rows.append(cells)
    parts.append(_table(["subject", "file", *(label for _, label in asymmetry)], rows))
    parts.append("</section><section><h2>Data quality per file</h2>")
    rows = [
        [
            _e(r.file),
            _e(r.format),
            _e(r.activity),
            _num(r.duration_s, 1),
            _num(r.rate_hz, 0),
            _e(r.n_valid),
            _e(r.n_steady_state),
            _e(r.n_gaps),
            _num(r.missing_pct, 2),
        ]
        for r in ok.itertuples()
    ]
    parts.append(
        _table(
            ["file", "format", "activity", "duration s", "rate Hz", "steps", "steady", "gaps", "missing %"],
            rows,
        )
    )
    parts.append("</section><section><h2>Failures</h2>")
    bad = s[s["status"] == "error"]
    if len(bad):
        parts.append(
            _table(
                ["file", "error", "message"],
                [[_e(r.file), _e(r.error_type), _e(r.error_message)] for r in bad.itertuples()],
            )
        )
    else:
        parts.append("<p>No file failed.</p>")
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    parts.append(f"</section><footer>sensorkit {__version__}, {stamp}. Methods: docs/methods.md.</footer>")
    parts.append("</body></html>")
    return "".join(parts)


def write_cohort_report(source: Cohort | str | Path, path: str | Path, *, force: bool = False) -> Path:
    """Write the cohort page of a batch output folder (or a :class:`~sensorkit.cohort.Cohort`).

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``force`` is False.
    """
    cohort = source if isinstance(source, Cohort) else read_cohort(source)
    out = Path(path)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass force=True (--force) to replace it")
    text = cohort_html(cohort)
    with atomic_output(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
