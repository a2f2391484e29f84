"""The insole-trial page: a self-contained HTML report of a :class:`sensorkit.recommend.Comparison`.

``write_compare_report(comparison, path)`` is the whole interface (used by ``sensorkit compare
--report`` and by ``sensorkit report A B ...``): one HTML file with no external references
(a Content-Security-Policy forbids any), every user-supplied text (labels, notes) escaped.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

from sensorkit.outputs import atomic_output
from sensorkit.quantities import display_unit, format_difference, format_value
from sensorkit.recommend.compare import worsens_text
from sensorkit.report.sections import e

__all__ = ["CSP", "compare_html", "write_compare_report"]

#: No scripts, no external resources.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#222;margin:0;
 background:#fafafa;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.higher{color:#a40000}.lower{color:#1a6b1a}
.suggestion{background:#eef6ee;border-left:4px solid #1a6b1a;padding:8px 12px}
.warning{background:#fdecea;border-left:6px solid #a40000;padding:8px 12px;font-weight:600}
.note{color:#555;font-size:14px}
"""


def _e(value: Any) -> str:
    return e(value)


def _n(value: Any, digits: int = 3) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _e(value)
    return "n/a" if not math.isfinite(v) else f"{v:.{digits}g}"


def compare_html(comparison: Any, *, title: str | None = None, generated: _dt.datetime | None = None) -> str:
    """The comparison page as one HTML string (see :func:`write_compare_report`)."""
    cmp = comparison
    title = title or f"Insole trial: {cmp.baseline} vs " + ", ".join(
        str(c) for c in cmp.conditions["condition"] if c != cmp.baseline
    )
    when = (generated or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        *(f'<p class="warning">Warning: {_e(w)}.</p>' for w in getattr(cmp, "warnings", ())),
        f"<p>Activity: {_e(cmp.activity)}. Baseline: <b>{_e(cmp.baseline)}</b>. Generated {_e(when)}.</p>",
        f'<p class="suggestion"><b>Suggestion.</b> {_e(cmp.suggestion)}</p>',
        "<h2>Options</h2>",
        "<table><thead><tr><th>option</th><th>sessions</th><th>steps</th><th>comfort (0-10)</th>"
        "<th>loading-rate method</th><th>worsens loading or asymmetry</th><th>lowers</th></tr></thead><tbody>",
    ]
    for r in cmp.conditions.to_dict(orient="records"):
        worse = worsens_text(r, cmp.baseline)
        parts.append(
            f"<tr><td>{_e(r['condition'])}</td><td class=num>{_e(r['n_sessions'])}</td>"
            f"<td class=num>{_e(r['n_steps'])}</td><td class=num>{_n(r['comfort'])}</td>"
            f"<td>{_e(r['loading_rate_method'])}</td><td>{_e(worse)}</td><td>{_e(r['better_metrics'])}</td></tr>"
        )
    parts.append("</tbody></table>")
    for name in cmp.conditions["condition"]:
        if name == cmp.baseline:
            continue
        parts.append(f"<h2>{_e(name)} compared with {_e(cmp.baseline)}</h2>")
        parts.append(
            "<table><thead><tr><th>metric</th><th>unit</th><th>role</th><th>value</th><th>baseline</th>"
            "<th>difference</th><th>95 % interval</th><th>change</th><th>verdict</th></tr></thead><tbody>"
        )
        for r in cmp.table[cmp.table["condition"] == name].to_dict(orient="records"):
            verdict = str(r["verdict"])
            cls = f' class="{verdict}"' if verdict in ("higher", "lower") else ""
            pct = (
                ""
                if not math.isfinite(float(r["difference_pct"]))
                else f"{float(r['difference_pct']):+.1f} %"
            )
            m = str(r["metric"])  # shown in its clinical unit and precision (sensorkit.quantities)
            interval = (
                ""
                if not math.isfinite(float(r["ci_low"]))
                else f"{format_difference(m, r['ci_low'])} to {format_difference(m, r['ci_high'])}"
            )
            diff = "" if not math.isfinite(float(r["difference"])) else format_difference(m, r["difference"])
            parts.append(
                f"<tr><td>{_e(r['label'])}</td><td>{_e(display_unit(m))}</td><td>{_e(r['role'])}</td>"
                f"<td class=num>{_e(format_value(m, r['value']))}</td>"
                f"<td class=num>{_e(format_value(m, r['baseline_value']))}</td>"
                f"<td class=num>{_e(diff)}</td><td class=num>{_e(interval)}</td><td class=num>{_e(pct)}</td>"
                f"<td{cls}>{_e(verdict)}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("<h2>How to read this</h2><ul>")
    parts.extend(f'<li class="note">{_e(n)}</li>' for n in cmp.notes)
    parts.append(
        '<li class="note">Loading and asymmetry rows decide whether an option is worse (the whole interval above '
        "zero); other rows are context. Values are insole-derived: compare like with like.</li></ul>"
    )
    parts.append("<h2>Sources</h2><ol>")
    parts.extend(f"<li>{_e(c.text())} <em>({_e(c.grade)})</em></li>" for c in cmp.citations)
    parts.append("</ol></main></body></html>")
    return "\n".join(parts)


def write_compare_report(comparison: Any, path: str | Path) -> Path:
    """Write the insole-trial page of ``comparison`` to ``path`` (replaced if it exists).

    Parameters
    ----------
    comparison : Comparison
        From :func:`sensorkit.compare`.
    path : str or Path
        The ``.html`` file; its folder must exist.

    Returns
    -------
    Path

    Raises
    ------
    FileNotFoundError
        When the folder of ``path`` does not exist.
    """
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write the comparison report {out}: folder {folder} does not exist")
    text = compare_html(comparison)
    with atomic_output(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
